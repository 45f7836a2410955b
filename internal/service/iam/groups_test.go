package iam_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func groupNames(groups []types.Group) []string {
	var out []string
	for _, g := range groups {
		out = append(out, aws.ToString(g.GroupName))
	}
	return out
}

func userNames(users []types.User) []string {
	var out []string
	for _, u := range users {
		out = append(out, aws.ToString(u.UserName))
	}
	return out
}

func TestGroupLifecycle(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	created, err := n.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("Admins"), Path: aws.String("/it/")})
	if err != nil {
		t.Fatal(err)
	}
	g := created.Group
	if aws.ToString(g.Arn) != "arn:aws:iam::"+n.account+":group/it/Admins" || aws.ToString(g.GroupId)[:4] != "AGPA" {
		t.Errorf("created group = %+v", g)
	}
	_, err = n.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("admins")})
	expectError(t, err, "EntityAlreadyExists", "Group with name admins already exists.")
	_, err = n.iam.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("nobody")})
	expectError(t, err, "NoSuchEntity", "The group with name nobody cannot be found.")

	for _, name := range []string{"zed", "amy", "kim"} {
		n.createUser(t, name)
		if _, err := n.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("admins"), UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	// Adding a member again is not an error.
	if _, err := n.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("Admins"), UserName: aws.String("KIM")}); err != nil {
		t.Fatalf("AddUserToGroup of a member: %v", err)
	}
	_, err = n.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("Admins"), UserName: aws.String("ghost")})
	expectError(t, err, "NoSuchEntity", "The user with name ghost cannot be found.")
	_, err = n.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("ghosts"), UserName: aws.String("kim")})
	expectError(t, err, "NoSuchEntity", "The group with name ghosts cannot be found.")

	first, err := n.iam.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("Admins"), MaxItems: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	rest, err := n.iam.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("Admins"), Marker: first.Marker})
	if err != nil {
		t.Fatal(err)
	}
	if got := append(userNames(first.Users), userNames(rest.Users)...); !first.IsTruncated || rest.IsTruncated || !slices.Equal(got, []string{"amy", "kim", "zed"}) {
		t.Errorf("GetGroup pages = %v (truncated %v, %v)", got, first.IsTruncated, rest.IsTruncated)
	}
	if aws.ToString(first.Group.GroupName) != "Admins" {
		t.Errorf("GetGroup group = %+v", first.Group)
	}

	// A rename follows into the members' group lists.
	if _, err := n.iam.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: aws.String("Admins"), NewGroupName: aws.String("Operators"), NewPath: aws.String("/ops/")}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("Admins")})
	expectError(t, err, "NoSuchEntity", "The group with name Admins cannot be found.")
	forKim, err := n.iam.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("kim")})
	if err != nil {
		t.Fatal(err)
	}
	if len(forKim.Groups) != 1 || aws.ToString(forKim.Groups[0].GroupName) != "Operators" ||
		aws.ToString(forKim.Groups[0].Arn) != "arn:aws:iam::"+n.account+":group/ops/Operators" {
		t.Errorf("ListGroupsForUser after rename = %+v", forKim.Groups)
	}
	if _, err := n.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("taken")}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: aws.String("Operators"), NewGroupName: aws.String("TAKEN")})
	expectError(t, err, "EntityAlreadyExists", "Group with name TAKEN already exists.")

	expectError(t, deleteGroup(n, "Operators"), "DeleteConflict", "Cannot delete entity, must remove users from group first.")
	for _, name := range []string{"zed", "amy", "kim"} {
		if _, err := n.iam.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("operators"), UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = n.iam.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("Operators"), UserName: aws.String("kim")})
	expectError(t, err, "NoSuchEntity", "The user with name kim cannot be found.")
	forKim, err = n.iam.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("kim")})
	if err != nil {
		t.Fatal(err)
	}
	if len(forKim.Groups) != 0 {
		t.Errorf("groups of kim after removal = %v", groupNames(forKim.Groups))
	}

	p, err := n.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName:     aws.String("ops"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("Operators"), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	expectError(t, deleteGroup(n, "Operators"), "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	if _, err := n.iam.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String("Operators"), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if err := deleteGroup(n, "Operators"); err != nil {
		t.Fatal(err)
	}
	expectError(t, deleteGroup(n, "Operators"), "NoSuchEntity", "The group with name Operators cannot be found.")
}

func deleteGroup(n *identityNode, name string) error {
	_, err := n.iam.DeleteGroup(context.Background(), &iam.DeleteGroupInput{GroupName: aws.String(name)})
	return err
}

func TestListGroupsAndTheGroupsPerUserQuota(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "joiner")
	for i := range 11 {
		path := "/even/"
		if i%2 == 1 {
			path = "/odd/"
		}
		name := fmt.Sprintf("g%02d", i)
		if _, err := n.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(name), Path: aws.String(path)}); err != nil {
			t.Fatal(err)
		}
		_, err := n.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String(name), UserName: aws.String("joiner")})
		if i < 10 && err != nil {
			t.Fatal(err)
		}
		if i == 10 {
			expectError(t, err, "LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10")
		}
	}
	odd, err := n.iam.ListGroups(ctx, &iam.ListGroupsInput{PathPrefix: aws.String("/odd/")})
	if err != nil {
		t.Fatal(err)
	}
	if got := groupNames(odd.Groups); !slices.Equal(got, []string{"g01", "g03", "g05", "g07", "g09"}) {
		t.Errorf("ListGroups /odd/ = %v", got)
	}
	page1, err := n.iam.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("joiner"), MaxItems: aws.Int32(6)})
	if err != nil {
		t.Fatal(err)
	}
	page2, err := n.iam.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("joiner"), Marker: page1.Marker})
	if err != nil {
		t.Fatal(err)
	}
	got := append(groupNames(page1.Groups), groupNames(page2.Groups)...)
	if len(got) != 10 || got[0] != "g00" || got[9] != "g09" || !page1.IsTruncated || page2.IsTruncated {
		t.Errorf("ListGroupsForUser = %v", got)
	}
	_, err = n.iam.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("ghost")})
	expectError(t, err, "NoSuchEntity", "The user with name ghost cannot be found.")
}

// TestRenamedUserStaysAGroupMember checks that UpdateUser renames the user
// in its groups' member lists.
func TestRenamedUserStaysAGroupMember(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "frank")
	if _, err := n.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("frank")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("frank"), NewUserName: aws.String("francis")}); err != nil {
		t.Fatal(err)
	}
	out, err := n.iam.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("devs")})
	if err != nil {
		t.Fatal(err)
	}
	if got := userNames(out.Users); !slices.Equal(got, []string{"francis"}) {
		t.Errorf("members after rename = %v", got)
	}
	if _, err := n.iam.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("devs"), UserName: aws.String("francis")}); err != nil {
		t.Fatalf("RemoveUserFromGroup under the new name: %v", err)
	}
}
