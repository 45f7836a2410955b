package compliance

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
)

const testAcct = "111122223333"

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return testNow.Add(-time.Duration(n) * 24 * time.Hour) }

// cleanFacts is an account that passes every served control: no root keys,
// root MFA, a CIS password policy, a support role, no users.
func cleanFacts() *facts {
	return &facts{
		accountID: testAcct, now: testNow, rootUseSince: testNow.Add(-DefaultRootUseWindow),
		rootMFA:        []*iam.MFADevice{{AccountID: testAcct, SerialNumber: "arn:aws:iam::111122223333:mfa/root", UserName: iam.RootMFAUser}},
		passwordPolicy: &iam.PasswordPolicy{MinimumPasswordLength: 14, PasswordReusePrevention: 24},
		roles:          []*iam.Role{{AccountID: testAcct, Name: "support", Path: "/", Attached: []string{SupportAccessPolicyARN}}},
		userKeys:       map[string][]*account.AccessKey{},
		keyUse:         map[string]time.Time{},
	}
}

// addUser adds a user with the given keys (created daysOld days ago,
// used usedDaysAgo days ago or never when negative).
func (f *facts) addUser(u *iam.User, keys ...testKey) *iam.User {
	if u.AccountID == "" {
		u.AccountID = testAcct
	}
	if u.Path == "" {
		u.Path = "/"
	}
	if u.ID == "" {
		u.ID = "AIDA" + strings.ToUpper(u.Name)
	}
	for i, k := range keys {
		status := account.StatusActive
		if k.inactive {
			status = account.StatusInactive
		}
		rec := &account.AccessKey{ID: "AKIA" + strings.ToUpper(u.Name) + string(rune('0'+i)), AccountID: testAcct,
			PrincipalType: identity.IAMUser, UserName: u.Name, Status: status, CreatedAt: daysAgo(k.created)}
		f.userKeys[u.ID] = append(f.userKeys[u.ID], rec)
		u.AccessKeys = append(u.AccessKeys, rec.ID)
		if k.used >= 0 {
			f.keyUse[rec.ID] = daysAgo(k.used)
		}
	}
	f.users = append(f.users, u)
	return u
}

type testKey struct {
	created, used int // days ago; used < 0 means never
	inactive      bool
}

// statusOf runs one control and folds its results.
func statusOf(t *testing.T, c *Control, f *facts) (Status, []Result) {
	t.Helper()
	results := runCheck(c, f)
	if len(results) == 0 {
		t.Fatalf("control %s gave no result", c.ID)
	}
	st := Passed
	for _, r := range results {
		if r.Control != c || r.AccountID != f.accountID || r.Resource == "" || r.Detail == "" {
			t.Fatalf("control %s: incomplete result %+v", c.ID, r)
		}
		if r.Status == Failed {
			if r.Control.Remediation == "" {
				t.Fatalf("control %s failed without remediation", c.ID)
			}
			st = Failed
		} else if r.Status == NotApplicable && st != Failed {
			st = NotApplicable
		}
	}
	return st, results
}

func TestEveryControlPassesOnACleanAccount(t *testing.T) {
	f := cleanFacts()
	for _, c := range Controls {
		st, results := statusOf(t, c, f)
		want := Passed
		if c.Unserved != "" {
			want = NotApplicable
		}
		if st != want {
			t.Errorf("control %s on a clean account: %s (%+v), want %s", c.ID, st, results, want)
		}
	}
}

func TestNotApplicableControlsSayWhy(t *testing.T) {
	for _, c := range []*Control{ctlTrailAllRegions, ctlTrailValidation, ctlTrailEncryption, ctlGuardDuty, ctlAccessAnalyzer, ctlRootHardwareMFA} {
		_, results := statusOf(t, c, cleanFacts())
		if len(results) != 1 || results[0].Status != NotApplicable ||
			results[0].Detail != "not applicable yet: gatehouse does not serve "+c.Unserved+" yet" {
			t.Errorf("control %s: %+v", c.ID, results)
		}
	}
}

// TestControlFailures makes each served control fail with the smallest
// change to a clean account, and checks the failure names the resource.
func TestControlFailures(t *testing.T) {
	tests := []struct {
		control      *Control
		break_       func(f *facts)
		wantResource string
		wantDetail   string
		wantCommand  string
	}{
		{ctlRootAccessKeys, func(f *facts) {
			f.rootKeys = []*account.AccessKey{{ID: "AKIAROOT", Status: account.StatusInactive, PrincipalType: identity.Root}}
		}, "arn:aws:iam::111122223333:root", "AKIAROOT (Inactive)", "aws iam delete-access-key --access-key-id AKIAROOT"},
		{ctlRootMFA, func(f *facts) { f.rootMFA = nil }, "arn:aws:iam::111122223333:root", "no MFA device", "create-virtual-mfa-device"},
		{ctlRootUse, func(f *facts) {
			f.rootLastUsed, f.rootUseWhat = daysAgo(10), "the audit trail records a root user call"
		}, "arn:aws:iam::111122223333:root", "used in the last 90 days", ""},
		{ctlPasswordLength, func(f *facts) { f.passwordPolicy.MinimumPasswordLength = 13 },
			"AWS::::Account:111122223333", "minimum length is 13", "--minimum-password-length 14 --password-reuse-prevention 24"},
		{ctlPasswordLength, func(f *facts) { f.passwordPolicy = nil }, "AWS::::Account:111122223333", "no password policy", "update-account-password-policy"},
		{ctlPasswordReuse, func(f *facts) { f.passwordPolicy.PasswordReusePrevention = 5 },
			"AWS::::Account:111122223333", "remembers 5", "--password-reuse-prevention 24"},
		{ctlPasswordReuse, func(f *facts) { f.passwordPolicy = nil }, "AWS::::Account:111122223333", "no password policy", ""},
		{ctlConsoleMFA, func(f *facts) {
			f.addUser(&iam.User{Name: "alice", LoginProfile: &iam.LoginProfile{CreateDate: daysAgo(1)}})
		}, "arn:aws:iam::111122223333:user/alice", "has no MFA device", "enable-mfa-device --user-name alice"},
		{ctlKeysAtSetup, func(f *facts) {
			f.addUser(&iam.User{Name: "bob", LoginProfile: &iam.LoginProfile{CreateDate: daysAgo(1)}}, testKey{created: 1, used: -1})
		}, "arn:aws:iam::111122223333:user/bob", "never used: AKIABOB0", "delete-access-key --user-name bob --access-key-id AKIABOB0"},
		{ctlUnusedCredentials, func(f *facts) {
			f.addUser(&iam.User{Name: "carol", LoginProfile: &iam.LoginProfile{CreateDate: daysAgo(100)}, PasswordLastUsed: daysAgo(46)})
		}, "arn:aws:iam::111122223333:user/carol", "console password last used", "delete-login-profile --user-name carol"},
		{ctlUnusedCredentials, func(f *facts) { f.addUser(&iam.User{Name: "dan"}, testKey{created: 50, used: -1}) },
			"arn:aws:iam::111122223333:user/dan", "never used, created", "update-access-key --user-name dan --access-key-id AKIADAN0 --status Inactive"},
		{ctlUnusedCredentials, func(f *facts) { f.addUser(&iam.User{Name: "erin"}, testKey{created: 80, used: 45}) },
			"arn:aws:iam::111122223333:user/erin", "last used", "AKIAERIN0"},
		{ctlOneActiveKey, func(f *facts) {
			f.addUser(&iam.User{Name: "frank"}, testKey{created: 5, used: 1}, testKey{created: 2, used: 1})
		}, "arn:aws:iam::111122223333:user/frank", "2 active access keys", "--access-key-id AKIAFRANK0 --status Inactive"},
		{ctlKeyRotation, func(f *facts) { f.addUser(&iam.User{Name: "gina"}, testKey{created: 91, used: 1}) },
			"arn:aws:iam::111122223333:user/gina", "older than 90 days: AKIAGINA0", "create-access-key --user-name gina"},
		{ctlGroupsOnly, func(f *facts) {
			f.addUser(&iam.User{Name: "hal", Attached: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}})
		}, "arn:aws:iam::111122223333:user/hal", "attached arn:aws:iam::aws:policy/ReadOnlyAccess", "detach-user-policy --user-name hal"},
		{ctlGroupsOnly, func(f *facts) {
			f.addUser(&iam.User{Name: "ivy", Inline: []iam.InlinePolicy{{Name: "mine", Document: "{}"}}})
		}, "arn:aws:iam::111122223333:user/ivy", "inline mine", "delete-user-policy --user-name ivy --policy-name mine"},
		{ctlAdminPolicies, func(f *facts) {
			f.policies = append(f.policies, managed("God", 1, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`))
		}, "arn:aws:iam::111122223333:policy/God", "allows \"*\" on \"*\"", "list-entities-for-policy --policy-arn arn:aws:iam::111122223333:policy/God"},
		{ctlAdminPolicies, func(f *facts) {
			f.policies = append(f.policies, managed("God2", 2, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","*"],"Resource":["arn:aws:s3:::b","*"]}]}`))
		}, "arn:aws:iam::111122223333:policy/God2", "2 entities", ""},
		{ctlSupportRole, func(f *facts) { f.roles[0].Attached = nil }, "AWS::::Account:111122223333", "no role has the AWSSupportAccess", "attach-role-policy --role-name AWSSupportRole --policy-arn arn:aws:iam::aws:policy/AWSSupportAccess"},
		{ctlExpiredCertificates, func(f *facts) {
			f.certificates = []*iam.ServerCertificate{{AccountID: testAcct, Name: "old", Path: "/", Expiration: daysAgo(1)}}
		}, "arn:aws:iam::111122223333:server-certificate/old", "expired", "delete-server-certificate --server-certificate-name old"},
		{ctlCloudShell, func(f *facts) { f.roles[0].Attached = append(f.roles[0].Attached, CloudShellFullAccessARN) },
			"arn:aws:iam::111122223333:role/support", "attached to role support", "detach-role-policy --role-name support"},
		{ctlCloudShell, func(f *facts) {
			f.groups = []*iam.Group{{AccountID: testAcct, Name: "devs", Path: "/", Attached: []string{CloudShellFullAccessARN}}}
		}, "arn:aws:iam::111122223333:group/devs", "attached to group devs", "detach-group-policy --group-name devs"},
	}
	for _, tt := range tests {
		t.Run(tt.control.ID, func(t *testing.T) {
			f := cleanFacts()
			tt.break_(f)
			st, results := statusOf(t, tt.control, f)
			if st != Failed {
				t.Fatalf("status %s (%+v), want FAILED", st, results)
			}
			var failed *Result
			for i := range results {
				if results[i].Status == Failed {
					failed = &results[i]
				}
			}
			if failed.Resource != tt.wantResource || !strings.Contains(failed.Detail, tt.wantDetail) || !strings.Contains(failed.Command, tt.wantCommand) {
				t.Fatalf("failure = %+v\nwant resource %s, detail containing %q, command containing %q", *failed, tt.wantResource, tt.wantDetail, tt.wantCommand)
			}
		})
	}
}

func managed(name string, attachments int, doc string) *iam.ManagedPolicy {
	return &iam.ManagedPolicy{AccountID: testAcct, Name: name, Path: "/", DefaultVersion: "v1", AttachmentCount: attachments,
		Versions: []iam.PolicyVersion{{ID: "v1", Document: doc}}}
}

// TestControlBoundaries checks the thresholds on the passing side.
func TestControlBoundaries(t *testing.T) {
	f := cleanFacts()
	f.rootLastUsed = daysAgo(91) // outside the 90-day window
	f.addUser(&iam.User{Name: "ok", LoginProfile: &iam.LoginProfile{CreateDate: daysAgo(200)}, PasswordLastUsed: daysAgo(44),
		MFADevices: []string{"arn:aws:iam::111122223333:mfa/ok"}, Groups: []string{"devs"}},
		testKey{created: 89, used: 2}, testKey{created: 300, used: 200, inactive: true})
	f.policies = append(f.policies,
		managed("Unattached", 0, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
		managed("DenyAll", 1, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`),
		managed("S3Star", 1, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`))
	f.certificates = []*iam.ServerCertificate{{AccountID: testAcct, Name: "current", Path: "/", Expiration: testNow.Add(time.Hour)}}
	f.passwordPolicy = &iam.PasswordPolicy{MinimumPasswordLength: 20, PasswordReusePrevention: 24}
	for _, c := range []*Control{ctlRootUse, ctlConsoleMFA, ctlKeysAtSetup, ctlUnusedCredentials, ctlOneActiveKey, ctlKeyRotation,
		ctlGroupsOnly, ctlAdminPolicies, ctlExpiredCertificates, ctlPasswordLength, ctlPasswordReuse} {
		if st, results := statusOf(t, c, f); st != Passed {
			t.Errorf("control %s: %s %+v, want PASSED", c.ID, st, results)
		}
	}
	// The user-level controls name the user, not the account.
	_, results := statusOf(t, ctlConsoleMFA, f)
	if len(results) != 1 || results[0].Resource != "arn:aws:iam::111122223333:user/ok" {
		t.Errorf("1.10 results = %+v", results)
	}
}

func TestPasswordPolicyCommandKeepsOtherSettings(t *testing.T) {
	cmd := passwordPolicyCommand(&iam.PasswordPolicy{MinimumPasswordLength: 8, PasswordReusePrevention: 30, RequireSymbols: true, MaxPasswordAge: 90, AllowUsersToChangePassword: true})
	for _, want := range []string{"--minimum-password-length 14", "--password-reuse-prevention 30", "--require-symbols", "--max-password-age 90", "--allow-users-to-change-password"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("command %q lacks %q", cmd, want)
		}
	}
	if strings.Contains(cmd, "--require-numbers") {
		t.Errorf("command %q adds a requirement the policy did not have", cmd)
	}
}

func TestControlCatalog(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Controls {
		if seen[c.ID] {
			t.Errorf("duplicate control %s", c.ID)
		}
		seen[c.ID] = true
		if c.Title == "" || c.Description == "" || c.Remediation == "" || c.Standard == "" {
			t.Errorf("control %s is incomplete", c.ID)
		}
		switch c.Severity {
		case Critical, High, Medium, Low, Informational:
		default:
			t.Errorf("control %s has severity %q", c.ID, c.Severity)
		}
		if (c.Unserved == "") != (checks[c] != nil) {
			t.Errorf("control %s: served=%v but check=%v", c.ID, c.Unserved == "", checks[c] != nil)
		}
		if ControlByID(c.ID) != c {
			t.Errorf("ControlByID(%s)", c.ID)
		}
	}
	if ControlByID("9.99") != nil {
		t.Error("ControlByID of an unknown id")
	}
}
