package kms

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
)

// This file holds the rules of grants that both the KMS API (CreateGrant,
// RetireGrant, ...) and the authorizer apply: which grant operations a key
// supports, how grant constraints match an encryption context, which
// principals a grant names, and grant tokens.
//
// A grant token is the grant's location (account, Region, key id, grant
// id) sealed under the keyring, base64url-encoded: opaque to clients,
// unforgeable, and verifiable without a lookup table. Grant ids are 256
// random bits, never reused, so a token of a grant that was retired names
// nothing any more. A retried CreateGrant returns a fresh token for the
// same grant, and every token issued for it stays valid, as AWS's do; the
// grant records the SHA-256 of the first.

// MaxGrantsPerKey is AWS's quota of grants per KMS key ("Grants per KMS
// key: 50,000").
const MaxGrantsPerKey = 50000

// grantTokenPurpose is the keyring purpose grant tokens are sealed under.
const grantTokenPurpose = "kms-grant-token"

// ErrInvalidGrantToken is returned for a grant token gatehouse did not
// issue (or that was altered).
var ErrInvalidGrantToken = errors.New("kms: invalid grant token")

// Grant operations that every key supports.
var grantOpsCommon = []string{"CreateGrant", "DescribeKey", "RetireGrant"}

// grantOpsByUsage are the grant operations a key supports beyond the
// common ones, by key usage (and, for ENCRYPT_DECRYPT, by whether the key
// is symmetric): AWS refuses a grant for an operation its key cannot do.
var grantOpsByUsage = map[string][]string{
	"SYMMETRIC": {"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
		"GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo"},
	"ENCRYPT_DECRYPT":     {"Decrypt", "Encrypt", "GetPublicKey", "ReEncryptFrom", "ReEncryptTo"},
	"SIGN_VERIFY":         {"Sign", "Verify", "GetPublicKey"},
	"GENERATE_VERIFY_MAC": {"GenerateMac", "VerifyMac"},
	"KEY_AGREEMENT":       {"DeriveSharedSecret", "GetPublicKey"},
}

// contextOps are the grant operations that take an encryption context,
// the only ones grant constraints apply to.
var contextOps = map[string]bool{
	"Decrypt": true, "Encrypt": true, "GenerateDataKey": true, "GenerateDataKeyWithoutPlaintext": true,
	"GenerateDataKeyPair": true, "GenerateDataKeyPairWithoutPlaintext": true, "ReEncryptFrom": true, "ReEncryptTo": true,
}

// GrantOperationSupported reports whether key k supports the grant
// operation op (an API operation name such as "Encrypt").
func GrantOperationSupported(k *Key, op string) bool {
	for _, o := range grantOpsCommon {
		if o == op {
			return true
		}
	}
	usage := k.KeyUsage
	if usage == "ENCRYPT_DECRYPT" && k.KeySpec == "SYMMETRIC_DEFAULT" {
		usage = "SYMMETRIC"
	}
	for _, o := range grantOpsByUsage[usage] {
		if o == op {
			return true
		}
	}
	return false
}

// SupportsEncryptionContext reports whether k's cryptographic operations
// take an encryption context: symmetric encryption keys only. Grant
// constraints are refused on grants for other keys.
func SupportsEncryptionContext(k *Key) bool {
	return k.KeySpec == "SYMMETRIC_DEFAULT" && k.KeyUsage == "ENCRYPT_DECRYPT"
}

// Permits reports whether the grant includes the grant operation op.
func (g *Grant) Permits(op string) bool {
	for _, o := range g.Operations {
		if o == op {
			return true
		}
	}
	return false
}

// HasConstraints reports whether the grant has an encryption context
// constraint.
func (g *Grant) HasConstraints() bool {
	return g.EncryptionContextEquals != nil || g.EncryptionContextSubset != nil
}

// ConstraintsAllow reports whether the grant's constraints let operation
// op run with the encryption context ec. Constraints apply only to the
// operations that take an encryption context (DescribeKey, RetireGrant,
// Sign... are not constrained). In a constraint, keys compare without
// regard to case and values exactly, as AWS documents.
func (g *Grant) ConstraintsAllow(op string, ec map[string]string) bool {
	if !contextOps[op] || !g.HasConstraints() {
		return true
	}
	if g.EncryptionContextEquals != nil {
		return len(ec) == len(g.EncryptionContextEquals) && containsPairs(ec, g.EncryptionContextEquals)
	}
	return containsPairs(ec, g.EncryptionContextSubset)
}

// containsPairs reports whether ec holds every pair of want, keys
// compared without regard to case.
func containsPairs(ec, want map[string]string) bool {
	for wk, wv := range want {
		found := false
		if v, ok := ec[wk]; ok {
			found = v == wv
		} else {
			for k, v := range ec {
				if strings.EqualFold(k, wk) && v == wv {
					found = true
					break
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// AtLeastAsStrict reports whether a grant created through a grant's
// CreateGrant permission constrains the encryption context at least as
// much as the parent grant g: AWS requires "an equally strict or stricter"
// constraint. Equals is stricter than Subset; an Equals constraint must
// satisfy the parent's; a Subset constraint must hold every pair of a
// parent Subset.
func (g *Grant) AtLeastAsStrict(equals, subset map[string]string) bool {
	switch {
	case !g.HasConstraints():
		return true
	case equals != nil:
		if g.EncryptionContextEquals != nil {
			return len(equals) == len(g.EncryptionContextEquals) && containsPairs(equals, g.EncryptionContextEquals)
		}
		return containsPairs(equals, g.EncryptionContextSubset)
	case subset != nil && g.EncryptionContextSubset != nil:
		return containsPairs(subset, g.EncryptionContextSubset)
	}
	return false
}

// PrincipalRef is the calling principal as grants see it.
type PrincipalRef struct {
	// ARN is the caller's ARN: a user, a role session
	// (arn:aws:sts::<account>:assumed-role/<role>/<session>), a federated
	// user or an account root.
	ARN string
	// RoleARN is a role session's role (with its path), "" otherwise.
	RoleARN string
	// Account is the caller's account.
	Account string
	// Root: the caller is the account's root user.
	Root bool
}

// NamesPrincipal reports how a grant's principal ARN (grantee or retiring
// principal) names the caller: exactly (its own ARN; for a role session
// also its role's ARN, with or without the role's path), or as its
// account (arn:aws:iam::<account>:root or the bare account id), which
// delegates to the account's IAM policies. AWS's grant principals are
// IAM principals; a service principal never names a gatehouse caller.
func NamesPrincipal(name string, p PrincipalRef) (exact, account bool) {
	if name == "" {
		return false, false
	}
	if name == p.ARN {
		return true, false
	}
	if p.RoleARN != "" {
		if name == p.RoleARN || name == pathlessRoleARN(p.RoleARN) {
			return true, false
		}
	}
	if name == p.Account || name == "arn:aws:iam::"+p.Account+":root" {
		if p.Root {
			return true, false
		}
		return false, true
	}
	return false, false
}

// pathlessRoleARN drops the path of a role ARN:
// arn:aws:iam::1:role/a/b/Name → arn:aws:iam::1:role/Name.
func pathlessRoleARN(arn string) string {
	i := strings.Index(arn, ":role/")
	if i < 0 {
		return arn
	}
	j := strings.LastIndexByte(arn, '/')
	if j <= i+5 {
		return arn
	}
	return arn[:i+6] + arn[j+1:]
}

// NewGrantID returns a new grant id: 64 lower-case hex characters, as AWS
// shows them.
func NewGrantID() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("kms: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// grantLocation is the text a grant token seals.
func grantLocation(g *Grant) string {
	return g.AccountID + "/" + g.Region + "/" + g.KeyID + "/" + g.ID
}

// NewGrantToken returns a token for g and, for a new grant, sets
// g.TokenHash (store g afterwards).
func (s *Store) NewGrantToken(g *Grant) (string, error) {
	blob, err := s.kr.Seal(grantTokenPurpose, []byte(grantLocation(g)), nil)
	if err != nil {
		return "", err
	}
	tok := base64.RawURLEncoding.EncodeToString(blob)
	if g.TokenHash == nil {
		h := sha256.Sum256([]byte(tok))
		g.TokenHash = h[:]
	}
	return tok, nil
}

// ParseGrantToken returns the location of the grant a token names, or
// ErrInvalidGrantToken. The grant may no longer exist.
func (s *Store) ParseGrantToken(token string) (account, region, keyID, grantID string, err error) {
	blob, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", "", "", "", ErrInvalidGrantToken
	}
	loc, err := s.kr.Open(grantTokenPurpose, blob, nil)
	if err != nil {
		return "", "", "", "", ErrInvalidGrantToken
	}
	parts := strings.Split(string(loc), "/")
	if len(parts) != 4 {
		return "", "", "", "", ErrInvalidGrantToken
	}
	return parts[0], parts[1], parts[2], parts[3], nil
}

// GrantByToken returns the grant a token names: ErrInvalidGrantToken for
// a token gatehouse did not issue, ErrNotFound for a grant retired or
// revoked since.
func (s *Store) GrantByToken(ctx context.Context, token string) (*Grant, error) {
	account, region, keyID, grantID, err := s.ParseGrantToken(token)
	if err != nil {
		return nil, err
	}
	var g *Grant
	err = s.View(ctx, func(tx *Tx) error {
		var err error
		g, err = tx.Grant(account, region, keyID, grantID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// grantCache serves the grants of keys from memory until the next write.
type grantCache struct {
	m sync.Map // keyKey → *cachedGrants
}

type cachedGrants struct {
	gen    uint64
	grants []*Grant
}

// CachedGrants returns the grants of a key, from memory when no write has
// happened since they were read. The grants are shared: do not modify
// them.
func (s *Store) CachedGrants(ctx context.Context, account, region, keyID string) ([]*Grant, error) {
	k := keyKey(account, region, keyID)
	gen := s.generation.Load()
	if v, ok := s.grants.m.Load(k); ok {
		if c := v.(*cachedGrants); c.gen == gen {
			return c.grants, nil
		}
	}
	var gs []*Grant
	err := s.View(ctx, func(tx *Tx) error {
		var err error
		gs, err = tx.Grants(account, region, keyID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.grants.m.Store(k, &cachedGrants{gen: gen, grants: gs})
	return gs, nil
}
