package kms_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	awsorgs "github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/gatehouse/gatehouse/internal/organizations"
)

// TestResourceControlPolicyBindsMemberKeys shows an RCP of the
// organization binding the KMS keys of a member account, whoever calls
// (the member's own root user included), and not the keys of the
// management account.
func TestResourceControlPolicyBindsMemberKeys(t *testing.T) {
	srv, mgmtKMS := kmNode(t)
	ctx := context.Background()
	member := gtOtherAccount(t, srv)
	dir := srv.App.Directory()
	id, secret, err := organizations.CreateRootAccessKey(ctx, dir.Store(), dir.Credentials(), member.account, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	memberRoot := awskms.NewFromConfig(srv.Config(id, secret, ""))
	memberKey := kmCreate(t, memberRoot, nil)
	mgmtKey := kmCreate(t, mgmtKMS, nil)
	if _, err := gtEncrypt(memberRoot, *memberKey.KeyId, nil); err != nil {
		t.Fatalf("before the RCP: %v", err)
	}

	orgs := awsorgs.NewFromConfig(srv.RootConfig())
	roots, err := orgs.ListRoots(ctx, &awsorgs.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := orgs.EnablePolicyType(ctx, &awsorgs.EnablePolicyTypeInput{RootId: roots.Roots[0].Id, PolicyType: orgtypes.PolicyTypeResourceControlPolicy}); err != nil {
		t.Fatal(err)
	}
	rcp, err := orgs.CreatePolicy(ctx, &awsorgs.CreatePolicyInput{Name: aws.String("NoEncrypt"), Description: aws.String("no kms:Encrypt"),
		Type:    orgtypes.PolicyTypeResourceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:Encrypt","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := orgs.AttachPolicy(ctx, &awsorgs.AttachPolicyInput{PolicyId: rcp.Policy.PolicySummary.Id, TargetId: roots.Roots[0].Id}); err != nil {
		t.Fatal(err)
	}

	_, err = gtEncrypt(memberRoot, *memberKey.KeyId, nil)
	kmWantError(t, err, "AccessDeniedException", "explicit deny in a resource control policy")
	_, err = gtEncrypt(member.admin, *memberKey.Arn, nil)
	kmWantError(t, err, "AccessDeniedException", "explicit deny in a resource control policy")
	if _, err := gtEncrypt(mgmtKMS, *mgmtKey.KeyId, nil); err != nil {
		t.Fatalf("the management account's key is not bound by RCPs: %v", err)
	}
}
