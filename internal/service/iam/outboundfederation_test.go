package iam_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	awshttp "github.com/aws/smithy-go/transport/http"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

var ofedIssuerPattern = regexp.MustCompile(`^https://[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.tokens\.sts\.global\.api\.aws$`)

// ofedHTTPStatus returns the HTTP status of an SDK error, 0 if it has none.
func ofedHTTPStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// TestOutboundWebIdentityFederation walks the feature's life: never
// enabled (FeatureDisabled, 404), enabled with a fresh issuer (enabling
// again is FeatureEnabled, 409), disabled (the issuer is kept and reported
// with JwtVendingEnabled false; disabling again is FeatureDisabled) and
// enabled again with the same issuer. Another account has its own issuer.
func TestOutboundWebIdentityFederation(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Dev: true})
	ctx := context.Background()
	c := iam.NewFromConfig(srv.RootConfig())

	_, err := c.GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{})
	var fd *types.FeatureDisabledException
	if !errors.As(err, &fd) || ofedHTTPStatus(err) != http.StatusNotFound {
		t.Fatalf("Get before enabling = %v, want FeatureDisabled (404)", err)
	}
	if _, err := c.DisableOutboundWebIdentityFederation(ctx, &iam.DisableOutboundWebIdentityFederationInput{}); !errors.As(err, &fd) {
		t.Fatalf("Disable before enabling = %v, want FeatureDisabled", err)
	}

	en, err := c.EnableOutboundWebIdentityFederation(ctx, &iam.EnableOutboundWebIdentityFederationInput{})
	if err != nil {
		t.Fatal(err)
	}
	issuer := aws.ToString(en.IssuerIdentifier)
	if !ofedIssuerPattern.MatchString(issuer) {
		t.Fatalf("issuer %q is not https://<uuid>.tokens.sts.global.api.aws", issuer)
	}
	info, err := c.GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{})
	if err != nil || aws.ToString(info.IssuerIdentifier) != issuer || !info.JwtVendingEnabled {
		t.Fatalf("Get after enabling = %+v, %v; want %s, enabled", info, err, issuer)
	}
	var fe *types.FeatureEnabledException
	if _, err := c.EnableOutboundWebIdentityFederation(ctx, &iam.EnableOutboundWebIdentityFederationInput{}); !errors.As(err, &fe) || ofedHTTPStatus(err) != http.StatusConflict {
		t.Fatalf("second Enable = %v, want FeatureEnabled (409)", err)
	}

	if _, err := c.DisableOutboundWebIdentityFederation(ctx, &iam.DisableOutboundWebIdentityFederationInput{}); err != nil {
		t.Fatal(err)
	}
	info, err = c.GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{})
	if err != nil || aws.ToString(info.IssuerIdentifier) != issuer || info.JwtVendingEnabled {
		t.Fatalf("Get after disabling = %+v, %v; want %s, disabled", info, err, issuer)
	}
	if _, err := c.DisableOutboundWebIdentityFederation(ctx, &iam.DisableOutboundWebIdentityFederationInput{}); !errors.As(err, &fd) {
		t.Fatalf("second Disable = %v, want FeatureDisabled", err)
	}
	again, err := c.EnableOutboundWebIdentityFederation(ctx, &iam.EnableOutboundWebIdentityFederationInput{})
	if err != nil || aws.ToString(again.IssuerIdentifier) != issuer {
		t.Fatalf("re-enable = %+v, %v; want the same issuer %s", again, err, issuer)
	}

	// The dev account (any unknown key in dev mode) is another account.
	other := iam.NewFromConfig(srv.Config("AKIAOTHERACCOUNT0001", "secret", ""))
	o, err := other.EnableOutboundWebIdentityFederation(ctx, &iam.EnableOutboundWebIdentityFederationInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(o.IssuerIdentifier); got == issuer || !ofedIssuerPattern.MatchString(got) {
		t.Errorf("second account's issuer = %q; want a different issuer than %s", got, issuer)
	}
}
