package iam_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestOrganizationsFeaturesWithoutOrganization: every centralized root
// access operation answers OrganizationNotFoundException for an account
// outside any organization, never a success.
func TestOrganizationsFeaturesWithoutOrganization(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	ctx := context.Background()
	c := iam.NewFromConfig(srv.RootConfig())
	calls := map[string]func() error{
		"ListOrganizationsFeatures": func() error {
			_, err := c.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
			return err
		},
		"EnableOrganizationsRootCredentialsManagement": func() error {
			_, err := c.EnableOrganizationsRootCredentialsManagement(ctx, &iam.EnableOrganizationsRootCredentialsManagementInput{})
			return err
		},
		"DisableOrganizationsRootCredentialsManagement": func() error {
			_, err := c.DisableOrganizationsRootCredentialsManagement(ctx, &iam.DisableOrganizationsRootCredentialsManagementInput{})
			return err
		},
		"EnableOrganizationsRootSessions": func() error {
			_, err := c.EnableOrganizationsRootSessions(ctx, &iam.EnableOrganizationsRootSessionsInput{})
			return err
		},
		"DisableOrganizationsRootSessions": func() error {
			_, err := c.DisableOrganizationsRootSessions(ctx, &iam.DisableOrganizationsRootSessionsInput{})
			return err
		},
	}
	for name, call := range calls {
		var onf *types.OrganizationNotFoundException
		if err := call(); !errors.As(err, &onf) {
			t.Errorf("%s = %v, want OrganizationNotFoundException", name, err)
		}
	}
}
