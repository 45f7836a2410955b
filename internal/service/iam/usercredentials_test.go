package iam_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"golang.org/x/crypto/ssh"
)

// These tests drive SSH public keys, signing certificates and
// service-specific credentials with aws-sdk-go-v2.

func uploadSSHKey(client *awsiam.Client, user, body string) (*iamtypes.SSHPublicKey, error) {
	out, err := client.UploadSSHPublicKey(context.Background(), &awsiam.UploadSSHPublicKeyInput{UserName: aws.String(user), SSHPublicKeyBody: aws.String(body)})
	if err != nil {
		return nil, err
	}
	return out.SSHPublicKey, nil
}

// TestSSHPublicKeys: upload in OpenSSH and PEM form, the MD5 fingerprint,
// both encodings back, status changes, the quota and the upload errors.
func TestSSHPublicKeys(t *testing.T) {
	client, _ := credsNode(t)
	ctx := context.Background()
	credsCreateUser(t, client, "alice")
	credsCreateUser(t, client, "bob")

	key, err := uploadSSHKey(client, "alice", testSSHKeys[0]+"\n")
	if err != nil {
		t.Fatal(err)
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(testSSHKeys[0]))
	if err != nil {
		t.Fatal(err)
	}
	// ssh-keygen -E md5 shows "MD5:" and then what IAM shows.
	if want := strings.TrimPrefix(ssh.FingerprintLegacyMD5(pub), "MD5:"); aws.ToString(key.Fingerprint) != want {
		t.Errorf("Fingerprint = %s, want %s", aws.ToString(key.Fingerprint), want)
	}
	if !regexp.MustCompile(`^APKA[A-Z0-9]{17}$`).MatchString(aws.ToString(key.SSHPublicKeyId)) || key.Status != iamtypes.StatusTypeActive ||
		aws.ToString(key.UserName) != "alice" || aws.ToString(key.SSHPublicKeyBody) != testSSHKeys[0] || key.UploadDate == nil {
		t.Errorf("uploaded key = %+v", key)
	}
	id := key.SSHPublicKeyId

	// PEM encoding gives the same RSA key.
	got, err := client.GetSSHPublicKey(ctx, &awsiam.GetSSHPublicKeyInput{UserName: aws.String("alice"), SSHPublicKeyId: id, Encoding: iamtypes.EncodingTypePem})
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(aws.ToString(got.SSHPublicKey.SSHPublicKeyBody)))
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("PEM body = %q", aws.ToString(got.SSHPublicKey.SSHPublicKeyBody))
	}
	pemKey, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !pemKey.(*rsa.PublicKey).Equal(pub.(ssh.CryptoPublicKey).CryptoPublicKey()) {
		t.Error("the PEM encoding holds another key")
	}
	// The same key in PEM form is a duplicate; another user may hold it.
	_, err = uploadSSHKey(client, "alice", aws.ToString(got.SSHPublicKey.SSHPublicKeyBody))
	wantAPIError(t, "same key as PEM", err, "DuplicateSSHPublicKey")
	fromPEM, err := uploadSSHKey(client, "bob", aws.ToString(got.SSHPublicKey.SSHPublicKeyBody))
	if err != nil {
		t.Fatalf("bob uploads the key in PEM form: %v", err)
	}
	if aws.ToString(fromPEM.Fingerprint) != aws.ToString(key.Fingerprint) {
		t.Errorf("PEM upload fingerprint %s, SSH upload %s", aws.ToString(fromPEM.Fingerprint), aws.ToString(key.Fingerprint))
	}
	asSSH, err := client.GetSSHPublicKey(ctx, &awsiam.GetSSHPublicKeyInput{UserName: aws.String("bob"), SSHPublicKeyId: fromPEM.SSHPublicKeyId, Encoding: iamtypes.EncodingTypeSsh})
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(strings.Fields(testSSHKeys[0])[:2], " "); aws.ToString(asSSH.SSHPublicKey.SSHPublicKeyBody) != want {
		t.Errorf("SSH encoding of a PEM upload = %q, want %q", aws.ToString(asSSH.SSHPublicKey.SSHPublicKeyBody), want)
	}
	_, err = client.GetSSHPublicKey(ctx, &awsiam.GetSSHPublicKeyInput{UserName: aws.String("bob"), SSHPublicKeyId: id, Encoding: iamtypes.EncodingTypeSsh})
	wantAPIError(t, "another user's key id", err, "NoSuchEntity")

	for i := 1; i < 5; i++ {
		if _, err := uploadSSHKey(client, "alice", testSSHKeys[i]); err != nil {
			t.Fatalf("key %d: %v", i+1, err)
		}
	}
	_, err = uploadSSHKey(client, "alice", testSSHKeys[5])
	wantAPIError(t, "sixth key", err, "LimitExceeded")

	if _, err := client.UpdateSSHPublicKey(ctx, &awsiam.UpdateSSHPublicKeyInput{UserName: aws.String("alice"), SSHPublicKeyId: id, Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	var listed []iamtypes.SSHPublicKeyMetadata
	p := awsiam.NewListSSHPublicKeysPaginator(client, &awsiam.ListSSHPublicKeysInput{UserName: aws.String("alice"), MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, pg.SSHPublicKeys...)
	}
	if len(listed) != 5 || aws.ToString(listed[0].SSHPublicKeyId) != aws.ToString(id) || listed[0].Status != iamtypes.StatusTypeInactive || listed[1].Status != iamtypes.StatusTypeActive {
		t.Fatalf("listed keys = %+v", listed)
	}
	if _, err := client.DeleteSSHPublicKey(ctx, &awsiam.DeleteSSHPublicKeyInput{UserName: aws.String("alice"), SSHPublicKeyId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DeleteSSHPublicKey(ctx, &awsiam.DeleteSSHPublicKeyInput{UserName: aws.String("alice"), SSHPublicKeyId: id})
	wantAPIError(t, "delete twice", err, "NoSuchEntity")
	if _, err := uploadSSHKey(client, "alice", testSSHKeys[5]); err != nil {
		t.Errorf("upload after a delete freed the quota: %v", err)
	}
}

// TestSSHPublicKeyUploadErrors: each malformed or refused key gets its
// AWS error code.
func TestSSHPublicKeyUploadErrors(t *testing.T) {
	client, _ := credsNode(t)
	credsCreateUser(t, client, "carol")
	edPub := ed25519Key(t)
	fields := strings.Fields(testSSHKeys[0])
	blob, _ := base64.StdEncoding.DecodeString(fields[1])
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	for _, tc := range []struct {
		name, body, code string
	}{
		{"1024-bit RSA key", testSSHKeys[6], "InvalidPublicKey"},
		{"bad base64", "ssh-rsa AAAA!!!!", "InvalidPublicKey"},
		{"truncated key data", "ssh-rsa " + base64.StdEncoding.EncodeToString(blob[:len(blob)-10]), "InvalidPublicKey"},
		{"ssh-rsa label on an ed25519 key", "ssh-rsa " + strings.Fields(edPub)[1], "InvalidPublicKey"},
		{"no key data", "ssh-rsa", "InvalidPublicKey"},
		{"ed25519 key", edPub, "UnrecognizedPublicKeyEncoding"},
		{"plain text", "hello world", "UnrecognizedPublicKeyEncoding"},
		{"EC key in PEM", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER})), "InvalidPublicKey"},
		{"PEM of a certificate request", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte{1, 2}})), "UnrecognizedPublicKeyEncoding"},
		{"broken PEM", "-----BEGIN PUBLIC KEY-----\nnot base64\n", "InvalidPublicKey"},
	} {
		_, err := uploadSSHKey(client, "carol", tc.body)
		wantAPIError(t, tc.name, err, tc.code)
	}
	_, err := uploadSSHKey(client, "nobody", testSSHKeys[0])
	wantAPIError(t, "unknown user", err, "NoSuchEntity")
}

// ed25519Key returns a new Ed25519 public key in OpenSSH form.
func ed25519Key(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
}

// selfSignedCert returns a PEM certificate valid from notBefore to notAfter.
func selfSignedCert(t *testing.T, cn string, notBefore, notAfter time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: notBefore, NotAfter: notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// TestSigningCertificates: upload, duplicates across the account, the
// quota, status, delete, the root user's own certificates and the errors.
func TestSigningCertificates(t *testing.T) {
	client, _ := credsNode(t)
	ctx := context.Background()
	credsCreateUser(t, client, "alice")
	credsCreateUser(t, client, "bob")
	now := time.Now()
	cert1 := selfSignedCert(t, "one", now.Add(-time.Hour), now.Add(24*time.Hour))

	up, err := client.UploadSigningCertificate(ctx, &awsiam.UploadSigningCertificateInput{UserName: aws.String("alice"), CertificateBody: aws.String(cert1)})
	if err != nil {
		t.Fatal(err)
	}
	c := up.Certificate
	if !regexp.MustCompile(`^[A-Z0-9]{32}$`).MatchString(aws.ToString(c.CertificateId)) || c.Status != iamtypes.StatusTypeActive ||
		aws.ToString(c.UserName) != "alice" || aws.ToString(c.CertificateBody) != strings.TrimSpace(cert1) {
		t.Errorf("uploaded certificate = %+v", c)
	}
	_, err = client.UploadSigningCertificate(ctx, &awsiam.UploadSigningCertificateInput{UserName: aws.String("bob"), CertificateBody: aws.String(cert1)})
	wantAPIError(t, "same certificate for another user", err, "DuplicateCertificate")

	for _, tc := range []struct{ name, body, code string }{
		{"expired", selfSignedCert(t, "old", now.Add(-48*time.Hour), now.Add(-time.Hour)), "InvalidCertificate"},
		{"not yet valid", selfSignedCert(t, "new", now.Add(time.Hour), now.Add(48*time.Hour)), "InvalidCertificate"},
		{"not PEM", "hello", "MalformedCertificate"},
		{"PEM but not a certificate", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("garbage")})), "MalformedCertificate"},
		{"a public key", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}})), "MalformedCertificate"},
		{"two certificates", cert1 + selfSignedCert(t, "two", now.Add(-time.Hour), now.Add(time.Hour)), "MalformedCertificate"},
	} {
		_, err := client.UploadSigningCertificate(ctx, &awsiam.UploadSigningCertificateInput{UserName: aws.String("bob"), CertificateBody: aws.String(tc.body)})
		wantAPIError(t, tc.name, err, tc.code)
	}

	if _, err := client.UploadSigningCertificate(ctx, &awsiam.UploadSigningCertificateInput{UserName: aws.String("alice"), CertificateBody: aws.String(selfSignedCert(t, "two", now.Add(-time.Hour), now.Add(time.Hour)))}); err != nil {
		t.Fatal(err)
	}
	_, err = client.UploadSigningCertificate(ctx, &awsiam.UploadSigningCertificateInput{UserName: aws.String("alice"), CertificateBody: aws.String(selfSignedCert(t, "three", now.Add(-time.Hour), now.Add(time.Hour)))})
	wantAPIError(t, "third certificate", err, "LimitExceeded")

	if _, err := client.UpdateSigningCertificate(ctx, &awsiam.UpdateSigningCertificateInput{UserName: aws.String("alice"), CertificateId: c.CertificateId, Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	list, err := client.ListSigningCertificates(ctx, &awsiam.ListSigningCertificatesInput{UserName: aws.String("alice")})
	if err != nil || len(list.Certificates) != 2 || list.Certificates[0].Status != iamtypes.StatusTypeInactive || list.Certificates[1].Status != iamtypes.StatusTypeActive {
		t.Fatalf("ListSigningCertificates = %+v, %v", list, err)
	}
	if _, err := client.DeleteSigningCertificate(ctx, &awsiam.DeleteSigningCertificateInput{UserName: aws.String("alice"), CertificateId: c.CertificateId}); err != nil {
		t.Fatal(err)
	}
	_, err = client.UpdateSigningCertificate(ctx, &awsiam.UpdateSigningCertificateInput{UserName: aws.String("alice"), CertificateId: c.CertificateId, Status: iamtypes.StatusTypeActive})
	wantAPIError(t, "update a deleted certificate", err, "NoSuchEntity")
	// Deleted, the certificate may be uploaded again, here by bob.
	if _, err := client.UploadSigningCertificate(ctx, &awsiam.UploadSigningCertificateInput{UserName: aws.String("bob"), CertificateBody: aws.String(cert1)}); err != nil {
		t.Fatalf("re-upload after delete: %v", err)
	}

	// Without a UserName the root caller manages its own certificates.
	rootCert := selfSignedCert(t, "root", now.Add(-time.Hour), now.Add(time.Hour))
	up, err = client.UploadSigningCertificate(ctx, &awsiam.UploadSigningCertificateInput{CertificateBody: aws.String(rootCert)})
	if err != nil {
		t.Fatalf("root upload: %v", err)
	}
	rootList, err := client.ListSigningCertificates(ctx, &awsiam.ListSigningCertificatesInput{})
	if err != nil || len(rootList.Certificates) != 1 || aws.ToString(rootList.Certificates[0].CertificateId) != aws.ToString(up.Certificate.CertificateId) || rootList.Certificates[0].UserName != nil {
		t.Fatalf("root ListSigningCertificates = %+v, %v", rootList, err)
	}
	_, err = client.UploadSigningCertificate(ctx, &awsiam.UploadSigningCertificateInput{UserName: aws.String("alice"), CertificateBody: aws.String(rootCert)})
	wantAPIError(t, "root's certificate for a user", err, "DuplicateCertificate")
	if _, err := client.DeleteSigningCertificate(ctx, &awsiam.DeleteSigningCertificateInput{CertificateId: up.Certificate.CertificateId}); err != nil {
		t.Fatalf("root delete: %v", err)
	}
}

// TestServiceSpecificCredentials: CodeCommit and Keyspaces user names and
// passwords, Bedrock API keys with an expiry, the per-service quota, reset,
// status, delete, listing (one user, a service, all users) and errors.
func TestServiceSpecificCredentials(t *testing.T) {
	client, acct := credsNode(t)
	ctx := context.Background()
	credsCreateUser(t, client, "alice")
	credsCreateUser(t, client, "bob")
	create := func(user, service string, days *int32) (*iamtypes.ServiceSpecificCredential, error) {
		out, err := client.CreateServiceSpecificCredential(ctx, &awsiam.CreateServiceSpecificCredentialInput{
			UserName: aws.String(user), ServiceName: aws.String(service), CredentialAgeDays: days,
		})
		if err != nil {
			return nil, err
		}
		return out.ServiceSpecificCredential, nil
	}

	cc, err := create("alice", "codecommit.amazonaws.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cc.ServiceUserName) != "alice-at-"+acct || len(aws.ToString(cc.ServicePassword)) != 44 ||
		!regexp.MustCompile(`^ACCA[A-Z0-9]{17}$`).MatchString(aws.ToString(cc.ServiceSpecificCredentialId)) ||
		cc.Status != iamtypes.StatusTypeActive || aws.ToString(cc.UserName) != "alice" || cc.ExpirationDate != nil {
		t.Errorf("CodeCommit credential = %+v", cc)
	}
	if _, err := create("alice", "codecommit.amazonaws.com", nil); err != nil {
		t.Fatal(err)
	}
	_, err = create("alice", "codecommit.amazonaws.com", nil)
	wantAPIError(t, "third CodeCommit credential", err, "LimitExceeded")
	ks, err := create("alice", "cassandra.amazonaws.com", nil)
	if err != nil {
		t.Fatalf("Keyspaces credential beside two CodeCommit ones: %v", err)
	}
	_, err = create("alice", "s3.amazonaws.com", nil)
	wantAPIError(t, "unsupported service", err, "NotSupportedService")
	_, err = create("alice", "cassandra.amazonaws.com", aws.Int32(30))
	wantAPIError(t, "CredentialAgeDays on a password", err, "InvalidInput")
	_, err = create("nobody", "codecommit.amazonaws.com", nil)
	wantAPIError(t, "unknown user", err, "NoSuchEntity")

	before := time.Now().Add(-time.Second)
	br, err := create("bob", "bedrock.amazonaws.com", aws.Int32(30))
	if err != nil {
		t.Fatal(err)
	}
	if br.ServicePassword != nil || br.ServiceUserName != nil || !strings.HasPrefix(aws.ToString(br.ServiceCredentialAlias), "bob-at-"+acct) ||
		!strings.HasPrefix(aws.ToString(br.ServiceCredentialSecret), "ABSK") || br.ExpirationDate == nil ||
		br.ExpirationDate.Before(before.AddDate(0, 0, 30)) || br.ExpirationDate.After(time.Now().AddDate(0, 0, 30)) {
		t.Errorf("Bedrock API key = %+v", br)
	}

	reset, err := client.ResetServiceSpecificCredential(ctx, &awsiam.ResetServiceSpecificCredentialInput{UserName: aws.String("alice"), ServiceSpecificCredentialId: ks.ServiceSpecificCredentialId})
	if err != nil {
		t.Fatal(err)
	}
	if p := aws.ToString(reset.ServiceSpecificCredential.ServicePassword); len(p) != 44 || p == aws.ToString(ks.ServicePassword) {
		t.Errorf("reset password = %q (old %q)", p, aws.ToString(ks.ServicePassword))
	}
	_, err = client.ResetServiceSpecificCredential(ctx, &awsiam.ResetServiceSpecificCredentialInput{UserName: aws.String("bob"), ServiceSpecificCredentialId: ks.ServiceSpecificCredentialId})
	wantAPIError(t, "reset another user's credential", err, "NoSuchEntity")

	if _, err := client.UpdateServiceSpecificCredential(ctx, &awsiam.UpdateServiceSpecificCredentialInput{UserName: aws.String("alice"), ServiceSpecificCredentialId: cc.ServiceSpecificCredentialId, Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	_, err = client.UpdateServiceSpecificCredential(ctx, &awsiam.UpdateServiceSpecificCredentialInput{UserName: aws.String("alice"), ServiceSpecificCredentialId: cc.ServiceSpecificCredentialId, Status: iamtypes.StatusTypeExpired})
	wantAPIError(t, "set Expired", err, "InvalidInput")

	list, err := client.ListServiceSpecificCredentials(ctx, &awsiam.ListServiceSpecificCredentialsInput{UserName: aws.String("alice"), ServiceName: aws.String("codecommit.amazonaws.com")})
	if err != nil || len(list.ServiceSpecificCredentials) != 2 || list.ServiceSpecificCredentials[0].Status != iamtypes.StatusTypeInactive ||
		aws.ToString(list.ServiceSpecificCredentials[0].ServiceUserName) != "alice-at-"+acct {
		t.Fatalf("alice's CodeCommit credentials = %+v, %v", list, err)
	}
	all, err := client.ListServiceSpecificCredentials(ctx, &awsiam.ListServiceSpecificCredentialsInput{AllUsers: aws.Bool(true)})
	if err != nil || len(all.ServiceSpecificCredentials) != 4 || aws.ToString(all.ServiceSpecificCredentials[3].UserName) != "bob" ||
		aws.ToString(all.ServiceSpecificCredentials[3].ServiceCredentialAlias) != aws.ToString(br.ServiceCredentialAlias) {
		t.Fatalf("all credentials = %+v, %v", all, err)
	}
	rootList, err := client.ListServiceSpecificCredentials(ctx, &awsiam.ListServiceSpecificCredentialsInput{})
	if err != nil || len(rootList.ServiceSpecificCredentials) != 0 {
		t.Errorf("root caller's own credentials = %+v, %v", rootList, err)
	}

	if _, err := client.DeleteServiceSpecificCredential(ctx, &awsiam.DeleteServiceSpecificCredentialInput{UserName: aws.String("alice"), ServiceSpecificCredentialId: cc.ServiceSpecificCredentialId}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DeleteServiceSpecificCredential(ctx, &awsiam.DeleteServiceSpecificCredentialInput{UserName: aws.String("alice"), ServiceSpecificCredentialId: cc.ServiceSpecificCredentialId})
	wantAPIError(t, "delete twice", err, "NoSuchEntity")
	if _, err := create("alice", "codecommit.amazonaws.com", nil); err != nil {
		t.Errorf("create after a delete freed the quota: %v", err)
	}
}
