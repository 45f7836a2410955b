// Package session makes and opens the temporary credentials that STS
// issues: an ASIA access key id, its secret access key and a session token.
//
// A session token is self-contained: it carries, sealed under the node's
// keyring, everything authentication needs — the access key id, the secret
// the client signs with, when the session was issued and expires, and the
// whole principal with its session context (MFA, source identity, tags,
// session policies, role chaining). Issuing credentials therefore writes
// nothing to the store, and any node holding the same root key can verify
// a token another node issued. Because the token is sealed (AES-256-GCM),
// a client can neither read the secret inside nor change a single bit
// without the token failing to open.
//
// Opening a token happens on every request of a session, so Codec keeps
// the tokens it has opened in a bounded in-memory cache keyed by their
// SHA-256 hash.
package session

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/keyring"
)

// ErrInvalidToken is returned by Open for a token that it cannot open:
// malformed, altered, truncated, of an unknown version, or sealed under a
// root key this node does not hold.
var ErrInvalidToken = errors.New("session: invalid session token")

// sealPurpose and sealAAD bind the keyring blob inside a token to its use.
const (
	sealPurpose = "session-token"
	sealAAD     = "gatehouse session token"
)

// MaxTokenLength bounds the session tokens Open accepts, in characters.
// Tokens of typical sessions are a few hundred characters; the largest
// (a 2,048-character session policy, ten policy ARNs and fifty tags) stay
// well below.
const MaxTokenLength = 16 << 10

// maxCached bounds the cache of opened tokens; past it the cache starts
// over, so a flood of distinct tokens cannot grow memory.
const maxCached = 8192

// Claims are the contents of a session token.
type Claims struct {
	// AccessKeyID is the temporary access key id (ASIA...) the token
	// belongs to; requests must be signed with it.
	AccessKeyID string
	// Secret is the secret access key requests are signed with.
	Secret []byte
	// IssuedAt and Expiration bound the credentials' validity.
	IssuedAt, Expiration time.Time
	// Principal is the caller the credentials stand for, with its
	// Session set and AccessKeyID equal to the claims' AccessKeyID.
	Principal identity.Principal
}

// Expired reports whether the credentials have expired at now.
func (c *Claims) Expired(now time.Time) bool { return !now.Before(c.Expiration) }

// MatchesKeyID reports, in constant time, whether id is the claims' access
// key id.
func (c *Claims) MatchesKeyID(id string) bool {
	return subtle.ConstantTimeCompare([]byte(c.AccessKeyID), []byte(id)) == 1
}

// Credentials are issued temporary credentials, as STS returns them.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// Codec issues and opens session tokens with a keyring. It is safe for
// concurrent use.
type Codec struct {
	kr     *keyring.Keyring
	cache  sync.Map // [sha256.Size]byte -> *Claims
	cached atomic.Int64
}

// NewCodec returns a codec that seals tokens under kr.
func NewCodec(kr *keyring.Keyring) *Codec {
	return &Codec{kr: kr}
}

// Issue mints temporary credentials for p, valid from issued until
// expires. p.Session must be set; the credentials' access key id carries
// p.AccountID. The secret is new and random; it leaves gatehouse only in
// the returned Credentials and, sealed, inside the token.
func (c *Codec) Issue(p identity.Principal, issued, expires time.Time) (*Credentials, error) {
	if p.Session == nil {
		return nil, errors.New("session: Issue needs a principal with a Session")
	}
	keyID, err := NewAccessKeyID(KeyIDPrefix, p.AccountID)
	if err != nil {
		return nil, err
	}
	secret, err := newSecret()
	if err != nil {
		return nil, err
	}
	p.AccessKeyID = keyID
	claims := &Claims{
		AccessKeyID: keyID,
		Secret:      []byte(secret),
		IssuedAt:    issued.UTC().Truncate(time.Second),
		Expiration:  expires.UTC().Truncate(time.Second),
		Principal:   p,
	}
	token, err := c.Seal(claims)
	if err != nil {
		return nil, err
	}
	return &Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: token, Expiration: claims.Expiration}, nil
}

// Seal encodes and seals claims into a session token. Times are kept to the
// second.
func (c *Codec) Seal(claims *Claims) (string, error) {
	plain, err := encodeClaims(claims)
	if err != nil {
		return "", err
	}
	blob, err := c.kr.Seal(sealPurpose, plain, []byte(sealAAD))
	if err != nil {
		return "", fmt.Errorf("session: seal token: %w", err)
	}
	raw := make([]byte, 1+len(blob))
	raw[0] = tokenVersion
	copy(raw[1:], blob)
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// Open returns the claims of a token, or ErrInvalidToken. It does not check
// expiry or the signing key: the caller compares Expiration with its clock
// and the request's access key id with MatchesKeyID. The returned claims
// are shared with other callers and must not be modified.
func (c *Codec) Open(token string) (*Claims, error) {
	if len(token) == 0 || len(token) > MaxTokenLength {
		return nil, ErrInvalidToken
	}
	h := sha256.Sum256([]byte(token))
	if v, ok := c.cache.Load(h); ok {
		return v.(*Claims), nil
	}
	claims, err := c.open(token)
	if err != nil {
		return nil, err
	}
	if c.cached.Add(1) > maxCached {
		c.cache.Clear()
		c.cached.Store(1)
	}
	actual, _ := c.cache.LoadOrStore(h, claims)
	return actual.(*Claims), nil
}

// open decodes a token without the cache.
func (c *Codec) open(token string) (*Claims, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < 1 || raw[0] != tokenVersion {
		return nil, ErrInvalidToken
	}
	plain, err := c.kr.Open(sealPurpose, raw[1:], []byte(sealAAD))
	if err != nil {
		return nil, ErrInvalidToken
	}
	claims, err := decodeClaims(plain)
	if err != nil {
		return nil, ErrInvalidToken
	}
	return claims, nil
}

// newSecret returns a 40-character secret access key in the alphabet AWS
// uses. The alphabet has 64 symbols, so each random byte maps without bias.
func newSecret() (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b [40]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session: generate secret: %w", err)
	}
	for i, v := range b {
		b[i] = alphabet[int(v)%len(alphabet)]
	}
	return string(b[:]), nil
}
