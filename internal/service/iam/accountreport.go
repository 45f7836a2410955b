package iam

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
)

// The credential report: a CSV line per user (the root user first) with
// the state of its password, MFA, access keys and signing certificates, in
// AWS's columns. As on AWS, a report is kept for four hours: generating
// again within that time answers COMPLETE and keeps the report, and
// GetCredentialReport refuses an older one as expired.

// credentialReportTTL is how long a credential report is kept.
const credentialReportTTL = 4 * time.Hour

// credentialReportColumns are the report's columns, in AWS's order.
var credentialReportColumns = []string{
	"user", "arn", "user_creation_time", "password_enabled", "password_last_used",
	"password_last_changed", "password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
	"access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
	"access_key_2_last_used_region", "access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
}

// Values the report uses where a column does not apply.
const (
	reportNA            = "N/A"
	reportNotSupported  = "not_supported"
	reportNoInformation = "no_information"
)

// reportTime formats a time as the report does (ISO 8601, +00:00).
func reportTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

// GenerateCredentialReport builds the account's credential report, unless
// one less than four hours old exists. The first call answers STARTED (the
// report is then ready: gatehouse builds it at once), later ones COMPLETE.
func (s *Service) GenerateCredentialReport(ctx context.Context, c *call.Call, _ *struct{}) (*api.GenerateCredentialReportOutput, error) {
	acct := c.Principal.AccountID
	now := s.now()
	st, err := s.viewSettings(ctx, acct)
	if err != nil {
		return nil, err
	}
	if len(st.CredentialReport) > 0 && now.Sub(st.CredentialReportTime) < credentialReportTTL {
		return &api.GenerateCredentialReportOutput{State: api.ReportStateTypeComplete}, nil
	}
	report, err := s.buildCredentialReport(ctx, acct)
	if err != nil {
		return nil, err
	}
	err = s.updateSettings(ctx, acct, func(_ *iam.Tx, st *iam.AccountSettings) error {
		st.CredentialReport, st.CredentialReportTime = report, now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.GenerateCredentialReportOutput{
		State:       api.ReportStateTypeStarted,
		Description: ptr("No report exists. Starting a new report generation task"),
	}, nil
}

// GetCredentialReport returns the last credential report (CSV), or
// ReportNotPresent / ReportExpired.
func (s *Service) GetCredentialReport(ctx context.Context, c *call.Call, _ *struct{}) (*api.GetCredentialReportOutput, error) {
	st, err := s.viewSettings(ctx, c.Principal.AccountID)
	if err != nil {
		return nil, err
	}
	if len(st.CredentialReport) == 0 {
		return nil, api.NewCredentialReportNotPresentException("Credential report not present. Use GenerateCredentialReport to generate a report.")
	}
	if s.now().Sub(st.CredentialReportTime) >= credentialReportTTL {
		return nil, api.NewCredentialReportExpiredException("Credential report expired. Use GenerateCredentialReport to generate a new report.")
	}
	return &api.GetCredentialReportOutput{
		Content: st.CredentialReport, ReportFormat: api.ReportFormatTypeTextCsv, GeneratedTime: ptr(st.CredentialReportTime),
	}, nil
}

// reportSubject is one line of the report before formatting.
type reportSubject struct {
	user *iam.User // nil for the root user
	keys []*account.AccessKey
}

// buildCredentialReport reads the account's users and credentials and
// renders the report.
func (s *Service) buildCredentialReport(ctx context.Context, acct string) ([]byte, error) {
	var (
		a        *account.Account
		policy   *iam.PasswordPolicy
		rootMFA  bool
		subjects []reportSubject
	)
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		if a, err = account.Get(tx, acct); err != nil {
			return err
		}
		settings, err := tx.Settings(acct)
		if err != nil {
			return err
		}
		policy = settings.PasswordPolicy
		devices, err := tx.MFADevices(acct)
		if err != nil {
			return err
		}
		for _, d := range devices {
			if d.UserName == iam.RootMFAUser {
				rootMFA = true
			}
		}
		root := keyOwner{accountID: acct}
		rootKeys, err := root.keys(tx)
		if err != nil {
			return err
		}
		subjects = append(subjects, reportSubject{keys: rootKeys})
		users, err := tx.Users(acct)
		if err != nil {
			return err
		}
		for _, u := range users {
			keys, err := keyOwner{accountID: acct, user: u}.keys(tx)
			if err != nil {
				return err
			}
			subjects = append(subjects, reportSubject{user: u, keys: keys})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(credentialReportColumns); err != nil {
		return nil, err
	}
	for _, sub := range subjects {
		var line []string
		if sub.user == nil {
			line = []string{
				"<root_account>", a.RootARN(), reportTime(a.CreatedAt), reportNotSupported, reportNoInformation,
				reportNotSupported, reportNotSupported, strconv.FormatBool(rootMFA),
			}
		} else {
			line = s.userReportColumns(sub.user, policy)
		}
		for i := range 2 {
			cols, err := s.keyReportColumns(ctx, sub.keys, i)
			if err != nil {
				return nil, err
			}
			line = append(line, cols...)
		}
		for i := range 2 {
			line = append(line, certReportColumns(sub.user, i)...)
		}
		if err := w.Write(line); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// userReportColumns are an IAM user's columns up to mfa_active.
func (s *Service) userReportColumns(u *iam.User, policy *iam.PasswordPolicy) []string {
	lp := u.LoginProfile
	enabled, lastUsed, changed, next := "false", reportNA, reportNA, reportNA
	if lp != nil {
		enabled, lastUsed, changed = "true", reportNoInformation, reportTime(lp.ChangedDate)
		if exp := iam.PasswordExpiry(policy, lp); !exp.IsZero() {
			next = reportTime(exp)
		}
	}
	if !u.PasswordLastUsed.IsZero() {
		lastUsed = reportTime(u.PasswordLastUsed)
	}
	return []string{
		u.Name, u.ARN(), reportTime(u.CreateDate), enabled, lastUsed, changed, next,
		strconv.FormatBool(len(u.MFADevices) > 0),
	}
}

// keyReportColumns are the five columns of the i-th access key.
func (s *Service) keyReportColumns(ctx context.Context, keys []*account.AccessKey, i int) ([]string, error) {
	if i >= len(keys) {
		return []string{"false", reportNA, reportNA, reportNA, reportNA}, nil
	}
	k := keys[i]
	cols := []string{strconv.FormatBool(k.Status == account.StatusActive), reportTime(k.CreatedAt), reportNA, reportNA, reportNA}
	use, found, err := s.dir.AccessKeyLastUsed(ctx, k.ID)
	if err != nil {
		return nil, err
	}
	if found {
		cols[2] = reportTime(use.Time)
		if use.Region != "" {
			cols[3] = use.Region
		}
		if use.Service != "" {
			cols[4] = use.Service
		}
	}
	return cols, nil
}

// certReportColumns are the two columns of a user's i-th signing
// certificate (the root user has none gatehouse knows of).
func certReportColumns(u *iam.User, i int) []string {
	if u == nil || i >= len(u.SigningCerts) {
		return []string{"false", reportNA}
	}
	cert := u.SigningCerts[i]
	return []string{strconv.FormatBool(cert.Status == "Active"), reportTime(cert.UploadDate)}
}
