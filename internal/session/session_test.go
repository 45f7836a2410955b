package session

import (
	"bytes"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/keyring"
)

func testKeyring(t testing.TB, fill byte) *keyring.Keyring {
	t.Helper()
	kr, err := keyring.New(bytes.Repeat([]byte{fill}, keyring.RootKeySize))
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// roleSession is a typical AssumeRole session, chained from another role
// session with MFA, tags and session policies.
func roleSession() identity.Principal {
	return identity.Principal{
		Type:        identity.AssumedRole,
		AccountID:   "123456789012",
		ARN:         "arn:aws:sts::123456789012:assumed-role/Deployer/ci-run-42",
		PrincipalID: "AROAEXAMPLEEXAMPLE12:ci-run-42",
		UserName:    "Deployer",
		Session: &identity.Session{
			IssuedAt:           t0,
			Expiration:         t0.Add(time.Hour),
			MFAAuthenticated:   true,
			MFAAuthenticatedAt: t0.Add(-time.Minute),
			SourceIdentity:     "alice@example.com",
			Tags:               map[string]string{"Project": "Blue", "CostCenter": "1234"},
			TransitiveTagKeys:  []string{"Project"},
			IssuerARN:          "arn:aws:iam::123456789012:role/ops/Deployer",
			IssuerPrincipalID:  "AROAEXAMPLEEXAMPLE12",
			IssuerType:         "Role",
			Policy:             `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
			PolicyARNs:         []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
			RoleChained:        true,
		},
	}
}

func TestIssueAndOpenRoundTrip(t *testing.T) {
	c := NewCodec(testKeyring(t, 1))
	p := roleSession()
	cred, err := c.Issue(p, t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cred.AccessKeyID, "ASIA") || len(cred.AccessKeyID) != 20 {
		t.Errorf("access key id %q: want ASIA and 16 more characters", cred.AccessKeyID)
	}
	if len(cred.SecretAccessKey) != 40 {
		t.Errorf("secret has %d characters, want 40", len(cred.SecretAccessKey))
	}
	claims, err := c.Open(cred.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if string(claims.Secret) != cred.SecretAccessKey || claims.AccessKeyID != cred.AccessKeyID {
		t.Errorf("claims carry key %q, want %q and the issued secret", claims.AccessKeyID, cred.AccessKeyID)
	}
	if !claims.Expiration.Equal(t0.Add(time.Hour)) || !claims.IssuedAt.Equal(t0) {
		t.Errorf("times: issued %v, expires %v", claims.IssuedAt, claims.Expiration)
	}
	want := p
	want.AccessKeyID = cred.AccessKeyID
	if !reflect.DeepEqual(claims.Principal, want) {
		t.Errorf("principal:\n got %+v %+v\nwant %+v %+v", claims.Principal, claims.Principal.Session, want, want.Session)
	}
	if !claims.MatchesKeyID(cred.AccessKeyID) || claims.MatchesKeyID(cred.AccessKeyID[:19]+"A") {
		t.Error("MatchesKeyID does not compare the key id")
	}
	if claims.Expired(t0.Add(59*time.Minute)) || !claims.Expired(t0.Add(time.Hour)) {
		t.Error("Expired: want valid until, and expired at, the expiration time")
	}
}

// TestTokensAreCompact checks token sizes against what AWS clients are used
// to: a plain role session is a few hundred characters, and a session with
// a long policy and fifty tags stays under a few kilobytes.
func TestTokensAreCompact(t *testing.T) {
	c := NewCodec(testKeyring(t, 1))
	plain := identity.Principal{
		Type: identity.AssumedRole, AccountID: "123456789012",
		ARN:         "arn:aws:sts::123456789012:assumed-role/Deployer/ci-run-42",
		PrincipalID: "AROAEXAMPLEEXAMPLE12:ci-run-42", UserName: "Deployer",
		Session: &identity.Session{IssuerARN: "arn:aws:iam::123456789012:role/Deployer", IssuerPrincipalID: "AROAEXAMPLEEXAMPLE12", IssuerType: "Role"},
	}
	cred, err := c.Issue(plain, t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cred.SessionToken); n > 500 {
		t.Errorf("plain role session token is %d characters, want at most 500", n)
	}
	big := roleSession()
	big.Session.Tags = map[string]string{}
	for i := range 50 {
		big.Session.Tags[strings.Repeat("k", 20)+string(rune('A'+i%26))+string(rune('a'+i/26))] = strings.Repeat("value", 10)
	}
	big.Session.Policy = `{"Version":"2012-10-17","Statement":[` + strings.Repeat(`{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bucket/prefix/*"},`, 20) + `{"Effect":"Deny","Action":"*","Resource":"*"}]}`
	cred, err = c.Issue(big, t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cred.SessionToken); n > 4096 {
		t.Errorf("large session token is %d characters, want at most 4096", n)
	}
	claims, err := c.Open(cred.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if claims.Principal.Session.Policy != big.Session.Policy || len(claims.Principal.Session.Tags) != 50 {
		t.Error("a deflated token does not round-trip")
	}
}

func TestOpenRefusesAlteredTokens(t *testing.T) {
	c := NewCodec(testKeyring(t, 1))
	cred, err := c.Issue(roleSession(), t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(cred.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		altered := bytes.Clone(raw)
		altered[i] ^= 0x01
		if _, err := c.Open(base64.RawURLEncoding.EncodeToString(altered)); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("token with byte %d altered: err = %v, want ErrInvalidToken", i, err)
		}
	}
	for name, tok := range map[string]string{
		"empty":           "",
		"truncated":       cred.SessionToken[:len(cred.SessionToken)-4],
		"standard base64": base64.StdEncoding.EncodeToString(raw) + "+/",
		"not base64":      "IQoJb3JpZ2luX2VjE!!",
		"too long":        strings.Repeat("A", MaxTokenLength+1),
		"aws-style":       "IQoJb3JpZ2luX2VjEBAaCXVzLWVhc3QtMSJHMEUCIQD",
	} {
		if _, err := c.Open(tok); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s token: err = %v, want ErrInvalidToken", name, err)
		}
	}
	// Another node's root key does not open it.
	other := NewCodec(testKeyring(t, 2))
	if _, err := other.Open(cred.SessionToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("token of another root key: err = %v, want ErrInvalidToken", err)
	}
	// Another node with the same root key does.
	same := NewCodec(testKeyring(t, 1))
	if _, err := same.Open(cred.SessionToken); err != nil {
		t.Errorf("another node with the same root key: %v", err)
	}
}

func TestOpenCachesAndStaysBounded(t *testing.T) {
	c := NewCodec(testKeyring(t, 1))
	cred, err := c.Issue(roleSession(), t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Open(cred.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Open(cred.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("a second Open of the same token did not come from the cache")
	}
	for range maxCached + 10 {
		if _, err := c.Open(cred.SessionToken + "A"); err == nil {
			t.Fatal("an altered token opened")
		}
	}
	// Failures are not cached, and the cache never passes its bound.
	if n := c.cached.Load(); n > maxCached {
		t.Errorf("cache holds %d entries, bound is %d", n, maxCached)
	}
}

func TestIssueRefusesPrincipalsWithoutSession(t *testing.T) {
	c := NewCodec(testKeyring(t, 1))
	p := roleSession()
	p.Session = nil
	if _, err := c.Issue(p, t0, t0.Add(time.Hour)); err == nil {
		t.Error("Issue without a Session succeeded")
	}
	p = roleSession()
	p.Type = identity.Anonymous
	if _, err := c.Issue(p, t0, t0.Add(time.Hour)); err == nil {
		t.Error("Issue for an anonymous principal succeeded")
	}
}

func TestKeyIDCarriesAccount(t *testing.T) {
	for _, acct := range []string{"000000000000", "123456789012", "999999999999", "100000000001"} {
		for range 20 {
			id, err := NewAccessKeyID(KeyIDPrefix, acct)
			if err != nil {
				t.Fatal(err)
			}
			if len(id) != 20 || !strings.HasPrefix(id, "ASIA") {
				t.Fatalf("id %q is not ASIA and 16 characters", id)
			}
			got, ok := AccountOfKeyID(id)
			if !ok || got != acct {
				t.Fatalf("AccountOfKeyID(%q) = %q, %v; want %q", id, got, ok, acct)
			}
		}
	}
	if _, err := NewAccessKeyID(KeyIDPrefix, "12345"); err == nil {
		t.Error("NewAccessKeyID accepted a 5-digit account")
	}
	// AWS's documented example key decodes to an account, as AWS answers
	// for any well-formed id.
	if acct, ok := AccountOfKeyID("AKIAIOSFODNN7EXAMPLE"); !ok || len(acct) != 12 {
		t.Errorf("AccountOfKeyID(AKIAIOSFODNN7EXAMPLE) = %q, %v", acct, ok)
	}
	for _, bad := range []string{"", "ASIA", "ASIAshortkey", "ASIAabcdefghijklmnop", "ASIA0000000000000000", "ASIA77777777777777777"} {
		if acct, ok := AccountOfKeyID(bad); ok {
			t.Errorf("AccountOfKeyID(%q) = %q, want not well-formed", bad, acct)
		}
	}
}

func FuzzOpen(f *testing.F) {
	c := NewCodec(testKeyring(f, 1))
	cred, err := c.Issue(roleSession(), t0, t0.Add(time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cred.SessionToken)
	f.Add(cred.SessionToken[:40])
	f.Add("")
	f.Add("AQ")
	f.Add("IQoJb3JpZ2luX2VjEBAaCXVzLWVhc3QtMSJHMEUCIQD")
	f.Add(strings.Repeat("A", 100))
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := c.Open(token)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) || claims != nil {
				t.Fatalf("Open(%q) = %v, %v", token, claims, err)
			}
			return
		}
		// Only tokens sealed under the key open, and every token sealed
		// for this test (in this process or another fuzz worker) carries
		// roleSession: anything else that opened would be a forgery.
		want := roleSession()
		want.AccessKeyID = claims.AccessKeyID
		if !reflect.DeepEqual(claims.Principal, want) || !strings.HasPrefix(claims.AccessKeyID, KeyIDPrefix) {
			t.Fatalf("Open accepted a token nobody issued: %q", token)
		}
	})
}

// FuzzDecodeClaims feeds arbitrary plaintexts to the claims decoder, which
// only sees what the keyring opened, but must still never panic or accept
// trailing bytes; what it accepts must encode back to an equal record.
func FuzzDecodeClaims(f *testing.F) {
	p := roleSession()
	plain, err := encodeClaims(&Claims{AccessKeyID: "ASIAEXAMPLE", Secret: []byte("s"), IssuedAt: t0, Expiration: t0, Principal: p})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(plain)
	f.Add([]byte{0})
	f.Add([]byte{1, 0x03, 0x00})
	f.Add([]byte{2})
	f.Add(append([]byte{0}, bytes.Repeat([]byte{0xff}, 20)...))
	f.Fuzz(func(t *testing.T, plain []byte) {
		c, err := decodeClaims(plain)
		if err != nil {
			return
		}
		again, err := encodeClaims(c)
		if err != nil {
			t.Fatalf("decoded claims do not encode: %v", err)
		}
		c2, err := decodeClaims(again)
		if err != nil || !reflect.DeepEqual(c, c2) {
			t.Fatalf("claims do not round-trip: %v\n%+v\n%+v", err, c, c2)
		}
	})
}
