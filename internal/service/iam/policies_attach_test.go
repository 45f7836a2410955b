package iam_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/iam/awsmanaged"
)

const (
	polAdminARN    = "arn:aws:iam::aws:policy/AdministratorAccess"
	polReadOnlyARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
)

// policyCounts returns a policy's AttachmentCount and
// PermissionsBoundaryUsageCount as GetPolicy reports them.
func (n *polNode) policyCounts(t *testing.T, arn string) (int32, int32) {
	t.Helper()
	p := polMust[*awsiam.GetPolicyOutput](t, "GetPolicy "+arn)(n.client.GetPolicy(context.Background(), &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)})).Policy
	return aws.ToInt32(p.AttachmentCount), aws.ToInt32(p.PermissionsBoundaryUsageCount)
}

func polAttachedARNs(list []iamtypes.AttachedPolicy) []string {
	var out []string
	for _, p := range list {
		out = append(out, aws.ToString(p.PolicyArn))
	}
	return out
}

func TestAttachUserPolicy(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	n.addUser(t, "alice", "/")
	custom := aws.ToString(n.createPolicy(t, "Custom", "/app/", polDocAllowing("s3:GetObject")).Arn)
	attach := func(user, arn string) error {
		_, err := n.client.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String(user), PolicyArn: aws.String(arn)})
		return err
	}
	for _, arn := range []string{custom, polAdminARN, custom} { // the second custom is a no-op
		if err := attach("ALICE", arn); err != nil { // user names compare without case
			t.Fatalf("attach %s: %v", arn, err)
		}
	}
	if a, b := n.policyCounts(t, custom); a != 1 || b != 0 {
		t.Errorf("custom counts = %d, %d", a, b)
	}
	if a, _ := n.policyCounts(t, polAdminARN); a != 1 {
		t.Errorf("AdministratorAccess attachment count = %d", a)
	}
	list := polMust[*awsiam.ListAttachedUserPoliciesOutput](t, "ListAttachedUserPolicies")(n.client.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: aws.String("alice")}))
	if got := polAttachedARNs(list.AttachedPolicies); !slices.Equal(got, []string{custom, polAdminARN}) || aws.ToString(list.AttachedPolicies[0].PolicyName) != "Custom" {
		t.Errorf("attached = %v", got)
	}
	byPath := polMust[*awsiam.ListAttachedUserPoliciesOutput](t, "by path")(n.client.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: aws.String("alice"), PathPrefix: aws.String("/app/")}))
	if got := polAttachedARNs(byPath.AttachedPolicies); !slices.Equal(got, []string{custom}) {
		t.Errorf("attached under /app/ = %v", got)
	}
	// The policy applies to the user.
	perms, err := n.dir.UserPermissions(ctx, n.account, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(perms.Identity) != 2 || perms.Identity[1].Name != polAdminARN {
		t.Errorf("alice's policies = %+v", perms.Identity)
	}

	polWantErr(t, "missing policy", attach("alice", "arn:aws:iam::"+n.account+":policy/Nope"),
		"NoSuchEntity", "Policy arn:aws:iam::"+n.account+":policy/Nope does not exist or is not attachable.")
	polWantErr(t, "other account", attach("alice", "arn:aws:iam::111122223333:policy/app/Custom"), "NoSuchEntity", "does not exist or is not attachable")
	polWantErr(t, "bad ARN", attach("alice", "arn:aws:s3:::my-bucket/policy"), "InvalidInput", "is not valid")
	polWantErr(t, "missing user", attach("bob", custom), "NoSuchEntity", "The user with name bob cannot be found.")
	polWantErr(t, "service role policy", attach("alice", "arn:aws:iam::aws:policy/aws-service-role/AmazonGuardDutyServiceRolePolicy"),
		"PolicyNotAttachable", "Cannot attach a Service Role Policy")

	// Detach.
	detach := func(arn string) error {
		_, err := n.client.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(arn)})
		return err
	}
	if err := detach(custom); err != nil {
		t.Fatal(err)
	}
	polWantErr(t, "detach twice", detach(custom), "NoSuchEntity", "Policy "+custom+" was not found.")
	if a, _ := n.policyCounts(t, custom); a != 0 {
		t.Errorf("custom attachment count after detach = %d", a)
	}
	if err := detach(polAdminARN); err != nil {
		t.Fatal(err)
	}
	if a, _ := n.policyCounts(t, polAdminARN); a != 0 {
		t.Errorf("AdministratorAccess attachment count after detach = %d", a)
	}
	list = polMust[*awsiam.ListAttachedUserPoliciesOutput](t, "ListAttachedUserPolicies")(n.client.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: aws.String("alice")}))
	if len(list.AttachedPolicies) != 0 {
		t.Errorf("attached after detaching all = %v", polAttachedARNs(list.AttachedPolicies))
	}
	_, err = n.client.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: aws.String("bob")})
	polWantErr(t, "list missing user", err, "NoSuchEntity", "The user with name bob cannot be found.")
}

func TestAttachQuotaAndPagination(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	n.addGroup(t, "devs", "/")
	var arns []string
	for i := range 11 {
		arns = append(arns, aws.ToString(n.createPolicy(t, fmt.Sprintf("P%02d", i), "", polDocAllowing("s3:GetObject")).Arn))
	}
	for _, arn := range arns[:10] {
		if _, err := n.client.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	// Re-attaching at the quota is still a no-op, not an error.
	if _, err := n.client.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String(arns[3])}); err != nil {
		t.Fatalf("re-attach at quota: %v", err)
	}
	_, err := n.client.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String(arns[10])})
	polWantErr(t, "11th", err, "LimitExceeded", "Cannot exceed quota for PoliciesPerGroup: 10")

	var got []string
	var marker *string
	pages := 0
	for {
		out, err := n.client.ListAttachedGroupPolicies(ctx, &awsiam.ListAttachedGroupPoliciesInput{GroupName: aws.String("devs"), MaxItems: aws.Int32(4), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, polAttachedARNs(out.AttachedPolicies)...)
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if pages != 3 || !slices.Equal(got, arns[:10]) {
		t.Errorf("%d pages: %v", pages, got)
	}
	_, err = n.client.ListAttachedGroupPolicies(ctx, &awsiam.ListAttachedGroupPoliciesInput{GroupName: aws.String("devs"), Marker: aws.String("!!not a marker!!")})
	polWantErr(t, "bad marker", err, "InvalidInput", "Marker")
}

func TestAttachRolePolicy(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	n.addRole(t, "app", "/svc/", false)
	n.addRole(t, "AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/", true)
	attach := func(role, arn string) error {
		_, err := n.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(arn)})
		return err
	}
	if err := attach("app", polReadOnlyARN); err != nil {
		t.Fatal(err)
	}
	list := polMust[*awsiam.ListAttachedRolePoliciesOutput](t, "ListAttachedRolePolicies")(n.client.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("app")}))
	if got := polAttachedARNs(list.AttachedPolicies); !slices.Equal(got, []string{polReadOnlyARN}) || aws.ToString(list.AttachedPolicies[0].PolicyName) != "ReadOnlyAccess" {
		t.Errorf("attached = %v", got)
	}
	polWantErr(t, "service role policy", attach("app", "arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy"),
		"PolicyNotAttachable", "Cannot attach a Service Role Policy to a Customer Role.")
	polWantErr(t, "service-linked role", attach("AWSServiceRoleForSupport", polReadOnlyARN),
		"UnmodifiableEntity", "Cannot perform the operation on the protected role 'AWSServiceRoleForSupport' - this role is only modifiable by AWS")
	_, err := n.client.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("AWSServiceRoleForSupport"), PolicyArn: aws.String(polReadOnlyARN)})
	polWantErr(t, "detach from service-linked role", err, "UnmodifiableEntity", "protected role")
	polWantErr(t, "missing role", attach("nope", polReadOnlyARN), "NoSuchEntity", "The role with name nope cannot be found.")
	if _, err := n.client.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String(polReadOnlyARN)}); err != nil {
		t.Fatal(err)
	}
	if a, _ := n.policyCounts(t, polReadOnlyARN); a != 0 {
		t.Errorf("ReadOnlyAccess count after detach = %d", a)
	}
}

func TestRolePermissionsBoundary(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	n.addRole(t, "app", "/", false)
	n.addRole(t, "AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/", true)
	custom := aws.ToString(n.createPolicy(t, "Fence", "", polDocAllowing("s3:*")).Arn)
	put := func(role, arn string) error {
		_, err := n.client.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: aws.String(role), PermissionsBoundary: aws.String(arn)})
		return err
	}
	if err := put("app", custom); err != nil {
		t.Fatal(err)
	}
	if err := put("app", custom); err != nil { // the same again changes nothing
		t.Fatal(err)
	}
	if a, b := n.policyCounts(t, custom); a != 0 || b != 1 {
		t.Errorf("custom counts = %d, %d", a, b)
	}
	perms, err := n.dir.RolePermissions(ctx, n.account, "app")
	if err != nil {
		t.Fatal(err)
	}
	if perms.Boundary == nil || perms.Boundary.Name != custom {
		t.Errorf("role boundary = %+v", perms.Boundary)
	}
	// Replacing it moves the count.
	if err := put("app", polAdminARN); err != nil {
		t.Fatal(err)
	}
	if _, b := n.policyCounts(t, custom); b != 0 {
		t.Errorf("custom boundary count after replacement = %d", b)
	}
	if _, b := n.policyCounts(t, polAdminARN); b != 1 {
		t.Errorf("AdministratorAccess boundary count = %d", b)
	}
	polWantErr(t, "missing policy", put("app", "arn:aws:iam::"+n.account+":policy/Nope"), "NoSuchEntity", "does not exist or is not attachable")
	polWantErr(t, "service-linked", put("AWSServiceRoleForSupport", custom), "UnmodifiableEntity", "protected role")
	polWantErr(t, "missing role", put("nope", custom), "NoSuchEntity", "The role with name nope cannot be found.")
	// ListEntitiesForPolicy sees it as a boundary use.
	ents := polMust[*awsiam.ListEntitiesForPolicyOutput](t, "ListEntitiesForPolicy")(n.client.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{
		PolicyArn: aws.String(polAdminARN), PolicyUsageFilter: iamtypes.PolicyUsageTypePermissionsBoundary,
	}))
	if len(ents.PolicyRoles) != 1 || aws.ToString(ents.PolicyRoles[0].RoleName) != "app" {
		t.Errorf("boundary users of AdministratorAccess = %+v", ents.PolicyRoles)
	}

	for range 2 { // deleting twice: the second finds none and succeeds
		if _, err := n.client.DeleteRolePermissionsBoundary(ctx, &awsiam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("app")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, b := n.policyCounts(t, polAdminARN); b != 0 {
		t.Errorf("AdministratorAccess boundary count after delete = %d", b)
	}
	if perms, _ := n.dir.RolePermissions(ctx, n.account, "app"); perms.Boundary != nil {
		t.Errorf("boundary after delete = %+v", perms.Boundary)
	}
	_, err = n.client.DeleteRolePermissionsBoundary(ctx, &awsiam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("AWSServiceRoleForSupport")})
	polWantErr(t, "delete on service-linked", err, "UnmodifiableEntity", "protected role")
}

func TestListPolicies(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	n.addUser(t, "alice", "/")
	n.addRole(t, "app", "/", false)
	attachedCustom := aws.ToString(n.createPolicy(t, "Attached", "/a/", polDocAllowing("s3:GetObject")).Arn)
	boundaryCustom := aws.ToString(n.createPolicy(t, "Boundary", "/b/", polDocAllowing("s3:*")).Arn)
	n.createPolicy(t, "Idle", "/a/", polDocAllowing("sqs:*"))
	for _, arn := range []string{attachedCustom, polAdminARN} {
		if _, err := n.client.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.client.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: aws.String("app"), PermissionsBoundary: aws.String(boundaryCustom)}); err != nil {
		t.Fatal(err)
	}
	names := func(in *awsiam.ListPoliciesInput) []string {
		t.Helper()
		var out []string
		p := awsiam.NewListPoliciesPaginator(n.client, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, pol := range page.Policies {
				if pol.Description != nil || pol.Tags != nil {
					t.Errorf("listed policy carries description or tags: %+v", pol)
				}
				out = append(out, aws.ToString(pol.PolicyName))
			}
		}
		return out
	}
	if got := names(&awsiam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal}); !slices.Equal(got, []string{"Attached", "Boundary", "Idle"}) {
		t.Errorf("Local = %v", got)
	}
	if got := names(&awsiam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal, PathPrefix: aws.String("/a/")}); !slices.Equal(got, []string{"Attached", "Idle"}) {
		t.Errorf("Local under /a/ = %v", got)
	}
	if got := names(&awsiam.ListPoliciesInput{OnlyAttached: true}); !slices.Equal(got, []string{"AdministratorAccess", "Attached"}) {
		t.Errorf("OnlyAttached = %v", got)
	}
	if got := names(&awsiam.ListPoliciesInput{PolicyUsageFilter: iamtypes.PolicyUsageTypePermissionsBoundary}); !slices.Equal(got, []string{"Boundary"}) {
		t.Errorf("boundaries = %v", got)
	}
	if got := names(&awsiam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws, OnlyAttached: true}); !slices.Equal(got, []string{"AdministratorAccess"}) {
		t.Errorf("AWS attached = %v", got)
	}
	// Every AWS managed policy, over pages of the default size.
	awsNames := names(&awsiam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws})
	if len(awsNames) != len(awsmanaged.Policies().All()) {
		t.Errorf("Scope=AWS listed %d policies, want %d", len(awsNames), len(awsmanaged.Policies().All()))
	}
	for _, want := range []string{"AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "IAMFullAccess", "SecurityAudit"} {
		if !slices.Contains(awsNames, want) {
			t.Errorf("Scope=AWS lacks %s", want)
		}
	}
	all := names(&awsiam.ListPoliciesInput{})
	if len(all) != len(awsNames)+3 || !slices.IsSortedFunc(all, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
		t.Errorf("Scope=All listed %d policies (sorted: %v)", len(all), slices.IsSorted(all))
	}
	// AWS managed policies show the account's counts and are attachable.
	page := polMust[*awsiam.ListPoliciesOutput](t, "ListPolicies")(n.client.ListPolicies(ctx, &awsiam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws, OnlyAttached: true}))
	if len(page.Policies) != 1 || aws.ToInt32(page.Policies[0].AttachmentCount) != 1 || !page.Policies[0].IsAttachable ||
		aws.ToString(page.Policies[0].Arn) != polAdminARN || page.Policies[0].PolicyId == nil {
		t.Errorf("attached AWS policies = %+v", page.Policies)
	}
}

func TestListEntitiesForPolicy(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	n.addUser(t, "alice", "/eng/")
	n.addUser(t, "bob", "/")
	n.addGroup(t, "devs", "/eng/", "alice")
	n.addRole(t, "app", "/eng/", false)
	arn := aws.ToString(n.createPolicy(t, "Shared", "", polDocAllowing("s3:GetObject")).Arn)
	attachErrs := []error{
		func() error {
			_, err := n.client.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(arn)})
			return err
		}(),
		func() error {
			_, err := n.client.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String(arn)})
			return err
		}(),
		func() error {
			_, err := n.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String(arn)})
			return err
		}(),
	}
	for _, err := range attachErrs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// bob uses it as his boundary.
	n.update(t, func(tx *iam.Tx) error {
		u, err := tx.User(n.account, "bob")
		if err != nil {
			return err
		}
		u.Boundary = arn
		return tx.PutUser(u)
	})
	list := func(in *awsiam.ListEntitiesForPolicyInput) string {
		t.Helper()
		in.PolicyArn = aws.String(arn)
		out := polMust[*awsiam.ListEntitiesForPolicyOutput](t, "ListEntitiesForPolicy")(n.client.ListEntitiesForPolicy(ctx, in))
		var parts []string
		for _, g := range out.PolicyGroups {
			parts = append(parts, "g:"+aws.ToString(g.GroupName))
		}
		for _, r := range out.PolicyRoles {
			parts = append(parts, "r:"+aws.ToString(r.RoleName))
		}
		for _, u := range out.PolicyUsers {
			if !strings.HasPrefix(aws.ToString(u.UserId), "AIDA") {
				t.Errorf("user id %q", aws.ToString(u.UserId))
			}
			parts = append(parts, "u:"+aws.ToString(u.UserName))
		}
		return strings.Join(parts, ",")
	}
	for _, c := range []struct {
		in   awsiam.ListEntitiesForPolicyInput
		want string
	}{
		{awsiam.ListEntitiesForPolicyInput{}, "g:devs,r:app,u:alice,u:bob"},
		{awsiam.ListEntitiesForPolicyInput{PolicyUsageFilter: iamtypes.PolicyUsageTypePermissionsPolicy}, "g:devs,r:app,u:alice"},
		{awsiam.ListEntitiesForPolicyInput{PolicyUsageFilter: iamtypes.PolicyUsageTypePermissionsBoundary}, "u:bob"},
		{awsiam.ListEntitiesForPolicyInput{EntityFilter: iamtypes.EntityTypeUser}, "u:alice,u:bob"},
		{awsiam.ListEntitiesForPolicyInput{EntityFilter: iamtypes.EntityTypeRole}, "r:app"},
		{awsiam.ListEntitiesForPolicyInput{PathPrefix: aws.String("/eng/")}, "g:devs,r:app,u:alice"},
	} {
		if got := list(&c.in); got != c.want {
			t.Errorf("ListEntitiesForPolicy(%+v) = %s, want %s", c.in, got, c.want)
		}
	}
	// Pages.
	p1 := polMust[*awsiam.ListEntitiesForPolicyOutput](t, "page 1")(n.client.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn), MaxItems: aws.Int32(3)}))
	p2 := polMust[*awsiam.ListEntitiesForPolicyOutput](t, "page 2")(n.client.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn), MaxItems: aws.Int32(3), Marker: p1.Marker}))
	if !p1.IsTruncated || len(p1.PolicyGroups)+len(p1.PolicyRoles)+len(p1.PolicyUsers) != 3 || p2.IsTruncated ||
		len(p2.PolicyUsers) != 1 || aws.ToString(p2.PolicyUsers[0].UserName) != "bob" {
		t.Errorf("pages: %+v / %+v", p1, p2)
	}
	_, err := n.client.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: aws.String("arn:aws:iam::" + n.account + ":policy/Nope")})
	polWantErr(t, "missing policy", err, "NoSuchEntity", "was not found")
}
