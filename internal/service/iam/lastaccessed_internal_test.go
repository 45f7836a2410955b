package iam

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/keyring"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// These tests write a known trail straight into the store and check the
// reports computed from it, with a fixed clock.

const laAccount = "333333333333"

var laNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

type laFixture struct {
	s  *Service
	st store.Store
	// times of the trail's events
	t map[string]time.Time
}

func laARN(kind, name string) string { return "arn:aws:iam::" + laAccount + ":" + kind + "/" + name }

// newLastAccessedFixture builds the account:
//
//	alice  user, attached iam-read, member of devs
//	bob    user, member of devs
//	carol  user, no policy
//	devs   group, inline sts:GetCallerIdentity, attached s3-all
//	deployer role, attached iam-read, inline allow kms:* and ec2:*, deny ec2:*
//
// and its trail.
func newLastAccessedFixture(t *testing.T) *laFixture {
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
	now := laNow
	s := New(iam.NewDirectory(st, kr, account.NewCredentials(st, kr), nil), nil)
	s.now = func() time.Time { return now }
	f := &laFixture{s: s, st: st, t: map[string]time.Time{}}

	policyDoc := func(stmts string) string { return `{"Version":"2012-10-17","Statement":[` + stmts + `]}` }
	managed := func(name, doc string) *iam.ManagedPolicy {
		return &iam.ManagedPolicy{AccountID: laAccount, Name: name, Path: "/", ID: iam.NewID(iam.PrefixPolicy), DefaultVersion: "v1",
			Versions: []iam.PolicyVersion{{ID: "v1", Document: doc}}}
	}
	err = s.dir.Update(context.Background(), func(tx *iam.Tx) error {
		for _, p := range []*iam.ManagedPolicy{
			managed("iam-read", policyDoc(`{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}`)),
			managed("s3-all", policyDoc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`)),
		} {
			if err := tx.PutPolicy(p); err != nil {
				return err
			}
		}
		users := []*iam.User{
			{Name: "alice", Attached: []string{laARN("policy", "iam-read")}, Groups: []string{"devs"}},
			{Name: "bob", Groups: []string{"devs"}},
			{Name: "carol"},
		}
		for _, u := range users {
			u.AccountID, u.Path, u.ID = laAccount, "/", iam.NewID(iam.PrefixUser)
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		if err := tx.PutGroup(&iam.Group{AccountID: laAccount, Name: "devs", Path: "/", ID: iam.NewID(iam.PrefixGroup),
			Members:  []string{"alice", "bob"},
			Attached: []string{laARN("policy", "s3-all")},
			Inline:   []iam.InlinePolicy{{Name: "whoami", Document: policyDoc(`{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}`)}},
		}); err != nil {
			return err
		}
		return tx.PutRole(&iam.Role{AccountID: laAccount, Name: "deployer", Path: "/", ID: iam.NewID(iam.PrefixRole),
			TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + laAccount + `"},"Action":"sts:AssumeRole"}]}`,
			Attached:    []string{laARN("policy", "iam-read")},
			Inline: []iam.InlinePolicy{{Name: "keys", Document: policyDoc(`{"Effect":"Allow","Action":["kms:*","ec2:*"],"Resource":"*"},` +
				`{"Effect":"Deny","Action":"ec2:*","Resource":"*"}`)}},
		})
	})
	if err != nil {
		t.Fatal(err)
	}

	user := func(name string) *identity.Principal {
		return &identity.Principal{Type: identity.IAMUser, AccountID: laAccount, ARN: laARN("user", name), UserName: name, PrincipalID: "AIDA" + strings.ToUpper(name)}
	}
	session := &identity.Principal{Type: identity.AssumedRole, AccountID: laAccount,
		ARN: "arn:aws:sts::" + laAccount + ":assumed-role/deployer/ci-run", PrincipalID: "AROADEPLOYER:ci-run",
		Session: &identity.Session{IssuedAt: laNow.Add(-48 * time.Hour), IssuerARN: laARN("role", "deployer"), IssuerType: "Role"}}
	var recs []store.EventRecord
	add := func(label string, p *identity.Principal, acct, source, name, region string, ago time.Duration) {
		ev := audit.Event{
			EventVersion: audit.EventVersion, UserIdentity: audit.UserIdentityFor(p), EventTime: laNow.Add(-ago),
			EventSource: source + ".amazonaws.com", EventName: name, AWSRegion: region, EventID: audit.NewEventID(),
			EventType: audit.EventTypeAPICall, EventCategory: audit.CategoryManagement, RecipientAccountID: acct,
		}
		js, err := ev.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		username := p.UserName
		if p.Type == identity.AssumedRole {
			username = "ci-run"
		}
		recs = append(recs, store.EventRecord{EventID: ev.EventID, EventTime: ev.EventTime, EventName: name, EventSource: ev.EventSource,
			Username: username, AccountID: acct, JSON: js})
		f.t[label] = ev.EventTime.Truncate(time.Second)
	}
	add("alice-ancient", user("alice"), laAccount, "iam", "CreateUser", "us-east-1", 500*24*time.Hour)
	add("alice-list", user("alice"), laAccount, "iam", "ListUsers", "us-east-1", 72*time.Hour)
	add("alice-get", user("alice"), laAccount, "iam", "GetUser", "eu-west-1", 48*time.Hour)
	add("bob-s3", user("bob"), laAccount, "s3", "GetObject", "us-west-2", 40*time.Hour)
	add("bob-sts", user("bob"), laAccount, "sts", "GetCallerIdentity", "us-east-1", 30*time.Hour)
	add("deployer-kms", session, laAccount, "kms", "Encrypt", "eu-central-1", 20*time.Hour)
	add("deployer-iam", session, laAccount, "iam", "ListRoles", "us-east-1", 10*time.Hour)
	add("deployer-iam-old", session, laAccount, "iam", "GetRole", "us-east-1", 15*time.Hour)
	add("carol", user("carol"), laAccount, "iam", "ListUsers", "us-east-1", 5*time.Hour)
	// The same user name in another account.
	add("alice-elsewhere", &identity.Principal{Type: identity.IAMUser, AccountID: "444444444444", ARN: "arn:aws:iam::444444444444:user/alice", UserName: "alice"},
		"444444444444", "iam", "ListUsers", "us-east-1", time.Hour)
	if err := st.AppendEvents(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	return f
}

func laRoot() *call.Call {
	return &call.Call{Principal: &identity.Principal{Type: identity.Root, AccountID: laAccount, ARN: "arn:aws:iam::" + laAccount + ":root", PrincipalID: laAccount}}
}

func (f *laFixture) generate(t *testing.T, arn string, granularity api.AccessAdvisorUsageGranularityType) string {
	t.Helper()
	out, err := f.s.GenerateServiceLastAccessedDetails(context.Background(), laRoot(), &api.GenerateServiceLastAccessedDetailsInput{Arn: ptr(arn), Granularity: granularity})
	if err != nil {
		t.Fatalf("Generate %s: %v", arn, err)
	}
	if len(*out.JobId) != 36 {
		t.Fatalf("JobId %q is not 36 characters", *out.JobId)
	}
	return *out.JobId
}

func (f *laFixture) services(t *testing.T, job string) map[string]api.ServiceLastAccessed {
	t.Helper()
	out, err := f.s.GetServiceLastAccessedDetails(context.Background(), laRoot(), &api.GetServiceLastAccessedDetailsInput{JobId: ptr(job)})
	if err != nil {
		t.Fatal(err)
	}
	if out.JobStatus != api.JobStatusTypeCompleted || *out.IsTruncated {
		t.Fatalf("status %s truncated %v", out.JobStatus, *out.IsTruncated)
	}
	m := map[string]api.ServiceLastAccessed{}
	for _, sa := range out.ServicesLastAccessed {
		m[*sa.ServiceNamespace] = sa
	}
	return m
}

func laKeys(m map[string]api.ServiceLastAccessed) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkAccess compares one service's last access: when, by whom, from
// where and how many entities (zero time: never accessed).
func checkAccess(t *testing.T, what string, sa api.ServiceLastAccessed, when time.Time, who, region string, count int32) {
	t.Helper()
	if when.IsZero() {
		if sa.LastAuthenticated != nil || sa.LastAuthenticatedEntity != nil || sa.TotalAuthenticatedEntities != nil || sa.LastAuthenticatedRegion != nil {
			t.Errorf("%s: %+v, want no access", what, sa)
		}
		return
	}
	if sa.LastAuthenticated == nil || !sa.LastAuthenticated.Equal(when) || deref(sa.LastAuthenticatedEntity) != who ||
		deref(sa.LastAuthenticatedRegion) != region || deref(sa.TotalAuthenticatedEntities) != count {
		t.Errorf("%s: last %v by %s from %s, %d entities; want %v by %s from %s, %d",
			what, sa.LastAuthenticated, deref(sa.LastAuthenticatedEntity), deref(sa.LastAuthenticatedRegion), deref(sa.TotalAuthenticatedEntities),
			when, who, region, count)
	}
}

// TestLastAccessedUserReport: a user's services come from its own and its
// groups' policies; only its own events count, newest first, within 400
// days, in its own account.
func TestLastAccessedUserReport(t *testing.T) {
	f := newLastAccessedFixture(t)
	m := f.services(t, f.generate(t, laARN("user", "alice"), ""))
	if got := laKeys(m); !slices.Equal(got, []string{"iam", "s3", "sts"}) {
		t.Fatalf("services = %v, want iam, s3, sts", got)
	}
	if *m["iam"].ServiceName != "AWS Identity and Access Management (IAM)" || *m["s3"].ServiceName != "Amazon S3" {
		t.Errorf("names %q %q", *m["iam"].ServiceName, *m["s3"].ServiceName)
	}
	checkAccess(t, "iam", m["iam"], f.t["alice-get"], laARN("user", "alice"), "eu-west-1", 1)
	checkAccess(t, "s3 (only bob used it)", m["s3"], time.Time{}, "", "", 0)
	checkAccess(t, "sts", m["sts"], time.Time{}, "", "", 0)
	if m["iam"].TrackedActionsLastAccessed != nil {
		t.Error("a SERVICE_LEVEL report has tracked actions")
	}

	// Pagination, one service a page.
	var pages []string
	var marker *string
	job := f.generate(t, laARN("user", "alice"), "")
	for {
		out, err := f.s.GetServiceLastAccessedDetails(context.Background(), laRoot(), &api.GetServiceLastAccessedDetailsInput{JobId: ptr(job), MaxItems: ptr(int32(1)), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		for _, sa := range out.ServicesLastAccessed {
			pages = append(pages, *sa.ServiceNamespace)
		}
		if !*out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if !slices.Equal(pages, []string{"iam", "s3", "sts"}) {
		t.Errorf("paged services = %v", pages)
	}
}

// TestLastAccessedGroupReport: a group's services come from its policies
// only; its members' events count, and the per-entity breakdown lists every
// member, the most recent first.
func TestLastAccessedGroupReport(t *testing.T) {
	f := newLastAccessedFixture(t)
	job := f.generate(t, laARN("group", "devs"), "")
	m := f.services(t, job)
	if got := laKeys(m); !slices.Equal(got, []string{"s3", "sts"}) {
		t.Fatalf("services = %v, want s3, sts", got)
	}
	checkAccess(t, "s3", m["s3"], f.t["bob-s3"], laARN("user", "bob"), "us-west-2", 1)
	checkAccess(t, "sts", m["sts"], f.t["bob-sts"], laARN("user", "bob"), "us-east-1", 1)

	out, err := f.s.GetServiceLastAccessedDetailsWithEntities(context.Background(), laRoot(), &api.GetServiceLastAccessedDetailsWithEntitiesInput{JobId: ptr(job), ServiceNamespace: ptr("s3")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.EntityDetailsList) != 2 {
		t.Fatalf("entities = %+v", out.EntityDetailsList)
	}
	first, second := out.EntityDetailsList[0], out.EntityDetailsList[1]
	if *first.EntityInfo.Name != "bob" || first.EntityInfo.Type != api.PolicyOwnerEntityTypeUser || !first.LastAuthenticated.Equal(f.t["bob-s3"]) ||
		*first.EntityInfo.Path != "/" || !strings.HasPrefix(*first.EntityInfo.Id, "AIDA") {
		t.Errorf("first entity = %+v / %v", first.EntityInfo, first.LastAuthenticated)
	}
	if *second.EntityInfo.Name != "alice" || second.LastAuthenticated != nil {
		t.Errorf("second entity = %+v / %v, want alice without access", second.EntityInfo, second.LastAuthenticated)
	}
	// A service the group does not allow: no entities; an unknown one: InvalidInput.
	out, err = f.s.GetServiceLastAccessedDetailsWithEntities(context.Background(), laRoot(), &api.GetServiceLastAccessedDetailsWithEntitiesInput{JobId: ptr(job), ServiceNamespace: ptr("kms")})
	if err != nil || len(out.EntityDetailsList) != 0 {
		t.Errorf("kms entities = %+v, %v; want none", out, err)
	}
	_, err = f.s.GetServiceLastAccessedDetailsWithEntities(context.Background(), laRoot(), &api.GetServiceLastAccessedDetailsWithEntitiesInput{JobId: ptr(job), ServiceNamespace: ptr("no-such-service")})
	dgWantCode(t, "unknown namespace", err, "InvalidInput")
}

// TestLastAccessedRoleReportActionLevel: a role's sessions count (their
// user name is the session's), an unconditional deny removes a service,
// and IAM's actions are tracked at action level.
func TestLastAccessedRoleReportActionLevel(t *testing.T) {
	f := newLastAccessedFixture(t)
	job := f.generate(t, laARN("role", "deployer"), api.AccessAdvisorUsageGranularityTypeActionLevel)
	out, err := f.s.GetServiceLastAccessedDetails(context.Background(), laRoot(), &api.GetServiceLastAccessedDetailsInput{JobId: ptr(job)})
	if err != nil {
		t.Fatal(err)
	}
	if out.JobType != api.AccessAdvisorUsageGranularityTypeActionLevel {
		t.Errorf("JobType = %s", out.JobType)
	}
	m := f.services(t, job)
	if got := laKeys(m); !slices.Equal(got, []string{"iam", "kms"}) {
		t.Fatalf("services = %v, want iam, kms (ec2 is denied)", got)
	}
	role := laARN("role", "deployer")
	checkAccess(t, "iam", m["iam"], f.t["deployer-iam"], role, "us-east-1", 1)
	checkAccess(t, "kms", m["kms"], f.t["deployer-kms"], role, "eu-central-1", 1)
	var actions []string
	for _, a := range m["iam"].TrackedActionsLastAccessed {
		actions = append(actions, *a.ActionName)
		if *a.ActionName == "ListRoles" && (!a.LastAccessedTime.Equal(f.t["deployer-iam"]) || *a.LastAccessedEntity != role || *a.LastAccessedRegion != "us-east-1") {
			t.Errorf("ListRoles = %+v", a)
		}
	}
	if !slices.Equal(actions, []string{"GetRole", "ListRoles"}) {
		t.Errorf("tracked iam actions = %v, want GetRole, ListRoles", actions)
	}
	if m["kms"].TrackedActionsLastAccessed != nil {
		t.Error("kms actions are tracked; AWS tracks only EC2, IAM, Lambda and S3 actions")
	}
}

// TestLastAccessedPolicyReport: a managed policy's report covers the users
// and roles it is attached to.
func TestLastAccessedPolicyReport(t *testing.T) {
	f := newLastAccessedFixture(t)
	job := f.generate(t, laARN("policy", "iam-read"), "")
	m := f.services(t, job)
	if got := laKeys(m); !slices.Equal(got, []string{"iam"}) {
		t.Fatalf("services = %v, want iam", got)
	}
	checkAccess(t, "iam", m["iam"], f.t["deployer-iam"], laARN("role", "deployer"), "us-east-1", 2)
	out, err := f.s.GetServiceLastAccessedDetailsWithEntities(context.Background(), laRoot(), &api.GetServiceLastAccessedDetailsWithEntitiesInput{
		JobId: ptr(job), ServiceNamespace: ptr("iam"), MaxItems: ptr(int32(1)),
	})
	if err != nil || len(out.EntityDetailsList) != 1 || !*out.IsTruncated || *out.EntityDetailsList[0].EntityInfo.Name != "deployer" ||
		out.EntityDetailsList[0].EntityInfo.Type != api.PolicyOwnerEntityTypeRole {
		t.Fatalf("first page = %+v, %v", out, err)
	}
	out, err = f.s.GetServiceLastAccessedDetailsWithEntities(context.Background(), laRoot(), &api.GetServiceLastAccessedDetailsWithEntitiesInput{
		JobId: ptr(job), ServiceNamespace: ptr("iam"), Marker: out.Marker,
	})
	if err != nil || len(out.EntityDetailsList) != 1 || *out.IsTruncated || *out.EntityDetailsList[0].EntityInfo.Name != "alice" ||
		!out.EntityDetailsList[0].LastAuthenticated.Equal(f.t["alice-get"]) {
		t.Fatalf("second page = %+v, %v", out, err)
	}
}

// TestLastAccessedErrors covers the ARN and job errors, that a job is the
// generating identity's alone, and that reports expire.
func TestLastAccessedErrors(t *testing.T) {
	f := newLastAccessedFixture(t)
	ctx := context.Background()
	for _, tc := range []struct{ arn, code string }{
		{"arn:aws:iam::" + laAccount + ":instance-profile/x", "InvalidInput"},
		{"not an arn at all, twenty", "InvalidInput"},
		{laARN("user", "nobody"), "NoSuchEntity"},
		{laARN("user", "team/alice"), "NoSuchEntity"}, // wrong path
		{"arn:aws:iam::444444444444:user/alice", "NoSuchEntity"},
		{laARN("policy", "nope"), "NoSuchEntity"},
		{laARN("group", "nope"), "NoSuchEntity"},
		{laARN("role", "nope"), "NoSuchEntity"},
	} {
		_, err := f.s.GenerateServiceLastAccessedDetails(ctx, laRoot(), &api.GenerateServiceLastAccessedDetailsInput{Arn: ptr(tc.arn)})
		dgWantCode(t, tc.arn, err, tc.code)
	}
	_, err := f.s.GetServiceLastAccessedDetails(ctx, laRoot(), &api.GetServiceLastAccessedDetailsInput{JobId: ptr("01234567-89ab-7def-8123-456789abcdef")})
	dgWantCode(t, "unknown job", err, "NoSuchEntity")

	job := f.generate(t, laARN("user", "alice"), "")
	other := &call.Call{Principal: &identity.Principal{Type: identity.IAMUser, AccountID: laAccount, ARN: laARN("user", "carol"), UserName: "carol"}}
	_, err = f.s.GetServiceLastAccessedDetails(ctx, other, &api.GetServiceLastAccessedDetailsInput{JobId: ptr(job)})
	dgWantCode(t, "another identity's job", err, "NoSuchEntity")

	later := laNow.Add(reportRetention)
	f.s.now = func() time.Time { return later }
	_, err = f.s.GetServiceLastAccessedDetails(ctx, laRoot(), &api.GetServiceLastAccessedDetailsInput{JobId: ptr(job)})
	dgWantCode(t, "expired job", err, "NoSuchEntity")
}

// TestOrganizationsAccessReportWithoutOrganization: outside an
// organization, generating answers OrganizationNotFound and no report
// exists.
func TestOrganizationsAccessReportWithoutOrganization(t *testing.T) {
	f := newLastAccessedFixture(t)
	_, err := f.s.GenerateOrganizationsAccessReport(context.Background(), laRoot(), &api.GenerateOrganizationsAccessReportInput{EntityPath: ptr("o-a1b2c3d4e5/r-f6g7")})
	dgWantCode(t, "Generate", err, "OrganizationNotFoundException")
	_, err = f.s.GetOrganizationsAccessReport(context.Background(), laRoot(), &api.GetOrganizationsAccessReportInput{JobId: ptr("01234567-89ab-7def-8123-456789abcdef")})
	dgWantCode(t, "Get", err, "NoSuchEntity")
}

// TestParseOrganizationsEntityPath checks the entity path grammar.
func TestParseOrganizationsEntityPath(t *testing.T) {
	good := map[string]organizationsEntityPath{
		"o-a1b2c3d4e5/r-f6g7":                                       {OrganizationID: "o-a1b2c3d4e5", RootID: "r-f6g7"},
		"o-a1b2c3d4e5/r-f6g7/ou-f6g7-abcdefgh/":                     {OrganizationID: "o-a1b2c3d4e5", RootID: "r-f6g7", OUs: []string{"ou-f6g7-abcdefgh"}},
		"o-a1b2c3d4e5/r-f6g7/ou-f6g7-abcdefgh/123456789012":         {OrganizationID: "o-a1b2c3d4e5", RootID: "r-f6g7", OUs: []string{"ou-f6g7-abcdefgh"}, AccountID: "123456789012"},
		"o-a1b2c3d4e5/r-f6g7/ou-f6g7-abcdefgh/ou-f6g7-ijklmnop1234": {OrganizationID: "o-a1b2c3d4e5", RootID: "r-f6g7", OUs: []string{"ou-f6g7-abcdefgh", "ou-f6g7-ijklmnop1234"}},
	}
	for p, want := range good {
		got, err := parseOrganizationsEntityPath(p)
		if err != nil || got.OrganizationID != want.OrganizationID || got.RootID != want.RootID || got.AccountID != want.AccountID || !slices.Equal(got.OUs, want.OUs) {
			t.Errorf("%s = %+v, %v; want %+v", p, got, err, want)
		}
	}
	for _, p := range []string{"", "o-a1b2c3d4e5", "o-short/r-f6g7", "o-a1b2c3d4e5/x-f6g7", "o-a1b2c3d4e5/r-f6g7/ou-bad", "o-a1b2c3d4e5/r-f6g7/12345", "o-A1B2C3D4E5/r-f6g7"} {
		if _, err := parseOrganizationsEntityPath(p); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
}

// FuzzParseOrganizationsEntityPath: the parser never panics, and what it
// accepts starts with the organization and root it reports.
func FuzzParseOrganizationsEntityPath(f *testing.F) {
	for _, seed := range []string{"o-a1b2c3d4e5/r-f6g7", "o-a1b2c3d4e5/r-f6g7/ou-f6g7-abcdefgh/123456789012", "//", "o-/r-", "o-a1b2c3d4e5/r-f6g7/ou--"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := parseOrganizationsEntityPath(p)
		if err == nil && !strings.HasPrefix(p, got.OrganizationID+"/"+got.RootID) {
			t.Fatalf("%q parsed as %+v", p, got)
		}
	})
}

// FuzzSplitAccessEntityARN: the report's ARN parser never panics, and
// what it accepts rebuilds to the same ARN.
func FuzzSplitAccessEntityARN(f *testing.F) {
	for _, seed := range []string{laARN("user", "alice"), "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::1:group/a/b/c", "arn:aws:iam::1:role//x", "arn:aws:iam::1:user/"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		acct, typ, path, name, ok := splitAccessEntityARN(arn)
		if ok && "arn:aws:iam::"+acct+":"+typ+path+name != arn {
			t.Fatalf("%q split as %s %s %s %s", arn, acct, typ, path, name)
		}
	})
}

// TestAllowanceGlob checks the action matching of the allowance.
func TestAllowanceGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, action string
		want            bool
	}{
		{"*", "iam:GetUser", true},
		{"iam:*", "IAM:getuser", true},
		{"iam:Get*", "iam:GetUser", true},
		{"iam:Get*", "iam:ListUsers", false},
		{"iam:?etUser", "iam:GetUser", true},
		{"s3*:*", "s3-outposts:GetObject", true},
		{"iam", "iam:GetUser", false},
		{"iam:*User*", "iam:ListUsers", true},
	} {
		if got := matchActionPattern(tc.pattern, tc.action); got != tc.want {
			t.Errorf("%s vs %s = %v", tc.pattern, tc.action, got)
		}
	}
}
