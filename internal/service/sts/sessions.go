package sts

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/sts"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file holds what every operation that issues temporary credentials
// shares: session durations, session policies and their packed size,
// session tags, MFA and the minting of the credentials.

// Session duration limits, in seconds.
const (
	minDuration            = 900
	defaultRoleDuration    = 3600
	chainedMaxDuration     = 3600
	defaultUserDuration    = 43200 // GetSessionToken, GetFederationToken
	rootMaxDuration        = 3600  // sessions of the root user
	defaultMaxRoleDuration = 3600  // a role without MaxSessionDuration
)

// Issuer types of a session (identity.Session.IssuerType), as CloudTrail's
// sessionIssuer.type spells them.
const (
	issuerRole = "Role"
	issuerUser = "IAMUser"
	issuerRoot = "Root"
)

// maxPolicyARNs is how many managed session policies a call may pass.
const maxPolicyARNs = 10

// packedLimit is the room, in bytes, that session policies, policy ARNs and
// session tags may take once packed (deflated). AWS does not publish the
// size of its packed format; gatehouse packs with DEFLATE and reports
// PackedPolicySize as the percentage of this room used, refusing a request
// over 100%, as AWS does.
const packedLimit = 2048

// roleDuration returns the duration of a role session: DurationSeconds or
// the default hour, no longer than the role's MaxSessionDuration and, for
// role chaining, than one hour.
func roleDuration(in *int32, role *iam.Role, chained bool) (time.Duration, error) {
	d := int32(defaultRoleDuration)
	if in != nil {
		d = *in
	}
	maxD := role.MaxSessionDuration
	if maxD <= 0 {
		maxD = defaultMaxRoleDuration
	}
	switch {
	case d < minDuration:
		return 0, validationError("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", d, minDuration)
	case d > maxD:
		return 0, validationError(msgDurationExceedsMax)
	case chained && d > chainedMaxDuration:
		return 0, validationError(msgDurationChained)
	}
	return time.Duration(d) * time.Second, nil
}

// ownDuration returns the duration of a GetSessionToken or
// GetFederationToken session: DurationSeconds or 12 hours, and for the root
// user at most (and by default) one hour, as AWS caps it.
func ownDuration(in *int32, caller *identity.Principal) time.Duration {
	d := int32(defaultUserDuration)
	if in != nil {
		d = *in
	}
	if caller.Type == identity.Root && d > rootMaxDuration {
		d = rootMaxDuration
	}
	return time.Duration(d) * time.Second
}

// sessionPolicies are the validated session policies of a request.
type sessionPolicies struct {
	// doc is the inline session policy, compacted ("" for none).
	doc string
	// arns are the managed session policies.
	arns []string
}

// checkSessionPolicies validates an inline session policy and the ARNs of
// managed session policies, which must exist in accountID (the account of
// the role, or of the user for GetFederationToken) or be AWS managed.
func (s *Service) checkSessionPolicies(ctx context.Context, accountID string, doc *string, arns []api.PolicyDescriptorType) (sessionPolicies, error) {
	var sp sessionPolicies
	if doc != nil {
		text := iam.DecodeDocument(*doc)
		if _, err := policy.Parse([]byte(text), policy.KindSession); err != nil {
			return sp, sessionPolicyError(err)
		}
		var b bytes.Buffer
		if json.Compact(&b, []byte(text)) == nil {
			text = b.String()
		}
		sp.doc = text
	}
	if len(arns) > maxPolicyARNs {
		return sp, validationError("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to %d", maxPolicyARNs)
	}
	if len(arns) == 0 {
		return sp, nil
	}
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		for _, d := range arns {
			arn := deref(d.Arn)
			if _, err := tx.Policy(accountID, arn); err != nil {
				if errors.Is(err, iam.ErrNoSuchEntity) {
					return invalidParameter("The policy %s does not exist or is not attachable.", arn)
				}
				return err
			}
			sp.arns = append(sp.arns, arn)
		}
		return nil
	})
	return sp, err
}

// sessionTags validates the session tags and transitive tag keys of a
// request and merges the transitive tags the calling session passes on.
// Tag keys compare without case, as AWS compares them.
func sessionTags(in []api.Tag, transitive []string, caller *identity.Principal) (tags map[string]string, keys []string, err error) {
	seen := make(map[string]bool, len(in))
	for _, t := range in {
		k := strings.ToLower(deref(t.Key))
		if seen[k] {
			return nil, nil, invalidParameter(msgDuplicateTags)
		}
		seen[k] = true
	}
	for _, k := range transitive {
		if !seen[strings.ToLower(k)] {
			return nil, nil, invalidParameter(msgTransitiveNotTag)
		}
	}
	var inherited *identity.Session
	if caller != nil && caller.Type == identity.AssumedRole && caller.Session != nil && len(caller.Session.TransitiveTagKeys) > 0 {
		inherited = caller.Session
		for _, k := range inherited.TransitiveTagKeys {
			if seen[strings.ToLower(k)] {
				return nil, nil, invalidParameter(msgTransitiveConflict)
			}
		}
	}
	if len(in) == 0 && inherited == nil {
		return nil, nil, nil
	}
	tags = make(map[string]string, len(in))
	for _, t := range in {
		tags[deref(t.Key)] = deref(t.Value)
	}
	keys = append(keys, transitive...)
	if inherited != nil {
		for _, k := range inherited.TransitiveTagKeys {
			if v, ok := lookupFold(inherited.Tags, k); ok {
				tags[k] = v
				keys = append(keys, k)
			}
		}
	}
	return tags, keys, nil
}

// lookupFold finds a tag by key without regard to case.
func lookupFold(m map[string]string, key string) (string, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// packedPercent returns PackedPolicySize: the share of packedLimit the
// session policies and tags take once packed, rounded up. A request over
// 100% fails with PackedPolicyTooLarge.
func packedPercent(sp sessionPolicies, tags map[string]string) (int32, error) {
	var raw bytes.Buffer
	raw.WriteString(sp.doc)
	for _, a := range sp.arns {
		raw.WriteByte(0)
		raw.WriteString(a)
	}
	for k, v := range tags {
		raw.WriteByte(0)
		raw.WriteString(k)
		raw.WriteByte('=')
		raw.WriteString(v)
	}
	var z bytes.Buffer
	w, err := flate.NewWriter(&z, flate.BestCompression)
	if err != nil {
		return 0, err
	}
	_, _ = w.Write(raw.Bytes())
	if err := w.Close(); err != nil {
		return 0, err
	}
	pct := int32((z.Len()*100 + packedLimit - 1) / packedLimit)
	if pct > 100 {
		if sp.doc == "" && len(sp.arns) == 0 {
			return pct, api.NewPackedPolicyTooLargeException("Packed size of session tags consumes %d%% of allotted space.", pct)
		}
		return pct, api.NewPackedPolicyTooLargeException("Packed policy consumes %d%% of allotted space, please use smaller policy.", pct)
	}
	return pct, nil
}

// checkMFA verifies the MFA device serial number and code a caller passes
// (AssumeRole, GetSessionToken). The device must be an enabled virtual MFA
// device of the calling IAM user or root user; a code is accepted once.
// It reports whether MFA was given.
func (s *Service) checkMFA(ctx context.Context, caller *identity.Principal, serial, code *string, now time.Time) (bool, error) {
	if serial == nil && code == nil {
		return false, nil
	}
	if serial == nil || code == nil {
		return false, accessDenied(msgMFABothNeeded)
	}
	owner := ""
	switch caller.Type {
	case identity.IAMUser:
		owner = caller.UserName
	case identity.Root:
		owner = iam.RootMFAUser
	default:
		// Role sessions and federated users own no MFA device.
		return false, accessDenied(msgMFAInvalidCode)
	}
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		m, err := tx.MFADevice(caller.AccountID, *serial)
		if err != nil {
			return err
		}
		if !strings.EqualFold(m.UserName, owner) {
			return iam.ErrMFACodeInvalid
		}
		return tx.CheckMFACode(caller.AccountID, *serial, *code, now)
	})
	switch {
	case errors.Is(err, iam.ErrMFACodeInvalid), errors.Is(err, iam.ErrNoSuchEntity):
		return false, accessDenied(msgMFAInvalidCode)
	case err != nil:
		return false, fmt.Errorf("sts: check MFA code: %w", err)
	}
	return true, nil
}

// issue mints the temporary credentials of p for d from now.
func (s *Service) issue(p identity.Principal, now time.Time, d time.Duration) (*api.Credentials, error) {
	p.Session.IssuedAt = now.Truncate(time.Second)
	p.Session.Expiration = now.Add(d).Truncate(time.Second)
	cred, err := s.sessions.Issue(p, p.Session.IssuedAt, p.Session.Expiration)
	if err != nil {
		return nil, fmt.Errorf("sts: issue credentials: %w", err)
	}
	return &api.Credentials{
		AccessKeyId:     &cred.AccessKeyID,
		SecretAccessKey: &cred.SecretAccessKey,
		SessionToken:    &cred.SessionToken,
		Expiration:      &cred.Expiration,
	}, nil
}

// roleSession describes the session of a role that AssumeRole,
// AssumeRoleWithWebIdentity and AssumeRoleWithSAML create.
type roleSession struct {
	role           *iam.Role
	name           string
	duration       time.Duration
	policies       sessionPolicies
	tags           map[string]string
	transitive     []string
	sourceIdentity string
	mfa            bool
	mfaAt          time.Time
	chained        bool
}

// issueRoleSession mints the credentials of a role session and records the
// role's use. It returns the credentials and the AssumedRoleUser.
func (s *Service) issueRoleSession(c *call.Call, rs *roleSession, now time.Time) (*api.Credentials, *api.AssumedRoleUser, error) {
	r := rs.role
	arn := "arn:aws:sts::" + r.AccountID + ":assumed-role/" + r.Name + "/" + rs.name
	id := r.ID + ":" + rs.name
	p := identity.Principal{
		Type:        identity.AssumedRole,
		AccountID:   r.AccountID,
		ARN:         arn,
		PrincipalID: id,
		UserName:    r.Name,
		Session: &identity.Session{
			MFAAuthenticated:  rs.mfa,
			SourceIdentity:    rs.sourceIdentity,
			Tags:              rs.tags,
			TransitiveTagKeys: rs.transitive,
			IssuerARN:         r.ARN(),
			IssuerPrincipalID: r.ID,
			IssuerType:        issuerRole,
			Policy:            rs.policies.doc,
			PolicyARNs:        rs.policies.arns,
			RoleChained:       rs.chained,
		},
	}
	if rs.mfa {
		p.Session.MFAAuthenticatedAt = rs.mfaAt.Truncate(time.Second)
	}
	creds, err := s.issue(p, now, rs.duration)
	if err != nil {
		return nil, nil, err
	}
	s.dir.NoteRoleUse(r.AccountID, r.Name, c.Region, now)
	c.AddResource(call.Resource{ARN: r.ARN(), AccountID: r.AccountID, Type: "AWS::IAM::Role"})
	return creds, &api.AssumedRoleUser{Arn: &arn, AssumedRoleId: &id}, nil
}

// findRole returns the role a RoleArn names: the ARN's account, path and
// name must match a role. ok is false when there is no such role.
func (s *Service) findRole(ctx context.Context, roleARN string) (role *iam.Role, ok bool, err error) {
	acct, path, name, parsed := iam.ParseRoleARN(roleARN)
	if !parsed {
		return nil, false, nil
	}
	err = s.dir.View(ctx, func(tx *iam.Tx) error {
		role, err = tx.Role(acct, name)
		return err
	})
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("sts: look up role: %w", err)
	}
	if role.Path != path {
		return nil, false, nil
	}
	return role, true, nil
}

// looksLikeARN reports whether s has the six colon-separated parts of an
// ARN; a RoleArn that does not is a validation error rather than a role
// that does not exist.
func looksLikeARN(s string) bool {
	return strings.HasPrefix(s, "arn:") && strings.Count(s, ":") >= 5
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }
