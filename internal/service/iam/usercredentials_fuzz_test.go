package iam

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// fuzzRSAKey is a 2048-bit RSA public key in OpenSSH form (the first of
// the external tests' testSSHKeys).
const fuzzRSAKey = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDYG6Tk6DoUgNPBL2d2lYUelvSAZa+HacQUWW+Mrqhvy6Vhh8VR3czmSAIOjMSkLGuP4w2fq3ko6rGuq1XckXnHRAVsyarkgTCcv+Bs3B4f9dU8I3pXoxaTUzolnkHUzhbqL11gh0T1jjUcJTweIbwicWwfLIkQKg/LvVcKRYNJTaHhB7nfoERh+34NOE05jWL8a5eODd9fPxKHSWPxqF+J1NKL83jpdVFoOw2ugfrchyYzB9ogKgSKlJdriaZ35mLBd15MLQo4MaAb5rbls75VcP6bAiiKQcJAU/RmNOhgYlq0XvR5AfrfWDfEpRQJlAvgZQFMiXh2VdN2kA7Su/Op"

// FuzzParseSSHPublicKey: the parser never panics, refuses input only with
// InvalidPublicKey or UnrecognizedPublicKeyEncoding, and what it accepts is
// an RSA key of an allowed size whose SSH and PEM encodings parse back to
// the same key and fingerprint.
func FuzzParseSSHPublicKey(f *testing.F) {
	key, perr := parseSSHPublicKey(fuzzRSAKey)
	if perr != nil {
		f.Fatalf("seed key: %v", perr)
	}
	pemBody, err := key.pemText()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fuzzRSAKey + " comment with spaces\n")
	f.Add(pemBody)
	f.Add(strings.Replace(pemBody, "PUBLIC KEY", "RSA PUBLIC KEY", 2))
	f.Add("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl")
	f.Add("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQ")
	f.Add("ssh-rsa")
	f.Add("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, body string) {
		k, perr := parseSSHPublicKey(body)
		if perr != nil {
			if perr.Code != "InvalidPublicKey" && perr.Code != "UnrecognizedPublicKeyEncoding" {
				t.Fatalf("error code %s", perr.Code)
			}
			return
		}
		if bits := k.rsa.N.BitLen(); bits < minSSHKeyBits || bits > maxSSHKeyBits || k.wire.Type() != ssh.KeyAlgoRSA {
			t.Fatalf("accepted a %s key of %d bits", k.wire.Type(), bits)
		}
		fp := k.fingerprint()
		if len(fp) != 47 {
			t.Fatalf("fingerprint %q", fp)
		}
		again, perr := parseSSHPublicKey(k.sshText())
		if perr != nil || again.fingerprint() != fp {
			t.Fatalf("SSH encoding does not round-trip: %v", perr)
		}
		p, err := k.pemText()
		if err != nil {
			t.Fatal(err)
		}
		if again, perr = parseSSHPublicKey(p); perr != nil || again.fingerprint() != fp {
			t.Fatalf("PEM encoding does not round-trip: %v", perr)
		}
	})
}

// FuzzParseSigningCertificate: the parser never panics, refuses input only
// with MalformedCertificate or InvalidCertificate, and accepts only one
// certificate that is valid at the given time.
func FuzzParseSigningCertificate(f *testing.F) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Add(fuzzCertificate(f, now.Add(-time.Hour), now.Add(time.Hour)))
	f.Add(fuzzCertificate(f, now.Add(-48*time.Hour), now.Add(-time.Hour)))
	f.Add(fuzzCertificate(f, now.Add(-time.Hour), now.Add(time.Hour)) + fuzzCertificate(f, now.Add(-time.Hour), now.Add(time.Hour)))
	f.Add("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	f.Add("not a certificate")
	f.Add("")
	f.Fuzz(func(t *testing.T, body string) {
		cert, perr := parseSigningCertificate(body, now)
		if perr != nil {
			if perr.Code != "MalformedCertificate" && perr.Code != "InvalidCertificate" {
				t.Fatalf("error code %s", perr.Code)
			}
			return
		}
		if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
			t.Fatalf("accepted a certificate valid %s to %s", cert.NotBefore, cert.NotAfter)
		}
		if der := certificateDER(body); string(der) != string(cert.Raw) {
			t.Fatal("certificateDER disagrees with the parser")
		}
	})
}

func fuzzCertificate(tb testing.TB, notBefore, notAfter time.Time) string {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fuzz"}, NotBefore: notBefore, NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
