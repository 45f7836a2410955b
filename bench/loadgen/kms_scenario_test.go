package loadgen_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestKMSEncryptScenarioAgainstGatehouse runs the kms-encrypt setup
// against an in-process gatehouse node with enforcement on and checks
// that the measured Encrypt, signed as the IAM user the setup created,
// is allowed (the default key policy delegates to the user's IAM
// policy) and answers a ciphertext under the full key ARN, and that the
// user of a second run, whose policy names only its own key, is denied
// the first run's key.
func TestKMSEncryptScenarioAgainstGatehouse(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	addr := u.Host
	root := loadgen.Credentials{AccessKeyID: srv.Root.AccessKeyID, SecretAccessKey: srv.Root.SecretAccessKey}
	sc, ok := loadgen.Lookup("kms-encrypt")
	if !ok {
		t.Fatal("no kms-encrypt scenario")
	}
	ctx := context.Background()
	req, creds, err := sc.PrepareAs(ctx, addr, root)
	if err != nil {
		t.Fatal(err)
	}
	if creds == root || !strings.HasPrefix(creds.AccessKeyID, "AKIA") {
		t.Fatalf("load would be signed with %s, not the user's key", creds.AccessKeyID)
	}
	probe := func(c loadgen.Credentials) (int, string) {
		raw, err := req.Sign(addr, c, time.Now(), "00000000-0000-4000-8000-000000000000")
		if err != nil {
			t.Fatal(err)
		}
		status, body, err := loadgen.Probe(ctx, addr, raw, false)
		if err != nil {
			t.Fatal(err)
		}
		return status, string(body)
	}
	status, body := probe(creds)
	if status != 200 {
		t.Fatalf("Encrypt as the bench user: %d %s", status, body)
	}
	var out struct {
		CiphertextBlob      []byte
		KeyId               string
		EncryptionAlgorithm string
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("Encrypt answer: %v: %s", err, body)
	}
	if !strings.HasPrefix(out.KeyId, "arn:aws:kms:us-east-1:") || len(out.CiphertextBlob) <= 256 ||
		out.EncryptionAlgorithm != "SYMMETRIC_DEFAULT" {
		t.Fatalf("Encrypt answer: KeyId %q, %d-byte ciphertext, algorithm %q", out.KeyId, len(out.CiphertextBlob), out.EncryptionAlgorithm)
	}

	_, creds2, err := sc.PrepareAs(ctx, addr, root)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if status, body := probe(creds2); status != 400 || !strings.Contains(body, "AccessDeniedException") {
		t.Fatalf("another bench user encrypting under the first key: %d %s", status, body)
	}
}
