package organizations_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	orgsdk "github.com/aws/aws-sdk-go-v2/service/organizations"
)

// TestPoliciesNameOrganizationsResources shows IAM policies naming the
// ARNs of an organization's accounts and OUs: a user allowed to describe
// one account and one OU may describe those and no others.
func TestPoliciesNameOrganizationsResources(t *testing.T) {
	srv, client, org := famTestOrg(t)
	ctx := context.Background()
	seen, _ := famTestMember(t, srv, "seen")
	hidden, _ := famTestMember(t, srv, "hidden")
	roots, err := client.ListRoots(ctx, &orgsdk.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	mkOU := func(name string) string {
		out, err := client.CreateOrganizationalUnit(ctx, &orgsdk.CreateOrganizationalUnitInput{ParentId: roots.Roots[0].Id, Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.OrganizationalUnit.Id)
	}
	seenOU, hiddenOU := mkOU("seen"), mkOU("hidden")
	mgmt := aws.ToString(org.MasterAccountId)
	base := "arn:aws:organizations::" + mgmt + ":"
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:DescribeAccount","organizations:DescribeOrganizationalUnit"],"Resource":["` +
		base + `account/` + aws.ToString(org.Id) + `/` + seen + `","` + base + `ou/` + aws.ToString(org.Id) + `/` + seenOU + `"]}]}`

	iamc := iamsdk.NewFromConfig(srv.RootConfig())
	if _, err := iamc.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("viewer")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("viewer"), PolicyName: aws.String("view"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	key, err := iamc.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("viewer")})
	if err != nil {
		t.Fatal(err)
	}
	viewer := orgsdk.NewFromConfig(srv.Config(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))

	if _, err := viewer.DescribeAccount(ctx, &orgsdk.DescribeAccountInput{AccountId: aws.String(seen)}); err != nil {
		t.Errorf("DescribeAccount of the account the policy names: %v", err)
	}
	_, err = viewer.DescribeAccount(ctx, &orgsdk.DescribeAccountInput{AccountId: aws.String(hidden)})
	famTestErr(t, "DescribeAccount of another account", err, "AccessDeniedException", "")
	if _, err := viewer.DescribeOrganizationalUnit(ctx, &orgsdk.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(seenOU)}); err != nil {
		t.Errorf("DescribeOrganizationalUnit of the OU the policy names: %v", err)
	}
	_, err = viewer.DescribeOrganizationalUnit(ctx, &orgsdk.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(hiddenOU)})
	famTestErr(t, "DescribeOrganizationalUnit of another OU", err, "AccessDeniedException", "")
}
