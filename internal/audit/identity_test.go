package audit

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
)

func TestUserIdentityFor(t *testing.T) {
	rootWithSession := *rootPrincipal
	rootWithSession.AccessKeyID = "ASIAIOSFODNN7EXAMPLE"
	rootWithSession.Session = &identity.Session{IssuedAt: sessionTime, MFAAuthenticated: true}

	federatedByRoot := *federatedPrincipal
	federatedByRoot.Session = &identity.Session{
		IssuedAt:          sessionTime,
		IssuerARN:         "arn:aws:iam::123456789012:root",
		IssuerPrincipalID: "123456789012",
		IssuerType:        "Root",
	}

	roleNoIssuerType := *rolePrincipal
	roleNoIssuerType.Session = &identity.Session{
		IssuedAt:          sessionTime,
		IssuerARN:         "arn:aws:iam::210987654321:role/Cross",
		IssuerPrincipalID: "AROAEXAMPLEEXAMPLE01",
	}

	for _, tc := range []struct {
		name string
		p    *identity.Principal
		want UserIdentity
	}{
		{"root", rootPrincipal, UserIdentity{
			Type: "Root", PrincipalID: "123456789012", ARN: "arn:aws:iam::123456789012:root",
			AccountID: "123456789012", AccessKeyID: "AKIAIOSFODNN7EXAMPLE",
		}},
		{"root session", &rootWithSession, UserIdentity{
			Type: "Root", PrincipalID: "123456789012", ARN: "arn:aws:iam::123456789012:root",
			AccountID: "123456789012", AccessKeyID: "ASIAIOSFODNN7EXAMPLE",
			SessionContext: SessionContext{Attributes: SessionAttributes{CreationDate: sessionTime, MFAAuthenticated: true}},
		}},
		{"iam user", userPrincipal, UserIdentity{
			Type: "IAMUser", PrincipalID: "AIDAJ45Q7YFFAREXAMPLE", ARN: "arn:aws:iam::123456789012:user/Alice",
			AccountID: "123456789012", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", UserName: "Alice",
		}},
		{"assumed role", rolePrincipal, UserIdentity{
			Type: "AssumedRole", PrincipalID: "AROAIDPPEZS35WEXAMPLE:MySessionName",
			ARN:       "arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed/MySessionName",
			AccountID: "123456789012", AccessKeyID: "ASIAIOSFODNN7EXAMPLE",
			SessionContext: SessionContext{
				SessionIssuer: SessionIssuer{
					Type: "Role", PrincipalID: "AROAIDPPEZS35WEXAMPLE",
					ARN:       "arn:aws:iam::123456789012:role/path/RoleToBeAssumed",
					AccountID: "123456789012", UserName: "RoleToBeAssumed",
				},
				Attributes:     SessionAttributes{CreationDate: sessionTime},
				SourceIdentity: "alice@example.com",
			},
		}},
		{"assumed role, issuer type and account from the ARN", &roleNoIssuerType, UserIdentity{
			Type: "AssumedRole", PrincipalID: "AROAIDPPEZS35WEXAMPLE:MySessionName",
			ARN:       "arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed/MySessionName",
			AccountID: "123456789012", AccessKeyID: "ASIAIOSFODNN7EXAMPLE",
			SessionContext: SessionContext{
				SessionIssuer: SessionIssuer{
					Type: "Role", PrincipalID: "AROAEXAMPLEEXAMPLE01",
					ARN:       "arn:aws:iam::210987654321:role/Cross",
					AccountID: "210987654321", UserName: "Cross",
				},
				Attributes: SessionAttributes{CreationDate: sessionTime},
			},
		}},
		{"federated user", federatedPrincipal, UserIdentity{
			Type: "FederatedUser", PrincipalID: "123456789012:Bob", ARN: "arn:aws:sts::123456789012:federated-user/Bob",
			AccountID: "123456789012", AccessKeyID: "ASIAIOSFODNN7EXAMPLE",
			SessionContext: SessionContext{
				SessionIssuer: SessionIssuer{
					Type: "IAMUser", PrincipalID: "AIDAJ45Q7YFFAREXAMPLE",
					ARN: "arn:aws:iam::123456789012:user/Alice", AccountID: "123456789012", UserName: "Alice",
				},
				Attributes: SessionAttributes{CreationDate: sessionTime},
			},
		}},
		{"federated user issued by root", &federatedByRoot, UserIdentity{
			Type: "FederatedUser", PrincipalID: "123456789012:Bob", ARN: "arn:aws:sts::123456789012:federated-user/Bob",
			AccountID: "123456789012", AccessKeyID: "ASIAIOSFODNN7EXAMPLE",
			SessionContext: SessionContext{
				SessionIssuer: SessionIssuer{
					Type: "Root", PrincipalID: "123456789012",
					ARN: "arn:aws:iam::123456789012:root", AccountID: "123456789012",
				},
				Attributes: SessionAttributes{CreationDate: sessionTime},
			},
		}},
		{"failed authentication", nil, UserIdentity{Type: "Unknown"}},
		{"failed authentication, key known", &identity.Principal{AccessKeyID: "AKIAI44QH8DHBEXAMPLE"},
			UserIdentity{Type: "Unknown", AccessKeyID: "AKIAI44QH8DHBEXAMPLE"}},
		{"failed authentication, key and account known",
			&identity.Principal{AccessKeyID: "AKIAI44QH8DHBEXAMPLE", AccountID: "123456789012"},
			UserIdentity{Type: "Unknown", AccessKeyID: "AKIAI44QH8DHBEXAMPLE", AccountID: "123456789012"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := UserIdentityFor(tc.p)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("UserIdentityFor =\n%s\nwant\n%s", got.appendJSON(nil), tc.want.appendJSON(nil))
			}
		})
	}
}

func TestUnknownIdentity(t *testing.T) {
	if got, want := UnknownIdentity("ASIAIOSFODNN7EXAMPLE"), (UserIdentity{Type: "Unknown", AccessKeyID: "ASIAIOSFODNN7EXAMPLE"}); got != want {
		t.Errorf("UnknownIdentity = %+v, want %+v", got, want)
	}
	if got := UnknownIdentity(""); got != (UserIdentity{Type: "Unknown"}) {
		t.Errorf("UnknownIdentity(\"\") = %+v", got)
	}
}

func TestSanitizeAccessKeyID(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		"AKIAIOSFODNN7EXAMPLE": "AKIAIOSFODNN7EXAMPLE",
		"ASIAIOSFODNN7EXAMPLE": "ASIAIOSFODNN7EXAMPLE",
		"AKIA0123456789AB":     "AKIA0123456789AB", // 16, the minimum
		// A secret access key sent in the key id's place.
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": Hidden,
		"wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEYab": Hidden,
		"AKIA":                   Hidden,
		"AKIA IOSFODNN7EXAMPLE":  Hidden,
		"akiaiosfodnn7example":   Hidden,
		"AKIAIOSFODNN7EXAMPLE\n": Hidden,
	} {
		if got := SanitizeAccessKeyID(in); got != want {
			t.Errorf("SanitizeAccessKeyID(%q) = %q, want %q", in, got, want)
		}
	}
	long := make([]byte, 129)
	for i := range long {
		long[i] = 'A'
	}
	if SanitizeAccessKeyID(string(long)) != Hidden {
		t.Error("a 129-character key id was kept")
	}
}

func TestLookupUsername(t *testing.T) {
	for _, tc := range []struct {
		ui   UserIdentity
		want string
	}{
		{UserIdentityFor(rootPrincipal), "root"},
		{UserIdentityFor(userPrincipal), "Alice"},
		{UserIdentityFor(rolePrincipal), "MySessionName"},
		{UserIdentityFor(federatedPrincipal), "Bob"},
		{UserIdentity{Type: "AssumedRole", PrincipalID: "AROAEXAMPLE:sess-from-id"}, "sess-from-id"},
		{UserIdentity{Type: "FederatedUser", PrincipalID: "123456789012:Carol"}, "Carol"},
		{UnknownIdentity("AKIAIOSFODNN7EXAMPLE"), ""},
	} {
		if got := lookupUsername(&tc.ui); got != tc.want {
			t.Errorf("lookupUsername(%s) = %q, want %q", tc.ui.appendJSON(nil), got, tc.want)
		}
	}
}

// TestSessionAttributesZeroCreationDate: a session without an issue time
// writes no creationDate rather than year 1, and no session at all writes no
// sessionContext.
func TestSessionAttributesZeroCreationDate(t *testing.T) {
	ui := UserIdentity{Type: "IAMUser", SessionContext: SessionContext{SourceIdentity: "src"}}
	got := string(ui.appendJSON(nil))
	want := `{"type":"IAMUser","sessionContext":{"attributes":{"mfaAuthenticated":"false"},"sourceIdentity":"src"}}`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	ui.SessionContext = SessionContext{Attributes: SessionAttributes{CreationDate: time.Time{}}}
	if got := string(ui.appendJSON(nil)); got != `{"type":"IAMUser"}` {
		t.Errorf("zero session: got %s", got)
	}
}

// TestUserIdentityForAllocatesNothing: building the identity is on the
// request path.
func TestUserIdentityForAllocatesNothing(t *testing.T) {
	for _, p := range []*identity.Principal{rootPrincipal, userPrincipal, rolePrincipal, federatedPrincipal, nil} {
		if n := testing.AllocsPerRun(100, func() { _ = UserIdentityFor(p) }); n != 0 {
			t.Errorf("UserIdentityFor(%v) allocates %v times", p, n)
		}
	}
}
