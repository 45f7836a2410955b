package main

import (
	"context"
	"errors"
	"os/exec"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// TestTerraformOrganizations applies testdata/terraform-organizations (an
// organization, an OU, two accounts, an SCP and its attachment) with
// Terraform against a gatehouse binary, checks the result through the
// API, plans again (no changes expected) and destroys everything.
func TestTerraformOrganizations(t *testing.T) {
	tr := applyTerraform(t, "terraform-organizations")

	ctx := context.Background()
	client := organizations.NewFromConfig(tr.sdkConfig())
	accounts, err := client.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts.Accounts) != 3 {
		t.Fatalf("organization has %d accounts, want 3 (management, finance, hr)", len(accounts.Accounts))
	}
	roots, err := client.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	ous, err := client.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: roots.Roots[0].Id})
	if err != nil {
		t.Fatal(err)
	}
	if len(ous.OrganizationalUnits) != 1 || *ous.OrganizationalUnits[0].Name != "restricted" {
		t.Fatalf("OUs under the root = %+v", ous.OrganizationalUnits)
	}
	attached, err := client.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{
		TargetId: ous.OrganizationalUnits[0].Id, Filter: orgtypes.PolicyTypeServiceControlPolicy,
	})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, pol := range attached.Policies {
		names[*pol.Name] = true
	}
	if !names["DenyIAMWrites"] || !names["FullAWSAccess"] {
		t.Fatalf("SCPs of the OU = %v, want DenyIAMWrites and FullAWSAccess", names)
	}

	tr.planNoChanges()

	// Destroying an aws_organizations_account removes the account from
	// the organization, which AWS allows only once the account can operate
	// standalone: the operator gives each member's root user credentials
	// of its own first, as signing in to it as root would on AWS.
	org, err := client.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts.Accounts {
		if *a.Id == *org.Organization.MasterAccountId {
			continue
		}
		if out, err := exec.Command(buildBinary(t), "account", "root-credentials", "--data", tr.data, "--account", *a.Id).CombinedOutput(); err != nil {
			t.Fatalf("gatehouse account root-credentials: %v\n%s", err, out)
		}
	}
	tr.destroy()
	var notInUse *orgtypes.AWSOrganizationsNotInUseException
	if _, err := client.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); !errors.As(err, &notInUse) {
		t.Fatalf("after destroy, DescribeOrganization: %v, want AWSOrganizationsNotInUseException", err)
	}
}
