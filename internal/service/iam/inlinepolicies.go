package iam

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file serves inline policies: policy documents embedded in one user,
// group or role. They live in the entity's record. Their names compare
// without case, as IAM's names do; putting a policy under a name the
// entity already has replaces it.

func (s *Service) registerInlinePolicies(r *call.Registry) {
	r.Handle(api.Service, "PutUserPolicy", call.Typed(s.PutUserPolicy))
	r.Handle(api.Service, "GetUserPolicy", call.Typed(s.GetUserPolicy))
	r.Handle(api.Service, "DeleteUserPolicy", call.Typed(s.DeleteUserPolicy))
	r.Handle(api.Service, "ListUserPolicies", call.Typed(s.ListUserPolicies))
	r.Handle(api.Service, "PutGroupPolicy", call.Typed(s.PutGroupPolicy))
	r.Handle(api.Service, "GetGroupPolicy", call.Typed(s.GetGroupPolicy))
	r.Handle(api.Service, "DeleteGroupPolicy", call.Typed(s.DeleteGroupPolicy))
	r.Handle(api.Service, "ListGroupPolicies", call.Typed(s.ListGroupPolicies))
	r.Handle(api.Service, "PutRolePolicy", call.Typed(s.PutRolePolicy))
	r.Handle(api.Service, "GetRolePolicy", call.Typed(s.GetRolePolicy))
	r.Handle(api.Service, "DeleteRolePolicy", call.Typed(s.DeleteRolePolicy))
	r.Handle(api.Service, "ListRolePolicies", call.Typed(s.ListRolePolicies))
}

// inlineRules returns the policy kind inline policies of a holder kind are
// parsed as, and IAM's quota on the total size of all of a holder's inline
// policies, in characters ("IAM and AWS STS quotas").
func inlineRules(kind string) (policy.Kind, int) {
	switch kind {
	case holderUser:
		return policy.KindUserInline, policy.UserInlinePolicyMaxChars
	case holderGroup:
		return policy.KindGroupInline, policy.GroupInlinePolicyMaxChars
	}
	return policy.KindRoleInline, policy.RoleInlinePolicyMaxChars
}

// policySize is a document's size as IAM counts it against the quotas:
// characters, not counting white space outside strings.
func policySize(doc string) int {
	doc = iam.DecodeDocument(doc)
	n, inString, escaped := 0, false, false
	for _, r := range doc {
		if inString {
			n++
			switch {
			case escaped:
				escaped = false
			case r == '\\':
				escaped = true
			case r == '"':
				inString = false
			}
			continue
		}
		switch r {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inString = true
		}
		n++
	}
	return n
}

// inlineIndex returns the position of the inline policy named name
// (without case), or -1.
func inlineIndex(list []iam.InlinePolicy, name string) int {
	return slices.IndexFunc(list, func(p iam.InlinePolicy) bool { return strings.EqualFold(p.Name, name) })
}

// putInline embeds (or replaces) an inline policy in a holder.
func (s *Service) putInline(ctx context.Context, c *call.Call, kind, name, policyName, doc string) error {
	acct := c.Principal.AccountID
	pkind, limit := inlineRules(kind)
	return s.dir.Update(ctx, func(tx *iam.Tx) error {
		h, err := loadModifiableHolder(tx, acct, kind, name)
		if err != nil {
			return err
		}
		sizeExceeded := api.NewLimitExceededException("Maximum policy size of %d bytes exceeded for %s %s", limit, kind, h.name)
		if _, err := policy.Parse([]byte(iam.DecodeDocument(doc)), pkind); err != nil {
			var me *policy.MalformedError
			if errors.As(err, &me) && me.Code == policy.CodeLimitExceeded {
				return sizeExceeded
			}
			return malformedPolicy(err)
		}
		i := inlineIndex(*h.inline, policyName)
		total := policySize(doc)
		for j, p := range *h.inline {
			if j != i {
				total += policySize(p.Document)
			}
		}
		if total > limit {
			return sizeExceeded
		}
		if i >= 0 {
			(*h.inline)[i] = iam.InlinePolicy{Name: policyName, Document: doc}
		} else {
			*h.inline = append(*h.inline, iam.InlinePolicy{Name: policyName, Document: doc})
		}
		c.AddResource(h.resource)
		return h.save(tx)
	})
}

// getInline returns a holder's stored name and its inline policy.
func (s *Service) getInline(ctx context.Context, c *call.Call, kind, name, policyName string) (string, iam.InlinePolicy, error) {
	var holderName string
	var found iam.InlinePolicy
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		h, err := loadHolder(tx, c.Principal.AccountID, kind, name)
		if err != nil {
			return err
		}
		i := inlineIndex(*h.inline, policyName)
		if i < 0 {
			return noSuchEntity(kind+" policy", policyName)
		}
		holderName, found = h.name, (*h.inline)[i]
		return nil
	})
	return holderName, found, err
}

// deleteInline removes an inline policy from a holder.
func (s *Service) deleteInline(ctx context.Context, c *call.Call, kind, name, policyName string) error {
	return s.dir.Update(ctx, func(tx *iam.Tx) error {
		h, err := loadModifiableHolder(tx, c.Principal.AccountID, kind, name)
		if err != nil {
			return err
		}
		i := inlineIndex(*h.inline, policyName)
		if i < 0 {
			return noSuchEntity(kind+" policy", policyName)
		}
		*h.inline = slices.Delete(*h.inline, i, i+1)
		c.AddResource(h.resource)
		return h.save(tx)
	})
}

// listInline lists the names of a holder's inline policies in name order.
func (s *Service) listInline(ctx context.Context, c *call.Call, kind, name string, marker *string, maxItems *int32) ([]string, bool, *string, error) {
	var names []string
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		h, err := loadHolder(tx, c.Principal.AccountID, kind, name)
		if err != nil {
			return err
		}
		for _, p := range *h.inline {
			names = append(names, p.Name)
		}
		return nil
	})
	if err != nil {
		return nil, false, nil, err
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	got, truncated, next, err := page(names, strings.ToLower, marker, maxItems)
	if err != nil {
		return nil, false, nil, err
	}
	if got == nil {
		got = []string{}
	}
	return got, truncated, next, nil
}

// PutUserPolicy embeds an inline policy in a user, or replaces the one of
// that name.
func (s *Service) PutUserPolicy(ctx context.Context, c *call.Call, in *api.PutUserPolicyInput) (*struct{}, error) {
	return nil, s.putInline(ctx, c, holderUser, deref(in.UserName), deref(in.PolicyName), deref(in.PolicyDocument))
}

// GetUserPolicy returns a user's inline policy, its document URL-encoded
// as IAM returns documents.
func (s *Service) GetUserPolicy(ctx context.Context, c *call.Call, in *api.GetUserPolicyInput) (*api.GetUserPolicyOutput, error) {
	holder, p, err := s.getInline(ctx, c, holderUser, deref(in.UserName), deref(in.PolicyName))
	if err != nil {
		return nil, err
	}
	return &api.GetUserPolicyOutput{UserName: ptr(holder), PolicyName: ptr(p.Name), PolicyDocument: ptr(encodeDocument(p.Document))}, nil
}

// DeleteUserPolicy removes an inline policy from a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, c *call.Call, in *api.DeleteUserPolicyInput) (*struct{}, error) {
	return nil, s.deleteInline(ctx, c, holderUser, deref(in.UserName), deref(in.PolicyName))
}

// ListUserPolicies lists the names of a user's inline policies.
func (s *Service) ListUserPolicies(ctx context.Context, c *call.Call, in *api.ListUserPoliciesInput) (*api.ListUserPoliciesOutput, error) {
	names, truncated, marker, err := s.listInline(ctx, c, holderUser, deref(in.UserName), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListUserPoliciesOutput{PolicyNames: names, IsTruncated: ptr(truncated), Marker: marker}, nil
}

// PutGroupPolicy embeds an inline policy in a group, or replaces the one
// of that name.
func (s *Service) PutGroupPolicy(ctx context.Context, c *call.Call, in *api.PutGroupPolicyInput) (*struct{}, error) {
	return nil, s.putInline(ctx, c, holderGroup, deref(in.GroupName), deref(in.PolicyName), deref(in.PolicyDocument))
}

// GetGroupPolicy returns a group's inline policy, its document URL-encoded.
func (s *Service) GetGroupPolicy(ctx context.Context, c *call.Call, in *api.GetGroupPolicyInput) (*api.GetGroupPolicyOutput, error) {
	holder, p, err := s.getInline(ctx, c, holderGroup, deref(in.GroupName), deref(in.PolicyName))
	if err != nil {
		return nil, err
	}
	return &api.GetGroupPolicyOutput{GroupName: ptr(holder), PolicyName: ptr(p.Name), PolicyDocument: ptr(encodeDocument(p.Document))}, nil
}

// DeleteGroupPolicy removes an inline policy from a group.
func (s *Service) DeleteGroupPolicy(ctx context.Context, c *call.Call, in *api.DeleteGroupPolicyInput) (*struct{}, error) {
	return nil, s.deleteInline(ctx, c, holderGroup, deref(in.GroupName), deref(in.PolicyName))
}

// ListGroupPolicies lists the names of a group's inline policies.
func (s *Service) ListGroupPolicies(ctx context.Context, c *call.Call, in *api.ListGroupPoliciesInput) (*api.ListGroupPoliciesOutput, error) {
	names, truncated, marker, err := s.listInline(ctx, c, holderGroup, deref(in.GroupName), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListGroupPoliciesOutput{PolicyNames: names, IsTruncated: ptr(truncated), Marker: marker}, nil
}

// PutRolePolicy embeds an inline policy in a role, or replaces the one of
// that name. Service-linked roles refuse it.
func (s *Service) PutRolePolicy(ctx context.Context, c *call.Call, in *api.PutRolePolicyInput) (*struct{}, error) {
	return nil, s.putInline(ctx, c, holderRole, deref(in.RoleName), deref(in.PolicyName), deref(in.PolicyDocument))
}

// GetRolePolicy returns a role's inline policy, its document URL-encoded.
func (s *Service) GetRolePolicy(ctx context.Context, c *call.Call, in *api.GetRolePolicyInput) (*api.GetRolePolicyOutput, error) {
	holder, p, err := s.getInline(ctx, c, holderRole, deref(in.RoleName), deref(in.PolicyName))
	if err != nil {
		return nil, err
	}
	return &api.GetRolePolicyOutput{RoleName: ptr(holder), PolicyName: ptr(p.Name), PolicyDocument: ptr(encodeDocument(p.Document))}, nil
}

// DeleteRolePolicy removes an inline policy from a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, c *call.Call, in *api.DeleteRolePolicyInput) (*struct{}, error) {
	return nil, s.deleteInline(ctx, c, holderRole, deref(in.RoleName), deref(in.PolicyName))
}

// ListRolePolicies lists the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, c *call.Call, in *api.ListRolePoliciesInput) (*api.ListRolePoliciesOutput, error) {
	names, truncated, marker, err := s.listInline(ctx, c, holderRole, deref(in.RoleName), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListRolePoliciesOutput{PolicyNames: names, IsTruncated: ptr(truncated), Marker: marker}, nil
}
