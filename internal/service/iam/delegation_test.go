package iam_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// delegationNode is a dev-mode node with two accounts: the management
// account plays the product provider (requestor), the dev account the
// customer.
type delegationNode struct {
	requestor, customer         *iam.Client
	requestorAcct, customerAcct string
	templateARN                 string
}

// dgPartnerTemplate is a policy template with a stringList and a string
// parameter; the second statement lets the holder create roles only with a
// given permissions boundary.
const dgPartnerTemplate = `{"Version":"2012-10-17","Statement":[` +
	`{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::@{Buckets}/*"},` +
	`{"Effect":"Allow","Action":"iam:CreateRole","Resource":"arn:aws:iam::*:role/@{RolePrefix}*",` +
	`"Condition":{"StringEquals":{"iam:PermissionsBoundary":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}}]}`

func startDelegationNode(t *testing.T) *delegationNode {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{Dev: true})
	n := &delegationNode{
		requestor:     iam.NewFromConfig(srv.RootConfig()),
		customer:      iam.NewFromConfig(srv.Config("AKIACUSTOMERACCOUNT1", "secret", "")),
		requestorAcct: srv.Root.AccountID,
		customerAcct:  "000000000000",
	}
	out, err := n.requestor.CreatePolicy(context.Background(), &iam.CreatePolicyInput{
		PolicyName: aws.String("partner-template"), PolicyDocument: aws.String(dgPartnerTemplate),
	})
	if err != nil {
		t.Fatalf("CreatePolicy (the template): %v", err)
	}
	n.templateARN = aws.ToString(out.Policy.Arn)
	return n
}

// create files a request from the requestor; owner "" leaves the owner
// account open.
func (n *delegationNode) create(t *testing.T, workflow, owner string, duration int32) string {
	t.Helper()
	in := n.request(workflow, owner, duration)
	out, err := n.requestor.CreateDelegationRequest(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateDelegationRequest %s: %v", workflow, err)
	}
	id := aws.ToString(out.DelegationRequestId)
	if !strings.HasPrefix(id, "dr-") || len(id) < 16 {
		t.Fatalf("DelegationRequestId = %q", id)
	}
	return id
}

func (n *delegationNode) request(workflow, owner string, duration int32) *iam.CreateDelegationRequestInput {
	in := &iam.CreateDelegationRequestInput{
		Description:         aws.String("Set up the log archive buckets for ExampleCorp Backup"),
		RequestorWorkflowId: aws.String(workflow),
		NotificationChannel: aws.String("arn:aws:sns:us-east-1:" + n.requestorAcct + ":partner-notifications"),
		SessionDuration:     aws.Int32(duration),
		RedirectUrl:         aws.String("https://partner.example.com/return"),
		Permissions: &types.DelegationPermission{
			PolicyTemplateArn: aws.String(n.templateARN),
			Parameters: []types.PolicyParameter{
				{Name: aws.String("Buckets"), Type: types.PolicyParameterTypeEnumStringList, Values: []string{"logs-a", "logs-b"}},
				{Name: aws.String("RolePrefix"), Values: []string{"ExampleCorp"}},
			},
		},
	}
	if owner != "" {
		in.OwnerAccountId = aws.String(owner)
	}
	return in
}

func dgGetRequest(t *testing.T, c *iam.Client, id string) *types.DelegationRequest {
	t.Helper()
	out, err := c.GetDelegationRequest(context.Background(), &iam.GetDelegationRequestInput{DelegationRequestId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetDelegationRequest %s: %v", id, err)
	}
	return out.DelegationRequest
}

func dgWantAPIError(t *testing.T, what string, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Fatalf("%s: error = %v, want %s", what, err, code)
	}
}

// TestDelegationRequestLifecycle takes a request addressed to the customer
// account through the approval path and checks each state, who can see the
// request, the rendered policy and the errors for actions its state does
// not allow.
func TestDelegationRequestLifecycle(t *testing.T) {
	n := startDelegationNode(t)
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	id := n.create(t, "workflow-0001", n.customerAcct, 7200)

	// Addressed to the customer: the requestor's account cannot read it.
	_, err := n.requestor.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: aws.String(id)})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("requestor's GetDelegationRequest = %v, want NoSuchEntity", err)
	}
	dr := dgGetRequest(t, n.customer, id)
	if dr.State != types.StateTypeUnassigned || aws.ToString(dr.OwnerAccountId) != n.customerAcct || dr.OwnerId != nil ||
		aws.ToString(dr.RequestorId) != n.requestorAcct || aws.ToInt32(dr.SessionDuration) != 7200 ||
		aws.ToString(dr.RedirectUrl) != "https://partner.example.com/return" || aws.ToString(dr.Permissions.PolicyTemplateArn) != n.templateARN {
		t.Fatalf("new request = %+v", dr)
	}
	created := aws.ToTime(dr.CreateDate)
	if created.Before(before) || !aws.ToTime(dr.ExpirationTime).Equal(created.Add(24*time.Hour)) {
		t.Errorf("created %v, expires %v; want an unassigned request to expire a day after creation", created, aws.ToTime(dr.ExpirationTime))
	}
	wantPolicy := `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::logs-a/*","arn:aws:s3:::logs-b/*"]},` +
		`{"Effect":"Allow","Action":"iam:CreateRole","Resource":"arn:aws:iam::*:role/ExampleCorp*",` +
		`"Condition":{"StringEquals":{"iam:PermissionsBoundary":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}}]}`
	got := aws.ToString(dr.PermissionPolicy)
	if dec, err := url.QueryUnescape(got); err == nil && strings.HasPrefix(dec, "{") {
		got = dec
	}
	if got != wantPolicy {
		t.Errorf("PermissionPolicy =\n%s\nwant\n%s", got, wantPolicy)
	}
	if len(dr.RolePermissionRestrictionArns) != 1 || dr.RolePermissionRestrictionArns[0] != "arn:aws:iam::aws:policy/ReadOnlyAccess" {
		t.Errorf("RolePermissionRestrictionArns = %v", dr.RolePermissionRestrictionArns)
	}

	// A workflow id names one request.
	_, err = n.requestor.CreateDelegationRequest(ctx, n.request("workflow-0001", n.customerAcct, 3600))
	var exists *types.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("duplicate workflow id = %v, want EntityAlreadyExists", err)
	}

	// Not associated: not listed, and nothing but Associate applies.
	list, err := n.customer.ListDelegationRequests(ctx, &iam.ListDelegationRequestsInput{})
	if err != nil || len(list.DelegationRequests) != 0 {
		t.Fatalf("list before association = %+v, %v; want empty", list, err)
	}
	_, err = n.customer.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: aws.String(id)})
	dgWantAPIError(t, "Accept while unassigned", err, "ConcurrentModification")
	_, err = n.customer.UpdateDelegationRequest(ctx, &iam.UpdateDelegationRequestInput{DelegationRequestId: aws.String(id)})
	dgWantAPIError(t, "Update while unassigned", err, "InvalidInput")
	_, err = n.customer.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: aws.String(id)})
	dgWantAPIError(t, "Send while unassigned", err, "InvalidInput")
	// The requestor's account is not the owner account: it cannot claim it.
	_, err = n.requestor.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: aws.String(id)})
	dgWantAPIError(t, "Associate from another account", err, "NoSuchEntity")

	if _, err := n.customer.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	customerRoot := "arn:aws:iam::" + n.customerAcct + ":root"
	dr = dgGetRequest(t, n.customer, id)
	if dr.State != types.StateTypeAssigned || aws.ToString(dr.OwnerId) != customerRoot {
		t.Fatalf("after Associate: state %s owner %s", dr.State, aws.ToString(dr.OwnerId))
	}
	if exp, upd := aws.ToTime(dr.ExpirationTime), aws.ToTime(dr.UpdatedTime); !exp.Equal(upd.Add(7 * 24 * time.Hour)) {
		t.Errorf("assigned request expires %v, updated %v; want a week later", exp, upd)
	}
	_, err = n.customer.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: aws.String(id)})
	dgWantAPIError(t, "second Associate", err, "InvalidInput")
	list, err = n.customer.ListDelegationRequests(ctx, &iam.ListDelegationRequestsInput{})
	if err != nil || len(list.DelegationRequests) != 1 || aws.ToString(list.DelegationRequests[0].DelegationRequestId) != id {
		t.Fatalf("list after association = %+v, %v", list, err)
	}
	list, err = n.customer.ListDelegationRequests(ctx, &iam.ListDelegationRequestsInput{OwnerId: aws.String("arn:aws:iam::" + n.customerAcct + ":user/someone-else")})
	if err != nil || len(list.DelegationRequests) != 0 {
		t.Fatalf("list for another owner = %+v, %v; want empty", list, err)
	}

	// Forward to an administrator, who approves; then release the token.
	if _, err := n.customer.UpdateDelegationRequest(ctx, &iam.UpdateDelegationRequestInput{
		DelegationRequestId: aws.String(id), Notes: aws.String("Needed for the backup rollout, ticket OPS-42."),
	}); err != nil {
		t.Fatal(err)
	}
	dr = dgGetRequest(t, n.customer, id)
	if dr.State != types.StateTypePendingApproval || aws.ToString(dr.Notes) != "Needed for the backup rollout, ticket OPS-42." {
		t.Fatalf("after Update: state %s notes %q", dr.State, aws.ToString(dr.Notes))
	}
	if _, err := n.customer.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	dr = dgGetRequest(t, n.customer, id)
	if dr.State != types.StateTypeAccepted || aws.ToString(dr.ApproverId) != customerRoot {
		t.Fatalf("after Accept: state %s approver %s", dr.State, aws.ToString(dr.ApproverId))
	}
	if _, err := n.customer.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if dr = dgGetRequest(t, n.customer, id); dr.State != types.StateTypeFinalized {
		t.Fatalf("after Send: state %s", dr.State)
	}
	// FINALIZED is terminal.
	_, err = n.customer.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: aws.String(id)})
	dgWantAPIError(t, "second Send", err, "InvalidInput")
	_, err = n.customer.RejectDelegationRequest(ctx, &iam.RejectDelegationRequestInput{DelegationRequestId: aws.String(id)})
	dgWantAPIError(t, "Reject after Send", err, "InvalidInput")

	_, err = n.customer.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: aws.String("dr-doesnotexist-0000")})
	if !errors.As(err, &nse) {
		t.Fatalf("unknown id = %v, want NoSuchEntity", err)
	}
}

// TestDelegationRequestRejectAndRootLimit checks the rejection path (an
// accepted request may still be rejected; a rejected one cannot be
// accepted) and that the root user cannot approve more than four hours.
func TestDelegationRequestRejectAndRootLimit(t *testing.T) {
	n := startDelegationNode(t)
	ctx := context.Background()

	long := n.create(t, "workflow-long", n.customerAcct, 5*3600)
	if _, err := n.customer.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: aws.String(long)}); err != nil {
		t.Fatal(err)
	}
	_, err := n.customer.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: aws.String(long)})
	dgWantAPIError(t, "root accepting 5 hours", err, "AccessDenied")
	if dr := dgGetRequest(t, n.customer, long); dr.State != types.StateTypeAssigned {
		t.Fatalf("refused Accept changed the state to %s", dr.State)
	}

	id := n.create(t, "workflow-reject", n.customerAcct, 3600)
	if _, err := n.customer.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.customer.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.customer.RejectDelegationRequest(ctx, &iam.RejectDelegationRequestInput{
		DelegationRequestId: aws.String(id), Notes: aws.String("Scope too broad."),
	}); err != nil {
		t.Fatal(err)
	}
	dr := dgGetRequest(t, n.customer, id)
	if dr.State != types.StateTypeRejected || aws.ToString(dr.RejectionReason) != "Scope too broad." {
		t.Fatalf("after Reject: state %s reason %q", dr.State, aws.ToString(dr.RejectionReason))
	}
	_, err = n.customer.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: aws.String(id)})
	dgWantAPIError(t, "Accept after Reject", err, "ConcurrentModification")
	_, err = n.customer.UpdateDelegationRequest(ctx, &iam.UpdateDelegationRequestInput{DelegationRequestId: aws.String(id)})
	dgWantAPIError(t, "Update after Reject", err, "InvalidInput")
}

// TestDelegationRequestOpenOwner checks a request created without an
// owner account: any account may read it, and associating it gives it the
// associating account, which then alone sees it.
func TestDelegationRequestOpenOwner(t *testing.T) {
	n := startDelegationNode(t)
	ctx := context.Background()
	id := n.create(t, "workflow-open", "", 3600)
	if dr := dgGetRequest(t, n.requestor, id); dr.OwnerAccountId != nil || dr.State != types.StateTypeUnassigned {
		t.Fatalf("open request = %+v", dr)
	}
	dgGetRequest(t, n.customer, id)
	if _, err := n.customer.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if dr := dgGetRequest(t, n.customer, id); aws.ToString(dr.OwnerAccountId) != n.customerAcct {
		t.Fatalf("owner account after Associate = %q, want %s", aws.ToString(dr.OwnerAccountId), n.customerAcct)
	}
	_, err := n.requestor.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: aws.String(id)})
	dgWantAPIError(t, "requestor's Get after association", err, "NoSuchEntity")
}

// TestCreateDelegationRequestErrors checks the template and parameter
// errors: they are InvalidInput, and nothing is created.
func TestCreateDelegationRequestErrors(t *testing.T) {
	n := startDelegationNode(t)
	ctx := context.Background()
	cases := []struct {
		name string
		edit func(in *iam.CreateDelegationRequestInput)
	}{
		{"unknown template", func(in *iam.CreateDelegationRequestInput) {
			in.Permissions.PolicyTemplateArn = aws.String("arn:aws:iam::" + n.requestorAcct + ":policy/nope")
		}},
		{"no template", func(in *iam.CreateDelegationRequestInput) { in.Permissions.PolicyTemplateArn = nil }},
		{"missing parameter", func(in *iam.CreateDelegationRequestInput) { in.Permissions.Parameters = in.Permissions.Parameters[:1] }},
		{"string parameter with two values", func(in *iam.CreateDelegationRequestInput) {
			in.Permissions.Parameters[1].Values = []string{"A", "B"}
		}},
		{"duplicate parameter", func(in *iam.CreateDelegationRequestInput) {
			in.Permissions.Parameters = append(in.Permissions.Parameters, in.Permissions.Parameters[1])
		}},
	}
	for i, tc := range cases {
		in := n.request("workflow-bad-"+string(rune('a'+i)), n.customerAcct, 3600)
		tc.edit(in)
		_, err := n.requestor.CreateDelegationRequest(ctx, in)
		dgWantAPIError(t, tc.name, err, "InvalidInput")
	}
}

// TestGetHumanReadableSummary checks the deterministic summary: it names
// the requester, the duration, every service and action with the
// resources, and the permissions boundary; other locales are NOT_SUPPORTED
// and entities other than delegation requests InvalidInput.
func TestGetHumanReadableSummary(t *testing.T) {
	n := startDelegationNode(t)
	ctx := context.Background()
	id := n.create(t, "workflow-summary", n.customerAcct, 7200)
	arn := "arn:aws:iam::" + n.customerAcct + ":delegation-request/" + id

	out, err := n.customer.GetHumanReadableSummary(ctx, &iam.GetHumanReadableSummaryInput{EntityArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if out.SummaryState != types.SummaryStateTypeAvailable || aws.ToString(out.Locale) != "en-US" {
		t.Fatalf("summary state %s locale %q", out.SummaryState, aws.ToString(out.Locale))
	}
	text := aws.ToString(out.SummaryContent)
	for _, want := range []string{
		"Account " + n.requestorAcct, "AWS account " + n.customerAcct, "2 hours",
		"Amazon S3: GetObject, PutObject", "arn:aws:s3:::logs-a/*, arn:aws:s3:::logs-b/*",
		"AWS Identity and Access Management (IAM): CreateRole", "arn:aws:iam::*:role/ExampleCorp*",
		"iam:PermissionsBoundary is arn:aws:iam::aws:policy/ReadOnlyAccess",
		"Set up the log archive buckets for ExampleCorp Backup.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	again, err := n.customer.GetHumanReadableSummary(ctx, &iam.GetHumanReadableSummaryInput{EntityArn: aws.String(arn)})
	if err != nil || aws.ToString(again.SummaryContent) != text {
		t.Errorf("a second summary differs or fails (%v)", err)
	}

	ja, err := n.customer.GetHumanReadableSummary(ctx, &iam.GetHumanReadableSummaryInput{EntityArn: aws.String(arn), Locale: aws.String("ja-JP")})
	if err != nil || ja.SummaryState != types.SummaryStateTypeNotSupported || ja.SummaryContent != nil || aws.ToString(ja.Locale) != "ja-JP" {
		t.Errorf("ja-JP summary = %+v, %v; want NOT_SUPPORTED", ja, err)
	}
	_, err = n.customer.GetHumanReadableSummary(ctx, &iam.GetHumanReadableSummaryInput{EntityArn: aws.String(arn), Locale: aws.String("xx-YY")})
	dgWantAPIError(t, "unknown locale", err, "InvalidInput")
	_, err = n.customer.GetHumanReadableSummary(ctx, &iam.GetHumanReadableSummaryInput{EntityArn: aws.String("arn:aws:iam::" + n.customerAcct + ":user/alice")})
	dgWantAPIError(t, "a user ARN", err, "InvalidInput")
	_, err = n.requestor.GetHumanReadableSummary(ctx, &iam.GetHumanReadableSummaryInput{EntityArn: aws.String(arn)})
	dgWantAPIError(t, "summary from an account that cannot see the request", err, "NoSuchEntity")
}
