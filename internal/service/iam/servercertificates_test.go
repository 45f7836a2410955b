package iam_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// testPKI is a root CA, an intermediate CA and a leaf certificate it
// issued, in PEM, made at test time.
type testPKI struct {
	root, intermediate, leaf string
	leafKey                  string
	leafNotAfter             time.Time
}

func issue(t *testing.T, cn string, isCA bool, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer, notAfter time.Time) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour).Truncate(time.Second), NotAfter: notAfter,
		BasicConstraintsValid: true, IsCA: isCA,
	}
	if isCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign
	} else {
		tmpl.DNSNames = []string{cn}
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func certPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	interKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	root := issue(t, "Test Root", true, &rootKey.PublicKey, nil, rootKey, time.Now().AddDate(10, 0, 0))
	inter := issue(t, "Test Intermediate", true, &interKey.PublicKey, root, rootKey, time.Now().AddDate(5, 0, 0))
	notAfter := time.Now().AddDate(1, 0, 0).Truncate(time.Second)
	leaf := issue(t, "www.example.com", false, &leafKey.PublicKey, inter, interKey, notAfter)
	return &testPKI{
		root: certPEM(root), intermediate: certPEM(inter), leaf: certPEM(leaf),
		leafKey:      string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(leafKey)})),
		leafNotAfter: leaf.NotAfter,
	}
}

func TestServerCertificateLifecycle(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	pki := newTestPKI(t)
	up, err := n.iam.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{
		ServerCertificateName: aws.String("www"), Path: aws.String("/cloudfront/"),
		CertificateBody: aws.String(pki.leaf), PrivateKey: aws.String(pki.leafKey), CertificateChain: aws.String(pki.intermediate + pki.root),
		Tags: []types.Tag{{Key: aws.String("site"), Value: aws.String("www")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	md := up.ServerCertificateMetadata
	wantARN := "arn:aws:iam::" + n.account + ":server-certificate/cloudfront/www"
	if aws.ToString(md.Arn) != wantARN || aws.ToString(md.Path) != "/cloudfront/" || md.UploadDate == nil {
		t.Errorf("metadata = %+v, want %s", md, wantARN)
	}
	if id := aws.ToString(md.ServerCertificateId); len(id) != 21 || !strings.HasPrefix(id, "ASCA") {
		t.Errorf("ServerCertificateId = %q", id)
	}
	if !aws.ToTime(md.Expiration).Equal(pki.leafNotAfter) {
		t.Errorf("Expiration = %v, want the certificate's NotAfter %v", md.Expiration, pki.leafNotAfter)
	}
	if len(up.Tags) != 1 {
		t.Errorf("upload tags = %+v", up.Tags)
	}

	got, err := n.iam.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("WWW")})
	if err != nil {
		t.Fatal(err)
	}
	sc := got.ServerCertificate
	if aws.ToString(sc.CertificateBody) != pki.leaf || aws.ToString(sc.CertificateChain) != pki.intermediate+pki.root || len(sc.Tags) != 1 {
		t.Errorf("GetServerCertificate = %+v", sc)
	}

	_, err = n.iam.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{
		ServerCertificateName: aws.String("www"), CertificateBody: aws.String(pki.leaf), PrivateKey: aws.String(pki.leafKey)})
	checkAWSError(t, "second certificate with the name", err, "EntityAlreadyExists", "The Server Certificate with name www already exists.")

	// Without a chain, then a rename onto a taken name and a real one.
	if _, err := n.iam.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{
		ServerCertificateName: aws.String("api"), CertificateBody: aws.String(pki.leaf), PrivateKey: aws.String(pki.leafKey)}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: aws.String("api"), NewServerCertificateName: aws.String("WWW")})
	checkAWSError(t, "rename onto a taken name", err, "EntityAlreadyExists", "")
	if _, err := n.iam.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: aws.String("api"),
		NewServerCertificateName: aws.String("api-2026"), NewPath: aws.String("/elb/")}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("api")})
	checkAWSError(t, "old name after rename", err, "NoSuchEntity", "The Server Certificate with name api cannot be found.")
	renamed, err := n.iam.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("api-2026")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(renamed.ServerCertificate.ServerCertificateMetadata.Arn) != "arn:aws:iam::"+n.account+":server-certificate/elb/api-2026" ||
		renamed.ServerCertificate.CertificateChain != nil {
		t.Errorf("renamed = %+v", renamed.ServerCertificate.ServerCertificateMetadata)
	}

	list, err := n.iam.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	rest, err := n.iam.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{Marker: list.Marker})
	if err != nil {
		t.Fatal(err)
	}
	if !list.IsTruncated || len(list.ServerCertificateMetadataList) != 1 || len(rest.ServerCertificateMetadataList) != 1 ||
		aws.ToString(list.ServerCertificateMetadataList[0].ServerCertificateName) != "api-2026" ||
		aws.ToString(rest.ServerCertificateMetadataList[0].ServerCertificateName) != "www" {
		t.Errorf("ListServerCertificates pages = %+v / %+v", list.ServerCertificateMetadataList, rest.ServerCertificateMetadataList)
	}
	under, err := n.iam.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{PathPrefix: aws.String("/cloudfront/")})
	if err != nil || len(under.ServerCertificateMetadataList) != 1 || aws.ToString(under.ServerCertificateMetadataList[0].ServerCertificateName) != "www" {
		t.Errorf("ListServerCertificates under /cloudfront/ = %+v, %v", under, err)
	}

	if _, err := n.iam.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("www")}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("www")})
	checkAWSError(t, "DeleteServerCertificate twice", err, "NoSuchEntity", "The Server Certificate with name www cannot be found.")
	_, err = n.iam.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: aws.String("www"), NewPath: aws.String("/x/")})
	checkAWSError(t, "UpdateServerCertificate of a missing certificate", err, "NoSuchEntity", "")
}

func TestUploadServerCertificateRefuses(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	pki := newTestPKI(t)
	other := newTestPKI(t)
	upload := func(body, key, chain string) error {
		in := &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("c"), CertificateBody: aws.String(body), PrivateKey: aws.String(key)}
		if chain != "" {
			in.CertificateChain = aws.String(chain)
		}
		_, err := n.iam.UploadServerCertificate(ctx, in)
		return err
	}
	unparsable := "Unable to parse certificate. Please ensure the certificate is in PEM format."
	checkAWSError(t, "body that is not PEM", upload("not a certificate", pki.leafKey, ""), "MalformedCertificate", unparsable)
	checkAWSError(t, "two certificates as the body", upload(pki.leaf+pki.intermediate, pki.leafKey, ""), "MalformedCertificate", unparsable)
	checkAWSError(t, "key that is not PEM", upload(pki.leaf, "not a key", ""), "MalformedCertificate", unparsable)
	checkAWSError(t, "another certificate's key", upload(pki.leaf, other.leafKey, ""), "KeyPairMismatch", "")
	checkAWSError(t, "chain in the wrong order", upload(pki.leaf, pki.leafKey, pki.root+pki.intermediate), "MalformedCertificate",
		"Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: -1")
	checkAWSError(t, "chain with a foreign root", upload(pki.leaf, pki.leafKey, pki.intermediate+other.root), "MalformedCertificate",
		"Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: 0")
	checkAWSError(t, "chain that is not PEM", upload(pki.leaf, pki.leafKey, "garbage"), "MalformedCertificate", "")
	_, err := n.iam.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("c"), Path: aws.String("/a//"),
		CertificateBody: aws.String(pki.leaf), PrivateKey: aws.String(pki.leafKey)})
	checkAWSError(t, "bad path", err, "InvalidInput", "")
	list, err := n.iam.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{})
	if err != nil || len(list.ServerCertificateMetadataList) != 0 {
		t.Errorf("refused uploads left certificates: %+v, %v", list, err)
	}
	// The same material uploads once it is right.
	if err := upload(pki.leaf, pki.leafKey, pki.intermediate); err != nil {
		t.Fatalf("upload with a partial chain: %v", err)
	}
}

func TestServerCertificateTags(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	pki := newTestPKI(t)
	if _, err := n.iam.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("c"),
		CertificateBody: aws.String(pki.leaf), PrivateKey: aws.String(pki.leafKey)}); err != nil {
		t.Fatal(err)
	}
	name := aws.String("c")
	if _, err := n.iam.TagServerCertificate(ctx, &iam.TagServerCertificateInput{ServerCertificateName: name,
		Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.UntagServerCertificate(ctx, &iam.UntagServerCertificateInput{ServerCertificateName: name, TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	out, err := n.iam.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: name})
	if err != nil || len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "b" {
		t.Errorf("ListServerCertificateTags = %+v, %v", out, err)
	}
	_, err = n.iam.TagServerCertificate(ctx, &iam.TagServerCertificateInput{ServerCertificateName: aws.String("nope"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}}})
	checkAWSError(t, "TagServerCertificate of a missing certificate", err, "NoSuchEntity", "")
	_, err = n.iam.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: aws.String("nope")})
	checkAWSError(t, "ListServerCertificateTags of a missing certificate", err, "NoSuchEntity", "")
}
