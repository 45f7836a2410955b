package audit

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	testTime    = time.Date(2024, 5, 1, 12, 34, 56, 789_000_000, time.UTC)
	sessionTime = time.Date(2024, 5, 1, 11, 0, 0, 0, time.UTC)
)

// Principals of each type, shaped like AWS's documentation examples.
var (
	rootPrincipal = &identity.Principal{
		Type:        identity.Root,
		AccountID:   "123456789012",
		ARN:         "arn:aws:iam::123456789012:root",
		PrincipalID: "123456789012",
		AccessKeyID: "AKIAIOSFODNN7EXAMPLE",
	}
	userPrincipal = &identity.Principal{
		Type:        identity.IAMUser,
		AccountID:   "123456789012",
		ARN:         "arn:aws:iam::123456789012:user/Alice",
		PrincipalID: "AIDAJ45Q7YFFAREXAMPLE",
		UserName:    "Alice",
		AccessKeyID: "AKIAIOSFODNN7EXAMPLE",
	}
	userSessionPrincipal = &identity.Principal{
		Type:        identity.IAMUser,
		AccountID:   "123456789012",
		ARN:         "arn:aws:iam::123456789012:user/Alice",
		PrincipalID: "AIDAJ45Q7YFFAREXAMPLE",
		UserName:    "Alice",
		AccessKeyID: "ASIAIOSFODNN7EXAMPLE",
		Session: &identity.Session{
			IssuedAt:           sessionTime,
			MFAAuthenticated:   true,
			MFAAuthenticatedAt: sessionTime,
			IssuerARN:          "arn:aws:iam::123456789012:user/Alice",
			IssuerPrincipalID:  "AIDAJ45Q7YFFAREXAMPLE",
			IssuerType:         "IAMUser",
		},
	}
	rolePrincipal = &identity.Principal{
		Type:        identity.AssumedRole,
		AccountID:   "123456789012",
		ARN:         "arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed/MySessionName",
		PrincipalID: "AROAIDPPEZS35WEXAMPLE:MySessionName",
		UserName:    "RoleToBeAssumed",
		AccessKeyID: "ASIAIOSFODNN7EXAMPLE",
		Session: &identity.Session{
			IssuedAt:          sessionTime,
			Expiration:        sessionTime.Add(time.Hour),
			SourceIdentity:    "alice@example.com",
			Tags:              map[string]string{"team": "blue"},
			IssuerARN:         "arn:aws:iam::123456789012:role/path/RoleToBeAssumed",
			IssuerPrincipalID: "AROAIDPPEZS35WEXAMPLE",
			IssuerType:        "Role",
		},
	}
	federatedPrincipal = &identity.Principal{
		Type:        identity.FederatedUser,
		AccountID:   "123456789012",
		ARN:         "arn:aws:sts::123456789012:federated-user/Bob",
		PrincipalID: "123456789012:Bob",
		AccessKeyID: "ASIAIOSFODNN7EXAMPLE",
		Session: &identity.Session{
			IssuedAt:          sessionTime,
			IssuerARN:         "arn:aws:iam::123456789012:user/Alice",
			IssuerPrincipalID: "AIDAJ45Q7YFFAREXAMPLE",
			IssuerType:        "IAMUser",
		},
	}
)

// apiEvent is a typical call by p, complete as the recorder leaves it.
func apiEvent(p *identity.Principal) *Event {
	return &Event{
		EventVersion:       EventVersion,
		UserIdentity:       UserIdentityFor(p),
		EventTime:          testTime,
		EventSource:        "iam.amazonaws.com",
		EventName:          "GetUser",
		AWSRegion:          "us-east-1",
		SourceIPAddress:    "203.0.113.64",
		UserAgent:          "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22",
		RequestParameters:  json.RawMessage(`{"userName":"Alice"}`),
		RequestID:          "3d1ffeb1-94cd-4b9c-a83c-161f6eeea990",
		EventID:            "e105f24b-7632-499e-86eb-0cbf0d2c6aed",
		ReadOnly:           true,
		EventType:          EventTypeAPICall,
		ManagementEvent:    true,
		RecipientAccountID: "123456789012",
		EventCategory:      CategoryManagement,
	}
}

// checkGolden compares got (compact JSON) with testdata/name, which holds the
// same document indented; -update rewrites the file.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		var buf bytes.Buffer
		if err := json.Indent(&buf, got, "", "  "); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, got)
		}
		buf.WriteByte('\n')
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, want); err != nil {
		t.Fatalf("golden %s: %v", name, err)
	}
	if !bytes.Equal(got, compact.Bytes()) {
		t.Errorf("%s mismatch\n got: %s\nwant: %s", name, got, compact.Bytes())
	}
}

func TestEventJSONGolden(t *testing.T) {
	failedAuth := apiEvent(nil)
	failedAuth.UserIdentity = UnknownIdentity("AKIAI44QH8DHBEXAMPLE")
	failedAuth.RecipientAccountID = "123456789012"
	failedAuth.ErrorCode = "InvalidClientTokenId"
	failedAuth.ErrorMessage = "The security token included in the request is invalid."
	failedAuth.RequestParameters = nil
	failedAuth.ReadOnly = true

	full := apiEvent(rolePrincipal)
	full.EventSource = "iam.amazonaws.com"
	full.EventName = "CreateRole"
	full.ReadOnly = false
	full.ErrorCode = "AccessDenied"
	full.ErrorMessage = `User: arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed/MySessionName is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/x because no identity-based policy allows the iam:CreateRole action`
	full.RequestParameters = json.RawMessage(`{"roleName":"x","assumeRolePolicyDocument":"{\"Version\":\"2012-10-17\"}"}`)
	full.ResponseElements = nil
	full.AdditionalEventData = json.RawMessage(`{"note":"<&>"}`)
	full.Resources = []Resource{{ARN: "arn:aws:iam::123456789012:role/x", AccountID: "123456789012", Type: "AWS::IAM::Role"}}
	full.TLSDetails = &TLSDetails{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ClientProvidedHostHeader: "iam.amazonaws.com"}

	created := apiEvent(userPrincipal)
	created.EventName = "CreateUser"
	created.ReadOnly = false
	created.RequestParameters = json.RawMessage(`{"userName":"Bob"}`)
	created.ResponseElements = json.RawMessage(`{"user":{"path":"/","userName":"Bob","userId":"AIDACKCEVSQ6C2EXAMPLE","arn":"arn:aws:iam::123456789012:user/Bob","createDate":"May 1, 2024, 12:34:56 PM"}}`)

	for _, tc := range []struct {
		name string
		ev   *Event
	}{
		{"root.json", apiEvent(rootPrincipal)},
		{"iam_user.json", created},
		{"iam_user_session.json", apiEvent(userSessionPrincipal)},
		{"assumed_role.json", apiEvent(rolePrincipal)},
		{"federated_user.json", apiEvent(federatedPrincipal)},
		{"auth_failure.json", failedAuth},
		{"full.json", full},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.ev.AppendJSON(nil)
			if !json.Valid(got) {
				t.Fatalf("invalid JSON: %s", got)
			}
			checkGolden(t, tc.name, got)
			checkRoundTrip(t, tc.ev, got)
		})
	}
}

// checkRoundTrip decodes a record with encoding/json (through the struct
// tags) and encodes it again: the tags and the hand-written encoder agree if
// nothing changes.
func checkRoundTrip(t *testing.T, ev *Event, record []byte) {
	t.Helper()
	var back Event
	if err := json.Unmarshal(record, &back); err != nil {
		t.Fatalf("decoding the record: %v", err)
	}
	if again := back.AppendJSON(nil); !bytes.Equal(again, record) {
		t.Errorf("round trip changed the record\nbefore: %s\n after: %s", record, again)
	}
	if !back.EventTime.Equal(ev.EventTime.Truncate(time.Second)) {
		t.Errorf("eventTime = %v, want %v", back.EventTime, ev.EventTime.Truncate(time.Second))
	}
}

func TestEventJSONFormats(t *testing.T) {
	ev := apiEvent(rolePrincipal)
	ev.EventTime = time.Date(2024, 5, 1, 14, 34, 56, 999_999_999, time.FixedZone("CEST", 2*3600))
	got := string(ev.AppendJSON(nil))
	for _, want := range []string{
		`"eventVersion":"1.11"`,
		`"eventTime":"2024-05-01T12:34:56Z"`,    // UTC, seconds, Z
		`"creationDate":"2024-05-01T11:00:00Z"`, // same format
		`"mfaAuthenticated":"false"`,            // a string
		`"requestParameters":{"userName":"Alice"}`,
		`"responseElements":null`, // present and null when empty
		`"readOnly":true`,
		`"managementEvent":true`,
		`"eventCategory":"Management"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("record lacks %s:\n%s", want, got)
		}
	}
	for _, absent := range []string{`"errorCode"`, `"errorMessage"`, `"additionalEventData"`, `"resources"`, `"tlsDetails"`, `"invokedBy"`} {
		if strings.Contains(got, absent) {
			t.Errorf("record has empty field %s:\n%s", absent, got)
		}
	}
}

func TestMarshalJSONMatchesAppendJSON(t *testing.T) {
	ev := apiEvent(rolePrincipal)
	want := ev.AppendJSON(nil)
	for _, v := range []any{ev, *ev} {
		got, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("json.Marshal(%T) =\n%s\nwant\n%s", v, got, want)
		}
	}
	ui, err := json.Marshal(ev.UserIdentity)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(want, ui) {
		t.Errorf("json.Marshal(UserIdentity) = %s, not the record's", ui)
	}
}

func TestAppendStringEscapes(t *testing.T) {
	for _, s := range []string{
		"", "plain", `q"uote`, `back\slash`, "nl\n tab\t cr\r", "ctl\x00\x01\x1f",
		"<html>&amp;", "é ü 日本", "bad\xffutf8", "sep\u2028\u2029", "emoji 🙂",
	} {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("appendString(%q) = %s: not a JSON string: %v", s, got, err)
			continue
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if back != want {
			t.Errorf("appendString(%q) decodes to %q, want %q", s, back, want)
		}
		if bytes.ContainsAny(got, "\u2028\u2029") {
			t.Errorf("appendString(%q) = %s keeps a line separator", s, got)
		}
	}
	if got := string(appendString(nil, "<&>")); got != `"<&>"` {
		t.Errorf("HTML characters escaped: %s", got)
	}
}

func TestInvalidRawDocumentsBecomeNull(t *testing.T) {
	ev := apiEvent(userPrincipal)
	ev.RequestParameters = json.RawMessage(`{"broken":`)
	ev.ResponseElements = json.RawMessage(`not json`)
	ev.AdditionalEventData = json.RawMessage(`{"a":1}}`)
	got := ev.AppendJSON(nil)
	if !json.Valid(got) {
		t.Fatalf("invalid record: %s", got)
	}
	for _, want := range []string{`"requestParameters":null`, `"responseElements":null`, `"additionalEventData":null`} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("record lacks %s: %s", want, got)
		}
	}
}

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// uuidV7Millis returns the Unix milliseconds at the start of a version 7 id.
func uuidV7Millis(t *testing.T, id string) int64 {
	t.Helper()
	ms, err := strconv.ParseInt(strings.ReplaceAll(id[:13], "-", ""), 16, 64)
	if err != nil {
		t.Fatalf("%q: %v", id, err)
	}
	return ms
}

func TestEventIDs(t *testing.T) {
	seen := map[string]bool{}
	var src idSource
	before := time.Now().UnixMilli()
	prev := ""
	for i := 0; i < 3000; i++ { // more than one buffer of the idSource
		for _, id := range []string{NewEventID(), src.next()} {
			if !uuidV7.MatchString(id) {
				t.Fatalf("%q is not a version 7 UUID", id)
			}
			if seen[id] {
				t.Fatalf("duplicate id %s", id)
			}
			seen[id] = true
			if id <= prev {
				t.Fatalf("id %s does not sort after the previous one, %s", id, prev)
			}
			prev = id
		}
	}
	after := time.Now().UnixMilli()
	// 6000 ids cannot push the time more than 2 ms ahead.
	for id := range seen {
		if ms := uuidV7Millis(t, id); ms < before || ms > after+2 {
			t.Fatalf("id %s has time %d, not in [%d, %d]", id, ms, before, after)
		}
	}
}

// TestEventIDsConcurrent makes ids from several goroutines: all unique, and
// increasing within each goroutine.
func TestEventIDsConcurrent(t *testing.T) {
	const workers, each = 4, 2000
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var src idSource
			for i := range each {
				if i%2 == 0 {
					ids[w] = append(ids[w], NewEventID())
				} else {
					ids[w] = append(ids[w], src.next())
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for w := range ids {
		for i, id := range ids[w] {
			if seen[id] {
				t.Fatalf("duplicate id %s", id)
			}
			seen[id] = true
			if i > 0 && id <= ids[w][i-1] {
				t.Fatalf("worker %d: id %s after %s", w, id, ids[w][i-1])
			}
		}
	}
}

// TestV7ClockSteps checks the time field: the sub-millisecond fraction, and
// that a clock stepping back does not make ids go back.
func TestV7ClockSteps(t *testing.T) {
	var last atomic.Uint64
	at := time.Unix(4102444800, 500_000_000)
	t1 := v7Clock(&last, at)
	if ms, frac := t1>>12, t1&0xfff; ms != uint64(at.UnixMilli()) || frac != 0 {
		t.Fatalf("time field %x: ms %d frac %d, want %d and 0", t1, ms, frac, at.UnixMilli())
	}
	t2 := v7Clock(&last, at.Add(-time.Hour))
	if t2 != t1+1 {
		t.Fatalf("after a step back: %x, want %x", t2, t1+1)
	}
	t3 := v7Clock(&last, at.Add(time.Millisecond/2))
	if want := t1 + 2048; t3 != want {
		t.Fatalf("half a millisecond later: %x, want %x", t3, want)
	}
	var s [36]byte
	formatUUIDv7(&s, t3, &[8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	if got, want := string(s[:]), fmt.Sprintf("%08x-%04x-7800-bfff-ffffffffffff", t3>>28, (t3>>12)&0xffff); got != want {
		t.Fatalf("formatted %q, want %q", got, want)
	}
}

func TestTLSDetailsFor(t *testing.T) {
	if TLSDetailsFor(nil, "iam.amazonaws.com") != nil {
		t.Error("plain HTTP got tlsDetails")
	}
	for _, tc := range []struct {
		version, suite uint16
		wantV, wantS   string
	}{
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"},
		{tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305"},
		{tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256, "TLSv1.3", "TLS_AES_128_GCM_SHA256"},
		{tls.VersionTLS13, tls.TLS_CHACHA20_POLY1305_SHA256, "TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256"},
	} {
		got := TLSDetailsFor(&tls.ConnectionState{Version: tc.version, CipherSuite: tc.suite}, "iam.amazonaws.com")
		want := &TLSDetails{TLSVersion: tc.wantV, CipherSuite: tc.wantS, ClientProvidedHostHeader: "iam.amazonaws.com"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("TLSDetailsFor(%x, %x) = %+v, want %+v", tc.version, tc.suite, got, want)
		}
	}
}
