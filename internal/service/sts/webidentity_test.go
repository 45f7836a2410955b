package sts_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	stssdk "github.com/aws/aws-sdk-go-v2/service/sts"
)

// issuer is a test OpenID Connect identity provider: an HTTPS server with
// a discovery document and a JWKS, and the key that signs its ID tokens.
type issuer struct {
	srv *httptest.Server
	key *ecdsa.PrivateKey
	kid string
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key, kid: "key-1"}
	mux := http.NewServeMux()
	is.srv = httptest.NewTLSServer(mux)
	t.Cleanup(is.srv.Close)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": is.srv.URL, "jwks_uri": is.srv.URL + "/keys"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: is.kid, Algorithm: "ES256", Use: "sig"}}})
	})
	return is
}

// thumbprint is the SHA-1 fingerprint of the issuer's certificate.
func (is *issuer) thumbprint() string {
	sum := sha1.Sum(is.srv.Certificate().Raw)
	return hex.EncodeToString(sum[:])
}

// host is the issuer URL without its scheme, as IAM names the provider.
func (is *issuer) host() string { return strings.TrimPrefix(is.srv.URL, "https://") }

// token signs an ID token with claims, with the given key (nil: the
// issuer's).
func (is *issuer) token(t *testing.T, key *ecdsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	if key == nil {
		key = is.key
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: is.kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (is *issuer) claims(sub, aud string, exp time.Time) map[string]any {
	return map[string]any{"iss": is.srv.URL, "sub": sub, "aud": aud, "iat": time.Now().Unix(), "exp": exp.Unix()}
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	is := newIssuer(t)
	// The node does not trust the issuer's test CA: it trusts the
	// certificate through the provider's registered thumbprint.
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	provider, err := n.rootIAM().CreateOpenIDConnectProvider(ctx, &iamsdk.CreateOpenIDConnectProviderInput{
		Url: aws.String(is.srv.URL), ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{is.thumbprint()},
	})
	if err != nil {
		t.Fatalf("CreateOpenIDConnectProvider: %v", err)
	}
	provARN := *provider.OpenIDConnectProviderArn
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provARN + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + is.host() + `:aud":"sts.amazonaws.com"},` +
		`"StringLike":{"` + is.host() + `:sub":"repo:octo/*"}}}]}`
	roleARN, roleID := n.role(t, "CI", trust, "", 0)
	anon := stssdk.NewFromConfig(n.anonymous(), noRetry)
	assume := func(token string) (*stssdk.AssumeRoleWithWebIdentityOutput, error) {
		return anon.AssumeRoleWithWebIdentity(ctx, &stssdk.AssumeRoleWithWebIdentityInput{
			RoleArn: &roleARN, RoleSessionName: aws.String("build-7"), WebIdentityToken: &token,
		})
	}
	inAnHour := time.Now().Add(time.Hour)

	out, err := assume(is.token(t, nil, is.claims("repo:octo/app:ref:refs/heads/main", "sts.amazonaws.com", inAnHour)))
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	if *out.SubjectFromWebIdentityToken != "repo:octo/app:ref:refs/heads/main" || *out.Provider != is.srv.URL || *out.Audience != "sts.amazonaws.com" {
		t.Errorf("output: subject %s, provider %s, audience %s", *out.SubjectFromWebIdentityToken, *out.Provider, *out.Audience)
	}
	wantARN := "arn:aws:sts::" + n.Account + ":assumed-role/CI/build-7"
	if *out.AssumedRoleUser.Arn != wantARN || *out.AssumedRoleUser.AssumedRoleId != roleID+":build-7" {
		t.Errorf("AssumedRoleUser = %s %s", *out.AssumedRoleUser.Arn, *out.AssumedRoleUser.AssumedRoleId)
	}
	id, err := stssdk.NewFromConfig(n.session(out.Credentials)).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	if err != nil || *id.Arn != wantARN {
		t.Fatalf("GetCallerIdentity with the web identity session: %v %v", id, err)
	}

	// Refusals, each with AWS's error.
	_, err = assume(is.token(t, nil, is.claims("repo:octo/app", "someone-else", inAnHour)))
	apiError(t, err, "InvalidIdentityToken", "Incorrect token audience")

	expired := time.Now().Add(-time.Minute)
	_, err = assume(is.token(t, nil, is.claims("repo:octo/app", "sts.amazonaws.com", expired)))
	ae := apiError(t, err, "ExpiredTokenException", "")
	if !strings.HasPrefix(ae.ErrorMessage(), "Token expired: current date/time ") {
		t.Errorf("expired token message: %s", ae.ErrorMessage())
	}

	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, err = assume(is.token(t, otherKey, is.claims("repo:octo/app", "sts.amazonaws.com", inAnHour)))
	apiError(t, err, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")

	_, err = assume("not.a.jwt")
	apiError(t, err, "InvalidIdentityToken", "")

	foreign := is.claims("repo:octo/app", "sts.amazonaws.com", inAnHour)
	foreign["iss"] = "https://idp.example.com"
	_, err = assume(is.token(t, nil, foreign))
	apiError(t, err, "InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://idp.example.com")

	// A subject the trust policy does not name.
	_, err = assume(is.token(t, nil, is.claims("repo:evil/app", "sts.amazonaws.com", inAnHour)))
	apiError(t, err, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")

	// With enforcement off the trust policy is not consulted, but the
	// token still is.
	n.STS.EnforceTrust = false
	if _, err := assume(is.token(t, nil, is.claims("repo:evil/app", "sts.amazonaws.com", inAnHour))); err != nil {
		t.Errorf("with enforcement off: %v", err)
	}
	_, err = assume(is.token(t, otherKey, is.claims("repo:evil/app", "sts.amazonaws.com", inAnHour)))
	apiError(t, err, "InvalidIdentityToken", "")
}

func TestAssumeRoleWithWebIdentitySessionTags(t *testing.T) {
	is := newIssuer(t)
	// This node trusts the issuer's CA through its HTTP client, and the
	// provider has no thumbprint.
	n := startNode(t, nodeOptions{httpClient: is.srv.Client()})
	ctx := context.Background()
	provider, err := n.rootIAM().CreateOpenIDConnectProvider(ctx, &iamsdk.CreateOpenIDConnectProviderInput{
		Url: aws.String(is.srv.URL), ClientIDList: []string{"my-app"},
	})
	if err != nil {
		t.Fatalf("CreateOpenIDConnectProvider: %v", err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + *provider.OpenIDConnectProviderArn + `"},` +
		`"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession","sts:SetSourceIdentity"]}]}`
	roleARN, _ := n.role(t, "Tagged", trust, "", 0)
	claims := is.claims("user-1", "my-app", time.Now().Add(time.Hour))
	claims["https://aws.amazon.com/tags"] = map[string]any{
		"principal_tags":      map[string][]string{"team": {"blue"}},
		"transitive_tag_keys": []string{"team"},
	}
	claims["https://aws.amazon.com/source_identity"] = "user-1"
	out, err := stssdk.NewFromConfig(n.anonymous()).AssumeRoleWithWebIdentity(ctx, &stssdk.AssumeRoleWithWebIdentityInput{
		RoleArn: &roleARN, RoleSessionName: aws.String("u1"), WebIdentityToken: aws.String(is.token(t, nil, claims)),
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity with session tags: %v", err)
	}
	if aws.ToString(out.SourceIdentity) != "user-1" || out.PackedPolicySize == nil {
		t.Errorf("SourceIdentity %v, PackedPolicySize %v", out.SourceIdentity, out.PackedPolicySize)
	}
}
