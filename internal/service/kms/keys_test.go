package kms_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// kmNode starts a node and returns it with a KMS client of its
// management account's root user in us-east-1.
func kmNode(t *testing.T) (*testserver.Server, *awskms.Client) {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	return srv, awskms.NewFromConfig(srv.RootConfig())
}

// kmRegionClient returns a root KMS client for another Region.
func kmRegionClient(srv *testserver.Server, region string) *awskms.Client {
	cfg := srv.RootConfig()
	cfg.Region = region
	return awskms.NewFromConfig(cfg)
}

// kmWantError fails unless err is the AWS error code, and (when given)
// its message contains fragment.
func kmWantError(t *testing.T, err error, code, fragment string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	if fragment != "" && !strings.Contains(ae.ErrorMessage(), fragment) {
		t.Fatalf("%s message %q does not contain %q", code, ae.ErrorMessage(), fragment)
	}
}

// kmCreate creates a key and fails the test on error.
func kmCreate(t *testing.T, client *awskms.Client, in *awskms.CreateKeyInput) *types.KeyMetadata {
	t.Helper()
	if in == nil {
		in = &awskms.CreateKeyInput{}
	}
	out, err := client.CreateKey(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return out.KeyMetadata
}

func kmDescribe(t *testing.T, client *awskms.Client, keyID string) *types.KeyMetadata {
	t.Helper()
	out, err := client.DescribeKey(context.Background(), &awskms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		t.Fatalf("DescribeKey %s: %v", keyID, err)
	}
	return out.KeyMetadata
}

var kmUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestKeysCreateAndDescribeEveryKind(t *testing.T) {
	srv, client := kmNode(t)
	ctx := context.Background()
	account := srv.Root.AccountID

	md := kmCreate(t, client, &awskms.CreateKeyInput{Description: aws.String("orders")})
	if !kmUUID.MatchString(*md.KeyId) {
		t.Errorf("key id %q is not a UUID", *md.KeyId)
	}
	if want := "arn:aws:kms:us-east-1:" + account + ":key/" + *md.KeyId; *md.Arn != want {
		t.Errorf("Arn = %s, want %s", *md.Arn, want)
	}
	if md.KeyState != types.KeyStateEnabled || !md.Enabled || md.KeySpec != types.KeySpecSymmetricDefault ||
		md.KeyUsage != types.KeyUsageTypeEncryptDecrypt || md.Origin != types.OriginTypeAwsKms ||
		md.KeyManager != types.KeyManagerTypeCustomer || *md.AWSAccountId != account || *md.Description != "orders" {
		t.Errorf("unexpected metadata %+v", md)
	}
	if len(md.EncryptionAlgorithms) != 1 || md.EncryptionAlgorithms[0] != types.EncryptionAlgorithmSpecSymmetricDefault {
		t.Errorf("EncryptionAlgorithms = %v", md.EncryptionAlgorithms)
	}
	if md.CurrentKeyMaterialId == nil || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(*md.CurrentKeyMaterialId) {
		t.Errorf("CurrentKeyMaterialId = %v", md.CurrentKeyMaterialId)
	}
	if got := kmDescribe(t, client, *md.Arn); *got.KeyId != *md.KeyId || *got.CurrentKeyMaterialId != *md.CurrentKeyMaterialId {
		t.Errorf("DescribeKey by ARN = %+v", got)
	}

	rsa := kmCreate(t, client, &awskms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify})
	if len(rsa.SigningAlgorithms) != 6 || len(rsa.EncryptionAlgorithms) != 0 {
		t.Errorf("RSA sign key algorithms: %v / %v", rsa.SigningAlgorithms, rsa.EncryptionAlgorithms)
	}
	hmac := kmCreate(t, client, &awskms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac})
	if len(hmac.MacAlgorithms) != 1 || hmac.MacAlgorithms[0] != types.MacAlgorithmSpecHmacSha256 {
		t.Errorf("HMAC MacAlgorithms = %v", hmac.MacAlgorithms)
	}
	ecdh := kmCreate(t, client, &awskms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeKeyAgreement})
	if len(ecdh.KeyAgreementAlgorithms) != 1 || ecdh.KeyAgreementAlgorithms[0] != types.KeyAgreementAlgorithmSpecEcdh {
		t.Errorf("KeyAgreementAlgorithms = %v", ecdh.KeyAgreementAlgorithms)
	}

	ext := kmCreate(t, client, &awskms.CreateKeyInput{Origin: types.OriginTypeExternal})
	if ext.KeyState != types.KeyStatePendingImport || ext.Enabled || ext.CurrentKeyMaterialId != nil || ext.Origin != types.OriginTypeExternal {
		t.Errorf("EXTERNAL key: %+v", ext)
	}

	mrk := kmCreate(t, client, &awskms.CreateKeyInput{MultiRegion: aws.Bool(true)})
	if !regexp.MustCompile(`^mrk-[0-9a-f]{32}$`).MatchString(*mrk.KeyId) || !*mrk.MultiRegion {
		t.Errorf("multi-Region key id %q", *mrk.KeyId)
	}
	if c := mrk.MultiRegionConfiguration; c == nil || c.MultiRegionKeyType != types.MultiRegionKeyTypePrimary ||
		*c.PrimaryKey.Region != "us-east-1" || len(c.ReplicaKeys) != 0 {
		t.Errorf("MultiRegionConfiguration = %+v", c)
	}

	_, err := client.CreateKey(ctx, &awskms.CreateKeyInput{KeySpec: types.KeySpecHmac256})
	kmWantError(t, err, "ValidationException", "HMAC_256")
	_, err = client.CreateKey(ctx, &awskms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeEncryptDecrypt})
	kmWantError(t, err, "ValidationException", "")
	_, err = client.CreateKey(ctx, &awskms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, CustomerMasterKeySpec: types.CustomerMasterKeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify})
	kmWantError(t, err, "ValidationException", "CustomerMasterKeySpec")
	_, err = client.CreateKey(ctx, &awskms.CreateKeyInput{Origin: types.OriginTypeAwsCloudhsm, CustomKeyStoreId: aws.String("cks-1234567890abcdef0")})
	kmWantError(t, err, "CustomKeyStoreNotFoundException", "cks-1234567890abcdef0")
	_, err = client.CreateKey(ctx, &awskms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("aws:owner"), TagValue: aws.String("x")}}})
	kmWantError(t, err, "TagException", "aws:")

	_, err = client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("11111111-2222-4333-8444-555555555555")})
	kmWantError(t, err, "NotFoundException", "does not exist")
	_, err = client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")})
	kmWantError(t, err, "NotFoundException", "alias/aws/s3")
}

func TestKeysPolicies(t *testing.T) {
	srv, client := kmNode(t)
	ctx := context.Background()
	account := srv.Root.AccountID
	md := kmCreate(t, client, nil)

	got, err := client.GetKeyPolicy(ctx, &awskms.GetKeyPolicyInput{KeyId: md.KeyId})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(*got.Policy, "Enable IAM User Permissions") || !strings.Contains(*got.Policy, "arn:aws:iam::"+account+":root") || *got.PolicyName != "default" {
		t.Errorf("default policy = %s", *got.Policy)
	}
	names, err := client.ListKeyPolicies(ctx, &awskms.ListKeyPoliciesInput{KeyId: md.KeyId})
	if err != nil || len(names.PolicyNames) != 1 || names.PolicyNames[0] != "default" {
		t.Fatalf("ListKeyPolicies = %v, %v", names, err)
	}
	_, err = client.GetKeyPolicy(ctx, &awskms.GetKeyPolicyInput{KeyId: md.KeyId, PolicyName: aws.String("other")})
	kmWantError(t, err, "NotFoundException", "")

	_, err = client.PutKeyPolicy(ctx, &awskms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`)})
	kmWantError(t, err, "MalformedPolicyDocumentException", "")
	_, err = client.PutKeyPolicy(ctx, &awskms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String(`{not json`)})
	kmWantError(t, err, "MalformedPolicyDocumentException", "")

	// A policy that lets only another account manage the key locks the
	// caller out: refused unless the check is bypassed.
	lockout := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
	_, err = client.PutKeyPolicy(ctx, &awskms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String(lockout)})
	kmWantError(t, err, "MalformedPolicyDocumentException", "will not allow you to update the key policy in the future")
	_, err = client.CreateKey(ctx, &awskms.CreateKeyInput{Policy: aws.String(lockout)})
	kmWantError(t, err, "MalformedPolicyDocumentException", "will not allow you to update the key policy in the future")
	// Denying PutKeyPolicy to everyone locks out too.
	denied := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"kms:PutKeyPolicy","Resource":"*"}]}`
	_, err = client.PutKeyPolicy(ctx, &awskms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String(denied)})
	kmWantError(t, err, "MalformedPolicyDocumentException", "will not allow")

	own := `{"Version":"2012-10-17","Statement":[{"Sid":"Admins","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":["kms:PutKeyPolicy","kms:GetKeyPolicy","kms:Describe*"],"Resource":"*"}]}`
	if _, err := client.PutKeyPolicy(ctx, &awskms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String(own)}); err != nil {
		t.Fatalf("PutKeyPolicy: %v", err)
	}
	got, err = client.GetKeyPolicy(ctx, &awskms.GetKeyPolicyInput{KeyId: md.KeyId})
	if err != nil || *got.Policy != own {
		t.Fatalf("GetKeyPolicy after put = %v, %v", got, err)
	}

	other := kmCreate(t, client, nil)
	if _, err := client.PutKeyPolicy(ctx, &awskms.PutKeyPolicyInput{KeyId: other.KeyId, Policy: aws.String(lockout), BypassPolicyLockoutSafetyCheck: true}); err != nil {
		t.Fatalf("PutKeyPolicy with bypass: %v", err)
	}

	big := `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("a", 33*1024) + `","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"}]}`
	_, err = client.CreateKey(ctx, &awskms.CreateKeyInput{Policy: aws.String(big)})
	kmWantError(t, err, "LimitExceededException", "")
}

func TestKeysListPaging(t *testing.T) {
	srv, client := kmNode(t)
	ctx := context.Background()
	want := map[string]bool{}
	for range 5 {
		want[*kmCreate(t, client, nil).KeyId] = true
	}
	seen := map[string]bool{}
	var marker *string
	pages := 0
	for {
		out, err := client.ListKeys(ctx, &awskms.ListKeysInput{Limit: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.Keys) > 2 {
			t.Fatalf("page of %d keys with Limit 2", len(out.Keys))
		}
		for _, k := range out.Keys {
			if seen[*k.KeyId] {
				t.Fatalf("key %s listed twice", *k.KeyId)
			}
			seen[*k.KeyId] = true
			if !strings.HasSuffix(*k.KeyArn, ":key/"+*k.KeyId) {
				t.Errorf("KeyArn %s", *k.KeyArn)
			}
		}
		if !out.Truncated {
			break
		}
		marker = out.NextMarker
	}
	if pages != 3 || len(seen) != len(want) {
		t.Fatalf("%d pages, %d keys; want 3 pages, %d keys", pages, len(seen), len(want))
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("key %s not listed", id)
		}
	}
	_, err := client.ListKeys(ctx, &awskms.ListKeysInput{Marker: aws.String("!!not a marker!!")})
	kmWantError(t, err, "InvalidMarkerException", "")
	// Keys are regional.
	west, err := kmRegionClient(srv, "us-west-2").ListKeys(ctx, &awskms.ListKeysInput{})
	if err != nil || len(west.Keys) != 0 {
		t.Fatalf("ListKeys in us-west-2 = %+v, %v", west, err)
	}
}

func TestKeysEnableDisableDescription(t *testing.T) {
	_, client := kmNode(t)
	ctx := context.Background()
	md := kmCreate(t, client, nil)

	if _, err := client.DisableKey(ctx, &awskms.DisableKeyInput{KeyId: md.KeyId}); err != nil {
		t.Fatal(err)
	}
	if got := kmDescribe(t, client, *md.KeyId); got.KeyState != types.KeyStateDisabled || got.Enabled {
		t.Fatalf("after DisableKey: %s %v", got.KeyState, got.Enabled)
	}
	_, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("secret")})
	kmWantError(t, err, "DisabledException", *md.Arn+" is disabled.")
	// Management still works on a disabled key.
	if _, err := client.UpdateKeyDescription(ctx, &awskms.UpdateKeyDescriptionInput{KeyId: md.KeyId, Description: aws.String("new words")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.EnableKey(ctx, &awskms.EnableKeyInput{KeyId: md.Arn}); err != nil {
		t.Fatal(err)
	}
	got := kmDescribe(t, client, *md.KeyId)
	if got.KeyState != types.KeyStateEnabled || !got.Enabled || *got.Description != "new words" {
		t.Fatalf("after EnableKey: %+v", got)
	}
	if _, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("secret")}); err != nil {
		t.Fatalf("Encrypt with the re-enabled key: %v", err)
	}
	// Key management takes key ids and ARNs, not aliases.
	if _, err := client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/mgmt"), TargetKeyId: md.KeyId}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DisableKey(ctx, &awskms.DisableKeyInput{KeyId: aws.String("alias/mgmt")})
	kmWantError(t, err, "NotFoundException", "")
	_, err = client.EnableKey(ctx, &awskms.EnableKeyInput{KeyId: aws.String("11111111-2222-4333-8444-555555555555")})
	kmWantError(t, err, "NotFoundException", "does not exist")
}

func TestKeysScheduleAndCancelDeletion(t *testing.T) {
	_, client := kmNode(t)
	ctx := context.Background()
	md := kmCreate(t, client, nil)
	if _, err := client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/doomed"), TargetKeyId: md.KeyId}); err != nil {
		t.Fatal(err)
	}

	_, err := client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(6)})
	kmWantError(t, err, "ValidationException", "pendingWindowInDays")
	_, err = client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(31)})
	kmWantError(t, err, "ValidationException", "pendingWindowInDays")
	_, err = client.CancelKeyDeletion(ctx, &awskms.CancelKeyDeletionInput{KeyId: md.KeyId})
	kmWantError(t, err, "KMSInvalidStateException", "is not pending deletion")

	before := time.Now()
	out, err := client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: md.KeyId})
	if err != nil {
		t.Fatal(err)
	}
	if *out.KeyId != *md.Arn || out.KeyState != types.KeyStatePendingDeletion || *out.PendingWindowInDays != 30 {
		t.Fatalf("ScheduleKeyDeletion = %+v", out)
	}
	if d := out.DeletionDate.Sub(before); d < 30*24*time.Hour-time.Minute || d > 30*24*time.Hour+time.Minute {
		t.Errorf("DeletionDate %v is not 30 days away", out.DeletionDate)
	}
	got := kmDescribe(t, client, *md.KeyId)
	if got.KeyState != types.KeyStatePendingDeletion || got.DeletionDate == nil || *got.PendingDeletionWindowInDays != 30 || got.Enabled {
		t.Fatalf("DescribeKey pending deletion: %+v", got)
	}
	_, err = client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: md.KeyId})
	kmWantError(t, err, "KMSInvalidStateException", "is pending deletion")

	// A key pending deletion refuses everything but DescribeKey,
	// CancelKeyDeletion and the reads AWS's key state table allows.
	pending := *md.Arn + " is pending deletion."
	refusals := map[string]error{}
	_, refusals["Encrypt"] = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")})
	_, refusals["Encrypt via alias"] = client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String("alias/doomed"), Plaintext: []byte("x")})
	_, refusals["GenerateDataKey"] = client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: md.KeyId, NumberOfBytes: aws.Int32(32)})
	_, refusals["EnableKey"] = client.EnableKey(ctx, &awskms.EnableKeyInput{KeyId: md.KeyId})
	_, refusals["DisableKey"] = client.DisableKey(ctx, &awskms.DisableKeyInput{KeyId: md.KeyId})
	_, refusals["UpdateKeyDescription"] = client.UpdateKeyDescription(ctx, &awskms.UpdateKeyDescriptionInput{KeyId: md.KeyId, Description: aws.String("x")})
	_, refusals["TagResource"] = client.TagResource(ctx, &awskms.TagResourceInput{KeyId: md.KeyId, Tags: []types.Tag{{TagKey: aws.String("k"), TagValue: aws.String("v")}}})
	_, refusals["UntagResource"] = client.UntagResource(ctx, &awskms.UntagResourceInput{KeyId: md.KeyId, TagKeys: []string{"k"}})
	_, refusals["CreateAlias"] = client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/another"), TargetKeyId: md.KeyId})
	_, refusals["EnableKeyRotation"] = client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: md.KeyId})
	_, refusals["RotateKeyOnDemand"] = client.RotateKeyOnDemand(ctx, &awskms.RotateKeyOnDemandInput{KeyId: md.KeyId})
	for op, err := range refusals {
		t.Run(op, func(t *testing.T) { kmWantError(t, err, "KMSInvalidStateException", pending) })
	}
	if _, err := client.GetKeyPolicy(ctx, &awskms.GetKeyPolicyInput{KeyId: md.KeyId}); err != nil {
		t.Errorf("GetKeyPolicy of a key pending deletion: %v", err)
	}
	if _, err := client.ListResourceTags(ctx, &awskms.ListResourceTagsInput{KeyId: md.KeyId}); err != nil {
		t.Errorf("ListResourceTags of a key pending deletion: %v", err)
	}

	cancel, err := client.CancelKeyDeletion(ctx, &awskms.CancelKeyDeletionInput{KeyId: md.KeyId})
	if err != nil || *cancel.KeyId != *md.Arn {
		t.Fatalf("CancelKeyDeletion = %v, %v", cancel, err)
	}
	got = kmDescribe(t, client, *md.KeyId)
	if got.KeyState != types.KeyStateDisabled || got.DeletionDate != nil || got.PendingDeletionWindowInDays != nil {
		t.Fatalf("after CancelKeyDeletion: %+v", got)
	}
}

func TestKeysDueDeletionRemovesKeyAliasesAndGrants(t *testing.T) {
	srv, client := kmNode(t)
	ctx := context.Background()
	keep := kmCreate(t, client, nil)
	md := kmCreate(t, client, nil)
	if _, err := client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/gone"), TargetKeyId: md.KeyId}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	store := srv.App.KMS()
	if n, err := store.DeleteDueKeys(ctx, time.Now().Add(6*24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("DeleteDueKeys before the date = %d, %v", n, err)
	}
	kmDescribe(t, client, *md.KeyId)
	if n, err := store.DeleteDueKeys(ctx, time.Now().Add(7*24*time.Hour+time.Minute)); err != nil || n != 1 {
		t.Fatalf("DeleteDueKeys after the date = %d, %v", n, err)
	}
	_, err := client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: md.KeyId})
	kmWantError(t, err, "NotFoundException", "does not exist")
	_, err = client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/gone")})
	kmWantError(t, err, "NotFoundException", "")
	aliases, err := client.ListAliases(ctx, &awskms.ListAliasesInput{})
	if err != nil || len(aliases.Aliases) != 0 {
		t.Fatalf("aliases after deletion: %+v, %v", aliases, err)
	}
	kmDescribe(t, client, *keep.KeyId)
}

func TestKeysDeletionIsLazyWhenDue(t *testing.T) {
	srv, client := kmNode(t)
	ctx := context.Background()
	md := kmCreate(t, client, nil)
	if _, err := client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	store := srv.App.KMS()
	if _, err := store.LiveKey(ctx, *md.AWSAccountId, "us-east-1", *md.KeyId, time.Now()); err != nil {
		t.Fatalf("LiveKey before the deletion date: %v", err)
	}
	if _, err := store.LiveKey(ctx, *md.AWSAccountId, "us-east-1", *md.KeyId, time.Now().Add(8*24*time.Hour)); err == nil {
		t.Fatal("LiveKey after the deletion date found the key")
	}
	// The access deleted it for good: the API no longer sees it.
	_, err := client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: md.KeyId})
	kmWantError(t, err, "NotFoundException", "does not exist")
	list, err := client.ListKeys(ctx, &awskms.ListKeysInput{})
	if err != nil || len(list.Keys) != 0 {
		t.Fatalf("ListKeys after deletion: %+v, %v", list, err)
	}
}

func TestKeysCustomKeyStoresDoNotExist(t *testing.T) {
	_, client := kmNode(t)
	ctx := context.Background()
	out, err := client.DescribeCustomKeyStores(ctx, &awskms.DescribeCustomKeyStoresInput{})
	if err != nil || len(out.CustomKeyStores) != 0 || out.Truncated {
		t.Fatalf("DescribeCustomKeyStores = %+v, %v", out, err)
	}
	_, err = client.DescribeCustomKeyStores(ctx, &awskms.DescribeCustomKeyStoresInput{CustomKeyStoreId: aws.String("cks-1234567890abcdef0")})
	kmWantError(t, err, "CustomKeyStoreNotFoundException", "cks-1234567890abcdef0")
	_, err = client.ConnectCustomKeyStore(ctx, &awskms.ConnectCustomKeyStoreInput{CustomKeyStoreId: aws.String("cks-1234567890abcdef0")})
	kmWantError(t, err, "CustomKeyStoreNotFoundException", "")
	_, err = client.DeleteCustomKeyStore(ctx, &awskms.DeleteCustomKeyStoreInput{CustomKeyStoreId: aws.String("cks-1234567890abcdef0")})
	kmWantError(t, err, "CustomKeyStoreNotFoundException", "")
	_, err = client.CreateCustomKeyStore(ctx, &awskms.CreateCustomKeyStoreInput{CustomKeyStoreName: aws.String("hsm"), CloudHsmClusterId: aws.String("cluster-234abcdefgh"), TrustAnchorCertificate: aws.String("cert"), KeyStorePassword: aws.String("kmsPswd1")})
	kmWantError(t, err, "CloudHsmClusterNotFoundException", "cluster-234abcdefgh")
}
