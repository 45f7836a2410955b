package compliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/kms"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Source is where Audit reads its facts: a node's IAM directory (whose
// store also holds the account records and the audit trail), its
// Organizations state, and the management account's id. The fields match
// app.Data's and app.App's.
type Source struct {
	Directory           *iam.Directory
	Organizations       *organizations.Store
	ManagementAccountID string
}

// Options tunes an audit. The zero value audits now with the CIS defaults.
type Options struct {
	// Now is the audit's time; zero means time.Now().
	Now time.Time
	// Region is the region named in ASFF product ARNs; "" means us-east-1.
	Region string
	// RootUseWindow is how far back control 1.7 looks for root activity;
	// zero means DefaultRootUseWindow.
	RootUseWindow time.Duration
}

// Thresholds of the checks, from the CIS recommendations.
const (
	// DefaultRootUseWindow is how far back control 1.7 looks for root
	// activity by default.
	DefaultRootUseWindow = 90 * 24 * time.Hour
	// UnusedCredentialAge is when control 1.12 calls a credential unused.
	UnusedCredentialAge = 45 * 24 * time.Hour
	// KeyRotationAge is the oldest an active access key may be (1.14).
	KeyRotationAge = 90 * 24 * time.Hour
	// MinPasswordLength is the password policy's minimum length CIS asks
	// for (1.8).
	MinPasswordLength = 14
	// MinPasswordReuse is the number of remembered passwords CIS asks for
	// (1.9).
	MinPasswordReuse = 24
)

// AWS managed policies the checks look for.
const (
	SupportAccessPolicyARN   = "arn:aws:iam::aws:policy/AWSSupportAccess"
	CloudShellFullAccessARN  = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
	defaultRegion            = "us-east-1"
	rootUseEventsScanLimit   = 20 // pages of trail events read for 1.7
	rootUseEventsPageSize    = 50
	accountResourceType      = "AwsAccount"
	userResourceType         = "AwsIamUser"
	roleResourceType         = "AwsIamRole"
	policyResourceType       = "AwsIamPolicy"
	kmsKeyResourceType       = "AwsKmsKey"
	otherResourceType        = "Other"
	serverCertificateARNType = otherResourceType
)

// Result is one control's result for one resource of one account.
type Result struct {
	Control   *Control
	AccountID string
	// ResourceType is the ASFF resource type (AwsAccount, AwsIamUser,
	// AwsIamRole, AwsIamPolicy, Other).
	ResourceType string
	// Resource is the resource's ARN (the root user's ARN for root user
	// controls, AWS::::Account:ID for account-wide settings).
	Resource string
	Status   Status
	// Detail says what was found: why the control passed, failed or does
	// not apply.
	Detail string
	// Command is an aws CLI command that fixes a failure, "" when none
	// does.
	Command string
}

// AccountReport is the audit of one account.
type AccountReport struct {
	AccountID string
	Name      string
	Email     string
	// Status is the account's Organizations status (ACTIVE, SUSPENDED,
	// ...), "" outside an organization.
	Status     string
	Management bool
	Results    []Result
}

// Summary counts results by status.
type Summary struct {
	Passed, Failed, NotApplicable int
}

// Total is the number of results.
func (s Summary) Total() int { return s.Passed + s.Failed + s.NotApplicable }

func (s *Summary) add(r *Result) {
	switch r.Status {
	case Passed:
		s.Passed++
	case Failed:
		s.Failed++
	default:
		s.NotApplicable++
	}
}

// Summary counts the account's results by status.
func (a *AccountReport) Summary() Summary {
	var s Summary
	for i := range a.Results {
		s.add(&a.Results[i])
	}
	return s
}

// Report is a whole audit.
type Report struct {
	GeneratedAt         time.Time
	ManagementAccountID string
	// OrganizationID is "" when the management account is in no
	// organization (then Accounts holds it alone).
	OrganizationID string
	Region         string
	Accounts       []AccountReport
}

// Summary counts every result by status.
func (r *Report) Summary() Summary {
	var s Summary
	for i := range r.Accounts {
		for j := range r.Accounts[i].Results {
			s.add(&r.Accounts[i].Results[j])
		}
	}
	return s
}

// Failed reports whether any control failed.
func (r *Report) Failed() bool { return r.Summary().Failed > 0 }

// Find returns the results of a control in an account.
func (r *Report) Find(accountID, controlID string) []Result {
	var out []Result
	for _, a := range r.Accounts {
		if a.AccountID != accountID {
			continue
		}
		for _, res := range a.Results {
			if res.Control.ID == controlID {
				out = append(out, res)
			}
		}
	}
	return out
}

// ControlStatus folds a control's results in an account into one status:
// Failed if any failed, NotApplicable if all are, Passed otherwise; "" when
// the account has no result for it.
func (r *Report) ControlStatus(accountID, controlID string) Status {
	results := r.Find(accountID, controlID)
	if len(results) == 0 {
		return ""
	}
	st := NotApplicable
	for _, res := range results {
		switch res.Status {
		case Failed:
			return Failed
		case Passed:
			st = Passed
		}
	}
	return st
}

// Audit checks every account of the management account's organization (or
// the management account alone when it has none) against Controls.
func Audit(ctx context.Context, src Source, opts Options) (*Report, error) {
	if src.Directory == nil || src.ManagementAccountID == "" {
		return nil, errors.New("compliance: the source needs a directory and the management account id")
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	region := opts.Region
	if region == "" {
		region = defaultRegion
	}
	window := opts.RootUseWindow
	if window <= 0 {
		window = DefaultRootUseWindow
	}
	rep := &Report{GeneratedAt: now, ManagementAccountID: src.ManagementAccountID, Region: region}
	accounts, err := auditedAccounts(ctx, src, rep)
	if err != nil {
		return nil, err
	}
	for _, a := range accounts {
		f, err := gatherFacts(ctx, src, a.AccountID, now, window)
		if err != nil {
			return nil, fmt.Errorf("compliance: account %s: %w", a.AccountID, err)
		}
		if a.Name == "" {
			a.Name = f.accountName
		}
		if a.Email == "" {
			a.Email = f.accountEmail
		}
		a.Results = runChecks(f)
		rep.Accounts = append(rep.Accounts, a)
	}
	return rep, nil
}

// auditedAccounts lists the accounts to audit, the management account
// first, and fills in the report's organization id.
func auditedAccounts(ctx context.Context, src Source, rep *Report) ([]AccountReport, error) {
	mgmt := AccountReport{AccountID: src.ManagementAccountID, Management: true}
	if src.Organizations == nil {
		return []AccountReport{mgmt}, nil
	}
	var out []AccountReport
	err := src.Organizations.View(ctx, func(tx *organizations.Tx) error {
		org, err := tx.OrganizationOfAccount(src.ManagementAccountID)
		if errors.Is(err, organizations.ErrNotFound) {
			out = []AccountReport{mgmt}
			return nil
		}
		if err != nil {
			return err
		}
		if org.ManagementAccountID != src.ManagementAccountID {
			// The node's management account joined another organization
			// (as a member): audit it alone, as it cannot see the others.
			out = []AccountReport{mgmt}
			return nil
		}
		rep.OrganizationID = org.ID
		members, err := tx.Members(org.ID)
		if err != nil {
			return err
		}
		out = append(out, mgmt)
		for _, m := range members {
			if m.AccountID == src.ManagementAccountID {
				out[0].Name, out[0].Email, out[0].Status = m.Name, m.Email, m.Status
				continue
			}
			out = append(out, AccountReport{AccountID: m.AccountID, Name: m.Name, Email: m.Email, Status: m.Status})
		}
		return nil
	})
	return out, err
}

// facts is what the checks know about one account.
type facts struct {
	accountID    string
	accountName  string
	accountEmail string
	now          time.Time
	rootUseSince time.Time // start of 1.7's window

	rootKeys []*account.AccessKey
	rootMFA  []*iam.MFADevice
	// rootLastUsed is the root user's latest activity found (trail or key
	// use), zero if none.
	rootLastUsed time.Time
	rootUseWhat  string

	passwordPolicy *iam.PasswordPolicy
	users          []*iam.User
	// userKeys holds each user's access key records, by user id.
	userKeys map[string][]*account.AccessKey
	// keyUse holds the last use of the keys that were ever used.
	keyUse       map[string]time.Time
	groups       []*iam.Group
	roles        []*iam.Role
	policies     []*iam.ManagedPolicy
	certificates []*iam.ServerCertificate
	// kmsKeys are the account's KMS keys in every Region.
	kmsKeys []*kms.Key
}

// gatherFacts reads everything the checks need about one account.
func gatherFacts(ctx context.Context, src Source, accountID string, now time.Time, window time.Duration) (*facts, error) {
	f := &facts{accountID: accountID, now: now, rootUseSince: now.Add(-window), userKeys: map[string][]*account.AccessKey{}, keyUse: map[string]time.Time{}}
	err := src.Directory.View(ctx, func(tx *iam.Tx) error {
		if a, err := account.Get(tx.Tx, accountID); err == nil {
			f.accountName, f.accountEmail = a.Name, a.Email
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		var err error
		if f.rootKeys, err = account.RootAccessKeys(tx.Tx, accountID); err != nil {
			return err
		}
		if f.kmsKeys, err = kms.AccountKeys(tx.Tx, accountID); err != nil {
			return err
		}
		if f.rootMFA, err = tx.MFADeviceForUser(accountID, iam.RootMFAUser); err != nil {
			return err
		}
		settings, err := tx.Settings(accountID)
		if err != nil {
			return err
		}
		f.passwordPolicy = settings.PasswordPolicy
		if f.users, err = tx.Users(accountID); err != nil {
			return err
		}
		for _, u := range f.users {
			for _, id := range u.AccessKeys {
				k, err := account.GetAccessKey(tx.Tx, id)
				if errors.Is(err, account.ErrUnknownAccessKey) {
					continue
				}
				if err != nil {
					return err
				}
				f.userKeys[u.ID] = append(f.userKeys[u.ID], k)
			}
		}
		if f.groups, err = tx.Groups(accountID); err != nil {
			return err
		}
		if f.roles, err = tx.Roles(accountID); err != nil {
			return err
		}
		if f.policies, err = tx.Policies(accountID); err != nil {
			return err
		}
		f.certificates, err = tx.ServerCertificates(accountID)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Key use is read outside the transaction: the directory keeps recent
	// uses in memory and reads older ones in a transaction of its own.
	keys := slices.Clone(f.rootKeys)
	for _, ks := range f.userKeys {
		keys = append(keys, ks...)
	}
	for _, k := range keys {
		use, found, err := src.Directory.AccessKeyLastUsed(ctx, k.ID)
		if err != nil {
			return nil, err
		}
		if found {
			f.keyUse[k.ID] = use.Time
		}
	}
	for _, k := range f.rootKeys {
		if t, ok := f.keyUse[k.ID]; ok && t.After(f.rootLastUsed) {
			f.rootLastUsed, f.rootUseWhat = t, "access key "+k.ID+" was last used "+day(t)
		}
	}
	t, err := lastRootEvent(ctx, src.Directory.Store(), accountID, f.rootUseSince, now)
	if err != nil {
		return nil, err
	}
	if t.After(f.rootLastUsed) {
		f.rootLastUsed, f.rootUseWhat = t, "the audit trail records a root user call at "+t.Format(time.RFC3339)
	}
	return f, nil
}

// lastRootEvent returns the time of the account's newest trail event made
// by its root user in [since, now], or zero. LookupEvents' Username "root"
// also matches an IAM user named root, so each event's userIdentity type is
// checked.
func lastRootEvent(ctx context.Context, st store.Store, accountID string, since, now time.Time) (time.Time, error) {
	q := store.EventQuery{AccountID: accountID, StartTime: since, EndTime: now, Attribute: "Username", Value: "root", Limit: rootUseEventsPageSize}
	for range rootUseEventsScanLimit {
		recs, next, err := st.QueryEvents(ctx, q)
		if err != nil {
			return time.Time{}, fmt.Errorf("read the audit trail: %w", err)
		}
		for _, rec := range recs {
			var ev struct {
				UserIdentity struct {
					Type string `json:"type"`
				} `json:"userIdentity"`
			}
			if json.Unmarshal(rec.JSON, &ev) == nil && ev.UserIdentity.Type == string(identity.Root) {
				return rec.EventTime.UTC(), nil
			}
		}
		if next == "" {
			break
		}
		q.NextToken = next
	}
	return time.Time{}, nil
}

// day formats a time as a date.
func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// accountResource is the ASFF id of an account-wide setting.
func accountResource(accountID string) string { return "AWS::::Account:" + accountID }

// rootARN is the root user's ARN.
func rootARN(accountID string) string { return "arn:aws:iam::" + accountID + ":root" }

// keyLastUsed is when a key was last used, or when it was created if never.
func (f *facts) keyLastActive(k *account.AccessKey) (t time.Time, used bool) {
	if u, ok := f.keyUse[k.ID]; ok {
		return u, true
	}
	return k.CreatedAt, false
}

// activeKeys returns a user's active keys, oldest first.
func (f *facts) activeKeys(u *iam.User) []*account.AccessKey {
	var out []*account.AccessKey
	for _, k := range f.userKeys[u.ID] {
		if k.Status == account.StatusActive {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b *account.AccessKey) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

// joinLines joins details with "; ".
func joinLines(parts []string) string { return strings.Join(parts, "; ") }
