package kms_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	secpecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/gatehouse/gatehouse/internal/kms"
)

// signingLocalVerify verifies a signature with Go's crypto (and the
// decred library for secp256k1) and the public key GetPublicKey returned.
func signingLocalVerify(t *testing.T, spec types.KeySpec, pubDER []byte, alg types.SigningAlgorithmSpec, msg, sig []byte) bool {
	t.Helper()
	var h crypto.Hash
	switch {
	case bytes.HasSuffix([]byte(alg), []byte("256")):
		h = crypto.SHA256
	case bytes.HasSuffix([]byte(alg), []byte("384")):
		h = crypto.SHA384
	default:
		h = crypto.SHA512
	}
	digest := func() []byte {
		switch h {
		case crypto.SHA256:
			d := sha256.Sum256(msg)
			return d[:]
		case crypto.SHA384:
			d := sha512.Sum384(msg)
			return d[:]
		}
		d := sha512.Sum512(msg)
		return d[:]
	}
	if spec == types.KeySpecEccSecgP256k1 {
		pub, err := kms.ParseSecp256k1PublicKey(pubDER)
		if err != nil {
			t.Fatal(err)
		}
		s, err := secpecdsa.ParseDERSignature(sig)
		return err == nil && s.Verify(digest(), pub)
	}
	parsed, err := x509.ParsePKIXPublicKey(pubDER)
	if err != nil {
		t.Fatal(err)
	}
	switch pub := parsed.(type) {
	case *rsa.PublicKey:
		if bytes.HasPrefix([]byte(alg), []byte("RSASSA_PSS")) {
			return rsa.VerifyPSS(pub, h, digest(), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		}
		return rsa.VerifyPKCS1v15(pub, h, digest(), sig) == nil
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(pub, digest(), sig)
	case ed25519.PublicKey:
		if alg == types.SigningAlgorithmSpecEd25519PhSha512 {
			return ed25519.VerifyWithOptions(pub, digest(), sig, &ed25519.Options{Hash: crypto.SHA512}) == nil
		}
		return ed25519.Verify(pub, msg, sig)
	}
	t.Fatalf("unexpected public key %T", parsed)
	return false
}

func TestSigningEverySpecAndAlgorithm(t *testing.T) {
	_, client := cryptoNode(t)
	ctx := context.Background()
	rsaAlgs := []types.SigningAlgorithmSpec{"RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
		"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"}
	cases := map[types.KeySpec][]types.SigningAlgorithmSpec{
		types.KeySpecRsa2048: rsaAlgs, types.KeySpecRsa3072: rsaAlgs, types.KeySpecRsa4096: rsaAlgs,
		types.KeySpecEccNistP256: {"ECDSA_SHA_256"}, types.KeySpecEccNistP384: {"ECDSA_SHA_384"},
		types.KeySpecEccNistP521: {"ECDSA_SHA_512"}, types.KeySpecEccSecgP256k1: {"ECDSA_SHA_256"},
		types.KeySpecEccNistEdwards25519: {"ED25519_SHA_512", "ED25519_PH_SHA_512"},
	}
	msg := []byte("a message of some length to be signed")
	for spec, algs := range cases {
		arn := cryptoCreate(t, client, spec, types.KeyUsageTypeSignVerify)
		pk, err := client.GetPublicKey(ctx, &awskms.GetPublicKeyInput{KeyId: aws.String(arn)})
		if err != nil {
			t.Fatalf("GetPublicKey %s: %v", spec, err)
		}
		if len(pk.SigningAlgorithms) != len(algs) || aws.ToString(pk.KeyId) != arn {
			t.Errorf("GetPublicKey %s lists %v", spec, pk.SigningAlgorithms)
		}
		for _, alg := range algs {
			for _, mt := range []types.MessageType{types.MessageTypeRaw, types.MessageTypeDigest} {
				if alg == "ED25519_SHA_512" && mt == types.MessageTypeDigest {
					continue
				}
				in := msg
				if mt == types.MessageTypeDigest {
					switch {
					case bytes.HasSuffix([]byte(alg), []byte("256")):
						d := sha256.Sum256(msg)
						in = d[:]
					case bytes.HasSuffix([]byte(alg), []byte("384")):
						d := sha512.Sum384(msg)
						in = d[:]
					default:
						d := sha512.Sum512(msg)
						in = d[:]
					}
				}
				out, err := client.Sign(ctx, &awskms.SignInput{KeyId: aws.String(arn), Message: in, MessageType: mt, SigningAlgorithm: alg})
				if err != nil {
					t.Fatalf("Sign %s %s %s: %v", spec, alg, mt, err)
				}
				if !signingLocalVerify(t, spec, pk.PublicKey, alg, msg, out.Signature) {
					t.Errorf("%s %s %s: Go's crypto rejects the signature", spec, alg, mt)
				}
				v, err := client.Verify(ctx, &awskms.VerifyInput{KeyId: aws.String(arn), Message: in, MessageType: mt, SigningAlgorithm: alg, Signature: out.Signature})
				if err != nil || !v.SignatureValid {
					t.Errorf("Verify %s %s %s: %v", spec, alg, mt, err)
				}
				changed := bytes.Clone(in)
				changed[0] ^= 1
				_, err = client.Verify(ctx, &awskms.VerifyInput{KeyId: aws.String(arn), Message: changed, MessageType: mt, SigningAlgorithm: alg, Signature: out.Signature})
				cryptoWantCode(t, err, "KMSInvalidSignatureException")
			}
		}
	}
	// Digest length, algorithm and usage checks.
	p256 := cryptoCreate(t, client, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	_, err := client.Sign(ctx, &awskms.SignInput{KeyId: aws.String(p256), Message: []byte("short"), MessageType: types.MessageTypeDigest, SigningAlgorithm: "ECDSA_SHA_256"})
	cryptoWantCode(t, err, "ValidationException")
	_, err = client.Sign(ctx, &awskms.SignInput{KeyId: aws.String(p256), Message: msg, SigningAlgorithm: "RSASSA_PSS_SHA_256"})
	cryptoWantCode(t, err, "InvalidKeyUsageException")
	_, err = client.Sign(ctx, &awskms.SignInput{KeyId: aws.String(p256), Message: make([]byte, 4097), SigningAlgorithm: "ECDSA_SHA_256"})
	cryptoWantCode(t, err, "ValidationException")
	sym := cryptoCreate(t, client, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	_, err = client.GetPublicKey(ctx, &awskms.GetPublicKeyInput{KeyId: aws.String(sym)})
	cryptoWantCode(t, err, "UnsupportedOperationException")
	_, err = client.Sign(ctx, &awskms.SignInput{KeyId: aws.String(sym), Message: msg, SigningAlgorithm: "ECDSA_SHA_256"})
	cryptoWantCode(t, err, "InvalidKeyUsageException")
}

func TestSigningDeriveSharedSecret(t *testing.T) {
	_, client := cryptoNode(t)
	ctx := context.Background()
	for spec, curve := range map[types.KeySpec]ecdh.Curve{
		types.KeySpecEccNistP256: ecdh.P256(), types.KeySpecEccNistP384: ecdh.P384(), types.KeySpecEccNistP521: ecdh.P521(),
	} {
		arn := cryptoCreate(t, client, spec, types.KeyUsageTypeKeyAgreement)
		pk, err := client.GetPublicKey(ctx, &awskms.GetPublicKeyInput{KeyId: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if len(pk.KeyAgreementAlgorithms) != 1 || pk.KeyAgreementAlgorithms[0] != types.KeyAgreementAlgorithmSpecEcdh {
			t.Errorf("%s KeyAgreementAlgorithms %v", spec, pk.KeyAgreementAlgorithms)
		}
		theirs, err := x509.ParsePKIXPublicKey(pk.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		theirECDH, err := theirs.(*ecdsa.PublicKey).ECDH()
		if err != nil {
			t.Fatal(err)
		}
		mine, err := curve.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		myDER, err := x509.MarshalPKIXPublicKey(mine.PublicKey())
		if err != nil {
			t.Fatal(err)
		}
		out, err := client.DeriveSharedSecret(ctx, &awskms.DeriveSharedSecretInput{KeyId: aws.String(arn), KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: myDER})
		if err != nil {
			t.Fatalf("DeriveSharedSecret %s: %v", spec, err)
		}
		want, err := mine.ECDH(theirECDH)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.SharedSecret, want) || out.KeyOrigin != types.OriginTypeAwsKms {
			t.Errorf("%s: shared secret differs from Go's crypto/ecdh", spec)
		}
	}
	// A peer key on another curve is refused.
	arn := cryptoCreate(t, client, types.KeySpecEccNistP256, types.KeyUsageTypeKeyAgreement)
	other, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&other.PublicKey)
	_, err := client.DeriveSharedSecret(ctx, &awskms.DeriveSharedSecretInput{KeyId: aws.String(arn), KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: der})
	cryptoWantCode(t, err, "ValidationException")
	signing := cryptoCreate(t, client, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	_, err = client.DeriveSharedSecret(ctx, &awskms.DeriveSharedSecretInput{KeyId: aws.String(signing), KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: der})
	cryptoWantCode(t, err, "InvalidKeyUsageException")
}
