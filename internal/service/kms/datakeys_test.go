package kms_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/gatehouse/gatehouse/internal/kms"
)

func TestDataKeysSizesAndRoundTrip(t *testing.T) {
	_, client := cryptoNode(t)
	ctx := context.Background()
	arn := cryptoCreate(t, client, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	ec := map[string]string{"bucket": "b1"}
	for _, tc := range []struct {
		spec types.DataKeySpec
		n    *int32
		want int
	}{{types.DataKeySpecAes256, nil, 32}, {types.DataKeySpecAes128, nil, 16}, {"", aws.Int32(1), 1}, {"", aws.Int32(1024), 1024}} {
		out, err := client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: aws.String(arn), KeySpec: tc.spec, NumberOfBytes: tc.n, EncryptionContext: ec})
		if err != nil {
			t.Fatalf("GenerateDataKey %s %v: %v", tc.spec, tc.n, err)
		}
		if len(out.Plaintext) != tc.want || aws.ToString(out.KeyId) != arn || len(aws.ToString(out.KeyMaterialId)) != 64 {
			t.Fatalf("GenerateDataKey: %d bytes, KeyId %s", len(out.Plaintext), aws.ToString(out.KeyId))
		}
		dec, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: ec})
		if err != nil || !bytes.Equal(dec.Plaintext, out.Plaintext) {
			t.Fatalf("data key does not decrypt to its plaintext: %v", err)
		}
	}
	wo, err := client.GenerateDataKeyWithoutPlaintext(ctx, &awskms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(arn), KeySpec: types.DataKeySpecAes256})
	if err != nil {
		t.Fatal(err)
	}
	if dec, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: wo.CiphertextBlob}); err != nil || len(dec.Plaintext) != 32 {
		t.Fatalf("data key without plaintext: %v", err)
	}
	for _, bad := range []*awskms.GenerateDataKeyInput{
		{KeyId: aws.String(arn)},
		{KeyId: aws.String(arn), KeySpec: types.DataKeySpecAes256, NumberOfBytes: aws.Int32(32)},
		{KeyId: aws.String(arn), NumberOfBytes: aws.Int32(1025)},
		{KeyId: aws.String(arn), NumberOfBytes: aws.Int32(0)},
	} {
		_, err := client.GenerateDataKey(ctx, bad)
		cryptoWantCode(t, err, "ValidationException")
	}
	rsaKey := cryptoCreate(t, client, types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt)
	_, err = client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: aws.String(rsaKey), KeySpec: types.DataKeySpecAes256})
	cryptoWantCode(t, err, "InvalidKeyUsageException")
	_, err = client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: aws.String(arn), KeySpec: types.DataKeySpecAes256,
		Recipient: &types.RecipientInfo{AttestationDocument: []byte("doc"), KeyEncryptionAlgorithm: types.KeyEncryptionMechanismRsaesOaepSha256}})
	cryptoWantCode(t, err, "UnsupportedOperationException")
}

func TestDataKeyPairs(t *testing.T) {
	_, client := cryptoNode(t)
	ctx := context.Background()
	arn := cryptoCreate(t, client, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	ec := map[string]string{"k": "v"}
	for _, spec := range []types.DataKeyPairSpec{"RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519"} {
		out, err := client.GenerateDataKeyPair(ctx, &awskms.GenerateDataKeyPairInput{KeyId: aws.String(arn), KeyPairSpec: spec, EncryptionContext: ec})
		if err != nil {
			t.Fatalf("GenerateDataKeyPair %s: %v", spec, err)
		}
		if out.KeyPairSpec != spec || aws.ToString(out.KeyId) != arn {
			t.Fatalf("%s: spec %s KeyId %s", spec, out.KeyPairSpec, aws.ToString(out.KeyId))
		}
		dec, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: ec})
		if err != nil || !bytes.Equal(dec.Plaintext, out.PrivateKeyPlaintext) {
			t.Fatalf("%s: encrypted private key does not decrypt to the plaintext one: %v", spec, err)
		}
		if spec == "ECC_SECG_P256K1" {
			if _, err := kms.ParseSecp256k1PublicKey(out.PublicKey); err != nil {
				t.Errorf("%s public key: %v", spec, err)
			}
			continue
		}
		priv, err := x509.ParsePKCS8PrivateKey(out.PrivateKeyPlaintext)
		if err != nil {
			t.Fatalf("%s private key is not PKCS#8: %v", spec, err)
		}
		pub, err := x509.ParsePKIXPublicKey(out.PublicKey)
		if err != nil {
			t.Fatalf("%s public key: %v", spec, err)
		}
		if !priv.(interface{ Public() crypto.PublicKey }).Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
			t.Errorf("%s: public key does not belong to the private key", spec)
		}
	}
	wo, err := client.GenerateDataKeyPairWithoutPlaintext(ctx, &awskms.GenerateDataKeyPairWithoutPlaintextInput{KeyId: aws.String(arn), KeyPairSpec: "ECC_NIST_P256"})
	if err != nil || len(wo.PublicKey) == 0 || len(wo.PrivateKeyCiphertextBlob) == 0 {
		t.Fatalf("GenerateDataKeyPairWithoutPlaintext: %v", err)
	}
	_, err = client.GenerateDataKeyPair(ctx, &awskms.GenerateDataKeyPairInput{KeyId: aws.String(arn), KeyPairSpec: "SM2"})
	cryptoWantCode(t, err, "UnsupportedOperationException")
}
