package kms_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/gatehouse/gatehouse/internal/kms"
)

// importWrap gets import parameters for key and wraps material with
// RSAES_OAEP_SHA_256, as a client following AWS's instructions does.
func importWrap(t *testing.T, client *awskms.Client, key string, material []byte) (token, wrapped []byte) {
	t.Helper()
	p, err := client.GetParametersForImport(context.Background(), &awskms.GetParametersForImportInput{
		KeyId: aws.String(key), WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048,
	})
	if err != nil {
		t.Fatalf("GetParametersForImport: %v", err)
	}
	if p.ParametersValidTo == nil || p.ParametersValidTo.Before(time.Now().Add(23*time.Hour)) {
		t.Fatalf("parameters valid to %v, want 24 hours", p.ParametersValidTo)
	}
	pub, err := x509.ParsePKIXPublicKey(p.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err = rsa.EncryptOAEP(sha256.New(), rand.Reader, pub.(*rsa.PublicKey), material, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p.ImportToken, wrapped
}

func TestImportKeyMaterialLifecycle(t *testing.T) {
	_, client := cryptoNode(t)
	ctx := context.Background()
	out, err := client.CreateKey(ctx, &awskms.CreateKeyInput{Origin: types.OriginTypeExternal})
	if err != nil {
		t.Fatalf("CreateKey EXTERNAL: %v", err)
	}
	arn := aws.ToString(out.KeyMetadata.Arn)
	_, err = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
	cryptoWantCode(t, err, "KMSInvalidStateException")

	material := make([]byte, 32)
	rand.Read(material)
	token, wrapped := importWrap(t, client, arn, material)
	// ValidTo is required by the default expiration model.
	_, err = client.ImportKeyMaterial(ctx, &awskms.ImportKeyMaterialInput{KeyId: aws.String(arn), ImportToken: token, EncryptedKeyMaterial: wrapped})
	cryptoWantCode(t, err, "ValidationException")
	_, err = client.ImportKeyMaterial(ctx, &awskms.ImportKeyMaterialInput{KeyId: aws.String(arn), ImportToken: []byte("forged"), EncryptedKeyMaterial: wrapped,
		ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
	cryptoWantCode(t, err, "InvalidImportTokenException")
	imp, err := client.ImportKeyMaterial(ctx, &awskms.ImportKeyMaterialInput{KeyId: aws.String(arn), ImportToken: token, EncryptedKeyMaterial: wrapped,
		ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
	if err != nil {
		t.Fatalf("ImportKeyMaterial: %v", err)
	}
	if len(aws.ToString(imp.KeyMaterialId)) != 64 {
		t.Fatalf("KeyMaterialId %q", aws.ToString(imp.KeyMaterialId))
	}
	enc, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("imported")})
	if err != nil {
		t.Fatalf("Encrypt after import: %v", err)
	}

	// Deleting the material makes the key wait for a re-import.
	if _, err := client.DeleteImportedKeyMaterial(ctx, &awskms.DeleteImportedKeyMaterialInput{KeyId: aws.String(arn)}); err != nil {
		t.Fatalf("DeleteImportedKeyMaterial: %v", err)
	}
	_, err = client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	cryptoWantCode(t, err, "KMSInvalidStateException")

	// Other material is refused; the same material restores the key and
	// its old ciphertexts.
	otherMaterial := make([]byte, 32)
	rand.Read(otherMaterial)
	token, wrapped = importWrap(t, client, arn, otherMaterial)
	_, err = client.ImportKeyMaterial(ctx, &awskms.ImportKeyMaterialInput{KeyId: aws.String(arn), ImportToken: token, EncryptedKeyMaterial: wrapped,
		ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
	cryptoWantCode(t, err, "IncorrectKeyMaterialException")
	token, wrapped = importWrap(t, client, arn, material)
	validTo := time.Now().Add(48 * time.Hour)
	if _, err := client.ImportKeyMaterial(ctx, &awskms.ImportKeyMaterialInput{KeyId: aws.String(arn), ImportToken: token, EncryptedKeyMaterial: wrapped,
		ValidTo: &validTo}); err != nil {
		t.Fatalf("re-import: %v", err)
	}
	dec, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil || !bytes.Equal(dec.Plaintext, []byte("imported")) {
		t.Fatalf("Decrypt after re-import: %v", err)
	}
	// Short material is not symmetric key material.
	token, wrapped = importWrap(t, client, arn, material[:16])
	_, err = client.ImportKeyMaterial(ctx, &awskms.ImportKeyMaterialInput{KeyId: aws.String(arn), ImportToken: token, EncryptedKeyMaterial: wrapped,
		ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire})
	cryptoWantCode(t, err, "IncorrectKeyMaterialException")

	// Keys with KMS-generated material take no imports.
	own := cryptoCreate(t, client, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	_, err = client.GetParametersForImport(ctx, &awskms.GetParametersForImportInput{KeyId: aws.String(own),
		WrappingAlgorithm: types.AlgorithmSpecRsaesOaepSha256, WrappingKeySpec: types.WrappingKeySpecRsa2048})
	cryptoWantCode(t, err, "UnsupportedOperationException")
}

// TestImportedMaterialExpires imports material that expires, lets the
// periodic sweep pass its ValidTo, and checks what AWS does: the material
// is deleted, the key waits for a re-import (PendingImport, no ValidTo),
// its ciphertexts cannot be decrypted, and importing the same material
// again restores them.
func TestImportedMaterialExpires(t *testing.T) {
	srv, client := cryptoNode(t)
	ctx := context.Background()
	out, err := client.CreateKey(ctx, &awskms.CreateKeyInput{Origin: types.OriginTypeExternal})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.KeyMetadata.Arn)
	material := make([]byte, 32)
	rand.Read(material)
	token, wrapped := importWrap(t, client, arn, material)
	validTo := time.Now().Add(48 * time.Hour)
	if _, err := client.ImportKeyMaterial(ctx, &awskms.ImportKeyMaterialInput{KeyId: aws.String(arn), ImportToken: token, EncryptedKeyMaterial: wrapped,
		ExpirationModel: types.ExpirationModelTypeKeyMaterialExpires, ValidTo: &validTo}); err != nil {
		t.Fatalf("ImportKeyMaterial: %v", err)
	}
	enc, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("until it expires")})
	if err != nil {
		t.Fatal(err)
	}

	store := srv.App.KMS()
	if n, err := store.ExpireImportedMaterial(ctx, validTo.Add(-time.Minute)); err != nil || n != 0 {
		t.Fatalf("ExpireImportedMaterial before ValidTo = %d, %v", n, err)
	}
	if _, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil {
		t.Fatalf("Decrypt before ValidTo: %v", err)
	}
	if n, err := store.ExpireImportedMaterial(ctx, validTo); err != nil || n != 1 {
		t.Fatalf("ExpireImportedMaterial at ValidTo = %d, %v", n, err)
	}
	md, err := client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if md.KeyMetadata.KeyState != types.KeyStatePendingImport || md.KeyMetadata.ValidTo != nil || md.KeyMetadata.Enabled {
		t.Fatalf("after expiry: state %s, ValidTo %v, enabled %v; want PendingImport, none, false",
			md.KeyMetadata.KeyState, md.KeyMetadata.ValidTo, md.KeyMetadata.Enabled)
	}
	_, err = client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	cryptoWantCode(t, err, "KMSInvalidStateException")
	_, err = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
	cryptoWantCode(t, err, "KMSInvalidStateException")
	if n, err := store.ExpireImportedMaterial(ctx, validTo.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("ExpireImportedMaterial again = %d, %v (nothing left to expire)", n, err)
	}

	token, wrapped = importWrap(t, client, arn, material)
	if _, err := client.ImportKeyMaterial(ctx, &awskms.ImportKeyMaterialInput{KeyId: aws.String(arn), ImportToken: token, EncryptedKeyMaterial: wrapped,
		ExpirationModel: types.ExpirationModelTypeKeyMaterialDoesNotExpire}); err != nil {
		t.Fatalf("re-import: %v", err)
	}
	dec, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil || !bytes.Equal(dec.Plaintext, []byte("until it expires")) {
		t.Fatalf("Decrypt after re-import: %v", err)
	}

	// Between sweeps, the first use after ValidTo deletes the material.
	token, wrapped = importWrap(t, client, arn, material)
	if _, err := client.ImportKeyMaterial(ctx, &awskms.ImportKeyMaterialInput{KeyId: aws.String(arn), ImportToken: token, EncryptedKeyMaterial: wrapped,
		ExpirationModel: types.ExpirationModelTypeKeyMaterialExpires, ValidTo: &validTo}); err != nil {
		t.Fatalf("import with expiry again: %v", err)
	}
	acct, id := aws.ToString(md.KeyMetadata.AWSAccountId), aws.ToString(md.KeyMetadata.KeyId)
	if k, err := store.LiveKey(ctx, acct, "us-east-1", id, validTo.Add(-time.Second)); err != nil || k.State != kms.StateEnabled {
		t.Fatalf("LiveKey before ValidTo: %v, %v", k, err)
	}
	k, err := store.LiveKey(ctx, acct, "us-east-1", id, validTo)
	if err != nil || k.State != kms.StatePendingImport {
		t.Fatalf("LiveKey at ValidTo: state %v, %v; want PendingImport", k, err)
	}
	if cur, ok := k.CurrentMaterial(); !ok || len(cur.Sealed) != 0 || cur.ValidTo != nil {
		t.Fatalf("LiveKey at ValidTo kept the expired material: %+v", cur)
	}
}
