package iam_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

var (
	accessKeyIDPattern = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
	secretKeyPattern   = regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
)

// callerARN calls STS GetCallerIdentity with a key and returns the ARN, or
// the error. Authentication failures are not retried.
func callerARN(n *identityNode, k *types.AccessKey) (string, error) {
	cfg := n.userConfig(k)
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Arn), nil
}

// TestUserAccessKeyAuthenticates checks the life of a user's key as
// authentication sees it: a new key authenticates as the user, an inactive
// key is refused, an active one again accepted, and a deleted key refused.
func TestUserAccessKeyAuthenticates(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "grace")
	key := n.userKey(t, "grace")
	if !accessKeyIDPattern.MatchString(aws.ToString(key.AccessKeyId)) || !secretKeyPattern.MatchString(aws.ToString(key.SecretAccessKey)) {
		t.Errorf("key pair %s / %d-character secret is not shaped like AWS's", aws.ToString(key.AccessKeyId), len(aws.ToString(key.SecretAccessKey)))
	}
	if key.Status != types.StatusTypeActive || aws.ToString(key.UserName) != "grace" || key.CreateDate == nil {
		t.Errorf("created key = %+v", key)
	}
	want := "arn:aws:iam::" + n.account + ":user/grace"
	if arn, err := callerARN(n, key); err != nil || arn != want {
		t.Fatalf("GetCallerIdentity with the new key = %q, %v; want %s", arn, err, want)
	}

	setStatus := func(s types.StatusType) {
		t.Helper()
		if _, err := n.iam.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("grace"), AccessKeyId: key.AccessKeyId, Status: s}); err != nil {
			t.Fatal(err)
		}
	}
	setStatus(types.StatusTypeInactive)
	_, err := callerARN(n, key)
	expectError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
	list, err := n.iam.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("grace")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.AccessKeyMetadata) != 1 || list.AccessKeyMetadata[0].Status != types.StatusTypeInactive {
		t.Errorf("ListAccessKeys = %+v", list.AccessKeyMetadata)
	}
	setStatus(types.StatusTypeActive)
	if arn, err := callerARN(n, key); err != nil || arn != want {
		t.Fatalf("GetCallerIdentity after reactivation = %q, %v", arn, err)
	}

	if _, err := n.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("grace"), AccessKeyId: key.AccessKeyId}); err != nil {
		t.Fatal(err)
	}
	_, err = callerARN(n, key)
	expectError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
	_, err = n.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("grace"), AccessKeyId: key.AccessKeyId})
	expectError(t, err, "NoSuchEntity", "The Access Key with id "+aws.ToString(key.AccessKeyId)+" cannot be found")
}

func TestAccessKeyQuotaAndOwnership(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "heidi")
	n.createUser(t, "ivan")
	k1 := n.userKey(t, "heidi")
	k2 := n.userKey(t, "heidi")
	_, err := n.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("heidi")})
	expectError(t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	// Inactive keys count towards the quota too.
	if _, err := n.iam.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("heidi"), AccessKeyId: k1.AccessKeyId, Status: types.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("heidi")})
	expectError(t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")

	list, err := n.iam.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("heidi"), MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.AccessKeyMetadata) != 1 || !list.IsTruncated || aws.ToString(list.AccessKeyMetadata[0].AccessKeyId) != aws.ToString(k1.AccessKeyId) {
		t.Fatalf("first page = %+v", list.AccessKeyMetadata)
	}
	list, err = n.iam.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("heidi"), Marker: list.Marker})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.AccessKeyMetadata) != 1 || list.IsTruncated || aws.ToString(list.AccessKeyMetadata[0].AccessKeyId) != aws.ToString(k2.AccessKeyId) {
		t.Errorf("second page = %+v", list.AccessKeyMetadata)
	}

	// Another user's key, or an unknown one, cannot be found for this user.
	msg := "The Access Key with id " + aws.ToString(k1.AccessKeyId) + " cannot be found"
	_, err = n.iam.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ivan"), AccessKeyId: k1.AccessKeyId, Status: types.StatusTypeActive})
	expectError(t, err, "NoSuchEntity", msg)
	_, err = n.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("ivan"), AccessKeyId: k1.AccessKeyId})
	expectError(t, err, "NoSuchEntity", msg)
	// Without a UserName, root acts on its own keys.
	_, err = n.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: k1.AccessKeyId})
	expectError(t, err, "NoSuchEntity", msg)
	_, err = n.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ghost")})
	expectError(t, err, "NoSuchEntity", "The user with name ghost cannot be found.")
	_, err = n.iam.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ghost")})
	expectError(t, err, "NoSuchEntity", "The user with name ghost cannot be found.")
}

func TestRootAccessKeys(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	list, err := n.iam.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.AccessKeyMetadata) != 1 || aws.ToString(list.AccessKeyMetadata[0].AccessKeyId) != n.srv.Root.AccessKeyID {
		t.Fatalf("root keys = %+v, want the bootstrap key", list.AccessKeyMetadata)
	}
	created, err := n.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if arn, err := callerARN(n, created.AccessKey); err != nil || arn != "arn:aws:iam::"+n.account+":root" {
		t.Errorf("new root key authenticates as %q, %v", arn, err)
	}
	_, err = n.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	expectError(t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	if _, err := n.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: created.AccessKey.AccessKeyId}); err != nil {
		t.Fatal(err)
	}
	_, err = callerARN(n, created.AccessKey)
	expectError(t, err, "InvalidClientTokenId", "")
}

func TestAccessKeysOfTheCallingUser(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "judy")
	n.allowIAM(t, "judy")
	judy := iam.NewFromConfig(n.userConfig(n.userKey(t, "judy")))
	created, err := judy.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.AccessKey.UserName) != "judy" {
		t.Errorf("key created without UserName belongs to %q", aws.ToString(created.AccessKey.UserName))
	}
	list, err := judy.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.AccessKeyMetadata) != 2 {
		t.Errorf("judy's keys = %+v", list.AccessKeyMetadata)
	}
}

func TestGetAccessKeyLastUsed(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "kate")
	key := n.userKey(t, "kate")
	out, err := n.iam.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: key.AccessKeyId})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.UserName) != "kate" || out.AccessKeyLastUsed == nil ||
		aws.ToString(out.AccessKeyLastUsed.ServiceName) != "N/A" || aws.ToString(out.AccessKeyLastUsed.Region) != "N/A" ||
		out.AccessKeyLastUsed.LastUsedDate != nil {
		t.Errorf("unused key: %+v %+v", out, out.AccessKeyLastUsed)
	}
	_, err = n.iam.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String("AKIAAAAAAAAAAAAAAAAA")})
	expectError(t, err, "NoSuchEntity", "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found")
}
