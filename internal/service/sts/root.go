package sts

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/sts"
	iamservice "github.com/gatehouse/gatehouse/internal/service/iam"
)

// This file serves AssumeRoot: a privileged session of a member account's
// root user, for centralized root access. The caller belongs to the
// organization's management account or to IAM's delegated administrator;
// the organization has all features, trusted access for IAM and the
// RootSessions feature enabled; the target is another account of the same
// organization; the session is the target's root user restricted by one of
// AWS's task policies (arn:aws:iam::aws:policy/root-task/...), which the
// authorizer applies as a session policy, and it lasts at most 15
// minutes. The member account's SCPs bind it as they bind its root user.

// organizationsOf holds the source of organization facts each Service was
// given (SetOrganizations). The Service struct is not this file's to
// extend, so the hook lives beside it, keyed by the Service.
var organizationsOf sync.Map // *Service -> iamservice.Organizations

// SetOrganizations installs the source of organization facts AssumeRoot
// reads (nil removes it); without one, no account is in an organization.
func (s *Service) SetOrganizations(o iamservice.Organizations) {
	if o == nil {
		organizationsOf.Delete(s)
		return
	}
	organizationsOf.Store(s, o)
}

// rootTaskPolicies are the AWS managed policies a root session may be
// scoped to.
var rootTaskPolicies = map[string]bool{
	"arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials":  true,
	"arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword":    true,
	"arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials": true,
	"arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy":         true,
	"arn:aws:iam::aws:policy/root-task/SQSUnlockQueuePolicy":         true,
}

// rootSessionDuration is the longest (and default) root session.
const rootSessionDuration = 900

// AssumeRoot returns short-term credentials of a member account's root
// user, scoped by a task policy.
func (s *Service) AssumeRoot(ctx context.Context, c *call.Call, in *api.AssumeRootInput) (*api.AssumeRootOutput, error) {
	caller := c.Principal
	if caller.Type == identity.Root {
		return nil, accessDenied("Root user credentials cannot be used to call AssumeRoot.")
	}
	target := rootTarget(deref(in.TargetPrincipal))
	targetAccount, ok := rootTargetAccount(target)
	if !ok {
		return nil, validationError("The TargetPrincipal %s is not a valid account id or root user ARN.", deref(in.TargetPrincipal))
	}
	v, installed := organizationsOf.Load(s)
	if !installed {
		return nil, accessDenied("User: %s is not authorized to perform: sts:AssumeRoot on resource: %s because account %s is not the management account or delegated administrator account for centralized root access of an organization (AWS Organizations is not available).",
			caller.ARN, target, caller.AccountID)
	}
	orgs := v.(iamservice.Organizations)
	org, inOrg, err := orgs.AccountOrganization(ctx, caller.AccountID)
	if err != nil {
		return nil, err
	}
	if !inOrg {
		return nil, accessDenied("User: %s is not authorized to perform: sts:AssumeRoot on resource: %s because account %s is not in an organization of AWS Organizations.",
			caller.ARN, target, caller.AccountID)
	}
	delegated := false
	for _, a := range org.IAMDelegatedAdministrators {
		delegated = delegated || a == caller.AccountID
	}
	if caller.AccountID != org.ManagementAccountID && !delegated {
		return nil, accessDenied("User: %s is not authorized to perform: sts:AssumeRoot on resource: %s because account %s is not the management account or delegated administrator account for centralized root access of organization %s.",
			caller.ARN, target, caller.AccountID, org.ID)
	}
	if !org.AllFeatures || !org.IAMTrustedAccess {
		return nil, accessDenied("User: %s is not authorized to perform: sts:AssumeRoot on resource: %s because trusted access for IAM (iam.amazonaws.com) is not enabled in organization %s.",
			caller.ARN, target, org.ID)
	}
	on, err := iamservice.OrganizationFeatureEnabled(ctx, s.dir, org.ID, "RootSessions")
	if err != nil {
		return nil, err
	}
	if !on {
		return nil, accessDenied("User: %s is not authorized to perform: sts:AssumeRoot on resource: %s because root sessions (RootSessions) are not enabled for organization %s.",
			caller.ARN, target, org.ID)
	}
	torg, targetIn, err := orgs.AccountOrganization(ctx, targetAccount)
	if err != nil {
		return nil, err
	}
	if !targetIn || torg.ID != org.ID || targetAccount == org.ManagementAccountID {
		return nil, accessDenied("User: %s is not authorized to perform: sts:AssumeRoot on resource: %s because %s is not a member account of organization %s.",
			caller.ARN, target, targetAccount, org.ID)
	}
	taskARN := ""
	if in.TaskPolicyArn != nil {
		taskARN = deref(in.TaskPolicyArn.Arn)
	}
	if !rootTaskPolicies[taskARN] {
		return nil, validationError("The TaskPolicyArn %s is not one of the AWS managed root task policies (arn:aws:iam::aws:policy/root-task/...).", taskARN)
	}
	d := int32(rootSessionDuration)
	if in.DurationSeconds != nil {
		d = *in.DurationSeconds
	}
	if d > rootSessionDuration {
		return nil, validationError("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", d, rootSessionDuration)
	}
	sourceIdentity := ""
	if caller.Session != nil {
		sourceIdentity = caller.Session.SourceIdentity
	}
	p := identity.Principal{
		Type:        identity.Root,
		AccountID:   targetAccount,
		ARN:         target,
		PrincipalID: targetAccount,
		Session: &identity.Session{
			SourceIdentity:    sourceIdentity,
			IssuerARN:         target,
			IssuerPrincipalID: targetAccount,
			IssuerType:        issuerRoot,
			PolicyARNs:        []string{taskARN},
		},
	}
	creds, err := s.issue(p, s.now(), time.Duration(d)*time.Second)
	if err != nil {
		return nil, err
	}
	c.AddResource(call.Resource{ARN: target, AccountID: targetAccount, Type: "AWS::IAM::Root"})
	out := &api.AssumeRootOutput{Credentials: creds}
	if sourceIdentity != "" {
		out.SourceIdentity = &sourceIdentity
	}
	return out, nil
}

// rootTarget is the root user ARN of AssumeRoot's TargetPrincipal, which
// may be an account id or already an ARN.
func rootTarget(target string) string {
	if len(target) == 12 {
		return "arn:aws:iam::" + target + ":root"
	}
	return target
}

// rootTargetAccount returns the account of a root user ARN.
func rootTargetAccount(arn string) (string, bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::")
	if !ok {
		return "", false
	}
	acct, ok := strings.CutSuffix(rest, ":root")
	if !ok || !account.ValidAccountID(acct) {
		return "", false
	}
	return acct, true
}
