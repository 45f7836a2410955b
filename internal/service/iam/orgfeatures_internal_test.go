package iam

import (
	"context"
	"slices"
	"testing"
	"time"

	api "github.com/gatehouse/gatehouse/internal/model/iam"
)

// fakeOrganizations answers for one organization whose facts the test
// changes.
type fakeOrganizations struct {
	org     OrganizationInfo
	members []string
}

func (f *fakeOrganizations) AccountOrganization(_ context.Context, accountID string) (OrganizationInfo, bool, error) {
	if accountID == f.org.ManagementAccountID || slices.Contains(f.members, accountID) {
		return f.org, true, nil
	}
	return OrganizationInfo{}, false, nil
}

// TestOrganizationsFeaturesLifecycle plugs an Organizations in and checks
// the order of AWS's preconditions, who may enable and disable, and that
// the features enabled belong to the organization.
func TestOrganizationsFeaturesLifecycle(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := delegationService(t, &now)
	ctx := context.Background()
	const mgmt, admin, member, outsider = "111111111111", "222222222222", "555555555555", "999999999999"
	orgs := &fakeOrganizations{
		org:     OrganizationInfo{ID: "o-abcdefghij", ManagementAccountID: mgmt, IAMDelegatedAdministrators: []string{admin}},
		members: []string{admin, member},
	}

	// Without an Organizations installed, nobody is in an organization.
	_, err := s.ListOrganizationsFeatures(ctx, dgRoot(mgmt), nil)
	dgWantCode(t, "no Organizations", err, "OrganizationNotFoundException")

	s.SetOrganizations(orgs)
	t.Cleanup(func() { s.SetOrganizations(nil) })
	list := func(acct string) ([]api.FeatureType, error) {
		out, err := s.ListOrganizationsFeatures(ctx, dgRoot(acct), nil)
		if err != nil {
			return nil, err
		}
		if *out.OrganizationId != orgs.org.ID {
			t.Fatalf("OrganizationId = %s", *out.OrganizationId)
		}
		return out.EnabledFeatures, nil
	}
	_, err = list(outsider)
	dgWantCode(t, "outsider", err, "OrganizationNotFoundException")
	_, err = list(mgmt)
	dgWantCode(t, "consolidated billing only", err, "OrganizationNotInAllFeaturesModeException")
	orgs.org.AllFeatures = true
	_, err = list(mgmt)
	dgWantCode(t, "no trusted access", err, "ServiceAccessNotEnabledException")
	orgs.org.IAMTrustedAccess = true

	if f, err := list(mgmt); err != nil || len(f) != 0 {
		t.Fatalf("features before enabling = %v, %v", f, err)
	}
	_, err = s.EnableOrganizationsRootSessions(ctx, dgRoot(admin), nil)
	dgWantCode(t, "delegated administrator enabling", err, "CallerIsNotManagementAccountException")
	_, err = list(member)
	dgWantCode(t, "plain member listing", err, "AccountNotManagementOrDelegatedAdministratorException")

	if out, err := s.EnableOrganizationsRootSessions(ctx, dgRoot(mgmt), nil); err != nil || !slices.Equal(out.EnabledFeatures, []api.FeatureType{api.FeatureTypeRootSessions}) {
		t.Fatalf("enable root sessions = %+v, %v", out, err)
	}
	out, err := s.EnableOrganizationsRootCredentialsManagement(ctx, dgRoot(mgmt), nil)
	want := []api.FeatureType{api.FeatureTypeRootCredentialsManagement, api.FeatureTypeRootSessions}
	if err != nil || !slices.Equal(out.EnabledFeatures, want) || *out.OrganizationId != orgs.org.ID {
		t.Fatalf("enable root credentials management = %+v, %v", out, err)
	}
	// Enabling twice changes nothing; the delegated administrator sees and
	// may disable.
	if out, err := s.EnableOrganizationsRootCredentialsManagement(ctx, dgRoot(mgmt), nil); err != nil || !slices.Equal(out.EnabledFeatures, want) {
		t.Fatalf("enable again = %+v, %v", out, err)
	}
	if f, err := list(admin); err != nil || !slices.Equal(f, want) {
		t.Fatalf("delegated administrator's list = %v, %v", f, err)
	}
	if out, err := s.DisableOrganizationsRootSessions(ctx, dgRoot(admin), nil); err != nil || !slices.Equal(out.EnabledFeatures, []api.FeatureType{api.FeatureTypeRootCredentialsManagement}) {
		t.Fatalf("disable root sessions = %+v, %v", out, err)
	}
	if out, err := s.DisableOrganizationsRootCredentialsManagement(ctx, dgRoot(mgmt), nil); err != nil || len(out.EnabledFeatures) != 0 {
		t.Fatalf("disable root credentials management = %+v, %v", out, err)
	}
	if f, err := list(mgmt); err != nil || len(f) != 0 {
		t.Fatalf("features after disabling = %v, %v", f, err)
	}

	// With an organization, the Organizations access report checks the
	// caller and the path.
	_, err = s.GenerateOrganizationsAccessReport(ctx, dgRoot(member), &api.GenerateOrganizationsAccessReportInput{EntityPath: ptr("o-abcdefghij/r-abcd")})
	dgWantCode(t, "access report from a member", err, "CallerIsNotManagementAccountException")
	_, err = s.GenerateOrganizationsAccessReport(ctx, dgRoot(mgmt), &api.GenerateOrganizationsAccessReportInput{EntityPath: ptr("o-otherorgxx/r-abcd")})
	dgWantCode(t, "access report for another organization", err, "InvalidInput")
}
