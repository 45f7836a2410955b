package iam

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/keyring"
)

// This file reads a SAML 2.0 identity provider's metadata document: the
// IAM API validates it when a SAML provider is created or updated, and STS
// takes the provider's signing certificates from it to verify assertions.
// https://docs.oasis-open.org/security/saml/v2.0/saml-metadata-2.0-os.pdf

// XML namespaces of SAML metadata and of XML signatures (KeyInfo).
const (
	samlMetadataNS = "urn:oasis:names:tc:SAML:2.0:metadata"
	xmlDSigNS      = "http://www.w3.org/2000/09/xmldsig#"
)

// SAMLMetadata is what gatehouse uses of an identity provider's metadata.
type SAMLMetadata struct {
	// EntityID is the provider's entity id, the Issuer of its assertions.
	EntityID string
	// ValidUntil is the document's validUntil (the earliest one stated on
	// the EntityDescriptor or an IDPSSODescriptor); zero when none is.
	ValidUntil time.Time
	// SigningCertificates are the certificates of the IDPSSODescriptor's
	// signing keys (KeyDescriptor use="signing", or no use, which means
	// both signing and encryption), in document order.
	SigningCertificates []*x509.Certificate
}

// SAMLMetadataError says why a metadata document was refused.
type SAMLMetadataError struct {
	Reason string
}

func (e *SAMLMetadataError) Error() string { return "iam: invalid SAML metadata: " + e.Reason }

func metadataError(format string, args ...any) error {
	return &SAMLMetadataError{Reason: fmt.Sprintf(format, args...)}
}

type mdEntityDescriptor struct {
	XMLName    xml.Name             `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
	EntityID   string               `xml:"entityID,attr"`
	ValidUntil string               `xml:"validUntil,attr"`
	IDPSSO     []mdIDPSSODescriptor `xml:"urn:oasis:names:tc:SAML:2.0:metadata IDPSSODescriptor"`
}

type mdIDPSSODescriptor struct {
	ValidUntil string            `xml:"validUntil,attr"`
	Protocols  string            `xml:"protocolSupportEnumeration,attr"`
	Keys       []mdKeyDescriptor `xml:"urn:oasis:names:tc:SAML:2.0:metadata KeyDescriptor"`
}

type mdKeyDescriptor struct {
	Use     string      `xml:"use,attr"`
	KeyInfo []dsKeyInfo `xml:"http://www.w3.org/2000/09/xmldsig# KeyInfo"`
}

type dsKeyInfo struct {
	X509Data []dsX509Data `xml:"http://www.w3.org/2000/09/xmldsig# X509Data"`
}

type dsX509Data struct {
	Certificates []string `xml:"http://www.w3.org/2000/09/xmldsig# X509Certificate"`
}

// ParseSAMLMetadata reads a SAML 2.0 metadata document whose root is an
// EntityDescriptor with at least one IDPSSODescriptor that supports the
// SAML 2.0 protocol and names at least one signing certificate. Errors are
// *SAMLMetadataError. The parser never fetches anything: encoding/xml does
// not resolve external entities.
func ParseSAMLMetadata(doc []byte) (*SAMLMetadata, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return input, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q", charset)
	}
	root, err := rootElement(dec)
	if err != nil {
		return nil, err
	}
	if root.Name.Space != samlMetadataNS || root.Name.Local != "EntityDescriptor" {
		return nil, metadataError("the root element must be an EntityDescriptor in namespace %s", samlMetadataNS)
	}
	var ed mdEntityDescriptor
	if err := dec.DecodeElement(&ed, &root); err != nil {
		return nil, metadataError("the document is not well-formed XML: %v", err)
	}
	if err := checkTrailer(dec); err != nil {
		return nil, err
	}
	if strings.TrimSpace(ed.EntityID) == "" {
		return nil, metadataError("the EntityDescriptor has no entityID")
	}
	md := &SAMLMetadata{EntityID: strings.TrimSpace(ed.EntityID)}
	if err := md.noteValidUntil(ed.ValidUntil); err != nil {
		return nil, err
	}
	idps := 0
	for _, idp := range ed.IDPSSO {
		if !strings.Contains(idp.Protocols, "urn:oasis:names:tc:SAML:2.0:protocol") {
			continue
		}
		idps++
		if err := md.noteValidUntil(idp.ValidUntil); err != nil {
			return nil, err
		}
		for _, kd := range idp.Keys {
			if kd.Use != "" && kd.Use != "signing" {
				continue
			}
			for _, ki := range kd.KeyInfo {
				for _, xd := range ki.X509Data {
					for _, text := range xd.Certificates {
						cert, err := parseMetadataCertificate(text)
						if err != nil {
							return nil, err
						}
						md.SigningCertificates = append(md.SigningCertificates, cert)
					}
				}
			}
		}
	}
	if idps == 0 {
		return nil, metadataError("the EntityDescriptor has no IDPSSODescriptor for the SAML 2.0 protocol")
	}
	if len(md.SigningCertificates) == 0 {
		return nil, metadataError("the IDPSSODescriptor has no signing X509Certificate")
	}
	return md, nil
}

// rootElement reads up to the document's first start element.
func rootElement(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return xml.StartElement{}, metadataError("the document has no root element")
		}
		if err != nil {
			return xml.StartElement{}, metadataError("the document is not well-formed XML: %v", err)
		}
		if start, ok := tok.(xml.StartElement); ok {
			return start, nil
		}
	}
}

// checkTrailer accepts only white space, comments and processing
// instructions after the root element, as a well-formed document has.
func checkTrailer(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return metadataError("the document is not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return metadataError("the document has text after its root element")
			}
		default:
			return metadataError("the document has more than one root element")
		}
	}
}

// noteValidUntil keeps the earliest validUntil seen.
func (md *SAMLMetadata) noteValidUntil(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	t, err := parseXSDateTime(s)
	if err != nil {
		return metadataError("validUntil %q is not an xs:dateTime", s)
	}
	if md.ValidUntil.IsZero() || t.Before(md.ValidUntil) {
		md.ValidUntil = t
	}
	return nil
}

// parseXSDateTime parses an xs:dateTime; one without a time zone is UTC.
func parseXSDateTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad xs:dateTime %q", s)
}

// parseMetadataCertificate decodes the base64 DER of an X509Certificate
// element (whitespace and line breaks allowed).
func parseMetadataCertificate(text string) (*x509.Certificate, error) {
	compact := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, text)
	der, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		return nil, metadataError("an X509Certificate is not valid base64")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, metadataError("an X509Certificate is not a valid certificate: %v", err)
	}
	return cert, nil
}

// ParsedMetadata parses the provider's stored metadata document.
func (p *SAMLProvider) ParsedMetadata() (*SAMLMetadata, error) {
	return ParseSAMLMetadata([]byte(p.Metadata))
}

// SigningCertificates returns the certificates whose keys sign the
// provider's SAML responses and assertions, from its metadata document:
// STS verifies AssumeRoleWithSAML assertions against them.
func (p *SAMLProvider) SigningCertificates() ([]*x509.Certificate, error) {
	md, err := p.ParsedMetadata()
	if err != nil {
		return nil, err
	}
	return md.SigningCertificates, nil
}

// SAMLKeySealPurpose is the keyring purpose that seals the private keys
// decrypting a SAML provider's assertions.
const SAMLKeySealPurpose = "iam/saml-assertion-key"

// DecryptionKeys opens the provider's assertion decryption keys, in the
// order they were added, for STS to decrypt EncryptedAssertion elements.
func (p *SAMLProvider) DecryptionKeys(kr *keyring.Keyring) ([]crypto.Signer, error) {
	out := make([]crypto.Signer, 0, len(p.PrivateKeys))
	for _, k := range p.PrivateKeys {
		text, err := kr.Open(SAMLKeySealPurpose, k.PEMSealed, []byte(k.ID))
		if err != nil {
			return nil, fmt.Errorf("iam: open SAML key %s of %s: %w", k.ID, p.ARN, err)
		}
		key, err := ParsePrivateKeyPEM(text)
		if err != nil {
			return nil, fmt.Errorf("iam: SAML key %s of %s: %w", k.ID, p.ARN, err)
		}
		out = append(out, key)
	}
	return out, nil
}

// ErrPrivateKey is returned by ParsePrivateKeyPEM for text that is not one
// unencrypted PEM private key.
var ErrPrivateKey = errors.New("iam: not an unencrypted PEM private key")

// ParsePrivateKeyPEM parses one unencrypted PEM private key: PKCS #1 RSA
// ("RSA PRIVATE KEY"), SEC 1 EC ("EC PRIVATE KEY", optionally after an
// "EC PARAMETERS" block) or PKCS #8 ("PRIVATE KEY") holding an RSA, ECDSA or
// Ed25519 key. Encrypted keys are refused: IAM cannot know their passphrase.
func ParsePrivateKeyPEM(text []byte) (crypto.Signer, error) {
	rest := text
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, ErrPrivateKey
		}
		if block.Type == "EC PARAMETERS" {
			continue
		}
		if len(bytes.TrimSpace(rest)) != 0 || block.Headers["Proc-Type"] != "" {
			return nil, ErrPrivateKey
		}
		switch block.Type {
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrPrivateKey, err)
			}
			return k, nil
		case "EC PRIVATE KEY":
			k, err := x509.ParseECPrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrPrivateKey, err)
			}
			return k, nil
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrPrivateKey, err)
			}
			switch k := k.(type) {
			case *rsa.PrivateKey:
				return k, nil
			case *ecdsa.PrivateKey:
				return k, nil
			case ed25519.PrivateKey:
				return k, nil
			}
			return nil, ErrPrivateKey
		}
		return nil, ErrPrivateKey
	}
}
