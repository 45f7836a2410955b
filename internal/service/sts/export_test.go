package sts

import (
	"crypto/x509"
	"time"
)

// VerifySAMLResponse exposes the SAML response parser to the external
// tests (the fuzz test feeds it responses those tests sign).
func VerifySAMLResponse(encoded string, certs []*x509.Certificate, now time.Time) (issuer, subject string, err error) {
	a, err := verifySAMLResponse(encoded, certs, now)
	if err != nil {
		return "", "", err
	}
	return a.Issuer, a.Subject.NameID.Value, nil
}
