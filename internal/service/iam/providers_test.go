package iam_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

const (
	thumbA = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	thumbB = "1C58A3A8518E8759BF075B76B750D4F2DF264FCD"
)

func TestOpenIDConnectProviderLifecycle(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	created, err := n.iam.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://Token.Actions.GitHubUserContent.com"), ClientIDList: []string{"sts.amazonaws.com", "sts.amazonaws.com"},
		Tags: []types.Tag{{Key: aws.String("ci"), Value: aws.String("github")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.OpenIDConnectProviderArn)
	if want := "arn:aws:iam::" + n.account + ":oidc-provider/token.actions.githubusercontent.com"; arn != want {
		t.Errorf("ARN = %s, want %s", arn, want)
	}
	if len(created.Tags) != 1 {
		t.Errorf("created tags = %+v", created.Tags)
	}
	got, err := n.iam.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Url) != "token.actions.githubusercontent.com" || strings.Join(got.ClientIDList, ",") != "sts.amazonaws.com" ||
		len(got.ThumbprintList) != 0 || got.CreateDate == nil || len(got.Tags) != 1 {
		t.Errorf("GetOpenIDConnectProvider = %+v", got)
	}

	_, err = n.iam.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://token.actions.githubusercontent.com/")})
	checkAWSError(t, "second provider for the same URL", err, "EntityAlreadyExists", "")

	ids := aws.String(arn)
	if _, err := n.iam.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: ids, ClientID: aws.String("app-1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: ids, ClientID: aws.String("app-1")}); err != nil {
		t.Fatalf("adding a client id twice: %v", err)
	}
	if _, err := n.iam.RemoveClientIDFromOpenIDConnectProvider(ctx, &iam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: ids, ClientID: aws.String("sts.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.RemoveClientIDFromOpenIDConnectProvider(ctx, &iam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: ids, ClientID: aws.String("never-added")}); err != nil {
		t.Fatalf("removing a client id the provider lacks: %v", err)
	}
	if _, err := n.iam.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: ids, ThumbprintList: []string{thumbA, thumbB}}); err != nil {
		t.Fatal(err)
	}
	got, err = n.iam.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: ids})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.ClientIDList, ",") != "app-1" || strings.Join(got.ThumbprintList, ",") != thumbA+","+thumbB {
		t.Errorf("after updates: client ids %v, thumbprints %v", got.ClientIDList, got.ThumbprintList)
	}

	// Tags.
	if _, err := n.iam.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: ids, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.UntagOpenIDConnectProvider(ctx, &iam.UntagOpenIDConnectProviderInput{OpenIDConnectProviderArn: ids, TagKeys: []string{"ci"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := n.iam.ListOpenIDConnectProviderTags(ctx, &iam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: ids})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Errorf("ListOpenIDConnectProviderTags = %+v", tags.Tags)
	}

	// A provider with a path, listed with the first.
	eks, err := n.iam.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE/"), ClientIDList: []string{"sts.amazonaws.com"},
		ThumbprintList: []string{thumbA},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:iam::" + n.account + ":oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"; aws.ToString(eks.OpenIDConnectProviderArn) != want {
		t.Errorf("ARN with a path = %s, want %s", aws.ToString(eks.OpenIDConnectProviderArn), want)
	}
	list, err := n.iam.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.OpenIDConnectProviderList) != 2 {
		t.Errorf("ListOpenIDConnectProviders = %+v", list.OpenIDConnectProviderList)
	}

	if _, err := n.iam.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: ids}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: ids})
	checkAWSError(t, "GetOpenIDConnectProvider after delete", err, "NoSuchEntity", "OpenIDConnect Provider not found for arn "+arn)
	if _, err := n.iam.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: ids}); err != nil {
		t.Errorf("DeleteOpenIDConnectProvider of a deleted provider (idempotent): %v", err)
	}
	_, err = n.iam.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: ids, ClientID: aws.String("x")})
	checkAWSError(t, "AddClientID to a deleted provider", err, "NoSuchEntity", "")
	_, err = n.iam.ListOpenIDConnectProviderTags(ctx, &iam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: ids})
	checkAWSError(t, "ListOpenIDConnectProviderTags of a deleted provider", err, "NoSuchEntity", "")
}

func TestOpenIDConnectProviderValidation(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	create := func(url string, thumbprints ...string) error {
		_, err := n.iam.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(url), ThumbprintList: thumbprints})
		return err
	}
	for _, bad := range []string{"http://idp.example.com", "idp.example.com", "https://", "https://idp.example.com/?a=b", "https://idp.example.com#frag", "https://user@idp.example.com"} {
		checkAWSError(t, "URL "+bad, create(bad), "InvalidInput", "")
	}
	checkAWSError(t, "thumbprint that is not hex", create("https://a.example.com", strings.Repeat("z", 40)), "InvalidInput", "")
	checkAWSError(t, "six thumbprints", create("https://b.example.com", "0000000000000000000000000000000000000001", "0000000000000000000000000000000000000002",
		"0000000000000000000000000000000000000003", "0000000000000000000000000000000000000004", "0000000000000000000000000000000000000005",
		"0000000000000000000000000000000000000006"), "LimitExceeded", "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5")
	// The model bounds each thumbprint to 40 characters; whichever check
	// answers first, the request is refused as the client's fault.
	var ae smithy.APIError
	if err := create("https://c.example.com", strings.Repeat("a", 39)); !errors.As(err, &ae) ||
		(ae.ErrorCode() != "ValidationError" && ae.ErrorCode() != "InvalidInput") {
		t.Errorf("thumbprint of 39 characters: %v, want ValidationError or InvalidInput", err)
	}
	list, err := n.iam.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil || len(list.OpenIDConnectProviderList) != 0 {
		t.Errorf("refused creations left providers: %+v, %v", list, err)
	}
	if err := create("https://d.example.com"); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{
		OpenIDConnectProviderArn: aws.String("arn:aws:iam::" + n.account + ":oidc-provider/d.example.com"), ThumbprintList: []string{"g" + thumbA[1:]},
	})
	checkAWSError(t, "UpdateOpenIDConnectProviderThumbprint with a bad thumbprint", err, "InvalidInput", "")
}

// samlCertificate returns a self-signed certificate for an identity
// provider, DER-encoded.
func samlCertificate(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp.example.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// samlMetadata returns IdP metadata naming cert as its signing key, padded
// past the 1000 characters the API requires.
func samlMetadata(cert []byte, validUntil string) string {
	attr := ""
	if validUntil != "" {
		attr = ` validUntil="` + validUntil + `"`
	}
	return `<?xml version="1.0" encoding="UTF-8"?>
<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/metadata"` + attr + `>
  <!-- ` + strings.Repeat("padding ", 60) + ` -->
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data><ds:X509Certificate>` + base64.StdEncoding.EncodeToString(cert) + `</ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </KeyDescriptor>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso"/>
  </IDPSSODescriptor>
</EntityDescriptor>
`
}

// assertionKeyPEM returns a new PKCS #8 private key in PEM.
func assertionKeyPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestSAMLProviderLifecycle(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	cert := samlCertificate(t)
	doc := samlMetadata(cert, "2036-01-02T03:04:05Z")
	created, err := n.iam.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{
		Name: aws.String("Okta"), SAMLMetadataDocument: aws.String(doc),
		Tags: []types.Tag{{Key: aws.String("idp"), Value: aws.String("okta")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.SAMLProviderArn)
	if want := "arn:aws:iam::" + n.account + ":saml-provider/Okta"; arn != want {
		t.Errorf("ARN = %s, want %s", arn, want)
	}
	got, err := n.iam.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.SAMLMetadataDocument) != doc || len(got.Tags) != 1 || len(aws.ToString(got.SAMLProviderUUID)) < 22 {
		t.Errorf("GetSAMLProvider = %+v", got)
	}
	if want := time.Date(2036, 1, 2, 3, 4, 5, 0, time.UTC); !aws.ToTime(got.ValidUntil).Equal(want) {
		t.Errorf("ValidUntil = %v, want %v from the metadata", got.ValidUntil, want)
	}

	_, err = n.iam.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Okta"), SAMLMetadataDocument: aws.String(doc)})
	checkAWSError(t, "second provider with the name", err, "EntityAlreadyExists", "")

	// Metadata without validUntil: a century.
	if _, err := n.iam.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: aws.String(arn), SAMLMetadataDocument: aws.String(samlMetadata(cert, ""))}); err != nil {
		t.Fatal(err)
	}
	list, err := n.iam.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.SAMLProviderList) != 1 || aws.ToString(list.SAMLProviderList[0].Arn) != arn {
		t.Fatalf("ListSAMLProviders = %+v", list.SAMLProviderList)
	}
	if until := aws.ToTime(list.SAMLProviderList[0].ValidUntil); until.Before(time.Now().AddDate(99, 0, 0)) {
		t.Errorf("ValidUntil without one in the metadata = %v, want about a century ahead", until)
	}

	// Tags.
	if _, err := n.iam.TagSAMLProvider(ctx, &iam.TagSAMLProviderInput{SAMLProviderArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("b"), Value: aws.String("2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.UntagSAMLProvider(ctx, &iam.UntagSAMLProviderInput{SAMLProviderArn: aws.String(arn), TagKeys: []string{"idp"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := n.iam.ListSAMLProviderTags(ctx, &iam.ListSAMLProviderTagsInput{SAMLProviderArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "b" {
		t.Errorf("ListSAMLProviderTags = %+v, %v", tags, err)
	}

	if _, err := n.iam.DeleteSAMLProvider(ctx, &iam.DeleteSAMLProviderInput{SAMLProviderArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(arn)})
	checkAWSError(t, "GetSAMLProvider after delete", err, "NoSuchEntity", "SAMLProvider not found for arn "+arn)
	_, err = n.iam.DeleteSAMLProvider(ctx, &iam.DeleteSAMLProviderInput{SAMLProviderArn: aws.String(arn)})
	checkAWSError(t, "DeleteSAMLProvider twice", err, "NoSuchEntity", "")
	_, err = n.iam.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: aws.String(arn), SAMLMetadataDocument: aws.String(doc)})
	checkAWSError(t, "UpdateSAMLProvider of a deleted provider", err, "NoSuchEntity", "")
	_, err = n.iam.ListSAMLProviderTags(ctx, &iam.ListSAMLProviderTagsInput{SAMLProviderArn: aws.String(arn)})
	checkAWSError(t, "ListSAMLProviderTags of a deleted provider", err, "NoSuchEntity", "")
}

func TestSAMLProviderRefusesBadMetadata(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	cert := samlCertificate(t)
	pad := "<!-- " + strings.Repeat("x", 1000) + " -->"
	cases := map[string]string{
		"not XML":            pad + "this is not metadata",
		"SP metadata":        `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="sp">` + pad + `<SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>`,
		"no signing key":     strings.Replace(samlMetadata(cert, ""), `use="signing"`, `use="encryption"`, 1),
		"corrupt key":        strings.Replace(samlMetadata(cert, ""), "<ds:X509Certificate>", "<ds:X509Certificate>AAAA", 1),
		"unreadable expiry":  samlMetadata(cert, "soon"),
		"wrong root element": `<Metadata>` + pad + `</Metadata>`,
	}
	for name, doc := range cases {
		_, err := n.iam.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Bad"), SAMLMetadataDocument: aws.String(doc)})
		checkAWSError(t, name, err, "InvalidInput", "")
		if err != nil && !strings.Contains(err.Error(), "Could not parse metadata") {
			t.Errorf("%s: message %q does not say the metadata could not be parsed", name, err)
		}
	}
	_, err := n.iam.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Short"), SAMLMetadataDocument: aws.String("<x/>")})
	checkAWSError(t, "metadata under 1000 characters", err, "ValidationError", "")

	if _, err := n.iam.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Good"), SAMLMetadataDocument: aws.String(samlMetadata(cert, ""))}); err != nil {
		t.Fatal(err)
	}
	arn := aws.String("arn:aws:iam::" + n.account + ":saml-provider/Good")
	_, err = n.iam.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: arn, SAMLMetadataDocument: aws.String(cases["no signing key"])})
	checkAWSError(t, "UpdateSAMLProvider with bad metadata", err, "InvalidInput", "")
	got, err := n.iam.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: arn})
	if err != nil || aws.ToString(got.SAMLMetadataDocument) != samlMetadata(cert, "") {
		t.Errorf("a refused update changed the metadata: %v", err)
	}
}

func TestSAMLProviderAssertionEncryption(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	doc := samlMetadata(samlCertificate(t), "")
	_, err := n.iam.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Enc"), SAMLMetadataDocument: aws.String(doc),
		AssertionEncryptionMode: types.AssertionEncryptionModeTypeRequired})
	checkAWSError(t, "Required without a key", err, "InvalidInput", "")
	_, err = n.iam.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Enc"), SAMLMetadataDocument: aws.String(doc),
		AddPrivateKey: aws.String("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")})
	checkAWSError(t, "a private key that does not parse", err, "InvalidInput", "")

	keyPEM := assertionKeyPEM(t)
	created, err := n.iam.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Enc"), SAMLMetadataDocument: aws.String(doc),
		AssertionEncryptionMode: types.AssertionEncryptionModeTypeRequired, AddPrivateKey: aws.String(keyPEM)})
	if err != nil {
		t.Fatal(err)
	}
	arn := created.SAMLProviderArn
	got, err := n.iam.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if got.AssertionEncryptionMode != types.AssertionEncryptionModeTypeRequired || len(got.PrivateKeyList) != 1 ||
		len(aws.ToString(got.PrivateKeyList[0].KeyId)) < 22 || got.PrivateKeyList[0].Timestamp == nil {
		t.Fatalf("GetSAMLProvider = mode %s, keys %+v", got.AssertionEncryptionMode, got.PrivateKeyList)
	}
	first := got.PrivateKeyList[0].KeyId

	_, err = n.iam.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: arn, RemovePrivateKey: first})
	checkAWSError(t, "removing the only key while Required", err, "InvalidInput", "")
	_, err = n.iam.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: arn, RemovePrivateKey: aws.String(strings.Repeat("A", 26))})
	checkAWSError(t, "removing an unknown key", err, "NoSuchEntity", "")
	if _, err := n.iam.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: arn, AddPrivateKey: aws.String(assertionKeyPEM(t))}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: arn, AddPrivateKey: aws.String(assertionKeyPEM(t))})
	checkAWSError(t, "a third key", err, "LimitExceeded", "")
	// Rotation: the old key goes, the new one stays.
	if _, err := n.iam.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: arn, RemovePrivateKey: first}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: arn, AssertionEncryptionMode: types.AssertionEncryptionModeTypeAllowed}); err != nil {
		t.Fatal(err)
	}
	got, err = n.iam.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if got.AssertionEncryptionMode != types.AssertionEncryptionModeTypeAllowed || len(got.PrivateKeyList) != 1 ||
		aws.ToString(got.PrivateKeyList[0].KeyId) == aws.ToString(first) {
		t.Errorf("after rotation: mode %s, keys %+v", got.AssertionEncryptionMode, got.PrivateKeyList)
	}
	if strings.Contains(aws.ToString(got.SAMLMetadataDocument), "PRIVATE KEY") {
		t.Error("a private key leaked into the metadata")
	}
}
