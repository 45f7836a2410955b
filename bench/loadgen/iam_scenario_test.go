package loadgen_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestIAMGetUserScenarioAgainstGatehouse runs the iam-getuser setup
// against an in-process gatehouse node (outside dev mode, so every
// request is authorized) and checks that the measured request, signed as
// the IAM user the setup created, is allowed by the user's managed
// policies, and that the same request by another user is denied.
func TestIAMGetUserScenarioAgainstGatehouse(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	addr := u.Host
	root := loadgen.Credentials{AccessKeyID: srv.Root.AccessKeyID, SecretAccessKey: srv.Root.SecretAccessKey}
	sc, ok := loadgen.Lookup("iam-getuser")
	if !ok {
		t.Fatal("no iam-getuser scenario")
	}
	ctx := context.Background()
	req, creds, err := sc.PrepareAs(ctx, addr, root)
	if err != nil {
		t.Fatal(err)
	}
	if creds == root || !strings.HasPrefix(creds.AccessKeyID, "AKIA") {
		t.Fatalf("load would be signed with %s, not the user's key", creds.AccessKeyID)
	}
	if strings.Contains(req.Body, "{{") || !strings.Contains(req.Body, "UserName=gatehouse-bench-") {
		t.Fatalf("measured request body: %s", req.Body)
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
	if status, body := probe(creds); status != 200 || !strings.Contains(body, "<UserName>gatehouse-bench-") {
		t.Fatalf("as the bench user: %d %s", status, body)
	}
	// A second run creates its own user; that user may not read the
	// first one's.
	req2, creds2, err := sc.PrepareAs(ctx, addr, root)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if req2.Body == req.Body {
		t.Fatal("two runs named the same user")
	}
	if status, body := probe(creds2); status != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") {
		t.Fatalf("another bench user reading the first: %d %s", status, body)
	}
}
