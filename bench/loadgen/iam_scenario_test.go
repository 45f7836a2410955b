package loadgen_test

import (
	"strings"
	"testing"
)

// TestIAMGetUserScenarioAgainstGatehouse runs the iam-getuser setup
// against an in-process gatehouse node (outside dev mode, so every
// request is authorized) and checks that the measured request, signed as
// the IAM user the setup created, is allowed by the user's managed
// policies, and that the same request by another user is denied.
func TestIAMGetUserScenarioAgainstGatehouse(t *testing.T) {
	n := prepareOnNode(t, "iam-getuser")
	if strings.Contains(n.req.Body, "{{") || !strings.Contains(n.req.Body, "UserName=gatehouse-bench-") {
		t.Fatalf("measured request body: %s", n.req.Body)
	}
	if status, body := n.probe(n.creds); status != 200 || !strings.Contains(body, "<UserName>gatehouse-bench-") {
		t.Fatalf("as the bench user: %d %s", status, body)
	}
	// A second run creates its own user; that user may not read the
	// first one's.
	req2, creds2 := n.prepareAgain()
	if req2.Body == n.req.Body {
		t.Fatal("two runs named the same user")
	}
	if status, body := n.probe(creds2); status != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") {
		t.Fatalf("another bench user reading the first: %d %s", status, body)
	}
}
