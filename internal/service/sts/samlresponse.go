package sts

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/jonboulle/clockwork"
	dsig "github.com/russellhaering/goxmldsig"
)

// This file reads and verifies the SAML 2.0 response of an
// AssumeRoleWithSAML request: the base64 SAMLResponse an identity provider
// posted, whose Response or Assertion carries an XML signature by one of
// the provider's signing certificates (from its metadata). Only what the
// signature covers is read: the verified element is re-parsed from the
// canonical bytes the signature was checked over, so content wrapped
// around or beside it cannot smuggle in claims.

// XML namespaces of SAML 2.0 and XML signatures.
const (
	nsSAMLProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsSAMLAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsXMLDSig       = "http://www.w3.org/2000/09/xmldsig#"
	samlSuccess     = "urn:oasis:names:tc:SAML:2.0:status:Success"
	nameIDPrefix    = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
)

// maxSAMLResponse bounds the decoded response (the model bounds the
// encoded SAMLAssertion at 100,000 characters).
const maxSAMLResponse = 100_000

// samlError is why a SAML response was refused: code is the STS error
// code (InvalidIdentityToken, IDPRejectedClaim or ExpiredTokenException).
type samlError struct {
	code, msg string
}

func (e *samlError) Error() string { return e.code + ": " + e.msg }

func invalidSAML(msg string) error  { return &samlError{"InvalidIdentityToken", msg} }
func rejectedSAML(msg string) error { return &samlError{"IDPRejectedClaim", msg} }
func expiredSAML(msg string) error  { return &samlError{"ExpiredTokenException", msg} }

// Messages AWS answers for SAML responses it refuses.
const msgSAMLSignature = "Response signature invalid"

// samlAssertion is the part of a verified assertion STS uses.
type samlAssertion struct {
	XMLName xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:assertion Assertion"`
	Issuer  string   `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
	Subject struct {
		NameID struct {
			Format string `xml:"Format,attr"`
			Value  string `xml:",chardata"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:assertion NameID"`
		Confirmations []struct {
			Method string `xml:"Method,attr"`
			Data   struct {
				NotOnOrAfter string `xml:"NotOnOrAfter,attr"`
				Recipient    string `xml:"Recipient,attr"`
			} `xml:"urn:oasis:names:tc:SAML:2.0:assertion SubjectConfirmationData"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:assertion SubjectConfirmation"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:assertion Subject"`
	Conditions *struct {
		NotBefore    string `xml:"NotBefore,attr"`
		NotOnOrAfter string `xml:"NotOnOrAfter,attr"`
		Restrictions []struct {
			Audiences []string `xml:"urn:oasis:names:tc:SAML:2.0:assertion Audience"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:assertion AudienceRestriction"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:assertion Conditions"`
	Attributes []struct {
		Name   string   `xml:"Name,attr"`
		Values []string `xml:"urn:oasis:names:tc:SAML:2.0:assertion AttributeValue"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:assertion AttributeStatement>Attribute"`
}

// attribute returns the values of the named attribute.
func (a *samlAssertion) attribute(name string) ([]string, bool) {
	for _, at := range a.Attributes {
		if at.Name == name {
			vals := make([]string, len(at.Values))
			for i, v := range at.Values {
				vals[i] = strings.TrimSpace(v)
			}
			return vals, true
		}
	}
	return nil, false
}

// verifySAMLResponse decodes a base64 SAMLResponse, checks that it
// succeeded and that its Response or its single Assertion is signed by one
// of certs (valid at now), and returns the signed assertion. It does not
// check the assertion's conditions; checkSAMLAssertion does.
func verifySAMLResponse(encoded string, certs []*x509.Certificate, now time.Time) (*samlAssertion, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.Map(dropSpace, encoded))
	if err != nil {
		return nil, invalidSAML("The SAML response is not valid base64.")
	}
	if len(raw) > maxSAMLResponse {
		return nil, invalidSAML("The SAML response is too large.")
	}
	doc := etree.NewDocument()
	doc.ReadSettings.ValidateInput = true
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, invalidSAML("The SAML response is not well-formed XML.")
	}
	root := doc.Root()
	if root == nil || root.Tag != "Response" || root.NamespaceURI() != nsSAMLProtocol {
		return nil, invalidSAML("The SAML response has no samlp:Response element.")
	}
	// A failed status can only refuse the response, so it is read before
	// the signature is checked.
	if code := statusCode(root); code != samlSuccess {
		return nil, rejectedSAML("The identity provider did not authenticate the user: status " + code)
	}
	vctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: certs})
	vctx.Clock = dsig.NewFakeClock(clockwork.NewFakeClockAt(now))

	var assertion *etree.Element
	if hasSignature(root) {
		verified, err := vctx.Validate(root)
		if err != nil {
			return nil, invalidSAML(msgSAMLSignature)
		}
		if assertion, err = singleAssertion(verified); err != nil {
			return nil, err
		}
	} else {
		el, err := singleAssertion(root)
		if err != nil {
			return nil, err
		}
		if !hasSignature(el) {
			return nil, invalidSAML(msgSAMLSignature)
		}
		inheritNamespaces(el)
		if assertion, err = vctx.Validate(el); err != nil {
			return nil, invalidSAML(msgSAMLSignature)
		}
	}
	out := etree.NewDocument()
	out.SetRoot(assertion.Copy())
	b, err := out.WriteToBytes()
	if err != nil {
		return nil, invalidSAML("The SAML assertion cannot be read.")
	}
	var a samlAssertion
	if err := xml.Unmarshal(b, &a); err != nil {
		return nil, invalidSAML("The SAML assertion cannot be read.")
	}
	a.Issuer = strings.TrimSpace(a.Issuer)
	a.Subject.NameID.Value = strings.TrimSpace(a.Subject.NameID.Value)
	return &a, nil
}

// checkSAMLAssertion checks the assertion's issuer, validity period and
// audience, and its bearer subject confirmation addressed to AWS. It
// returns the Recipient (the SAML:aud condition key).
func checkSAMLAssertion(a *samlAssertion, entityID string, now time.Time) (recipient string, err error) {
	if a.Issuer != entityID {
		return "", invalidSAML("Issuer not present in specified provider")
	}
	if a.Subject.NameID.Value == "" {
		return "", invalidSAML("The SAML assertion has no Subject NameID.")
	}
	if c := a.Conditions; c != nil {
		if t, ok := parseSAMLTime(c.NotBefore); ok && now.Add(tokenClockSkew).Before(t) {
			return "", invalidSAML("The SAML assertion is not yet valid: NotBefore is " + c.NotBefore)
		}
		if t, ok := parseSAMLTime(c.NotOnOrAfter); ok && !now.Before(t) {
			return "", expiredSAML("The SAML assertion has expired: NotOnOrAfter was " + c.NotOnOrAfter)
		}
		for _, r := range c.Restrictions {
			if !awsAudience(r.Audiences) {
				return "", invalidSAML("The SAML assertion's AudienceRestriction does not include https://signin.aws.amazon.com/saml.")
			}
		}
	}
	for _, sc := range a.Subject.Confirmations {
		if sc.Method != "urn:oasis:names:tc:SAML:2.0:cm:bearer" {
			continue
		}
		t, ok := parseSAMLTime(sc.Data.NotOnOrAfter)
		if !ok {
			return "", invalidSAML("The SubjectConfirmationData of the SAML assertion has no NotOnOrAfter.")
		}
		if !now.Before(t) {
			return "", expiredSAML("The SAML assertion has expired: its SubjectConfirmationData NotOnOrAfter was " + sc.Data.NotOnOrAfter)
		}
		if !awsAudience([]string{sc.Data.Recipient}) {
			return "", invalidSAML("The SubjectConfirmationData Recipient of the SAML assertion is not https://signin.aws.amazon.com/saml.")
		}
		return sc.Data.Recipient, nil
	}
	return "", invalidSAML("The SAML assertion has no bearer SubjectConfirmation.")
}

// awsAudience reports whether the list names AWS's SAML sign-in endpoint
// (global or regional) or AWS's SAML entity id.
func awsAudience(list []string) bool {
	for _, v := range list {
		v = strings.TrimSpace(v)
		if v == "urn:amazon:webservices" || v == "https://signin.aws.amazon.com/saml" {
			return true
		}
		if rest, ok := strings.CutPrefix(v, "https://"); ok {
			if region, ok := strings.CutSuffix(rest, ".signin.aws.amazon.com/saml"); ok && region != "" && !strings.ContainsAny(region, "/.") {
				return true
			}
		}
	}
	return false
}

func parseSAMLTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// statusCode returns the top-level StatusCode of a Response ("" if none).
func statusCode(root *etree.Element) string {
	for _, st := range root.ChildElements() {
		if st.Tag != "Status" || st.NamespaceURI() != nsSAMLProtocol {
			continue
		}
		for _, sc := range st.ChildElements() {
			if sc.Tag == "StatusCode" && sc.NamespaceURI() == nsSAMLProtocol {
				return sc.SelectAttrValue("Value", "")
			}
		}
	}
	return ""
}

// hasSignature reports whether el has an enveloped ds:Signature child.
func hasSignature(el *etree.Element) bool {
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == nsXMLDSig {
			return true
		}
	}
	return false
}

// singleAssertion returns the Response's one Assertion element. Responses
// with several assertions, or with only an EncryptedAssertion, are refused.
func singleAssertion(resp *etree.Element) (*etree.Element, error) {
	var found *etree.Element
	for _, c := range resp.ChildElements() {
		if c.NamespaceURI() != nsSAMLAssertion {
			continue
		}
		switch c.Tag {
		case "Assertion":
			if found != nil {
				return nil, invalidSAML("The SAML response must contain exactly one Assertion.")
			}
			found = c
		case "EncryptedAssertion":
			return nil, invalidSAML("Encrypted SAML assertions are not supported by gatehouse yet; configure the identity provider to send the assertion unencrypted.")
		}
	}
	if found == nil {
		return nil, invalidSAML("The SAML response contains no Assertion.")
	}
	return found, nil
}

// inheritNamespaces declares on el the namespaces it inherits from its
// ancestors, so that it can be verified on its own. Canonical XML renders
// the same namespace declarations either way.
func inheritNamespaces(el *etree.Element) {
	declared := map[string]bool{}
	for _, a := range el.Attr {
		if a.Space == "xmlns" {
			declared[a.Key] = true
		} else if a.Space == "" && a.Key == "xmlns" {
			declared[""] = true
		}
	}
	for p := el.Parent(); p != nil; p = p.Parent() {
		for _, a := range p.Attr {
			switch {
			case a.Space == "xmlns" && !declared[a.Key]:
				declared[a.Key] = true
				el.CreateAttr("xmlns:"+a.Key, a.Value)
			case a.Space == "" && a.Key == "xmlns" && !declared[""]:
				declared[""] = true
				el.CreateAttr("xmlns", a.Value)
			}
		}
	}
}

func dropSpace(r rune) rune {
	switch r {
	case ' ', '\t', '\r', '\n':
		return -1
	}
	return r
}
