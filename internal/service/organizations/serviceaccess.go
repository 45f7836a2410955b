package organizations

import (
	"context"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// This file serves trusted access: the AWS services an organization lets
// work across its accounts (EnableAWSServiceAccess,
// DisableAWSServiceAccess, ListAWSServiceAccessForOrganization). Trusted
// access needs all features and the management account. IAM's trusted
// access (iam.amazonaws.com) is what centralized root access needs.

// trustedAccessPrincipals are the service principals of the AWS services
// that integrate with Organizations through trusted access ("AWS services
// that you can use with AWS Organizations"). A principal outside the list
// is refused as AWS refuses one it does not recognize.
var trustedAccessPrincipals = map[string]bool{
	"access-analyzer.amazonaws.com":                     true,
	"account.amazonaws.com":                             true,
	"aws-artifact-account-sync.amazonaws.com":           true,
	"backup.amazonaws.com":                              true,
	"cloudtrail.amazonaws.com":                          true,
	"compute-optimizer.amazonaws.com":                   true,
	"config.amazonaws.com":                              true,
	"config-multiaccountsetup.amazonaws.com":            true,
	"controltower.amazonaws.com":                        true,
	"detective.amazonaws.com":                           true,
	"ds.amazonaws.com":                                  true,
	"fms.amazonaws.com":                                 true,
	"guardduty.amazonaws.com":                           true,
	"health.amazonaws.com":                              true,
	"iam.amazonaws.com":                                 true,
	"inspector2.amazonaws.com":                          true,
	"ipam.amazonaws.com":                                true,
	"license-manager.amazonaws.com":                     true,
	"macie.amazonaws.com":                               true,
	"member.org.stacksets.cloudformation.amazonaws.com": true,
	"ram.amazonaws.com":                                 true,
	"reporting.trustedadvisor.amazonaws.com":            true,
	"securityhub.amazonaws.com":                         true,
	"servicecatalog.amazonaws.com":                      true,
	"servicequotas.amazonaws.com":                       true,
	"shield.amazonaws.com":                              true,
	"ssm.amazonaws.com":                                 true,
	"sso.amazonaws.com":                                 true,
	"storage-lens.s3.amazonaws.com":                     true,
	"tagpolicies.tag.amazonaws.com":                     true,
	"waf.amazonaws.com":                                 true,
}

// checkServicePrincipal refuses a service principal that is not an AWS
// service that integrates with Organizations.
func checkServicePrincipal(principal string) error {
	if !strings.HasSuffix(principal, ".amazonaws.com") || !trustedAccessPrincipals[principal] {
		return invalidInput(api.InvalidInputExceptionReasonUnrecognizedServicePrincipal,
			"You specified an unrecognized service principal: %s.", principal)
	}
	return nil
}

func (s *Service) registerServiceAccess(r *call.Registry) {
	r.Handle(api.Service, "EnableAWSServiceAccess", call.Typed(s.EnableAWSServiceAccess))
	r.Handle(api.Service, "DisableAWSServiceAccess", call.Typed(s.DisableAWSServiceAccess))
	r.Handle(api.Service, "ListAWSServiceAccessForOrganization", call.Typed(s.ListAWSServiceAccessForOrganization))
}

// EnableAWSServiceAccess gives an AWS service trusted access to the
// organization. Enabling it again changes nothing.
func (s *Service) EnableAWSServiceAccess(ctx context.Context, c *call.Call, in *api.EnableAWSServiceAccessInput) (*struct{}, error) {
	principal := strOrEmpty(in.ServicePrincipal)
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := requireAllFeatures(org); err != nil {
			return err
		}
		if err := checkServicePrincipal(principal); err != nil {
			return err
		}
		for _, t := range org.TrustedServices {
			if t.Principal == principal {
				return nil
			}
		}
		org.TrustedServices = append(org.TrustedServices, organizations.TrustedService{Principal: principal, EnabledAt: s.now()})
		slices.SortFunc(org.TrustedServices, func(a, b organizations.TrustedService) int { return strings.Compare(a.Principal, b.Principal) })
		return tx.PutOrganization(org)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// DisableAWSServiceAccess removes an AWS service's trusted access. It
// leaves the service's delegated administrators registered, as AWS does
// (the service's own resources are the service's to clean up).
func (s *Service) DisableAWSServiceAccess(ctx context.Context, c *call.Call, in *api.DisableAWSServiceAccessInput) (*struct{}, error) {
	principal := strOrEmpty(in.ServicePrincipal)
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := requireAllFeatures(org); err != nil {
			return err
		}
		if err := checkServicePrincipal(principal); err != nil {
			return err
		}
		n := len(org.TrustedServices)
		org.TrustedServices = slices.DeleteFunc(org.TrustedServices, func(t organizations.TrustedService) bool { return t.Principal == principal })
		if len(org.TrustedServices) == n {
			return nil
		}
		return tx.PutOrganization(org)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListAWSServiceAccessForOrganization lists the services with trusted
// access. The management account and delegated administrators may call
// it.
func (s *Service) ListAWSServiceAccessForOrganization(ctx context.Context, c *call.Call, in *api.ListAWSServiceAccessForOrganizationInput) (*api.ListAWSServiceAccessForOrganizationOutput, error) {
	var all []api.EnabledServicePrincipal
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := requireAllFeatures(org); err != nil {
			return err
		}
		for _, t := range org.TrustedServices {
			all = append(all, api.EnabledServicePrincipal{ServicePrincipal: ptr(t.Principal), DateEnabled: ptr(t.EnabledAt)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListAWSServiceAccessForOrganizationOutput{EnabledServicePrincipals: emptyIfNil(items), NextToken: next}, nil
}

// strOrEmpty returns *p, or "" for nil.
func strOrEmpty(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// emptyIfNil returns an empty list rather than nil, so that the JSON
// answer carries [] as AWS's does.
func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
