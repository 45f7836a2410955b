package authz

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/model"
	iamapi "github.com/gatehouse/gatehouse/internal/model/iam"
	kmsapi "github.com/gatehouse/gatehouse/internal/model/kms"
	stsapi "github.com/gatehouse/gatehouse/internal/model/sts"
	"github.com/gatehouse/gatehouse/internal/protocol"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

const acct = "111122223333"

// fixture is an authorizer over a fresh directory.
type fixture struct {
	t   testing.TB
	dir *iam.Directory
	az  *Authorizer
	log *bytes.Buffer
}

func newFixture(t testing.TB, mode Mode) *fixture {
	t.Helper()
	d := t.TempDir()
	st, err := sqlite.Open(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	kr, err := keyring.LoadOrCreate(filepath.Join(d, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	dir := iam.NewDirectory(st, kr, account.NewCredentials(st, kr), nil)
	var buf bytes.Buffer
	az, err := New(Config{Directory: dir, Services: model.All(), Mode: mode, Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, dir: dir, az: az, log: &buf}
}

func (f *fixture) update(fn func(tx *iam.Tx) error) {
	f.t.Helper()
	if err := f.dir.Update(context.Background(), fn); err != nil {
		f.t.Fatal(err)
	}
}

// user stores an IAM user with inline policies (name → document).
func (f *fixture) user(name, path string, inline map[string]string, mutate ...func(*iam.User)) *iam.User {
	f.t.Helper()
	u := &iam.User{AccountID: acct, Name: name, Path: path, ID: iam.NewID(iam.PrefixUser), CreateDate: time.Now()}
	for n, doc := range inline {
		u.Inline = append(u.Inline, iam.InlinePolicy{Name: n, Document: doc})
	}
	for _, m := range mutate {
		m(u)
	}
	f.update(func(tx *iam.Tx) error { return tx.PutUser(u) })
	return u
}

// managed stores a customer managed policy and returns its ARN.
func (f *fixture) managed(name, doc string) string {
	f.t.Helper()
	p := &iam.ManagedPolicy{AccountID: acct, Name: name, Path: "/", ID: iam.NewID(iam.PrefixPolicy),
		DefaultVersion: "v1", Versions: []iam.PolicyVersion{{ID: "v1", Document: doc}}, NextVersion: 2}
	f.update(func(tx *iam.Tx) error { return tx.PutPolicy(p) })
	return p.ARN()
}

func (f *fixture) role(name, path, trust string, inline map[string]string, tags ...iam.Tag) *iam.Role {
	f.t.Helper()
	r := &iam.Role{AccountID: acct, Name: name, Path: path, ID: iam.NewID(iam.PrefixRole), TrustPolicy: trust, MaxSessionDuration: 3600, Tags: tags}
	for n, doc := range inline {
		r.Inline = append(r.Inline, iam.InlinePolicy{Name: n, Document: doc})
	}
	f.update(func(tx *iam.Tx) error { return tx.PutRole(r) })
	return r
}

func userPrincipal(u *iam.User) *identity.Principal {
	return &identity.Principal{Type: identity.IAMUser, AccountID: u.AccountID, ARN: u.ARN(), PrincipalID: u.ID,
		UserName: u.Name, AccessKeyID: "AKIAEXAMPLEEXAMPLE12"}
}

func newCall(p *identity.Principal, svc *protocol.Service, op string) *call.Call {
	return &call.Call{RequestID: "req-1", Principal: p, Region: "us-east-1", Operation: svc.Operations[op],
		SourceIP: "192.0.2.10", UserAgent: "test", Time: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
}

func str(s string) *string { return &s }

// authorize runs the authorizer and returns its error as *protocol.Error
// (nil when allowed).
func (f *fixture) authorize(c *call.Call, in any) *protocol.Error {
	f.t.Helper()
	err := f.az.Authorize(context.Background(), c, in)
	if err == nil {
		return nil
	}
	pe, ok := protocol.AsError(err)
	if !ok {
		f.t.Fatalf("Authorize: %v (not an AWS error)", err)
	}
	return pe
}

const allowGetUser = `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`

func TestUserWithoutPoliciesIsDenied(t *testing.T) {
	f := newFixture(t, On)
	u := f.user("alice", "/", nil)
	err := f.authorize(newCall(userPrincipal(u), iamapi.Service, "GetUser"), &iamapi.GetUserInput{UserName: str("bob")})
	if err == nil {
		t.Fatal("allowed without any policy")
	}
	want := "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iam:GetUser on resource: arn:aws:iam::111122223333:user/bob because no identity-based policy allows the iam:GetUser action"
	if err.Code != "AccessDenied" || err.Status != 403 || err.Message != want {
		t.Fatalf("got %s %d %q\nwant AccessDenied 403 %q", err.Code, err.Status, err.Message, want)
	}
}

func TestInlineAndManagedPoliciesAllow(t *testing.T) {
	f := newFixture(t, On)
	u := f.user("alice", "/", map[string]string{"read": allowGetUser})
	c := newCall(userPrincipal(u), iamapi.Service, "GetUser")
	if err := f.authorize(c, &iamapi.GetUserInput{UserName: str("bob")}); err != nil {
		t.Fatalf("inline policy: %v", err)
	}
	// The same through a managed policy, and a group's policy.
	arn := f.managed("ReadUsers", allowGetUser)
	u2 := f.user("carol", "/", nil, func(u *iam.User) { u.Attached = []string{arn} })
	if err := f.authorize(newCall(userPrincipal(u2), iamapi.Service, "GetUser"), &iamapi.GetUserInput{}); err != nil {
		t.Fatalf("managed policy: %v", err)
	}
	f.update(func(tx *iam.Tx) error {
		return tx.PutGroup(&iam.Group{AccountID: acct, Name: "readers", Path: "/", ID: iam.NewID(iam.PrefixGroup), Attached: []string{arn}, Members: []string{"dave"}})
	})
	u3 := f.user("dave", "/", nil, func(u *iam.User) { u.Groups = []string{"readers"} })
	if err := f.authorize(newCall(userPrincipal(u3), iamapi.Service, "GetUser"), &iamapi.GetUserInput{}); err != nil {
		t.Fatalf("group policy: %v", err)
	}
	// Another action is still denied.
	if err := f.authorize(newCall(userPrincipal(u3), iamapi.Service, "ListUsers"), &iamapi.ListUsersInput{}); err == nil {
		t.Fatal("ListUsers allowed by a GetUser policy")
	}
}

func TestResourceARNCarriesTheEntityPath(t *testing.T) {
	f := newFixture(t, On)
	const onlyOps = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::111122223333:user/ops/*"}]}`
	u := f.user("alice", "/", map[string]string{"ops": onlyOps})
	f.user("bob", "/ops/", nil)
	f.user("eve", "/", nil)
	c := newCall(userPrincipal(u), iamapi.Service, "GetUser")
	if err := f.authorize(c, &iamapi.GetUserInput{UserName: str("BOB")}); err != nil {
		t.Fatalf("bob is under /ops/ (names are case-insensitive): %v", err)
	}
	u.Inline = nil
	f.update(func(tx *iam.Tx) error { return tx.PutUser(u) })
	err := f.authorize(c, &iamapi.GetUserInput{UserName: str("BOB")})
	if err == nil || !strings.Contains(err.Message, "on resource: arn:aws:iam::111122223333:user/ops/bob ") {
		t.Fatalf("the ARN names the stored user: %v", err)
	}
	u.Inline = []iam.InlinePolicy{{Name: "ops", Document: onlyOps}}
	f.update(func(tx *iam.Tx) error { return tx.PutUser(u) })
	err = f.authorize(c, &iamapi.GetUserInput{UserName: str("eve")})
	if err == nil || !strings.Contains(err.Message, "on resource: arn:aws:iam::111122223333:user/eve ") {
		t.Fatalf("eve: %v", err)
	}
	// A user that does not exist has path "/".
	err = f.authorize(c, &iamapi.GetUserInput{UserName: str("ghost")})
	if err == nil || !strings.Contains(err.Message, "resource: arn:aws:iam::111122223333:user/ghost ") {
		t.Fatalf("ghost: %v", err)
	}
}

func TestGetUserWithoutNameIsTheCaller(t *testing.T) {
	f := newFixture(t, On)
	const self = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ChangePassword"],"Resource":"arn:aws:iam::*:user/${aws:username}"}]}`
	u := f.user("alice", "/", map[string]string{"self": self})
	p := userPrincipal(u)
	if err := f.authorize(newCall(p, iamapi.Service, "GetUser"), &iamapi.GetUserInput{}); err != nil {
		t.Fatalf("GetUser of self: %v", err)
	}
	if err := f.authorize(newCall(p, iamapi.Service, "ChangePassword"), &iamapi.ChangePasswordInput{}); err != nil {
		t.Fatalf("ChangePassword of self: %v", err)
	}
	if err := f.authorize(newCall(p, iamapi.Service, "GetUser"), &iamapi.GetUserInput{UserName: str("bob")}); err == nil {
		t.Fatal("GetUser of bob allowed by a policy on ${aws:username}")
	}
}

func TestExplicitDenyAndBoundaryMessages(t *testing.T) {
	f := newFixture(t, On)
	const allowAllIAM = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`
	const denyDelete = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}]}`
	u := f.user("alice", "/", map[string]string{"all": allowAllIAM, "nodelete": denyDelete})
	err := f.authorize(newCall(userPrincipal(u), iamapi.Service, "DeleteUser"), &iamapi.DeleteUserInput{UserName: str("bob")})
	want := "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iam:DeleteUser on resource: arn:aws:iam::111122223333:user/bob with an explicit deny in an identity-based policy"
	if err == nil || err.Message != want {
		t.Fatalf("explicit deny: %v\nwant %q", err, want)
	}

	boundary := f.managed("OnlyGet", allowGetUser)
	b := f.user("bounded", "/", map[string]string{"all": allowAllIAM}, func(u *iam.User) { u.Boundary = boundary })
	if err := f.authorize(newCall(userPrincipal(b), iamapi.Service, "GetUser"), &iamapi.GetUserInput{}); err != nil {
		t.Fatalf("GetUser within the boundary: %v", err)
	}
	err = f.authorize(newCall(userPrincipal(b), iamapi.Service, "ListUsers"), &iamapi.ListUsersInput{})
	want = "User: arn:aws:iam::111122223333:user/bounded is not authorized to perform: iam:ListUsers because no permissions boundary allows the iam:ListUsers action"
	if err == nil || err.Message != want {
		t.Fatalf("boundary: %v\nwant %q", err, want)
	}
}

func TestRoleSessionPolicies(t *testing.T) {
	f := newFixture(t, On)
	const allowIAMRead = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`
	r := f.role("reader", "/svc/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`,
		map[string]string{"read": allowIAMRead})
	session := &identity.Session{IssuedAt: time.Now(), IssuerARN: r.ARN(), IssuerPrincipalID: r.ID, IssuerType: "Role",
		Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`}
	p := &identity.Principal{Type: identity.AssumedRole, AccountID: acct, ARN: "arn:aws:sts::111122223333:assumed-role/reader/s1",
		PrincipalID: r.ID + ":s1", UserName: "reader", AccessKeyID: "ASIAEXAMPLE", Session: session}
	if err := f.authorize(newCall(p, iamapi.Service, "GetUser"), &iamapi.GetUserInput{UserName: str("bob")}); err != nil {
		t.Fatalf("allowed by role and session policy: %v", err)
	}
	err := f.authorize(newCall(p, iamapi.Service, "ListUsers"), &iamapi.ListUsersInput{})
	want := "User: arn:aws:sts::111122223333:assumed-role/reader/s1 is not authorized to perform: iam:ListUsers because no session policy allows the iam:ListUsers action"
	if err == nil || err.Message != want {
		t.Fatalf("session policy: %v\nwant %q", err, want)
	}
	// A managed session policy counts too, read from the role's account.
	arn := f.managed("ListOnly", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)
	session.PolicyARNs = []string{arn}
	if err := f.authorize(newCall(p, iamapi.Service, "ListUsers"), &iamapi.ListUsersInput{}); err != nil {
		t.Fatalf("managed session policy: %v", err)
	}
	// aws:PrincipalArn is the role's ARN; aws:PrincipalTag comes from the
	// role's tags, overridden by session tags.
	f.update(func(tx *iam.Tx) error {
		r.Tags = []iam.Tag{{Key: "team", Value: "blue"}}
		r.Inline = []iam.InlinePolicy{{Name: "cond", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/svc/reader","aws:PrincipalTag/team":"red","aws:PrincipalType":"AssumedRole"}}}]}`}}
		return tx.PutRole(r)
	})
	session.Policy, session.PolicyARNs = "", nil
	if err := f.authorize(newCall(p, iamapi.Service, "ListRoles"), &iamapi.ListRolesInput{}); err == nil {
		t.Fatal("role tag team=blue matched team=red")
	}
	session.Tags = map[string]string{"Team": "red"}
	if err := f.authorize(newCall(p, iamapi.Service, "ListRoles"), &iamapi.ListRolesInput{}); err != nil {
		t.Fatalf("session tag team=red: %v", err)
	}
}

func TestFederatedUserNeedsSessionPolicy(t *testing.T) {
	f := newFixture(t, On)
	u := f.user("issuer", "/", map[string]string{"read": allowGetUser})
	p := &identity.Principal{Type: identity.FederatedUser, AccountID: acct, ARN: "arn:aws:sts::111122223333:federated-user/fed",
		PrincipalID: acct + ":fed", AccessKeyID: "ASIAEXAMPLE", Session: &identity.Session{IssuerARN: u.ARN(), IssuerType: "IAMUser"}}
	if err := f.authorize(newCall(p, iamapi.Service, "GetUser"), &iamapi.GetUserInput{UserName: str("x")}); err == nil {
		t.Fatal("a federated user without session policies was allowed")
	}
	p.Session.Policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`
	if err := f.authorize(newCall(p, iamapi.Service, "GetUser"), &iamapi.GetUserInput{UserName: str("x")}); err != nil {
		t.Fatalf("federated user with both policies allowing: %v", err)
	}
	if err := f.authorize(newCall(p, iamapi.Service, "ListUsers"), &iamapi.ListUsersInput{}); err == nil {
		t.Fatal("the session policy widened the issuing user's permissions")
	}
}

func TestJSONServicesAnswerAccessDeniedException(t *testing.T) {
	f := newFixture(t, On)
	u := f.user("alice", "/", nil)
	err := f.authorize(newCall(userPrincipal(u), kmsapi.Service, "ListKeys"), &kmsapi.ListKeysInput{})
	want := "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:ListKeys because no identity-based policy allows the kms:ListKeys action"
	if err == nil || err.Code != "AccessDeniedException" || err.Status != 400 || err.Message != want {
		t.Fatalf("got %+v, want AccessDeniedException 400 %q", err, want)
	}
	// A key operation names the key's ARN, in the request's region.
	err = f.authorize(newCall(userPrincipal(u), kmsapi.Service, "Encrypt"), &kmsapi.EncryptInput{KeyId: str("1234abcd-12ab-34cd-56ef-1234567890ab"), Plaintext: []byte("x")})
	if err == nil || !strings.Contains(err.Message, "kms:Encrypt on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab ") {
		t.Fatalf("Encrypt: %v", err)
	}
}

func TestDenialShapesMatchTheModels(t *testing.T) {
	// Where a model declares AccessDeniedException, its status is the one
	// the authorizer answers with.
	for _, svc := range model.All() {
		got := AccessDenied(svc, "m")
		declared := map[string]int{
			"organizations": 400, "shield": 400, "cloudtrail": 400, "guardduty": 403, "inspector2": 403, "artifact": 403,
		}
		if st, ok := declared[svc.ID]; ok && (got.Code != "AccessDeniedException" || got.Status != st) {
			t.Errorf("%s: %s %d, want AccessDeniedException %d", svc.ID, got.Code, got.Status, st)
		}
		if svc.Protocol == protocol.Query && (got.Code != "AccessDenied" || got.Status != 403) {
			t.Errorf("%s (query): %s %d, want AccessDenied 403", svc.ID, got.Code, got.Status)
		}
	}
}

func TestConditionKeysFromTheRequest(t *testing.T) {
	f := newFixture(t, On)
	const tagged = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"blue"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}},
		{"Effect":"Allow","Action":"iam:AttachUserPolicy","Resource":"*","Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}},
		{"Effect":"Allow","Action":"iam:GetRole","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"dev","iam:ResourceTag/env":"dev"}}},
		{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"},"Bool":{"aws:SecureTransport":"false"},"StringEquals":{"aws:username":"alice","aws:RequestedRegion":"us-east-1"},"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}}
	]}`
	u := f.user("alice", "/", map[string]string{"p": tagged})
	p := userPrincipal(u)
	tags := func(kv ...string) []iamapi.Tag {
		var out []iamapi.Tag
		for i := 0; i < len(kv); i += 2 {
			out = append(out, iamapi.Tag{Key: str(kv[i]), Value: str(kv[i+1])})
		}
		return out
	}
	create := newCall(p, iamapi.Service, "CreateUser")
	if err := f.authorize(create, &iamapi.CreateUserInput{UserName: str("n1"), Tags: tags("team", "blue")}); err != nil {
		t.Fatalf("CreateUser team=blue: %v", err)
	}
	if err := f.authorize(create, &iamapi.CreateUserInput{UserName: str("n2"), Tags: tags("team", "red")}); err == nil {
		t.Fatal("CreateUser team=red allowed")
	}
	if err := f.authorize(create, &iamapi.CreateUserInput{UserName: str("n3"), Tags: tags("team", "blue", "cost", "1")}); err == nil {
		t.Fatal("CreateUser with an extra tag key allowed despite ForAllValues aws:TagKeys")
	}
	attach := newCall(p, iamapi.Service, "AttachUserPolicy")
	if err := f.authorize(attach, &iamapi.AttachUserPolicyInput{UserName: str("bob"), PolicyArn: str("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatalf("attach ReadOnlyAccess: %v", err)
	}
	if err := f.authorize(attach, &iamapi.AttachUserPolicyInput{UserName: str("bob"), PolicyArn: str("arn:aws:iam::aws:policy/AdministratorAccess")}); err == nil {
		t.Fatal("attach AdministratorAccess allowed by an iam:PolicyARN condition")
	}
	f.role("dev-role", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, nil, iam.Tag{Key: "env", Value: "dev"})
	f.role("prod-role", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, nil, iam.Tag{Key: "env", Value: "prod"})
	getRole := newCall(p, iamapi.Service, "GetRole")
	if err := f.authorize(getRole, &iamapi.GetRoleInput{RoleName: str("dev-role")}); err != nil {
		t.Fatalf("GetRole of a dev role: %v", err)
	}
	if err := f.authorize(getRole, &iamapi.GetRoleInput{RoleName: str("prod-role")}); err == nil {
		t.Fatal("GetRole of a prod role allowed by aws:ResourceTag/env=dev")
	}
	list := newCall(p, iamapi.Service, "ListUsers")
	if err := f.authorize(list, &iamapi.ListUsersInput{}); err != nil {
		t.Fatalf("ListUsers with matching global keys: %v", err)
	}
	list.SourceIP = "198.51.100.1"
	if err := f.authorize(list, &iamapi.ListUsersInput{}); err == nil {
		t.Fatal("ListUsers from outside the allowed network allowed")
	}
}

func TestAssumeRoleTrustPolicy(t *testing.T) {
	f := newFixture(t, On)
	const trustAlice = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"xyz"}}}]}`
	const trustMFA = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`
	f.role("deploy", "/ci/", trustAlice, nil)
	f.role("admin", "/", trustMFA, nil)
	alice := f.user("alice", "/", nil)
	bob := f.user("bob", "/", map[string]string{"assume": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`})
	c := newCall(userPrincipal(alice), stsapi.Service, "AssumeRole")
	in := &stsapi.AssumeRoleInput{RoleArn: str("arn:aws:iam::111122223333:role/ci/deploy"), RoleSessionName: str("s"), ExternalId: str("xyz")}
	if err := f.authorize(c, in); err != nil {
		t.Fatalf("trust policy names alice: %v", err)
	}
	in.ExternalId = str("wrong")
	err := f.authorize(c, in)
	if err == nil || err.Code != "AccessDenied" || !strings.HasPrefix(err.Message, "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/ci/deploy") {
		t.Fatalf("wrong external id: %v", err)
	}
	// A role that does not exist, or a wrong path, is denied on the ARN given.
	for _, arn := range []string{"arn:aws:iam::111122223333:role/nosuch", "arn:aws:iam::111122223333:role/deploy"} {
		err = f.authorize(c, &stsapi.AssumeRoleInput{RoleArn: str(arn), RoleSessionName: str("s"), ExternalId: str("xyz")})
		if err == nil || err.Message != "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: sts:AssumeRole on resource: "+arn {
			t.Fatalf("%s: %v", arn, err)
		}
	}
	// The account-root principal delegates to IAM: bob's policy allows,
	// and the trust policy wants MFA.
	cb := newCall(userPrincipal(bob), stsapi.Service, "AssumeRole")
	admin := &stsapi.AssumeRoleInput{RoleArn: str("arn:aws:iam::111122223333:role/admin"), RoleSessionName: str("s")}
	if err := f.authorize(cb, admin); err == nil {
		t.Fatal("assumed a role that needs MFA without MFA")
	}
	admin.SerialNumber, admin.TokenCode = str("arn:aws:iam::111122223333:mfa/bob"), str("123456")
	if err := f.authorize(cb, admin); err != nil {
		t.Fatalf("with an MFA code: %v", err)
	}
	// alice has no identity policy: the account principal does not let her in.
	if err := f.authorize(c, admin); err == nil {
		t.Fatal("alice assumed admin without an identity policy")
	}
	// Session tags need sts:TagSession in the trust policy.
	in.ExternalId = str("xyz")
	in.Tags = []stsapi.Tag{{Key: str("k"), Value: str("v")}}
	err = f.authorize(c, in)
	if err == nil || !strings.Contains(err.Message, "sts:TagSession") {
		t.Fatalf("tags without sts:TagSession: %v", err)
	}
}

func TestRootAndAnonymousAreNotBoundByIAMPolicies(t *testing.T) {
	f := newFixture(t, On)
	root := &identity.Principal{Type: identity.Root, AccountID: acct, ARN: "arn:aws:iam::111122223333:root", PrincipalID: acct}
	if err := f.authorize(newCall(root, iamapi.Service, "DeleteUser"), &iamapi.DeleteUserInput{UserName: str("x")}); err != nil {
		t.Fatalf("root: %v", err)
	}
	anon := &identity.Principal{Type: identity.Anonymous}
	if err := f.authorize(newCall(anon, stsapi.Service, "AssumeRoleWithWebIdentity"), &stsapi.AssumeRoleWithWebIdentityInput{}); err != nil {
		t.Fatalf("anonymous: %v", err)
	}
}

func TestSoftModeRecordsTheDenial(t *testing.T) {
	f := newFixture(t, Soft)
	u := f.user("alice", "/", nil)
	c := newCall(userPrincipal(u), iamapi.Service, "ListUsers")
	if err := f.authorize(c, &iamapi.ListUsersInput{}); err != nil {
		t.Fatalf("soft mode denied: %v", err)
	}
	data := c.EventData()
	if len(data) != 1 || data[0].Key != "softEnforcementDenial" {
		t.Fatalf("event data = %+v", data)
	}
	b, _ := json.Marshal(data[0].Value)
	if !strings.Contains(string(b), `"errorCode":"AccessDenied"`) || !strings.Contains(string(b), "is not authorized to perform: iam:ListUsers") {
		t.Fatalf("event data value = %s", b)
	}
	if !strings.Contains(f.log.String(), "would be denied") || !strings.Contains(f.log.String(), "iam:ListUsers") {
		t.Fatalf("log = %s", f.log)
	}
	// An allowed call records nothing.
	u2 := f.user("bob", "/", map[string]string{"p": allowGetUser})
	c2 := newCall(userPrincipal(u2), iamapi.Service, "GetUser")
	if err := f.authorize(c2, &iamapi.GetUserInput{}); err != nil || len(c2.EventData()) != 0 {
		t.Fatalf("allowed call: err %v, data %+v", err, c2.EventData())
	}
}

func TestOffModeAllowsAndNotesKeyUse(t *testing.T) {
	f := newFixture(t, Off)
	u := f.user("alice", "/", nil)
	c := newCall(userPrincipal(u), iamapi.Service, "ListUsers")
	if err := f.authorize(c, &iamapi.ListUsersInput{}); err != nil {
		t.Fatalf("off mode denied: %v", err)
	}
	use, found, err := f.dir.AccessKeyLastUsed(context.Background(), "AKIAEXAMPLEEXAMPLE12")
	if err != nil || !found || use.Service != "iam" || use.Region != "us-east-1" || !use.Time.Equal(c.Time) {
		t.Fatalf("key use = %+v, found %v, err %v", use, found, err)
	}
}

func TestPermissionsFollowIAMWrites(t *testing.T) {
	f := newFixture(t, On)
	u := f.user("alice", "/", nil)
	c := newCall(userPrincipal(u), iamapi.Service, "GetUser")
	if err := f.authorize(c, &iamapi.GetUserInput{}); err == nil {
		t.Fatal("allowed before any policy")
	}
	f.update(func(tx *iam.Tx) error {
		u.Inline = []iam.InlinePolicy{{Name: "p", Document: allowGetUser}}
		return tx.PutUser(u)
	})
	if err := f.authorize(c, &iamapi.GetUserInput{}); err != nil {
		t.Fatalf("after attaching a policy: %v", err)
	}
}

func TestResolveMode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		dev  bool
		want Mode
		err  bool
	}{
		{"", false, On, false}, {"", true, Off, false}, {"on", false, On, false}, {"ON", true, On, false},
		{"soft", true, Soft, false}, {"off", true, Off, false},
		{"soft", false, 0, true}, {"off", false, 0, true}, {"maybe", true, 0, true},
	} {
		got, err := ResolveMode(tc.in, tc.dev)
		if (err != nil) != tc.err || err == nil && got != tc.want {
			t.Errorf("ResolveMode(%q, dev=%v) = %v, %v", tc.in, tc.dev, got, err)
		}
	}
}

// benchPolicies returns n managed policy documents of the size real ones
// have: a few statements over several services, conditions included.
// The last one allows iam:GetUser.
func benchPolicies(n int) []string {
	var out []string
	services := []string{"s3", "ec2", "dynamodb", "sqs", "sns", "lambda", "logs", "cloudwatch", "kms", "secretsmanager"}
	for i := 0; i < n; i++ {
		svc := services[i%len(services)]
		doc := `{"Version":"2012-10-17","Statement":[` +
			`{"Sid":"Read","Effect":"Allow","Action":["` + svc + `:Get*","` + svc + `:List*","` + svc + `:Describe*"],"Resource":"*"},` +
			`{"Sid":"Write","Effect":"Allow","Action":["` + svc + `:Put*","` + svc + `:Create*"],"Resource":"` + teamResource(svc) + `","Condition":{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}},` +
			`{"Sid":"NoDelete","Effect":"Deny","Action":"` + svc + `:Delete*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}`
		if i == n-1 {
			doc += `,{"Sid":"Self","Effect":"Allow","Action":["iam:GetUser","iam:ListAccessKeys"],"Resource":"arn:aws:iam::111122223333:user/${aws:username}"}`
		}
		out = append(out, doc+`]}`)
	}
	return out
}

// BenchmarkAuthorize measures the authorization of IAM GetUser by a user
// whose permissions come from 10 managed policies: the per-request work
// of the authorizer once the directory's caches are warm.
func BenchmarkAuthorize(b *testing.B) {
	f := newFixture(b, On)
	var arns []string
	for i, doc := range benchPolicies(10) {
		arns = append(arns, f.managed("Bench"+strconv.Itoa(i), doc))
	}
	u := f.user("bench", "/", nil, func(u *iam.User) { u.Attached = arns })
	c := newCall(userPrincipal(u), iamapi.Service, "GetUser")
	in := &iamapi.GetUserInput{UserName: str("bench")}
	ctx := context.Background()
	if err := f.az.Authorize(ctx, c, in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		if err := f.az.Authorize(ctx, c, in); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time the process has used: a measure that other
// load on a shared machine distorts less than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// teamResource is a resource pattern of svc for a policy's Write
// statement; S3 ARNs carry no region or account.
func teamResource(svc string) string {
	if svc == "s3" {
		return "arn:aws:s3:::team-s3-*"
	}
	return "arn:aws:" + svc + ":*:*:team-" + svc + "-*"
}
