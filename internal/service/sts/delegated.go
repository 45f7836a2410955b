package sts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/sts"
)

// GetDelegatedAccessToken redeems the exchange token of an IAM temporary
// delegation request (released by the customer with SendDelegationToken)
// for temporary credentials in the customer's account. The credentials act
// for the identity that approved the request (AssumedPrincipal), limited
// by the request's permission policy as a session policy, until the
// delegated access expires:
//
//   - approved by a role session: a session of that role;
//   - approved by an IAM user or the root user: a federated user issued by
//     that user, whose permissions are the user's and the policy's
//     intersection, as for GetFederationToken.
//
// Only a principal of the requestor (partner) account may redeem a token.
func (s *Service) GetDelegatedAccessToken(ctx context.Context, c *call.Call, in *api.GetDelegatedAccessTokenInput) (*api.GetDelegatedAccessTokenOutput, error) {
	token := deref(in.TradeInToken)
	var r *iam.DelegationRequest
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		r, err = tx.DelegationByToken(token)
		return err
	})
	if errors.Is(err, iam.ErrDelegationTokenInvalid) {
		return nil, invalidParameter("The trade-in token is not valid.")
	}
	if err != nil {
		return nil, fmt.Errorf("sts: redeem delegation token: %w", err)
	}
	if c.Principal.AccountID != r.RequestorAccount {
		return nil, invalidParameter("The trade-in token is not valid.")
	}
	now := s.now()
	remaining := r.AccessExpires.Sub(now).Truncate(time.Second)
	if r.State != "FINALIZED" || remaining <= 0 {
		return nil, api.NewExpiredTradeInTokenException("The trade-in token has expired and can no longer be exchanged for credentials.")
	}
	sp, err := s.checkSessionPolicies(ctx, r.OwnerAccountID, &r.PermissionPolicy, nil)
	if err != nil {
		return nil, fmt.Errorf("sts: permission policy of delegation request %s: %w", r.ID, err)
	}

	approver := r.ApproverID
	var creds *api.Credentials
	if roleName, ok := sessionRoleName(approver); ok {
		role, found, err := s.roleByName(ctx, r.OwnerAccountID, roleName)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, api.NewExpiredTradeInTokenException("The role %s that approved the delegation no longer exists.", roleName)
		}
		creds, _, err = s.issueRoleSession(c, &roleSession{role: role, name: "delegation-" + r.ID, duration: remaining, policies: sp}, now)
		if err != nil {
			return nil, err
		}
	} else {
		issuerType, issuerID, userName := issuerRoot, r.OwnerAccountID, ""
		if acct, _, name, ok := iam.ParseUserARN(approver); ok && acct == r.OwnerAccountID {
			var u *iam.User
			err := s.dir.View(ctx, func(tx *iam.Tx) error {
				var err error
				u, err = tx.User(acct, name)
				return err
			})
			if errors.Is(err, iam.ErrNoSuchEntity) {
				return nil, api.NewExpiredTradeInTokenException("The user %s that approved the delegation no longer exists.", name)
			}
			if err != nil {
				return nil, err
			}
			issuerType, issuerID, userName = issuerUser, u.ID, u.Name
		} else if approver != "arn:aws:iam::"+r.OwnerAccountID+":root" {
			return nil, fmt.Errorf("sts: delegation request %s was approved by %q, which is neither a role session, a user nor the root user", r.ID, approver)
		}
		arn := "arn:aws:sts::" + r.OwnerAccountID + ":federated-user/" + r.ID
		p := identity.Principal{
			Type: identity.FederatedUser, AccountID: r.OwnerAccountID, ARN: arn,
			PrincipalID: r.OwnerAccountID + ":" + r.ID, UserName: userName,
			Session: &identity.Session{
				IssuerARN: approver, IssuerPrincipalID: issuerID, IssuerType: issuerType,
				Policy: sp.doc,
			},
		}
		if creds, err = s.issue(p, now, remaining); err != nil {
			return nil, err
		}
	}
	return &api.GetDelegatedAccessTokenOutput{Credentials: creds, AssumedPrincipal: &approver}, nil
}

// sessionRoleName returns the role of an assumed-role session ARN.
func sessionRoleName(arn string) (string, bool) {
	i := strings.Index(arn, ":assumed-role/")
	if !strings.HasPrefix(arn, "arn:aws:sts::") || i < 0 {
		return "", false
	}
	rest := arn[i+len(":assumed-role/"):]
	name, _, ok := strings.Cut(rest, "/")
	return name, ok && name != ""
}

// roleByName returns the account's role of that name.
func (s *Service) roleByName(ctx context.Context, accountID, name string) (*iam.Role, bool, error) {
	var role *iam.Role
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		role, err = tx.Role(accountID, name)
		return err
	})
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return role, true, nil
}
