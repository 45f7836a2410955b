package iam

import (
	"bytes"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file parses the user input of the user credential operations: SSH
// public keys (UploadSSHPublicKey) and X.509 signing certificates
// (UploadSigningCertificate).

// RSA modulus sizes IAM accepts for SSH public keys. AWS requires at least
// 2048 bits; the upper bound keeps a hostile key from costing much.
const (
	minSSHKeyBits = 2048
	maxSSHKeyBits = 16384
)

// SSH public key encodings: the OpenSSH one-line form and PEM.
const (
	sshEncodingSSH = "SSH"
	sshEncodingPEM = "PEM"
)

// sshPublicKey is a parsed RSA public key uploaded for a user.
type sshPublicKey struct {
	// wire is the key in the SSH wire format.
	wire ssh.PublicKey
	rsa  *rsa.PublicKey
	// encoding is how it was uploaded: sshEncodingSSH or sshEncodingPEM.
	encoding string
}

// fingerprint is the MD5 fingerprint of the key's SSH wire form in the
// colon-separated hex AWS (and ssh-keygen -E md5) shows.
func (k *sshPublicKey) fingerprint() string {
	sum := md5.Sum(k.wire.Marshal())
	h := hex.EncodeToString(sum[:])
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// sshText is the key in OpenSSH's one-line form, without a comment.
func (k *sshPublicKey) sshText() string {
	return k.wire.Type() + " " + base64.StdEncoding.EncodeToString(k.wire.Marshal())
}

// pemText is the key as a PEM "PUBLIC KEY" (PKIX SubjectPublicKeyInfo).
func (k *sshPublicKey) pemText() (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k.rsa)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

func errUnrecognizedKeyEncoding() *protocol.Error {
	return api.NewUnrecognizedPublicKeyEncodingException("The public key encoding is not recognized: upload an RSA key in the OpenSSH ssh-rsa format or in PEM format.")
}

func errInvalidPublicKey(reason string) *protocol.Error {
	return api.NewInvalidPublicKeyException("The public key is not valid: %s.", reason)
}

// parseSSHPublicKey parses an SSH public key body as IAM accepts it: an
// "ssh-rsa <base64> [comment]" line, or a PEM "PUBLIC KEY" or "RSA PUBLIC
// KEY" block, holding an RSA key of at least 2048 bits. Errors are
// UnrecognizedPublicKeyEncoding for text in neither form (or another key
// type), InvalidPublicKey for a key in a known form that does not decode or
// is too weak.
func parseSSHPublicKey(body string) (*sshPublicKey, *protocol.Error) {
	body = strings.TrimSpace(body)
	if strings.HasPrefix(body, "-----BEGIN") {
		return parsePEMPublicKey(body)
	}
	fields := strings.Fields(body)
	if len(fields) == 0 || fields[0] != ssh.KeyAlgoRSA {
		return nil, errUnrecognizedKeyEncoding()
	}
	if len(fields) < 2 {
		return nil, errInvalidPublicKey("the key data is missing")
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return nil, errInvalidPublicKey("the key data is not valid base64")
	}
	wire, err := ssh.ParsePublicKey(blob)
	if err != nil {
		return nil, errInvalidPublicKey("the key data does not decode as an SSH public key")
	}
	if wire.Type() != ssh.KeyAlgoRSA {
		return nil, errInvalidPublicKey("the key data holds a " + wire.Type() + " key, not ssh-rsa")
	}
	cpk, ok := wire.(ssh.CryptoPublicKey)
	if !ok {
		return nil, errInvalidPublicKey("the key data does not decode as an RSA key")
	}
	pub, ok := cpk.CryptoPublicKey().(*rsa.PublicKey)
	if !ok {
		return nil, errInvalidPublicKey("the key data does not decode as an RSA key")
	}
	if perr := checkRSAKeySize(pub); perr != nil {
		return nil, perr
	}
	return &sshPublicKey{wire: wire, rsa: pub, encoding: sshEncodingSSH}, nil
}

func parsePEMPublicKey(body string) (*sshPublicKey, *protocol.Error) {
	block, rest := pem.Decode([]byte(body))
	if block == nil {
		return nil, errInvalidPublicKey("the PEM block does not decode")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errInvalidPublicKey("text follows the PEM block")
	}
	var pub *rsa.PublicKey
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, errInvalidPublicKey("the PEM block does not hold a public key")
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, errInvalidPublicKey("the PEM block holds a public key that is not RSA")
		}
		pub = rk
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, errInvalidPublicKey("the PEM block does not hold an RSA public key")
		}
		pub = k
	default:
		return nil, errUnrecognizedKeyEncoding()
	}
	if perr := checkRSAKeySize(pub); perr != nil {
		return nil, perr
	}
	wire, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, errInvalidPublicKey("the RSA key cannot be used for SSH")
	}
	return &sshPublicKey{wire: wire, rsa: pub, encoding: sshEncodingPEM}, nil
}

func checkRSAKeySize(pub *rsa.PublicKey) *protocol.Error {
	if pub.N == nil || pub.N.Sign() <= 0 || pub.E < 3 || pub.E%2 == 0 {
		return errInvalidPublicKey("the RSA key's modulus or exponent is not valid")
	}
	if bits := pub.N.BitLen(); bits < minSSHKeyBits || bits > maxSSHKeyBits {
		return errInvalidPublicKey("RSA keys must be 2048 to 16384 bits long; this one is " + strconv.Itoa(bits))
	}
	return nil
}

// parseSigningCertificate parses a signing certificate body: exactly one
// PEM CERTIFICATE block holding an X.509 certificate. A body that is not
// that is MalformedCertificate; a certificate outside its validity period
// at now is InvalidCertificate.
func parseSigningCertificate(body string, now time.Time) (*x509.Certificate, *protocol.Error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(body)))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, api.NewMalformedCertificateException("Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, api.NewMalformedCertificateException("Unable to parse certificate: the body must hold exactly one PEM certificate.")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, api.NewMalformedCertificateException("Unable to parse certificate: the PEM block is not a valid X.509 certificate.")
	}
	if now.After(cert.NotAfter) {
		return nil, api.NewInvalidCertificateException("The certificate expired on %s.", cert.NotAfter.UTC().Format(time.RFC3339))
	}
	if now.Before(cert.NotBefore) {
		return nil, api.NewInvalidCertificateException("The certificate is not valid before %s.", cert.NotBefore.UTC().Format(time.RFC3339))
	}
	return cert, nil
}
