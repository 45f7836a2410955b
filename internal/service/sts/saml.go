package sts

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/sts"
)

// SAML attributes AWS reads from an assertion.
const (
	samlAttrRole           = "https://aws.amazon.com/SAML/Attributes/Role"
	samlAttrSessionName    = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	samlAttrSourceIdentity = "https://aws.amazon.com/SAML/Attributes/SourceIdentity"
	samlAttrTagPrefix      = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:"
	samlAttrTransitive     = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys"
)

const msgSAMLDeny = "Not authorized to perform sts:AssumeRoleWithSAML"

// samlSessionName is the pattern AWS requires of RoleSessionName.
var samlSessionName = regexp.MustCompile(`^[a-zA-Z_0-9+=,.@-]{2,64}$`)

// samlOIDKeys maps the attributes AWS turns into SAML condition keys, by
// their OID attribute names, to those keys.
var samlOIDKeys = map[string]string{
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.1":  "SAML:edupersonaffiliation",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.2":  "SAML:edupersonnickname",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.5":  "SAML:edupersonprimaryaffiliation",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.6":  "SAML:edupersonprincipalname",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.7":  "SAML:edupersonentitlement",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.9":  "SAML:edupersonscopedaffiliation",
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.10": "SAML:edupersontargetedid",
	"urn:oid:0.9.2342.19200300.100.1.1": "SAML:uid",
	"urn:oid:0.9.2342.19200300.100.1.3": "SAML:mail",
	"urn:oid:2.5.4.3":                   "SAML:cn",
	"urn:oid:2.5.4.4":                   "SAML:surname",
	"urn:oid:2.5.4.10":                  "SAML:organization",
	"urn:oid:2.5.4.11":                  "SAML:organizationalUnit",
	"urn:oid:2.5.4.42":                  "SAML:givenName",
	"urn:oid:2.5.4.45":                  "SAML:x500UniqueIdentifier",
}

// AssumeRoleWithSAML returns temporary credentials of a role for the
// subject of a SAML assertion from an identity provider registered in IAM.
// The response (or its assertion) must be signed by one of the provider's
// signing certificates; the assertion must come from the provider's
// entity id, be addressed to AWS (Audience and bearer Recipient
// https://signin.aws.amazon.com/saml), be within its validity, name the
// role and provider in its Role attribute and give a RoleSessionName. The
// role's trust policy must then allow the provider to perform
// sts:AssumeRoleWithSAML, with SAML:aud, SAML:iss, SAML:sub, ... as
// condition keys.
func (s *Service) AssumeRoleWithSAML(ctx context.Context, c *call.Call, in *api.AssumeRoleWithSAMLInput) (*api.AssumeRoleWithSAMLOutput, error) {
	roleARN, provARN := deref(in.RoleArn), deref(in.PrincipalArn)
	if !looksLikeARN(roleARN) {
		return nil, validationError("%s is invalid", roleARN)
	}
	acct := arnAccount(provARN)
	var prov *iam.SAMLProvider
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		prov, err = tx.SAMLProvider(acct, provARN)
		return err
	})
	if errors.Is(err, iam.ErrNoSuchEntity) || acct == "" {
		return nil, api.NewInvalidIdentityTokenException("Specified provider doesn't exist")
	}
	if err != nil {
		return nil, fmt.Errorf("sts: look up SAML provider: %w", err)
	}
	now := s.now()
	if !prov.ValidUntil.IsZero() && now.After(prov.ValidUntil) {
		return nil, api.NewInvalidIdentityTokenException("The metadata of SAML provider %s expired on %s", provARN, prov.ValidUntil.Format("2006-01-02T15:04:05Z"))
	}
	md, err := prov.ParsedMetadata()
	if err != nil || len(md.SigningCertificates) == 0 {
		return nil, api.NewInvalidIdentityTokenException("The metadata of SAML provider %s names no usable signing certificate", provARN)
	}
	a, err := verifySAMLResponse(deref(in.SAMLAssertion), md.SigningCertificates, now)
	if err != nil {
		return nil, samlProtocolError(err)
	}
	if prov.EncryptionMode == "Required" {
		// verifySAMLResponse accepts only unencrypted assertions.
		return nil, api.NewInvalidIdentityTokenException("SAML provider %s requires encrypted assertions, which gatehouse cannot decrypt yet", provARN)
	}
	recipient, err := checkSAMLAssertion(a, md.EntityID, now)
	if err != nil {
		return nil, samlProtocolError(err)
	}

	// The Role attribute must pair this role with this provider.
	if !samlRolePair(a, roleARN, provARN) {
		return nil, accessDenied(msgSAMLDeny)
	}
	names, _ := a.attribute(samlAttrSessionName)
	if len(names) == 0 || names[0] == "" {
		return nil, api.NewInvalidIdentityTokenException("RoleSessionName is required in AuthnResponse")
	}
	sessionName := names[0]
	if !samlSessionName.MatchString(sessionName) {
		return nil, api.NewInvalidIdentityTokenException("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}")
	}
	sourceIdentity := ""
	if v, ok := a.attribute(samlAttrSourceIdentity); ok && len(v) > 0 {
		sourceIdentity = v[0]
		if !samlSessionName.MatchString(sourceIdentity) {
			return nil, api.NewInvalidIdentityTokenException("Source Identity in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}")
		}
	}
	var inTags []api.Tag
	for _, at := range a.Attributes {
		if k, ok := strings.CutPrefix(at.Name, samlAttrTagPrefix); ok && len(at.Values) > 0 {
			inTags = append(inTags, api.Tag{Key: ptr(k), Value: ptr(strings.TrimSpace(at.Values[0]))})
		}
	}
	transitive, _ := a.attribute(samlAttrTransitive)
	tags, transitive, err := sessionTags(inTags, transitive, nil)
	if err != nil {
		return nil, err
	}

	role, ok, err := s.findRole(ctx, roleARN)
	if err != nil {
		return nil, err
	}
	if !ok || role.AccountID != prov.AccountID {
		return nil, accessDenied(msgSAMLDeny)
	}
	duration, err := roleDuration(in.DurationSeconds, role, false)
	if err != nil {
		return nil, err
	}
	policies, err := s.checkSessionPolicies(ctx, role.AccountID, in.Policy, in.PolicyArns)
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

	subjectType := strings.TrimPrefix(a.Subject.NameID.Format, nameIDPrefix)
	providerName := prov.Name
	if providerName == "" {
		providerName = provARN[strings.LastIndexByte(provARN, '/')+1:]
	}
	sum := sha1.Sum([]byte(a.Issuer + prov.AccountID + "/" + providerName))
	nameQualifier := base64.StdEncoding.EncodeToString(sum[:])
	if s.EnforceTrust {
		keys := map[string][]string{
			"SAML:aud":           {recipient},
			"SAML:iss":           {a.Issuer},
			"SAML:sub":           {a.Subject.NameID.Value},
			"SAML:namequalifier": {nameQualifier},
			"SAML:doc":           {prov.AccountID + "/" + providerName},
		}
		if subjectType != "" {
			keys["SAML:sub_type"] = []string{subjectType}
		}
		oids := make([]string, 0, len(samlOIDKeys))
		for oid := range samlOIDKeys {
			oids = append(oids, oid)
		}
		sort.Strings(oids)
		for _, oid := range oids {
			if v, ok := a.attribute(oid); ok {
				keys[samlOIDKeys[oid]] = v
			}
		}
		ok, err := s.trusted(ctx, c, &federatedRequest{
			action: "sts:AssumeRoleWithSAML", provider: provARN, role: role, keys: keys,
			sessionName: sessionName, tags: tags, transitive: transitive, sourceIdentity: sourceIdentity,
		})
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, accessDenied(msgSAMLDeny)
		}
	}

	creds, user, err := s.issueRoleSession(c, &roleSession{
		role: role, name: sessionName, duration: duration, policies: policies,
		tags: tags, transitive: transitive, sourceIdentity: sourceIdentity,
	}, now)
	if err != nil {
		return nil, err
	}
	out := &api.AssumeRoleWithSAMLOutput{
		Credentials:      creds,
		AssumedRoleUser:  user,
		PackedPolicySize: packed,
		Subject:          &a.Subject.NameID.Value,
		Issuer:           &a.Issuer,
		Audience:         &recipient,
		NameQualifier:    &nameQualifier,
	}
	if subjectType != "" {
		out.SubjectType = &subjectType
	}
	if sourceIdentity != "" {
		out.SourceIdentity = &sourceIdentity
	}
	return out, nil
}

// samlRolePair reports whether the assertion's Role attribute has a value
// pairing roleARN with provARN (in either order, comma-separated).
func samlRolePair(a *samlAssertion, roleARN, provARN string) bool {
	vals, _ := a.attribute(samlAttrRole)
	for _, v := range vals {
		parts := strings.Split(v, ",")
		if len(parts) != 2 {
			continue
		}
		x, y := strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])
		if (x == roleARN && y == provARN) || (x == provARN && y == roleARN) {
			return true
		}
	}
	return false
}

// samlProtocolError turns a samlError into the STS error of its code.
func samlProtocolError(err error) error {
	var se *samlError
	if !errors.As(err, &se) {
		return err
	}
	switch se.code {
	case "IDPRejectedClaim":
		return api.NewIDPRejectedClaimException("%s", se.msg)
	case "ExpiredTokenException":
		return api.NewExpiredTokenException("%s", se.msg)
	}
	return api.NewInvalidIdentityTokenException("%s", se.msg)
}
