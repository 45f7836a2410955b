package organizations_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	orgsdk "github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	stssdk "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// These tests drive the organization core (organization, accounts, OUs,
// handshakes) with the Go SDK against a node.

// coreTestNode starts a node and returns it with an Organizations client
// signed by the management account's root.
func coreTestNode(t *testing.T) (*testserver.Server, *orgsdk.Client) {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	return srv, orgsdk.NewFromConfig(srv.RootConfig())
}

// coreTestCode asserts that err carries the AWS error code.
func coreTestCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("got %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
}

// coreTestCreateAccount creates a member account and polls its request
// until it completes, returning the final status.
func coreTestCreateAccount(t *testing.T, client *orgsdk.Client, name, email string) orgtypes.CreateAccountStatus {
	t.Helper()
	ctx := context.Background()
	out, err := client.CreateAccount(ctx, &orgsdk.CreateAccountInput{
		AccountName: aws.String(name), Email: aws.String(email),
		Tags: []orgtypes.Tag{{Key: aws.String("team"), Value: aws.String(name)}},
	})
	if err != nil {
		t.Fatalf("CreateAccount %s: %v", name, err)
	}
	if out.CreateAccountStatus.State != orgtypes.CreateAccountStateInProgress {
		t.Fatalf("CreateAccount answered %s, want IN_PROGRESS as on AWS", out.CreateAccountStatus.State)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := client.DescribeCreateAccountStatus(ctx, &orgsdk.DescribeCreateAccountStatusInput{CreateAccountRequestId: out.CreateAccountStatus.Id})
		if err != nil {
			t.Fatalf("DescribeCreateAccountStatus: %v", err)
		}
		if st.CreateAccountStatus.State != orgtypes.CreateAccountStateInProgress {
			return *st.CreateAccountStatus
		}
		if time.Now().After(deadline) {
			t.Fatalf("account %s still IN_PROGRESS", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// coreTestRootConfig gives the root user of accountID an access key, as
// `gatehouse account root-credentials` does, and returns a configuration
// signed by it.
func coreTestRootConfig(t *testing.T, srv *testserver.Server, accountID string) aws.Config {
	t.Helper()
	dir := srv.App.Directory()
	id, secret, err := organizations.CreateRootAccessKey(context.Background(), dir.Store(), dir.Credentials(), accountID, time.Now())
	if err != nil {
		t.Fatalf("CreateRootAccessKey %s: %v", accountID, err)
	}
	return srv.Config(id, secret, "")
}

func TestOrganizationLifecycle(t *testing.T) {
	srv, client := coreTestNode(t)
	ctx := context.Background()

	_, err := client.DescribeOrganization(ctx, &orgsdk.DescribeOrganizationInput{})
	coreTestCode(t, err, "AWSOrganizationsNotInUseException")

	created, err := client.CreateOrganization(ctx, &orgsdk.CreateOrganizationInput{})
	if err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	org := created.Organization
	mgmt := srv.Root.AccountID
	if org.FeatureSet != orgtypes.OrganizationFeatureSetAll || aws.ToString(org.MasterAccountId) != mgmt ||
		!strings.HasPrefix(aws.ToString(org.Id), "o-") || len(aws.ToString(org.Id)) != 12 {
		t.Fatalf("organization = %+v", org)
	}
	if want := "arn:aws:organizations::" + mgmt + ":organization/" + aws.ToString(org.Id); aws.ToString(org.Arn) != want {
		t.Fatalf("Arn = %s, want %s", aws.ToString(org.Arn), want)
	}
	// The API enables no policy type (the console enables SCPs itself).
	if len(org.AvailablePolicyTypes) != 0 {
		t.Fatalf("AvailablePolicyTypes = %+v, want none", org.AvailablePolicyTypes)
	}
	_, err = client.CreateOrganization(ctx, &orgsdk.CreateOrganizationInput{})
	coreTestCode(t, err, "AlreadyInOrganizationException")

	roots, err := client.ListRoots(ctx, &orgsdk.ListRootsInput{})
	if err != nil || len(roots.Roots) != 1 || aws.ToString(roots.Roots[0].Name) != "Root" {
		t.Fatalf("ListRoots: %v %+v", err, roots)
	}
	rootID := aws.ToString(roots.Roots[0].Id)
	if len(roots.Roots[0].PolicyTypes) != 0 {
		t.Fatalf("root policy types = %+v, want none before EnablePolicyType", roots.Roots[0].PolicyTypes)
	}
	enabled, err := client.EnablePolicyType(ctx, &orgsdk.EnablePolicyTypeInput{RootId: aws.String(rootID), PolicyType: orgtypes.PolicyTypeServiceControlPolicy})
	if err != nil || len(enabled.Root.PolicyTypes) != 1 || enabled.Root.PolicyTypes[0].Status != orgtypes.PolicyTypeStatusEnabled {
		t.Fatalf("EnablePolicyType: %v %+v", err, enabled)
	}

	// FullAWSAccess is attached to the root and the management account.
	for _, target := range []string{rootID, mgmt} {
		pols, err := client.ListPoliciesForTarget(ctx, &orgsdk.ListPoliciesForTargetInput{TargetId: aws.String(target), Filter: orgtypes.PolicyTypeServiceControlPolicy})
		if err != nil {
			t.Fatal(err)
		}
		if len(pols.Policies) != 1 || aws.ToString(pols.Policies[0].Name) != "FullAWSAccess" {
			t.Fatalf("policies of %s = %+v", target, pols.Policies)
		}
	}

	st := coreTestCreateAccount(t, client, "finance", "finance@example.com")
	if st.State != orgtypes.CreateAccountStateSucceeded || aws.ToString(st.AccountId) == "" || st.CompletedTimestamp == nil {
		t.Fatalf("create status = %+v", st)
	}
	finance := aws.ToString(st.AccountId)

	// The same email again fails as on AWS.
	dup := coreTestCreateAccount(t, client, "finance2", "FINANCE@example.com")
	if dup.State != orgtypes.CreateAccountStateFailed || dup.FailureReason != orgtypes.CreateAccountFailureReasonEmailAlreadyExists {
		t.Fatalf("duplicate email status = %+v", dup)
	}
	failed, err := client.ListCreateAccountStatus(ctx, &orgsdk.ListCreateAccountStatusInput{States: []orgtypes.CreateAccountState{orgtypes.CreateAccountStateFailed}})
	if err != nil || len(failed.CreateAccountStatuses) != 1 || aws.ToString(failed.CreateAccountStatuses[0].AccountName) != "finance2" {
		t.Fatalf("ListCreateAccountStatus FAILED: %v %+v", err, failed)
	}

	acct, err := client.DescribeAccount(ctx, &orgsdk.DescribeAccountInput{AccountId: aws.String(finance)})
	if err != nil {
		t.Fatalf("DescribeAccount: %v", err)
	}
	a := acct.Account
	wantPath := aws.ToString(org.Id) + "/" + rootID + "/" + finance + "/"
	if aws.ToString(a.Name) != "finance" || a.JoinedMethod != orgtypes.AccountJoinedMethodCreated || a.Status != orgtypes.AccountStatusActive ||
		a.State != orgtypes.AccountStateActive || len(a.Paths) != 1 || a.Paths[0] != wantPath {
		t.Fatalf("account = %+v (paths %v, want %s)", a, a.Paths, wantPath)
	}
	all, err := client.ListAccounts(ctx, &orgsdk.ListAccountsInput{})
	if err != nil || len(all.Accounts) != 2 {
		t.Fatalf("ListAccounts: %v %+v", err, all)
	}
	for _, a := range all.Accounts {
		if aws.ToString(a.Id) == mgmt && a.JoinedMethod != orgtypes.AccountJoinedMethodInvited {
			t.Fatalf("management account joined %s, want INVITED", a.JoinedMethod)
		}
	}
	_, err = client.DescribeAccount(ctx, &orgsdk.DescribeAccountInput{AccountId: aws.String("123456789012")})
	coreTestCode(t, err, "AccountNotFoundException")

	_, err = client.DeleteOrganization(ctx, &orgsdk.DeleteOrganizationInput{})
	coreTestCode(t, err, "OrganizationNotEmptyException")

	// The created account has no root credentials: it can't be removed
	// until the operator gives it some.
	_, err = client.RemoveAccountFromOrganization(ctx, &orgsdk.RemoveAccountFromOrganizationInput{AccountId: aws.String(finance)})
	coreTestCode(t, err, "ConstraintViolationException")
	var cv *orgtypes.ConstraintViolationException
	if !errors.As(err, &cv) || cv.Reason != orgtypes.ConstraintViolationExceptionReasonAccountCannotLeaveWithoutEula {
		t.Fatalf("reason = %+v", cv)
	}
	_, err = client.RemoveAccountFromOrganization(ctx, &orgsdk.RemoveAccountFromOrganizationInput{AccountId: aws.String(mgmt)})
	coreTestCode(t, err, "MasterCannotLeaveOrganizationException")
	coreTestRootConfig(t, srv, finance)
	if _, err := client.RemoveAccountFromOrganization(ctx, &orgsdk.RemoveAccountFromOrganizationInput{AccountId: aws.String(finance)}); err != nil {
		t.Fatalf("RemoveAccountFromOrganization: %v", err)
	}
	if _, err := client.DeleteOrganization(ctx, &orgsdk.DeleteOrganizationInput{}); err != nil {
		t.Fatalf("DeleteOrganization: %v", err)
	}
	_, err = client.DescribeOrganization(ctx, &orgsdk.DescribeOrganizationInput{})
	coreTestCode(t, err, "AWSOrganizationsNotInUseException")
	// Everything of the old organization is gone; a new one starts empty.
	if _, err := client.CreateOrganization(ctx, &orgsdk.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetConsolidatedBilling}); err != nil {
		t.Fatalf("CreateOrganization again: %v", err)
	}
	all, err = client.ListAccounts(ctx, &orgsdk.ListAccountsInput{})
	if err != nil || len(all.Accounts) != 1 {
		t.Fatalf("ListAccounts of the new organization: %v %+v", err, all)
	}
	_, err = client.CreateGovCloudAccount(ctx, &orgsdk.CreateGovCloudAccountInput{AccountName: aws.String("gov"), Email: aws.String("gov@example.com")})
	coreTestCode(t, err, "ConstraintViolationException")
}

// TestCreatedAccountIsUsable works in a created account: with its root
// user's key from the operator, and as an IAM user of the management
// account who assumes OrganizationAccountAccessRole there.
func TestCreatedAccountIsUsable(t *testing.T) {
	srv, client := coreTestNode(t)
	ctx := context.Background()
	if _, err := client.CreateOrganization(ctx, &orgsdk.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	st := coreTestCreateAccount(t, client, "it", "it@example.com")
	it := aws.ToString(st.AccountId)

	// The root user of the new account, with a key from the operator.
	rootCfg := coreTestRootConfig(t, srv, it)
	who, err := stssdk.NewFromConfig(rootCfg).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Account) != it || aws.ToString(who.Arn) != "arn:aws:iam::"+it+":root" {
		t.Fatalf("GetCallerIdentity as the new root: %v %+v", err, who)
	}
	role, err := iamsdk.NewFromConfig(rootCfg).GetRole(ctx, &iamsdk.GetRoleInput{RoleName: aws.String("OrganizationAccountAccessRole")})
	if err != nil {
		t.Fatalf("GetRole: %v", err)
	}
	if !strings.Contains(aws.ToString(role.Role.AssumeRolePolicyDocument), srv.Root.AccountID) {
		t.Fatalf("trust policy %s does not name the management account", aws.ToString(role.Role.AssumeRolePolicyDocument))
	}
	inline, err := iamsdk.NewFromConfig(rootCfg).ListRolePolicies(ctx, &iamsdk.ListRolePoliciesInput{RoleName: aws.String("OrganizationAccountAccessRole")})
	if err != nil || len(inline.PolicyNames) != 1 || inline.PolicyNames[0] != "AdministratorAccess" {
		t.Fatalf("ListRolePolicies: %v %+v", err, inline)
	}

	// An IAM administrator of the management account assumes the role.
	mgmtIAM := iamsdk.NewFromConfig(srv.RootConfig())
	if _, err := mgmtIAM.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("admin")}); err != nil {
		t.Fatal(err)
	}
	if _, err := mgmtIAM.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}); err != nil {
		t.Fatal(err)
	}
	key, err := mgmtIAM.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	adminCfg := srv.Config(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	assumed, err := stssdk.NewFromConfig(adminCfg).AssumeRole(ctx, &stssdk.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + it + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("ops"),
	})
	if err != nil {
		t.Fatalf("AssumeRole into the member account: %v", err)
	}
	cr := assumed.Credentials
	memberCfg := srv.Config(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
	who, err = stssdk.NewFromConfig(memberCfg).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Account) != it {
		t.Fatalf("GetCallerIdentity as the assumed role: %v %+v", err, who)
	}
	// The role administers the member account.
	if _, err := iamsdk.NewFromConfig(memberCfg).CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatalf("CreateUser in the member account: %v", err)
	}
	// Members see their organization but can't manage it.
	memberOrgs := orgsdk.NewFromConfig(memberCfg)
	if _, err := memberOrgs.DescribeOrganization(ctx, &orgsdk.DescribeOrganizationInput{}); err != nil {
		t.Fatalf("DescribeOrganization as a member: %v", err)
	}
	_, err = memberOrgs.ListAccounts(ctx, &orgsdk.ListAccountsInput{})
	coreTestCode(t, err, "AccessDeniedException")
	// Leaving takes root credentials of its own, which this account has.
	_, err = client.LeaveOrganization(ctx, &orgsdk.LeaveOrganizationInput{})
	coreTestCode(t, err, "MasterCannotLeaveOrganizationException")
	if _, err := memberOrgs.LeaveOrganization(ctx, &orgsdk.LeaveOrganizationInput{}); err != nil {
		t.Fatalf("LeaveOrganization: %v", err)
	}
	_, err = memberOrgs.DescribeOrganization(ctx, &orgsdk.DescribeOrganizationInput{})
	coreTestCode(t, err, "AWSOrganizationsNotInUseException")
}

func TestOrganizationalUnits(t *testing.T) {
	_, client := coreTestNode(t)
	ctx := context.Background()
	created, err := client.CreateOrganization(ctx, &orgsdk.CreateOrganizationInput{})
	if err != nil {
		t.Fatal(err)
	}
	orgID := aws.ToString(created.Organization.Id)
	roots, err := client.ListRoots(ctx, &orgsdk.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	rootID := aws.ToString(roots.Roots[0].Id)

	// Five levels nest; the sixth is refused.
	parent, path := rootID, orgID+"/"+rootID+"/"
	var chain []string
	for level := 1; level <= 5; level++ {
		out, err := client.CreateOrganizationalUnit(ctx, &orgsdk.CreateOrganizationalUnitInput{ParentId: aws.String(parent), Name: aws.String("level")})
		if err != nil {
			t.Fatalf("CreateOrganizationalUnit level %d: %v", level, err)
		}
		ou := out.OrganizationalUnit
		if !strings.HasPrefix(aws.ToString(ou.Id), "ou-"+strings.TrimPrefix(rootID, "r-")+"-") {
			t.Fatalf("OU id %s does not carry the root's suffix", aws.ToString(ou.Id))
		}
		path += aws.ToString(ou.Id) + "/"
		if aws.ToString(ou.Path) != path {
			t.Fatalf("Path = %s, want %s", aws.ToString(ou.Path), path)
		}
		parent = aws.ToString(ou.Id)
		chain = append(chain, parent)
	}
	_, err = client.CreateOrganizationalUnit(ctx, &orgsdk.CreateOrganizationalUnitInput{ParentId: aws.String(parent), Name: aws.String("too-deep")})
	coreTestCode(t, err, "ConstraintViolationException")
	var cv *orgtypes.ConstraintViolationException
	if !errors.As(err, &cv) || cv.Reason != orgtypes.ConstraintViolationExceptionReasonOuDepthLimitExceeded {
		t.Fatalf("reason = %+v", cv)
	}
	_, err = client.CreateOrganizationalUnit(ctx, &orgsdk.CreateOrganizationalUnitInput{ParentId: aws.String(rootID), Name: aws.String("level")})
	coreTestCode(t, err, "DuplicateOrganizationalUnitException")
	_, err = client.CreateOrganizationalUnit(ctx, &orgsdk.CreateOrganizationalUnitInput{ParentId: aws.String("ou-" + strings.TrimPrefix(rootID, "r-") + "-zzzzzzzz"), Name: aws.String("x")})
	coreTestCode(t, err, "ParentNotFoundException")

	hrLegal, err := client.CreateOrganizationalUnit(ctx, &orgsdk.CreateOrganizationalUnitInput{ParentId: aws.String(rootID), Name: aws.String("people")})
	if err != nil {
		t.Fatal(err)
	}
	ouID := aws.ToString(hrLegal.OrganizationalUnit.Id)
	renamed, err := client.UpdateOrganizationalUnit(ctx, &orgsdk.UpdateOrganizationalUnitInput{OrganizationalUnitId: aws.String(ouID), Name: aws.String("hr-legal")})
	if err != nil || aws.ToString(renamed.OrganizationalUnit.Name) != "hr-legal" {
		t.Fatalf("UpdateOrganizationalUnit: %v %+v", err, renamed)
	}
	_, err = client.UpdateOrganizationalUnit(ctx, &orgsdk.UpdateOrganizationalUnitInput{OrganizationalUnitId: aws.String(ouID), Name: aws.String("level")})
	coreTestCode(t, err, "DuplicateOrganizationalUnitException")

	hr := aws.ToString(coreTestCreateAccount(t, client, "hr", "hr@example.com").AccountId)
	_, err = client.MoveAccount(ctx, &orgsdk.MoveAccountInput{AccountId: aws.String(hr), SourceParentId: aws.String(ouID), DestinationParentId: aws.String(chain[0])})
	coreTestCode(t, err, "AccountNotFoundException")
	_, err = client.MoveAccount(ctx, &orgsdk.MoveAccountInput{AccountId: aws.String(hr), SourceParentId: aws.String(rootID), DestinationParentId: aws.String(rootID)})
	coreTestCode(t, err, "DuplicateAccountException")
	_, err = client.MoveAccount(ctx, &orgsdk.MoveAccountInput{AccountId: aws.String(hr), SourceParentId: aws.String("ou-" + strings.TrimPrefix(rootID, "r-") + "-zzzzzzzz"), DestinationParentId: aws.String(ouID)})
	coreTestCode(t, err, "SourceParentNotFoundException")
	_, err = client.MoveAccount(ctx, &orgsdk.MoveAccountInput{AccountId: aws.String(hr), SourceParentId: aws.String(rootID), DestinationParentId: aws.String("ou-" + strings.TrimPrefix(rootID, "r-") + "-zzzzzzzz")})
	coreTestCode(t, err, "DestinationParentNotFoundException")
	if _, err := client.MoveAccount(ctx, &orgsdk.MoveAccountInput{AccountId: aws.String(hr), SourceParentId: aws.String(rootID), DestinationParentId: aws.String(ouID)}); err != nil {
		t.Fatalf("MoveAccount: %v", err)
	}

	parents, err := client.ListParents(ctx, &orgsdk.ListParentsInput{ChildId: aws.String(hr)})
	if err != nil || len(parents.Parents) != 1 || aws.ToString(parents.Parents[0].Id) != ouID || parents.Parents[0].Type != orgtypes.ParentTypeOrganizationalUnit {
		t.Fatalf("ListParents: %v %+v", err, parents)
	}
	parents, err = client.ListParents(ctx, &orgsdk.ListParentsInput{ChildId: aws.String(chain[0])})
	if err != nil || aws.ToString(parents.Parents[0].Id) != rootID || parents.Parents[0].Type != orgtypes.ParentTypeRoot {
		t.Fatalf("ListParents of a top OU: %v %+v", err, parents)
	}
	_, err = client.ListParents(ctx, &orgsdk.ListParentsInput{ChildId: aws.String("123456789012")})
	coreTestCode(t, err, "ChildNotFoundException")

	kids, err := client.ListChildren(ctx, &orgsdk.ListChildrenInput{ParentId: aws.String(ouID), ChildType: orgtypes.ChildTypeAccount})
	if err != nil || len(kids.Children) != 1 || aws.ToString(kids.Children[0].Id) != hr {
		t.Fatalf("ListChildren accounts: %v %+v", err, kids)
	}
	kids, err = client.ListChildren(ctx, &orgsdk.ListChildrenInput{ParentId: aws.String(rootID), ChildType: orgtypes.ChildTypeOrganizationalUnit})
	if err != nil || len(kids.Children) != 2 {
		t.Fatalf("ListChildren OUs of the root: %v %+v", err, kids)
	}
	ous, err := client.ListOrganizationalUnitsForParent(ctx, &orgsdk.ListOrganizationalUnitsForParentInput{ParentId: aws.String(rootID), MaxResults: aws.Int32(1)})
	if err != nil || len(ous.OrganizationalUnits) != 1 || ous.NextToken == nil {
		t.Fatalf("ListOrganizationalUnitsForParent page 1: %v %+v", err, ous)
	}
	accts, err := client.ListAccountsForParent(ctx, &orgsdk.ListAccountsForParentInput{ParentId: aws.String(ouID)})
	if err != nil || len(accts.Accounts) != 1 || accts.Accounts[0].Paths[0] != orgID+"/"+rootID+"/"+ouID+"/"+hr+"/" {
		t.Fatalf("ListAccountsForParent: %v %+v", err, accts)
	}
	desc, err := client.DescribeOrganizationalUnit(ctx, &orgsdk.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(chain[4])})
	if err != nil || strings.Count(aws.ToString(desc.OrganizationalUnit.Path), "ou-") != 5 {
		t.Fatalf("DescribeOrganizationalUnit: %v %+v", err, desc)
	}

	_, err = client.DeleteOrganizationalUnit(ctx, &orgsdk.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(ouID)})
	coreTestCode(t, err, "OrganizationalUnitNotEmptyException")
	_, err = client.DeleteOrganizationalUnit(ctx, &orgsdk.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(chain[3])})
	coreTestCode(t, err, "OrganizationalUnitNotEmptyException")
	if _, err := client.DeleteOrganizationalUnit(ctx, &orgsdk.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(chain[4])}); err != nil {
		t.Fatalf("DeleteOrganizationalUnit: %v", err)
	}
	_, err = client.DescribeOrganizationalUnit(ctx, &orgsdk.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(chain[4])})
	coreTestCode(t, err, "OrganizationalUnitNotFoundException")
}

// coreTestStandalone creates a gatehouse account outside any organization,
// with a root access key, as another company's account would be.
func coreTestStandalone(t *testing.T, srv *testserver.Server, email string) (string, aws.Config) {
	t.Helper()
	id, err := account.NewAccountID()
	if err != nil {
		t.Fatal(err)
	}
	err = srv.App.Directory().Store().Update(context.Background(), func(tx store.Tx) error {
		return account.Put(tx, &account.Account{ID: id, Name: "outsider " + email, Email: email, CreatedAt: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	return id, coreTestRootConfig(t, srv, id)
}

func TestInvitations(t *testing.T) {
	srv, client := coreTestNode(t)
	ctx := context.Background()
	if _, err := client.CreateOrganization(ctx, &orgsdk.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetConsolidatedBilling}); err != nil {
		t.Fatal(err)
	}
	legal, legalCfg := coreTestStandalone(t, srv, "legal@example.com")
	legalOrgs := orgsdk.NewFromConfig(legalCfg)

	_, err := client.InviteAccountToOrganization(ctx, &orgsdk.InviteAccountToOrganizationInput{
		Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeEmail, Id: aws.String("nobody@example.com")},
	})
	coreTestCode(t, err, "InvalidInputException")
	_, err = client.InviteAccountToOrganization(ctx, &orgsdk.InviteAccountToOrganizationInput{
		Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeAccount, Id: aws.String(srv.Root.AccountID)},
	})
	coreTestCode(t, err, "HandshakeConstraintViolationException")

	// Invited by email, declined.
	inv, err := client.InviteAccountToOrganization(ctx, &orgsdk.InviteAccountToOrganizationInput{
		Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeEmail, Id: aws.String("Legal@example.com")},
		Notes:  aws.String("join us"),
	})
	if err != nil {
		t.Fatalf("InviteAccountToOrganization: %v", err)
	}
	h := inv.Handshake
	if h.State != orgtypes.HandshakeStateRequested || h.Action != orgtypes.ActionTypeInviteAccountToOrganization ||
		h.ExpirationTimestamp.Sub(*h.RequestedTimestamp) != 15*24*time.Hour {
		t.Fatalf("handshake = %+v", h)
	}
	_, err = client.InviteAccountToOrganization(ctx, &orgsdk.InviteAccountToOrganizationInput{
		Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeAccount, Id: aws.String(legal)},
	})
	coreTestCode(t, err, "DuplicateHandshakeException")
	mine, err := legalOrgs.ListHandshakesForAccount(ctx, &orgsdk.ListHandshakesForAccountInput{})
	if err != nil || len(mine.Handshakes) != 1 || aws.ToString(mine.Handshakes[0].Id) != aws.ToString(h.Id) {
		t.Fatalf("ListHandshakesForAccount: %v %+v", err, mine)
	}
	_, err = client.AcceptHandshake(ctx, &orgsdk.AcceptHandshakeInput{HandshakeId: h.Id})
	coreTestCode(t, err, "AccessDeniedException")
	dec, err := legalOrgs.DeclineHandshake(ctx, &orgsdk.DeclineHandshakeInput{HandshakeId: h.Id})
	if err != nil || dec.Handshake.State != orgtypes.HandshakeStateDeclined {
		t.Fatalf("DeclineHandshake: %v %+v", err, dec)
	}
	_, err = legalOrgs.DeclineHandshake(ctx, &orgsdk.DeclineHandshakeInput{HandshakeId: h.Id})
	coreTestCode(t, err, "HandshakeAlreadyInStateException")
	_, err = legalOrgs.AcceptHandshake(ctx, &orgsdk.AcceptHandshakeInput{HandshakeId: h.Id})
	coreTestCode(t, err, "InvalidHandshakeTransitionException")

	// Invited by id, canceled, invited again and accepted.
	inv, err = client.InviteAccountToOrganization(ctx, &orgsdk.InviteAccountToOrganizationInput{
		Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeAccount, Id: aws.String(legal)},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = legalOrgs.CancelHandshake(ctx, &orgsdk.CancelHandshakeInput{HandshakeId: inv.Handshake.Id})
	coreTestCode(t, err, "AccessDeniedException")
	canceled, err := client.CancelHandshake(ctx, &orgsdk.CancelHandshakeInput{HandshakeId: inv.Handshake.Id})
	if err != nil || canceled.Handshake.State != orgtypes.HandshakeStateCanceled {
		t.Fatalf("CancelHandshake: %v %+v", err, canceled)
	}
	inv, err = client.InviteAccountToOrganization(ctx, &orgsdk.InviteAccountToOrganizationInput{
		Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeAccount, Id: aws.String(legal)},
		Tags:   []orgtypes.Tag{{Key: aws.String("dept"), Value: aws.String("legal")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := legalOrgs.AcceptHandshake(ctx, &orgsdk.AcceptHandshakeInput{HandshakeId: inv.Handshake.Id})
	if err != nil || acc.Handshake.State != orgtypes.HandshakeStateAccepted {
		t.Fatalf("AcceptHandshake: %v %+v", err, acc)
	}
	a, err := client.DescribeAccount(ctx, &orgsdk.DescribeAccountInput{AccountId: aws.String(legal)})
	if err != nil || a.Account.JoinedMethod != orgtypes.AccountJoinedMethodInvited {
		t.Fatalf("DescribeAccount of the invited account: %v %+v", err, a)
	}
	byOrg, err := client.ListHandshakesForOrganization(ctx, &orgsdk.ListHandshakesForOrganizationInput{Filter: &orgtypes.HandshakeFilter{ActionType: orgtypes.ActionTypeInviteAccountToOrganization}})
	if err != nil || len(byOrg.Handshakes) != 3 {
		t.Fatalf("ListHandshakesForOrganization: %v %+v", err, byOrg)
	}
	desc, err := legalOrgs.DescribeHandshake(ctx, &orgsdk.DescribeHandshakeInput{HandshakeId: inv.Handshake.Id})
	if err != nil || desc.Handshake.State != orgtypes.HandshakeStateAccepted {
		t.Fatalf("DescribeHandshake: %v %+v", err, desc)
	}

	// The organization moves to all features once the invited member
	// approves.
	enable, err := client.EnableAllFeatures(ctx, &orgsdk.EnableAllFeaturesInput{})
	if err != nil || enable.Handshake.State != orgtypes.HandshakeStateOpen {
		t.Fatalf("EnableAllFeatures: %v %+v", err, enable)
	}
	_, err = client.EnableAllFeatures(ctx, &orgsdk.EnableAllFeaturesInput{})
	coreTestCode(t, err, "HandshakeConstraintViolationException")
	approvals, err := legalOrgs.ListHandshakesForAccount(ctx, &orgsdk.ListHandshakesForAccountInput{
		Filter: &orgtypes.HandshakeFilter{ParentHandshakeId: enable.Handshake.Id},
	})
	if err != nil || len(approvals.Handshakes) != 1 || approvals.Handshakes[0].Action != orgtypes.ActionTypeApproveAllFeatures {
		t.Fatalf("approvals: %v %+v", err, approvals)
	}
	if _, err := legalOrgs.AcceptHandshake(ctx, &orgsdk.AcceptHandshakeInput{HandshakeId: approvals.Handshakes[0].Id}); err != nil {
		t.Fatalf("approve all features: %v", err)
	}
	org, err := client.DescribeOrganization(ctx, &orgsdk.DescribeOrganizationInput{})
	if err != nil || org.Organization.FeatureSet != orgtypes.OrganizationFeatureSetAll {
		t.Fatalf("after approval: %v %+v", err, org)
	}
	parent, err := client.DescribeHandshake(ctx, &orgsdk.DescribeHandshakeInput{HandshakeId: enable.Handshake.Id})
	if err != nil || parent.Handshake.State != orgtypes.HandshakeStateAccepted {
		t.Fatalf("ENABLE_ALL_FEATURES handshake: %v %+v", err, parent)
	}
}

func TestCloseAccount(t *testing.T) {
	_, client := coreTestNode(t)
	ctx := context.Background()
	if _, err := client.CreateOrganization(ctx, &orgsdk.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	legal := aws.ToString(coreTestCreateAccount(t, client, "legal", "legal@example.com").AccountId)
	if _, err := client.CloseAccount(ctx, &orgsdk.CloseAccountInput{AccountId: aws.String(legal)}); err != nil {
		t.Fatalf("CloseAccount: %v", err)
	}
	a, err := client.DescribeAccount(ctx, &orgsdk.DescribeAccountInput{AccountId: aws.String(legal)})
	if err != nil || a.Account.Status != orgtypes.AccountStatusPendingClosure {
		t.Fatalf("after CloseAccount: %v %+v", err, a)
	}
	_, err = client.CloseAccount(ctx, &orgsdk.CloseAccountInput{AccountId: aws.String(legal)})
	coreTestCode(t, err, "AccountAlreadyClosedException")
	mgmt, err := client.DescribeOrganization(ctx, &orgsdk.DescribeOrganizationInput{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.CloseAccount(ctx, &orgsdk.CloseAccountInput{AccountId: mgmt.Organization.MasterAccountId})
	coreTestCode(t, err, "ConstraintViolationException")
	_, err = client.CloseAccount(ctx, &orgsdk.CloseAccountInput{AccountId: aws.String("123456789012")})
	coreTestCode(t, err, "AccountNotFoundException")
	// The closure completes: SUSPENDED, still a member.
	deadline := time.Now().Add(organizations.ClosureDelay + 3*time.Second)
	for {
		a, err = client.DescribeAccount(ctx, &orgsdk.DescribeAccountInput{AccountId: aws.String(legal)})
		if err != nil {
			t.Fatal(err)
		}
		if a.Account.Status == orgtypes.AccountStatusSuspended {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("account still %s", a.Account.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
