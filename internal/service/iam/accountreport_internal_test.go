package iam

import (
	"bytes"
	"context"
	"encoding/csv"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/keyring"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// These tests drive the handlers directly, with a clock they move, for
// what depends on time: the credential report's four-hour life, password
// expiry, and last-use data noted by the directory.

// clockedService is a Service over a fresh store whose clock the test sets.
type clockedService struct {
	*Service
	now     time.Time
	account string
}

func newClockedService(t *testing.T) *clockedService {
	t.Helper()
	return newClockedServiceWith(t, nil)
}

// newClockedServiceWith is newClockedService with AWS managed policies.
func newClockedServiceWith(t *testing.T, awsPolicies iam.AWSManagedPolicies) *clockedService {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	kr, err := keyring.LoadOrCreate(filepath.Join(dir, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	creds := account.NewCredentials(st, kr)
	acct, _, err := account.Bootstrap(context.Background(), st, creds, account.BootstrapConfig{AccountID: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	cs := &clockedService{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), account: acct}
	cs.Service = New(iam.NewDirectory(st, kr, creds, awsPolicies), nil)
	cs.Service.now = func() time.Time { return cs.now }
	return cs
}

// root is a call by the account's root user.
func (cs *clockedService) root() *call.Call {
	return &call.Call{Principal: &identity.Principal{Type: identity.Root, AccountID: cs.account, ARN: "arn:aws:iam::" + cs.account + ":root"}}
}

// user is a call by an IAM user of the account.
func (cs *clockedService) user(name string) *call.Call {
	return &call.Call{Principal: &identity.Principal{Type: identity.IAMUser, AccountID: cs.account, UserName: name,
		ARN: "arn:aws:iam::" + cs.account + ":user/" + name}}
}

func expectCode(t *testing.T, err error, code string) {
	t.Helper()
	pe, ok := protocol.AsError(err)
	if !ok || pe.Code != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

func TestCredentialReportLifetime(t *testing.T) {
	cs := newClockedService(t)
	ctx := context.Background()
	if _, err := cs.CreateUser(ctx, cs.root(), &api.CreateUserInput{UserName: ptr("uma")}); err != nil {
		t.Fatal(err)
	}
	key, err := cs.CreateAccessKey(ctx, cs.root(), &api.CreateAccessKeyInput{UserName: ptr("uma")})
	if err != nil {
		t.Fatal(err)
	}
	keyID := *key.AccessKey.AccessKeyId
	used := cs.now.Add(-time.Minute)
	cs.dir.NoteAccessKeyUse(keyID, "sts", "eu-west-1", used)

	gen, err := cs.GenerateCredentialReport(ctx, cs.root(), nil)
	if err != nil || gen.State != api.ReportStateTypeStarted {
		t.Fatalf("GenerateCredentialReport = %+v, %v", gen, err)
	}
	generated := cs.now
	rep, err := cs.GetCredentialReport(ctx, cs.root(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(rep.Content)).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("report rows = %v, %v", rows, err)
	}
	uma := rows[2]
	col := func(name string) string { return uma[slices.Index(rows[0], name)] }
	if col("access_key_1_last_used_date") != used.Format("2006-01-02T15:04:05+00:00") ||
		col("access_key_1_last_used_region") != "eu-west-1" || col("access_key_1_last_used_service") != "sts" ||
		col("access_key_1_active") != "true" {
		t.Errorf("uma's line = %v", uma)
	}

	// Within four hours the report is kept, even as things change.
	cs.now = cs.now.Add(3 * time.Hour)
	if _, err := cs.CreateUser(ctx, cs.root(), &api.CreateUserInput{UserName: ptr("victor")}); err != nil {
		t.Fatal(err)
	}
	gen, err = cs.GenerateCredentialReport(ctx, cs.root(), nil)
	if err != nil || gen.State != api.ReportStateTypeComplete {
		t.Fatalf("GenerateCredentialReport within 4h = %+v, %v", gen, err)
	}
	rep, err = cs.GetCredentialReport(ctx, cs.root(), nil)
	if err != nil || !rep.GeneratedTime.Equal(generated) || bytes.Contains(rep.Content, []byte("victor")) {
		t.Fatalf("report within 4h: generated %v, err %v", rep.GeneratedTime, err)
	}

	// Past four hours it has expired, and generating makes a new one.
	cs.now = generated.Add(4 * time.Hour)
	_, err = cs.GetCredentialReport(ctx, cs.root(), nil)
	expectCode(t, err, "ReportExpired")
	gen, err = cs.GenerateCredentialReport(ctx, cs.root(), nil)
	if err != nil || gen.State != api.ReportStateTypeStarted {
		t.Fatalf("GenerateCredentialReport after 4h = %+v, %v", gen, err)
	}
	rep, err = cs.GetCredentialReport(ctx, cs.root(), nil)
	if err != nil || !bytes.Contains(rep.Content, []byte("\nvictor,")) {
		t.Fatalf("regenerated report lacks victor: %v\n%s", err, rep.Content)
	}

	last, err := cs.GetAccessKeyLastUsed(ctx, cs.root(), &api.GetAccessKeyLastUsedInput{AccessKeyId: &keyID})
	if err != nil {
		t.Fatal(err)
	}
	if l := last.AccessKeyLastUsed; l.LastUsedDate == nil || !l.LastUsedDate.Equal(used) || *l.ServiceName != "sts" || *l.Region != "eu-west-1" || *last.UserName != "uma" {
		t.Errorf("GetAccessKeyLastUsed = %+v", l)
	}
}

func TestPasswordExpiryAndHardExpiry(t *testing.T) {
	cs := newClockedService(t)
	ctx := context.Background()
	if _, err := cs.CreateUser(ctx, cs.root(), &api.CreateUserInput{UserName: ptr("wendy")}); err != nil {
		t.Fatal(err)
	}
	if may, err := cs.dir.UsersMayChangePassword(ctx, cs.account); err != nil || may {
		t.Errorf("UsersMayChangePassword without a policy = %v, %v", may, err)
	}
	if _, err := cs.UpdateAccountPasswordPolicy(ctx, cs.root(), &api.UpdateAccountPasswordPolicyInput{
		MaxPasswordAge: ptr(int32(30)), AllowUsersToChangePassword: ptr(true),
	}); err != nil {
		t.Fatal(err)
	}
	if may, err := cs.dir.UsersMayChangePassword(ctx, cs.account); err != nil || !may {
		t.Errorf("UsersMayChangePassword with AllowUsersToChangePassword = %v, %v", may, err)
	}
	if _, err := cs.CreateLoginProfile(ctx, cs.root(), &api.CreateLoginProfileInput{UserName: ptr("wendy"), Password: ptr("pw-number-1")}); err != nil {
		t.Fatal(err)
	}
	// Expired, but without HardExpiry the user may still change it.
	cs.now = cs.now.AddDate(0, 0, 31)
	if _, err := cs.ChangePassword(ctx, cs.user("wendy"), &api.ChangePasswordInput{OldPassword: ptr("pw-number-1"), NewPassword: ptr("pw-number-2")}); err != nil {
		t.Fatalf("ChangePassword of an expired password without HardExpiry: %v", err)
	}
	if _, err := cs.UpdateAccountPasswordPolicy(ctx, cs.root(), &api.UpdateAccountPasswordPolicyInput{
		MaxPasswordAge: ptr(int32(30)), HardExpiry: ptr(true), AllowUsersToChangePassword: ptr(true),
	}); err != nil {
		t.Fatal(err)
	}
	cs.now = cs.now.AddDate(0, 0, 29)
	if _, err := cs.ChangePassword(ctx, cs.user("wendy"), &api.ChangePasswordInput{OldPassword: ptr("pw-number-2"), NewPassword: ptr("pw-number-3")}); err != nil {
		t.Fatalf("ChangePassword before expiry: %v", err)
	}
	cs.now = cs.now.AddDate(0, 0, 30)
	_, err := cs.ChangePassword(ctx, cs.user("wendy"), &api.ChangePasswordInput{OldPassword: ptr("pw-number-3"), NewPassword: ptr("pw-number-4")})
	expectCode(t, err, "PasswordPolicyViolation")
	// An administrator can still reset it, which restarts its age.
	if _, err := cs.UpdateLoginProfile(ctx, cs.root(), &api.UpdateLoginProfileInput{UserName: ptr("wendy"), Password: ptr("pw-number-5")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ChangePassword(ctx, cs.user("wendy"), &api.ChangePasswordInput{OldPassword: ptr("pw-number-5"), NewPassword: ptr("pw-number-6")}); err != nil {
		t.Fatalf("ChangePassword after a reset: %v", err)
	}
}

// TestPasswordsAreStoredHashedAndSealed checks that the stored user record
// holds neither the password nor its bare hash.
func TestPasswordsAreStoredHashedAndSealed(t *testing.T) {
	cs := newClockedService(t)
	ctx := context.Background()
	const password = "Distinctive-Passw0rd"
	if _, err := cs.CreateUser(ctx, cs.root(), &api.CreateUserInput{UserName: ptr("xena")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreateLoginProfile(ctx, cs.root(), &api.CreateLoginProfileInput{UserName: ptr("xena"), Password: ptr(password)}); err != nil {
		t.Fatal(err)
	}
	err := cs.dir.View(ctx, func(tx *iam.Tx) error {
		raw, err := tx.Get(iam.KindUser, iam.Key(cs.account, "xena"))
		if err != nil {
			return err
		}
		if bytes.Contains(raw, []byte(password)) || bytes.Contains(raw, []byte("argon2id")) {
			t.Errorf("user record holds the password or a readable hash: %s", raw)
		}
		u, err := tx.User(cs.account, "xena")
		if err != nil {
			return err
		}
		if !cs.dir.PasswordMatches(cs.account, u.ID, u.LoginProfile.PasswordSealed, password) {
			t.Error("the sealed hash does not match the password")
		}
		if cs.dir.PasswordMatches(cs.account, u.ID, u.LoginProfile.PasswordSealed, password+"x") {
			t.Error("the sealed hash matches another password")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The root user cannot be the target of a password operation without a name.
	_, err = cs.CreateLoginProfile(ctx, cs.root(), &api.CreateLoginProfileInput{Password: ptr(password)})
	expectCode(t, err, "ValidationError")
}
