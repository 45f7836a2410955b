package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	secp256k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// kmsE2ERequire skips the test when a tool is missing, except in CI,
// where every tool the end-to-end tests use is installed and a missing one
// is a failure.
func kmsE2ERequire(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI: %v", tool, err)
			}
			t.Skipf("%s not installed", tool)
		}
	}
}

// kmsE2EEnv is the process environment with every AWS_ setting of the
// caller removed and the given credentials and Region set, so that a
// developer's own AWS configuration cannot leak into a test.
func kmsE2EEnv(id, secret string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"AWS_ACCESS_KEY_ID="+id, "AWS_SECRET_ACCESS_KEY="+secret,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_MAX_ATTEMPTS=1",
	)
}

// kmsE2ECLI runs the aws CLI against one gatehouse binary.
type kmsE2ECLI struct {
	t    *testing.T
	p    *process
	env  []string
	dir  string
	file int
}

// run runs `aws kms ARGS` and returns its combined output.
func (c *kmsE2ECLI) run(args ...string) (string, error) {
	cmd := exec.Command("aws", append([]string{"--endpoint-url", c.p.url, "--output", "json", "kms"}, args...)...)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// must runs `aws kms ARGS`, which must succeed, and returns its JSON output.
func (c *kmsE2ECLI) must(args ...string) map[string]any {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("aws kms %s: %v\n%s\ngatehouse log:\n%s", strings.Join(args, " "), err, out, c.p.logs.String())
	}
	v := map[string]any{}
	if strings.TrimSpace(out) != "" {
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			c.t.Fatalf("aws kms %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return v
}

// fails runs `aws kms ARGS`, which must fail with the AWS error code.
func (c *kmsE2ECLI) fails(code string, args ...string) {
	c.t.Helper()
	out, err := c.run(args...)
	if err == nil || !strings.Contains(out, "An error occurred ("+code+")") {
		c.t.Fatalf("aws kms %s: err %v, want error %s; output:\n%s", strings.Join(args, " "), err, code, out)
	}
}

// blob writes b to a new file and returns the CLI's fileb:// argument for
// it: the aws CLI reads binary parameters from files.
func (c *kmsE2ECLI) blob(b []byte) string {
	c.t.Helper()
	c.file++
	path := filepath.Join(c.dir, fmt.Sprintf("blob-%d", c.file))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		c.t.Fatal(err)
	}
	return "fileb://" + path
}

// createKey creates a key of the spec and usage and returns its id and
// ARN.
func (c *kmsE2ECLI) createKey(spec, usage string) (keyID, arn string) {
	t := c.t
	t.Helper()
	out := c.must("create-key", "--key-spec", spec, "--key-usage", usage, "--description", "cli "+spec)
	if got := kmsE2EString(t, out, "KeyMetadata", "KeySpec"); got != spec {
		t.Fatalf("create-key %s: KeySpec %s", spec, got)
	}
	return kmsE2EString(t, out, "KeyMetadata", "KeyId"), kmsE2EString(t, out, "KeyMetadata", "Arn")
}

// publicKey returns the DER public key of an asymmetric key.
func (c *kmsE2ECLI) publicKey(arn string) []byte {
	t := c.t
	t.Helper()
	out := c.must("get-public-key", "--key-id", arn)
	if got := kmsE2EString(t, out, "KeyId"); got != arn {
		t.Fatalf("get-public-key KeyId %s, want %s", got, arn)
	}
	return kmsE2EBytes(t, out, "PublicKey")
}

// kmsE2EString returns the string at a path of nested JSON objects.
func kmsE2EString(t *testing.T, v map[string]any, path ...string) string {
	t.Helper()
	var cur any = v
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: not an object in %v", strings.Join(path, "."), v)
		}
		cur = m[p]
	}
	s, ok := cur.(string)
	if !ok {
		t.Fatalf("%s is %T in %v, want a string", strings.Join(path, "."), cur, v)
	}
	return s
}

// kmsE2EBytes decodes a base64 blob of the CLI's JSON output.
func kmsE2EBytes(t *testing.T, v map[string]any, name string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(kmsE2EString(t, v, name))
	if err != nil {
		t.Fatalf("%s is not base64: %v", name, err)
	}
	return b
}

// kmsE2EHash returns the hash of a signing algorithm name
// (..._SHA_256, ..._SHA_384, ..._SHA_512).
func kmsE2EHash(alg string) (crypto.Hash, func() hash.Hash) {
	switch {
	case strings.HasSuffix(alg, "_SHA_384"):
		return crypto.SHA384, sha512.New384
	case strings.HasSuffix(alg, "_SHA_512"):
		return crypto.SHA512, sha512.New
	default:
		return crypto.SHA256, sha256.New
	}
}

// kmsE2EVerifyLocally verifies a KMS signature over digest with the DER
// public key from GetPublicKey, using Go's standard crypto (and decred's
// secp256k1 for ECC_SECG_P256K1, a curve the standard library lacks).
func kmsE2EVerifyLocally(spki []byte, spec, alg string, digest, sig []byte) error {
	if spec == "ECC_SECG_P256K1" {
		var info struct {
			Algorithm pkixAlgorithm
			PublicKey asn1.BitString
		}
		if _, err := asn1.Unmarshal(spki, &info); err != nil {
			return fmt.Errorf("SubjectPublicKeyInfo: %w", err)
		}
		if !info.Algorithm.Parameters.Equal(asn1.ObjectIdentifier{1, 3, 132, 0, 10}) {
			return fmt.Errorf("curve %v, want secp256k1 (1.3.132.0.10)", info.Algorithm.Parameters)
		}
		pub, err := secp256k1.ParsePubKey(info.PublicKey.Bytes)
		if err != nil {
			return err
		}
		s, err := secp256k1ecdsa.ParseDERSignature(sig)
		if err != nil {
			return err
		}
		if !s.Verify(digest, pub) {
			return fmt.Errorf("secp256k1 signature does not verify")
		}
		return nil
	}
	key, err := x509.ParsePKIXPublicKey(spki)
	if err != nil {
		return err
	}
	h, _ := kmsE2EHash(alg)
	switch pub := key.(type) {
	case *rsa.PublicKey:
		if strings.HasPrefix(alg, "RSASSA_PSS") {
			return rsa.VerifyPSS(pub, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		return rsa.VerifyPKCS1v15(pub, h, digest, sig)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			return fmt.Errorf("ECDSA signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("public key of type %T", key)
}

// pkixAlgorithm is an AlgorithmIdentifier whose parameters are a named
// curve.
type pkixAlgorithm struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.ObjectIdentifier
}

// TestKMSCLIRoundTrips drives KMS with the aws CLI against a gatehouse
// binary: symmetric encryption with an encryption context (through an
// alias, decrypted without a key id), data keys, RSA OAEP with SHA-1 and
// SHA-256 on every RSA size (ciphertexts made by Go's crypto with the
// public key decrypt too), RSA PSS and PKCS #1 v1.5 and ECDSA on every
// curve, secp256k1 included, in RAW and DIGEST mode (signatures verify
// with Go's crypto and the public key; a changed message does not
// verify), HMAC on every HMAC key spec, and data key pairs.
func TestKMSCLIRoundTrips(t *testing.T) {
	if testing.Short() {
		t.Skip("some eighty aws CLI runs: skipped in -short mode")
	}
	kmsE2ERequire(t, "aws")
	data := t.TempDir()
	p := startServer(t, data)
	id, secret := rootKey(t, data)
	env := kmsE2EEnv(id, secret)
	// Each group runs in parallel with the others, with its own files;
	// the aws CLI's start-up dominates the test's time.
	cli := func(t *testing.T) *kmsE2ECLI {
		t.Parallel()
		return &kmsE2ECLI{t: t, p: p, env: env, dir: t.TempDir()}
	}

	t.Run("symmetric", func(t *testing.T) {
		c := cli(t)
		keyID, arn := c.createKey("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
		c.must("create-alias", "--alias-name", "alias/cli-orders", "--target-key-id", keyID)
		msg := []byte("the cashier's drawer count: \x00\x01\x02 42")
		out := c.must("encrypt", "--key-id", "alias/cli-orders", "--plaintext", c.blob(msg),
			"--encryption-context", "purpose=cli,tenant=acme")
		if got := kmsE2EString(t, out, "KeyId"); got != arn {
			t.Fatalf("encrypt through the alias answered KeyId %s, want the key ARN %s", got, arn)
		}
		ct := c.blob(kmsE2EBytes(t, out, "CiphertextBlob"))
		back := c.must("decrypt", "--ciphertext-blob", ct, "--encryption-context", "tenant=acme,purpose=cli")
		if !bytes.Equal(kmsE2EBytes(t, back, "Plaintext"), msg) || kmsE2EString(t, back, "KeyId") != arn {
			t.Fatalf("decrypt without a key id: %v", back)
		}
		c.fails("InvalidCiphertextException", "decrypt", "--ciphertext-blob", ct, "--encryption-context", "purpose=cli,tenant=other")
		c.fails("InvalidCiphertextException", "decrypt", "--ciphertext-blob", ct)

		dk := c.must("generate-data-key", "--key-id", arn, "--key-spec", "AES_256", "--encryption-context", "purpose=cli")
		plain := kmsE2EBytes(t, dk, "Plaintext")
		back = c.must("decrypt", "--ciphertext-blob", c.blob(kmsE2EBytes(t, dk, "CiphertextBlob")), "--encryption-context", "purpose=cli")
		if len(plain) != 32 || !bytes.Equal(kmsE2EBytes(t, back, "Plaintext"), plain) {
			t.Fatalf("data key of %d bytes did not decrypt to itself", len(plain))
		}
		dk = c.must("generate-data-key-without-plaintext", "--key-id", keyID, "--number-of-bytes", "64")
		if _, ok := dk["Plaintext"]; ok {
			t.Fatal("generate-data-key-without-plaintext returned the plaintext")
		}
		back = c.must("decrypt", "--ciphertext-blob", c.blob(kmsE2EBytes(t, dk, "CiphertextBlob")))
		if len(kmsE2EBytes(t, back, "Plaintext")) != 64 {
			t.Fatalf("data key without plaintext: %v", back)
		}

		pair := c.must("generate-data-key-pair", "--key-id", arn, "--key-pair-spec", "ECC_NIST_P256", "--encryption-context", "purpose=cli")
		private := kmsE2EBytes(t, pair, "PrivateKeyPlaintext")
		back = c.must("decrypt", "--ciphertext-blob", c.blob(kmsE2EBytes(t, pair, "PrivateKeyCiphertextBlob")), "--encryption-context", "purpose=cli")
		if !bytes.Equal(kmsE2EBytes(t, back, "Plaintext"), private) {
			t.Fatal("the data key pair's encrypted private key is another key")
		}
		priv, err := x509.ParsePKCS8PrivateKey(private)
		if err != nil {
			t.Fatalf("private key of the pair: %v", err)
		}
		pubDER, err := x509.MarshalPKIXPublicKey(priv.(*ecdsa.PrivateKey).Public())
		if err != nil || !bytes.Equal(pubDER, kmsE2EBytes(t, pair, "PublicKey")) {
			t.Fatalf("the pair's public key does not belong to its private key (%v)", err)
		}
		pair = c.must("generate-data-key-pair-without-plaintext", "--key-id", keyID, "--key-pair-spec", "RSA_2048")
		back = c.must("decrypt", "--ciphertext-blob", c.blob(kmsE2EBytes(t, pair, "PrivateKeyCiphertextBlob")))
		rsaPriv, err := x509.ParsePKCS8PrivateKey(kmsE2EBytes(t, back, "Plaintext"))
		if err != nil {
			t.Fatalf("decrypted private key: %v", err)
		}
		pubDER, _ = x509.MarshalPKIXPublicKey(rsaPriv.(*rsa.PrivateKey).Public())
		if !bytes.Equal(pubDER, kmsE2EBytes(t, pair, "PublicKey")) {
			t.Fatal("the RSA pair's public key does not belong to its private key")
		}
	})

	t.Run("rsa-oaep", func(t *testing.T) {
		c := cli(t)
		// Per size, one algorithm encrypts through KMS and the other
		// locally with the public key; KMS decrypts both.
		for _, tc := range []struct{ spec, viaKMS, local string }{
			{"RSA_2048", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"},
			{"RSA_3072", "RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1"},
			{"RSA_4096", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"},
		} {
			keyID, arn := c.createKey(tc.spec, "ENCRYPT_DECRYPT")
			msg := []byte("secret for " + tc.spec)
			out := c.must("encrypt", "--key-id", keyID, "--plaintext", c.blob(msg), "--encryption-algorithm", tc.viaKMS)
			back := c.must("decrypt", "--key-id", arn, "--encryption-algorithm", tc.viaKMS,
				"--ciphertext-blob", c.blob(kmsE2EBytes(t, out, "CiphertextBlob")))
			if !bytes.Equal(kmsE2EBytes(t, back, "Plaintext"), msg) {
				t.Fatalf("%s %s: decrypt gave another plaintext", tc.spec, tc.viaKMS)
			}
			pub, err := x509.ParsePKIXPublicKey(c.publicKey(arn))
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			if tc.local == "RSAES_OAEP_SHA_1" {
				h = sha1.New()
			}
			local, err := rsa.EncryptOAEP(h, rand.Reader, pub.(*rsa.PublicKey), []byte("made by Go"), nil)
			if err != nil {
				t.Fatal(err)
			}
			back = c.must("decrypt", "--key-id", keyID, "--encryption-algorithm", tc.local, "--ciphertext-blob", c.blob(local))
			if string(kmsE2EBytes(t, back, "Plaintext")) != "made by Go" {
				t.Fatalf("%s %s: a ciphertext made with the public key did not decrypt", tc.spec, tc.local)
			}
		}
	})

	t.Run("sign-verify", func(t *testing.T) {
		c := cli(t)
		type signCase struct{ alg, messageType string }
		for _, tc := range []struct {
			spec  string
			cases []signCase
		}{
			// RSA: PSS and PKCS #1 v1.5, RAW and DIGEST, across the sizes
			// (boto3 runs every combination).
			{"RSA_2048", []signCase{{"RSASSA_PSS_SHA_256", "RAW"}, {"RSASSA_PKCS1_V1_5_SHA_256", "DIGEST"}}},
			{"RSA_3072", []signCase{{"RSASSA_PKCS1_V1_5_SHA_384", "RAW"}}},
			{"RSA_4096", []signCase{{"RSASSA_PSS_SHA_512", "DIGEST"}}},
			{"ECC_NIST_P256", []signCase{{"ECDSA_SHA_256", "RAW"}, {"ECDSA_SHA_256", "DIGEST"}}},
			{"ECC_NIST_P384", []signCase{{"ECDSA_SHA_384", "RAW"}, {"ECDSA_SHA_384", "DIGEST"}}},
			{"ECC_NIST_P521", []signCase{{"ECDSA_SHA_512", "RAW"}, {"ECDSA_SHA_512", "DIGEST"}}},
			{"ECC_SECG_P256K1", []signCase{{"ECDSA_SHA_256", "RAW"}, {"ECDSA_SHA_256", "DIGEST"}}},
		} {
			keyID, arn := c.createKey(tc.spec, "SIGN_VERIFY")
			spki := c.publicKey(arn)
			for i, sc := range tc.cases {
				raw := []byte("invoice 42, signed with " + tc.spec + " " + sc.alg)
				_, newHash := kmsE2EHash(sc.alg)
				h := newHash()
				h.Write(raw)
				digest := h.Sum(nil)
				message := raw
				if sc.messageType == "DIGEST" {
					message = digest
				}
				out := c.must("sign", "--key-id", keyID, "--message", c.blob(message), "--message-type", sc.messageType,
					"--signing-algorithm", sc.alg)
				if got := kmsE2EString(t, out, "KeyId"); got != arn {
					t.Fatalf("sign answered KeyId %s, want %s", got, arn)
				}
				sig := kmsE2EBytes(t, out, "Signature")
				ok := c.must("verify", "--key-id", arn, "--message", c.blob(message), "--message-type", sc.messageType,
					"--signing-algorithm", sc.alg, "--signature", c.blob(sig))
				if ok["SignatureValid"] != true {
					t.Fatalf("%s %s %s: verify = %v", tc.spec, sc.alg, sc.messageType, ok)
				}
				if err := kmsE2EVerifyLocally(spki, tc.spec, sc.alg, digest, sig); err != nil {
					t.Fatalf("%s %s %s: Go's crypto rejects the signature: %v", tc.spec, sc.alg, sc.messageType, err)
				}
				changed := append([]byte(nil), message...)
				changed[0] ^= 1
				if i == 0 && (tc.spec == "RSA_2048" || tc.spec == "ECC_SECG_P256K1") {
					c.fails("KMSInvalidSignatureException", "verify", "--key-id", arn, "--message", c.blob(changed),
						"--message-type", sc.messageType, "--signing-algorithm", sc.alg, "--signature", c.blob(sig))
				}
				var changedDigest []byte
				if sc.messageType == "DIGEST" {
					changedDigest = changed
				} else {
					h := newHash()
					h.Write(changed)
					changedDigest = h.Sum(nil)
				}
				if kmsE2EVerifyLocally(spki, tc.spec, sc.alg, changedDigest, sig) == nil {
					t.Fatalf("%s %s: a changed message verifies locally", tc.spec, sc.alg)
				}
			}
		}
	})

	t.Run("hmac", func(t *testing.T) {
		c := cli(t)
		for _, spec := range []string{"HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"} {
			keyID, arn := c.createKey(spec, "GENERATE_VERIFY_MAC")
			alg := "HMAC_SHA_" + strings.TrimPrefix(spec, "HMAC_")
			msg := c.blob([]byte("webhook body for " + spec))
			out := c.must("generate-mac", "--key-id", keyID, "--message", msg, "--mac-algorithm", alg)
			mac := kmsE2EBytes(t, out, "Mac")
			var bits int
			fmt.Sscanf(strings.TrimPrefix(spec, "HMAC_"), "%d", &bits)
			if len(mac) != bits/8 || kmsE2EString(t, out, "KeyId") != arn {
				t.Fatalf("%s: %d-byte MAC, KeyId %s", spec, len(mac), kmsE2EString(t, out, "KeyId"))
			}
			ok := c.must("verify-mac", "--key-id", arn, "--message", msg, "--mac-algorithm", alg, "--mac", c.blob(mac))
			if ok["MacValid"] != true {
				t.Fatalf("%s: verify-mac = %v", spec, ok)
			}
			if spec != "HMAC_384" {
				continue
			}
			c.fails("KMSInvalidMacException", "verify-mac", "--key-id", arn, "--message", c.blob([]byte("another body")),
				"--mac-algorithm", alg, "--mac", c.blob(mac))
		}
	})
}

// kmsE2EBoto3Checks lists the checks testdata/kms_boto3.py must report,
// all "ok": every key spec with every algorithm it supports. withLocal
// adds the checks that need Python's cryptography package.
func kmsE2EBoto3Checks(withLocal bool) []string {
	names := []string{
		"symmetric/encrypt-decrypt-with-context", "symmetric/plaintext-limit", "symmetric/re-encrypt",
		"symmetric/generate-data-key", "symmetric/generate-data-key-without-plaintext", "symmetric/generate-random",
	}
	rsaSpecs := []string{"RSA_2048", "RSA_3072", "RSA_4096"}
	for _, spec := range rsaSpecs {
		names = append(names, "rsa-encrypt/"+spec+"/public-key")
		for _, alg := range []string{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"} {
			names = append(names, "rsa-encrypt/"+spec+"/"+alg)
			if withLocal {
				names = append(names, "rsa-encrypt/"+spec+"/"+alg+"/local-encrypt")
			}
		}
	}
	signing := map[string][]string{
		"ECC_NIST_P256": {"ECDSA_SHA_256"}, "ECC_NIST_P384": {"ECDSA_SHA_384"},
		"ECC_NIST_P521": {"ECDSA_SHA_512"}, "ECC_SECG_P256K1": {"ECDSA_SHA_256"},
	}
	for _, spec := range rsaSpecs {
		for _, pad := range []string{"RSASSA_PSS", "RSASSA_PKCS1_V1_5"} {
			for _, h := range []string{"SHA_256", "SHA_384", "SHA_512"} {
				signing[spec] = append(signing[spec], pad+"_"+h)
			}
		}
	}
	for spec, algs := range signing {
		names = append(names, "sign/"+spec+"/public-key")
		for _, alg := range algs {
			names = append(names, "sign/"+spec+"/"+alg+"/RAW", "sign/"+spec+"/"+alg+"/DIGEST")
		}
	}
	for _, spec := range []string{"HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"} {
		names = append(names, "hmac/"+spec)
	}
	for _, spec := range []string{"RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1"} {
		names = append(names, "data-key-pair/"+spec)
		if withLocal && strings.HasPrefix(spec, "ECC_NIST") {
			names = append(names, "key-agreement/"+spec)
		}
	}
	sort.Strings(names)
	return names
}

// TestKMSBoto3RoundTrips runs testdata/kms_boto3.py against a gatehouse
// binary: boto3 round trips for every key spec and algorithm (see
// kmsE2EBoto3Checks), verified locally with Python's cryptography package
// when it is installed.
func TestKMSBoto3RoundTrips(t *testing.T) {
	kmsE2ERequire(t, "python3")
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("boto3 is required in CI: %v", err)
		}
		t.Skip("boto3 not installed")
	}
	data := t.TempDir()
	p := startServer(t, data)
	id, secret := rootKey(t, data)
	cmd := exec.Command("python3", filepath.Join("testdata", "kms_boto3.py"), p.url)
	cmd.Env = kmsE2EEnv(id, secret)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kms_boto3.py: %v\n%s\n%s\ngatehouse log:\n%s", err, out, stderr.String(), p.logs.String())
	}
	var res struct {
		Cryptography bool              `json:"cryptography"`
		Checks       map[string]string `json:"checks"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("kms_boto3.py output: %v\n%s", err, out)
	}
	if !res.Cryptography {
		t.Log("Python's cryptography package is not installed: public keys are not checked locally")
	}
	var failed []string
	for name, outcome := range res.Checks {
		if outcome != "ok" {
			failed = append(failed, name+": "+outcome)
		}
	}
	sort.Strings(failed)
	if len(failed) > 0 {
		t.Errorf("%d of %d boto3 checks failed:\n%s\n(tracebacks:\n%s)", len(failed), len(res.Checks), strings.Join(failed, "\n"), stderr.String())
	}
	want := kmsE2EBoto3Checks(res.Cryptography)
	var ran []string
	for name := range res.Checks {
		ran = append(ran, name)
	}
	sort.Strings(ran)
	if strings.Join(ran, "\n") != strings.Join(want, "\n") {
		t.Errorf("boto3 ran checks\n%s\nwant\n%s", strings.Join(ran, "\n"), strings.Join(want, "\n"))
	}
}
