package iam

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/internal/policy"
)

// ManagedPolicy returns the default version of a managed policy (a
// customer managed policy of accountID, or an AWS managed policy),
// compiled, from memory when no IAM write has happened since it was last
// built. The authorizer uses it for the managed session policies a session
// was created with (identity.Session.PolicyARNs), which are looked up at
// each request so that a change of the policy's default version applies
// to live sessions, as in AWS. A policy that no longer exists allows
// nothing: the session stays limited rather than losing its limit.
func (d *Directory) ManagedPolicy(ctx context.Context, accountID, arn string) (*policy.Attached, error) {
	perms, err := d.cachedPermissions(ctx, "policy/"+accountID+"/"+arn, func(tx *Tx) (*Permissions, error) {
		a, err := tx.managed(accountID, arn)
		if errors.Is(err, ErrNoSuchEntity) {
			a = &policy.Attached{Name: arn, Policy: allowsNothing}
		} else if err != nil {
			return nil, err
		}
		return &Permissions{ARN: arn, Identity: []policy.Attached{*a}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &perms.Identity[0], nil
}
