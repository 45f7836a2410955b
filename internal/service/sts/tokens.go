package sts

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/sts"
)

// GetSessionToken returns temporary credentials of the caller itself (an
// IAM user or the root user), typically to prove MFA: with SerialNumber and
// TokenCode the session is MFA-authenticated. The session's principal is
// the caller, with the caller's permissions; it must be called with
// long-term credentials.
func (s *Service) GetSessionToken(ctx context.Context, c *call.Call, in *api.GetSessionTokenInput) (*api.GetSessionTokenOutput, error) {
	caller := c.Principal
	if err := requireLongTerm(caller, "GetSessionToken"); err != nil {
		return nil, err
	}
	now := s.now()
	mfa, err := s.checkMFA(ctx, caller, in.SerialNumber, in.TokenCode, now)
	if err != nil {
		return nil, err
	}
	p := *caller
	p.Session = &identity.Session{
		MFAAuthenticated:  mfa,
		IssuerARN:         caller.ARN,
		IssuerPrincipalID: caller.PrincipalID,
		IssuerType:        issuerType(caller),
	}
	if mfa {
		p.Session.MFAAuthenticatedAt = now.Truncate(time.Second)
	}
	if caller.Type == identity.Root {
		p.PrincipalID = caller.AccountID
		p.Session.IssuerPrincipalID = caller.AccountID
	}
	creds, err := s.issue(p, now, ownDuration(in.DurationSeconds, caller))
	if err != nil {
		return nil, err
	}
	return &api.GetSessionTokenOutput{Credentials: creds}, nil
}

// GetFederationToken returns temporary credentials of a federated user
// named by the caller (an IAM user or the root user, with long-term
// credentials). The federated user's permissions are the intersection of
// the caller's policies and the session policies passed here, which the
// authorizer applies from the session; without session policies the
// federated user may do nothing.
func (s *Service) GetFederationToken(ctx context.Context, c *call.Call, in *api.GetFederationTokenInput) (*api.GetFederationTokenOutput, error) {
	caller := c.Principal
	if err := requireLongTerm(caller, "GetFederationToken"); err != nil {
		return nil, err
	}
	policies, err := s.checkSessionPolicies(ctx, caller.AccountID, in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	tags, _, err := sessionTags(in.Tags, nil, nil)
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
	name := deref(in.Name)
	arn := "arn:aws:sts::" + caller.AccountID + ":federated-user/" + name
	id := caller.AccountID + ":" + name
	issuerID := caller.PrincipalID
	if caller.Type == identity.Root {
		issuerID = caller.AccountID
	}
	p := identity.Principal{
		Type:        identity.FederatedUser,
		AccountID:   caller.AccountID,
		ARN:         arn,
		PrincipalID: id,
		// UserName is the IAM user whose policies bound the federated
		// user ("" for the root user).
		UserName: caller.UserName,
		Session: &identity.Session{
			Tags:              tags,
			IssuerARN:         caller.ARN,
			IssuerPrincipalID: issuerID,
			IssuerType:        issuerType(caller),
			Policy:            policies.doc,
			PolicyARNs:        policies.arns,
		},
	}
	creds, err := s.issue(p, s.now(), ownDuration(in.DurationSeconds, caller))
	if err != nil {
		return nil, err
	}
	return &api.GetFederationTokenOutput{
		Credentials:      creds,
		FederatedUser:    &api.FederatedUser{Arn: &arn, FederatedUserId: &id},
		PackedPolicySize: packed,
	}, nil
}

// requireLongTerm refuses callers that GetSessionToken and
// GetFederationToken do not serve: anyone using temporary credentials, and
// principals other than IAM users and the root user.
func requireLongTerm(caller *identity.Principal, op string) error {
	if caller.Session != nil {
		return accessDenied("Cannot call %s with session credentials", op)
	}
	switch caller.Type {
	case identity.IAMUser, identity.Root:
		return nil
	}
	return accessDenied("Cannot call %s with session credentials", op)
}

// issuerType is the session issuer type of a caller's own session.
func issuerType(caller *identity.Principal) string {
	if caller.Type == identity.Root {
		return issuerRoot
	}
	return issuerUser
}
