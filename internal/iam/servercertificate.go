package iam

import (
	"crypto"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/keyring"
)

// ServerCertificateKeyPurpose is the keyring purpose that seals server
// certificates' private keys (with the certificate id as additional data,
// so that a rename keeps the key readable).
const ServerCertificateKeyPurpose = "iam/server-certificate-key"

// ARN is the certificate's ARN: arn:aws:iam::ACCOUNT:server-certificate/PATH/NAME.
func (c *ServerCertificate) ARN() string {
	return "arn:aws:iam::" + c.AccountID + ":server-certificate" + orSlash(c.Path) + c.Name
}

// PrivateKey opens the certificate's sealed private key, for a component
// that terminates TLS with it (a load balancer listener).
func (c *ServerCertificate) PrivateKey(kr *keyring.Keyring) (crypto.Signer, error) {
	text, err := kr.Open(ServerCertificateKeyPurpose, c.PrivateKeySealed, []byte(c.ID))
	if err != nil {
		return nil, fmt.Errorf("iam: open the key of server certificate %s: %w", c.Name, err)
	}
	return ParsePrivateKeyPEM(text)
}
