package organizations

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file serves the policies of every type the model names: create,
// update, delete, describe and list them, attach them to and detach them
// from the root, OUs and accounts, with AWS's quotas (document size per
// type, policies per target per type) and the rule that a target keeps at
// least one SCP (and one RCP) while the type is enabled.

func (s *Service) registerPolicies(r *call.Registry) {
	r.Handle(api.Service, "CreatePolicy", call.Typed(s.CreatePolicy))
	r.Handle(api.Service, "UpdatePolicy", call.Typed(s.UpdatePolicy))
	r.Handle(api.Service, "DeletePolicy", call.Typed(s.DeletePolicy))
	r.Handle(api.Service, "DescribePolicy", call.Typed(s.DescribePolicy))
	r.Handle(api.Service, "ListPolicies", call.Typed(s.ListPolicies))
	r.Handle(api.Service, "AttachPolicy", call.Typed(s.AttachPolicy))
	r.Handle(api.Service, "DetachPolicy", call.Typed(s.DetachPolicy))
	r.Handle(api.Service, "ListPoliciesForTarget", call.Typed(s.ListPoliciesForTarget))
	r.Handle(api.Service, "ListTargetsForPolicy", call.Typed(s.ListTargetsForPolicy))
}

// policyIDLength is the number of characters after "p-" in the ids of
// customer managed policies.
const policyIDLength = 8

// CreatePolicy creates a customer managed policy of any type. Policies of
// every type need all features; the type need not be enabled to create
// one, only to attach it.
func (s *Service) CreatePolicy(ctx context.Context, c *call.Call, in *api.CreatePolicyInput) (*api.CreatePolicyOutput, error) {
	policyType := string(in.Type)
	content, name, desc := coreDeref(in.Content), coreDeref(in.Name), coreDeref(in.Description)
	tags, err := coreTags(in.Tags)
	if err != nil {
		return nil, err
	}
	var out *api.Policy
	err = s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := policyTypeAvailable(org, policyType); err != nil {
			return err
		}
		if err := policyContentError(policyType, content); err != nil {
			return err
		}
		existing, err := tx.Policies(org.ID)
		if err != nil {
			return err
		}
		if err := policyNameFree(existing, policyType, name, ""); err != nil {
			return err
		}
		if policyCountOfType(existing, policyType) >= organizations.MaxPoliciesPerOrganization(policyType) {
			return constraintViolation(api.ConstraintViolationExceptionReasonPolicyNumberLimitExceeded,
				"You have reached the maximum number of policies of type %s in this organization (%d).",
				policyType, organizations.MaxPoliciesPerOrganization(policyType))
		}
		p := &organizations.Policy{
			ID:          organizations.NewID("p-", policyIDLength),
			OrgID:       org.ID,
			Name:        name,
			Description: desc,
			Type:        policyType,
			Content:     content,
			UpdatedAt:   s.now(),
		}
		if err := tx.PutPolicy(p); err != nil {
			return err
		}
		if err := tx.PutTags(org.ID, p.ID, tags); err != nil {
			return err
		}
		out = policyAPI(org, p)
		coreResource(c, org, *out.PolicySummary.Arn, "AWS::Organizations::Policy")
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.CreatePolicyOutput{Policy: out}, nil
}

// UpdatePolicy changes a customer managed policy's name, description or
// content; AWS managed policies cannot be changed.
func (s *Service) UpdatePolicy(ctx context.Context, c *call.Call, in *api.UpdatePolicyInput) (*api.UpdatePolicyOutput, error) {
	var out *api.Policy
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		p, err := customerPolicy(tx, org, coreDeref(in.PolicyId))
		if err != nil {
			return err
		}
		if in.Name != nil && *in.Name != p.Name {
			existing, err := tx.Policies(org.ID)
			if err != nil {
				return err
			}
			if err := policyNameFree(existing, p.Type, *in.Name, p.ID); err != nil {
				return err
			}
			p.Name = *in.Name
		}
		if in.Description != nil {
			p.Description = *in.Description
		}
		if in.Content != nil {
			if err := policyContentError(p.Type, *in.Content); err != nil {
				return err
			}
			p.Content = *in.Content
		}
		p.UpdatedAt = s.now()
		if err := tx.PutPolicy(p); err != nil {
			return err
		}
		out = policyAPI(org, p)
		coreResource(c, org, *out.PolicySummary.Arn, "AWS::Organizations::Policy")
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.UpdatePolicyOutput{Policy: out}, nil
}

// DeletePolicy deletes a customer managed policy that is attached to
// nothing.
func (s *Service) DeletePolicy(ctx context.Context, c *call.Call, in *api.DeletePolicyInput) (*struct{}, error) {
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		p, err := customerPolicy(tx, org, coreDeref(in.PolicyId))
		if err != nil {
			return err
		}
		targets, err := tx.TargetsOf(org.ID, p.ID)
		if err != nil {
			return err
		}
		if len(targets) > 0 {
			return api.NewPolicyInUseException("The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.")
		}
		if err := tx.DeletePolicy(org.ID, p.ID); err != nil {
			return err
		}
		coreResource(c, org, organizations.PolicyARN(org, p.Type, p.ID), "AWS::Organizations::Policy")
		return tx.PutTags(org.ID, p.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// DescribePolicy returns a customer or AWS managed policy with its
// content.
func (s *Service) DescribePolicy(ctx context.Context, c *call.Call, in *api.DescribePolicyInput) (*api.DescribePolicyOutput, error) {
	var out *api.Policy
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		id := coreDeref(in.PolicyId)
		if mp := organizations.Managed(id); mp != nil {
			out = managedPolicyAPI(mp)
			return nil
		}
		p, err := tx.Policy(org.ID, id)
		if errors.Is(err, organizations.ErrNotFound) {
			return policyNotFound()
		}
		if err != nil {
			return err
		}
		out = policyAPI(org, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribePolicyOutput{Policy: out}, nil
}

// ListPolicies lists the policies of one type: the AWS managed one of the
// type first (FullAWSAccess, RCPFullAWSAccess), then the customer managed
// ones by name.
func (s *Service) ListPolicies(ctx context.Context, c *call.Call, in *api.ListPoliciesInput) (*api.ListPoliciesOutput, error) {
	policyType := string(in.Filter)
	var summaries []api.PolicySummary
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		for _, mp := range organizations.ManagedPolicies {
			if mp.Type == policyType {
				summaries = append(summaries, *managedPolicyAPI(mp).PolicySummary)
			}
		}
		ps, err := tx.Policies(org.ID)
		if err != nil {
			return err
		}
		ps = policiesOfType(ps, policyType)
		for _, p := range ps {
			summaries = append(summaries, *policyAPI(org, p).PolicySummary)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(summaries, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListPoliciesOutput{Policies: items, NextToken: next}, nil
}

// AttachPolicy attaches a policy to the root, an OU or an account.
func (s *Service) AttachPolicy(ctx context.Context, c *call.Call, in *api.AttachPolicyInput) (*struct{}, error) {
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		policyID, targetID := coreDeref(in.PolicyId), coreDeref(in.TargetId)
		policyType, arn, err := policyTypeOf(tx, org, policyID)
		if err != nil {
			return err
		}
		if _, err := policyTarget(tx, org, targetID); err != nil {
			return err
		}
		if !organizations.PolicyTypeEnabled(org, policyType) {
			return policyTypeNotEnabled()
		}
		atts, err := tx.AttachmentsOf(org.ID, targetID)
		if err != nil {
			return err
		}
		n := 0
		for _, a := range atts {
			if a.PolicyID == policyID {
				return api.NewDuplicatePolicyAttachmentException("The selected policy is already attached to the specified target.")
			}
			t, _, err := policyTypeOf(tx, org, a.PolicyID)
			if err != nil {
				return err
			}
			if t == policyType {
				n++
			}
		}
		if limit := organizations.MaxPoliciesPerTarget(policyType); n >= limit {
			return constraintViolation(api.ConstraintViolationExceptionReasonMaxPolicyTypeAttachmentLimitExceeded,
				"You attempted to exceed the number of policies of type %s that can be attached to one entity (%d).", policyType, limit)
		}
		coreResource(c, org, arn, "AWS::Organizations::Policy")
		return tx.Attach(org.ID, &organizations.Attachment{PolicyID: policyID, TargetID: targetID, AttachedAt: s.now()})
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// DetachPolicy detaches a policy from a target. The last SCP (or RCP) of
// a target cannot be detached while the type is enabled: AWS requires
// every root, OU and account to keep one.
func (s *Service) DetachPolicy(ctx context.Context, c *call.Call, in *api.DetachPolicyInput) (*struct{}, error) {
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		policyID, targetID := coreDeref(in.PolicyId), coreDeref(in.TargetId)
		policyType, arn, err := policyTypeOf(tx, org, policyID)
		if err != nil {
			return err
		}
		if _, err := policyTarget(tx, org, targetID); err != nil {
			return err
		}
		atts, err := tx.AttachmentsOf(org.ID, targetID)
		if err != nil {
			return err
		}
		attached, sameType := false, 0
		for _, a := range atts {
			if a.PolicyID == policyID {
				attached = true
			}
			t, _, err := policyTypeOf(tx, org, a.PolicyID)
			if err != nil {
				return err
			}
			if t == policyType {
				sameType++
			}
		}
		if !attached {
			return api.NewPolicyNotAttachedException("The policy isn't attached to the specified target in the specified root.")
		}
		if organizations.IsAuthorizationPolicyType(policyType) && sameType <= 1 && organizations.PolicyTypeEnabled(org, policyType) {
			return constraintViolation(api.ConstraintViolationExceptionReasonMinPolicyTypeAttachmentLimitExceeded,
				"You can't detach the last policy of type %s from a root, OU or account: every target must keep at least one. Attach another policy of the type first.", policyType)
		}
		coreResource(c, org, arn, "AWS::Organizations::Policy")
		return tx.Detach(org.ID, policyID, targetID)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListPoliciesForTarget lists the policies of one type attached directly
// to a root, OU or account.
func (s *Service) ListPoliciesForTarget(ctx context.Context, c *call.Call, in *api.ListPoliciesForTargetInput) (*api.ListPoliciesForTargetOutput, error) {
	policyType := string(in.Filter)
	var summaries []api.PolicySummary
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		targetID := coreDeref(in.TargetId)
		if _, err := policyTarget(tx, org, targetID); err != nil {
			return err
		}
		atts, err := tx.AttachmentsOf(org.ID, targetID)
		if err != nil {
			return err
		}
		sortAttachments(atts)
		for _, a := range atts {
			if mp := organizations.Managed(a.PolicyID); mp != nil {
				if mp.Type == policyType {
					summaries = append(summaries, *managedPolicyAPI(mp).PolicySummary)
				}
				continue
			}
			p, err := tx.Policy(org.ID, a.PolicyID)
			if errors.Is(err, organizations.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if p.Type == policyType {
				summaries = append(summaries, *policyAPI(org, p).PolicySummary)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(summaries, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListPoliciesForTargetOutput{Policies: items, NextToken: next}, nil
}

// ListTargetsForPolicy lists the roots, OUs and accounts a policy is
// attached to.
func (s *Service) ListTargetsForPolicy(ctx context.Context, c *call.Call, in *api.ListTargetsForPolicyInput) (*api.ListTargetsForPolicyOutput, error) {
	var targets []api.PolicyTargetSummary
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		policyID := coreDeref(in.PolicyId)
		if _, _, err := policyTypeOf(tx, org, policyID); err != nil {
			return err
		}
		atts, err := tx.TargetsOf(org.ID, policyID)
		if err != nil {
			return err
		}
		sortAttachments(atts)
		for _, a := range atts {
			t, err := policyTarget(tx, org, a.TargetID)
			var pe *protocol.Error
			if errors.As(err, &pe) {
				continue // a target removed without detaching
			}
			if err != nil {
				return err
			}
			targets = append(targets, *t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(targets, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListTargetsForPolicyOutput{Targets: items, NextToken: next}, nil
}

// policyAPI is the Policy shape of a customer managed policy.
func policyAPI(org *organizations.Organization, p *organizations.Policy) *api.Policy {
	return &api.Policy{
		PolicySummary: &api.PolicySummary{
			Id:          ptr(p.ID),
			Arn:         ptr(organizations.PolicyARN(org, p.Type, p.ID)),
			Name:        ptr(p.Name),
			Description: ptr(p.Description),
			Type:        api.PolicyType(p.Type),
			AwsManaged:  ptr(false),
		},
		Content: ptr(p.Content),
	}
}

// managedPolicyAPI is the Policy shape of an AWS managed policy.
func managedPolicyAPI(mp *organizations.ManagedPolicy) *api.Policy {
	return &api.Policy{
		PolicySummary: &api.PolicySummary{
			Id:          ptr(mp.ID),
			Arn:         ptr(mp.ARN()),
			Name:        ptr(mp.Name),
			Description: ptr(mp.Description),
			Type:        api.PolicyType(mp.Type),
			AwsManaged:  ptr(true),
		},
		Content: ptr(mp.Content),
	}
}

func policyNotFound() *protocol.Error {
	return api.NewPolicyNotFoundException("We can't find a policy with the PolicyId that you specified.")
}

func policyTypeNotEnabled() *protocol.Error {
	return api.NewPolicyTypeNotEnabledException("This operation can be performed only for enabled policy types.")
}

// policyTypeAvailable refuses policy types in an organization without all
// features: every policy type needs them.
func policyTypeAvailable(org *organizations.Organization, policyType string) error {
	if org.FeatureSet != organizations.FeatureSetAll || !organizations.KnownPolicyType(policyType) {
		return api.NewPolicyTypeNotAvailableForOrganizationException("You can't use the specified policy type with the feature set currently enabled for this organization.")
	}
	return nil
}

// policyContentError validates content as a policy of policyType and
// converts a rejection to AWS's error.
func policyContentError(policyType, content string) error {
	err := organizations.ValidatePolicyContent(policyType, content)
	if err == nil {
		return nil
	}
	var ce *organizations.ContentError
	if errors.As(err, &ce) && ce.TooLarge {
		return constraintViolation(api.ConstraintViolationExceptionReasonPolicyContentLimitExceeded,
			"The policy content exceeds the maximum size of %d characters for the policy type %s.", ce.Limit, policyType)
	}
	if ce != nil {
		return api.NewMalformedPolicyDocumentException("The provided policy document does not meet the requirements of the specified policy type: %s", ce.Reason)
	}
	return err
}

// policyNameFree answers DuplicatePolicyException when another policy of
// the type (or an AWS managed one) has the name.
func policyNameFree(existing []*organizations.Policy, policyType, name, exceptID string) error {
	for _, mp := range organizations.ManagedPolicies {
		if mp.Type == policyType && mp.Name == name {
			return duplicatePolicy()
		}
	}
	for _, p := range existing {
		if p.ID != exceptID && p.Type == policyType && p.Name == name {
			return duplicatePolicy()
		}
	}
	return nil
}

func duplicatePolicy() *protocol.Error {
	return api.NewDuplicatePolicyException("A policy with the same name already exists.")
}

func policyCountOfType(ps []*organizations.Policy, policyType string) int {
	n := 0
	for _, p := range ps {
		if p.Type == policyType {
			n++
		}
	}
	return n
}

// policiesOfType returns the policies of one type, by name.
func policiesOfType(ps []*organizations.Policy, policyType string) []*organizations.Policy {
	out := make([]*organizations.Policy, 0, len(ps))
	for _, p := range ps {
		if p.Type == policyType {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// customerPolicy returns a customer managed policy for a change:
// InvalidInput IMMUTABLE_POLICY for an AWS managed one, PolicyNotFound
// when there is none.
func customerPolicy(tx *organizations.Tx, org *organizations.Organization, id string) (*organizations.Policy, error) {
	if organizations.Managed(id) != nil {
		return nil, invalidInput(api.InvalidInputExceptionReasonImmutablePolicy,
			"You specified a policy that is managed by AWS and can't be modified.")
	}
	p, err := tx.Policy(org.ID, id)
	if errors.Is(err, organizations.ErrNotFound) {
		return nil, policyNotFound()
	}
	return p, err
}

// policyTypeOf returns the type and ARN of a customer or AWS managed
// policy, PolicyNotFound when there is none.
func policyTypeOf(tx *organizations.Tx, org *organizations.Organization, id string) (string, string, error) {
	if mp := organizations.Managed(id); mp != nil {
		return mp.Type, mp.ARN(), nil
	}
	p, err := tx.Policy(org.ID, id)
	if errors.Is(err, organizations.ErrNotFound) {
		return "", "", policyNotFound()
	}
	if err != nil {
		return "", "", err
	}
	return p.Type, organizations.PolicyARN(org, p.Type, p.ID), nil
}

// policyTarget resolves a root, OU or account id of org to its
// PolicyTargetSummary; TargetNotFoundException when it is none of them.
func policyTarget(tx *organizations.Tx, org *organizations.Organization, id string) (*api.PolicyTargetSummary, error) {
	notFound := api.NewTargetNotFoundException("We can't find a root, OU, account, or policy with the TargetId that you specified.")
	switch {
	case id == org.RootID:
		return &api.PolicyTargetSummary{TargetId: ptr(id), Arn: ptr(organizations.RootARN(org)), Name: ptr(org.RootName), Type: api.TargetTypeRoot}, nil
	case strings.HasPrefix(id, "ou-"):
		ou, err := tx.OU(org.ID, id)
		if errors.Is(err, organizations.ErrNotFound) {
			return nil, notFound
		}
		if err != nil {
			return nil, err
		}
		return &api.PolicyTargetSummary{TargetId: ptr(id), Arn: ptr(organizations.OUARN(org, id)), Name: ptr(ou.Name), Type: api.TargetTypeOrganizationalUnit}, nil
	case strings.HasPrefix(id, "r-"):
		return nil, notFound
	default:
		m, err := tx.Member(org.ID, id)
		if errors.Is(err, organizations.ErrNotFound) {
			return nil, notFound
		}
		if err != nil {
			return nil, err
		}
		return &api.PolicyTargetSummary{TargetId: ptr(id), Arn: ptr(organizations.AccountARN(org, id)), Name: ptr(m.Name), Type: api.TargetTypeAccount}, nil
	}
}

// sortAttachments orders attachments by when they were made.
func sortAttachments(atts []*organizations.Attachment) {
	sort.SliceStable(atts, func(i, j int) bool {
		if !atts[i].AttachedAt.Equal(atts[j].AttachedAt) {
			return atts[i].AttachedAt.Before(atts[j].AttachedAt)
		}
		if atts[i].PolicyID != atts[j].PolicyID {
			return atts[i].PolicyID < atts[j].PolicyID
		}
		return atts[i].TargetID < atts[j].TargetID
	})
}
