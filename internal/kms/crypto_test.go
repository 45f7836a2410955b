package kms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// cryptoTestStore returns a Store over a fresh SQLite store.
func cryptoTestStore(t testing.TB) *Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	root := bytes.Repeat([]byte{7}, keyring.RootKeySize)
	kr, err := keyring.New(root)
	if err != nil {
		t.Fatal(err)
	}
	return New(st, kr)
}

// cryptoTestKey makes an enabled key of spec with one material version.
func cryptoTestKey(t testing.TB, s *Store, id, spec, usage string) *Key {
	t.Helper()
	k := &Key{ID: id, AccountID: "123456789012", Region: "us-east-1", KeySpec: spec, KeyUsage: usage,
		Origin: "AWS_KMS", State: StateEnabled, CreatedAt: time.Now()}
	m, err := NewMaterial(s, k, time.Now())
	if err != nil {
		t.Fatalf("NewMaterial(%s): %v", spec, err)
	}
	k.Materials = []Material{m}
	return k
}

func TestMaterialSealedAndBound(t *testing.T) {
	s := cryptoTestStore(t)
	k := cryptoTestKey(t, s, "k1", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
	m := k.Materials[0]
	if len(m.ID) != 64 || m.State != MaterialCurrent {
		t.Fatalf("material id %q state %q", m.ID, m.State)
	}
	raw, err := s.MaterialBytes(k, m.ID)
	if err != nil || len(raw) != 32 {
		t.Fatalf("MaterialBytes: %d bytes, %v", len(raw), err)
	}
	if bytes.Contains(m.Sealed, raw) {
		t.Fatal("sealed material contains the key in the clear")
	}
	// The sealed blob is bound to its key: copied into another key it
	// does not open.
	other := &Key{ID: "k2", AccountID: k.AccountID, Region: k.Region, KeySpec: k.KeySpec, Materials: []Material{m}}
	if _, err := s.MaterialBytes(other, m.ID); err == nil {
		t.Fatal("material opened under another key's ARN")
	}
	if _, err := s.MaterialBytes(k, "00"); !errors.Is(err, ErrMaterialNotFound) {
		t.Fatalf("unknown material id: %v", err)
	}
}

func TestNewMaterialSpecs(t *testing.T) {
	s := cryptoTestStore(t)
	sizes := map[string]int{"HMAC_224": 28, "HMAC_256": 32, "HMAC_384": 48, "HMAC_512": 64}
	for spec, n := range sizes {
		k := cryptoTestKey(t, s, "h"+spec, spec, "GENERATE_VERIFY_MAC")
		raw, err := s.MaterialBytes(k, k.Materials[0].ID)
		if err != nil || len(raw) != n {
			t.Errorf("%s: %d bytes, %v", spec, len(raw), err)
		}
	}
	for _, spec := range []string{"SM2", "ML_DSA_44"} {
		k := &Key{ID: "x", AccountID: "123456789012", Region: "us-east-1", KeySpec: spec}
		if _, err := NewMaterial(s, k, time.Now()); !errors.Is(err, ErrUnsupportedKeySpec) {
			t.Errorf("%s: %v", spec, err)
		}
	}
	if KeySpecSupported("SM2") || !KeySpecSupported("ECC_SECG_P256K1") || KeySpecSupported("NOPE") {
		t.Error("KeySpecSupported")
	}
	usages, enc, sig, _, agr, ok := KeySpecInfo("ECC_NIST_P384")
	if !ok || len(usages) != 2 || enc != nil || len(sig) != 1 || sig[0] != "ECDSA_SHA_384" || len(agr) != 1 {
		t.Errorf("KeySpecInfo(ECC_NIST_P384) = %v %v %v %v %v", usages, enc, sig, agr, ok)
	}
	if KeySpecAllowsUsage("ECC_SECG_P256K1", "KEY_AGREEMENT") || !KeySpecAllowsUsage("RSA_2048", "ENCRYPT_DECRYPT") {
		t.Error("KeySpecAllowsUsage")
	}
}

func TestSymmetricRoundTripAndContext(t *testing.T) {
	s := cryptoTestStore(t)
	k := cryptoTestKey(t, s, "1234abcd-12ab-34cd-56ef-1234567890ab", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
	ctx := map[string]string{"purpose": "test", "a": "b"}
	pt := []byte("attack at dawn")
	blob, err := s.EncryptSymmetric(k, pt, ctx)
	if err != nil {
		t.Fatal(err)
	}
	h, err := ParseCiphertext(blob)
	if err != nil || h.Key() != (KeyRef{k.AccountID, k.Region, k.ID}) || h.MaterialID != k.Materials[0].ID {
		t.Fatalf("header %+v, %v", h, err)
	}
	got, err := s.DecryptSymmetric(k, h, blob, map[string]string{"a": "b", "purpose": "test"})
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("decrypt: %q, %v", got, err)
	}
	for name, other := range map[string]map[string]string{
		"missing pair":   {"purpose": "test"},
		"extra pair":     {"purpose": "test", "a": "b", "c": "d"},
		"other value":    {"purpose": "test", "a": "B"},
		"empty":          nil,
		"shifted bounds": {"purpose": "test", "ab": ""},
	} {
		if _, err := s.DecryptSymmetric(k, h, blob, other); !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Every single-bit change of the blob is detected (by the parser or
	// by GCM).
	for i := range blob {
		bad := bytes.Clone(blob)
		bad[i] ^= 0x01
		hb, err := ParseCiphertext(bad)
		if err != nil {
			continue
		}
		kb := k
		if hb.KeyID != k.ID || hb.Region != k.Region || hb.Account != k.AccountID {
			continue // names another key: the API answers IncorrectKey/NotFound
		}
		if _, err := s.DecryptSymmetric(kb, hb, bad, ctx); err == nil {
			t.Fatalf("flipped bit in byte %d went unnoticed", i)
		}
	}
	// An empty context and a nil one are the same.
	blob2, _ := s.EncryptSymmetric(k, pt, map[string]string{})
	h2, _ := ParseCiphertext(blob2)
	if _, err := s.DecryptSymmetric(k, h2, blob2, nil); err != nil {
		t.Fatalf("empty vs nil context: %v", err)
	}
}

func TestSymmetricOldMaterialAfterRotation(t *testing.T) {
	s := cryptoTestStore(t)
	k := cryptoTestKey(t, s, "rot", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
	old, err := s.EncryptSymmetric(k, []byte("old"), nil)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := NewMaterial(s, k, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rotated := *k
	rotated.Materials = []Material{k.Materials[0], m2}
	rotated.Materials[0].State = MaterialNonCurrent
	newBlob, err := s.EncryptSymmetric(&rotated, []byte("new"), nil)
	if err != nil {
		t.Fatal(err)
	}
	hn, _ := ParseCiphertext(newBlob)
	if hn.MaterialID != m2.ID {
		t.Fatal("new ciphertext not under the current material")
	}
	ho, _ := ParseCiphertext(old)
	if got, err := s.DecryptSymmetric(&rotated, ho, old, nil); err != nil || string(got) != "old" {
		t.Fatalf("old ciphertext after rotation: %q %v", got, err)
	}
}

func TestAsymmetricOperations(t *testing.T) {
	s := cryptoTestStore(t)
	msg := []byte("message to sign")
	for _, tc := range []struct{ spec, alg string }{
		{"RSA_2048", "RSASSA_PSS_SHA_256"}, {"RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512"},
		{"ECC_NIST_P256", "ECDSA_SHA_256"}, {"ECC_NIST_P521", "ECDSA_SHA_512"},
		{"ECC_SECG_P256K1", "ECDSA_SHA_256"}, {"ECC_NIST_EDWARDS25519", "ED25519_SHA_512"},
		{"ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512"},
	} {
		k := cryptoTestKey(t, s, "s-"+tc.spec, tc.spec, "SIGN_VERIFY")
		sig, err := s.Sign(k, tc.alg, msg, false)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.spec, tc.alg, err)
		}
		if ok, err := s.Verify(k, tc.alg, msg, false, sig); !ok || err != nil {
			t.Errorf("%s %s: own signature rejected: %v", tc.spec, tc.alg, err)
		}
		if ok, _ := s.Verify(k, tc.alg, []byte("other message"), false, sig); ok {
			t.Errorf("%s %s: signature valid for another message", tc.spec, tc.alg)
		}
		pub, err := s.PublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		if tc.spec == "ECC_SECG_P256K1" {
			if _, err := ParseSecp256k1PublicKey(pub); err != nil {
				t.Errorf("secp256k1 public key: %v", err)
			}
		} else if _, err := x509.ParsePKIXPublicKey(pub); err != nil {
			t.Errorf("%s public key: %v", tc.spec, err)
		}
	}
	k := cryptoTestKey(t, s, "p256", "ECC_NIST_P256", "SIGN_VERIFY")
	if _, err := s.Sign(k, "ECDSA_SHA_256", []byte("short"), true); !errors.Is(err, ErrDigestLength) {
		t.Errorf("short digest: %v", err)
	}
	if _, err := s.Sign(k, "ECDSA_SHA_384", msg, false); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Errorf("wrong curve algorithm: %v", err)
	}

	r := cryptoTestKey(t, s, "rsa-enc", "RSA_2048", "ENCRYPT_DECRYPT")
	for alg, max := range map[string]int{"RSAES_OAEP_SHA_1": 214, "RSAES_OAEP_SHA_256": 190} {
		ct, err := s.RSAEncrypt(r, alg, make([]byte, max))
		if err != nil {
			t.Fatalf("%s at the limit: %v", alg, err)
		}
		if pt, err := s.RSADecrypt(r, alg, ct); err != nil || len(pt) != max {
			t.Fatalf("%s round trip: %d %v", alg, len(pt), err)
		}
		if _, err := s.RSAEncrypt(r, alg, make([]byte, max+1)); !errors.Is(err, ErrPlaintextTooLong) {
			t.Errorf("%s over the limit: %v", alg, err)
		}
	}
}

func TestGenerateKeyPairEncodings(t *testing.T) {
	for _, spec := range []string{"RSA_2048", "ECC_NIST_P384", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519"} {
		priv, pub, err := GenerateKeyPair(spec)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if spec == "ECC_SECG_P256K1" {
			p, err := parseSecp256k1PKCS8(priv)
			if err != nil {
				t.Fatal(err)
			}
			q, err := ParseSecp256k1PublicKey(pub)
			if err != nil || !q.IsEqual(p.PubKey()) {
				t.Fatalf("secp256k1 pair mismatch: %v", err)
			}
			continue
		}
		p, err := x509.ParsePKCS8PrivateKey(priv)
		if err != nil {
			t.Fatalf("%s private key: %v", spec, err)
		}
		q, err := x509.ParsePKIXPublicKey(pub)
		if err != nil {
			t.Fatalf("%s public key: %v", spec, err)
		}
		var want any
		switch p := p.(type) {
		case *rsa.PrivateKey:
			want = &p.PublicKey
		case *ecdsa.PrivateKey:
			want = &p.PublicKey
		case ed25519.PrivateKey:
			want = p.Public()
		}
		if !want.(interface{ Equal(crypto.PublicKey) bool }).Equal(q) {
			t.Errorf("%s: public key does not match the private key", spec)
		}
	}
	if _, _, err := GenerateKeyPair("SM2"); !errors.Is(err, ErrUnsupportedKeySpec) {
		t.Errorf("SM2: %v", err)
	}
}

func TestHMAC(t *testing.T) {
	s := cryptoTestStore(t)
	k := cryptoTestKey(t, s, "mac", "HMAC_384", "GENERATE_VERIFY_MAC")
	mac, err := s.GenerateMac(k, "HMAC_SHA_384", []byte("m"))
	if err != nil || len(mac) != 48 {
		t.Fatalf("mac %d bytes, %v", len(mac), err)
	}
	if ok, _ := s.VerifyMac(k, "HMAC_SHA_384", []byte("m"), mac); !ok {
		t.Error("own MAC rejected")
	}
	if ok, _ := s.VerifyMac(k, "HMAC_SHA_384", []byte("n"), mac); ok {
		t.Error("MAC valid for another message")
	}
	if _, err := s.GenerateMac(k, "HMAC_SHA_256", []byte("m")); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Errorf("mismatched algorithm: %v", err)
	}
}

func FuzzParseCiphertext(f *testing.F) {
	s := cryptoTestStore(f)
	k := cryptoTestKey(f, s, "1234abcd-12ab-34cd-56ef-1234567890ab", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
	good, err := s.EncryptSymmetric(k, []byte("seed"), map[string]string{"k": "v"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add(append([]byte{1}, bytes.Repeat([]byte{'1'}, 80)...))
	f.Fuzz(func(t *testing.T, blob []byte) {
		h, err := ParseCiphertext(blob)
		if err != nil {
			return
		}
		if len(h.MaterialID) != 64 || h.Account == "" || h.Region == "" || h.KeyID == "" {
			t.Fatalf("accepted header %+v", h)
		}
		// Only the genuine blob decrypts.
		pt, err := s.DecryptSymmetric(k, h, blob, map[string]string{"k": "v"})
		if err == nil && !bytes.Equal(blob, good) {
			t.Fatalf("forged blob decrypted to %q", pt)
		}
	})
}

func FuzzParseSecp256k1(f *testing.F) {
	priv, pub, err := GenerateKeyPair("ECC_SECG_P256K1")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(priv)
	f.Add(pub)
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		if p, err := parseSecp256k1PKCS8(der); err == nil && p.Key.IsZero() {
			t.Fatal("zero private key accepted")
		}
		if q, err := ParseSecp256k1PublicKey(der); err == nil && !q.IsOnCurve() {
			t.Fatal("point off the curve accepted")
		}
	})
}

func BenchmarkEncryptSymmetric256(b *testing.B) {
	s := cryptoTestStore(b)
	k := cryptoTestKey(b, s, "1234abcd-12ab-34cd-56ef-1234567890ab", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
	pt := make([]byte, 256)
	ctx := map[string]string{"tenant": "acme", "purpose": "bench"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.EncryptSymmetric(k, pt, ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecryptSymmetric256(b *testing.B) {
	s := cryptoTestStore(b)
	k := cryptoTestKey(b, s, "1234abcd-12ab-34cd-56ef-1234567890ab", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
	ctx := map[string]string{"tenant": "acme", "purpose": "bench"}
	blob, err := s.EncryptSymmetric(k, make([]byte, 256), ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h, err := ParseCiphertext(blob)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.DecryptSymmetric(k, h, blob, ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
