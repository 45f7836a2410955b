package organizations_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	orgsdk "github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

func TestTagsOnOrganizationsResources(t *testing.T) {
	srv, client, _ := famTestOrg(t)
	ctx := context.Background()
	member, memberRoot := famTestMember(t, srv, "member")
	roots, err := client.ListRoots(ctx, &orgsdk.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	rootID := aws.ToString(roots.Roots[0].Id)
	tag := func(id string, tags ...orgtypes.Tag) error {
		_, err := client.TagResource(ctx, &orgsdk.TagResourceInput{ResourceId: aws.String(id), Tags: tags})
		return err
	}
	list := func(id string) map[string]string {
		t.Helper()
		out, err := client.ListTagsForResource(ctx, &orgsdk.ListTagsForResourceInput{ResourceId: aws.String(id)})
		if err != nil {
			t.Fatalf("ListTagsForResource(%s): %v", id, err)
		}
		m := map[string]string{}
		for _, tg := range out.Tags {
			m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		return m
	}
	kv := func(k, v string) orgtypes.Tag { return orgtypes.Tag{Key: aws.String(k), Value: aws.String(v)} }
	for _, id := range []string{rootID, member} {
		if err := tag(id, kv("env", "prod"), kv("team", "a")); err != nil {
			t.Fatalf("TagResource(%s): %v", id, err)
		}
		if err := tag(id, kv("team", "b")); err != nil {
			t.Fatal(err)
		}
		if got := list(id); len(got) != 2 || got["env"] != "prod" || got["team"] != "b" {
			t.Errorf("tags of %s = %v", id, got)
		}
		if _, err := client.UntagResource(ctx, &orgsdk.UntagResourceInput{ResourceId: aws.String(id), TagKeys: []string{"env", "absent"}}); err != nil {
			t.Fatal(err)
		}
		if got := list(id); len(got) != 1 || got["team"] != "b" {
			t.Errorf("tags of %s after untag = %v", id, got)
		}
	}
	famTestErr(t, "reserved prefix", tag(member, kv("aws:owner", "x")), "InvalidInputException", "INVALID_SYSTEM_TAGS_PARAMETER")
	famTestErr(t, "unknown account", tag("123456789012", kv("a", "b")), "TargetNotFoundException", "")
	famTestErr(t, "unknown OU", tag("ou-abcd-12345678", kv("a", "b")), "TargetNotFoundException", "")
	famTestErr(t, "unknown policy", tag("p-12345678", kv("a", "b")), "TargetNotFoundException", "")
	famTestErr(t, "AWS managed policy", tag("p-FullAWSAccess", kv("a", "b")), "TargetNotFoundException", "")
	many := make([]orgtypes.Tag, 0, 50)
	for i := 0; i < 50; i++ {
		many = append(many, kv("k"+strconv.Itoa(i), "v"))
	}
	famTestErr(t, "51 tags", tag(member, many...), "ConstraintViolationException", "MAX_TAG_LIMIT_EXCEEDED")
	if err := tag(member, many[:49]...); err != nil {
		t.Errorf("50 tags: %v", err)
	}
	_, err = orgsdk.NewFromConfig(memberRoot).TagResource(ctx, &orgsdk.TagResourceInput{ResourceId: aws.String(member), Tags: []orgtypes.Tag{kv("a", "b")}})
	famTestErr(t, "a member tagging", err, "AccessDeniedException", "")
}
