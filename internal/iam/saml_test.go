package iam_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/keyring"
)

// testCertificate returns a self-signed certificate (DER) with an ECDSA key.
func testCertificate(t testing.TB, cn string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// metadataDoc builds an IdP metadata document; keys are (use, DER) pairs.
func metadataDoc(entityValidUntil string, keys ...any) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml"`)
	if entityValidUntil != "" {
		b.WriteString(` validUntil="` + entityValidUntil + `"`)
	}
	b.WriteString(`>
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
`)
	for i := 0; i+1 < len(keys); i += 2 {
		use := keys[i].(string)
		b.WriteString(`    <md:KeyDescriptor`)
		if use != "" {
			b.WriteString(` use="` + use + `"`)
		}
		b.WriteString(`>
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>
`)
		enc := base64.StdEncoding.EncodeToString(keys[i+1].([]byte))
		for len(enc) > 64 {
			b.WriteString(enc[:64] + "\n")
			enc = enc[64:]
		}
		b.WriteString(enc + `
      </ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
`)
	}
	b.WriteString(`    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`)
	return b.String()
}

func TestParseSAMLMetadata(t *testing.T) {
	signing := testCertificate(t, "signing")
	both := testCertificate(t, "both")
	encryption := testCertificate(t, "encryption")
	doc := metadataDoc("2031-05-01T10:00:00Z", "signing", signing, "encryption", encryption, "", both)
	md, err := iam.ParseSAMLMetadata([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if md.EntityID != "https://idp.example.com/saml" {
		t.Errorf("EntityID = %q", md.EntityID)
	}
	if want := time.Date(2031, 5, 1, 10, 0, 0, 0, time.UTC); !md.ValidUntil.Equal(want) {
		t.Errorf("ValidUntil = %v, want %v", md.ValidUntil, want)
	}
	var names []string
	for _, c := range md.SigningCertificates {
		names = append(names, c.Subject.CommonName)
	}
	if strings.Join(names, ",") != "signing,both" {
		t.Errorf("signing certificates = %v, want signing,both", names)
	}

	p := &iam.SAMLProvider{ARN: "arn:aws:iam::111122223333:saml-provider/Okta", Metadata: doc}
	certs, err := p.SigningCertificates()
	if err != nil || len(certs) != 2 || certs[0].Subject.CommonName != "signing" {
		t.Fatalf("SigningCertificates = %v, %v", certs, err)
	}
}

func TestParseSAMLMetadataValidUntil(t *testing.T) {
	cert := testCertificate(t, "idp")
	md, err := iam.ParseSAMLMetadata([]byte(metadataDoc("", "signing", cert)))
	if err != nil {
		t.Fatal(err)
	}
	if !md.ValidUntil.IsZero() {
		t.Errorf("ValidUntil = %v, want zero when the document states none", md.ValidUntil)
	}
	// The earlier of the EntityDescriptor's and the IDPSSODescriptor's.
	doc := strings.Replace(metadataDoc("2040-01-01T00:00:00Z", "signing", cert),
		`<md:IDPSSODescriptor `, `<md:IDPSSODescriptor validUntil="2035-06-30T12:00:00" `, 1)
	md, err = iam.ParseSAMLMetadata([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2035, 6, 30, 12, 0, 0, 0, time.UTC); !md.ValidUntil.Equal(want) {
		t.Errorf("ValidUntil = %v, want %v", md.ValidUntil, want)
	}
}

func TestParseSAMLMetadataRefuses(t *testing.T) {
	cert := testCertificate(t, "idp")
	good := metadataDoc("", "signing", cert)
	cases := map[string]struct {
		doc    string
		reason string
	}{
		"empty":          {"", "no root element"},
		"not xml":        {"this is not metadata", "no root element"},
		"truncated":      {good[:len(good)/2], "not well-formed"},
		"wrong root":     {`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>`, "root element must be an EntityDescriptor"},
		"no namespace":   {strings.ReplaceAll(good, `xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"`, `xmlns:md="urn:example"`), "root element must be an EntityDescriptor"},
		"no entity id":   {strings.Replace(good, `entityID="https://idp.example.com/saml"`, "", 1), "no entityID"},
		"no idp":         {`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><SPSSODescriptor/></EntityDescriptor>`, "no IDPSSODescriptor"},
		"saml 1.1 only":  {strings.Replace(good, "urn:oasis:names:tc:SAML:2.0:protocol", "urn:oasis:names:tc:SAML:1.1:protocol", 1), "no IDPSSODescriptor"},
		"no signing key": {metadataDoc("", "encryption", cert), "no signing X509Certificate"},
		"bad base64":     {strings.Replace(metadataDoc("", "signing", cert), "<ds:X509Certificate>", "<ds:X509Certificate>!!!", 1), "not valid base64"},
		"not a cert":     {metadataDoc("", "signing", []byte("not DER")), "not a valid certificate"},
		"bad date":       {metadataDoc("next tuesday", "signing", cert), "not an xs:dateTime"},
		"two roots":      {good + "<md:EntityDescriptor/>", "more than one root"},
		"trailing text":  {good + "junk", "text after its root"},
		"latin-1":        {strings.Replace(good, `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1), "unsupported encoding"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := iam.ParseSAMLMetadata([]byte(tc.doc))
			var me *iam.SAMLMetadataError
			if !errors.As(err, &me) {
				t.Fatalf("err = %v, want a SAMLMetadataError", err)
			}
			if !strings.Contains(me.Reason, tc.reason) {
				t.Errorf("reason = %q, want it to mention %q", me.Reason, tc.reason)
			}
		})
	}
}

func TestParsePrivateKeyPEM(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	ecDER, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	sec1 := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})
	good := map[string][]byte{
		"pkcs1":          pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}),
		"pkcs8 rsa":      pkcs8(rsaKey),
		"pkcs8 ecdsa":    pkcs8(ecKey),
		"pkcs8 ed25519":  pkcs8(edKey),
		"sec1":           sec1,
		"sec1 with para": append(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 5, 43, 129, 4, 0, 34}}), sec1...),
	}
	for name, text := range good {
		if _, err := iam.ParsePrivateKeyPEM(text); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := map[string][]byte{
		"empty":       nil,
		"not pem":     []byte("hello"),
		"certificate": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: testCertificate(t, "x")}),
		"encrypted":   pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}),
		"two keys":    append(pkcs8(rsaKey), pkcs8(ecKey)...),
		"garbage der": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}),
	}
	for name, text := range bad {
		if _, err := iam.ParsePrivateKeyPEM(text); !errors.Is(err, iam.ErrPrivateKey) {
			t.Errorf("%s: err = %v, want ErrPrivateKey", name, err)
		}
	}
}

func TestSAMLDecryptionKeys(t *testing.T) {
	kr, err := keyring.New(make32(7))
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	text := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	sealed, err := kr.Seal(iam.SAMLKeySealPurpose, text, []byte("KEYID0000000000000000001"))
	if err != nil {
		t.Fatal(err)
	}
	p := &iam.SAMLProvider{ARN: "arn:aws:iam::111122223333:saml-provider/Okta",
		PrivateKeys: []iam.SAMLPrivateKey{{ID: "KEYID0000000000000000001", PEMSealed: sealed}}}
	keys, err := p.DecryptionKeys(kr)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || !key.PublicKey.Equal(keys[0].Public()) {
		t.Fatalf("DecryptionKeys returned %v", keys)
	}
	// A blob moved to another key id does not open.
	p.PrivateKeys[0].ID = "KEYID0000000000000000002"
	if _, err := p.DecryptionKeys(kr); err == nil {
		t.Fatal("a sealed key opened under another key id")
	}
}

func make32(b byte) []byte {
	out := make([]byte, 32)
	for i := range out {
		out[i] = b + byte(i)
	}
	return out
}

func FuzzParseSAMLMetadata(f *testing.F) {
	cert := testCertificate(f, "idp")
	f.Add([]byte(metadataDoc("2031-05-01T10:00:00Z", "signing", cert)))
	f.Add([]byte(metadataDoc("", "", cert, "encryption", cert)))
	f.Add([]byte(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`))
	f.Add([]byte(`<?xml version="1.0" encoding="UTF-16"?><a/>`))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, doc []byte) {
		md, err := iam.ParseSAMLMetadata(doc)
		if err != nil {
			var me *iam.SAMLMetadataError
			if !errors.As(err, &me) || me.Reason == "" {
				t.Fatalf("error %v is not a SAMLMetadataError with a reason", err)
			}
			return
		}
		if md.EntityID == "" || len(md.SigningCertificates) == 0 {
			t.Fatalf("accepted metadata without an entity id or signing certificate: %+v", md)
		}
		again, err := iam.ParseSAMLMetadata(doc)
		if err != nil || again.EntityID != md.EntityID || len(again.SigningCertificates) != len(md.SigningCertificates) {
			t.Fatalf("second parse differs: %+v, %v", again, err)
		}
	})
}

func FuzzParsePrivateKeyPEM(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	ecDER, _ := x509.MarshalECPrivateKey(key)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		k, err := iam.ParsePrivateKeyPEM(text)
		if err != nil {
			if !errors.Is(err, iam.ErrPrivateKey) {
				t.Fatalf("error %v does not wrap ErrPrivateKey", err)
			}
			return
		}
		if k == nil || k.Public() == nil {
			t.Fatal("nil key without an error")
		}
	})
}
