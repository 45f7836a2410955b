package kms_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
)

// TestKeyPolicyBindsTheRootUser shows that a key policy binds the
// account's root user as AWS's do: the default policy (which names the
// account) lets it in, a policy that names only an IAM user keeps it out
// (the lockout AWS's safety check warns about, bypassed here on purpose).
func TestKeyPolicyBindsTheRootUser(t *testing.T) {
	srv, root := kmNode(t)
	ctx := context.Background()
	open := kmCreate(t, root, nil)
	if _, err := gtEncrypt(root, *open.KeyId, nil); err != nil {
		t.Fatalf("root user with the default key policy: %v", err)
	}
	account := srv.Root.AccountID
	closed := kmCreate(t, root, &awskms.CreateKeyInput{
		BypassPolicyLockoutSafetyCheck: true,
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account +
			`:user/keeper"},"Action":"kms:*","Resource":"*"}]}`),
	})
	_, err := gtEncrypt(root, *closed.KeyId, nil)
	kmWantError(t, err, "AccessDeniedException", "kms:Encrypt")
	if _, err := root.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: closed.KeyId}); err == nil {
		t.Fatal("DescribeKey by the root user succeeded on a key whose policy does not name it")
	}
}
