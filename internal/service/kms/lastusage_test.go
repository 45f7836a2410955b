package kms_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestGetKeyLastUsage shows a key with no use since tracking started, then
// its last cryptographic use (Decrypt after Encrypt), while management
// calls such as DescribeKey do not count.
func TestGetKeyLastUsage(t *testing.T) {
	_, client := kmNode(t)
	ctx := context.Background()
	key := kmCreate(t, client, nil)

	out, err := client.GetKeyLastUsage(ctx, &awskms.GetKeyLastUsageInput{KeyId: key.KeyId})
	if err != nil {
		t.Fatal(err)
	}
	if out.KeyLastUsage != nil || out.TrackingStartDate == nil || out.KeyCreationDate == nil || aws.ToString(out.KeyId) != aws.ToString(key.Arn) {
		t.Fatalf("unused key: %+v", out)
	}

	enc, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: key.KeyId, Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: key.KeyId}); err != nil {
		t.Fatal(err)
	}
	out, err = client.GetKeyLastUsage(ctx, &awskms.GetKeyLastUsageInput{KeyId: key.KeyId})
	if err != nil {
		t.Fatal(err)
	}
	u := out.KeyLastUsage
	if u == nil || u.Operation != types.KeyLastUsageTrackingOperationDecrypt || u.Timestamp == nil || aws.ToString(u.KmsRequestId) == "" {
		t.Fatalf("last usage after Decrypt: %+v", u)
	}
	if u.Timestamp.Before(*out.TrackingStartDate) {
		t.Fatalf("last use %v before tracking start %v", u.Timestamp, out.TrackingStartDate)
	}
}
