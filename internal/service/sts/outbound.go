package sts

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/sts"
	"github.com/gatehouse/gatehouse/internal/store"
)

// This file serves outbound identity federation: GetWebIdentityToken signs
// a JWT that stands for the caller, for external services that trust the
// account's issuer URL (IAM EnableOutboundWebIdentityFederation). Each
// account has one signing key per algorithm, made on first use, sealed
// under the keyring in the store, so that every node signs with the same
// keys; OutboundJWKS publishes their public halves.

const (
	// kindOutboundKey holds the sealed signing keys, keyed by
	// "<account>/<algorithm>".
	kindOutboundKey = "sts/outbound-signing-key"
	// outboundKeyPurpose seals them.
	outboundKeyPurpose = "sts/outbound-signing-key"
	// defaultTokenDuration and the bounds of DurationSeconds, in seconds.
	defaultTokenDuration = 300
	minTokenDuration     = 60
	maxTokenDuration     = 3600
	// stsClaimsNamespace holds the AWS-specific claims of a token.
	stsClaimsNamespace = "https://sts.amazonaws.com/"
)

// signingAlgorithms are the algorithms GetWebIdentityToken signs with.
var signingAlgorithms = map[string]jose.SignatureAlgorithm{"RS256": jose.RS256, "ES384": jose.ES384}

type storedSigningKey struct {
	KeyID  string `json:"kid"`
	Sealed []byte `json:"key"`
}

// outboundKeys caches opened signing keys by "<account>/<algorithm>".
type outboundKeys struct {
	mu   sync.Mutex
	keys map[string]*jose.JSONWebKey
}

// GetWebIdentityToken returns a JWT signed by the account's outbound
// issuer that names the caller: sub is the caller's ARN (the role's ARN for
// a role session), aud the requested audiences, and the claims under
// https://sts.amazonaws.com/ carry the account, region, principal tags and
// the request's tags. The account must have outbound web identity
// federation enabled.
func (s *Service) GetWebIdentityToken(ctx context.Context, c *call.Call, in *api.GetWebIdentityTokenInput) (*api.GetWebIdentityTokenOutput, error) {
	caller := c.Principal
	algName := deref(in.SigningAlgorithm)
	alg, ok := signingAlgorithms[algName]
	if !ok {
		return nil, validationError("1 validation error detected: Value '%s' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [ES384, RS256]", algName)
	}
	d := int32(defaultTokenDuration)
	if in.DurationSeconds != nil {
		d = *in.DurationSeconds
	}
	if d < minTokenDuration || d > maxTokenDuration {
		return nil, validationError("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between %d and %d", d, minTokenDuration, maxTokenDuration)
	}
	now := s.now()
	exp := now.Add(time.Duration(d) * time.Second).Truncate(time.Second)
	if caller.Session != nil && exp.After(caller.Session.Expiration) {
		return nil, api.NewSessionDurationEscalationException("The requested token lifetime extends beyond the expiration of the calling session (%s).", caller.Session.Expiration.Format(time.RFC3339))
	}
	requestTags, _, err := sessionTags(in.Tags, nil, nil)
	if err != nil {
		return nil, err
	}

	var issuer string
	var key *jose.JSONWebKey
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		enabled, iss, err := tx.OutboundFederation(caller.AccountID)
		if err != nil {
			return err
		}
		if !enabled {
			return api.NewOutboundWebIdentityFederationDisabledException("Outbound web identity federation is disabled for account %s. Enable it with IAM EnableOutboundWebIdentityFederation.", caller.AccountID)
		}
		issuer = iss
		key, err = s.signingKey(tx, caller.AccountID, algName, alg)
		return err
	})
	if err != nil {
		return nil, err
	}

	subject := caller.ARN
	if caller.Type == identity.AssumedRole && caller.Session != nil && caller.Session.IssuerARN != "" {
		subject = caller.Session.IssuerARN
	}
	awsClaims := map[string]any{
		"aws_account":   caller.AccountID,
		"source_region": c.Region,
		"principal_id":  subject,
	}
	if tags := s.principalTags(ctx, caller); len(tags) > 0 {
		awsClaims["principal_tags"] = tags
	}
	if len(requestTags) > 0 {
		awsClaims["request_tags"] = requestTags
	}
	if caller.Session != nil && caller.Session.SourceIdentity != "" {
		awsClaims["source_identity"] = caller.Session.SourceIdentity
	}
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return nil, err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("sts: signer: %w", err)
	}
	token, err := jwt.Signed(signer).Claims(jwt.Claims{
		Issuer:   issuer,
		Subject:  subject,
		Audience: jwt.Audience(in.Audience),
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(exp),
		ID:       hex.EncodeToString(jti[:]),
	}).Claims(map[string]any{stsClaimsNamespace: awsClaims}).Serialize()
	if err != nil {
		return nil, fmt.Errorf("sts: sign web identity token: %w", err)
	}
	return &api.GetWebIdentityTokenOutput{WebIdentityToken: &token, Expiration: &exp}, nil
}

// principalTags returns the caller's principal tags: the IAM tags of the
// user or role, overridden by the session's tags.
func (s *Service) principalTags(ctx context.Context, p *identity.Principal) map[string]string {
	tags := map[string]string{}
	var perms *iam.Permissions
	var err error
	switch p.Type {
	case identity.IAMUser:
		perms, err = s.dir.UserPermissions(ctx, p.AccountID, p.UserName)
	case identity.AssumedRole:
		if p.Session != nil {
			if acct, _, name, ok := iam.ParseRoleARN(p.Session.IssuerARN); ok {
				perms, err = s.dir.RolePermissions(ctx, acct, name)
			}
		}
	}
	if err == nil && perms != nil {
		maps.Copy(tags, perms.Tags)
	}
	if p.Session != nil {
		maps.Copy(tags, p.Session.Tags)
	}
	return tags
}

// signingKey returns the account's signing key for alg, making and storing
// it in tx on first use.
func (s *Service) signingKey(tx *iam.Tx, accountID, algName string, alg jose.SignatureAlgorithm) (*jose.JSONWebKey, error) {
	id := accountID + "/" + algName
	s.outbound.mu.Lock()
	k := s.outbound.keys[id]
	s.outbound.mu.Unlock()
	if k != nil {
		return k, nil
	}
	raw, err := tx.Get(kindOutboundKey, id)
	var stored storedSigningKey
	switch {
	case errors.Is(err, store.ErrNotFound):
		priv, err := newSigningKey(algName)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, err
		}
		stored.Sealed, err = s.kr.Seal(outboundKeyPurpose, der, []byte(id))
		if err != nil {
			return nil, err
		}
		stored.KeyID = keyID(priv.Public())
		b, err := json.Marshal(stored)
		if err != nil {
			return nil, err
		}
		if err := tx.Put(kindOutboundKey, id, b); err != nil {
			return nil, err
		}
		k = &jose.JSONWebKey{Key: priv, KeyID: stored.KeyID, Algorithm: string(alg), Use: "sig"}
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(raw, &stored); err != nil {
			return nil, fmt.Errorf("sts: decode signing key %s: %w", id, err)
		}
		der, err := s.kr.Open(outboundKeyPurpose, stored.Sealed, []byte(id))
		if err != nil {
			return nil, fmt.Errorf("sts: open signing key %s: %w", id, err)
		}
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("sts: signing key %s: %w", id, err)
		}
		k = &jose.JSONWebKey{Key: priv, KeyID: stored.KeyID, Algorithm: string(alg), Use: "sig"}
	}
	s.outbound.mu.Lock()
	if s.outbound.keys == nil {
		s.outbound.keys = make(map[string]*jose.JSONWebKey)
	}
	s.outbound.keys[id] = k
	s.outbound.mu.Unlock()
	return k, nil
}

// OutboundJWKS returns the public keys the account's web identity tokens
// are signed with, as the JWKS document verifiers fetch from the issuer.
func (s *Service) OutboundJWKS(ctx context.Context, accountID string) (*jose.JSONWebKeySet, error) {
	set := &jose.JSONWebKeySet{}
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		for name, alg := range signingAlgorithms {
			raw, err := tx.Get(kindOutboundKey, accountID+"/"+name)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			var stored storedSigningKey
			if err := json.Unmarshal(raw, &stored); err != nil {
				return err
			}
			der, err := s.kr.Open(outboundKeyPurpose, stored.Sealed, []byte(accountID+"/"+name))
			if err != nil {
				return err
			}
			priv, err := x509.ParsePKCS8PrivateKey(der)
			if err != nil {
				return err
			}
			signer, ok := priv.(crypto.Signer)
			if !ok {
				return fmt.Errorf("sts: signing key of %s is not a signer", accountID)
			}
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: signer.Public(), KeyID: stored.KeyID, Algorithm: string(alg), Use: "sig"})
		}
		return nil
	})
	return set, err
}

func newSigningKey(alg string) (crypto.Signer, error) {
	if alg == "ES384" {
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	}
	return rsa.GenerateKey(rand.Reader, 2048)
}

// keyID names a public key by the SHA-256 of its DER encoding.
func keyID(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}
