package authz

import (
	"context"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/model"
	artifactapi "github.com/gatehouse/gatehouse/internal/model/artifact"
	ctapi "github.com/gatehouse/gatehouse/internal/model/cloudtrail"
	elbapi "github.com/gatehouse/gatehouse/internal/model/elbv2"
	gdapi "github.com/gatehouse/gatehouse/internal/model/guardduty"
	iamapi "github.com/gatehouse/gatehouse/internal/model/iam"
	inspapi "github.com/gatehouse/gatehouse/internal/model/inspector2"
	kmsapi "github.com/gatehouse/gatehouse/internal/model/kms"
	shieldapi "github.com/gatehouse/gatehouse/internal/model/shield"
	stsapi "github.com/gatehouse/gatehouse/internal/model/sts"
	wafapi "github.com/gatehouse/gatehouse/internal/model/wafv2"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

func TestTableCoversEveryOperation(t *testing.T) {
	tbl, err := BuildTable(model.All())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, svc := range model.All() {
		for _, op := range svc.Operations {
			n++
			p := tbl.plan(op)
			if p == nil {
				t.Errorf("%s.%s has no plan", svc.ID, op.Name)
				continue
			}
			if len(p.checks) == 0 && op.Name != "UpdateDelegationRequest" {
				t.Errorf("%s.%s is authorized as no action", svc.ID, op.Name)
			}
		}
	}
	if n < 600 {
		t.Fatalf("only %d operations", n)
	}
	for _, tc := range []struct {
		svc     *protocol.Service
		op      string
		actions []string
	}{
		{iamapi.Service, "GetUser", []string{"iam:GetUser"}},
		{elbapi.Service, "DescribeLoadBalancers", []string{"elasticloadbalancing:DescribeLoadBalancers"}},
		{kmsapi.Service, "ReEncrypt", []string{"kms:ReEncryptFrom", "kms:ReEncryptTo"}},
		{ctapi.Service, "ListInsightsMetricData", []string{"cloudtrail:ListInsightsData"}},
		{stsapi.Service, "AssumeRole", []string{"sts:AssumeRole"}},
		{iamapi.Service, "UpdateDelegationRequest", nil},
	} {
		if got := tbl.Actions(tc.svc.Operations[tc.op]); !slices.Equal(got, tc.actions) {
			t.Errorf("%s.%s: actions %v, want %v", tc.svc.ID, tc.op, got, tc.actions)
		}
	}
}

// resourcesOf returns the resource ARNs of each action of a request by
// alice (account 111122223333) in us-east-1.
func (f *fixture) resourcesOf(svc *protocol.Service, op string, in any) [][]string {
	f.t.Helper()
	u := f.user("alice", "/", nil)
	c := newCall(userPrincipal(u), svc, op)
	plan := f.az.table.plan(svc.Operations[op])
	ev := &evaluation{}
	if err := f.az.resolveCaller(context.Background(), c.Principal, &ev.caller); err != nil {
		f.t.Fatal(err)
	}
	var out [][]string
	rv := structOf(in)
	for _, chk := range plan.checks {
		if !chk.applies(rv) {
			continue
		}
		ev.res = ev.res[:0]
		if err := f.az.resolveResources(context.Background(), c, plan, chk, rv, ev); err != nil {
			f.t.Fatal(err)
		}
		var arns []string
		for _, r := range ev.res {
			arns = append(arns, r.arn)
		}
		out = append(out, arns)
	}
	return out
}

func TestResourcesFromInputs(t *testing.T) {
	const id = "1234abcd-12ab-34cd-56ef-1234567890ab"
	lb := "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188"
	listener := "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
	for _, tc := range []struct {
		name string
		svc  *protocol.Service
		op   string
		in   any
		want [][]string
	}{
		{"IAM entity by name, with the caller's account", iamapi.Service, "GetRole", &iamapi.GetRoleInput{RoleName: str("app")},
			[][]string{{"arn:aws:iam::111122223333:role/app"}}},
		{"IAM create with a path", iamapi.Service, "CreateUser", &iamapi.CreateUserInput{UserName: str("n"), Path: str("/eng/")},
			[][]string{{"arn:aws:iam::111122223333:user/eng/n"}}},
		{"IAM policy by ARN", iamapi.Service, "GetPolicy", &iamapi.GetPolicyInput{PolicyArn: str("arn:aws:iam::111122223333:policy/p")},
			[][]string{{"arn:aws:iam::111122223333:policy/p"}}},
		{"IAM rename needs both names", iamapi.Service, "UpdateUser", &iamapi.UpdateUserInput{UserName: str("alice"), NewUserName: str("alicia")},
			[][]string{{"arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/alicia"}}},
		{"IAM OIDC provider by URL", iamapi.Service, "CreateOpenIDConnectProvider", &iamapi.CreateOpenIDConnectProviderInput{Url: str("https://token.example.com/x")},
			[][]string{{"arn:aws:iam::111122223333:oidc-provider/token.example.com/x"}}},
		{"IAM simulator source entity only", iamapi.Service, "SimulatePrincipalPolicy", &iamapi.SimulatePrincipalPolicyInput{
			PolicySourceArn: str("arn:aws:iam::111122223333:group/g"), ActionNames: []string{"s3:GetObject"},
			ResourceArns: []string{"arn:aws:iam::111122223333:user/other"}},
			[][]string{{"arn:aws:iam::111122223333:group/g"}}},
		{"ListUsers takes no resource", iamapi.Service, "ListUsers", &iamapi.ListUsersInput{}, [][]string{nil}},
		{"KMS key id in the request's region", kmsapi.Service, "EnableKeyRotation", &kmsapi.EnableKeyRotationInput{KeyId: str(id)},
			[][]string{{"arn:aws:kms:us-east-1:111122223333:key/" + id}}},
		{"KMS key ARN as given", kmsapi.Service, "DescribeKey", &kmsapi.DescribeKeyInput{KeyId: str("arn:aws:kms:eu-west-1:444455556666:key/" + id)},
			[][]string{{"arn:aws:kms:eu-west-1:444455556666:key/" + id}}},
		{"KMS alias and its target key", kmsapi.Service, "CreateAlias", &kmsapi.CreateAliasInput{AliasName: str("alias/app"), TargetKeyId: str(id)},
			[][]string{{"arn:aws:kms:us-east-1:111122223333:alias/app", "arn:aws:kms:us-east-1:111122223333:key/" + id}}},
		{"KMS ReEncrypt: a key per action", kmsapi.Service, "ReEncrypt", &kmsapi.ReEncryptInput{SourceKeyId: str(id), DestinationKeyId: str("k2")},
			[][]string{{"arn:aws:kms:us-east-1:111122223333:key/" + id}, {"arn:aws:kms:us-east-1:111122223333:key/k2"}}},
		{"ELB listener ARN", elbapi.Service, "DeleteListener", &elbapi.DeleteListenerInput{ListenerArn: str(listener)}, [][]string{{listener}}},
		{"ELB AddTags on each ResourceArns member", elbapi.Service, "AddTags", &elbapi.AddTagsInput{ResourceArns: []string{lb, listener}},
			[][]string{{lb, listener}}},
		{"WAF scope in the ARN", wafapi.Service, "GetRuleGroup", &wafapi.GetRuleGroupInput{Name: str("rg"), Scope: wafapi.ScopeRegional, Id: str(id)},
			[][]string{{"arn:aws:wafv2:us-east-1:111122223333:regional/rulegroup/rg/" + id}}},
		{"WAF create: the id is not known yet", wafapi.Service, "CreateIPSet", &wafapi.CreateIPSetInput{Name: str("ips"), Scope: wafapi.ScopeCloudfront},
			[][]string{{"arn:aws:wafv2:us-east-1:111122223333:global/ipset/ips/*"}}},
		{"GuardDuty nested resource", gdapi.Service, "GetIPSet", &gdapi.GetIPSetInput{DetectorId: str("d1"), IpSetId: str("s1")},
			[][]string{{"arn:aws:guardduty:us-east-1:111122223333:detector/d1/ipset/s1"}}},
		{"Shield protection id", shieldapi.Service, "DescribeProtection", &shieldapi.DescribeProtectionInput{ProtectionId: str(id)},
			[][]string{{"arn:aws:shield::111122223333:protection/" + id}}},
		{"CloudTrail trail by name", ctapi.Service, "GetTrail", &ctapi.GetTrailInput{Name: str("main")},
			[][]string{{"arn:aws:cloudtrail:us-east-1:111122223333:trail/main"}}},
		{"CloudTrail trail by ARN", ctapi.Service, "GetTrail", &ctapi.GetTrailInput{Name: str("arn:aws:cloudtrail:us-west-2:111122223333:trail/other")},
			[][]string{{"arn:aws:cloudtrail:us-west-2:111122223333:trail/other"}}},
		{"Inspector create under the owner account", inspapi.Service, "CreateFilter", &inspapi.CreateFilterInput{Name: str("f")},
			[][]string{{"arn:aws:inspector2:us-east-1:111122223333:owner/111122223333/filter/*"}}},
		{"Artifact report version", artifactapi.Service, "GetReport", &artifactapi.GetReportInput{ReportId: str("report-abcdefghijklmnop"), ReportVersion: int64p(3)},
			[][]string{{"arn:aws:artifact:us-east-1::report/report-abcdefghijklmnop:3"}}},
		{"AssumeRole tags add sts:TagSession", stsapi.Service, "AssumeRole", &stsapi.AssumeRoleInput{RoleArn: str("arn:aws:iam::111122223333:role/r"), RoleSessionName: str("s"),
			Tags: []stsapi.Tag{{Key: str("k"), Value: str("v")}}},
			[][]string{{"arn:aws:iam::111122223333:role/r"}, {"arn:aws:iam::111122223333:role/r"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, On)
			got := f.resourcesOf(tc.svc, tc.op, tc.in)
			if !slices.EqualFunc(got, tc.want, func(a, b []string) bool { return slices.Equal(a, b) }) {
				t.Fatalf("resources = %q, want %q", got, tc.want)
			}
		})
	}
}

func int64p(v int64) *int64 { return &v }

func TestServiceConditionKeys(t *testing.T) {
	f := newFixture(t, On)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{
		"StringEquals":{"kms:EncryptionContext:tenant":"acme","kms:CallerAccount":"111122223333","kms:EncryptionAlgorithm":"SYMMETRIC_DEFAULT"},
		"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["tenant","purpose"]}}}]}`
	u := f.user("alice", "/", map[string]string{"p": doc})
	c := newCall(userPrincipal(u), kmsapi.Service, "Encrypt")
	in := &kmsapi.EncryptInput{KeyId: str("k"), Plaintext: []byte("x"), EncryptionAlgorithm: kmsapi.EncryptionAlgorithmSpecSymmetricDefault,
		EncryptionContext: map[string]string{"tenant": "acme", "purpose": "bench"}}
	if err := f.authorize(c, in); err != nil {
		t.Fatalf("matching KMS keys: %v", err)
	}
	in.EncryptionContext = map[string]string{"tenant": "other"}
	if err := f.authorize(c, in); err == nil {
		t.Fatal("kms:EncryptionContext:tenant=other allowed")
	}
	in.EncryptionContext = map[string]string{"tenant": "acme", "extra": "x"}
	if err := f.authorize(c, in); err == nil {
		t.Fatal("an encryption context key outside ForAllValues allowed")
	}
}

func TestPermissionsBoundaryKeyOfTheResource(t *testing.T) {
	f := newFixture(t, On)
	const boundary = "arn:aws:iam::111122223333:policy/DevBoundary"
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:AttachUserPolicy","iam:CreateUser"],"Resource":"*","Condition":{"StringEquals":{"iam:PermissionsBoundary":"` + boundary + `"}}}]}`
	admin := f.user("admin", "/", map[string]string{"delegate": doc})
	f.user("bounded", "/", nil, func(u *iam.User) { u.Boundary = boundary })
	f.user("free", "/", nil)
	attach := newCall(userPrincipal(admin), iamapi.Service, "AttachUserPolicy")
	arn := str("arn:aws:iam::aws:policy/ReadOnlyAccess")
	if err := f.authorize(attach, &iamapi.AttachUserPolicyInput{UserName: str("bounded"), PolicyArn: arn}); err != nil {
		t.Fatalf("attach to a user with the boundary: %v", err)
	}
	if err := f.authorize(attach, &iamapi.AttachUserPolicyInput{UserName: str("free"), PolicyArn: arn}); err == nil {
		t.Fatal("attach to a user without the boundary allowed")
	}
	// CreateUser carries the boundary in its input.
	create := newCall(userPrincipal(admin), iamapi.Service, "CreateUser")
	if err := f.authorize(create, &iamapi.CreateUserInput{UserName: str("n1"), PermissionsBoundary: str(boundary)}); err != nil {
		t.Fatalf("create with the boundary: %v", err)
	}
	if err := f.authorize(create, &iamapi.CreateUserInput{UserName: str("n2")}); err == nil {
		t.Fatal("create without a boundary allowed")
	}
}
