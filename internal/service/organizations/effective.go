package organizations

import (
	"context"
	"errors"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// This file serves the effective management policies of accounts: the
// merge of the tag, backup, AI services opt-out, chatbot and declarative
// policies an account inherits from the root and its OUs with its own
// (internal/organizations computes it), and the validation errors that
// merge produces.

func (s *Service) registerEffectivePolicies(r *call.Registry) {
	r.Handle(api.Service, "DescribeEffectivePolicy", call.Typed(s.DescribeEffectivePolicy))
	r.Handle(api.Service, "ListAccountsWithInvalidEffectivePolicy", call.Typed(s.ListAccountsWithInvalidEffectivePolicy))
	r.Handle(api.Service, "ListEffectivePolicyValidationErrors", call.Typed(s.ListEffectivePolicyValidationErrors))
}

// DescribeEffectivePolicy returns an account's effective policy of a
// management type. Any account may ask for its own; only the management
// account and delegated administrators name another account. Roots and
// OUs are not supported targets, as on AWS.
func (s *Service) DescribeEffectivePolicy(ctx context.Context, c *call.Call, in *api.DescribeEffectivePolicyInput) (*api.DescribeEffectivePolicyOutput, error) {
	policyType := string(in.PolicyType)
	var out *api.EffectivePolicy
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := callerOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := effectiveTypeSupported(policyType); err != nil {
			return err
		}
		target := c.Principal.AccountID
		if in.TargetId != nil && *in.TargetId != "" {
			target = *in.TargetId
		}
		if strings.HasPrefix(target, "r-") || strings.HasPrefix(target, "ou-") {
			return invalidInput(api.InvalidInputExceptionReasonTargetNotSupported,
				"You can't perform the operation on the requested target type: specify an account.")
		}
		if target != c.Principal.AccountID && !effectiveReader(org, c.Principal.AccountID) {
			return accessDenied()
		}
		res, err := tx.EffectivePolicy(org, target, policyType)
		if errors.Is(err, organizations.ErrNotFound) {
			return api.NewTargetNotFoundException("We can't find a root, OU, account, or policy with the TargetId that you specified.")
		}
		if err != nil {
			return err
		}
		if res.Content == "" {
			return effectivePolicyNotFound()
		}
		out = &api.EffectivePolicy{
			PolicyContent:        ptr(res.Content),
			LastUpdatedTimestamp: ptr(res.LastUpdated),
			TargetId:             ptr(target),
			PolicyType:           api.EffectivePolicyType(policyType),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeEffectivePolicyOutput{EffectivePolicy: out}, nil
}

// ListAccountsWithInvalidEffectivePolicy lists the accounts whose
// effective policy of a type has validation errors.
func (s *Service) ListAccountsWithInvalidEffectivePolicy(ctx context.Context, c *call.Call, in *api.ListAccountsWithInvalidEffectivePolicyInput) (*api.ListAccountsWithInvalidEffectivePolicyOutput, error) {
	policyType := string(in.PolicyType)
	var accounts []api.Account
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := effectiveTypeSupported(policyType); err != nil {
			return err
		}
		members, err := tx.Members(org.ID)
		if err != nil {
			return err
		}
		for _, m := range members {
			res, err := tx.EffectivePolicy(org, m.AccountID, policyType)
			if err != nil {
				return err
			}
			if len(res.Errors) == 0 {
				continue
			}
			a, err := s.coreAPIAccount(tx, org, m)
			if err != nil {
				return err
			}
			accounts = append(accounts, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(accounts, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListAccountsWithInvalidEffectivePolicyOutput{Accounts: items, PolicyType: in.PolicyType, NextToken: next}, nil
}

// ListEffectivePolicyValidationErrors lists the validation errors of an
// account's effective policy of a type.
func (s *Service) ListEffectivePolicyValidationErrors(ctx context.Context, c *call.Call, in *api.ListEffectivePolicyValidationErrorsInput) (*api.ListEffectivePolicyValidationErrorsOutput, error) {
	policyType := string(in.PolicyType)
	accountID := coreDeref(in.AccountId)
	var (
		verrs []api.EffectivePolicyValidationError
		path  string
	)
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := callerOrganization(tx, c)
		if err != nil {
			return err
		}
		if accountID != c.Principal.AccountID && !effectiveReader(org, c.Principal.AccountID) {
			return accessDenied()
		}
		if err := effectiveTypeSupported(policyType); err != nil {
			return err
		}
		chain, err := tx.ParentChain(org, accountID)
		if errors.Is(err, organizations.ErrNotFound) {
			return api.NewAccountNotFoundException("We can't find an AWS account with the AccountId that you specified, or the account whose credentials you used to make this request isn't a member of an organization.")
		}
		if err != nil {
			return err
		}
		path = organizations.EntityPath(org, chain)
		res, err := tx.EffectivePolicy(org, accountID, policyType)
		if err != nil {
			return err
		}
		if res.Content == "" {
			return effectivePolicyNotFound()
		}
		for _, e := range res.Errors {
			verrs = append(verrs, api.EffectivePolicyValidationError{
				ErrorCode:            ptr(e.Code),
				ErrorMessage:         ptr(e.Message),
				PathToError:          ptr(e.Path),
				ContributingPolicies: e.Policies,
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(verrs, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListEffectivePolicyValidationErrorsOutput{
		AccountId:                       ptr(accountID),
		PolicyType:                      in.PolicyType,
		Path:                            ptr(path),
		EvaluationTimestamp:             ptr(s.now()),
		NextToken:                       next,
		EffectivePolicyValidationErrors: items,
	}, nil
}

// effectiveTypeSupported refuses the authorization policy types, which
// have no effective policy.
func effectiveTypeSupported(policyType string) error {
	if organizations.IsAuthorizationPolicyType(policyType) || !organizations.KnownPolicyType(policyType) {
		return invalidInput(api.InvalidInputExceptionReasonInvalidEnumPolicyType,
			"You specified an invalid value for the policy type: %s has no effective policy.", policyType)
	}
	return nil
}

// effectiveReader reports whether accountID may read other accounts'
// effective policies: the management account and delegated
// administrators.
func effectiveReader(org *organizations.Organization, accountID string) bool {
	return accountID == org.ManagementAccountID || isDelegatedAdministrator(org, accountID)
}

func effectivePolicyNotFound() error {
	return api.NewEffectivePolicyNotFoundException("We can't find an effective policy of the specified type for the specified target.")
}
