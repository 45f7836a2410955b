package organizations_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	orgsdk "github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// These tests drive the policy operations with the Go SDK against a
// node, as the management account's root user.

const (
	policiesTestDenyKMS = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["kms:*"],"Resource":"*"}]}`
	policiesTestAllow   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
)

// policiesTestOrg starts a node, creates an organization with all
// features and returns the client and the root id.
func policiesTestOrg(t *testing.T) (*orgsdk.Client, string, string) {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	client := orgsdk.NewFromConfig(srv.RootConfig())
	ctx := context.Background()
	created, err := client.CreateOrganization(ctx, &orgsdk.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	if err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	roots, err := client.ListRoots(ctx, &orgsdk.ListRootsInput{})
	if err != nil || len(roots.Roots) != 1 {
		t.Fatalf("ListRoots: %v %+v", err, roots)
	}
	if len(roots.Roots[0].PolicyTypes) != 0 {
		t.Fatalf("a new organization's root has policy types %+v, want none (CreateOrganization enables none)", roots.Roots[0].PolicyTypes)
	}
	if _, err := client.EnablePolicyType(ctx, &orgsdk.EnablePolicyTypeInput{RootId: roots.Roots[0].Id, PolicyType: orgtypes.PolicyTypeServiceControlPolicy}); err != nil {
		t.Fatalf("EnablePolicyType: %v", err)
	}
	return client, aws.ToString(roots.Roots[0].Id), aws.ToString(created.Organization.MasterAccountId)
}

// policiesTestCode asserts that err is the AWS error code.
func policiesTestCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("got %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
}

func policiesTestReason(t *testing.T, err error, reason string) {
	t.Helper()
	var cv *orgtypes.ConstraintViolationException
	if errors.As(err, &cv) {
		if string(cv.Reason) != reason {
			t.Fatalf("ConstraintViolation reason %s (%s), want %s", cv.Reason, cv.ErrorMessage(), reason)
		}
		return
	}
	var ii *orgtypes.InvalidInputException
	if errors.As(err, &ii) {
		if string(ii.Reason) != reason {
			t.Fatalf("InvalidInput reason %s (%s), want %s", ii.Reason, ii.ErrorMessage(), reason)
		}
		return
	}
	t.Fatalf("got %v, want a reason %s", err, reason)
}

func policiesTestCreate(t *testing.T, client *orgsdk.Client, typ orgtypes.PolicyType, name, content string) string {
	t.Helper()
	out, err := client.CreatePolicy(context.Background(), &orgsdk.CreatePolicyInput{
		Type: typ, Name: aws.String(name), Description: aws.String("test " + name), Content: aws.String(content),
	})
	if err != nil {
		t.Fatalf("CreatePolicy %s: %v", name, err)
	}
	return aws.ToString(out.Policy.PolicySummary.Id)
}

func policiesTestIDs(t *testing.T, client *orgsdk.Client, target string, typ orgtypes.PolicyType) []string {
	t.Helper()
	out, err := client.ListPoliciesForTarget(context.Background(), &orgsdk.ListPoliciesForTargetInput{TargetId: aws.String(target), Filter: typ})
	if err != nil {
		t.Fatalf("ListPoliciesForTarget: %v", err)
	}
	var ids []string
	for _, p := range out.Policies {
		ids = append(ids, aws.ToString(p.Id))
	}
	return ids
}

func TestPoliciesNeedAnOrganization(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	client := orgsdk.NewFromConfig(srv.RootConfig())
	_, err := client.CreatePolicy(context.Background(), &orgsdk.CreatePolicyInput{
		Type: orgtypes.PolicyTypeServiceControlPolicy, Name: aws.String("x"), Description: aws.String(""), Content: aws.String(policiesTestDenyKMS),
	})
	policiesTestCode(t, err, "AWSOrganizationsNotInUseException")
}

func TestPolicyLifecycle(t *testing.T) {
	client, _, _ := policiesTestOrg(t)
	ctx := context.Background()

	created, err := client.CreatePolicy(ctx, &orgsdk.CreatePolicyInput{
		Type: orgtypes.PolicyTypeServiceControlPolicy, Name: aws.String("DenyKMS"), Description: aws.String("no kms"),
		Content: aws.String(policiesTestDenyKMS), Tags: []orgtypes.Tag{{Key: aws.String("team"), Value: aws.String("sec")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := created.Policy.PolicySummary
	id := aws.ToString(sum.Id)
	if len(id) != 10 || !strings.HasPrefix(id, "p-") || sum.AwsManaged || !strings.HasSuffix(aws.ToString(sum.Arn), "/service_control_policy/"+id) {
		t.Fatalf("created %+v", sum)
	}

	_, err = client.CreatePolicy(ctx, &orgsdk.CreatePolicyInput{
		Type: orgtypes.PolicyTypeServiceControlPolicy, Name: aws.String("DenyKMS"), Description: aws.String(""), Content: aws.String(policiesTestDenyKMS),
	})
	policiesTestCode(t, err, "DuplicatePolicyException")

	_, err = client.CreatePolicy(ctx, &orgsdk.CreatePolicyInput{
		Type: orgtypes.PolicyTypeServiceControlPolicy, Name: aws.String("Bad"), Description: aws.String(""), Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Resource":"*"}]}`),
	})
	policiesTestCode(t, err, "MalformedPolicyDocumentException")

	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["kms:*"],"Resource":"*"}]}` + strings.Repeat(" ", 5120)
	_, err = client.CreatePolicy(ctx, &orgsdk.CreatePolicyInput{
		Type: orgtypes.PolicyTypeServiceControlPolicy, Name: aws.String("Big"), Description: aws.String(""), Content: aws.String(big),
	})
	policiesTestReason(t, err, "POLICY_CONTENT_LIMIT_EXCEEDED")

	desc, err := client.DescribePolicy(ctx, &orgsdk.DescribePolicyInput{PolicyId: aws.String(id)})
	if err != nil || aws.ToString(desc.Policy.Content) != policiesTestDenyKMS || aws.ToString(desc.Policy.PolicySummary.Description) != "no kms" {
		t.Fatalf("DescribePolicy: %v %+v", err, desc)
	}
	managed, err := client.DescribePolicy(ctx, &orgsdk.DescribePolicyInput{PolicyId: aws.String("p-FullAWSAccess")})
	if err != nil || !managed.Policy.PolicySummary.AwsManaged || aws.ToString(managed.Policy.PolicySummary.Arn) != "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess" {
		t.Fatalf("DescribePolicy FullAWSAccess: %v %+v", err, managed)
	}

	list, err := client.ListPolicies(ctx, &orgsdk.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list.Policies {
		names = append(names, aws.ToString(p.Name))
	}
	if !reflect.DeepEqual(names, []string{"FullAWSAccess", "DenyKMS"}) {
		t.Fatalf("ListPolicies names %v", names)
	}
	tagList, err := client.ListPolicies(ctx, &orgsdk.ListPoliciesInput{Filter: orgtypes.PolicyTypeTagPolicy})
	if err != nil || len(tagList.Policies) != 0 {
		t.Fatalf("ListPolicies TAG_POLICY: %v %+v", err, tagList)
	}

	upd, err := client.UpdatePolicy(ctx, &orgsdk.UpdatePolicyInput{PolicyId: aws.String(id), Name: aws.String("DenyKMSWrites"), Content: aws.String(policiesTestAllow)})
	if err != nil || aws.ToString(upd.Policy.PolicySummary.Name) != "DenyKMSWrites" || aws.ToString(upd.Policy.Content) != policiesTestAllow || aws.ToString(upd.Policy.PolicySummary.Description) != "no kms" {
		t.Fatalf("UpdatePolicy: %v %+v", err, upd)
	}
	_, err = client.UpdatePolicy(ctx, &orgsdk.UpdatePolicyInput{PolicyId: aws.String(id), Content: aws.String(`{"Statement":`)})
	policiesTestCode(t, err, "MalformedPolicyDocumentException")
	_, err = client.UpdatePolicy(ctx, &orgsdk.UpdatePolicyInput{PolicyId: aws.String("p-FullAWSAccess"), Name: aws.String("Mine")})
	policiesTestReason(t, err, "IMMUTABLE_POLICY")
	_, err = client.DeletePolicy(ctx, &orgsdk.DeletePolicyInput{PolicyId: aws.String("p-FullAWSAccess")})
	policiesTestReason(t, err, "IMMUTABLE_POLICY")

	if _, err := client.DeletePolicy(ctx, &orgsdk.DeletePolicyInput{PolicyId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DescribePolicy(ctx, &orgsdk.DescribePolicyInput{PolicyId: aws.String(id)})
	policiesTestCode(t, err, "PolicyNotFoundException")
	_, err = client.DeletePolicy(ctx, &orgsdk.DeletePolicyInput{PolicyId: aws.String(id)})
	policiesTestCode(t, err, "PolicyNotFoundException")
}

func TestPolicyContentOfEveryType(t *testing.T) {
	client, _, _ := policiesTestOrg(t)
	ctx := context.Background()
	cases := []struct {
		typ       orgtypes.PolicyType
		good, bad string
	}{
		{orgtypes.PolicyTypeResourceControlPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:*","Resource":"*"}]}`, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:*","Resource":"*"}]}`},
		{orgtypes.PolicyTypeTagPolicy, `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"}}}}`, `{"tags":{"costcenter":{"tag_key":{"@@assign":"Owner"}}}}`},
		{orgtypes.PolicyTypeBackupPolicy, `{"plans":{"p":{"regions":{"@@assign":["us-east-1"]}}}}`, `{"plans":{"p":{"vault":{"@@assign":"x"}}}}`},
		{orgtypes.PolicyTypeAiservicesOptOutPolicy, `{"services":{"default":{"opt_out_policy":{"@@assign":"optOut"}}}}`, `{"services":{"default":{"opt_out_policy":{"@@assign":"no"}}}}`},
		{orgtypes.PolicyTypeChatbotPolicy, `{"chatbot":{"platforms":{"slack":{"client":{"@@assign":"enabled"}}}}}`, `{"chatbot":"on"}`},
		{orgtypes.PolicyTypeDeclarativePolicyEc2, `{"ec2_attributes":{"serial_console_access":{"status":{"@@assign":"enabled"}}}}`, `{"ec2":{}}`},
		{orgtypes.PolicyTypeSecurityhubPolicy, `{"securityhub":{"enable_in_regions":{"@@append":["us-east-1"]}}}`, `{"securityhub":{"enable_in_regions":{"@@append":"us-east-1"}}}`},
		{orgtypes.PolicyTypeInspectorPolicy, `{"inspector":{"enablement":{"ec2_scanning":{"enable_in_regions":{"@@assign":["us-east-1"]}}}}}`, `{"inspector":{"x":{"@@merge":1}}}`},
		{orgtypes.PolicyTypeS3Policy, `{"s3_attributes":{"public_access_block_configuration":{"@@assign":"all"}}}`, `{"s3_attributes":{"public_access_block_configuration":{"@@assign":"partial"}}}`},
		{orgtypes.PolicyTypeBedrockPolicy, `{"bedrock":{"guardrail_inference":{"us-east-1":{"c":{"input_tags":{"@@assign":"honor"}}}}}}`, `not json`},
		{orgtypes.PolicyTypeUpgradeRolloutPolicy, `{"upgrade_rollout":{"default":{"patch_order":{"@@assign":"last"}}}}`, `{"upgrade_rollout":{"default":{"patch_order":{"@@assign":"last","x":{}}}}}`},
	}
	for _, tc := range cases {
		id := policiesTestCreate(t, client, tc.typ, "good-"+string(tc.typ), tc.good)
		desc, err := client.DescribePolicy(ctx, &orgsdk.DescribePolicyInput{PolicyId: aws.String(id)})
		if err != nil || desc.Policy.PolicySummary.Type != tc.typ {
			t.Fatalf("%s: DescribePolicy %v %+v", tc.typ, err, desc)
		}
		_, err = client.CreatePolicy(ctx, &orgsdk.CreatePolicyInput{Type: tc.typ, Name: aws.String("bad"), Description: aws.String(""), Content: aws.String(tc.bad)})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "MalformedPolicyDocumentException" {
			t.Fatalf("%s: bad document gave %v, want MalformedPolicyDocumentException", tc.typ, err)
		}
	}
	// AI services opt-out policies are limited to 2,500 characters.
	doc := `{"services":{"default":{"opt_out_policy":{"@@assign":"optOut"}}}}`
	_, err := client.CreatePolicy(ctx, &orgsdk.CreatePolicyInput{Type: orgtypes.PolicyTypeAiservicesOptOutPolicy, Name: aws.String("big"), Description: aws.String(""),
		Content: aws.String(doc + strings.Repeat(" ", 2501-len(doc)))})
	policiesTestReason(t, err, "POLICY_CONTENT_LIMIT_EXCEEDED")
}

func TestAttachAndDetachPolicies(t *testing.T) {
	client, root, mgmt := policiesTestOrg(t)
	ctx := context.Background()
	ou, err := client.CreateOrganizationalUnit(ctx, &orgsdk.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("hr-legal")})
	if err != nil {
		t.Fatal(err)
	}
	ouID := aws.ToString(ou.OrganizationalUnit.Id)
	if got := policiesTestIDs(t, client, ouID, orgtypes.PolicyTypeServiceControlPolicy); !reflect.DeepEqual(got, []string{"p-FullAWSAccess"}) {
		t.Fatalf("a new OU has SCPs %v, want FullAWSAccess", got)
	}

	deny := policiesTestCreate(t, client, orgtypes.PolicyTypeServiceControlPolicy, "DenyKMS", policiesTestDenyKMS)
	attach := func(p, target string) error {
		_, err := client.AttachPolicy(ctx, &orgsdk.AttachPolicyInput{PolicyId: aws.String(p), TargetId: aws.String(target)})
		return err
	}
	detach := func(p, target string) error {
		_, err := client.DetachPolicy(ctx, &orgsdk.DetachPolicyInput{PolicyId: aws.String(p), TargetId: aws.String(target)})
		return err
	}
	if err := attach(deny, ouID); err != nil {
		t.Fatal(err)
	}
	policiesTestCode(t, attach(deny, ouID), "DuplicatePolicyAttachmentException")
	policiesTestCode(t, attach(deny, "ou-zzzz-zzzzzzzz"), "TargetNotFoundException")
	policiesTestCode(t, attach(deny, "111111111111"), "TargetNotFoundException")
	policiesTestCode(t, attach("p-00000000", ouID), "PolicyNotFoundException")

	targets, err := client.ListTargetsForPolicy(ctx, &orgsdk.ListTargetsForPolicyInput{PolicyId: aws.String(deny)})
	if err != nil || len(targets.Targets) != 1 {
		t.Fatalf("ListTargetsForPolicy: %v %+v", err, targets)
	}
	if tg := targets.Targets[0]; aws.ToString(tg.TargetId) != ouID || tg.Type != orgtypes.TargetTypeOrganizationalUnit || aws.ToString(tg.Name) != "hr-legal" || !strings.Contains(aws.ToString(tg.Arn), ":ou/") {
		t.Fatalf("target %+v", tg)
	}
	full, err := client.ListTargetsForPolicy(ctx, &orgsdk.ListTargetsForPolicyInput{PolicyId: aws.String("p-FullAWSAccess")})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[orgtypes.TargetType]bool{}
	for _, tg := range full.Targets {
		kinds[tg.Type] = true
	}
	if !kinds[orgtypes.TargetTypeRoot] || !kinds[orgtypes.TargetTypeAccount] || !kinds[orgtypes.TargetTypeOrganizationalUnit] {
		t.Fatalf("FullAWSAccess targets %+v", full.Targets)
	}

	_, err = client.DeletePolicy(ctx, &orgsdk.DeletePolicyInput{PolicyId: aws.String(deny)})
	policiesTestCode(t, err, "PolicyInUseException")

	// Five SCPs per target: FullAWSAccess, DenyKMS and three more fit,
	// a sixth does not.
	for i := range 3 {
		if err := attach(policiesTestCreate(t, client, orgtypes.PolicyTypeServiceControlPolicy, "extra"+string(rune('a'+i)), policiesTestAllow), ouID); err != nil {
			t.Fatal(err)
		}
	}
	sixth := policiesTestCreate(t, client, orgtypes.PolicyTypeServiceControlPolicy, "sixth", policiesTestAllow)
	policiesTestReason(t, attach(sixth, ouID), "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")

	// The last SCP of a target cannot be detached.
	ids := policiesTestIDs(t, client, ouID, orgtypes.PolicyTypeServiceControlPolicy)
	if len(ids) != 5 {
		t.Fatalf("OU has SCPs %v", ids)
	}
	for _, id := range ids[:4] {
		if err := detach(id, ouID); err != nil {
			t.Fatalf("detach %s: %v", id, err)
		}
	}
	policiesTestReason(t, detach(ids[4], ouID), "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
	policiesTestCode(t, detach(ids[0], ouID), "PolicyNotAttachedException")
	policiesTestReason(t, detach("p-FullAWSAccess", mgmt), "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")

	// DenyKMS, attached second, went in the loop above: attached
	// nowhere, it can be deleted.
	if ids[1] != deny {
		t.Fatalf("ListPoliciesForTarget order %v, want DenyKMS second", ids)
	}
	if _, err := client.DeletePolicy(ctx, &orgsdk.DeletePolicyInput{PolicyId: aws.String(deny)}); err != nil {
		t.Fatal(err)
	}
}

func TestEnableAndDisablePolicyTypes(t *testing.T) {
	client, root, mgmt := policiesTestOrg(t)
	ctx := context.Background()

	_, err := client.EnablePolicyType(ctx, &orgsdk.EnablePolicyTypeInput{RootId: aws.String("r-zzzz"), PolicyType: orgtypes.PolicyTypeTagPolicy})
	policiesTestCode(t, err, "RootNotFoundException")
	_, err = client.EnablePolicyType(ctx, &orgsdk.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: orgtypes.PolicyTypeServiceControlPolicy})
	policiesTestCode(t, err, "PolicyTypeAlreadyEnabledException")

	tag := policiesTestCreate(t, client, orgtypes.PolicyTypeTagPolicy, "cc", `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"}}}}`)
	_, err = client.AttachPolicy(ctx, &orgsdk.AttachPolicyInput{PolicyId: aws.String(tag), TargetId: aws.String(root)})
	policiesTestCode(t, err, "PolicyTypeNotEnabledException")

	out, err := client.EnablePolicyType(ctx, &orgsdk.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: orgtypes.PolicyTypeTagPolicy})
	if err != nil {
		t.Fatal(err)
	}
	enabled := map[orgtypes.PolicyType]orgtypes.PolicyTypeStatus{}
	for _, pt := range out.Root.PolicyTypes {
		enabled[pt.Type] = pt.Status
	}
	if enabled[orgtypes.PolicyTypeTagPolicy] != orgtypes.PolicyTypeStatusEnabled || enabled[orgtypes.PolicyTypeServiceControlPolicy] != orgtypes.PolicyTypeStatusEnabled {
		t.Fatalf("root policy types %+v", out.Root.PolicyTypes)
	}
	if _, err := client.AttachPolicy(ctx, &orgsdk.AttachPolicyInput{PolicyId: aws.String(tag), TargetId: aws.String(root)}); err != nil {
		t.Fatal(err)
	}
	// Tag policies have no minimum: the only one can be detached.
	if _, err := client.DetachPolicy(ctx, &orgsdk.DetachPolicyInput{PolicyId: aws.String(tag), TargetId: aws.String(root)}); err != nil {
		t.Fatal(err)
	}

	// Enabling RCPs attaches RCPFullAWSAccess everywhere; disabling them
	// detaches every RCP.
	ou, err := client.CreateOrganizationalUnit(ctx, &orgsdk.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("ou1")})
	if err != nil {
		t.Fatal(err)
	}
	ouID := aws.ToString(ou.OrganizationalUnit.Id)
	if _, err := client.EnablePolicyType(ctx, &orgsdk.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: orgtypes.PolicyTypeResourceControlPolicy}); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{root, ouID, mgmt} {
		if got := policiesTestIDs(t, client, target, orgtypes.PolicyTypeResourceControlPolicy); !reflect.DeepEqual(got, []string{"p-RCPFullAWSAccess"}) {
			t.Fatalf("%s has RCPs %v after enabling", target, got)
		}
	}
	rcp := policiesTestCreate(t, client, orgtypes.PolicyTypeResourceControlPolicy, "rcp", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}`)
	if _, err := client.AttachPolicy(ctx, &orgsdk.AttachPolicyInput{PolicyId: aws.String(rcp), TargetId: aws.String(ouID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DisablePolicyType(ctx, &orgsdk.DisablePolicyTypeInput{RootId: aws.String(root), PolicyType: orgtypes.PolicyTypeResourceControlPolicy}); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{root, ouID, mgmt} {
		if got := policiesTestIDs(t, client, target, orgtypes.PolicyTypeResourceControlPolicy); len(got) != 0 {
			t.Fatalf("%s keeps RCPs %v after disabling", target, got)
		}
	}
	if got := policiesTestIDs(t, client, ouID, orgtypes.PolicyTypeServiceControlPolicy); !reflect.DeepEqual(got, []string{"p-FullAWSAccess"}) {
		t.Fatalf("disabling RCPs touched SCPs: %v", got)
	}
	if _, err := client.DescribePolicy(ctx, &orgsdk.DescribePolicyInput{PolicyId: aws.String(rcp)}); err != nil {
		t.Fatalf("disabling the type deleted the policy: %v", err)
	}
	_, err = client.DisablePolicyType(ctx, &orgsdk.DisablePolicyTypeInput{RootId: aws.String(root), PolicyType: orgtypes.PolicyTypeResourceControlPolicy})
	policiesTestCode(t, err, "PolicyTypeNotEnabledException")
	_, err = client.AttachPolicy(ctx, &orgsdk.AttachPolicyInput{PolicyId: aws.String(rcp), TargetId: aws.String(ouID)})
	policiesTestCode(t, err, "PolicyTypeNotEnabledException")
}

func TestConsolidatedBillingHasNoPolicyTypes(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	client := orgsdk.NewFromConfig(srv.RootConfig())
	ctx := context.Background()
	if _, err := client.CreateOrganization(ctx, &orgsdk.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetConsolidatedBilling}); err != nil {
		t.Fatal(err)
	}
	_, err := client.CreatePolicy(ctx, &orgsdk.CreatePolicyInput{
		Type: orgtypes.PolicyTypeTagPolicy, Name: aws.String("t"), Description: aws.String(""), Content: aws.String(`{"tags":{}}`),
	})
	policiesTestCode(t, err, "PolicyTypeNotAvailableForOrganizationException")
}

func TestEffectiveTagPolicyAcrossRootOUAndAccount(t *testing.T) {
	client, root, mgmt := policiesTestOrg(t)
	ctx := context.Background()
	if _, err := client.EnablePolicyType(ctx, &orgsdk.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: orgtypes.PolicyTypeTagPolicy}); err != nil {
		t.Fatal(err)
	}
	ou, err := client.CreateOrganizationalUnit(ctx, &orgsdk.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("finance")})
	if err != nil {
		t.Fatal(err)
	}
	ouID := aws.ToString(ou.OrganizationalUnit.Id)
	if _, err := client.MoveAccount(ctx, &orgsdk.MoveAccountInput{AccountId: aws.String(mgmt), SourceParentId: aws.String(root), DestinationParentId: aws.String(ouID)}); err != nil {
		t.Fatalf("MoveAccount: %v", err)
	}

	_, err = client.DescribeEffectivePolicy(ctx, &orgsdk.DescribeEffectivePolicyInput{PolicyType: orgtypes.EffectivePolicyTypeTagPolicy})
	policiesTestCode(t, err, "EffectivePolicyNotFoundException")

	rootPolicy := policiesTestCreate(t, client, orgtypes.PolicyTypeTagPolicy, "root-tags",
		`{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter","@@operators_allowed_for_child_policies":["@@none"]},"tag_value":{"@@assign":["100","200"]}}}}`)
	ouPolicy := policiesTestCreate(t, client, orgtypes.PolicyTypeTagPolicy, "ou-tags",
		`{"tags":{"costcenter":{"tag_value":{"@@append":["300"],"@@operators_allowed_for_child_policies":["@@remove"]}},"project":{"tag_key":{"@@assign":"Project"}}}}`)
	acctPolicy := policiesTestCreate(t, client, orgtypes.PolicyTypeTagPolicy, "acct-tags",
		`{"tags":{"costcenter":{"tag_key":{"@@assign":"COSTCENTER"},"tag_value":{"@@remove":["100"]}}}}`)
	for target, p := range map[string]string{root: rootPolicy, ouID: ouPolicy, mgmt: acctPolicy} {
		if _, err := client.AttachPolicy(ctx, &orgsdk.AttachPolicyInput{PolicyId: aws.String(p), TargetId: aws.String(target)}); err != nil {
			t.Fatal(err)
		}
	}

	eff, err := client.DescribeEffectivePolicy(ctx, &orgsdk.DescribeEffectivePolicyInput{PolicyType: orgtypes.EffectivePolicyTypeTagPolicy})
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal([]byte(aws.ToString(eff.EffectivePolicy.PolicyContent)), &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(`{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["200","300"]},"project":{"tag_key":"Project"}}}`), &want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("effective policy %s", aws.ToString(eff.EffectivePolicy.PolicyContent))
	}
	if aws.ToString(eff.EffectivePolicy.TargetId) != mgmt || eff.EffectivePolicy.PolicyType != orgtypes.EffectivePolicyTypeTagPolicy || eff.EffectivePolicy.LastUpdatedTimestamp == nil {
		t.Fatalf("effective policy %+v", eff.EffectivePolicy)
	}

	_, err = client.DescribeEffectivePolicy(ctx, &orgsdk.DescribeEffectivePolicyInput{PolicyType: orgtypes.EffectivePolicyTypeTagPolicy, TargetId: aws.String(ouID)})
	policiesTestReason(t, err, "TARGET_NOT_SUPPORTED")
	_, err = client.DescribeEffectivePolicy(ctx, &orgsdk.DescribeEffectivePolicyInput{PolicyType: orgtypes.EffectivePolicyTypeTagPolicy, TargetId: aws.String("111111111111")})
	policiesTestCode(t, err, "TargetNotFoundException")
	_, err = client.DescribeEffectivePolicy(ctx, &orgsdk.DescribeEffectivePolicyInput{PolicyType: orgtypes.EffectivePolicyTypeBackupPolicy})
	policiesTestCode(t, err, "EffectivePolicyNotFoundException")
	_, err = client.DescribeEffectivePolicy(ctx, &orgsdk.DescribeEffectivePolicyInput{PolicyType: "SERVICE_CONTROL_POLICY"})
	// SCPs have no effective policy; the model's enum rejects the type.
	policiesTestCode(t, err, "ValidationException")

	// The account's policy tried to reassign the locked tag key.
	verrs, err := client.ListEffectivePolicyValidationErrors(ctx, &orgsdk.ListEffectivePolicyValidationErrorsInput{AccountId: aws.String(mgmt), PolicyType: orgtypes.EffectivePolicyTypeTagPolicy})
	if err != nil {
		t.Fatal(err)
	}
	if len(verrs.EffectivePolicyValidationErrors) != 1 {
		t.Fatalf("validation errors %+v", verrs.EffectivePolicyValidationErrors)
	}
	ve := verrs.EffectivePolicyValidationErrors[0]
	if aws.ToString(ve.ErrorCode) != "OPERATOR_NOT_ALLOWED" || aws.ToString(ve.PathToError) != "tags.costcenter.tag_key" || !reflect.DeepEqual(ve.ContributingPolicies, []string{rootPolicy, acctPolicy}) {
		t.Fatalf("validation error %+v", ve)
	}
	if p := aws.ToString(verrs.Path); !strings.HasSuffix(p, "/"+root+"/"+ouID+"/"+mgmt+"/") {
		t.Fatalf("path %s", p)
	}
	invalid, err := client.ListAccountsWithInvalidEffectivePolicy(ctx, &orgsdk.ListAccountsWithInvalidEffectivePolicyInput{PolicyType: orgtypes.EffectivePolicyTypeTagPolicy})
	if err != nil || len(invalid.Accounts) != 1 || aws.ToString(invalid.Accounts[0].Id) != mgmt {
		t.Fatalf("ListAccountsWithInvalidEffectivePolicy: %v %+v", err, invalid)
	}

	// Detaching the account's policy clears the error.
	if _, err := client.DetachPolicy(ctx, &orgsdk.DetachPolicyInput{PolicyId: aws.String(acctPolicy), TargetId: aws.String(mgmt)}); err != nil {
		t.Fatal(err)
	}
	invalid, err = client.ListAccountsWithInvalidEffectivePolicy(ctx, &orgsdk.ListAccountsWithInvalidEffectivePolicyInput{PolicyType: orgtypes.EffectivePolicyTypeTagPolicy})
	if err != nil || len(invalid.Accounts) != 0 {
		t.Fatalf("after detaching: %v %+v", err, invalid)
	}
}
