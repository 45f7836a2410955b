package compliance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/compliance"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

const (
	mgmtID   = "111111111111"
	memberID = "222222222222"
)

type node struct {
	dir     string
	st      store.Store
	creds   *account.Credentials
	iamDir  *iam.Directory
	orgs    *organizations.Store
	src     compliance.Source
	dataDir string
}

func newNode(t *testing.T) *node {
	t.Helper()
	dataDir := t.TempDir()
	st, err := sqlite.Open(context.Background(), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	kr, err := keyring.LoadOrCreate(filepath.Join(dataDir, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	creds := account.NewCredentials(st, kr)
	dir := iam.NewDirectory(st, kr, creds, nil)
	orgs := organizations.New(dir)
	n := &node{st: st, creds: creds, iamDir: dir, orgs: orgs, dataDir: dataDir,
		src: compliance.Source{Directory: dir, Organizations: orgs, ManagementAccountID: mgmtID}}
	n.update(t, func(tx *iam.Tx) error {
		for _, id := range []string{mgmtID, memberID} {
			if err := account.Put(tx.Tx, &account.Account{ID: id, Name: "acct-" + id[:1], Email: id + "@example.com", CreatedAt: time.Now()}); err != nil {
				return err
			}
		}
		return account.Put(tx.Tx, &account.Account{ID: mgmtID, Name: "management", Email: "root@example.com", CreatedAt: time.Now()})
	})
	return n
}

func (n *node) update(t *testing.T, fn func(tx *iam.Tx) error) {
	t.Helper()
	if err := n.iamDir.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func (n *node) putRootKey(t *testing.T, accountID, keyID string) {
	t.Helper()
	n.update(t, func(tx *iam.Tx) error {
		return n.creds.PutAccessKey(tx.Tx, &account.AccessKey{ID: keyID, AccountID: accountID, PrincipalType: identity.Root,
			ARN: "arn:aws:iam::" + accountID + ":root", Status: account.StatusActive, CreatedAt: time.Now()}, "secret")
	})
}

func (n *node) makeOrganization(t *testing.T) {
	t.Helper()
	err := n.orgs.Update(context.Background(), func(tx *organizations.Tx) error {
		if err := tx.PutOrganization(&organizations.Organization{ID: "o-abcdefghij", FeatureSet: "ALL", ManagementAccountID: mgmtID, RootID: "r-abcd"}); err != nil {
			return err
		}
		for _, id := range []string{mgmtID, memberID} {
			if err := tx.PutMember(&organizations.Member{AccountID: id, OrgID: "o-abcdefghij", ParentID: "r-abcd", Name: "org-" + id[:1], Email: id + "@org.example", Status: organizations.StatusActive}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// appendEvent records a trail event by a principal type and user name.
func (n *node) appendEvent(t *testing.T, accountID, id, principalType, username string, at time.Time) {
	t.Helper()
	rec := store.EventRecord{EventID: id, EventTime: at, EventName: "GetCallerIdentity", EventSource: "sts.amazonaws.com",
		Username: username, AccountID: accountID, ReadOnly: true,
		JSON: []byte(`{"eventID":"` + id + `","userIdentity":{"type":"` + principalType + `"}}`)}
	if err := n.st.AppendEvents(context.Background(), []store.EventRecord{rec}); err != nil {
		t.Fatal(err)
	}
}

func audit(t *testing.T, n *node) *compliance.Report {
	t.Helper()
	rep, err := compliance.Audit(context.Background(), n.src, compliance.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func wantStatus(t *testing.T, rep *compliance.Report, accountID, control string, want compliance.Status) {
	t.Helper()
	if got := rep.ControlStatus(accountID, control); got != want {
		t.Errorf("account %s control %s: %s %+v, want %s", accountID, control, got, rep.Find(accountID, control), want)
	}
}

func TestAuditWithoutOrganizationAuditsTheManagementAccount(t *testing.T) {
	n := newNode(t)
	n.putRootKey(t, mgmtID, "AKIAMGMTROOT00000001")
	rep := audit(t, n)
	if rep.OrganizationID != "" || len(rep.Accounts) != 1 || rep.Accounts[0].AccountID != mgmtID || !rep.Accounts[0].Management {
		t.Fatalf("report accounts = %+v, org %q", rep.Accounts, rep.OrganizationID)
	}
	if a := rep.Accounts[0]; a.Name != "management" || a.Email != "root@example.com" {
		t.Errorf("account name/email = %q %q", a.Name, a.Email)
	}
	// What a fresh bootstrap really has: a root key, no root MFA, no
	// password policy, no support role.
	for _, c := range []string{"1.4", "1.5", "1.8", "1.9", "1.17"} {
		wantStatus(t, rep, mgmtID, c, compliance.Failed)
	}
	for _, c := range []string{"1.7", "1.10", "1.12", "1.16", "1.19"} {
		wantStatus(t, rep, mgmtID, c, compliance.Passed)
	}
	wantStatus(t, rep, mgmtID, "3.6", compliance.Passed) // no KMS keys yet
	wantStatus(t, rep, mgmtID, "3.1", compliance.NotApplicable)
	if !rep.Failed() || rep.Summary().Total() != len(rep.Accounts[0].Results) {
		t.Errorf("summary %+v", rep.Summary())
	}
}

func TestAuditCoversEveryAccountOfTheOrganization(t *testing.T) {
	n := newNode(t)
	n.makeOrganization(t)
	n.putRootKey(t, memberID, "AKIAMEMBERROOT000001")
	now := time.Now()
	n.update(t, func(tx *iam.Tx) error {
		// The member account's console user has no MFA and a policy of
		// its own; the management account is clean apart from root.
		if err := tx.PutUser(&iam.User{AccountID: memberID, Name: "alice", Path: "/", ID: "AIDAALICE",
			LoginProfile: &iam.LoginProfile{CreateDate: now}, Attached: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}); err != nil {
			return err
		}
		if err := tx.PutRole(&iam.Role{AccountID: mgmtID, Name: "support", Path: "/", Attached: []string{compliance.SupportAccessPolicyARN}}); err != nil {
			return err
		}
		s, err := tx.Settings(mgmtID)
		if err != nil {
			return err
		}
		s.PasswordPolicy = &iam.PasswordPolicy{MinimumPasswordLength: 14, PasswordReusePrevention: 24}
		return tx.PutSettings(s)
	})
	// Root activity in the management account; in the member account only
	// an IAM user named "root", which is not the root user.
	n.appendEvent(t, mgmtID, "ev-1", "Root", "root", now.Add(-time.Hour))
	n.appendEvent(t, memberID, "ev-2", "IAMUser", "root", now.Add(-time.Hour))

	rep := audit(t, n)
	if rep.OrganizationID != "o-abcdefghij" || len(rep.Accounts) != 2 {
		t.Fatalf("org %q, %d accounts", rep.OrganizationID, len(rep.Accounts))
	}
	if rep.Accounts[0].AccountID != mgmtID || !rep.Accounts[0].Management || rep.Accounts[1].AccountID != memberID || rep.Accounts[1].Management {
		t.Fatalf("accounts = %+v", rep.Accounts)
	}
	if rep.Accounts[1].Name != "org-2" || rep.Accounts[1].Status != organizations.StatusActive {
		t.Errorf("member account = %+v", rep.Accounts[1])
	}
	wantStatus(t, rep, mgmtID, "1.4", compliance.Passed)
	wantStatus(t, rep, memberID, "1.4", compliance.Failed)
	wantStatus(t, rep, mgmtID, "1.7", compliance.Failed)
	wantStatus(t, rep, memberID, "1.7", compliance.Passed)
	wantStatus(t, rep, mgmtID, "1.8", compliance.Passed)
	wantStatus(t, rep, memberID, "1.8", compliance.Failed)
	wantStatus(t, rep, mgmtID, "1.17", compliance.Passed)
	wantStatus(t, rep, memberID, "1.10", compliance.Failed)
	wantStatus(t, rep, memberID, "1.15", compliance.Failed)
	if r := rep.Find(memberID, "1.10"); len(r) != 1 || r[0].Resource != "arn:aws:iam::222222222222:user/alice" {
		t.Errorf("1.10 = %+v", r)
	}

	// A key's use noted by the directory counts for 1.7 too.
	n.iamDir.NoteAccessKeyUse("AKIAMEMBERROOT000001", "sts", "us-east-1", now)
	rep = audit(t, n)
	wantStatus(t, rep, memberID, "1.7", compliance.Failed)
	if r := rep.Find(memberID, "1.7"); !strings.Contains(r[0].Detail, "AKIAMEMBERROOT000001") {
		t.Errorf("1.7 detail = %q", r[0].Detail)
	}
}

func TestEnableRootMFAMakesControl15Pass(t *testing.T) {
	n := newNode(t)
	ctx := context.Background()
	const serial = "arn:aws:iam::111111111111:mfa/root-device"
	seed := bytes.Repeat([]byte{7}, iam.MFASeedSize)
	n.update(t, func(tx *iam.Tx) error {
		sealed, err := n.iamDir.SealMFASeed(serial, seed)
		if err != nil {
			return err
		}
		return tx.PutMFADevice(&iam.MFADevice{AccountID: mgmtID, SerialNumber: serial, SeedSealed: sealed})
	})
	now := time.Now()
	step := iam.MFAStep(now)
	code := func(s int64) string {
		c, err := iam.MFACode(seed, s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	wrong := "000000"
	if code(step) == wrong {
		wrong = "111111"
	}
	if err := compliance.EnableRootMFA(ctx, n.iamDir, mgmtID, serial, code(step-1), wrong, now); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Fatalf("wrong code: %v", err)
	}
	if err := compliance.EnableRootMFA(ctx, n.iamDir, mgmtID, "arn:aws:iam::111111111111:mfa/none", code(step-1), code(step), now); err == nil {
		t.Fatal("unknown device accepted")
	}
	if err := compliance.EnableRootMFA(ctx, n.iamDir, "999999999999", serial, code(step-1), code(step), now); err == nil {
		t.Fatal("unknown account accepted")
	}
	wantStatus(t, audit(t, n), mgmtID, "1.5", compliance.Failed)
	if err := compliance.EnableRootMFA(ctx, n.iamDir, mgmtID, serial, code(step-1), code(step), now); err != nil {
		t.Fatal(err)
	}
	rep := audit(t, n)
	wantStatus(t, rep, mgmtID, "1.5", compliance.Passed)
	if r := rep.Find(mgmtID, "1.5"); !strings.Contains(r[0].Detail, serial) {
		t.Errorf("1.5 detail = %q", r[0].Detail)
	}
	if err := compliance.EnableRootMFA(ctx, n.iamDir, mgmtID, serial, code(step), code(step+1), now.Add(30*time.Second)); !errors.Is(err, compliance.ErrMFADeviceInUse) {
		t.Fatalf("second assignment: %v", err)
	}
}

func TestOutputs(t *testing.T) {
	n := newNode(t)
	n.makeOrganization(t)
	n.putRootKey(t, mgmtID, "AKIAMGMTROOT00000001")
	rep := audit(t, n)
	s := rep.Summary()

	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	for _, want := range []string{
		"account 111111111111 org-1 <111111111111@org.example> (management account)",
		"account 222222222222 org-2",
		"FAILED         CRITICAL 1.4 IAM.4",
		"fix: aws iam delete-access-key --access-key-id AKIAMGMTROOT00000001",
		"not applicable yet: gatehouse does not serve GuardDuty yet",
		"summary: " + s.String() + " across 2 accounts\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Findings []map[string]any
	}
	if err := json.Unmarshal(js.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Findings) != s.Total() {
		t.Fatalf("%d findings for %d results", len(body.Findings), s.Total())
	}
	ids := map[string]bool{}
	statuses := map[string]int{}
	for _, f := range body.Findings {
		for _, k := range []string{"SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types", "CreatedAt", "UpdatedAt", "Severity", "Title", "Description", "Resources"} {
			if f[k] == nil || f[k] == "" {
				t.Fatalf("finding lacks required %s: %v", k, f)
			}
		}
		id := f["Id"].(string)
		if ids[id] {
			t.Fatalf("duplicate finding id %s", id)
		}
		ids[id] = true
		acct := f["AwsAccountId"].(string)
		if f["SchemaVersion"] != "2018-10-08" || f["ProductArn"] != "arn:aws:securityhub:us-east-1:"+acct+":product/"+acct+"/default" {
			t.Fatalf("finding header: %v", f)
		}
		if _, err := time.Parse(time.RFC3339, f["CreatedAt"].(string)); err != nil {
			t.Fatalf("CreatedAt: %v", err)
		}
		st := f["Compliance"].(map[string]any)["Status"].(string)
		statuses[st]++
		wf := f["Workflow"].(map[string]any)["Status"]
		if (st == "PASSED") != (wf == "RESOLVED") {
			t.Fatalf("status %s with workflow %v", st, wf)
		}
	}
	if statuses["PASSED"] != s.Passed || statuses["FAILED"] != s.Failed || statuses["NOT_AVAILABLE"] != s.NotApplicable {
		t.Fatalf("ASFF statuses %v, summary %+v", statuses, s)
	}
	var rootKey map[string]any
	for _, f := range body.Findings {
		if f["GeneratorId"] == "cis-aws-foundations-benchmark/v/3.0.0/1.4" && f["AwsAccountId"] == mgmtID {
			rootKey = f
		}
	}
	if rootKey == nil || rootKey["Severity"].(map[string]any)["Label"] != "CRITICAL" ||
		rootKey["Compliance"].(map[string]any)["SecurityControlId"] != "IAM.4" ||
		rootKey["Types"].([]any)[0] != compliance.ASFFType {
		t.Fatalf("1.4 finding = %v", rootKey)
	}
	// Ids are stable across audits.
	var js2 bytes.Buffer
	if err := audit(t, n).WriteJSON(&js2); err != nil {
		t.Fatal(err)
	}
	for id := range ids {
		if !strings.Contains(js2.String(), id) {
			t.Fatalf("finding id %s changed between audits", id)
		}
	}

	doc := rep.PDF()
	if !bytes.HasPrefix(doc, []byte("%PDF-1.4")) || !bytes.HasSuffix(doc, []byte("%%EOF\n")) {
		t.Fatal("PDF lacks header or trailer")
	}
	for _, want := range []string{
		"(gatehouse compliance audit " + rep.GeneratedAt.UTC().Format("2006-01-02") + ")", // info title, dated
		"Account 222222222222 org-2",
		"Summary: " + s.String(),
		"Fix: aws iam delete-access-key --access-key-id AKIAMGMTROOT00000001",
	} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	// The summary page, then each account's section starts a page.
	m := regexp.MustCompile(`/Count (\d+)`).FindSubmatch(doc)
	if m == nil {
		t.Fatal("PDF has no page count")
	}
	if pages, _ := strconv.Atoi(string(m[1])); pages < 3 {
		t.Errorf("PDF has %d pages, want at least 3", pages)
	}
	if compliance.ReportName(time.Date(2026, 3, 4, 23, 0, 0, 0, time.UTC)) != "gatehouse audit 2026-03-04" {
		t.Error("ReportName")
	}
}

func TestResponsibilities(t *testing.T) {
	n := newNode(t)
	n.putRootKey(t, mgmtID, "AKIAMGMTROOT00000001")
	n.appendEvent(t, mgmtID, "ev-1", "Root", "root", time.Now().Add(-time.Minute))
	rep := audit(t, n)
	ctx := context.Background()
	items, err := compliance.Responsibilities(ctx, compliance.NodeFacts{DataDir: n.dataDir, Store: n.st}, rep)
	if err != nil {
		t.Fatal(err)
	}
	byArea := map[string]compliance.Responsibility{}
	for _, it := range items {
		if it.What == "" || it.Setting == "" || it.Check == "" || it.State == "" || it.Detail == "" {
			t.Errorf("incomplete item %+v", it)
		}
		byArea[it.Area] = it
	}
	if it := byArea["Encryption at rest"]; it.State != compliance.StateOK || !strings.Contains(it.Detail, "mode 0600") || !strings.Contains(it.Detail, "sits in the data directory") {
		t.Errorf("root key item = %+v", it)
	}
	if it := byArea["Audit trail"]; it.State != compliance.StateOK || !strings.HasPrefix(it.Detail, "1 events in the last 24 hours") {
		t.Errorf("trail item = %+v", it)
	}
	if it := byArea["Encryption in transit"]; it.State != compliance.StateCheck {
		t.Errorf("TLS item = %+v", it)
	}
	if it := byArea["MFA on root"]; it.Party != compliance.User || it.State != "FAILED" || !strings.Contains(it.Detail, "run gatehouse audit") {
		t.Errorf("root MFA item = %+v", it)
	}
	if it := byArea["Least privilege"]; it.State != "PASSED" {
		t.Errorf("least privilege item = %+v", it)
	}
	if it := byArea["WAF rules"]; it.State != "NOT_APPLICABLE" {
		t.Errorf("WAF item = %+v", it)
	}

	// A key file readable by others, kept outside the data directory.
	keyFile := filepath.Join(t.TempDir(), "root.key")
	if err := os.WriteFile(keyFile, make([]byte, 32), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	items, err = compliance.Responsibilities(ctx, compliance.NodeFacts{DataDir: n.dataDir, RootKeyFile: keyFile, Store: n.st}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		switch it.Area {
		case "Encryption at rest":
			if it.State != compliance.StateWarning || !strings.Contains(it.Detail, "readable by others") {
				t.Errorf("open key file: %+v", it)
			}
		case "MFA on root":
			if it.State != compliance.StateCheck {
				t.Errorf("without a report: %+v", it)
			}
		}
	}
	items, _ = compliance.Responsibilities(ctx, compliance.NodeFacts{DataDir: n.dataDir, RootKeyFromEnv: true, Store: n.st}, rep)
	if items[0].Area != "Encryption at rest" || items[0].State != compliance.StateOK || !strings.Contains(items[0].Detail, "GATEHOUSE_ROOT_KEY") {
		t.Errorf("key from the environment: %+v", items[0])
	}
}
