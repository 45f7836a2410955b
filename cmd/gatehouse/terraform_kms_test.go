package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestTerraformKMS applies testdata/terraform-kms with Terraform and the
// hashicorp/aws provider against a gatehouse binary: aws_kms_key with a
// key policy and automatic rotation every 180 days, aws_kms_alias,
// aws_kms_grant, and a multi-Region key with an aws_kms_replica_key in a
// second Region (a second provider on the same endpoint). It checks the
// result through the API, plans again (no changes expected) and destroys
// everything, which schedules every key's deletion.
func TestTerraformKMS(t *testing.T) {
	tr := applyTerraform(t, "terraform-kms")
	raw, err := tr.tf("output", "-json", "-no-color")
	if err != nil {
		t.Fatalf("terraform output: %v\n%s", err, raw)
	}
	var outputs map[string]struct{ Value string }
	if err := json.Unmarshal([]byte(raw), &outputs); err != nil {
		t.Fatalf("terraform output: %v\n%s", err, raw)
	}
	orders, global, replica := outputs["orders_key_arn"].Value, outputs["global_key_arn"].Value, outputs["replica_key_arn"].Value

	ctx := context.Background()
	east := kms.NewFromConfig(tr.sdkConfig())
	westCfg := tr.sdkConfig()
	westCfg.Region = "us-west-2"
	west := kms.NewFromConfig(westCfg)
	describe := func(c *kms.Client, arn string) *kmstypes.KeyMetadata {
		t.Helper()
		out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(arn)})
		if err != nil {
			t.Fatalf("DescribeKey %s: %v", arn, err)
		}
		return out.KeyMetadata
	}

	// The orders key: policy, rotation, tags, alias, grant.
	md := describe(east, orders)
	if aws.ToString(md.Description) != "orders at rest" || md.KeyState != kmstypes.KeyStateEnabled || md.KeySpec != kmstypes.KeySpecSymmetricDefault {
		t.Fatalf("orders key = %+v", md)
	}
	policy, err := east.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(orders), PolicyName: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(aws.ToString(policy.Policy), "AllowOrdersAppToDescribe") {
		t.Fatalf("orders key policy is not Terraform's: %s", aws.ToString(policy.Policy))
	}
	rotation, err := east.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(orders)})
	if err != nil {
		t.Fatal(err)
	}
	if !rotation.KeyRotationEnabled || aws.ToInt32(rotation.RotationPeriodInDays) != 180 || rotation.NextRotationDate == nil {
		t.Fatalf("orders key rotation = enabled %v, every %d days, next %v",
			rotation.KeyRotationEnabled, aws.ToInt32(rotation.RotationPeriodInDays), rotation.NextRotationDate)
	}
	tags, err := east.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String(orders)})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].TagKey) != "team" || aws.ToString(tags.Tags[0].TagValue) != "orders" {
		t.Fatalf("orders key tags = %+v", tags.Tags)
	}
	aliases, err := east.ListAliases(ctx, &kms.ListAliasesInput{KeyId: aws.String(aws.ToString(md.KeyId))})
	if err != nil {
		t.Fatal(err)
	}
	if len(aliases.Aliases) != 1 || aws.ToString(aliases.Aliases[0].AliasName) != "alias/orders" {
		t.Fatalf("orders key aliases = %+v", aliases.Aliases)
	}
	grants, err := east.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(orders)})
	if err != nil {
		t.Fatal(err)
	}
	if len(grants.Grants) != 1 {
		t.Fatalf("orders key has %d grants, want 1", len(grants.Grants))
	}
	g := grants.Grants[0]
	ops := make([]string, 0, len(g.Operations))
	for _, op := range g.Operations {
		ops = append(ops, string(op))
	}
	slices.Sort(ops)
	if aws.ToString(g.Name) != "orders-app" || !strings.HasSuffix(aws.ToString(g.GranteePrincipal), ":role/orders-app") ||
		strings.Join(ops, ",") != "Decrypt,Encrypt,GenerateDataKey" || aws.ToString(g.GrantId) != outputs["grant_id"].Value {
		t.Fatalf("grant = %+v (operations %v)", g, ops)
	}
	if g.Constraints == nil || g.Constraints.EncryptionContextEquals["department"] != "orders" || len(g.Constraints.EncryptionContextSubset) != 0 {
		t.Fatalf("grant constraints = %+v", g.Constraints)
	}
	signer, err := east.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(outputs["signer_key_arn"].Value)})
	if err != nil {
		t.Fatal(err)
	}
	if signer.KeyMetadata.KeySpec != "ECC_NIST_P256" || signer.KeyMetadata.KeyUsage != "SIGN_VERIFY" {
		t.Fatalf("signer key = %s %s", signer.KeyMetadata.KeySpec, signer.KeyMetadata.KeyUsage)
	}

	// The multi-Region pair.
	md = describe(east, global)
	if !aws.ToBool(md.MultiRegion) || md.MultiRegionConfiguration == nil ||
		md.MultiRegionConfiguration.MultiRegionKeyType != kmstypes.MultiRegionKeyTypePrimary ||
		len(md.MultiRegionConfiguration.ReplicaKeys) != 1 || aws.ToString(md.MultiRegionConfiguration.ReplicaKeys[0].Region) != "us-west-2" {
		t.Fatalf("multi-Region primary = %+v", md.MultiRegionConfiguration)
	}
	rmd := describe(west, replica)
	if rmd.MultiRegionConfiguration == nil || rmd.MultiRegionConfiguration.MultiRegionKeyType != kmstypes.MultiRegionKeyTypeReplica ||
		aws.ToString(rmd.MultiRegionConfiguration.PrimaryKey.Arn) != global || aws.ToString(rmd.KeyId) != aws.ToString(md.KeyId) ||
		!strings.HasPrefix(replica, "arn:aws:kms:us-west-2:") {
		t.Fatalf("replica %s = %+v", replica, rmd.MultiRegionConfiguration)
	}

	// A second plan finds nothing to change.
	tr.planNoChanges()

	tr.destroy()
	// Destroying a key schedules its deletion (7 days here); the primary
	// of a multi-Region key waits in PendingReplicaDeletion while its
	// replica, itself pending deletion, still exists.
	for _, k := range []struct {
		client *kms.Client
		arn    string
		want   kmstypes.KeyState
	}{
		{east, orders, kmstypes.KeyStatePendingDeletion},
		{west, replica, kmstypes.KeyStatePendingDeletion},
		{east, global, kmstypes.KeyStatePendingReplicaDeletion},
	} {
		md := describe(k.client, k.arn)
		if md.KeyState != k.want {
			t.Errorf("after destroy, %s is %s, want %s", k.arn, md.KeyState, k.want)
		}
		switch k.want {
		case kmstypes.KeyStatePendingDeletion:
			// deletion_window_in_days = 7
			if md.DeletionDate == nil || time.Until(*md.DeletionDate) < 6*24*time.Hour || time.Until(*md.DeletionDate) > 7*24*time.Hour {
				t.Errorf("after destroy, %s is to be deleted on %v, want in 7 days", k.arn, md.DeletionDate)
			}
		case kmstypes.KeyStatePendingReplicaDeletion:
			// The window starts when the last replica is gone.
			if md.DeletionDate != nil || aws.ToInt32(md.PendingDeletionWindowInDays) != 7 {
				t.Errorf("after destroy, %s: deletion date %v, window %d days; want none and 7",
					k.arn, md.DeletionDate, aws.ToInt32(md.PendingDeletionWindowInDays))
			}
		}
	}
	aliases, err = east.ListAliases(ctx, &kms.ListAliasesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range aliases.Aliases {
		if aws.ToString(a.AliasName) == "alias/orders" {
			t.Error("alias/orders survived destroy")
		}
	}
	grants, err = east.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(orders)})
	if err != nil {
		t.Fatal(err)
	}
	if len(grants.Grants) != 0 {
		t.Errorf("grants left after destroy: %d", len(grants.Grants))
	}
}
