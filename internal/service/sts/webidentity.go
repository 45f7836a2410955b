package sts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/sts"
)

// AWS's messages for web identity tokens it refuses.
const (
	msgNotJWT          = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
	msgBadAudience     = "Incorrect token audience"
	msgNoVerifyKey     = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
	msgIDPUnreachable  = "The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached."
	msgWebIdentityDeny = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
)

// webIdentityAlgorithms are the JWS algorithms AWS accepts in ID tokens.
var webIdentityAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512}

// tokenClockSkew is how far in the future an ID token's nbf and iat may
// be, for clocks slightly apart.
const tokenClockSkew = 5 * time.Minute

// idTokenClaims are the claims of an ID token gatehouse reads.
type idTokenClaims struct {
	jwt.Claims
	AuthorizedParty string          `json:"azp"`
	AMR             json.RawMessage `json:"amr"`
	// SessionTags is AWS's claim for session tags:
	// {"principal_tags": {"k": ["v"]}, "transitive_tag_keys": ["k"]}.
	SessionTags *struct {
		PrincipalTags     map[string][]string `json:"principal_tags"`
		TransitiveTagKeys []string            `json:"transitive_tag_keys"`
	} `json:"https://aws.amazon.com/tags"`
	SourceIdentity string `json:"https://aws.amazon.com/source_identity"`
}

// AssumeRoleWithWebIdentity returns temporary credentials of a role for
// the bearer of an OpenID Connect ID token. The token's issuer must be an
// OIDC provider registered in the role's account; its signature is
// verified with the keys the issuer publishes, its audience must be one of
// the provider's client ids, and it must not have expired. The role's
// trust policy must then allow the provider (Principal.Federated) to
// perform sts:AssumeRoleWithWebIdentity with the token's claims as
// condition keys ("<provider>:aud", ":sub", ":amr").
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, c *call.Call, in *api.AssumeRoleWithWebIdentityInput) (*api.AssumeRoleWithWebIdentityOutput, error) {
	if in.ProviderId != nil {
		return nil, api.NewInvalidIdentityTokenException("ProviderId %s is not supported: gatehouse accepts OpenID Connect ID tokens of IAM OIDC providers, which need no ProviderId.", *in.ProviderId)
	}
	roleARN := deref(in.RoleArn)
	if !looksLikeARN(roleARN) {
		return nil, validationError("%s is invalid", roleARN)
	}
	roleAccount := arnAccount(roleARN)
	tok, err := jwt.ParseSigned(deref(in.WebIdentityToken), webIdentityAlgorithms)
	if err != nil || len(tok.Headers) != 1 {
		return nil, api.NewInvalidIdentityTokenException(msgNotJWT)
	}
	var unverified idTokenClaims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, api.NewInvalidIdentityTokenException(msgNotJWT)
	}
	issuer := unverified.Issuer
	if issuer == "" {
		return nil, api.NewInvalidIdentityTokenException("Missing a required claim: iss")
	}
	provURL := providerURL(issuer)
	provARN := "arn:aws:iam::" + roleAccount + ":oidc-provider/" + provURL
	var prov *iam.OIDCProvider
	err = s.dir.View(ctx, func(tx *iam.Tx) error {
		prov, err = tx.OIDCProvider(roleAccount, provARN)
		return err
	})
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return nil, api.NewInvalidIdentityTokenException("No OpenIDConnect provider found in your account for %s", issuer)
	}
	if err != nil {
		return nil, fmt.Errorf("sts: look up OIDC provider: %w", err)
	}

	// The signature, with the issuer's published keys.
	now := s.now()
	kid := tok.Headers[0].KeyID
	set, err := s.oidc.keySet(ctx, issuer, prov.Thumbprints, kid, now)
	if err != nil {
		if errors.Is(err, errOIDCUnreachable) {
			s.log.Info("OIDC provider unreachable", "issuer", issuer, "error", err)
			return nil, api.NewIDPCommunicationErrorException(msgIDPUnreachable)
		}
		return nil, err
	}
	claims, ok := verifyIDToken(tok, set, kid)
	if !ok {
		return nil, api.NewInvalidIdentityTokenException(msgNoVerifyKey)
	}

	// The claims.
	if len(claims.Audience) == 0 {
		return nil, api.NewInvalidIdentityTokenException("Missing a required claim: aud")
	}
	audience := ""
	for _, a := range claims.Audience {
		if slices.Contains(prov.ClientIDs, a) {
			audience = a
			break
		}
	}
	if audience == "" {
		return nil, api.NewInvalidIdentityTokenException(msgBadAudience)
	}
	if claims.Expiry == nil {
		return nil, api.NewInvalidIdentityTokenException("Missing a required claim: exp")
	}
	if exp := claims.Expiry.Time(); !now.Before(exp) {
		return nil, api.NewExpiredTokenException("Token expired: current date/time %s must be before the expiration date/time %s", unixString(now.Unix()), unixString(exp.Unix()))
	}
	if claims.NotBefore != nil && claims.NotBefore.Time().After(now.Add(tokenClockSkew)) {
		return nil, api.NewInvalidIdentityTokenException("Token is not yet valid: current date/time %s must be after the not-before date/time %s", unixString(now.Unix()), unixString(claims.NotBefore.Time().Unix()))
	}
	if claims.IssuedAt != nil && claims.IssuedAt.Time().After(now.Add(tokenClockSkew)) {
		return nil, api.NewInvalidIdentityTokenException("Token was issued in the future: current date/time %s, issued at %s", unixString(now.Unix()), unixString(claims.IssuedAt.Time().Unix()))
	}
	if claims.Subject == "" {
		return nil, api.NewIDPRejectedClaimException("Missing a required claim: sub")
	}

	// The role and the session.
	role, ok, err := s.findRole(ctx, roleARN)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, accessDenied(msgWebIdentityDeny)
	}
	duration, err := roleDuration(in.DurationSeconds, role, false)
	if err != nil {
		return nil, err
	}
	policies, err := s.checkSessionPolicies(ctx, role.AccountID, in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	var inTags []api.Tag
	var transitive []string
	if st := claims.SessionTags; st != nil {
		keys := make([]string, 0, len(st.PrincipalTags))
		for k := range st.PrincipalTags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			vals := st.PrincipalTags[k]
			if len(vals) != 1 {
				return nil, api.NewInvalidIdentityTokenException("The session tag %s of the token must have exactly one value.", k)
			}
			inTags = append(inTags, api.Tag{Key: ptr(k), Value: ptr(vals[0])})
		}
		transitive = st.TransitiveTagKeys
	}
	tags, transitive, err := sessionTags(inTags, transitive, nil)
	if err != nil {
		return nil, err
	}
	var packed *int32
	if in.Policy != nil || len(in.PolicyArns) > 0 || len(tags) > 0 {
		pct, err := packedPercent(policies, tags)
		if err != nil {
			return nil, err
		}
		packed = &pct
	}

	// The trust policy decides whether this provider's users may assume
	// the role.
	if s.EnforceTrust {
		keys := map[string][]string{
			provURL + ":sub": {claims.Subject},
		}
		if claims.AuthorizedParty != "" {
			keys[provURL+":aud"] = []string{claims.AuthorizedParty}
			keys[provURL+":oaud"] = claims.Audience
			keys[provURL+":azp"] = []string{claims.AuthorizedParty}
		} else {
			keys[provURL+":aud"] = []string{audience}
		}
		if amr := amrValues(claims.AMR); len(amr) > 0 {
			keys[provURL+":amr"] = amr
		}
		ok, err := s.trusted(ctx, c, &federatedRequest{
			action: "sts:AssumeRoleWithWebIdentity", provider: provARN, role: role, keys: keys,
			sessionName: deref(in.RoleSessionName), tags: tags, transitive: transitive, sourceIdentity: claims.SourceIdentity,
		})
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, accessDenied(msgWebIdentityDeny)
		}
	}

	creds, user, err := s.issueRoleSession(c, &roleSession{
		role: role, name: deref(in.RoleSessionName), duration: duration, policies: policies,
		tags: tags, transitive: transitive, sourceIdentity: claims.SourceIdentity,
	}, now)
	if err != nil {
		return nil, err
	}
	out := &api.AssumeRoleWithWebIdentityOutput{
		Credentials:                 creds,
		AssumedRoleUser:             user,
		SubjectFromWebIdentityToken: &claims.Subject,
		Provider:                    &issuer,
		Audience:                    &audience,
		PackedPolicySize:            packed,
	}
	if claims.SourceIdentity != "" {
		out.SourceIdentity = &claims.SourceIdentity
	}
	return out, nil
}

// verifyIDToken checks the token's signature with the key its kid names,
// or with each key of the set when it names none.
func verifyIDToken(tok *jwt.JSONWebToken, set *jose.JSONWebKeySet, kid string) (*idTokenClaims, bool) {
	keys := set.Keys
	if kid != "" {
		keys = set.Key(kid)
	}
	for _, k := range keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		var claims idTokenClaims
		if err := tok.Claims(k.Key, &claims); err == nil {
			return &claims, true
		}
	}
	return nil, false
}

// providerURL is the IAM OIDC provider URL of an issuer: the issuer
// without its scheme and trailing slash, as provider ARNs and condition
// keys spell it.
func providerURL(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" {
		return strings.TrimSuffix(strings.TrimPrefix(issuer, "https://"), "/")
	}
	return strings.ToLower(u.Host) + strings.TrimRight(u.EscapedPath(), "/")
}

// amrValues reads the amr claim: an array of strings, or a single string.
func amrValues(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil && one != "" {
		return []string{one}
	}
	return nil
}
