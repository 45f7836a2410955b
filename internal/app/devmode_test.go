package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// These tests check dev mode, the drop-in for moto_server and LocalStack:
// unknown keys are the default account's root, known keys are still
// verified, and POST /moto-api/reset wipes state (only in dev mode).

// callerIdentity calls GetCallerIdentity with the given key and returns
// the answer and the request id.
func callerIdentity(t *testing.T, srv *testserver.Server, keyID, secret string) (*sts.GetCallerIdentityOutput, string) {
	t.Helper()
	out, err := sts.NewFromConfig(srv.Config(keyID, secret, "")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with key %q: %v", keyID, err)
	}
	return out, requestIDOfResult(t, out.ResultMetadata)
}

// expectRootOf checks that a GetCallerIdentity answer is the root user of
// account.
func expectRootOf(t *testing.T, out *sts.GetCallerIdentityOutput, account string) {
	t.Helper()
	if aws.ToString(out.Account) != account || aws.ToString(out.Arn) != "arn:aws:iam::"+account+":root" || aws.ToString(out.UserId) != account {
		t.Errorf("GetCallerIdentity = Account %q Arn %q UserId %q; want the root of %s",
			aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId), account)
	}
}

// postReset sends POST /moto-api/reset and returns the status and body.
func postReset(t *testing.T, srv *testserver.Server) (int, string) {
	t.Helper()
	resp, err := http.Post(srv.URL+"/moto-api/reset", "", nil)
	if err != nil {
		t.Fatalf("POST /moto-api/reset: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// awaitPublished waits until the recorder has taken the event of
// requestID (it is published on the bus once recorded), so that a reset,
// which flushes recorded events first, is sure to find it.
func awaitPublished(t *testing.T, sub *audit.Subscription, requestID string) {
	t.Helper()
	timeout := time.After(eventWait)
	for {
		select {
		case ev := <-sub.C:
			if ev.RequestID == requestID {
				return
			}
		case <-timeout:
			t.Fatalf("the event of request %s was not published within %v", requestID, eventWait)
		}
	}
}

// allEvents returns every event LookupEvents shows the client's account
// (one page is enough for these tests; more fails the test).
func allEvents(t *testing.T, ct *cloudtrail.Client) []trailRecord {
	t.Helper()
	out, err := ct.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
	if err != nil {
		t.Fatalf("LookupEvents: %v", err)
	}
	if out.NextToken != nil {
		t.Fatalf("LookupEvents has more than one page (%d events); the test expects few", len(out.Events))
	}
	_, records := decodeEvents(t, out.Events)
	return records
}

func TestDevModeUnknownKeysAreDefaultAccountRoot(t *testing.T) {
	srv := startNode(t, testserver.Options{Dev: true})
	for name, key := range map[string][2]string{
		"test":            {"test", "test"},
		"FOOBARKEY":       {"FOOBARKEY", "anything"},
		"random AKIA key": {randomAccessKeyID(), "x"},
	} {
		t.Run(name, func(t *testing.T) {
			out, _ := callerIdentity(t, srv, key[0], key[1])
			expectRootOf(t, out, "000000000000")
		})
	}
	t.Run("bootstrap root key", func(t *testing.T) {
		if srv.App.ManagementAccountID == "000000000000" {
			t.Fatal("the management account must not be the dev account")
		}
		out, _ := callerIdentity(t, srv, srv.Root.AccessKeyID, srv.Root.SecretAccessKey)
		expectRootOf(t, out, srv.App.ManagementAccountID)
	})
	t.Run("bootstrap root key with a wrong secret", func(t *testing.T) {
		_, err := sts.NewFromConfig(srv.Config(srv.Root.AccessKeyID, "not-the-secret", "")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		expectAPIError(t, err, "SignatureDoesNotMatch", http.StatusForbidden)
		expectFailureInTrail(t, srv, "GetCallerIdentity", requestIDOfError(t, err), "SignatureDoesNotMatch", srv.Root.AccessKeyID)
	})
	t.Run("events in the dev account", func(t *testing.T) {
		_, id := callerIdentity(t, srv, "test", "test")
		devTrail := cloudtrail.NewFromConfig(srv.Config("test", "test", ""))
		_, rec := waitForEvent(t, devTrail, cttypes.LookupAttributeKeyEventName, "GetCallerIdentity", id)
		ui := rec.UserIdentity
		if ui.Type != "Root" || ui.AccountID != "000000000000" || ui.ARN != "arn:aws:iam::000000000000:root" || rec.Recipient != "000000000000" {
			t.Errorf("trail: userIdentity %+v recipient %q; want the dev account's root", ui, rec.Recipient)
		}
		_, mgmt := lookupEvents(t, rootCloudTrail(srv), cttypes.LookupAttributeKeyEventName, "GetCallerIdentity")
		for _, r := range mgmt {
			if r.RequestID == id {
				t.Errorf("the dev account's call %s shows in the management account's trail", id)
			}
		}
	})
}

func TestDevModeCustomDefaultAccount(t *testing.T) {
	srv := startNode(t, testserver.Options{Dev: true, DevAccountID: "123456789012"})
	out, _ := callerIdentity(t, srv, "test", "test")
	expectRootOf(t, out, "123456789012")
	out, _ = callerIdentity(t, srv, srv.Root.AccessKeyID, srv.Root.SecretAccessKey)
	expectRootOf(t, out, srv.App.ManagementAccountID)
}

func TestDevModeResetWipesEventsKeepsBootstrapRoot(t *testing.T) {
	srv := startNode(t, testserver.Options{Dev: true})
	sub := srv.App.Bus.Subscribe("devmode-test", 1024)
	t.Cleanup(sub.Close)
	rootTrail := rootCloudTrail(srv)
	devTrail := cloudtrail.NewFromConfig(srv.Config("test", "test", ""))

	// Before: calls by the root key and by a dev key, visible in the trail.
	_, devID := callerIdentity(t, srv, "test", "test")
	waitForEvent(t, devTrail, cttypes.LookupAttributeKeyEventName, "GetCallerIdentity", devID)
	_, rootID := callerIdentity(t, srv, srv.Root.AccessKeyID, srv.Root.SecretAccessKey)
	waitForEvent(t, rootTrail, cttypes.LookupAttributeKeyEventName, "GetCallerIdentity", rootID)
	// The last request before the reset: wait until it is recorded, so
	// the reset cannot race with its event.
	_, lastID := callerIdentity(t, srv, srv.Root.AccessKeyID, srv.Root.SecretAccessKey)
	awaitPublished(t, sub, lastID)
	before := map[string]bool{devID: true, rootID: true, lastID: true}

	resetAt := time.Now().Truncate(time.Second)
	status, body := postReset(t, srv)
	if status != http.StatusOK {
		t.Fatalf("POST /moto-api/reset: status %d (%s), want 200", status, body)
	}

	// After: both keys still work; their calls are the only events.
	out, rootAfter := callerIdentity(t, srv, srv.Root.AccessKeyID, srv.Root.SecretAccessKey)
	expectRootOf(t, out, srv.App.ManagementAccountID)
	out, devAfter := callerIdentity(t, srv, "test", "test")
	expectRootOf(t, out, "000000000000")
	waitForEvent(t, rootTrail, cttypes.LookupAttributeKeyEventName, "GetCallerIdentity", rootAfter)
	waitForEvent(t, devTrail, cttypes.LookupAttributeKeyEventName, "GetCallerIdentity", devAfter)
	for name, ct := range map[string]*cloudtrail.Client{"management": rootTrail, "dev": devTrail} {
		records := allEvents(t, ct)
		if len(records) == 0 {
			t.Errorf("%s account: no events after the reset, not even the calls made since", name)
		}
		for _, r := range records {
			at, err := time.Parse(time.RFC3339, r.EventTime)
			if before[r.RequestID] || err != nil || at.Before(resetAt) {
				t.Errorf("%s account: event %s %s at %s (request %s) survived the reset at %s",
					name, r.EventSource, r.EventName, r.EventTime, r.RequestID, resetAt.UTC().Format(time.RFC3339))
			}
		}
	}
}

func TestWithoutDevModeNoTestKeyAndNoReset(t *testing.T) {
	srv := startNode(t, testserver.Options{})
	_, err := sts.NewFromConfig(srv.Config("test", "test", "")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	ae := expectAPIError(t, err, "InvalidClientTokenId", http.StatusForbidden)
	if ae.ErrorMessage() != msgInvalidToken {
		t.Errorf("message = %q", ae.ErrorMessage())
	}

	_, id := callerIdentity(t, srv, srv.Root.AccessKeyID, srv.Root.SecretAccessKey)
	waitForEvent(t, rootCloudTrail(srv), cttypes.LookupAttributeKeyEventName, "GetCallerIdentity", id)
	status, body := postReset(t, srv)
	if status < 400 || status >= 500 {
		t.Errorf("POST /moto-api/reset without dev mode: status %d (%s), want a client error", status, body)
	}
	if strings.Contains(body, `"status":"ok"`) {
		t.Errorf("POST /moto-api/reset without dev mode answered like a reset: %s", body)
	}
	// Nothing was wiped: the call before is still in the trail.
	found := false
	for _, r := range allEvents(t, rootCloudTrail(srv)) {
		found = found || r.RequestID == id
	}
	if !found {
		t.Errorf("the event of request %s is gone after POST /moto-api/reset without dev mode", id)
	}
}

// TestDevModeServesUnsignedRequests: moto_server and LocalStack answer
// requests that carry no signature at all, so dev mode does too, as the
// default account's root user; outside dev mode they are refused.
func TestDevModeServesUnsignedRequests(t *testing.T) {
	unsigned := func(srv *testserver.Server) (int, string) {
		res, err := http.Post(srv.URL+"/", "application/x-www-form-urlencoded",
			strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	dev := testserver.Start(t, testserver.Options{Dev: true})
	status, body := unsigned(dev)
	if status != http.StatusOK || !strings.Contains(body, "<Arn>arn:aws:iam::000000000000:root</Arn>") {
		t.Fatalf("dev mode, unsigned: %d %s", status, body)
	}
	prod := testserver.Start(t, testserver.Options{})
	status, body = unsigned(prod)
	if status != http.StatusForbidden || !strings.Contains(body, "<Code>MissingAuthenticationToken</Code>") {
		t.Fatalf("without dev mode, unsigned: %d %s", status, body)
	}
}
