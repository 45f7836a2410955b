package iam_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// roleNode is an in-process node with an IAM client of the management
// account's root user, for the tests of roles, instance profiles, identity
// providers and server certificates.
type roleNode struct {
	srv     *testserver.Server
	iam     *iam.Client
	account string
}

func startRoleNode(t *testing.T) *roleNode {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	return &roleNode{srv: srv, iam: iam.NewFromConfig(srv.RootConfig()), account: srv.Root.AccountID}
}

// ec2Trust is a trust policy letting EC2 assume a role.
const ec2Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// awsTrust is a trust policy naming an AWS principal.
func awsTrust(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
}

func (n *roleNode) createRole(t *testing.T, name string) *types.Role {
	t.Helper()
	out, err := n.iam.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ec2Trust)})
	if err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
	return out.Role
}

// checkAWSError checks that err is the AWS error code and, unless message
// is "", that message.
func checkAWSError(t *testing.T, what string, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: error = %v, want %s", what, err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("%s: error code = %s (%s), want %s", what, ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if message != "" && ae.ErrorMessage() != message {
		t.Errorf("%s: %s message = %q, want %q", what, code, ae.ErrorMessage(), message)
	}
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("not JSON: %q: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("not JSON: %q: %v", b, err)
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return string(ja) == string(jb)
}

// trustOf decodes a role's trust policy, which IAM returns URL-encoded.
func trustOf(t *testing.T, r *types.Role) string {
	t.Helper()
	doc, err := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument))
	if err != nil {
		t.Fatalf("trust policy %q is not URL-encoded: %v", aws.ToString(r.AssumeRolePolicyDocument), err)
	}
	return doc
}

func TestRoleLifecycle(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	created, err := n.iam.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("Inventory"), Path: aws.String("/shop/"), AssumeRolePolicyDocument: aws.String(ec2Trust),
		Description: aws.String("Stock keeping"), MaxSessionDuration: aws.Int32(7200),
		Tags: []types.Tag{{Key: aws.String("app"), Value: aws.String("inventory")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := created.Role
	wantARN := "arn:aws:iam::" + n.account + ":role/shop/Inventory"
	if aws.ToString(r.Arn) != wantARN || aws.ToString(r.Path) != "/shop/" || aws.ToString(r.RoleName) != "Inventory" {
		t.Errorf("created role = %+v, want ARN %s", r, wantARN)
	}
	if id := aws.ToString(r.RoleId); len(id) != 21 || !strings.HasPrefix(id, "AROA") {
		t.Errorf("RoleId = %q, want AROA + 17 characters", id)
	}
	if len(r.Tags) != 1 || aws.ToString(r.Tags[0].Key) != "app" {
		t.Errorf("created role tags = %+v", r.Tags)
	}
	if !sameJSON(t, trustOf(t, r), ec2Trust) {
		t.Errorf("trust policy = %s", trustOf(t, r))
	}

	_, err = n.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("INVENTORY"), AssumeRolePolicyDocument: aws.String(ec2Trust)})
	checkAWSError(t, "CreateRole with a taken name in another case", err, "EntityAlreadyExists", "Role with name INVENTORY already exists.")

	got, err := n.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("inventory")})
	if err != nil {
		t.Fatal(err)
	}
	g := got.Role
	if aws.ToString(g.Arn) != wantARN || aws.ToString(g.Description) != "Stock keeping" || aws.ToInt32(g.MaxSessionDuration) != 7200 {
		t.Errorf("GetRole = %+v", g)
	}
	if g.RoleLastUsed == nil || g.RoleLastUsed.LastUsedDate != nil {
		t.Errorf("RoleLastUsed = %+v, want present and empty for a role never used", g.RoleLastUsed)
	}
	if len(g.Tags) != 1 || aws.ToString(g.Tags[0].Value) != "inventory" {
		t.Errorf("GetRole tags = %+v", g.Tags)
	}
	if !g.CreateDate.Equal(aws.ToTime(r.CreateDate)) {
		t.Errorf("CreateDate %v != %v", g.CreateDate, r.CreateDate)
	}

	if _, err := n.iam.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("Inventory"), MaxSessionDuration: aws.Int32(43200)}); err != nil {
		t.Fatal(err)
	}
	desc, err := n.iam.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: aws.String("Inventory"), Description: aws.String("Counts stock")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(desc.Role.Description) != "Counts stock" || aws.ToInt32(desc.Role.MaxSessionDuration) != 43200 {
		t.Errorf("UpdateRoleDescription returned %+v", desc.Role)
	}
	newTrust := awsTrust("arn:aws:iam::" + n.account + ":root")
	if _, err := n.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("Inventory"), PolicyDocument: aws.String(newTrust)}); err != nil {
		t.Fatal(err)
	}
	got, err = n.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Inventory")})
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, trustOf(t, got.Role), newTrust) || aws.ToString(got.Role.Description) != "Counts stock" {
		t.Errorf("after updates: %+v", got.Role)
	}

	if _, err := n.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("Inventory")}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Inventory")})
	checkAWSError(t, "GetRole after DeleteRole", err, "NoSuchEntity", "The role with name Inventory cannot be found.")
	_, err = n.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("Inventory")})
	checkAWSError(t, "DeleteRole twice", err, "NoSuchEntity", "The role with name Inventory cannot be found.")
	_, err = n.iam.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("Nobody"), Description: aws.String("x")})
	checkAWSError(t, "UpdateRole of a missing role", err, "NoSuchEntity", "")
	_, err = n.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("Nobody"), PolicyDocument: aws.String(ec2Trust)})
	checkAWSError(t, "UpdateAssumeRolePolicy of a missing role", err, "NoSuchEntity", "")
}

func TestCreateRoleDefaultsAndValidation(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	r := n.createRole(t, "Plain")
	if aws.ToString(r.Path) != "/" || aws.ToInt32(r.MaxSessionDuration) != 3600 || r.Description != nil {
		t.Errorf("defaults: path %q, max session %d, description %v", aws.ToString(r.Path), aws.ToInt32(r.MaxSessionDuration), r.Description)
	}
	create := func(in *iam.CreateRoleInput) error {
		if in.RoleName == nil {
			in.RoleName = aws.String("Bad")
		}
		if in.AssumeRolePolicyDocument == nil {
			in.AssumeRolePolicyDocument = aws.String(ec2Trust)
		}
		_, err := n.iam.CreateRole(ctx, in)
		return err
	}
	checkAWSError(t, "trust policy that is not JSON", create(&iam.CreateRoleInput{AssumeRolePolicyDocument: aws.String("{not json")}), "MalformedPolicyDocument", "")
	checkAWSError(t, "trust policy with a Resource", create(&iam.CreateRoleInput{AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}`)}),
		"MalformedPolicyDocument", "")
	checkAWSError(t, "trust policy without a principal", create(&iam.CreateRoleInput{AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`)}), "MalformedPolicyDocument", "")
	checkAWSError(t, "session of 100 s", create(&iam.CreateRoleInput{MaxSessionDuration: aws.Int32(100)}), "ValidationError", "")
	checkAWSError(t, "session of 13 h", create(&iam.CreateRoleInput{MaxSessionDuration: aws.Int32(46800)}), "ValidationError", "")
	checkAWSError(t, "path without slashes", create(&iam.CreateRoleInput{Path: aws.String("/a//")}), "InvalidInput", "")
	checkAWSError(t, "service-role path", create(&iam.CreateRoleInput{Path: aws.String("/aws-service-role/ec2.amazonaws.com/")}), "InvalidInput", "")
	checkAWSError(t, "missing boundary policy", create(&iam.CreateRoleInput{PermissionsBoundary: aws.String("arn:aws:iam::" + n.account + ":policy/Nope")}), "NoSuchEntity", "")
	// Nothing of the refused creations was stored.
	if _, err := n.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Bad")}); err == nil {
		t.Fatal("a refused CreateRole left a role behind")
	}
}

func TestTrustPolicyPrincipalsMustExist(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	userARN := "arn:aws:iam::" + n.account + ":user/ops/Alice"
	create := func(name, trust string) error {
		_, err := n.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
		return err
	}
	err := create("ForAlice", awsTrust(userARN))
	checkAWSError(t, "trust in a missing user", err, "MalformedPolicyDocument", `Invalid principal in policy: "AWS":"`+userARN+`"`)

	if _, err := n.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Alice"), Path: aws.String("/ops/")}); err != nil {
		t.Fatal(err)
	}
	if err := create("ForAlice", awsTrust(userARN)); err != nil {
		t.Fatalf("trust in an existing user: %v", err)
	}
	// The ARN must carry the user's path.
	err = create("ForAliceNoPath", awsTrust("arn:aws:iam::"+n.account+":user/Alice"))
	checkAWSError(t, "user ARN without the user's path", err, "MalformedPolicyDocument", "")

	// A role may trust an existing role, not itself before it exists.
	roleARN := "arn:aws:iam::" + n.account + ":role/ForAlice"
	if err := create("Chained", awsTrust(roleARN)); err != nil {
		t.Fatalf("trust in an existing role: %v", err)
	}
	err = create("Self", awsTrust("arn:aws:iam::"+n.account+":role/Self"))
	checkAWSError(t, "trust in the role being created", err, "MalformedPolicyDocument", `Invalid principal in policy: "AWS":"arn:aws:iam::`+n.account+`:role/Self"`)

	// Principals gatehouse cannot check pass: the account, its root, other
	// accounts' users.
	for i, p := range []string{n.account, "arn:aws:iam::" + n.account + ":root", "arn:aws:iam::999999999999:user/Someone"} {
		if err := create(fmt.Sprintf("Open%d", i), awsTrust(p)); err != nil {
			t.Errorf("trust in %s: %v", p, err)
		}
	}

	// UpdateAssumeRolePolicy checks the same way and leaves the policy as it was.
	_, err = n.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
		RoleName: aws.String("Chained"), PolicyDocument: aws.String(awsTrust("arn:aws:iam::" + n.account + ":role/Ghost")),
	})
	checkAWSError(t, "UpdateAssumeRolePolicy to a missing role", err, "MalformedPolicyDocument", "")
	got, err := n.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Chained")})
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, trustOf(t, got.Role), awsTrust(roleARN)) {
		t.Errorf("trust policy changed by a refused update: %s", trustOf(t, got.Role))
	}
}

func TestDeleteRoleConflicts(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	n.createRole(t, "Busy")
	role := aws.String("Busy")

	if _, err := n.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("hosts")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("hosts"), RoleName: role}); err != nil {
		t.Fatal(err)
	}
	_, err := n.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: role})
	checkAWSError(t, "DeleteRole in an instance profile", err, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
	if _, err := n.iam.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("hosts"), RoleName: role}); err != nil {
		t.Fatal(err)
	}

	if _, err := n.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: role, PolicyName: aws.String("inline"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: role})
	checkAWSError(t, "DeleteRole with an inline policy", err, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	if _, err := n.iam.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: role, PolicyName: aws.String("inline")}); err != nil {
		t.Fatal(err)
	}

	p, err := n.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Managed"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: role, PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: role})
	checkAWSError(t, "DeleteRole with an attached policy", err, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	if _, err := n.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: role, PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: role}); err != nil {
		t.Fatalf("DeleteRole once everything is gone: %v", err)
	}
}

func TestRolePermissionsBoundaryFollowsTheRole(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	p, err := n.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Limit"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	usage := func() int32 {
		t.Helper()
		out, err := n.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: p.Policy.Arn})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToInt32(out.Policy.PermissionsBoundaryUsageCount)
	}
	if _, err := n.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Bounded"), AssumeRolePolicyDocument: aws.String(ec2Trust),
		PermissionsBoundary: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	got, err := n.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Bounded")})
	if err != nil {
		t.Fatal(err)
	}
	if b := got.Role.PermissionsBoundary; b == nil || aws.ToString(b.PermissionsBoundaryArn) != aws.ToString(p.Policy.Arn) ||
		b.PermissionsBoundaryType != types.PermissionsBoundaryAttachmentTypePolicy {
		t.Errorf("PermissionsBoundary = %+v", b)
	}
	if u := usage(); u != 1 {
		t.Errorf("boundary usage after CreateRole = %d, want 1", u)
	}
	if _, err := n.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("Bounded")}); err != nil {
		t.Fatal(err)
	}
	if u := usage(); u != 0 {
		t.Errorf("boundary usage after DeleteRole = %d, want 0", u)
	}
}

func TestListRoles(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	for _, r := range []struct{ name, path string }{{"delta", "/a/"}, {"Alpha", "/a/b/"}, {"charlie", "/"}, {"Bravo", "/a/"}, {"echo", "/z/"}} {
		_, err := n.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.name), Path: aws.String(r.path),
			AssumeRolePolicyDocument: aws.String(ec2Trust), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var marker *string
	pages := 0
	for {
		out, err := n.iam.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.Roles {
			names = append(names, aws.ToString(r.RoleName))
			if r.Tags != nil || r.RoleLastUsed != nil || r.PermissionsBoundary != nil {
				t.Errorf("ListRoles returned tags, last use or boundary for %s", aws.ToString(r.RoleName))
			}
			if r.AssumeRolePolicyDocument == nil || r.MaxSessionDuration == nil {
				t.Errorf("ListRoles left out the trust policy or session duration of %s", aws.ToString(r.RoleName))
			}
		}
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if got := strings.Join(names, ","); got != "Alpha,Bravo,charlie,delta,echo" || pages != 3 {
		t.Errorf("ListRoles = %s in %d pages, want all five by name in 3", got, pages)
	}
	out, err := n.iam.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/a/")})
	if err != nil {
		t.Fatal(err)
	}
	names = nil
	for _, r := range out.Roles {
		names = append(names, aws.ToString(r.RoleName))
	}
	if got := strings.Join(names, ","); got != "Alpha,Bravo,delta" {
		t.Errorf("ListRoles under /a/ = %s", got)
	}
}

func TestRoleTags(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	n.createRole(t, "Tagged")
	role := aws.String("Tagged")
	tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	if _, err := n.iam.TagRole(ctx, &iam.TagRoleInput{RoleName: role, Tags: []types.Tag{tag("a", "1"), tag("b", "2"), tag("c", "3")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.TagRole(ctx, &iam.TagRoleInput{RoleName: role, Tags: []types.Tag{tag("A", "one")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.UntagRole(ctx, &iam.UntagRoleInput{RoleName: role, TagKeys: []string{"b", "missing"}}); err != nil {
		t.Fatal(err)
	}
	first, err := n.iam.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: role, MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	second, err := n.iam.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: role, Marker: first.Marker})
	if err != nil {
		t.Fatal(err)
	}
	all := append(first.Tags, second.Tags...)
	if !first.IsTruncated || second.IsTruncated || len(all) != 2 ||
		aws.ToString(all[0].Key) != "A" || aws.ToString(all[0].Value) != "one" || aws.ToString(all[1].Key) != "c" {
		t.Errorf("ListRoleTags pages = %+v / %+v", first, second)
	}
	_, err = n.iam.TagRole(ctx, &iam.TagRoleInput{RoleName: role, Tags: []types.Tag{tag("x", "1"), tag("X", "2")}})
	checkAWSError(t, "TagRole with duplicate keys", err, "InvalidInput", "")
	many := make([]types.Tag, 49)
	for i := range many {
		many[i] = tag(fmt.Sprintf("k%d", i), "v")
	}
	_, err = n.iam.TagRole(ctx, &iam.TagRoleInput{RoleName: role, Tags: many})
	checkAWSError(t, "TagRole past 50 tags", err, "LimitExceeded", "Cannot exceed quota for TagsPerEntity: 50")
	_, err = n.iam.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("Nobody")})
	checkAWSError(t, "ListRoleTags of a missing role", err, "NoSuchEntity", "The role with name Nobody cannot be found.")
	_, err = n.iam.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("Nobody"), Tags: []types.Tag{tag("a", "b")}})
	checkAWSError(t, "TagRole of a missing role", err, "NoSuchEntity", "")
}

func TestServiceLinkedRoles(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	out, err := n.iam.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{
		AWSServiceName: aws.String("elasticloadbalancing.amazonaws.com"), Description: aws.String("for the ALB"),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	wantARN := "arn:aws:iam::" + n.account + ":role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing"
	if aws.ToString(r.Arn) != wantARN || aws.ToString(r.Description) != "for the ALB" {
		t.Errorf("service-linked role = %+v, want %s", r, wantARN)
	}
	if !sameJSON(t, trustOf(t, r), `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"elasticloadbalancing.amazonaws.com"},"Action":"sts:AssumeRole"}]}`) {
		t.Errorf("trust policy = %s", trustOf(t, r))
	}
	name := aws.String("AWSServiceRoleForElasticLoadBalancing")
	if _, err := n.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: name}); err != nil {
		t.Fatalf("GetRole of the service-linked role: %v", err)
	}

	_, err = n.iam.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("elasticloadbalancing.amazonaws.com")})
	checkAWSError(t, "second service-linked role", err, "InvalidInput",
		"Service role name AWSServiceRoleForElasticLoadBalancing has been taken in this account, please try a different suffix.")
	_, err = n.iam.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("nosuch.amazonaws.com")})
	checkAWSError(t, "unknown service", err, "InvalidInput", "Service name nosuch.amazonaws.com is not valid.")
	_, err = n.iam.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{
		AWSServiceName: aws.String("elasticloadbalancing.amazonaws.com"), CustomSuffix: aws.String("two")})
	checkAWSError(t, "suffix for a service without suffixes", err, "InvalidInput", "")
	suffixed, err := n.iam.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{
		AWSServiceName: aws.String("autoscaling.amazonaws.com"), CustomSuffix: aws.String("fleet")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(suffixed.Role.RoleName) != "AWSServiceRoleForAutoScaling_fleet" ||
		aws.ToString(suffixed.Role.Path) != "/aws-service-role/autoscaling.amazonaws.com/" {
		t.Errorf("suffixed role = %s at %s", aws.ToString(suffixed.Role.RoleName), aws.ToString(suffixed.Role.Path))
	}

	// IAM's ordinary operations may not change or delete it...
	protected := "Cannot perform the operation on the protected role 'AWSServiceRoleForElasticLoadBalancing' - this role is only modifiable by AWS"
	_, err = n.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name})
	checkAWSError(t, "DeleteRole of a service-linked role", err, "UnmodifiableEntity", protected)
	_, err = n.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: name, PolicyDocument: aws.String(ec2Trust)})
	checkAWSError(t, "UpdateAssumeRolePolicy of a service-linked role", err, "UnmodifiableEntity", protected)
	_, err = n.iam.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: name, MaxSessionDuration: aws.Int32(7200)})
	checkAWSError(t, "UpdateRole session duration of a service-linked role", err, "UnmodifiableEntity", protected)
	if _, err := n.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("p"), RoleName: name})
	checkAWSError(t, "AddRoleToInstanceProfile of a service-linked role", err, "UnmodifiableEntity", protected)
	// ...but its description may change.
	if _, err := n.iam.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: name, Description: aws.String("ALB")}); err != nil {
		t.Fatalf("UpdateRoleDescription of a service-linked role: %v", err)
	}

	n.createRole(t, "Ordinary")
	_, err = n.iam.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("Ordinary")})
	checkAWSError(t, "DeleteServiceLinkedRole of an ordinary role", err, "InvalidInput", "")
	_, err = n.iam.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("Nobody")})
	checkAWSError(t, "DeleteServiceLinkedRole of a missing role", err, "NoSuchEntity", "The role with name Nobody cannot be found.")

	del, err := n.iam.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: name})
	if err != nil {
		t.Fatal(err)
	}
	task := aws.ToString(del.DeletionTaskId)
	if !strings.HasPrefix(task, "task/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing/") {
		t.Errorf("DeletionTaskId = %q", task)
	}
	status, err := n.iam.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String(task)})
	if err != nil {
		t.Fatal(err)
	}
	if status.Status != types.DeletionTaskStatusTypeSucceeded {
		t.Errorf("deletion status = %s", status.Status)
	}
	_, err = n.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: name})
	checkAWSError(t, "GetRole after DeleteServiceLinkedRole", err, "NoSuchEntity", "")
	_, err = n.iam.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String(task + "x")})
	checkAWSError(t, "status of an unknown task", err, "NoSuchEntity", "")
	// The role may be created again once deleted.
	if _, err := n.iam.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("elasticloadbalancing.amazonaws.com")}); err != nil {
		t.Fatalf("recreating the service-linked role: %v", err)
	}
}
