package kms_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/kms"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// cryptoNode starts a node and returns it with a root KMS client.
func cryptoNode(t *testing.T) (*testserver.Server, *awskms.Client) {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	return srv, awskms.NewFromConfig(srv.RootConfig())
}

// cryptoCreate creates a key of spec and usage with CreateKey and returns
// its ARN.
func cryptoCreate(t *testing.T, client *awskms.Client, spec types.KeySpec, usage types.KeyUsageType) string {
	t.Helper()
	out, err := client.CreateKey(context.Background(), &awskms.CreateKeyInput{KeySpec: spec, KeyUsage: usage})
	if err != nil {
		t.Fatalf("CreateKey %s %s: %v", spec, usage, err)
	}
	return aws.ToString(out.KeyMetadata.Arn)
}

// cryptoWantCode fails unless err is the AWS error code.
func cryptoWantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
}

// cryptoKeyID returns the id part of a key ARN.
func cryptoKeyID(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func TestCryptoSymmetricRoundTripAndContext(t *testing.T) {
	srv, client := cryptoNode(t)
	ctx := context.Background()
	arn := cryptoCreate(t, client, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	other := cryptoCreate(t, client, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	if _, err := client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/crypto-test"), TargetKeyId: aws.String(arn)}); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	ec := map[string]string{"tenant": "acme", "purpose": "test"}
	pt := []byte("the quick brown fox")

	// Every KeyId form encrypts; the response names the key by ARN.
	aliasARN := "arn:aws:kms:us-east-1:" + srv.Root.AccountID + ":alias/crypto-test"
	var blob []byte
	for _, id := range []string{cryptoKeyID(arn), arn, "alias/crypto-test", aliasARN} {
		out, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(id), Plaintext: pt, EncryptionContext: ec})
		if err != nil {
			t.Fatalf("Encrypt with %s: %v", id, err)
		}
		if aws.ToString(out.KeyId) != arn || out.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
			t.Fatalf("Encrypt with %s: KeyId %s, algorithm %s", id, aws.ToString(out.KeyId), out.EncryptionAlgorithm)
		}
		blob = out.CiphertextBlob
	}
	if bytes.Contains(blob, pt) {
		t.Fatal("ciphertext contains the plaintext")
	}

	// Decrypt needs no KeyId: the blob names the key.
	dec, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"purpose": "test", "tenant": "acme"}})
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if !bytes.Equal(dec.Plaintext, pt) || aws.ToString(dec.KeyId) != arn || len(aws.ToString(dec.KeyMaterialId)) != 64 {
		t.Fatalf("Decrypt: %q KeyId %s material %q", dec.Plaintext, aws.ToString(dec.KeyId), aws.ToString(dec.KeyMaterialId))
	}
	if _, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec, KeyId: aws.String("alias/crypto-test")}); err != nil {
		t.Fatalf("Decrypt with the alias: %v", err)
	}

	// The context matches exactly.
	for name, bad := range map[string]map[string]string{
		"missing": nil, "fewer pairs": {"tenant": "acme"},
		"more pairs": {"tenant": "acme", "purpose": "test", "x": "y"}, "other value": {"tenant": "acme", "purpose": "prod"},
	} {
		_, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: blob, EncryptionContext: bad})
		if err == nil {
			t.Fatalf("Decrypt with %s context succeeded", name)
		}
		cryptoWantCode(t, err, "InvalidCiphertextException")
	}
	// Tampering anywhere is caught.
	for _, i := range []int{0, 5, len(blob) / 2, len(blob) - 1} {
		bad := bytes.Clone(blob)
		bad[i] ^= 0x80
		_, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: bad, EncryptionContext: ec})
		if err == nil {
			t.Fatalf("tampered byte %d decrypted", i)
		}
		var ae smithy.APIError
		if !errors.As(err, &ae) || (ae.ErrorCode() != "InvalidCiphertextException" && ae.ErrorCode() != "NotFoundException") {
			t.Fatalf("tampered byte %d: %v", i, err)
		}
	}
	_, err = client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: []byte("not a ciphertext at all"), EncryptionContext: ec})
	cryptoWantCode(t, err, "InvalidCiphertextException")
	// A KeyId naming another key.
	_, err = client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec, KeyId: aws.String(other)})
	cryptoWantCode(t, err, "IncorrectKeyException")

	// ReEncrypt moves the ciphertext to the other key and context.
	re, err := client.ReEncrypt(ctx, &awskms.ReEncryptInput{
		CiphertextBlob: blob, SourceEncryptionContext: ec,
		DestinationKeyId: aws.String(other), DestinationEncryptionContext: map[string]string{"new": "ctx"},
	})
	if err != nil {
		t.Fatalf("ReEncrypt: %v", err)
	}
	if aws.ToString(re.SourceKeyId) != arn || aws.ToString(re.KeyId) != other {
		t.Fatalf("ReEncrypt keys %s → %s", aws.ToString(re.SourceKeyId), aws.ToString(re.KeyId))
	}
	dec, err = client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: re.CiphertextBlob, EncryptionContext: map[string]string{"new": "ctx"}})
	if err != nil || !bytes.Equal(dec.Plaintext, pt) || aws.ToString(dec.KeyId) != other {
		t.Fatalf("Decrypt after ReEncrypt: %v", err)
	}
	_, err = client.ReEncrypt(ctx, &awskms.ReEncryptInput{CiphertextBlob: blob, DestinationKeyId: aws.String(other)})
	cryptoWantCode(t, err, "InvalidCiphertextException")

	// Unknown keys and aliases.
	_, err = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String("alias/nope"), Plaintext: pt})
	cryptoWantCode(t, err, "NotFoundException")
	_, err = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String("11111111-2222-3333-4444-555555555555"), Plaintext: pt})
	cryptoWantCode(t, err, "NotFoundException")
}

func TestCryptoLimitsAndRandom(t *testing.T) {
	_, client := cryptoNode(t)
	ctx := context.Background()
	arn := cryptoCreate(t, client, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	if _, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: make([]byte, 4096)}); err != nil {
		t.Fatalf("Encrypt of 4096 bytes: %v", err)
	}
	_, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: make([]byte, 4097)})
	cryptoWantCode(t, err, "ValidationException")
	_, err = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
	cryptoWantCode(t, err, "InvalidKeyUsageException")
	_, err = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), DryRun: aws.Bool(true)})
	cryptoWantCode(t, err, "DryRunOperationException")

	for _, n := range []int32{1, 1024} {
		out, err := client.GenerateRandom(ctx, &awskms.GenerateRandomInput{NumberOfBytes: aws.Int32(n)})
		if err != nil || len(out.Plaintext) != int(n) {
			t.Fatalf("GenerateRandom(%d): %d bytes, %v", n, len(out.Plaintext), err)
		}
	}
	for _, n := range []int32{0, 1025} {
		_, err := client.GenerateRandom(ctx, &awskms.GenerateRandomInput{NumberOfBytes: aws.Int32(n)})
		cryptoWantCode(t, err, "ValidationException")
	}
	_, err = client.GenerateRandom(ctx, &awskms.GenerateRandomInput{NumberOfBytes: aws.Int32(8), CustomKeyStoreId: aws.String("cks-1234567890abcdef0")})
	cryptoWantCode(t, err, "CustomKeyStoreNotFoundException")
	_, err = client.GenerateRandom(ctx, &awskms.GenerateRandomInput{NumberOfBytes: aws.Int32(8), Recipient: &types.RecipientInfo{AttestationDocument: []byte("doc"), KeyEncryptionAlgorithm: types.KeyEncryptionMechanismRsaesOaepSha256}})
	cryptoWantCode(t, err, "UnsupportedOperationException")
}

func TestCryptoKeyStatesAndUsage(t *testing.T) {
	_, client := cryptoNode(t)
	ctx := context.Background()
	arn := cryptoCreate(t, client, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	enc, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.DisableKey(ctx, &awskms.DisableKeyInput{KeyId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
	cryptoWantCode(t, err, "DisabledException")
	_, err = client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	cryptoWantCode(t, err, "DisabledException")
	if _, err := client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: aws.String(arn), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	_, err = client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	cryptoWantCode(t, err, "KMSInvalidStateException")

	signing := cryptoCreate(t, client, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	_, err = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(signing), Plaintext: []byte("x")})
	cryptoWantCode(t, err, "InvalidKeyUsageException")
}

func TestCryptoOldMaterialAfterRotation(t *testing.T) {
	srv, client := cryptoNode(t)
	ctx := context.Background()
	arn := cryptoCreate(t, client, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	old, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("before")})
	if err != nil {
		t.Fatal(err)
	}
	// Rotate by appending a new current material version.
	store := srv.App.KMS()
	err = store.Update(ctx, func(tx *kms.Tx) error {
		k, err := tx.Key(srv.Root.AccountID, "us-east-1", cryptoKeyID(arn))
		if err != nil {
			return err
		}
		m, err := kms.NewMaterial(store, k, time.Now())
		if err != nil {
			return err
		}
		for i := range k.Materials {
			k.Materials[i].State = kms.MaterialNonCurrent
		}
		k.Materials = append(k.Materials, m)
		return tx.PutKey(k)
	})
	if err != nil {
		t.Fatal(err)
	}
	newer, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("after")})
	if err != nil {
		t.Fatal(err)
	}
	d1, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: old.CiphertextBlob})
	if err != nil || string(d1.Plaintext) != "before" {
		t.Fatalf("old ciphertext after rotation: %v", err)
	}
	d2, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: newer.CiphertextBlob})
	if err != nil || string(d2.Plaintext) != "after" {
		t.Fatalf("new ciphertext: %v", err)
	}
	if aws.ToString(d1.KeyMaterialId) == aws.ToString(d2.KeyMaterialId) {
		t.Fatal("both ciphertexts report the same key material")
	}
}

func TestCryptoRSAEncryption(t *testing.T) {
	_, client := cryptoNode(t)
	ctx := context.Background()
	for _, tc := range []struct {
		spec types.KeySpec
		max  map[types.EncryptionAlgorithmSpec]int
	}{
		{types.KeySpecRsa2048, map[types.EncryptionAlgorithmSpec]int{"RSAES_OAEP_SHA_1": 214, "RSAES_OAEP_SHA_256": 190}},
		{types.KeySpecRsa3072, map[types.EncryptionAlgorithmSpec]int{"RSAES_OAEP_SHA_1": 342, "RSAES_OAEP_SHA_256": 318}},
		{types.KeySpecRsa4096, map[types.EncryptionAlgorithmSpec]int{"RSAES_OAEP_SHA_1": 470, "RSAES_OAEP_SHA_256": 446}},
	} {
		arn := cryptoCreate(t, client, tc.spec, types.KeyUsageTypeEncryptDecrypt)
		pk, err := client.GetPublicKey(ctx, &awskms.GetPublicKeyInput{KeyId: aws.String(arn)})
		if err != nil {
			t.Fatalf("GetPublicKey %s: %v", tc.spec, err)
		}
		if pk.KeySpec != tc.spec || pk.KeyUsage != types.KeyUsageTypeEncryptDecrypt || len(pk.EncryptionAlgorithms) != 2 || len(pk.SigningAlgorithms) != 0 {
			t.Fatalf("GetPublicKey %s: %+v", tc.spec, pk)
		}
		parsed, err := x509.ParsePKIXPublicKey(pk.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		pub := parsed.(*rsa.PublicKey)
		for alg, max := range tc.max {
			var h hash.Hash = sha256.New()
			if alg == "RSAES_OAEP_SHA_1" {
				h = sha1.New()
			}
			pt := make([]byte, max)
			rand.Read(pt)
			// gatehouse encrypts, gatehouse decrypts.
			enc, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: pt, EncryptionAlgorithm: alg})
			if err != nil {
				t.Fatalf("%s %s Encrypt at the limit: %v", tc.spec, alg, err)
			}
			if len(enc.CiphertextBlob) != pub.Size() {
				t.Fatalf("%s %s: ciphertext of %d bytes is not raw OAEP output", tc.spec, alg, len(enc.CiphertextBlob))
			}
			dec, err := client.Decrypt(ctx, &awskms.DecryptInput{KeyId: aws.String(arn), CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: alg})
			if err != nil || !bytes.Equal(dec.Plaintext, pt) || dec.EncryptionAlgorithm != alg {
				t.Fatalf("%s %s Decrypt: %v", tc.spec, alg, err)
			}
			// Go's crypto encrypts with the public key, gatehouse decrypts.
			local, err := rsa.EncryptOAEP(h, rand.Reader, pub, pt[:32], nil)
			if err != nil {
				t.Fatal(err)
			}
			dec, err = client.Decrypt(ctx, &awskms.DecryptInput{KeyId: aws.String(arn), CiphertextBlob: local, EncryptionAlgorithm: alg})
			if err != nil || !bytes.Equal(dec.Plaintext, pt[:32]) {
				t.Fatalf("%s %s Decrypt of a locally made ciphertext: %v", tc.spec, alg, err)
			}
			_, err = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: make([]byte, max+1), EncryptionAlgorithm: alg})
			cryptoWantCode(t, err, "ValidationException")
		}
		// Asymmetric decryption needs the KeyId and the algorithm.
		enc, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
		if err == nil {
			t.Fatal("RSA ciphertext decrypted without a KeyId")
		}
		_, err = client.Decrypt(ctx, &awskms.DecryptInput{KeyId: aws.String(arn), CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: "RSAES_OAEP_SHA_1"})
		cryptoWantCode(t, err, "InvalidCiphertextException")
		_, err = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), EncryptionAlgorithm: "SM2PKE"})
		cryptoWantCode(t, err, "InvalidKeyUsageException")
		_, err = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256", EncryptionContext: map[string]string{"a": "b"}})
		cryptoWantCode(t, err, "ValidationException")
	}
}

// TestCryptoSecretsRedactedInTrail checks that the members carrying
// plaintext key material are among the audit redactor's secret names.
func TestCryptoSecretsRedactedInTrail(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{
		"plaintext": "c2VjcmV0", "privateKeyPlaintext": "cHJpdg==", "sharedSecret": "c2hhcmVk",
		"keyId": "arn:aws:kms:us-east-1:123456789012:key/x",
	})
	out, changed := audit.RedactJSON(doc)
	if !changed {
		t.Fatal("nothing redacted")
	}
	for _, secret := range []string{"c2VjcmV0", "cHJpdg==", "c2hhcmVk"} {
		if bytes.Contains(out, []byte(secret)) {
			t.Errorf("trail document still holds %s: %s", secret, out)
		}
	}
	if !bytes.Contains(out, []byte("arn:aws:kms")) {
		t.Errorf("key id was redacted too: %s", out)
	}
}
