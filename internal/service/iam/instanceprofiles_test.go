package iam_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func profileNames(list []types.InstanceProfile) string {
	var names []string
	for _, p := range list {
		names = append(names, aws.ToString(p.InstanceProfileName))
	}
	return strings.Join(names, ",")
}

func TestInstanceProfileLifecycle(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	created, err := n.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{
		InstanceProfileName: aws.String("web-hosts"), Path: aws.String("/web/"),
		Tags: []types.Tag{{Key: aws.String("tier"), Value: aws.String("front")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := created.InstanceProfile
	wantARN := "arn:aws:iam::" + n.account + ":instance-profile/web/web-hosts"
	if aws.ToString(p.Arn) != wantARN || len(p.Roles) != 0 || len(p.Tags) != 1 {
		t.Errorf("created profile = %+v, want %s with no role and one tag", p, wantARN)
	}
	if id := aws.ToString(p.InstanceProfileId); len(id) != 21 || !strings.HasPrefix(id, "AIPA") {
		t.Errorf("InstanceProfileId = %q", id)
	}
	_, err = n.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("Web-Hosts")})
	checkAWSError(t, "CreateInstanceProfile with a taken name", err, "EntityAlreadyExists", "Instance Profile Web-Hosts already exists.")

	n.createRole(t, "Web")
	n.createRole(t, "Batch")
	profile := aws.String("web-hosts")
	_, err = n.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: profile, RoleName: aws.String("Nobody")})
	checkAWSError(t, "AddRoleToInstanceProfile of a missing role", err, "NoSuchEntity", "The role with name Nobody cannot be found.")
	_, err = n.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("nope"), RoleName: aws.String("Web")})
	checkAWSError(t, "AddRoleToInstanceProfile to a missing profile", err, "NoSuchEntity", "Instance Profile nope cannot be found.")
	if _, err := n.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: profile, RoleName: aws.String("Web")}); err != nil {
		t.Fatal(err)
	}
	quota := "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
	_, err = n.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: profile, RoleName: aws.String("Batch")})
	checkAWSError(t, "second role", err, "LimitExceeded", quota)
	_, err = n.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: profile, RoleName: aws.String("Web")})
	checkAWSError(t, "same role again", err, "LimitExceeded", quota)

	got, err := n.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: profile})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.InstanceProfile.Roles) != 1 || aws.ToString(got.InstanceProfile.Roles[0].RoleName) != "Web" ||
		got.InstanceProfile.Roles[0].AssumeRolePolicyDocument == nil || len(got.InstanceProfile.Tags) != 1 {
		t.Errorf("GetInstanceProfile = %+v", got.InstanceProfile)
	}
	forRole, err := n.iam.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("Web")})
	if err != nil {
		t.Fatal(err)
	}
	if profileNames(forRole.InstanceProfiles) != "web-hosts" {
		t.Errorf("ListInstanceProfilesForRole(Web) = %s", profileNames(forRole.InstanceProfiles))
	}
	forRole, err = n.iam.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("Batch")})
	if err != nil || len(forRole.InstanceProfiles) != 0 {
		t.Errorf("ListInstanceProfilesForRole(Batch) = %+v, %v", forRole, err)
	}
	_, err = n.iam.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("Nobody")})
	checkAWSError(t, "ListInstanceProfilesForRole of a missing role", err, "NoSuchEntity", "")

	_, err = n.iam.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: profile})
	checkAWSError(t, "DeleteInstanceProfile with a role", err, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")

	_, err = n.iam.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: profile, RoleName: aws.String("Batch")})
	checkAWSError(t, "RemoveRoleFromInstanceProfile of a role not in it", err, "NoSuchEntity", "")
	if _, err := n.iam.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: profile, RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	forRole, err = n.iam.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("Web")})
	if err != nil || len(forRole.InstanceProfiles) != 0 {
		t.Errorf("after removal ListInstanceProfilesForRole(Web) = %+v, %v", forRole, err)
	}
	// The role records no profile any more, so it can be deleted.
	if _, err := n.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("Web")}); err != nil {
		t.Fatalf("DeleteRole after removal from its profile: %v", err)
	}
	if _, err := n.iam.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: profile}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: profile})
	checkAWSError(t, "GetInstanceProfile after delete", err, "NoSuchEntity", "Instance Profile web-hosts cannot be found.")
	_, err = n.iam.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: profile})
	checkAWSError(t, "DeleteInstanceProfile twice", err, "NoSuchEntity", "")
}

func TestListInstanceProfiles(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	n.createRole(t, "Shared")
	for _, p := range []struct{ name, path string }{{"c", "/x/"}, {"A", "/x/y/"}, {"b", "/"}, {"D", "/x/"}} {
		_, err := n.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(p.name), Path: aws.String(p.path),
			Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("D"), RoleName: aws.String("Shared")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("A"), RoleName: aws.String("Shared")}); err != nil {
		t.Fatal(err)
	}
	var all []types.InstanceProfile
	var marker *string
	for {
		out, err := n.iam.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{MaxItems: aws.Int32(3), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, out.InstanceProfiles...)
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if got := profileNames(all); got != "A,b,c,D" {
		t.Errorf("ListInstanceProfiles = %s", got)
	}
	for _, p := range all {
		if p.Tags != nil {
			t.Errorf("ListInstanceProfiles returned the tags of %s", aws.ToString(p.InstanceProfileName))
		}
		if name := aws.ToString(p.InstanceProfileName); (name == "A" || name == "D") != (len(p.Roles) == 1) {
			t.Errorf("profile %s lists roles %+v", name, p.Roles)
		}
	}
	out, err := n.iam.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{PathPrefix: aws.String("/x/")})
	if err != nil {
		t.Fatal(err)
	}
	if got := profileNames(out.InstanceProfiles); got != "A,c,D" {
		t.Errorf("ListInstanceProfiles under /x/ = %s", got)
	}
	first, err := n.iam.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("Shared"), MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	rest, err := n.iam.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("Shared"), Marker: first.Marker})
	if err != nil {
		t.Fatal(err)
	}
	if !first.IsTruncated || profileNames(first.InstanceProfiles) != "A" || profileNames(rest.InstanceProfiles) != "D" {
		t.Errorf("ListInstanceProfilesForRole pages = %s / %s", profileNames(first.InstanceProfiles), profileNames(rest.InstanceProfiles))
	}
}

func TestInstanceProfileTags(t *testing.T) {
	n := startRoleNode(t)
	ctx := context.Background()
	if _, err := n.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	name := aws.String("p")
	if _, err := n.iam.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: name,
		Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.UntagInstanceProfile(ctx, &iam.UntagInstanceProfileInput{InstanceProfileName: name, TagKeys: []string{"A"}}); err != nil {
		t.Fatal(err)
	}
	out, err := n.iam.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: name})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "b" || out.IsTruncated {
		t.Errorf("ListInstanceProfileTags = %+v", out.Tags)
	}
	_, err = n.iam.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: aws.String("q"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}}})
	checkAWSError(t, "TagInstanceProfile of a missing profile", err, "NoSuchEntity", "Instance Profile q cannot be found.")
	_, err = n.iam.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("q")})
	checkAWSError(t, "ListInstanceProfileTags of a missing profile", err, "NoSuchEntity", "")
}
