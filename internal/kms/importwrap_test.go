package kms

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"testing"
	"time"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKWPVectors checks AES key wrap with padding against RFC 5649's
// section 6 examples.
func TestKWPVectors(t *testing.T) {
	kek := mustHex(t, "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8")
	for _, v := range []struct{ key, wrapped string }{
		{"c37b7e6492584340bed12207808941155068f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"},
		{"466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"},
	} {
		got, err := wrapKWP(kek, mustHex(t, v.key))
		if err != nil || hex.EncodeToString(got) != v.wrapped {
			t.Errorf("wrap %s = %x, %v", v.key, got, err)
		}
		pt, err := unwrapKWP(kek, mustHex(t, v.wrapped))
		if err != nil || hex.EncodeToString(pt) != v.key {
			t.Errorf("unwrap %s = %x, %v", v.wrapped, pt, err)
		}
		bad := mustHex(t, v.wrapped)
		bad[len(bad)-1] ^= 1
		if _, err := unwrapKWP(kek, bad); err == nil {
			t.Errorf("tampered wrap of %s accepted", v.key)
		}
	}
}

func FuzzUnwrapKWP(f *testing.F) {
	kek := bytes.Repeat([]byte{1}, 32)
	for _, n := range []int{1, 8, 9, 32, 100} {
		w, err := wrapKWP(kek, bytes.Repeat([]byte{0xab}, n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(w)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, wrapped []byte) {
		pt, err := unwrapKWP(kek, wrapped)
		if err != nil {
			return
		}
		again, err := wrapKWP(kek, pt)
		if err != nil || !bytes.Equal(again, wrapped) {
			t.Fatalf("unwrap accepted %x that does not re-wrap to itself", wrapped)
		}
	})
}

func TestImportParametersAndUnwrap(t *testing.T) {
	s := cryptoTestStore(t)
	now := time.Now()
	k := &Key{ID: "imp", AccountID: "123456789012", Region: "us-east-1", KeySpec: "SYMMETRIC_DEFAULT", Origin: "EXTERNAL", State: StatePendingImport}
	material := bytes.Repeat([]byte{0x42}, 32)
	for _, alg := range []string{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"} {
		p, pubDER, token, err := NewImportParameters(s, k, alg, "RSA_2048", now)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := x509.ParsePKIXPublicKey(pubDER)
		if err != nil {
			t.Fatal(err)
		}
		enc := importTestWrap(t, pub.(*rsa.PublicKey), alg, material)
		raw, err := s.UnwrapImportedMaterial(k, p, token, enc, now)
		if err != nil || !bytes.Equal(raw, material) {
			t.Fatalf("%s: %x %v", alg, raw, err)
		}
		if _, err := s.UnwrapImportedMaterial(k, p, []byte("other token"), enc, now); !errors.Is(err, ErrInvalidImportToken) {
			t.Errorf("%s wrong token: %v", alg, err)
		}
		if _, err := s.UnwrapImportedMaterial(k, p, token, enc, now.Add(25*time.Hour)); !errors.Is(err, ErrExpiredImportToken) {
			t.Errorf("%s expired: %v", alg, err)
		}
		short := importTestWrap(t, pub.(*rsa.PublicKey), alg, material[:16])
		if _, err := s.UnwrapImportedMaterial(k, p, token, short, now); !errors.Is(err, ErrIncorrectKeyMaterial) {
			t.Errorf("%s 128-bit material: %v", alg, err)
		}
	}
	if ImportedMaterialID("a", material) != ImportedMaterialID("a", material) || ImportedMaterialID("a", material) == ImportedMaterialID("b", material) {
		t.Error("ImportedMaterialID is not a function of key id and material")
	}
}

// importTestWrap wraps material as a client following AWS's instructions
// does.
func importTestWrap(t testing.TB, pub *rsa.PublicKey, alg string, material []byte) []byte {
	t.Helper()
	newHash, aesWrap, _ := importWrapHash(alg)
	if !aesWrap {
		out, err := rsa.EncryptOAEP(newHash(), rand.Reader, pub, material, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	kek := make([]byte, 32)
	rand.Read(kek)
	head, err := rsa.EncryptOAEP(newHash(), rand.Reader, pub, kek, nil)
	if err != nil {
		t.Fatal(err)
	}
	tail, err := wrapKWP(kek, material)
	if err != nil {
		t.Fatal(err)
	}
	return append(head, tail...)
}
