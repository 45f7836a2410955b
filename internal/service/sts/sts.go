// Package sts serves the AWS Security Token Service. This first part
// answers GetCallerIdentity for every kind of principal; the operations
// that issue temporary credentials follow with IAM.
package sts

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/sts"
)

// Service is the STS implementation.
type Service struct{}

// Register adds the STS handlers to r.
func (s *Service) Register(r *call.Registry) {
	r.Handle(api.Service, "GetCallerIdentity", call.Typed(s.GetCallerIdentity))
}

// GetCallerIdentity returns the account, ARN and unique id of the caller.
// IAM policies never deny it, as on AWS.
func (s *Service) GetCallerIdentity(_ context.Context, c *call.Call, _ *api.GetCallerIdentityInput) (*api.GetCallerIdentityOutput, error) {
	p := c.Principal
	userID := p.PrincipalID
	if p.Type == identity.Root {
		userID = p.AccountID
	}
	return &api.GetCallerIdentityOutput{
		Account: &p.AccountID,
		Arn:     &p.ARN,
		UserId:  &userID,
	}, nil
}
