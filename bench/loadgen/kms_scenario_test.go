package loadgen_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestKMSEncryptScenarioAgainstGatehouse runs the kms-encrypt setup
// against an in-process gatehouse node with enforcement on and checks
// that the measured Encrypt, signed as the IAM user the setup created,
// is allowed (the default key policy delegates to the user's IAM
// policy) and answers a ciphertext under the full key ARN, and that the
// user of a second run, whose policy names only its own key, is denied
// the first run's key.
func TestKMSEncryptScenarioAgainstGatehouse(t *testing.T) {
	n := prepareOnNode(t, "kms-encrypt")
	status, body := n.probe(n.creds)
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

	_, creds2 := n.prepareAgain()
	if status, body := n.probe(creds2); status != 400 || !strings.Contains(body, "AccessDeniedException") {
		t.Fatalf("another bench user encrypting under the first key: %d %s", status, body)
	}
}
