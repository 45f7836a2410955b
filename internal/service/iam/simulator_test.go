package iam_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// simNode is a node with a user whose policies come from an inline
// policy, a managed policy and a group, for the simulator tests.
type simNode struct {
	iam     *iam.Client
	account string
	userARN string
}

const simInline = `{
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "ReadUsers",
        "Effect": "Allow",
        "Action": ["iam:GetUser", "iam:ListUsers"],
        "Resource": "*"
    }, {
        "Sid": "NoDelete",
        "Effect": "Deny",
        "Action": "iam:DeleteUser",
        "Resource": "*"
    }]
}`

const simManaged = `{"Version":"2012-10-17","Statement":[{"Sid":"OwnFolder","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/${aws:username}/*"},{"Sid":"FromOffice","Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}`

const simGroup = `{"Version":"2012-10-17","Statement":[{"Sid":"DeleteUsers","Effect":"Allow","Action":"iam:DeleteUser","Resource":"*"}]}`

func startSimNode(t *testing.T) *simNode {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	c := iam.NewFromConfig(srv.RootConfig())
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	u, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("sim")})
	if err != nil {
		t.Fatal(err)
	}
	must(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("sim"), PolicyName: aws.String("inline-read"), PolicyDocument: aws.String(simInline)}))
	p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("S3Own"), PolicyDocument: aws.String(simManaged)})
	if err != nil {
		t.Fatal(err)
	}
	must(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("sim"), PolicyArn: p.Policy.Arn}))
	must(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("deleters")}))
	must(c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("deleters"), PolicyName: aws.String("delete"), PolicyDocument: aws.String(simGroup)}))
	must(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("deleters"), UserName: aws.String("sim")}))
	return &simNode{iam: c, account: srv.App.ManagementAccountID, userARN: aws.ToString(u.User.Arn)}
}

func resultFor(t *testing.T, out *iam.SimulatePrincipalPolicyOutput, action string) types.EvaluationResult {
	t.Helper()
	for _, r := range out.EvaluationResults {
		if aws.ToString(r.EvalActionName) == action {
			return r
		}
	}
	t.Fatalf("no result for %s in %+v", action, out.EvaluationResults)
	return types.EvaluationResult{}
}

func TestSimulatePrincipalPolicy(t *testing.T) {
	n := startSimNode(t)
	ctx := context.Background()
	out, err := n.iam.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(n.userARN),
		ActionNames:     []string{"iam:GetUser", "iam:DeleteUser", "iam:CreateUser", "s3:ListBucket"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.EvaluationResults) != 4 || out.IsTruncated {
		t.Fatalf("results = %+v", out.EvaluationResults)
	}

	get := resultFor(t, out, "iam:GetUser")
	if get.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || aws.ToString(get.EvalResourceName) != "*" {
		t.Fatalf("GetUser: %s on %s", get.EvalDecision, aws.ToString(get.EvalResourceName))
	}
	if len(get.MatchedStatements) != 1 {
		t.Fatalf("GetUser matched %+v", get.MatchedStatements)
	}
	m := get.MatchedStatements[0]
	// The ReadUsers statement: line 3 column 19 to line 8 column 6.
	if aws.ToString(m.SourcePolicyId) != "inline-read" || m.SourcePolicyType != types.PolicySourceTypeUser ||
		m.StartPosition.Line != 3 || m.StartPosition.Column != 19 ||
		m.EndPosition.Line != 8 || m.EndPosition.Column != 6 {
		t.Fatalf("GetUser statement: %s %s %+v %+v", aws.ToString(m.SourcePolicyId), m.SourcePolicyType, *m.StartPosition, *m.EndPosition)
	}

	// The inline Deny beats the group's Allow; only the deny is listed.
	del := resultFor(t, out, "iam:DeleteUser")
	if del.EvalDecision != types.PolicyEvaluationDecisionTypeExplicitDeny || len(del.MatchedStatements) != 1 ||
		aws.ToString(del.MatchedStatements[0].SourcePolicyId) != "inline-read" || del.MatchedStatements[0].StartPosition.Line != 8 {
		t.Fatalf("DeleteUser: %s %+v", del.EvalDecision, del.MatchedStatements)
	}

	create := resultFor(t, out, "iam:CreateUser")
	if create.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || len(create.MatchedStatements) != 0 {
		t.Fatalf("CreateUser: %s %+v", create.EvalDecision, create.MatchedStatements)
	}

	// The managed policy's condition needs aws:SourceIp, which the
	// request did not give.
	list := resultFor(t, out, "s3:ListBucket")
	if list.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || !slices.Equal(list.MissingContextValues, []string{"aws:SourceIp"}) {
		t.Fatalf("ListBucket: %s missing %v", list.EvalDecision, list.MissingContextValues)
	}
	out, err = n.iam.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(n.userARN),
		ActionNames:     []string{"s3:ListBucket"},
		ContextEntries: []types.ContextEntry{{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyType: types.ContextKeyTypeEnumIp,
			ContextKeyValues: []string{"203.0.113.9"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	list = out.EvaluationResults[0]
	if list.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || len(list.MissingContextValues) != 0 ||
		aws.ToString(list.MatchedStatements[0].SourcePolicyId) != "S3Own" || list.MatchedStatements[0].SourcePolicyType != types.PolicySourceTypeUserManaged {
		t.Fatalf("ListBucket from the office: %s %+v missing %v", list.EvalDecision, list.MatchedStatements, list.MissingContextValues)
	}
}

func TestSimulateResourcesAndVariables(t *testing.T) {
	n := startSimNode(t)
	ctx := context.Background()
	mine, other := "arn:aws:s3:::bucket/sim/report.csv", "arn:aws:s3:::bucket/eve/report.csv"
	out, err := n.iam.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(n.userARN),
		ActionNames:     []string{"s3:GetObject"},
		ResourceArns:    []string{mine, other},
		ContextEntries:  []types.ContextEntry{{ContextKeyName: aws.String("aws:username"), ContextKeyValues: []string{"sim"}, ContextKeyType: types.ContextKeyTypeEnumString}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.EvaluationResults) != 2 {
		t.Fatalf("results = %+v", out.EvaluationResults)
	}
	for _, r := range out.EvaluationResults {
		want := types.PolicyEvaluationDecisionTypeImplicitDeny
		if aws.ToString(r.EvalResourceName) == mine {
			want = types.PolicyEvaluationDecisionTypeAllowed
		}
		if r.EvalDecision != want || len(r.ResourceSpecificResults) != 1 ||
			aws.ToString(r.ResourceSpecificResults[0].EvalResourceName) != aws.ToString(r.EvalResourceName) ||
			r.ResourceSpecificResults[0].EvalResourceDecision != want {
			t.Errorf("%s: %s, specific %+v; want %s", aws.ToString(r.EvalResourceName), r.EvalDecision, r.ResourceSpecificResults, want)
		}
	}
	// Without aws:username the variable cannot be resolved: missing.
	out, err = n.iam.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(n.userARN), ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{mine},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.EvaluationResults[0]
	if r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || !slices.Equal(r.ResourceSpecificResults[0].MissingContextValues, []string{"aws:username"}) {
		t.Fatalf("without aws:username: %s %+v", r.EvalDecision, r.ResourceSpecificResults)
	}
}

func TestSimulateCustomPolicy(t *testing.T) {
	n := startSimNode(t)
	ctx := context.Background()
	allowAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	boundary := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`
	out, err := n.iam.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList:                    []string{allowAll},
		PermissionsBoundaryPolicyInputList: []string{boundary},
		ActionNames:                        []string{"iam:GetRole", "iam:DeleteRole", "kms:ListKeys"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]types.PolicyEvaluationDecisionType{
		"iam:GetRole": types.PolicyEvaluationDecisionTypeAllowed, "iam:DeleteRole": types.PolicyEvaluationDecisionTypeImplicitDeny,
		"kms:ListKeys": types.PolicyEvaluationDecisionTypeImplicitDeny,
	}
	for _, r := range out.EvaluationResults {
		a := aws.ToString(r.EvalActionName)
		if r.EvalDecision != want[a] {
			t.Errorf("%s: %s, want %s", a, r.EvalDecision, want[a])
		}
		inBoundary := a == "iam:GetRole"
		if r.PermissionsBoundaryDecisionDetail == nil || r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary != inBoundary {
			t.Errorf("%s: boundary detail %+v", a, r.PermissionsBoundaryDecisionDetail)
		}
	}
	if id := aws.ToString(out.EvaluationResults[0].MatchedStatements[0].SourcePolicyId); id != "PolicyInputList.1" {
		t.Errorf("SourcePolicyId = %s", id)
	}

	// Pages of one result.
	var actions []string
	var marker *string
	for {
		page, err := n.iam.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
			PolicyInputList: []string{allowAll}, ActionNames: []string{"iam:GetRole", "iam:DeleteRole", "kms:ListKeys"},
			MaxItems: aws.Int32(1), Marker: marker,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.EvaluationResults) != 1 {
			t.Fatalf("page of %d results", len(page.EvaluationResults))
		}
		actions = append(actions, aws.ToString(page.EvaluationResults[0].EvalActionName))
		if !page.IsTruncated {
			break
		}
		marker = page.Marker
	}
	if !slices.Equal(actions, []string{"iam:GetRole", "iam:DeleteRole", "kms:ListKeys"}) {
		t.Fatalf("paged actions = %v", actions)
	}

	// A resource-based policy that names the caller grants on its own.
	rp := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + n.userARN + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	res, err := n.iam.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`},
		ResourcePolicy:  aws.String(rp), CallerArn: aws.String(n.userARN),
		ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{"arn:aws:s3:::b/k"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := res.EvaluationResults[0]
	if r.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || r.MatchedStatements[0].SourcePolicyType != types.PolicySourceTypeResource {
		t.Fatalf("resource policy grant: %s %+v", r.EvalDecision, r.MatchedStatements)
	}
}

func TestSimulatorErrors(t *testing.T) {
	n := startSimNode(t)
	ctx := context.Background()
	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return ""
	}
	_, err := n.iam.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::" + n.account + ":user/nobody"), ActionNames: []string{"iam:GetUser"},
	})
	if code(err) != "NoSuchEntity" {
		t.Errorf("unknown user: %v", err)
	}
	_, err = n.iam.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}`}, ActionNames: []string{"iam:GetUser"},
	})
	if code(err) != "InvalidInput" {
		t.Errorf("malformed policy: %v", err)
	}
	_, err = n.iam.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}, ActionNames: []string{"iam:GetUser"},
		ContextEntries: []types.ContextEntry{{ContextKeyName: aws.String("aws:EpochTime"), ContextKeyType: types.ContextKeyTypeEnumNumeric, ContextKeyValues: []string{"soon"}}},
	})
	if code(err) != "InvalidInput" {
		t.Errorf("bad numeric context value: %v", err)
	}
	_, err = n.iam.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}, ActionNames: []string{"iam:*"},
	})
	if code(err) != "InvalidInput" {
		t.Errorf("wildcard action: %v", err)
	}
}

func TestGetContextKeys(t *testing.T) {
	n := startSimNode(t)
	ctx := context.Background()
	out, err := n.iam.GetContextKeysForCustomPolicy(ctx, &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{simManaged, simGroup}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.ContextKeyNames, []string{"aws:username", "aws:SourceIp"}) {
		t.Fatalf("custom keys = %v", out.ContextKeyNames)
	}
	extra := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"IpAddress":{"AWS:SOURCEIP":"10.0.0.0/8"}}}]}`
	pp, err := n.iam.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String(n.userARN), PolicyInputList: []string{extra}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pp.ContextKeyNames, []string{"aws:username", "aws:SourceIp", "aws:MultiFactorAuthPresent"}) {
		t.Fatalf("principal keys = %v", pp.ContextKeyNames)
	}
}
