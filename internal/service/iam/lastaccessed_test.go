package iam_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestServiceLastAccessedFromTrail makes calls as an IAM user, then
// generates the user's report as root and checks that it shows exactly the
// services the user's policy allows, with the time, region and identity of
// the user's calls (denied calls count too: they are attempts), the IAM
// actions at action level, and the per-entity breakdown.
func TestServiceLastAccessedFromTrail(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	ctx := context.Background()
	root := iam.NewFromConfig(srv.RootConfig())

	user, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("report-user")})
	if err != nil {
		t.Fatal(err)
	}
	userARN := aws.ToString(user.User.Arn)
	pol, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName:     aws.String("list-and-whoami"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*","sts:GetCallerIdentity"],"Resource":"*"}]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("report-user"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("report-user")})
	if err != nil {
		t.Fatal(err)
	}
	userCfg := srv.Config(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	userCfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	userCfg.Region = "eu-west-1"

	// The user's calls: whether the authorizer allows them or not, each
	// is an attempt the trail records.
	start := time.Now().Add(-time.Second).Truncate(time.Second)
	_, _ = sts.NewFromConfig(userCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	_, _ = iam.NewFromConfig(userCfg).ListUsers(ctx, &iam.ListUsersInput{})
	end := time.Now().Add(time.Second)

	// The trail writes events in batches, durably within a second: poll.
	var (
		job      string
		services map[string]types.ServiceLastAccessed
	)
	deadline := time.Now().Add(10 * time.Second)
	for {
		gen, err := root.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{
			Arn: aws.String(userARN), Granularity: types.AccessAdvisorUsageGranularityTypeActionLevel,
		})
		if err != nil {
			t.Fatal(err)
		}
		job = aws.ToString(gen.JobId)
		out, err := root.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: aws.String(job)})
		if err != nil {
			t.Fatal(err)
		}
		if out.JobStatus != types.JobStatusTypeCompleted || out.JobType != types.AccessAdvisorUsageGranularityTypeActionLevel || out.JobCompletionDate == nil {
			t.Fatalf("job %s: status %s type %s", job, out.JobStatus, out.JobType)
		}
		services = map[string]types.ServiceLastAccessed{}
		for _, sa := range out.ServicesLastAccessed {
			services[aws.ToString(sa.ServiceNamespace)] = sa
		}
		if services["iam"].LastAuthenticated != nil && services["sts"].LastAuthenticated != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the report never showed the user's calls: %+v", services)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var names []string
	for ns := range services {
		names = append(names, ns)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"iam", "sts"}) {
		t.Fatalf("services = %v, want exactly those the policy allows: iam, sts", names)
	}
	// IAM is a global service: the SDK signs its calls for us-east-1
	// whatever region it is configured for, as the region AWS records.
	regions := map[string]string{"iam": "us-east-1", "sts": "eu-west-1"}
	for _, ns := range names {
		sa := services[ns]
		when := aws.ToTime(sa.LastAuthenticated)
		if when.Before(start) || when.After(end) || aws.ToString(sa.LastAuthenticatedEntity) != userARN ||
			aws.ToString(sa.LastAuthenticatedRegion) != regions[ns] || aws.ToInt32(sa.TotalAuthenticatedEntities) != 1 {
			t.Errorf("%s: last %v (want between %v and %v) by %s from %s, %d entities", ns, when, start, end,
				aws.ToString(sa.LastAuthenticatedEntity), aws.ToString(sa.LastAuthenticatedRegion), aws.ToInt32(sa.TotalAuthenticatedEntities))
		}
	}
	if aws.ToString(services["sts"].ServiceName) != "AWS Security Token Service" {
		t.Errorf("sts ServiceName = %q", aws.ToString(services["sts"].ServiceName))
	}
	var actions []string
	for _, a := range services["iam"].TrackedActionsLastAccessed {
		actions = append(actions, aws.ToString(a.ActionName))
	}
	if !slices.Equal(actions, []string{"ListUsers"}) {
		t.Errorf("tracked IAM actions = %v, want ListUsers", actions)
	}

	ents, err := root.GetServiceLastAccessedDetailsWithEntities(ctx, &iam.GetServiceLastAccessedDetailsWithEntitiesInput{
		JobId: aws.String(job), ServiceNamespace: aws.String("sts"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ents.EntityDetailsList) != 1 || aws.ToString(ents.EntityDetailsList[0].EntityInfo.Arn) != userARN ||
		ents.EntityDetailsList[0].EntityInfo.Type != types.PolicyOwnerEntityTypeUser || ents.EntityDetailsList[0].LastAuthenticated == nil {
		t.Errorf("entities = %+v", ents.EntityDetailsList)
	}

	_, err = root.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: aws.String("00000000-0000-7000-8000-000000000000")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Errorf("unknown job = %v, want NoSuchEntity", err)
	}
	_, err = root.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String("arn:aws:iam::" + srv.Root.AccountID + ":user/nobody")})
	if !errors.As(err, &nse) {
		t.Errorf("unknown user = %v, want NoSuchEntity", err)
	}
}

// TestOrganizationsAccessReportNoOrganization: the management account of a
// node without AWS Organizations is in no organization.
func TestOrganizationsAccessReportNoOrganization(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	ctx := context.Background()
	root := iam.NewFromConfig(srv.RootConfig())
	_, err := root.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String("o-a1b2c3d4e5/r-f6g7h8i9j0")})
	var onf *types.OrganizationNotFoundException
	if !errors.As(err, &onf) {
		t.Fatalf("GenerateOrganizationsAccessReport = %v, want OrganizationNotFoundException", err)
	}
	_, err = root.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: aws.String("00000000-0000-7000-8000-000000000000")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("GetOrganizationsAccessReport = %v, want NoSuchEntity", err)
	}
}
