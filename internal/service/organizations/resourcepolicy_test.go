package organizations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	orgsdk "github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

func TestResourcePolicy(t *testing.T) {
	srv, client, org := famTestOrg(t)
	ctx := context.Background()
	_, memberRoot := famTestMember(t, srv, "member")
	_, err := client.DescribeResourcePolicy(ctx, &orgsdk.DescribeResourcePolicyInput{})
	famTestErr(t, "describe before put", err, "ResourcePolicyNotFoundException", "")
	_, err = client.DeleteResourcePolicy(ctx, &orgsdk.DeleteResourcePolicyInput{})
	famTestErr(t, "delete before put", err, "ResourcePolicyNotFoundException", "")

	put := func(content string, tags ...orgtypes.Tag) (*orgsdk.PutResourcePolicyOutput, error) {
		return client.PutResourcePolicy(ctx, &orgsdk.PutResourcePolicyInput{Content: aws.String(content), Tags: tags})
	}
	_, err = put(`{"Version":"2012-10-17","Statement":[`)
	famTestErr(t, "malformed JSON", err, "InvalidInputException", "INVALID_RESOURCE_POLICY_JSON")
	_, err = put(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"*"}]}`)
	famTestErr(t, "a non-Organizations action", err, "InvalidInputException", "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY")
	_, err = put(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:DescribeOrganization","Resource":"*"}]}`)
	famTestErr(t, "no principal", err, "InvalidInputException", "")

	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["organizations:Describe*","organizations:List*"],"Resource":"*"}]}`
	out, err := put(doc, orgtypes.Tag{Key: aws.String("team"), Value: aws.String("sec")})
	if err != nil {
		t.Fatal(err)
	}
	sum := out.ResourcePolicy.ResourcePolicySummary
	id := aws.ToString(sum.Id)
	wantARN := "arn:aws:organizations::" + srv.App.ManagementAccountID + ":resourcepolicy/" + aws.ToString(org.Id) + "/" + id
	if !strings.HasPrefix(id, "rp-") || aws.ToString(sum.Arn) != wantARN || aws.ToString(out.ResourcePolicy.Content) != doc {
		t.Errorf("PutResourcePolicy = %s %s %s", id, aws.ToString(sum.Arn), aws.ToString(out.ResourcePolicy.Content))
	}
	tags, err := client.ListTagsForResource(ctx, &orgsdk.ListTagsForResourceInput{ResourceId: aws.String(id)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" {
		t.Errorf("tags of the resource policy = %+v, %v", tags, err)
	}
	// A replacement keeps the id.
	doc2 := strings.Replace(doc, "List*", "ListAccounts", 1)
	out2, err := put(doc2)
	if err != nil || aws.ToString(out2.ResourcePolicy.ResourcePolicySummary.Id) != id {
		t.Fatalf("replacing: %+v, %v", out2, err)
	}
	got, err := client.DescribeResourcePolicy(ctx, &orgsdk.DescribeResourcePolicyInput{})
	if err != nil || aws.ToString(got.ResourcePolicy.Content) != doc2 {
		t.Errorf("DescribeResourcePolicy = %+v, %v", got, err)
	}
	_, err = orgsdk.NewFromConfig(memberRoot).PutResourcePolicy(ctx, &orgsdk.PutResourcePolicyInput{Content: aws.String(doc)})
	famTestErr(t, "a member putting", err, "AccessDeniedException", "")
	if _, err := client.DeleteResourcePolicy(ctx, &orgsdk.DeleteResourcePolicyInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DescribeResourcePolicy(ctx, &orgsdk.DescribeResourcePolicyInput{})
	famTestErr(t, "describe after delete", err, "ResourcePolicyNotFoundException", "")
	_, err = client.ListTagsForResource(ctx, &orgsdk.ListTagsForResourceInput{ResourceId: aws.String(id)})
	famTestErr(t, "tags of a deleted resource policy", err, "TargetNotFoundException", "")
}
