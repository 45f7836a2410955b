package organizations

import (
	"context"
	"errors"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file serves the organization's resource-based policy
// (PutResourcePolicy, DescribeResourcePolicy, DeleteResourcePolicy): a
// policy in which the management account lets other principals call
// Organizations operations. Its statements may only name Organizations
// actions.

// maxResourcePolicySize is the largest resource policy, in characters
// (the API's limit on Content).
const maxResourcePolicySize = 40000

func (s *Service) registerResourcePolicy(r *call.Registry) {
	r.Handle(api.Service, "PutResourcePolicy", call.Typed(s.PutResourcePolicy))
	r.Handle(api.Service, "DescribeResourcePolicy", call.Typed(s.DescribeResourcePolicy))
	r.Handle(api.Service, "DeleteResourcePolicy", call.Typed(s.DeleteResourcePolicy))
}

// checkResourcePolicyContent validates a resource policy: well-formed
// JSON in the policy language, a Principal in every statement, and only
// Organizations actions.
func checkResourcePolicyContent(content string) error {
	if len(content) > maxResourcePolicySize {
		return constraintViolation(api.ConstraintViolationExceptionReasonPolicyContentLimitExceeded,
			"The resource policy is larger than the maximum size of %d characters.", maxResourcePolicySize)
	}
	p, err := policy.Parse([]byte(content), policy.KindResource)
	if err != nil {
		var me *policy.MalformedError
		if errors.As(err, &me) && strings.Contains(strings.ToLower(me.Reason), "principal") {
			return invalidInput(api.InvalidInputExceptionReasonInvalidPrincipal, "The resource policy names an invalid principal: %s", me.Reason)
		}
		return invalidInput(api.InvalidInputExceptionReasonInvalidResourcePolicyJson, "The provided resource policy is not valid: %v", err)
	}
	for _, st := range p.Statements {
		for _, a := range append(st.Action[:len(st.Action):len(st.Action)], st.NotAction...) {
			if !strings.HasPrefix(strings.ToLower(a), "organizations:") {
				return invalidInput(api.InvalidInputExceptionReasonUnsupportedActionInResourcePolicy,
					"The resource policy contains an action that is not an AWS Organizations action: %s", a)
			}
		}
	}
	return nil
}

// resourcePolicyOutput converts the stored policy.
func resourcePolicyOutput(org *organizations.Organization) *api.ResourcePolicy {
	rp := org.ResourcePolicy
	return &api.ResourcePolicy{
		ResourcePolicySummary: &api.ResourcePolicySummary{
			Id:  ptr(rp.ID),
			Arn: ptr("arn:aws:organizations::" + org.ManagementAccountID + ":resourcepolicy/" + org.ID + "/" + rp.ID),
		},
		Content: ptr(rp.Content),
	}
}

// PutResourcePolicy creates or replaces the organization's resource
// policy; a replacement keeps the policy's id (and its tags).
func (s *Service) PutResourcePolicy(ctx context.Context, c *call.Call, in *api.PutResourcePolicyInput) (*api.PutResourcePolicyOutput, error) {
	content := strOrEmpty(in.Content)
	if err := checkResourcePolicyContent(content); err != nil {
		return nil, err
	}
	tags, err := taggingFromAPI(in.Tags)
	if err != nil {
		return nil, err
	}
	var out *api.ResourcePolicy
	err = s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := requireAllFeatures(org); err != nil {
			return err
		}
		if org.ResourcePolicy == nil {
			org.ResourcePolicy = &organizations.ResourcePolicy{ID: organizations.NewID("rp-", 8)}
		}
		org.ResourcePolicy.Content = content
		if len(tags) > 0 {
			merged, err := taggingMerge(tx, org.ID, org.ResourcePolicy.ID, tags)
			if err != nil {
				return err
			}
			if err := tx.PutTags(org.ID, org.ResourcePolicy.ID, merged); err != nil {
				return err
			}
		}
		if err := tx.PutOrganization(org); err != nil {
			return err
		}
		out = resourcePolicyOutput(org)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.PutResourcePolicyOutput{ResourcePolicy: out}, nil
}

// DescribeResourcePolicy returns the organization's resource policy.
func (s *Service) DescribeResourcePolicy(ctx context.Context, c *call.Call, _ *struct{}) (*api.DescribeResourcePolicyOutput, error) {
	var out *api.ResourcePolicy
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		if org.ResourcePolicy == nil {
			return resourcePolicyNotFound()
		}
		out = resourcePolicyOutput(org)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeResourcePolicyOutput{ResourcePolicy: out}, nil
}

// DeleteResourcePolicy removes the organization's resource policy and its
// tags.
func (s *Service) DeleteResourcePolicy(ctx context.Context, c *call.Call, _ *struct{}) (*struct{}, error) {
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if org.ResourcePolicy == nil {
			return resourcePolicyNotFound()
		}
		if err := tx.PutTags(org.ID, org.ResourcePolicy.ID, nil); err != nil {
			return err
		}
		org.ResourcePolicy = nil
		return tx.PutOrganization(org)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

func resourcePolicyNotFound() error {
	return api.NewResourcePolicyNotFoundException("We can't find a resource policy request with the parameter that you specified.")
}
