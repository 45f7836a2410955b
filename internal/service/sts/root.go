package sts

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/sts"
)

// AssumeRoot returns privileged root-user credentials for a member account
// of an organization with centralized root access. It needs AWS
// Organizations (the caller's account must be the organization's
// management account or the delegated administrator for IAM, with root
// sessions enabled), which gatehouse does not serve yet, so every call is
// refused with AWS's AccessDenied naming why; the root user itself may
// never call it, as on AWS.
func (s *Service) AssumeRoot(_ context.Context, c *call.Call, in *api.AssumeRootInput) (*api.AssumeRootOutput, error) {
	caller := c.Principal
	if caller.Type == identity.Root {
		return nil, accessDenied("Root user credentials cannot be used to call AssumeRoot.")
	}
	return nil, accessDenied("User: %s is not authorized to perform: sts:AssumeRoot on resource: %s because account %s is not the management account or delegated administrator account for centralized root access of an organization (AWS Organizations is not available in gatehouse yet).",
		caller.ARN, rootTarget(deref(in.TargetPrincipal)), caller.AccountID)
}

// rootTarget is the root user ARN of AssumeRoot's TargetPrincipal, which
// may be an account id or already an ARN.
func rootTarget(target string) string {
	if len(target) == 12 {
		return "arn:aws:iam::" + target + ":root"
	}
	return target
}
