package organizations_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	orgsdk "github.com/aws/aws-sdk-go-v2/service/organizations"
	stssdk "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

func TestTrustedServiceAccess(t *testing.T) {
	srv, client, _ := famTestOrg(t)
	ctx := context.Background()
	_, memberRoot := famTestMember(t, srv, "member")
	list := func() []string {
		t.Helper()
		out, err := client.ListAWSServiceAccessForOrganization(ctx, &orgsdk.ListAWSServiceAccessForOrganizationInput{})
		if err != nil {
			t.Fatal(err)
		}
		var sps []string
		for _, e := range out.EnabledServicePrincipals {
			if e.DateEnabled == nil {
				t.Errorf("%s has no DateEnabled", aws.ToString(e.ServicePrincipal))
			}
			sps = append(sps, aws.ToString(e.ServicePrincipal))
		}
		return sps
	}
	if got := list(); len(got) != 0 {
		t.Errorf("a new organization trusts %v", got)
	}
	for _, sp := range []string{"iam.amazonaws.com", "guardduty.amazonaws.com", "iam.amazonaws.com"} {
		if _, err := client.EnableAWSServiceAccess(ctx, &orgsdk.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(sp)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(list(), ","); got != "guardduty.amazonaws.com,iam.amazonaws.com" {
		t.Errorf("trusted services = %s", got)
	}
	_, err := client.EnableAWSServiceAccess(ctx, &orgsdk.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("example.com")})
	famTestErr(t, "unrecognized principal", err, "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL")
	_, err = orgsdk.NewFromConfig(memberRoot).EnableAWSServiceAccess(ctx, &orgsdk.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("sso.amazonaws.com")})
	famTestErr(t, "member enabling", err, "AccessDeniedException", "")
	_, err = orgsdk.NewFromConfig(memberRoot).ListAWSServiceAccessForOrganization(ctx, &orgsdk.ListAWSServiceAccessForOrganizationInput{})
	famTestErr(t, "member listing", err, "AccessDeniedException", "")
	if _, err := client.DisableAWSServiceAccess(ctx, &orgsdk.DisableAWSServiceAccessInput{ServicePrincipal: aws.String("guardduty.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(list(), ","); got != "iam.amazonaws.com" {
		t.Errorf("after disabling guardduty: %s", got)
	}
}

// TestAssumeRootEndToEnd enables centralized root access (trusted access
// for IAM, then IAM's RootSessions feature) and takes a root session of a
// member account scoped by a task policy.
func TestAssumeRootEndToEnd(t *testing.T) {
	srv, client, _ := famTestOrg(t)
	ctx := context.Background()
	member, _ := famTestMember(t, srv, "workload")
	mgmtIAM := iamsdk.NewFromConfig(srv.RootConfig())
	if _, err := mgmtIAM.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("ops")}); err != nil {
		t.Fatal(err)
	}
	if _, err := mgmtIAM.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("root"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRoot","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := mgmtIAM.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("ops")})
	if err != nil {
		t.Fatal(err)
	}
	ops := stssdk.NewFromConfig(srv.Config(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	const task = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
	assume := func(target, policyARN string, d *int32) (*stssdk.AssumeRootOutput, error) {
		return ops.AssumeRoot(ctx, &stssdk.AssumeRootInput{TargetPrincipal: aws.String(target),
			TaskPolicyArn: &ststypes.PolicyDescriptorType{Arn: aws.String(policyARN)}, DurationSeconds: d})
	}
	_, err = assume(member, task, nil)
	famTestErr(t, "without trusted access for IAM", err, "AccessDenied", "")
	if _, err := client.EnableAWSServiceAccess(ctx, &orgsdk.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("iam.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	_, err = assume(member, task, nil)
	famTestErr(t, "without RootSessions", err, "AccessDenied", "")
	if _, err := mgmtIAM.EnableOrganizationsRootSessions(ctx, &iamsdk.EnableOrganizationsRootSessionsInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = assume(member, "arn:aws:iam::aws:policy/AdministratorAccess", nil)
	famTestErr(t, "not a task policy", err, "ValidationError", "")
	_, err = assume(srv.App.ManagementAccountID, task, nil)
	famTestErr(t, "the management account as target", err, "AccessDenied", "")
	_, err = assume("123456789012", task, nil)
	famTestErr(t, "an account outside the organization", err, "AccessDenied", "")

	out, err := assume(member, task, aws.Int32(600))
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if left := time.Until(aws.ToTime(c.Expiration)); left > 600*time.Second || left < 590*time.Second {
		t.Errorf("root session lasts %v, want 10 minutes", left)
	}
	rootCfg := srv.Config(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	who, err := stssdk.NewFromConfig(rootCfg).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != "arn:aws:iam::"+member+":root" || aws.ToString(who.Account) != member {
		t.Errorf("root session identity = %s in %s", aws.ToString(who.Arn), aws.ToString(who.Account))
	}
	memberIAM := iamsdk.NewFromConfig(rootCfg)
	if _, err := memberIAM.GetAccountSummary(ctx, &iamsdk.GetAccountSummaryInput{}); err != nil {
		t.Errorf("GetAccountSummary, which the task policy allows: %v", err)
	}
	_, err = memberIAM.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("intruder")})
	famTestErr(t, "CreateUser outside the task policy", err, "AccessDenied", "")

	// The resource of sts:AssumeRoot is the target's root user: a policy
	// naming one member's root admits that target and no other.
	other, _ := famTestMember(t, srv, "sandbox")
	if _, err := mgmtIAM.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("root"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRoot","Resource":"arn:aws:iam::` + member + `:root"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := assume(member, task, nil); err != nil {
		t.Errorf("AssumeRoot on the root the policy names: %v", err)
	}
	_, err = assume(other, task, nil)
	famTestErr(t, "AssumeRoot on another member's root", err, "AccessDenied", "")
}
