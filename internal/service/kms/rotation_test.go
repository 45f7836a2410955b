package kms_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestRotationSettings(t *testing.T) {
	_, client := kmNode(t)
	ctx := context.Background()
	k := kmCreate(t, client, nil)

	st, err := client.GetKeyRotationStatus(ctx, &awskms.GetKeyRotationStatusInput{KeyId: k.KeyId})
	if err != nil || st.KeyRotationEnabled || st.NextRotationDate != nil || *st.KeyId != *k.Arn {
		t.Fatalf("initial rotation status = %+v, %v", st, err)
	}
	before := time.Now()
	if _, err := client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: k.KeyId}); err != nil {
		t.Fatal(err)
	}
	st, err = client.GetKeyRotationStatus(ctx, &awskms.GetKeyRotationStatusInput{KeyId: k.KeyId})
	if err != nil || !st.KeyRotationEnabled || *st.RotationPeriodInDays != 365 {
		t.Fatalf("rotation status = %+v, %v", st, err)
	}
	if d := st.NextRotationDate.Sub(before); d < 365*24*time.Hour-time.Minute || d > 365*24*time.Hour+time.Minute {
		t.Errorf("NextRotationDate %v is not a year away", st.NextRotationDate)
	}
	if _, err := client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: k.KeyId, RotationPeriodInDays: aws.Int32(90)}); err != nil {
		t.Fatal(err)
	}
	st, _ = client.GetKeyRotationStatus(ctx, &awskms.GetKeyRotationStatusInput{KeyId: k.KeyId})
	if *st.RotationPeriodInDays != 90 || st.NextRotationDate.Sub(before) > 91*24*time.Hour {
		t.Errorf("after a 90-day period: %+v", st)
	}
	_, err = client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: k.KeyId, RotationPeriodInDays: aws.Int32(89)})
	kmWantError(t, err, "ValidationException", "")
	_, err = client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: k.KeyId, RotationPeriodInDays: aws.Int32(2561)})
	kmWantError(t, err, "ValidationException", "")
	if _, err := client.DisableKeyRotation(ctx, &awskms.DisableKeyRotationInput{KeyId: k.KeyId}); err != nil {
		t.Fatal(err)
	}
	st, _ = client.GetKeyRotationStatus(ctx, &awskms.GetKeyRotationStatusInput{KeyId: k.KeyId})
	if st.KeyRotationEnabled || st.NextRotationDate != nil {
		t.Errorf("after DisableKeyRotation: %+v", st)
	}

	rsa := kmCreate(t, client, &awskms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeEncryptDecrypt})
	_, err = client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: rsa.KeyId})
	kmWantError(t, err, "UnsupportedOperationException", "symmetric")
	_, err = client.RotateKeyOnDemand(ctx, &awskms.RotateKeyOnDemandInput{KeyId: rsa.KeyId})
	kmWantError(t, err, "UnsupportedOperationException", "")
	ext := kmCreate(t, client, &awskms.CreateKeyInput{Origin: types.OriginTypeExternal})
	_, err = client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: ext.KeyId})
	kmWantError(t, err, "KMSInvalidStateException", "pending import")

	if _, err := client.DisableKey(ctx, &awskms.DisableKeyInput{KeyId: k.KeyId}); err != nil {
		t.Fatal(err)
	}
	_, err = client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: k.KeyId})
	kmWantError(t, err, "DisabledException", "is disabled")
}

func TestRotationOnDemandKeepsOldMaterial(t *testing.T) {
	_, client := kmNode(t)
	ctx := context.Background()
	k := kmCreate(t, client, nil)
	enc, err := client.Encrypt(ctx, &awskms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("before rotation")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := client.RotateKeyOnDemand(ctx, &awskms.RotateKeyOnDemandInput{KeyId: k.KeyId})
	if err != nil || *out.KeyId != *k.Arn {
		t.Fatalf("RotateKeyOnDemand = %+v, %v", out, err)
	}
	after := kmDescribe(t, client, *k.KeyId)
	if *after.CurrentKeyMaterialId == *k.CurrentKeyMaterialId {
		t.Fatal("rotation kept the same current key material")
	}
	dec, err := client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil || string(dec.Plaintext) != "before rotation" {
		t.Fatalf("Decrypt of a ciphertext from before the rotation = %v, %v", dec, err)
	}

	rot, err := client.ListKeyRotations(ctx, &awskms.ListKeyRotationsInput{KeyId: k.KeyId})
	if err != nil || len(rot.Rotations) != 1 {
		t.Fatalf("ListKeyRotations = %+v, %v", rot, err)
	}
	r := rot.Rotations[0]
	if r.RotationType != types.RotationTypeOnDemand || *r.KeyMaterialId != *after.CurrentKeyMaterialId ||
		r.KeyMaterialState != types.KeyMaterialStateCurrent || r.RotationDate == nil {
		t.Errorf("rotation entry %+v", r)
	}
	all, err := client.ListKeyRotations(ctx, &awskms.ListKeyRotationsInput{KeyId: k.KeyId, IncludeKeyMaterial: types.IncludeKeyMaterialAllKeyMaterial})
	if err != nil || len(all.Rotations) != 2 || *all.Rotations[0].KeyMaterialId != *k.CurrentKeyMaterialId ||
		all.Rotations[0].KeyMaterialState != types.KeyMaterialStateNonCurrent {
		t.Fatalf("ListKeyRotations ALL_KEY_MATERIAL = %+v, %v", all, err)
	}

	// AWS allows 25 on-demand rotations per key.
	for i := 1; i < 25; i++ {
		if _, err := client.RotateKeyOnDemand(ctx, &awskms.RotateKeyOnDemandInput{KeyId: k.KeyId}); err != nil {
			t.Fatalf("rotation %d: %v", i+1, err)
		}
	}
	_, err = client.RotateKeyOnDemand(ctx, &awskms.RotateKeyOnDemandInput{KeyId: k.KeyId})
	kmWantError(t, err, "LimitExceededException", "25")
	page, err := client.ListKeyRotations(ctx, &awskms.ListKeyRotationsInput{KeyId: k.KeyId, Limit: aws.Int32(10)})
	if err != nil || len(page.Rotations) != 10 || !page.Truncated {
		t.Fatalf("first page = %d rotations, truncated %v, %v", len(page.Rotations), page.Truncated, err)
	}
	seen := len(page.Rotations)
	for page.Truncated {
		if page, err = client.ListKeyRotations(ctx, &awskms.ListKeyRotationsInput{KeyId: k.KeyId, Limit: aws.Int32(10), Marker: page.NextMarker}); err != nil {
			t.Fatal(err)
		}
		seen += len(page.Rotations)
	}
	if seen != 25 {
		t.Errorf("paged %d rotations, want 25", seen)
	}
	dec, err = client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil || string(dec.Plaintext) != "before rotation" {
		t.Fatalf("Decrypt after 25 rotations = %v, %v", dec, err)
	}
}

func TestRotationAutomaticWhenDue(t *testing.T) {
	srv, client := kmNode(t)
	ctx := context.Background()
	k := kmCreate(t, client, nil)
	idle := kmCreate(t, client, nil)
	if _, err := client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: k.KeyId, RotationPeriodInDays: aws.Int32(90)}); err != nil {
		t.Fatal(err)
	}
	store := srv.App.KMS()
	if n, err := store.RotateDueKeys(ctx, time.Now().Add(89*24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("RotateDueKeys before the date = %d, %v", n, err)
	}
	if n, err := store.RotateDueKeys(ctx, time.Now().Add(91*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("RotateDueKeys after the date = %d, %v", n, err)
	}
	rot, err := client.ListKeyRotations(ctx, &awskms.ListKeyRotationsInput{KeyId: k.KeyId})
	if err != nil || len(rot.Rotations) != 1 || rot.Rotations[0].RotationType != types.RotationTypeAutomatic {
		t.Fatalf("rotations = %+v, %v", rot, err)
	}
	st, _ := client.GetKeyRotationStatus(ctx, &awskms.GetKeyRotationStatusInput{KeyId: k.KeyId})
	if d := time.Until(*st.NextRotationDate); d < 180*24*time.Hour-time.Hour || d > 181*24*time.Hour+time.Hour {
		t.Errorf("next rotation in %v, want 181 days from now (one period after the rotation)", d)
	}
	if rot, _ := client.ListKeyRotations(ctx, &awskms.ListKeyRotationsInput{KeyId: idle.KeyId}); len(rot.Rotations) != 0 {
		t.Errorf("a key without rotation rotated: %+v", rot.Rotations)
	}

	// Between sweeps, the key rotates when used.
	got, err := store.LiveKey(ctx, *k.AWSAccountId, "us-east-1", *k.KeyId, time.Now().Add(182*24*time.Hour))
	if err != nil || len(got.Rotations) != 2 {
		t.Fatalf("LiveKey when rotation is due = %v rotations, %v", len(got.Rotations), err)
	}
}
