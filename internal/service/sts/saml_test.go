package sts_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	stssdk "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/gatehouse/gatehouse/internal/service/sts"
)

const samlEntityID = "https://idp.example.com/saml"

// samlIdP is a test SAML identity provider: a signing key and its
// self-signed certificate.
type samlIdP struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

func newSAMLIdP(t testing.TB) *samlIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp.example.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &samlIdP{key: key, cert: cert}
}

// metadata is the IdP's SAML metadata document.
func (idp *samlIdP) metadata() string {
	return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + samlEntityID + `">` +
		`<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
		`<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>` +
		base64.StdEncoding.EncodeToString(idp.cert.Raw) +
		`</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
		`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>` +
		`</md:IDPSSODescriptor></md:EntityDescriptor>`
}

// samlAssertion describes the response a test wants.
type samlAssertion struct {
	subject     string
	sessionName string // "" for no RoleSessionName attribute
	roles       []string
	expires     time.Time
	status      string // "" for Success
	signWhole   bool   // sign the Response rather than the Assertion
	after       func(doc *etree.Document)
}

// response builds, signs and base64-encodes a SAML response.
func (idp *samlIdP) response(t testing.TB, a samlAssertion) string {
	t.Helper()
	now := time.Now().UTC()
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
	if a.expires.IsZero() {
		a.expires = now.Add(5 * time.Minute)
	}
	status := a.status
	if status == "" {
		status = "urn:oasis:names:tc:SAML:2.0:status:Success"
	}
	var attrs strings.Builder
	attr := func(name string, vals ...string) {
		attrs.WriteString(`<saml:Attribute Name="` + name + `">`)
		for _, v := range vals {
			attrs.WriteString(`<saml:AttributeValue>` + v + `</saml:AttributeValue>`)
		}
		attrs.WriteString(`</saml:Attribute>`)
	}
	attr("https://aws.amazon.com/SAML/Attributes/Role", a.roles...)
	if a.sessionName != "" {
		attr("https://aws.amazon.com/SAML/Attributes/RoleSessionName", a.sessionName)
	}
	attr("https://aws.amazon.com/SAML/Attributes/PrincipalTag:Department", "Engineering")
	attr("urn:oid:0.9.2342.19200300.100.1.3", a.subject)
	doc := etree.NewDocument()
	err := doc.ReadFromString(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r` + randomHex(t, 8) + `" Version="2.0" IssueInstant="` + ts(now) + `" Destination="https://signin.aws.amazon.com/saml">` +
		`<saml:Issuer>` + samlEntityID + `</saml:Issuer>` +
		`<samlp:Status><samlp:StatusCode Value="` + status + `"/></samlp:Status>` +
		`<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a` + randomHex(t, 8) + `" Version="2.0" IssueInstant="` + ts(now) + `">` +
		`<saml:Issuer>` + samlEntityID + `</saml:Issuer>` +
		`<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">` + a.subject + `</saml:NameID>` +
		`<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="` + ts(a.expires) + `" Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation></saml:Subject>` +
		`<saml:Conditions NotBefore="` + ts(now.Add(-time.Minute)) + `" NotOnOrAfter="` + ts(a.expires) + `"><saml:AudienceRestriction><saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
		`<saml:AuthnStatement AuthnInstant="` + ts(now) + `"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
		`<saml:AttributeStatement>` + attrs.String() + `</saml:AttributeStatement>` +
		`</saml:Assertion></samlp:Response>`)
	if err != nil {
		t.Fatal(err)
	}
	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{idp.cert.Raw}, PrivateKey: idp.key}))
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	root := doc.Root()
	if a.signWhole {
		signed, err := ctx.SignEnveloped(root)
		if err != nil {
			t.Fatal(err)
		}
		doc.SetRoot(signed)
	} else {
		var assertion *etree.Element
		for _, c := range root.ChildElements() {
			if c.Tag == "Assertion" {
				assertion = c
			}
		}
		signed, err := ctx.SignEnveloped(assertion)
		if err != nil {
			t.Fatal(err)
		}
		i := assertion.Index()
		root.RemoveChildAt(i)
		root.InsertChildAt(i, signed)
	}
	if a.after != nil {
		a.after(doc)
	}
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(out)
}

// removeSignatures removes every ds:Signature under el.
func removeSignatures(el *etree.Element) {
	kept := el.Child[:0]
	for _, c := range el.Child {
		if ce, ok := c.(*etree.Element); ok {
			if ce.Tag == "Signature" {
				continue
			}
			removeSignatures(ce)
		}
		kept = append(kept, c)
	}
	el.Child = kept
}

func TestAssumeRoleWithSAML(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	idp := newSAMLIdP(t)
	prov, err := n.rootIAM().CreateSAMLProvider(ctx, &iamsdk.CreateSAMLProviderInput{Name: aws.String("Corp"), SAMLMetadataDocument: aws.String(idp.metadata())})
	if err != nil {
		t.Fatalf("CreateSAMLProvider: %v", err)
	}
	provARN := *prov.SAMLProviderArn
	trust := func(cond string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provARN + `"},` +
			`"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"` + cond + `}}}]}`
	}
	roleARN, roleID := n.role(t, "Engineers", trust(""), "", 0)
	bobOnlyARN, _ := n.role(t, "BobOnly", trust(`,"SAML:sub":"bob@example.com"`), "", 0)
	pair := func(role string) string { return role + "," + provARN }
	anon := stssdk.NewFromConfig(n.anonymous(), noRetry)
	assume := func(role, response string) (*stssdk.AssumeRoleWithSAMLOutput, error) {
		return anon.AssumeRoleWithSAML(ctx, &stssdk.AssumeRoleWithSAMLInput{RoleArn: &role, PrincipalArn: &provARN, SAMLAssertion: &response})
	}

	for _, whole := range []bool{false, true} {
		out, err := assume(roleARN, idp.response(t, samlAssertion{subject: "alice@example.com", sessionName: "alice", roles: []string{pair(roleARN)}, signWhole: whole}))
		if err != nil {
			t.Fatalf("AssumeRoleWithSAML (Response signed: %v): %v", whole, err)
		}
		wantARN := "arn:aws:sts::" + n.Account + ":assumed-role/Engineers/alice"
		if *out.AssumedRoleUser.Arn != wantARN || *out.AssumedRoleUser.AssumedRoleId != roleID+":alice" {
			t.Errorf("AssumedRoleUser = %s %s", *out.AssumedRoleUser.Arn, *out.AssumedRoleUser.AssumedRoleId)
		}
		if *out.Subject != "alice@example.com" || *out.SubjectType != "persistent" || *out.Issuer != samlEntityID || *out.Audience != "https://signin.aws.amazon.com/saml" {
			t.Errorf("output: subject %s (%s), issuer %s, audience %s", *out.Subject, *out.SubjectType, *out.Issuer, *out.Audience)
		}
		if *out.NameQualifier == "" || out.PackedPolicySize == nil {
			t.Errorf("NameQualifier %q, PackedPolicySize %v", *out.NameQualifier, out.PackedPolicySize)
		}
		id, err := stssdk.NewFromConfig(n.session(out.Credentials)).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
		if err != nil || *id.Arn != wantARN {
			t.Fatalf("GetCallerIdentity with the SAML session: %v %v", id, err)
		}
	}

	// Tampering after signing breaks the signature.
	tampered := idp.response(t, samlAssertion{subject: "alice@example.com", sessionName: "alice", roles: []string{pair(roleARN)},
		after: func(doc *etree.Document) {
			for _, el := range doc.FindElements("//AttributeValue") {
				if el.Text() == "alice" {
					el.SetText("root")
				}
			}
		}})
	_, err = assume(roleARN, tampered)
	apiError(t, err, "InvalidIdentityToken", "Response signature invalid")

	// So does a signature by a key the provider's metadata does not name.
	_, err = assume(roleARN, newSAMLIdP(t).response(t, samlAssertion{subject: "alice@example.com", sessionName: "alice", roles: []string{pair(roleARN)}}))
	apiError(t, err, "InvalidIdentityToken", "Response signature invalid")

	// An unsigned response.
	unsigned := idp.response(t, samlAssertion{subject: "alice@example.com", sessionName: "alice", roles: []string{pair(roleARN)},
		after: func(doc *etree.Document) { removeSignatures(doc.Root()) }})
	_, err = assume(roleARN, unsigned)
	apiError(t, err, "InvalidIdentityToken", "Response signature invalid")

	_, err = assume(roleARN, idp.response(t, samlAssertion{subject: "alice@example.com", sessionName: "alice", roles: []string{pair(roleARN)}, expires: time.Now().Add(-time.Minute)}))
	apiError(t, err, "ExpiredTokenException", "")

	_, err = assume(roleARN, idp.response(t, samlAssertion{subject: "alice@example.com", roles: []string{pair(roleARN)}}))
	apiError(t, err, "InvalidIdentityToken", "RoleSessionName is required in AuthnResponse")

	_, err = assume(roleARN, idp.response(t, samlAssertion{subject: "alice@example.com", sessionName: "alice", roles: []string{pair(bobOnlyARN)}}))
	apiError(t, err, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML")

	_, err = assume(roleARN, idp.response(t, samlAssertion{subject: "alice@example.com", sessionName: "alice", roles: []string{pair(roleARN)}, status: "urn:oasis:names:tc:SAML:2.0:status:Requester"}))
	apiError(t, err, "IDPRejectedClaim", "")

	// The trust policy's SAML:sub condition decides.
	_, err = assume(bobOnlyARN, idp.response(t, samlAssertion{subject: "alice@example.com", sessionName: "alice", roles: []string{pair(bobOnlyARN)}}))
	apiError(t, err, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML")
	if _, err := assume(bobOnlyARN, idp.response(t, samlAssertion{subject: "bob@example.com", sessionName: "bob", roles: []string{pair(bobOnlyARN)}})); err != nil {
		t.Errorf("bob assuming BobOnly: %v", err)
	}

	missing := "arn:aws:iam::" + n.Account + ":saml-provider/Nope"
	resp := idp.response(t, samlAssertion{subject: "alice@example.com", sessionName: "alice", roles: []string{pair(roleARN)}})
	_, err = anon.AssumeRoleWithSAML(ctx, &stssdk.AssumeRoleWithSAMLInput{RoleArn: &roleARN, PrincipalArn: &missing, SAMLAssertion: &resp})
	apiError(t, err, "InvalidIdentityToken", "Specified provider doesn't exist")
}

// FuzzVerifySAMLResponse feeds the SAML response parser mutations of a
// signed response and arbitrary input: it must never panic, and whatever
// it accepts must be the signed assertion, unchanged.
func FuzzVerifySAMLResponse(f *testing.F) {
	idp := newSAMLIdP(f)
	role := "arn:aws:iam::123456789012:role/R,arn:aws:iam::123456789012:saml-provider/P"
	signed := idp.response(f, samlAssertion{subject: "alice@example.com", sessionName: "alice", roles: []string{role}})
	whole := idp.response(f, samlAssertion{subject: "alice@example.com", sessionName: "alice", roles: []string{role}, signWhole: true})
	raw, _ := base64.StdEncoding.DecodeString(signed)
	f.Add(signed)
	f.Add(whole)
	f.Add(base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(raw), "alice@example.com", "mallory@example.com", 1))))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`)))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`)))
	f.Add("not base64")
	f.Add("")
	certs := []*x509.Certificate{idp.cert}
	f.Fuzz(func(t *testing.T, encoded string) {
		iss, sub, err := sts.VerifySAMLResponse(encoded, certs, time.Now())
		if err != nil {
			return
		}
		if iss != samlEntityID || sub != "alice@example.com" {
			t.Fatalf("accepted a response nobody signed: issuer %q, subject %q", iss, sub)
		}
	})
}
