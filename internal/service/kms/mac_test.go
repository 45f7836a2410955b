package kms_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestMacEverySpec(t *testing.T) {
	_, client := cryptoNode(t)
	ctx := context.Background()
	for spec, want := range map[types.KeySpec]struct {
		alg types.MacAlgorithmSpec
		n   int
	}{
		types.KeySpecHmac224: {"HMAC_SHA_224", 28}, types.KeySpecHmac256: {"HMAC_SHA_256", 32},
		types.KeySpecHmac384: {"HMAC_SHA_384", 48}, types.KeySpecHmac512: {"HMAC_SHA_512", 64},
	} {
		arn := cryptoCreate(t, client, spec, types.KeyUsageTypeGenerateVerifyMac)
		msg := []byte("authenticate me")
		out, err := client.GenerateMac(ctx, &awskms.GenerateMacInput{KeyId: aws.String(arn), Message: msg, MacAlgorithm: want.alg})
		if err != nil {
			t.Fatalf("GenerateMac %s: %v", spec, err)
		}
		if len(out.Mac) != want.n || aws.ToString(out.KeyId) != arn {
			t.Errorf("%s: %d-byte MAC, KeyId %s", spec, len(out.Mac), aws.ToString(out.KeyId))
		}
		again, _ := client.GenerateMac(ctx, &awskms.GenerateMacInput{KeyId: aws.String(arn), Message: msg, MacAlgorithm: want.alg})
		if again == nil || string(again.Mac) != string(out.Mac) {
			t.Errorf("%s: HMAC is not deterministic", spec)
		}
		v, err := client.VerifyMac(ctx, &awskms.VerifyMacInput{KeyId: aws.String(arn), Message: msg, Mac: out.Mac, MacAlgorithm: want.alg})
		if err != nil || !v.MacValid {
			t.Fatalf("VerifyMac %s: %v", spec, err)
		}
		_, err = client.VerifyMac(ctx, &awskms.VerifyMacInput{KeyId: aws.String(arn), Message: []byte("authenticate mE"), Mac: out.Mac, MacAlgorithm: want.alg})
		cryptoWantCode(t, err, "KMSInvalidMacException")
		wrong := types.MacAlgorithmSpecHmacSha512
		if want.alg == wrong {
			wrong = types.MacAlgorithmSpecHmacSha256
		}
		_, err = client.GenerateMac(ctx, &awskms.GenerateMacInput{KeyId: aws.String(arn), Message: msg, MacAlgorithm: wrong})
		cryptoWantCode(t, err, "InvalidKeyUsageException")
		_, err = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: msg})
		cryptoWantCode(t, err, "InvalidKeyUsageException")
	}
}
