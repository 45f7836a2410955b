package iam_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// identityNode is an in-process node with an IAM client signed by the
// management account's root user, for the tests of users, groups, access
// keys, passwords and account settings.
type identityNode struct {
	srv     *testserver.Server
	iam     *iam.Client
	account string
}

func startIdentityNode(t *testing.T) *identityNode {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	return &identityNode{srv: srv, iam: iam.NewFromConfig(srv.RootConfig()), account: srv.Root.AccountID}
}

// createUser creates a user (failing the test on error).
func (n *identityNode) createUser(t *testing.T, name string) *types.User {
	t.Helper()
	out, err := n.iam.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateUser %s: %v", name, err)
	}
	return out.User
}

// userKey creates an access key for a user as root and returns it.
func (n *identityNode) userKey(t *testing.T, user string) *types.AccessKey {
	t.Helper()
	out, err := n.iam.CreateAccessKey(context.Background(), &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatalf("CreateAccessKey %s: %v", user, err)
	}
	return out.AccessKey
}

// userConfig returns a configuration signed by an access key.
func (n *identityNode) userConfig(k *types.AccessKey) aws.Config {
	return n.srv.Config(aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey), "")
}

// allowIAM gives a user a customer managed policy allowing every IAM
// action, so that it may call IAM as itself under an enforcing authorizer.
func (n *identityNode) allowIAM(t *testing.T, user string) {
	t.Helper()
	ctx := context.Background()
	name := "iam-all-" + user
	p, err := n.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName:     aws.String(name),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`),
	})
	if err != nil {
		t.Fatalf("CreatePolicy: %v", err)
	}
	if _, err := n.iam.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(user), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatalf("AttachUserPolicy: %v", err)
	}
}

// expectError checks that err is the AWS error code with the message
// (message "" checks the code only).
func expectError(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code = %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if message != "" && ae.ErrorMessage() != message {
		t.Errorf("%s message = %q, want %q", code, ae.ErrorMessage(), message)
	}
}

func TestUserLifecycle(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	created, err := n.iam.CreateUser(ctx, &iam.CreateUserInput{
		UserName: aws.String("Alice"), Path: aws.String("/engineering/"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	u := created.User
	wantARN := "arn:aws:iam::" + n.account + ":user/engineering/Alice"
	if aws.ToString(u.Arn) != wantARN || aws.ToString(u.Path) != "/engineering/" || aws.ToString(u.UserName) != "Alice" {
		t.Errorf("created user = %+v, want ARN %s", u, wantARN)
	}
	if id := aws.ToString(u.UserId); len(id) != 21 || id[:4] != "AIDA" {
		t.Errorf("UserId = %q, want AIDA + 17 characters", id)
	}
	if u.CreateDate == nil || len(u.Tags) != 1 {
		t.Errorf("CreateDate %v, tags %v", u.CreateDate, u.Tags)
	}

	// IAM names are unique without regard to case.
	_, err = n.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	expectError(t, err, "EntityAlreadyExists", "User with name alice already exists.")

	got, err := n.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ALICE")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.User.UserId) != aws.ToString(u.UserId) || aws.ToString(got.User.Tags[0].Value) != "blue" {
		t.Errorf("GetUser = %+v", got.User)
	}
	_, err = n.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
	expectError(t, err, "NoSuchEntity", "The user with name nobody cannot be found.")

	// Rename and move: the old name is gone, the id stays.
	if _, err := n.iam.UpdateUser(ctx, &iam.UpdateUserInput{
		UserName: aws.String("Alice"), NewUserName: aws.String("Alicia"), NewPath: aws.String("/ops/"),
	}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("Alice")})
	expectError(t, err, "NoSuchEntity", "The user with name Alice cannot be found.")
	got, err = n.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("Alicia")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.User.UserId) != aws.ToString(u.UserId) || aws.ToString(got.User.Arn) != "arn:aws:iam::"+n.account+":user/ops/Alicia" {
		t.Errorf("renamed user = %s %s", aws.ToString(got.User.UserId), aws.ToString(got.User.Arn))
	}
	n.createUser(t, "bob")
	_, err = n.iam.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("Alicia"), NewUserName: aws.String("Bob")})
	expectError(t, err, "EntityAlreadyExists", "User with name Bob already exists.")
	_, err = n.iam.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("ghost"), NewUserName: aws.String("spirit")})
	expectError(t, err, "NoSuchEntity", "The user with name ghost cannot be found.")

	if _, err := n.iam.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("Alicia")}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("Alicia")})
	expectError(t, err, "NoSuchEntity", "The user with name Alicia cannot be found.")
}

func TestCreateUserRefusesABadPath(t *testing.T) {
	n := startIdentityNode(t)
	_, err := n.iam.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("x"), Path: aws.String("/a//b/")})
	expectError(t, err, "InvalidInput", "")
	_, err = n.iam.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("x"), Path: aws.String("nopath")})
	expectError(t, err, "ValidationError", "")
}

func TestListUsersPagesAndFiltersByPath(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	for i := range 5 {
		path := "/a/"
		if i%2 == 1 {
			path = "/b/"
		}
		if _, err := n.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("user%d", i)), Path: aws.String(path)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var marker *string
	pages := 0
	for {
		out, err := n.iam.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.UserName))
			if u.Tags != nil {
				t.Errorf("ListUsers shows tags of %s", aws.ToString(u.UserName))
			}
		}
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if want := []string{"user0", "user1", "user2", "user3", "user4"}; !slices.Equal(names, want) || pages != 3 {
		t.Errorf("ListUsers pages = %d, users = %v, want 3 pages of %v", pages, names, want)
	}
	out, err := n.iam.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("/b/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Users) != 2 || aws.ToString(out.Users[0].UserName) != "user1" || aws.ToString(out.Users[1].UserName) != "user3" {
		t.Errorf("ListUsers /b/ = %v", out.Users)
	}
	_, err = n.iam.ListUsers(ctx, &iam.ListUsersInput{Marker: aws.String("not a marker!")})
	expectError(t, err, "InvalidInput", "")
}

func TestUserTags(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "tagged")
	tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	if _, err := n.iam.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("tagged"), Tags: []types.Tag{tag("a", "1"), tag("b", "2"), tag("c", "3")}}); err != nil {
		t.Fatal(err)
	}
	// A key already present (compared without case) takes the new value.
	if _, err := n.iam.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("tagged"), Tags: []types.Tag{tag("A", "10")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String("tagged"), TagKeys: []string{"b", "missing"}}); err != nil {
		t.Fatal(err)
	}
	first, err := n.iam.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("tagged"), MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Tags) != 1 || !first.IsTruncated || aws.ToString(first.Tags[0].Key) != "A" || aws.ToString(first.Tags[0].Value) != "10" {
		t.Fatalf("first page = %+v truncated %v", first.Tags, first.IsTruncated)
	}
	rest, err := n.iam.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("tagged"), Marker: first.Marker})
	if err != nil {
		t.Fatal(err)
	}
	if len(rest.Tags) != 1 || rest.IsTruncated || aws.ToString(rest.Tags[0].Key) != "c" {
		t.Errorf("second page = %+v", rest.Tags)
	}
	_, err = n.iam.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("nobody"), Tags: []types.Tag{tag("a", "1")}})
	expectError(t, err, "NoSuchEntity", "The user with name nobody cannot be found.")
	_, err = n.iam.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("nobody")})
	expectError(t, err, "NoSuchEntity", "The user with name nobody cannot be found.")
}

func TestGetUserWithoutNameAnswersForTheCaller(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	root, err := n.iam.GetUser(ctx, &iam.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(root.User.UserId) != n.account || aws.ToString(root.User.Arn) != "arn:aws:iam::"+n.account+":root" ||
		root.User.UserName != nil || root.User.Path != nil || root.User.CreateDate == nil {
		t.Errorf("root GetUser = %+v", root.User)
	}

	n.createUser(t, "carol")
	n.allowIAM(t, "carol")
	carol := iam.NewFromConfig(n.userConfig(n.userKey(t, "carol")))
	self, err := carol.GetUser(ctx, &iam.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(self.User.UserName) != "carol" || aws.ToString(self.User.Arn) != "arn:aws:iam::"+n.account+":user/carol" {
		t.Errorf("GetUser as carol = %+v", self.User)
	}
}

// TestRenamedUserKeepsAuthenticating checks that a user's access key
// follows a rename and a path change: the credential cache is dropped, so
// the key authenticates as the user's new ARN at once.
func TestRenamedUserKeepsAuthenticating(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "dave")
	key := n.userKey(t, "dave")
	stsClient := sts.NewFromConfig(n.userConfig(key))
	id, err := stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:iam::" + n.account + ":user/dave"; aws.ToString(id.Arn) != want {
		t.Fatalf("caller = %s, want %s", aws.ToString(id.Arn), want)
	}
	if _, err := n.iam.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("dave"), NewUserName: aws.String("david"), NewPath: aws.String("/staff/")}); err != nil {
		t.Fatal(err)
	}
	id, err = stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:iam::" + n.account + ":user/staff/david"; aws.ToString(id.Arn) != want {
		t.Errorf("caller after rename = %s, want %s", aws.ToString(id.Arn), want)
	}
	keys, err := n.iam.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("david")})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.AccessKeyMetadata) != 1 || aws.ToString(keys.AccessKeyMetadata[0].UserName) != "david" {
		t.Errorf("keys after rename = %+v", keys.AccessKeyMetadata)
	}
}

func TestDeleteUserConflicts(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "erin")
	del := func() error {
		_, err := n.iam.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("erin")})
		return err
	}

	key := n.userKey(t, "erin")
	expectError(t, del(), "DeleteConflict", "Cannot delete entity, must delete access keys first.")
	if _, err := n.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("erin"), AccessKeyId: key.AccessKeyId}); err != nil {
		t.Fatal(err)
	}

	if _, err := n.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("erin"), Password: aws.String("Corr3ct-Horse")}); err != nil {
		t.Fatal(err)
	}
	expectError(t, del(), "DeleteConflict", "Cannot delete entity, must delete login profile first.")
	if _, err := n.iam.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("erin")}); err != nil {
		t.Fatal(err)
	}

	if _, err := n.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("staff")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("staff"), UserName: aws.String("erin")}); err != nil {
		t.Fatal(err)
	}
	expectError(t, del(), "DeleteConflict", "Cannot delete entity, must remove users from group first.")
	if _, err := n.iam.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("staff"), UserName: aws.String("erin")}); err != nil {
		t.Fatal(err)
	}

	p, err := n.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName:     aws.String("readonly"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("erin"), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	expectError(t, del(), "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	if _, err := n.iam.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("erin"), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}

	if err := del(); err != nil {
		t.Fatalf("DeleteUser with nothing attached: %v", err)
	}
}

func TestUserPermissionsBoundary(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	p, err := n.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName:     aws.String("boundary"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(p.Policy.Arn)
	boundaryCount := func() int32 {
		t.Helper()
		out, err := n.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToInt32(out.Policy.PermissionsBoundaryUsageCount)
	}

	created, err := n.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bounded"), PermissionsBoundary: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if b := created.User.PermissionsBoundary; b == nil || aws.ToString(b.PermissionsBoundaryArn) != arn || b.PermissionsBoundaryType != types.PermissionsBoundaryAttachmentTypePolicy {
		t.Errorf("boundary = %+v", b)
	}
	if c := boundaryCount(); c != 1 {
		t.Errorf("PermissionsBoundaryUsageCount = %d, want 1", c)
	}

	missing := "arn:aws:iam::" + n.account + ":policy/missing"
	_, err = n.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nobound"), PermissionsBoundary: aws.String(missing)})
	expectError(t, err, "NoSuchEntity", "Scope ARN: "+missing+" does not exist or is not attachable.")
	if _, err := n.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobound")}); err == nil {
		t.Error("a user was created with a boundary that does not exist")
	}

	n.createUser(t, "later")
	if _, err := n.iam.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("later"), PermissionsBoundary: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if c := boundaryCount(); c != 2 {
		t.Errorf("PermissionsBoundaryUsageCount = %d, want 2", c)
	}
	got, err := n.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("later")})
	if err != nil {
		t.Fatal(err)
	}
	if got.User.PermissionsBoundary == nil || aws.ToString(got.User.PermissionsBoundary.PermissionsBoundaryArn) != arn {
		t.Errorf("GetUser boundary = %+v", got.User.PermissionsBoundary)
	}
	_, err = n.iam.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("later"), PermissionsBoundary: aws.String(missing)})
	expectError(t, err, "NoSuchEntity", "Scope ARN: "+missing+" does not exist or is not attachable.")
	if _, err := n.iam.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("later")}); err != nil {
		t.Fatal(err)
	}
	got, err = n.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("later")})
	if err != nil {
		t.Fatal(err)
	}
	if got.User.PermissionsBoundary != nil {
		t.Errorf("boundary after delete = %+v", got.User.PermissionsBoundary)
	}
	// Deleting the first user releases its boundary too.
	if _, err := n.iam.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bounded")}); err != nil {
		t.Fatal(err)
	}
	if c := boundaryCount(); c != 0 {
		t.Errorf("PermissionsBoundaryUsageCount = %d, want 0", c)
	}
	_, err = n.iam.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("nobody")})
	expectError(t, err, "NoSuchEntity", "The user with name nobody cannot be found.")
}
