package iam

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file attaches managed policies to users, groups and roles, and sets
// roles' permissions boundaries. An entity's record lists the ARNs of its
// attached policies in attach order; each policy counts its attachments
// (customer managed) or the account's usage record does (AWS managed), in
// the same transaction.

// managedPoliciesPerEntity is IAM's default quota of managed policies
// attached to one user, group or role.
const managedPoliciesPerEntity = 10

func (s *Service) registerPolicyAttachments(r *call.Registry) {
	r.Handle(api.Service, "AttachUserPolicy", call.Typed(s.AttachUserPolicy))
	r.Handle(api.Service, "DetachUserPolicy", call.Typed(s.DetachUserPolicy))
	r.Handle(api.Service, "ListAttachedUserPolicies", call.Typed(s.ListAttachedUserPolicies))
	r.Handle(api.Service, "AttachGroupPolicy", call.Typed(s.AttachGroupPolicy))
	r.Handle(api.Service, "DetachGroupPolicy", call.Typed(s.DetachGroupPolicy))
	r.Handle(api.Service, "ListAttachedGroupPolicies", call.Typed(s.ListAttachedGroupPolicies))
	r.Handle(api.Service, "AttachRolePolicy", call.Typed(s.AttachRolePolicy))
	r.Handle(api.Service, "DetachRolePolicy", call.Typed(s.DetachRolePolicy))
	r.Handle(api.Service, "ListAttachedRolePolicies", call.Typed(s.ListAttachedRolePolicies))
	r.Handle(api.Service, "PutRolePermissionsBoundary", call.Typed(s.PutRolePermissionsBoundary))
	r.Handle(api.Service, "DeleteRolePermissionsBoundary", call.Typed(s.DeleteRolePermissionsBoundary))
}

// Kinds of policy holders, as IAM's messages name them.
const (
	holderUser  = "user"
	holderGroup = "group"
	holderRole  = "role"
)

// policyHolder is a user, group or role seen as what holds policies: its
// attached managed policies and inline policies, and how to store it back.
type policyHolder struct {
	kind     string // holderUser, holderGroup or holderRole
	name     string // as stored
	attached *[]string
	inline   *[]iam.InlinePolicy
	// serviceLinked is true for a service-linked role, whose policies
	// only AWS may change.
	serviceLinked bool
	resource      call.Resource
	save          func(*iam.Tx) error
}

// loadHolder reads the user, group or role name of the account, or fails
// with IAM's NoSuchEntity for it.
func loadHolder(tx *iam.Tx, accountID, kind, name string) (*policyHolder, error) {
	switch kind {
	case holderUser:
		u, err := tx.User(accountID, name)
		if err != nil {
			return nil, notFound(err, kind, name)
		}
		return &policyHolder{
			kind: kind, name: u.Name, attached: &u.Attached, inline: &u.Inline,
			resource: call.Resource{ARN: u.ARN(), AccountID: accountID, Type: "AWS::IAM::User"},
			save:     func(tx *iam.Tx) error { return tx.PutUser(u) },
		}, nil
	case holderGroup:
		g, err := tx.Group(accountID, name)
		if err != nil {
			return nil, notFound(err, kind, name)
		}
		return &policyHolder{
			kind: kind, name: g.Name, attached: &g.Attached, inline: &g.Inline,
			resource: call.Resource{ARN: g.ARN(), AccountID: accountID, Type: "AWS::IAM::Group"},
			save:     func(tx *iam.Tx) error { return tx.PutGroup(g) },
		}, nil
	default:
		r, err := tx.Role(accountID, name)
		if err != nil {
			return nil, notFound(err, holderRole, name)
		}
		return &policyHolder{
			kind: holderRole, name: r.Name, attached: &r.Attached, inline: &r.Inline, serviceLinked: r.ServiceLinked,
			resource: call.Resource{ARN: r.ARN(), AccountID: accountID, Type: "AWS::IAM::Role"},
			save:     func(tx *iam.Tx) error { return tx.PutRole(r) },
		}, nil
	}
}

// loadModifiableHolder is loadHolder for operations that change the
// holder's policies, which service-linked roles refuse.
func loadModifiableHolder(tx *iam.Tx, accountID, kind, name string) (*policyHolder, error) {
	h, err := loadHolder(tx, accountID, kind, name)
	if err != nil {
		return nil, err
	}
	if h.serviceLinked {
		return nil, protectedRole(h.name)
	}
	return h, nil
}

// quotaName is the name IAM's LimitExceeded message gives the quota of
// managed policies per holder kind.
func quotaName(kind string) string {
	switch kind {
	case holderUser:
		return "PoliciesPerUser"
	case holderGroup:
		return "PoliciesPerGroup"
	}
	return "PoliciesPerRole"
}

// serviceRolePolicy reports whether mp is an AWS managed policy made for a
// service-linked role, which only such a role may have.
func serviceRolePolicy(mp *iam.ManagedPolicy) bool {
	return mp.AccountID == "aws" && strings.HasPrefix(mp.Path, "/aws-service-role/")
}

// notAttachable is IAM's PolicyNotAttachable for a service role policy.
func notAttachable(kind string) *protocol.Error {
	what := map[string]string{holderUser: "a User", holderGroup: "a Group"}[kind]
	if what == "" {
		what = "a Customer Role"
	}
	return api.NewPolicyNotAttachableException("Cannot attach a Service Role Policy to %s.", what)
}

// attachPolicy attaches the managed policy arn to a holder. Attaching a
// policy already attached changes nothing, as on AWS.
func (s *Service) attachPolicy(ctx context.Context, c *call.Call, kind, name, arn string) error {
	acct := c.Principal.AccountID
	return s.dir.Update(ctx, func(tx *iam.Tx) error {
		h, err := loadModifiableHolder(tx, acct, kind, name)
		if err != nil {
			return err
		}
		mp, err := attachablePolicy(tx, acct, arn)
		if err != nil {
			return err
		}
		if serviceRolePolicy(mp) {
			return notAttachable(kind)
		}
		c.AddResource(h.resource)
		c.AddResource(policyResource(mp))
		canonical := mp.ARN()
		if slices.Contains(*h.attached, canonical) {
			return nil
		}
		if len(*h.attached) >= managedPoliciesPerEntity {
			return limitExceeded(quotaName(kind), managedPoliciesPerEntity)
		}
		*h.attached = append(*h.attached, canonical)
		if err := h.save(tx); err != nil {
			return err
		}
		return addPolicyUsage(tx, acct, mp, 1, 0)
	})
}

// detachPolicy detaches the managed policy arn from a holder.
func (s *Service) detachPolicy(ctx context.Context, c *call.Call, kind, name, arn string) error {
	acct := c.Principal.AccountID
	return s.dir.Update(ctx, func(tx *iam.Tx) error {
		h, err := loadModifiableHolder(tx, acct, kind, name)
		if err != nil {
			return err
		}
		if _, _, _, ok := iam.ParsePolicyARN(arn); !ok {
			return invalidARN(arn)
		}
		i := slices.Index(*h.attached, arn)
		if i < 0 {
			return policyNotFound(arn)
		}
		*h.attached = slices.Delete(*h.attached, i, i+1)
		if err := h.save(tx); err != nil {
			return err
		}
		c.AddResource(h.resource)
		c.AddResource(call.Resource{ARN: arn, AccountID: acct, Type: "AWS::IAM::Policy"})
		mp, err := tx.Policy(acct, arn)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			return nil
		}
		if err != nil {
			return err
		}
		return addPolicyUsage(tx, acct, mp, -1, 0)
	})
}

// listAttached lists a holder's attached managed policies in attach
// order, those whose path starts with pathPrefix.
func (s *Service) listAttached(ctx context.Context, c *call.Call, kind, name string, pathPrefix, marker *string, maxItems *int32) ([]api.AttachedPolicy, bool, *string, error) {
	var arns []string
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		h, err := loadHolder(tx, c.Principal.AccountID, kind, name)
		if err != nil {
			return err
		}
		for _, arn := range *h.attached {
			if _, path, _, ok := iam.ParsePolicyARN(arn); ok && pathMatches(path, pathPrefix) {
				arns = append(arns, arn)
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, nil, err
	}
	got, truncated, next, err := pageByPosition(arns, marker, maxItems)
	if err != nil {
		return nil, false, nil, err
	}
	out := make([]api.AttachedPolicy, len(got))
	for i, arn := range got {
		_, _, policyName, _ := iam.ParsePolicyARN(arn)
		out[i] = api.AttachedPolicy{PolicyName: ptr(policyName), PolicyArn: ptr(arn)}
	}
	return out, truncated, next, nil
}

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, c *call.Call, in *api.AttachUserPolicyInput) (*struct{}, error) {
	return nil, s.attachPolicy(ctx, c, holderUser, deref(in.UserName), deref(in.PolicyArn))
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, c *call.Call, in *api.DetachUserPolicyInput) (*struct{}, error) {
	return nil, s.detachPolicy(ctx, c, holderUser, deref(in.UserName), deref(in.PolicyArn))
}

// ListAttachedUserPolicies lists the managed policies attached to a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, c *call.Call, in *api.ListAttachedUserPoliciesInput) (*api.ListAttachedUserPoliciesOutput, error) {
	list, truncated, marker, err := s.listAttached(ctx, c, holderUser, deref(in.UserName), in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListAttachedUserPoliciesOutput{AttachedPolicies: list, IsTruncated: ptr(truncated), Marker: marker}, nil
}

// AttachGroupPolicy attaches a managed policy to a group.
func (s *Service) AttachGroupPolicy(ctx context.Context, c *call.Call, in *api.AttachGroupPolicyInput) (*struct{}, error) {
	return nil, s.attachPolicy(ctx, c, holderGroup, deref(in.GroupName), deref(in.PolicyArn))
}

// DetachGroupPolicy detaches a managed policy from a group.
func (s *Service) DetachGroupPolicy(ctx context.Context, c *call.Call, in *api.DetachGroupPolicyInput) (*struct{}, error) {
	return nil, s.detachPolicy(ctx, c, holderGroup, deref(in.GroupName), deref(in.PolicyArn))
}

// ListAttachedGroupPolicies lists the managed policies attached to a group.
func (s *Service) ListAttachedGroupPolicies(ctx context.Context, c *call.Call, in *api.ListAttachedGroupPoliciesInput) (*api.ListAttachedGroupPoliciesOutput, error) {
	list, truncated, marker, err := s.listAttached(ctx, c, holderGroup, deref(in.GroupName), in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListAttachedGroupPoliciesOutput{AttachedPolicies: list, IsTruncated: ptr(truncated), Marker: marker}, nil
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, c *call.Call, in *api.AttachRolePolicyInput) (*struct{}, error) {
	return nil, s.attachPolicy(ctx, c, holderRole, deref(in.RoleName), deref(in.PolicyArn))
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, c *call.Call, in *api.DetachRolePolicyInput) (*struct{}, error) {
	return nil, s.detachPolicy(ctx, c, holderRole, deref(in.RoleName), deref(in.PolicyArn))
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, c *call.Call, in *api.ListAttachedRolePoliciesInput) (*api.ListAttachedRolePoliciesOutput, error) {
	list, truncated, marker, err := s.listAttached(ctx, c, holderRole, deref(in.RoleName), in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListAttachedRolePoliciesOutput{AttachedPolicies: list, IsTruncated: ptr(truncated), Marker: marker}, nil
}

// PutRolePermissionsBoundary sets or replaces a role's permissions
// boundary.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, c *call.Call, in *api.PutRolePermissionsBoundaryInput) (*struct{}, error) {
	acct, name, arn := c.Principal.AccountID, deref(in.RoleName), deref(in.PermissionsBoundary)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		r, err := tx.Role(acct, name)
		if err != nil {
			return notFound(err, holderRole, name)
		}
		if r.ServiceLinked {
			return protectedRole(r.Name)
		}
		if err := attachBoundary(tx, acct, r.Boundary, arn); err != nil {
			return err
		}
		r.Boundary = arn
		c.AddResource(call.Resource{ARN: r.ARN(), AccountID: acct, Type: "AWS::IAM::Role"})
		return tx.PutRole(r)
	})
	return nil, err
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary (a
// role without one is left as it is).
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, c *call.Call, in *api.DeleteRolePermissionsBoundaryInput) (*struct{}, error) {
	acct, name := c.Principal.AccountID, deref(in.RoleName)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		r, err := tx.Role(acct, name)
		if err != nil {
			return notFound(err, holderRole, name)
		}
		if r.ServiceLinked {
			return protectedRole(r.Name)
		}
		c.AddResource(call.Resource{ARN: r.ARN(), AccountID: acct, Type: "AWS::IAM::Role"})
		if r.Boundary == "" {
			return nil
		}
		if err := attachBoundary(tx, acct, r.Boundary, ""); err != nil {
			return err
		}
		r.Boundary = ""
		return tx.PutRole(r)
	})
	return nil, err
}
