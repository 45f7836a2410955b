package kms_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestAliasesLifecycle(t *testing.T) {
	srv, client := kmNode(t)
	ctx := context.Background()
	account := srv.Root.AccountID
	a := kmCreate(t, client, nil)
	b := kmCreate(t, client, nil)
	signer := kmCreate(t, client, &awskms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify})

	if _, err := client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/app/orders"), TargetKeyId: a.Arn}); err != nil {
		t.Fatal(err)
	}
	_, err := client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/app/orders"), TargetKeyId: b.KeyId})
	kmWantError(t, err, "AlreadyExistsException", "arn:aws:kms:us-east-1:"+account+":alias/app/orders")
	for name, code := range map[string]string{
		"orders":          "ValidationException",
		"alias/bad:colon": "ValidationException",
		"alias/aws/s3":    "NotAuthorizedException",
		"alias/":          "InvalidAliasNameException",
	} {
		_, err := client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String(name), TargetKeyId: a.KeyId})
		kmWantError(t, err, code, "")
	}
	_, err = client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/x"), TargetKeyId: aws.String("alias/app/orders")})
	kmWantError(t, err, "NotFoundException", "")
	_, err = client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/x"), TargetKeyId: aws.String("11111111-2222-4333-8444-555555555555")})
	kmWantError(t, err, "NotFoundException", "does not exist")

	// The alias names the key for DescribeKey and cryptography, by name
	// and by ARN.
	for _, ref := range []string{"alias/app/orders", "arn:aws:kms:us-east-1:" + account + ":alias/app/orders"} {
		if got := kmDescribe(t, client, ref); *got.KeyId != *a.KeyId {
			t.Errorf("DescribeKey %s = %s, want %s", ref, *got.KeyId, *a.KeyId)
		}
	}
	_, err = client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/missing")})
	kmWantError(t, err, "NotFoundException", "alias/missing")

	list, err := client.ListAliases(ctx, &awskms.ListAliasesInput{})
	if err != nil || len(list.Aliases) != 1 {
		t.Fatalf("ListAliases = %+v, %v", list, err)
	}
	e := list.Aliases[0]
	if *e.AliasName != "alias/app/orders" || *e.TargetKeyId != *a.KeyId || *e.AliasArn != "arn:aws:kms:us-east-1:"+account+":alias/app/orders" ||
		e.CreationDate == nil || e.LastUpdatedDate == nil {
		t.Errorf("alias entry %+v", e)
	}

	// UpdateAlias moves it to a key of the same type and usage only.
	_, err = client.UpdateAlias(ctx, &awskms.UpdateAliasInput{AliasName: aws.String("alias/app/orders"), TargetKeyId: signer.KeyId})
	kmWantError(t, err, "ValidationException", "same type")
	if _, err := client.UpdateAlias(ctx, &awskms.UpdateAliasInput{AliasName: aws.String("alias/app/orders"), TargetKeyId: b.KeyId}); err != nil {
		t.Fatal(err)
	}
	if got := kmDescribe(t, client, "alias/app/orders"); *got.KeyId != *b.KeyId {
		t.Errorf("after UpdateAlias the alias names %s", *got.KeyId)
	}
	_, err = client.UpdateAlias(ctx, &awskms.UpdateAliasInput{AliasName: aws.String("alias/none"), TargetKeyId: b.KeyId})
	kmWantError(t, err, "NotFoundException", "alias/none")

	// The KeyId filter.
	if _, err := client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/signer"), TargetKeyId: signer.KeyId}); err != nil {
		t.Fatal(err)
	}
	list, err = client.ListAliases(ctx, &awskms.ListAliasesInput{KeyId: signer.Arn})
	if err != nil || len(list.Aliases) != 1 || *list.Aliases[0].AliasName != "alias/signer" {
		t.Fatalf("ListAliases for the signer = %+v, %v", list, err)
	}
	list, err = client.ListAliases(ctx, &awskms.ListAliasesInput{KeyId: a.KeyId})
	if err != nil || len(list.Aliases) != 0 {
		t.Fatalf("ListAliases for key a = %+v, %v", list, err)
	}

	if _, err := client.DeleteAlias(ctx, &awskms.DeleteAliasInput{AliasName: aws.String("alias/app/orders")}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DeleteAlias(ctx, &awskms.DeleteAliasInput{AliasName: aws.String("alias/app/orders")})
	kmWantError(t, err, "NotFoundException", "alias/app/orders")
	_, err = client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/app/orders")})
	kmWantError(t, err, "NotFoundException", "")

	// Aliases are regional.
	west, err := kmRegionClient(srv, "us-west-2").ListAliases(ctx, &awskms.ListAliasesInput{})
	if err != nil || len(west.Aliases) != 0 {
		t.Fatalf("ListAliases in us-west-2 = %+v, %v", west, err)
	}
}

func TestAliasesPaging(t *testing.T) {
	_, client := kmNode(t)
	ctx := context.Background()
	k := kmCreate(t, client, nil)
	for i := range 5 {
		if _, err := client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String(fmt.Sprintf("alias/a%d", i)), TargetKeyId: k.KeyId}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var marker *string
	for {
		out, err := client.ListAliases(ctx, &awskms.ListAliasesInput{Limit: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.Aliases {
			names = append(names, *a.AliasName)
		}
		if !out.Truncated {
			break
		}
		marker = out.NextMarker
	}
	if got := strings.Join(names, ","); got != "alias/a0,alias/a1,alias/a2,alias/a3,alias/a4" {
		t.Fatalf("paged aliases = %s", got)
	}
}

func TestTagsOnKeys(t *testing.T) {
	_, client := kmNode(t)
	ctx := context.Background()
	k := kmCreate(t, client, &awskms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("pay")}}})
	tag := func(key, value string) types.Tag {
		return types.Tag{TagKey: aws.String(key), TagValue: aws.String(value)}
	}

	if _, err := client.TagResource(ctx, &awskms.TagResourceInput{KeyId: k.KeyId, Tags: []types.Tag{tag("env", "prod"), tag("team", "billing")}}); err != nil {
		t.Fatal(err)
	}
	out, err := client.ListResourceTags(ctx, &awskms.ListResourceTagsInput{KeyId: k.Arn})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, t := range out.Tags {
		got = append(got, *t.TagKey+"="+*t.TagValue)
	}
	if strings.Join(got, ",") != "env=prod,team=billing" || out.Truncated {
		t.Fatalf("tags = %v (truncated %v)", got, out.Truncated)
	}

	_, err = client.TagResource(ctx, &awskms.TagResourceInput{KeyId: k.KeyId, Tags: []types.Tag{tag("AWS:cost", "x")}})
	kmWantError(t, err, "TagException", "aws:")
	_, err = client.UntagResource(ctx, &awskms.UntagResourceInput{KeyId: k.KeyId, TagKeys: []string{"aws:cost"}})
	kmWantError(t, err, "TagException", "")
	many := make([]types.Tag, 0, 49)
	for i := range 49 {
		many = append(many, tag(fmt.Sprintf("k%02d", i), "v"))
	}
	_, err = client.TagResource(ctx, &awskms.TagResourceInput{KeyId: k.KeyId, Tags: many})
	kmWantError(t, err, "LimitExceededException", "50")

	page, err := client.ListResourceTags(ctx, &awskms.ListResourceTagsInput{KeyId: k.KeyId, Limit: aws.Int32(1)})
	if err != nil || len(page.Tags) != 1 || !page.Truncated || *page.Tags[0].TagKey != "env" {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	page, err = client.ListResourceTags(ctx, &awskms.ListResourceTagsInput{KeyId: k.KeyId, Limit: aws.Int32(1), Marker: page.NextMarker})
	if err != nil || len(page.Tags) != 1 || page.Truncated || *page.Tags[0].TagKey != "team" {
		t.Fatalf("second page = %+v, %v", page, err)
	}

	if _, err := client.UntagResource(ctx, &awskms.UntagResourceInput{KeyId: k.KeyId, TagKeys: []string{"team", "absent"}}); err != nil {
		t.Fatal(err)
	}
	out, err = client.ListResourceTags(ctx, &awskms.ListResourceTagsInput{KeyId: k.KeyId})
	if err != nil || len(out.Tags) != 1 || *out.Tags[0].TagKey != "env" {
		t.Fatalf("tags after untag = %+v, %v", out, err)
	}
}
