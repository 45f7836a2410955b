package iam

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

// selfSignedPEM returns a self-signed certificate and its PKCS #8 key, in PEM.
func selfSignedPEM(t testing.TB) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "site.example.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

func TestParseServerCertificate(t *testing.T) {
	cert, key := selfSignedPEM(t)
	other, otherKey := selfSignedPEM(t)
	if c, err := parseServerCertificate(cert, key, ""); err != nil || c.Subject.CommonName != "site.example.com" {
		t.Fatalf("parseServerCertificate = %v, %v", c, err)
	}
	// A self-signed certificate may be its own chain.
	if _, err := parseServerCertificate(cert, key, cert); err != nil {
		t.Errorf("self-signed certificate as its chain: %v", err)
	}
	cases := []struct {
		name, body, key, chain, code string
	}{
		{"empty body", "", key, "", "MalformedCertificate"},
		{"key as body", key, key, "", "MalformedCertificate"},
		{"body with headers", "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END CERTIFICATE-----\n", key, "", "MalformedCertificate"},
		{"body with trailing junk", cert + "junk", key, "", "MalformedCertificate"},
		{"certificate as key", cert, cert, "", "MalformedCertificate"},
		{"mismatched key", cert, otherKey, "", "KeyPairMismatch"},
		{"unrelated chain", cert, key, other, "MalformedCertificate"},
		{"chain with a key", cert, key, key, "MalformedCertificate"},
	}
	for _, tc := range cases {
		_, err := parseServerCertificate(tc.body, tc.key, tc.chain)
		if code := apiErrorCode(err); code != tc.code {
			t.Errorf("%s: error %v (code %q), want %s", tc.name, err, code, tc.code)
		}
	}
}

func FuzzParseServerCertificate(f *testing.F) {
	cert, key := selfSignedPEM(f)
	f.Add(cert, key, "")
	f.Add(cert, key, cert)
	f.Add(cert, key, cert+cert)
	f.Add("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", key, "")
	f.Add(cert, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", "")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, body, privateKey, chain string) {
		c, err := parseServerCertificate(body, privateKey, chain)
		if err != nil {
			switch code := apiErrorCode(err); code {
			case "MalformedCertificate", "KeyPairMismatch":
			default:
				t.Fatalf("error %v has code %q", err, code)
			}
			return
		}
		if c == nil || c.NotAfter.IsZero() {
			t.Fatal("accepted without a certificate")
		}
	})
}
