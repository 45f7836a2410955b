package iam

import (
	"context"
	"crypto"
	"errors"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/iam/awsmanaged"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/keyring"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

const testAccount = "111122223333"

// newTestService returns the IAM service over a fresh store with the AWS
// managed policies, and a call of the test account's root user.
func newTestService(t *testing.T) (*Service, *call.Call) {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	kr, err := keyring.LoadOrCreate(filepath.Join(dir, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	d := iam.NewDirectory(st, kr, account.NewCredentials(st, kr), awsmanaged.Policies())
	c := &call.Call{Principal: &identity.Principal{Type: identity.Root, AccountID: testAccount, ARN: "arn:aws:iam::" + testAccount + ":root"}}
	return New(d, nil), c
}

func TestServiceLinkedRolePoliciesExist(t *testing.T) {
	set := awsmanaged.Policies()
	for service, slr := range serviceLinkedRoles {
		arn := iam.PolicyARN("aws", serviceRolePathPrefix, slr.policy)
		if set.Get(arn) == nil {
			t.Errorf("%s: %s is not an AWS managed policy", service, arn)
		}
		if len(slr.name) > 64 {
			t.Errorf("%s: role name %s is too long", service, slr.name)
		}
	}
}

func TestServiceLinkedRoleCarriesItsPolicy(t *testing.T) {
	s, c := newTestService(t)
	ctx := context.Background()
	out, err := s.CreateServiceLinkedRole(ctx, c, &api.CreateServiceLinkedRoleInput{AWSServiceName: ptr("guardduty.amazonaws.com")})
	if err != nil {
		t.Fatal(err)
	}
	const policyARN = "arn:aws:iam::aws:policy/aws-service-role/AmazonGuardDutyServiceRolePolicy"
	var r *iam.Role
	err = s.dir.View(ctx, func(tx *iam.Tx) error {
		r, err = tx.Role(testAccount, *out.Role.RoleName)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !r.ServiceLinked || len(r.Attached) != 1 || r.Attached[0] != policyARN {
		t.Fatalf("role = %+v, want service-linked with %s attached", r, policyARN)
	}
	usage := func() int {
		var a int
		err := s.dir.View(ctx, func(tx *iam.Tx) error {
			a, _, err = tx.AWSPolicyUsage(testAccount, "AmazonGuardDutyServiceRolePolicy")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if n := usage(); n != 1 {
		t.Errorf("attachments of the policy = %d, want 1", n)
	}
	// The role's permissions are those of the policy.
	perms, err := s.dir.RolePermissions(ctx, testAccount, r.Name)
	if err != nil {
		t.Fatal(err)
	}
	if !perms.ServiceLinked || len(perms.Identity) != 1 || perms.TrustPolicy == nil {
		t.Errorf("permissions = %+v", perms)
	}
	if _, err := s.DeleteServiceLinkedRole(ctx, c, &api.DeleteServiceLinkedRoleInput{RoleName: ptr(r.Name)}); err != nil {
		t.Fatal(err)
	}
	if n := usage(); n != 0 {
		t.Errorf("attachments after deletion = %d, want 0", n)
	}
}

func TestServerCertificateKeyIsSealed(t *testing.T) {
	s, c := newTestService(t)
	ctx := context.Background()
	cert, key := selfSignedPEM(t)
	if _, err := s.UploadServerCertificate(ctx, c, &api.UploadServerCertificateInput{
		ServerCertificateName: ptr("site"), CertificateBody: ptr(cert), PrivateKey: ptr(key),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateServerCertificate(ctx, c, &api.UpdateServerCertificateInput{
		ServerCertificateName: ptr("site"), NewServerCertificateName: ptr("renamed"),
	}); err != nil {
		t.Fatal(err)
	}
	var sc *iam.ServerCertificate
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		sc, err = tx.ServerCertificate(testAccount, "renamed")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.PrivateKeySealed) == 0 || containsBytes(sc.PrivateKeySealed, []byte("PRIVATE KEY")) {
		t.Fatal("the private key is stored in the clear")
	}
	k, err := sc.PrivateKey(s.dir.Keyring())
	if err != nil {
		t.Fatalf("opening the key after a rename: %v", err)
	}
	parsed, err := parseServerCertificate(cert, key, "")
	if err != nil {
		t.Fatal(err)
	}
	if pub, ok := parsed.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(k.Public()) {
		t.Error("the opened key is not the certificate's")
	}
}

func containsBytes(b, sub []byte) bool {
	for i := 0; i+len(sub) <= len(b); i++ {
		if string(b[i:i+len(sub)]) == string(sub) {
			return true
		}
	}
	return false
}

func TestOIDCProviderURL(t *testing.T) {
	good := map[string]string{
		"https://accounts.google.com":                 "accounts.google.com",
		"HTTPS://Example.COM/":                        "example.com",
		"https://oidc.example.com/id/ABC":             "oidc.example.com/id/ABC",
		"https://localhost:8443/realms/dev":           "localhost:8443/realms/dev",
		"https://login.example.com/tenant/v2.0/":      "login.example.com/tenant/v2.0",
		"https://token.actions.githubusercontent.com": "token.actions.githubusercontent.com",
	}
	for in, want := range good {
		got, err := oidcProviderURL(in)
		if err != nil || got != want {
			t.Errorf("oidcProviderURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "https://", "http://a.com", "ftp://a.com", "https:///path", "https://a.com?x=1", "https://a.com?", "https://a.com/#f", "https://u:p@a.com", "https://a.com/a b"} {
		if got, err := oidcProviderURL(bad); err == nil {
			t.Errorf("oidcProviderURL(%q) = %q, want an error", bad, got)
		}
	}
}

func FuzzOIDCProviderURL(f *testing.F) {
	for _, seed := range []string{"https://accounts.google.com", "https://a.com/x/", "https://a.com:1/%41", "http://x", "https://[::1]:8443/p", "https://a.com?q"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		id, err := oidcProviderURL(raw)
		if err != nil {
			if err.Code != "InvalidInput" {
				t.Fatalf("error code %s", err.Code)
			}
			return
		}
		if id == "" || id[len(id)-1] == '/' || containsBytes([]byte(id), []byte("?")) || containsBytes([]byte(id), []byte("#")) {
			t.Fatalf("oidcProviderURL(%q) = %q", raw, id)
		}
		// The identity is stable: registering it again gives the same ARN.
		again, err := oidcProviderURL("https://" + id)
		if err != nil || again != id {
			t.Fatalf("oidcProviderURL(https://%s) = %q, %v; want %q", id, again, err, id)
		}
	})
}

// apiErrorCode returns the code of a *protocol.Error, or "".
func apiErrorCode(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
