package authz_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// These tests write Organizations state directly through
// organizations.Store (as the Organizations API does) and check that the
// authorizer enforces it on every call: SCPs, RCPs and the org condition
// keys.

// orgFixture is an organization with SCPs and RCPs enabled whose
// management account is the node's bootstrap account.
type orgFixture struct {
	n   *node
	org *organizations.Organization
}

func newOrgFixture(t *testing.T, n *node) *orgFixture {
	t.Helper()
	orgs := n.app.Organizations()
	org := &organizations.Organization{
		ID: organizations.NewID("o-", 10), FeatureSet: organizations.FeatureSetAll,
		ManagementAccountID: n.account, CreatedAt: time.Now(),
		RootName: "Root",
		PolicyTypes: []organizations.PolicyTypeStatus{
			{Type: organizations.TypeSCP, Status: "ENABLED"},
			{Type: organizations.TypeRCP, Status: "ENABLED"},
		},
	}
	org.RootID = organizations.NewID("r-", 4)
	err := orgs.Update(context.Background(), func(tx *organizations.Tx) error {
		if err := tx.PutOrganization(org); err != nil {
			return err
		}
		if err := tx.Put(organizations.KindManagementOrg, n.account, []byte(org.ID)); err != nil {
			return err
		}
		if err := organizations.AttachDefaults(tx, org, org.RootID, time.Now()); err != nil {
			return err
		}
		if err := tx.PutMember(&organizations.Member{AccountID: n.account, OrgID: org.ID, ParentID: org.RootID,
			Name: "management", Status: organizations.StatusActive, JoinedMethod: organizations.JoinedInvited}); err != nil {
			return err
		}
		return organizations.AttachDefaults(tx, org, n.account, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	return &orgFixture{n: n, org: org}
}

func (f *orgFixture) update(t *testing.T, fn func(tx *organizations.Tx) error) {
	t.Helper()
	if err := f.n.app.Organizations().Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// ou creates an OU under parent.
func (f *orgFixture) ou(t *testing.T, parent, name string) string {
	t.Helper()
	id := organizations.NewID("ou-"+f.org.RootID[2:]+"-", 8)
	f.update(t, func(tx *organizations.Tx) error {
		if err := tx.PutOU(&organizations.OU{ID: id, OrgID: f.org.ID, Name: name, ParentID: parent}); err != nil {
			return err
		}
		return organizations.AttachDefaults(tx, f.org, id, time.Now())
	})
	return id
}

// account creates a gatehouse account in the organization under parent
// and returns its id and a configuration signed by its root user's key.
func (f *orgFixture) account(t *testing.T, parent, name string) (string, aws.Config) {
	t.Helper()
	id, err := account.NewAccountID()
	if err != nil {
		t.Fatal(err)
	}
	f.update(t, func(tx *organizations.Tx) error {
		if err := account.Put(tx, &account.Account{ID: id, Name: name, Email: name + "@example.com", CreatedAt: time.Now()}); err != nil {
			return err
		}
		if err := tx.PutMember(&organizations.Member{AccountID: id, OrgID: f.org.ID, ParentID: parent, Name: name,
			Status: organizations.StatusActive, JoinedMethod: organizations.JoinedCreated}); err != nil {
			return err
		}
		return organizations.AttachDefaults(tx, f.org, id, time.Now())
	})
	return id, f.rootConfig(t, id)
}

// rootConfig returns a configuration signed by a new access key of
// accountID's root user.
func (f *orgFixture) rootConfig(t *testing.T, accountID string) aws.Config {
	t.Helper()
	dir := f.n.app.Directory()
	kid, secret, err := organizations.CreateRootAccessKey(context.Background(), dir.Store(), dir.Credentials(), accountID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return f.n.config(kid, secret, "")
}

// policy stores a customer policy of type typ and returns its id.
func (f *orgFixture) policy(t *testing.T, typ, content string) string {
	t.Helper()
	id := organizations.NewID("p-", 8)
	f.update(t, func(tx *organizations.Tx) error {
		return tx.PutPolicy(&organizations.Policy{ID: id, OrgID: f.org.ID, Name: id, Type: typ, Content: content})
	})
	return id
}

func (f *orgFixture) attach(t *testing.T, policyID, target string) {
	t.Helper()
	f.update(t, func(tx *organizations.Tx) error {
		return tx.Attach(f.org.ID, &organizations.Attachment{PolicyID: policyID, TargetID: target, AttachedAt: time.Now()})
	})
}

func (f *orgFixture) detach(t *testing.T, policyID, target string) {
	t.Helper()
	f.update(t, func(tx *organizations.Tx) error { return tx.Detach(f.org.ID, policyID, target) })
}

// adminUser creates an IAM user with every permission in the account
// cfg signs for, and returns a configuration signed by its key.
func (n *node) adminUser(t *testing.T, cfg aws.Config, name string) aws.Config {
	t.Helper()
	c := iam.NewFromConfig(cfg)
	ctx := context.Background()
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("all"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return n.config(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")
}

// createUser calls iam:CreateUser and returns the AWS error code and
// message ("" when it succeeded).
func createUser(t *testing.T, cfg aws.Config, name string) (string, string) {
	t.Helper()
	_, err := iam.NewFromConfig(cfg).CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String(name)})
	if err == nil {
		return "", ""
	}
	code, msg, _, _ := apiError(t, err)
	return code, msg
}

const denyCreateUserSCP = `{"Version":"2012-10-17","Statement":[{"Sid":"NoUsers","Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}`

func TestSCPBindsMemberAccountsRootIncluded(t *testing.T) {
	n := startNode(t)
	f := newOrgFixture(t, n)
	hrOU := f.ou(t, f.org.RootID, "hr-and-legal")
	hr, hrRoot := f.account(t, hrOU, "hr")
	_, financeRoot := f.account(t, f.org.RootID, "finance")
	hrAdmin := n.adminUser(t, hrRoot, "admin")
	mgmtAdmin := n.adminUser(t, n.root, "admin")

	deny := f.policy(t, organizations.TypeSCP, denyCreateUserSCP)
	f.attach(t, deny, hrOU)
	// The management account is never bound, even by a deny at the root.
	f.attach(t, deny, f.org.RootID)
	f.detach(t, deny, f.org.RootID)
	f.attach(t, deny, f.org.RootID)

	for _, tc := range []struct {
		who string
		cfg aws.Config
		arn string
	}{
		{"member root user", hrRoot, "arn:aws:iam::" + hr + ":root"},
		{"member IAM user", hrAdmin, "arn:aws:iam::" + hr + ":user/admin"},
	} {
		code, msg := createUser(t, tc.cfg, "x")
		want := "User: " + tc.arn + " is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::" + hr + ":user/x with an explicit deny in a service control policy"
		if code != "AccessDenied" || !strings.HasPrefix(msg, want) {
			t.Errorf("%s: CreateUser = %s %q, want AccessDenied %q", tc.who, code, msg, want)
		}
	}
	// Finance sits under the root, where the deny is attached too.
	if code, msg := createUser(t, financeRoot, "x"); code != "AccessDenied" || !strings.Contains(msg, "explicit deny in a service control policy") {
		t.Errorf("finance root under a root-level deny: %s %q", code, msg)
	}
	for _, cfg := range []aws.Config{n.root, mgmtAdmin} {
		if code, msg := createUser(t, cfg, "mgmt-"+strings.ToLower(code3(cfg))); code != "" {
			t.Errorf("management account bound by an SCP: %s %q", code, msg)
		}
	}
	// Detaching the root-level deny frees finance; hr stays bound.
	f.detach(t, deny, f.org.RootID)
	if code, msg := createUser(t, financeRoot, "y"); code != "" {
		t.Errorf("finance after the root deny was detached: %s %q", code, msg)
	}
	if code, _ := createUser(t, hrRoot, "y"); code != "AccessDenied" {
		t.Errorf("hr root after detaching the root deny: %q, want AccessDenied", code)
	}
	// GetCallerIdentity needs no permission, SCP or not.
	if _, err := sts.NewFromConfig(hrRoot).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Error(err)
	}
}

// code3 distinguishes configurations by their access key.
func code3(cfg aws.Config) string {
	c, _ := cfg.Credentials.Retrieve(context.Background())
	return c.AccessKeyID[len(c.AccessKeyID)-6:]
}

func TestSCPNeedsAnAllowAtEveryLevel(t *testing.T) {
	n := startNode(t)
	f := newOrgFixture(t, n)
	ou1 := f.ou(t, f.org.RootID, "one")
	ou2 := f.ou(t, ou1, "two")
	acct, root := f.account(t, ou2, "deep")
	if code, msg := createUser(t, root, "a"); code != "" {
		t.Fatalf("FullAWSAccess at every level should allow: %s %q", code, msg)
	}
	f.detach(t, organizations.FullAWSAccessID, ou1)
	code, msg := createUser(t, root, "b")
	want := "User: arn:aws:iam::" + acct + ":root is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::" + acct + ":user/b because no service control policy allows the iam:CreateUser action"
	if code != "AccessDenied" || msg != want {
		t.Errorf("without an allow on an OU: %s %q, want %q", code, msg, want)
	}
	// An SCP at that level allowing only IAM reads: CreateUser stays
	// denied, ListUsers works.
	reads := f.policy(t, organizations.TypeSCP, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*","iam:Get*"],"Resource":"*"}]}`)
	f.attach(t, reads, ou1)
	if code, _ := createUser(t, root, "c"); code != "AccessDenied" {
		t.Errorf("CreateUser under a read-only SCP: %q", code)
	}
	if _, err := iam.NewFromConfig(root).ListUsers(context.Background(), &iam.ListUsersInput{}); err != nil {
		t.Errorf("ListUsers under a read-only SCP: %v", err)
	}
	// Disabling the SCP policy type lifts every SCP.
	f.update(t, func(tx *organizations.Tx) error {
		f.org.PolicyTypes = []organizations.PolicyTypeStatus{{Type: organizations.TypeRCP, Status: "ENABLED"}}
		return tx.PutOrganization(f.org)
	})
	if code, msg := createUser(t, root, "d"); code != "" {
		t.Errorf("with SCPs disabled: %s %q", code, msg)
	}
}

func TestRCPDeniesAssumeRoleOnMemberRoles(t *testing.T) {
	n := startNode(t)
	f := newOrgFixture(t, n)
	member, memberRoot := f.account(t, f.org.RootID, "member")
	ctx := context.Background()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + n.account + `:root"},"Action":"sts:AssumeRole"}]}`
	role, err := iam.NewFromConfig(memberRoot).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ops"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	mgmtRoleTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + n.account + `:root"},"Action":"sts:AssumeRole"}]}`
	mgmtRole, err := iam.NewFromConfig(n.root).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ops"), AssumeRolePolicyDocument: aws.String(mgmtRoleTrust)})
	if err != nil {
		t.Fatal(err)
	}
	alice := n.adminUser(t, n.root, "alice")
	assume := func(arn *string) (string, string) {
		_, err := sts.NewFromConfig(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: arn, RoleSessionName: aws.String("sess")})
		if err == nil {
			return "", ""
		}
		code, msg, _, _ := apiError(t, err)
		return code, msg
	}
	if code, msg := assume(role.Role.Arn); code != "" {
		t.Fatalf("AssumeRole before the RCP: %s %q", code, msg)
	}
	rcp := f.policy(t, organizations.TypeRCP, `{"Version":"2012-10-17","Statement":[{"Sid":"NoAssume","Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}`)
	f.attach(t, rcp, f.org.RootID)
	code, msg := assume(role.Role.Arn)
	want := "User: arn:aws:iam::" + n.account + ":user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + member + ":role/ops with an explicit deny in a resource control policy"
	if code != "AccessDenied" || !strings.HasPrefix(msg, want) {
		t.Errorf("AssumeRole under an RCP: %s %q, want %q", code, msg, want)
	}
	// RCPs never restrict the management account's resources.
	if code, msg := assume(mgmtRole.Role.Arn); code != "" {
		t.Errorf("AssumeRole of a management account role under an RCP: %s %q", code, msg)
	}
	// RCPs do not apply to IAM, which AWS does not list for them.
	iamRCP := f.policy(t, organizations.TypeRCP, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"iam:*","Resource":"*"}]}`)
	f.attach(t, iamRCP, member)
	if code, msg := createUser(t, memberRoot, "u"); code != "" {
		t.Errorf("an RCP restricted IAM: %s %q", code, msg)
	}
}

func TestOrgConditionKeysInTrustPolicy(t *testing.T) {
	n := startNode(t)
	f := newOrgFixture(t, n)
	ctx := context.Background()
	ou := f.ou(t, f.org.RootID, "eng")
	_, inOU := f.account(t, ou, "eng")
	_, atRoot := f.account(t, f.org.RootID, "other")
	target, targetRoot := f.account(t, f.org.RootID, "target")
	path := f.org.ID + "/" + f.org.RootID + "/" + ou + "/"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole",
		"Condition":{"StringEquals":{"aws:PrincipalOrgID":"` + f.org.ID + `"},"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":["` + path + `*"]}}}]}`
	if _, err := iam.NewFromConfig(targetRoot).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("shared"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	roleARN := "arn:aws:iam::" + target + ":role/shared"
	// A role whose trust reads aws:ResourceOrgID of its own account.
	rtrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole",
		"Condition":{"StringEquals":{"aws:ResourceOrgID":"` + f.org.ID + `","aws:ResourceOrgPaths":"` + f.org.ID + "/" + f.org.RootID + `/","aws:ResourceAccount":"` + target + `"}}}]}`
	if _, err := iam.NewFromConfig(targetRoot).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("res"), AssumeRolePolicyDocument: aws.String(rtrust)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		who  string
		cfg  aws.Config
		role string
		ok   bool
	}{
		{"user of an account in the OU", n.adminUser(t, inOU, "dev"), roleARN, true},
		{"user of an account outside the OU", n.adminUser(t, atRoot, "dev"), roleARN, false},
		{"user of the management account at the root", n.adminUser(t, n.root, "dev"), roleARN, false},
		{"resource org keys", n.adminUser(t, atRoot, "dev2"), "arn:aws:iam::" + target + ":role/res", true},
	} {
		_, err := sts.NewFromConfig(tc.cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(tc.role), RoleSessionName: aws.String("sess")})
		if (err == nil) != tc.ok {
			t.Errorf("%s: AssumeRole err = %v, want allowed %v", tc.who, err, tc.ok)
		}
	}
	// An account with no organization does not match aws:PrincipalOrgID.
	lone, err := account.NewAccountID()
	if err != nil {
		t.Fatal(err)
	}
	f.update(t, func(tx *organizations.Tx) error {
		return account.Put(tx, &account.Account{ID: lone, Name: "lone", Email: "lone@example.com", CreatedAt: time.Now()})
	})
	loneUser := n.adminUser(t, f.rootConfig(t, lone), "dev")
	if _, err := sts.NewFromConfig(loneUser).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("sess")}); err == nil {
		t.Error("a user of an account in no organization assumed a role trusting only the organization")
	}
}
