package kms_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestMultiRegionReplicas(t *testing.T) {
	srv, east := kmNode(t)
	west := kmRegionClient(srv, "us-west-2")
	ctx := context.Background()
	primary := kmCreate(t, east, &awskms.CreateKeyInput{MultiRegion: aws.Bool(true), Description: aws.String("primary")})

	out, err := east.ReplicateKey(ctx, &awskms.ReplicateKeyInput{KeyId: primary.KeyId, ReplicaRegion: aws.String("us-west-2"),
		Description: aws.String("replica"), Tags: []types.Tag{{TagKey: aws.String("where"), TagValue: aws.String("west")}}})
	if err != nil {
		t.Fatal(err)
	}
	rm := out.ReplicaKeyMetadata
	if *rm.KeyId != *primary.KeyId || *rm.Arn != "arn:aws:kms:us-west-2:"+*primary.AWSAccountId+":key/"+*primary.KeyId ||
		rm.MultiRegionConfiguration.MultiRegionKeyType != types.MultiRegionKeyTypeReplica || *rm.Description != "replica" {
		t.Errorf("replica metadata %+v", rm)
	}
	if out.ReplicaPolicy == nil || len(out.ReplicaTags) != 1 {
		t.Errorf("replica policy/tags: %v %v", out.ReplicaPolicy, out.ReplicaTags)
	}

	// The replica is visible in its Region under the same id.
	got := kmDescribe(t, west, *primary.KeyId)
	if got.MultiRegionConfiguration.MultiRegionKeyType != types.MultiRegionKeyTypeReplica || *got.MultiRegionConfiguration.PrimaryKey.Region != "us-east-1" ||
		*got.CurrentKeyMaterialId != *primary.CurrentKeyMaterialId {
		t.Errorf("replica in us-west-2: %+v", got.MultiRegionConfiguration)
	}
	p := kmDescribe(t, east, *primary.KeyId)
	if len(p.MultiRegionConfiguration.ReplicaKeys) != 1 || *p.MultiRegionConfiguration.ReplicaKeys[0].Region != "us-west-2" {
		t.Errorf("primary's replicas: %+v", p.MultiRegionConfiguration.ReplicaKeys)
	}

	// Ciphertext from the primary decrypts with the replica.
	enc, err := east.Encrypt(ctx, &awskms.EncryptInput{KeyId: primary.KeyId, Plaintext: []byte("everywhere")})
	if err != nil {
		t.Fatal(err)
	}
	if dec, err := west.Decrypt(ctx, &awskms.DecryptInput{KeyId: rm.Arn, CiphertextBlob: enc.CiphertextBlob}); err != nil || string(dec.Plaintext) != "everywhere" {
		t.Errorf("replica Decrypt = %v, %v", dec, err)
	}

	_, err = east.ReplicateKey(ctx, &awskms.ReplicateKeyInput{KeyId: primary.KeyId, ReplicaRegion: aws.String("us-west-2")})
	kmWantError(t, err, "AlreadyExistsException", "us-west-2")
	_, err = east.ReplicateKey(ctx, &awskms.ReplicateKeyInput{KeyId: primary.KeyId, ReplicaRegion: aws.String("us-east-1")})
	kmWantError(t, err, "ValidationException", "us-east-1")
	_, err = west.ReplicateKey(ctx, &awskms.ReplicateKeyInput{KeyId: primary.KeyId, ReplicaRegion: aws.String("eu-west-1")})
	kmWantError(t, err, "UnsupportedOperationException", "replica")
	single := kmCreate(t, east, nil)
	_, err = east.ReplicateKey(ctx, &awskms.ReplicateKeyInput{KeyId: single.KeyId, ReplicaRegion: aws.String("us-west-2")})
	kmWantError(t, err, "UnsupportedOperationException", "multi-Region")

	// A second replica is recorded on every copy.
	if _, err := east.ReplicateKey(ctx, &awskms.ReplicateKeyInput{KeyId: primary.Arn, ReplicaRegion: aws.String("eu-west-1")}); err != nil {
		t.Fatal(err)
	}
	if got := kmDescribe(t, west, *primary.KeyId); len(got.MultiRegionConfiguration.ReplicaKeys) != 2 {
		t.Errorf("us-west-2 copy lists %d replicas, want 2", len(got.MultiRegionConfiguration.ReplicaKeys))
	}

	// Rotating the primary rotates the replicas.
	if _, err := east.RotateKeyOnDemand(ctx, &awskms.RotateKeyOnDemandInput{KeyId: primary.KeyId}); err != nil {
		t.Fatal(err)
	}
	if a, b := kmDescribe(t, east, *primary.KeyId), kmDescribe(t, west, *primary.KeyId); *a.CurrentKeyMaterialId != *b.CurrentKeyMaterialId || *a.CurrentKeyMaterialId == *primary.CurrentKeyMaterialId {
		t.Errorf("after rotation: primary material %s, replica %s", *a.CurrentKeyMaterialId, *b.CurrentKeyMaterialId)
	}
	_, err = west.RotateKeyOnDemand(ctx, &awskms.RotateKeyOnDemandInput{KeyId: primary.KeyId})
	kmWantError(t, err, "UnsupportedOperationException", "replica")

	// UpdatePrimaryRegion swaps the roles.
	_, err = east.UpdatePrimaryRegion(ctx, &awskms.UpdatePrimaryRegionInput{KeyId: primary.KeyId, PrimaryRegion: aws.String("ap-south-1")})
	kmWantError(t, err, "NotFoundException", "ap-south-1")
	if _, err := east.UpdatePrimaryRegion(ctx, &awskms.UpdatePrimaryRegionInput{KeyId: primary.KeyId, PrimaryRegion: aws.String("us-west-2")}); err != nil {
		t.Fatal(err)
	}
	w, e := kmDescribe(t, west, *primary.KeyId), kmDescribe(t, east, *primary.KeyId)
	if w.MultiRegionConfiguration.MultiRegionKeyType != types.MultiRegionKeyTypePrimary || e.MultiRegionConfiguration.MultiRegionKeyType != types.MultiRegionKeyTypeReplica ||
		*e.MultiRegionConfiguration.PrimaryKey.Region != "us-west-2" || len(w.MultiRegionConfiguration.ReplicaKeys) != 2 {
		t.Errorf("after UpdatePrimaryRegion: west %+v, east %+v", w.MultiRegionConfiguration, e.MultiRegionConfiguration)
	}
}

func TestMultiRegionPrimaryDeletionWaitsForReplicas(t *testing.T) {
	srv, east := kmNode(t)
	west := kmRegionClient(srv, "us-west-2")
	ctx := context.Background()
	primary := kmCreate(t, east, &awskms.CreateKeyInput{MultiRegion: aws.Bool(true)})
	if _, err := east.ReplicateKey(ctx, &awskms.ReplicateKeyInput{KeyId: primary.KeyId, ReplicaRegion: aws.String("us-west-2")}); err != nil {
		t.Fatal(err)
	}
	out, err := east.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: primary.KeyId, PendingWindowInDays: aws.Int32(7)})
	if err != nil || out.KeyState != types.KeyStatePendingReplicaDeletion || out.DeletionDate != nil {
		t.Fatalf("ScheduleKeyDeletion of a primary with replicas = %+v, %v", out, err)
	}
	_, err = east.Encrypt(ctx, &awskms.EncryptInput{KeyId: primary.KeyId, Plaintext: []byte("x")})
	kmWantError(t, err, "KMSInvalidStateException", "pending replica deletion")
	if _, err := west.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: primary.KeyId, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	store := srv.App.KMS()
	if n, err := store.DeleteDueKeys(ctx, time.Now().Add(8*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("DeleteDueKeys = %d, %v (want the replica only)", n, err)
	}
	_, err = west.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: primary.KeyId})
	kmWantError(t, err, "NotFoundException", "")
	p := kmDescribe(t, east, *primary.KeyId)
	if p.KeyState != types.KeyStatePendingDeletion || p.DeletionDate == nil || len(p.MultiRegionConfiguration.ReplicaKeys) != 0 {
		t.Fatalf("primary after its last replica went: %+v", p)
	}
}
