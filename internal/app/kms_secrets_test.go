package app_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestKMSKeyMaterialNeverLeaves shows that key material is encrypted at
// rest (no key's material, raw or base64, appears in any file of the data
// directory) and that the plaintext of a data key never enters the trail
// or the database, while the client gets it as AWS returns it.
func TestKMSKeyMaterialNeverLeaves(t *testing.T) {
	srv := startNode(t, testserver.Options{})
	ctx := context.Background()
	client := kms.NewFromConfig(srv.RootConfig())
	var keys []string
	for _, in := range []*kms.CreateKeyInput{
		{},
		{KeySpec: kmstypes.KeySpecRsa2048, KeyUsage: kmstypes.KeyUsageTypeSignVerify},
		{KeySpec: kmstypes.KeySpecEccNistP256, KeyUsage: kmstypes.KeyUsageTypeSignVerify},
		{KeySpec: kmstypes.KeySpecHmac256, KeyUsage: kmstypes.KeyUsageTypeGenerateVerifyMac},
	} {
		out, err := client.CreateKey(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, aws.ToString(out.KeyMetadata.KeyId))
	}
	dk, err := client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(keys[0]), KeySpec: kmstypes.DataKeySpecAes256})
	if err != nil {
		t.Fatal(err)
	}
	if len(dk.Plaintext) != 32 {
		t.Fatalf("data key plaintext is %d bytes, want 32", len(dk.Plaintext))
	}
	var events []cttypes.Event
	for deadline := time.Now().Add(eventWait); len(events) == 0; time.Sleep(25 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no GenerateDataKey event in the trail")
		}
		events, _ = lookupEvents(t, rootCloudTrail(srv), cttypes.LookupAttributeKeyEventName, "GenerateDataKey")
	}
	doc := aws.ToString(events[0].CloudTrailEvent)
	if !strings.Contains(doc, keys[0]) || !strings.Contains(doc, `"type":"AWS::KMS::Key"`) {
		t.Fatalf("the GenerateDataKey event does not name its key among its resources:\n%s", doc)
	}
	if strings.Contains(doc, base64.StdEncoding.EncodeToString(dk.Plaintext)) {
		t.Fatalf("the data key's plaintext is in the trail event:\n%s", doc)
	}

	secrets := [][]byte{dk.Plaintext}
	for _, id := range keys {
		k, err := srv.App.KMS().CachedKey(ctx, srv.Root.AccountID, "us-east-1", id)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range k.Materials {
			raw, err := srv.App.KMS().MaterialBytes(k, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, raw)
		}
	}
	if len(secrets) != 5 {
		t.Fatalf("found %d secrets, want the data key and 4 key materials", len(secrets))
	}
	files, err := filepath.Glob(filepath.Join(srv.DataDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	scanned := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a directory
		}
		scanned += len(data)
		for i, s := range secrets {
			probe := s
			if len(probe) > 24 {
				probe = probe[:24]
			}
			if strings.Contains(string(data), string(probe)) || strings.Contains(string(data), base64.StdEncoding.EncodeToString(s)[:32]) {
				t.Fatalf("secret %d appears in %s", i, filepath.Base(f))
			}
		}
	}
	if scanned == 0 {
		t.Fatal("scanned no data")
	}
}
