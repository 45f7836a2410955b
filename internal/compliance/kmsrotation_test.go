package compliance

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/kms"
)

// TestKMSRotationControl checks 3.6 against keys that must rotate (a
// symmetric key with generated material), keys that cannot (asymmetric,
// imported) and a key pending deletion.
func TestKMSRotationControl(t *testing.T) {
	key := func(id, spec, origin, state string, rotating bool) *kms.Key {
		return &kms.Key{ID: id, AccountID: testAcct, Region: "us-east-1", KeySpec: spec, Origin: origin, State: state,
			RotationEnabled: rotating, RotationPeriodDays: 365}
	}
	f := cleanFacts()
	f.kmsKeys = []*kms.Key{
		key("rotating", "SYMMETRIC_DEFAULT", "AWS_KMS", kms.StateEnabled, true),
		key("signer", "ECC_NIST_P256", "AWS_KMS", kms.StateEnabled, false),
		key("imported", "SYMMETRIC_DEFAULT", "EXTERNAL", kms.StateEnabled, false),
		key("leaving", "SYMMETRIC_DEFAULT", "AWS_KMS", kms.StatePendingDeletion, false),
	}
	st, results := statusOf(t, ctlKMSRotation, f)
	if st != Passed || len(results) != 1 || !strings.HasSuffix(results[0].Resource, ":key/rotating") {
		t.Fatalf("rotating keys only: %s %+v", st, results)
	}
	f.kmsKeys = append(f.kmsKeys, key("stale", "SYMMETRIC_DEFAULT", "AWS_KMS", kms.StateDisabled, false))
	st, results = statusOf(t, ctlKMSRotation, f)
	if st != Failed || len(results) != 2 {
		t.Fatalf("with a key that does not rotate: %s %+v", st, results)
	}
	bad := results[1]
	if bad.Status != Failed || !strings.HasSuffix(bad.Resource, ":key/stale") || !strings.Contains(bad.Command, "aws kms enable-key-rotation") {
		t.Fatalf("failing result: %+v", bad)
	}
}
