package organizations_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	orgsdk "github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// famTestOrg starts a node, creates an all-features organization as the
// management root user and returns the node, its client and the org.
func famTestOrg(t *testing.T) (*testserver.Server, *orgsdk.Client, *orgtypes.Organization) {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	client := orgsdk.NewFromConfig(srv.RootConfig())
	out, err := client.CreateOrganization(context.Background(), &orgsdk.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	if err != nil {
		t.Fatal(err)
	}
	return srv, client, out.Organization
}

// famTestMember adds a new gatehouse account to the organization under
// its root, writing the state as CreateAccount does, and returns its id
// and a configuration signed by its root user.
func famTestMember(t *testing.T, srv *testserver.Server, name string) (string, aws.Config) {
	t.Helper()
	ctx := context.Background()
	id, err := account.NewAccountID()
	if err != nil {
		t.Fatal(err)
	}
	orgs := srv.App.Organizations()
	err = orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := tx.OrganizationOfAccount(srv.App.ManagementAccountID)
		if err != nil {
			return err
		}
		if err := account.Put(tx, &account.Account{ID: id, Name: name, Email: name + "@example.com", CreatedAt: time.Now()}); err != nil {
			return err
		}
		if err := tx.PutMember(&organizations.Member{AccountID: id, OrgID: org.ID, ParentID: org.RootID, Name: name, Email: name + "@example.com",
			Status: organizations.StatusActive, JoinedMethod: organizations.JoinedCreated, JoinedAt: time.Now()}); err != nil {
			return err
		}
		return organizations.AttachDefaults(tx, org, id, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := srv.App.Directory()
	kid, secret, err := organizations.CreateRootAccessKey(ctx, dir.Store(), dir.Credentials(), id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return id, srv.Config(kid, secret, "")
}

// famTestErr checks that err is the AWS error code and, when reason is
// not "", carries that Reason.
func famTestErr(t *testing.T, what string, err error, code, reason string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("%s: err = %v, want %s", what, err, code)
		return
	}
	if ae.ErrorCode() != code {
		t.Errorf("%s: %s (%s), want %s", what, ae.ErrorCode(), ae.ErrorMessage(), code)
		return
	}
	if reason == "" {
		return
	}
	got := ""
	var cv *orgtypes.ConstraintViolationException
	var ii *orgtypes.InvalidInputException
	switch {
	case errors.As(err, &cv):
		got = string(cv.Reason)
	case errors.As(err, &ii):
		got = string(ii.Reason)
	}
	if got != reason {
		t.Errorf("%s: reason %q, want %q", what, got, reason)
	}
}

func TestDelegatedAdministrators(t *testing.T) {
	srv, client, org := famTestOrg(t)
	ctx := context.Background()
	member, memberRoot := famTestMember(t, srv, "security")
	_, otherRoot := famTestMember(t, srv, "other")
	const iamSP = "iam.amazonaws.com"
	reg := func(acct, sp string) error {
		_, err := client.RegisterDelegatedAdministrator(ctx, &orgsdk.RegisterDelegatedAdministratorInput{AccountId: aws.String(acct), ServicePrincipal: aws.String(sp)})
		return err
	}
	famTestErr(t, "before trusted access", reg(member, iamSP), "ConstraintViolationException", "SERVICE_ACCESS_NOT_ENABLED")
	if _, err := client.EnableAWSServiceAccess(ctx, &orgsdk.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(iamSP)}); err != nil {
		t.Fatal(err)
	}
	famTestErr(t, "management account", reg(srv.App.ManagementAccountID, iamSP), "ConstraintViolationException", "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR")
	famTestErr(t, "unknown account", reg("123456789012", iamSP), "AccountNotFoundException", "")
	famTestErr(t, "unknown service", reg(member, "nothing.example.com"), "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL")
	_, err := orgsdk.NewFromConfig(memberRoot).RegisterDelegatedAdministrator(ctx, &orgsdk.RegisterDelegatedAdministratorInput{AccountId: aws.String(member), ServicePrincipal: aws.String(iamSP)})
	famTestErr(t, "member registering itself", err, "AccessDeniedException", "")
	if err := reg(member, iamSP); err != nil {
		t.Fatal(err)
	}
	famTestErr(t, "twice", reg(member, iamSP), "AccountAlreadyRegisteredException", "")

	// The delegated administrator may read; another member may not.
	list, err := orgsdk.NewFromConfig(memberRoot).ListDelegatedAdministrators(ctx, &orgsdk.ListDelegatedAdministratorsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.DelegatedAdministrators) != 1 || aws.ToString(list.DelegatedAdministrators[0].Id) != member ||
		aws.ToString(list.DelegatedAdministrators[0].Arn) != "arn:aws:organizations::"+srv.App.ManagementAccountID+":account/"+aws.ToString(org.Id)+"/"+member ||
		list.DelegatedAdministrators[0].DelegationEnabledDate == nil || list.DelegatedAdministrators[0].Status != orgtypes.AccountStatusActive {
		t.Errorf("ListDelegatedAdministrators = %+v", list.DelegatedAdministrators)
	}
	_, err = orgsdk.NewFromConfig(otherRoot).ListDelegatedAdministrators(ctx, &orgsdk.ListDelegatedAdministratorsInput{})
	famTestErr(t, "non-delegated member listing", err, "AccessDeniedException", "")
	filtered, err := client.ListDelegatedAdministrators(ctx, &orgsdk.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String("guardduty.amazonaws.com")})
	if err != nil || len(filtered.DelegatedAdministrators) != 0 {
		t.Errorf("ListDelegatedAdministrators(guardduty) = %v, %v", filtered, err)
	}
	svcs, err := client.ListDelegatedServicesForAccount(ctx, &orgsdk.ListDelegatedServicesForAccountInput{AccountId: aws.String(member)})
	if err != nil || len(svcs.DelegatedServices) != 1 || aws.ToString(svcs.DelegatedServices[0].ServicePrincipal) != iamSP {
		t.Errorf("ListDelegatedServicesForAccount = %+v, %v", svcs, err)
	}

	dereg := func() error {
		_, err := client.DeregisterDelegatedAdministrator(ctx, &orgsdk.DeregisterDelegatedAdministratorInput{AccountId: aws.String(member), ServicePrincipal: aws.String(iamSP)})
		return err
	}
	if err := dereg(); err != nil {
		t.Fatal(err)
	}
	famTestErr(t, "deregister twice", dereg(), "AccountNotRegisteredException", "")
	_, err = client.ListDelegatedServicesForAccount(ctx, &orgsdk.ListDelegatedServicesForAccountInput{AccountId: aws.String(member)})
	famTestErr(t, "services of a deregistered account", err, "AccountNotRegisteredException", "")
	_, err = orgsdk.NewFromConfig(memberRoot).ListDelegatedAdministrators(ctx, &orgsdk.ListDelegatedAdministratorsInput{})
	famTestErr(t, "former delegated administrator listing", err, "AccessDeniedException", "")
}
