package sts

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/sts"
)

// AssumeRole returns temporary credentials of a role session. The
// authorizer has already evaluated the role's trust policy (with the
// ExternalId, MFA and source identity of the request as condition keys);
// this handler checks what the trust policy does not decide: that the role
// exists, that the caller may assume roles at all, the session duration,
// the MFA code, the session policies and tags.
func (s *Service) AssumeRole(ctx context.Context, c *call.Call, in *api.AssumeRoleInput) (*api.AssumeRoleOutput, error) {
	caller := c.Principal
	roleARN := deref(in.RoleArn)
	const action = "sts:AssumeRole"
	switch caller.Type {
	case identity.IAMUser, identity.AssumedRole:
	case identity.Root:
		if !s.dev {
			return nil, accessDenied(msgRootAssumeRole)
		}
	default:
		// Federated users may call no STS operation but
		// GetCallerIdentity.
		return nil, notAuthorized(caller.ARN, action, roleARN)
	}
	if !looksLikeARN(roleARN) {
		return nil, validationError("%s is invalid", roleARN)
	}
	role, ok, err := s.findRole(ctx, roleARN)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notAuthorized(caller.ARN, action, roleARN)
	}
	chained := caller.Type == identity.AssumedRole
	duration, err := roleDuration(in.DurationSeconds, role, chained)
	if err != nil {
		return nil, err
	}
	policies, err := s.checkSessionPolicies(ctx, role.AccountID, in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	tags, transitive, err := sessionTags(in.Tags, in.TransitiveTagKeys, caller)
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
	sourceIdentity := deref(in.SourceIdentity)
	if caller.Session != nil && caller.Session.SourceIdentity != "" {
		// A source identity, once set, stays for the whole role chain.
		if sourceIdentity != "" && sourceIdentity != caller.Session.SourceIdentity {
			return nil, invalidParameter("The source identity of the calling session (%s) cannot be changed to %s.", caller.Session.SourceIdentity, sourceIdentity)
		}
		sourceIdentity = caller.Session.SourceIdentity
	}

	now := s.now()
	rs := &roleSession{
		role: role, name: deref(in.RoleSessionName), duration: duration,
		policies: policies, tags: tags, transitive: transitive,
		sourceIdentity: sourceIdentity, chained: chained,
	}
	// The MFA code is checked last, so that a request refused for another
	// reason does not use the code up.
	if rs.mfa, err = s.checkMFA(ctx, caller, in.SerialNumber, in.TokenCode, now); err != nil {
		return nil, err
	}
	if rs.mfa {
		rs.mfaAt = now
	} else if caller.Session != nil && caller.Session.MFAAuthenticated {
		// A session made with MFA passes its MFA context on.
		rs.mfa, rs.mfaAt = true, caller.Session.MFAAuthenticatedAt
	}
	creds, user, err := s.issueRoleSession(c, rs, now)
	if err != nil {
		return nil, err
	}
	out := &api.AssumeRoleOutput{Credentials: creds, AssumedRoleUser: user, PackedPolicySize: packed}
	if sourceIdentity != "" {
		out.SourceIdentity = &sourceIdentity
	}
	return out, nil
}
