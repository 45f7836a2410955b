package audit

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
)

// TestNoSecretCarryingFields walks the Event type: no field, at any depth,
// may be named like a credential. Adding one (say, a SessionToken in
// UserIdentity) must be a deliberate change of this test.
func TestNoSecretCarryingFields(t *testing.T) {
	forbidden := []string{"secret", "token", "password", "privatekey", "credential", "signature", "plaintext"}
	var walk func(tp reflect.Type, path string)
	seen := map[reflect.Type]bool{}
	walk = func(tp reflect.Type, path string) {
		for tp.Kind() == reflect.Pointer || tp.Kind() == reflect.Slice {
			tp = tp.Elem()
		}
		if tp.Kind() != reflect.Struct || seen[tp] || tp.PkgPath() != reflect.TypeFor[Event]().PkgPath() {
			return
		}
		seen[tp] = true
		for f := range tp.Fields() {
			names := []string{strings.ToLower(f.Name), strings.ToLower(f.Tag.Get("json"))}
			for _, n := range names {
				for _, bad := range forbidden {
					if strings.Contains(n, bad) {
						t.Errorf("%s.%s (json %q) looks like it carries a secret", path, f.Name, f.Tag.Get("json"))
					}
				}
			}
			walk(f.Type, path+"."+f.Name)
		}
	}
	walk(reflect.TypeFor[Event](), "Event")
}

// TestRecordsCarryNoSessionSecrets: whatever a principal's session holds,
// its record has only the documented identity fields.
func TestRecordsCarryNoSessionSecrets(t *testing.T) {
	p := *rolePrincipal
	s := *p.Session
	s.Tags = map[string]string{"project": "tag-value-not-recorded"}
	s.TransitiveTagKeys = []string{"project"}
	p.Session = &s
	rec := string(apiEvent(&p).AppendJSON(nil))
	for _, leak := range []string{"tag-value-not-recorded", "Expiration", "expiration"} {
		if strings.Contains(rec, leak) {
			t.Errorf("record contains %q:\n%s", leak, rec)
		}
	}
}

func TestRedactJSON(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		changed  bool
	}{
		{`{"userName":"Bob"}`, `{"userName":"Bob"}`, false},
		{`null`, `null`, false},
		{``, ``, false},
		// A CreateAccessKey response whose service forgot to redact.
		{`{"accessKey":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","status":"Active"}}`,
			`{"accessKey":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"HIDDEN_DUE_TO_SECURITY_REASONS","status":"Active"}}`, true},
		// STS credentials, PascalCase, in an array.
		{`{"Credentials":[{"SessionToken":"FwoG...","SecretAccessKey":"x","AccessKeyId":"ASIAIOSFODNN7EXAMPLE"}]}`,
			`{"Credentials":[{"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","SecretAccessKey":"HIDDEN_DUE_TO_SECURITY_REASONS","SessionToken":"HIDDEN_DUE_TO_SECURITY_REASONS"}]}`, true},
		// Objects as secret values are hidden whole.
		{`{"password":{"a":1},"n":12345678901234567890}`, `{"n":12345678901234567890,"password":"HIDDEN_DUE_TO_SECURITY_REASONS"}`, true},
		// Names written with escapes are still names.
		{`{"pass\u0077ord":"hunter2"}`, `{"password":"HIDDEN_DUE_TO_SECURITY_REASONS"}`, true},
		// An escaped quote must not desynchronise the scan.
		{`{"note":"he said \"","newPassword":"hunter2"}`, `{"newPassword":"HIDDEN_DUE_TO_SECURITY_REASONS","note":"he said \""}`, true},
		// A secret name as a value, or a longer member name, hides nothing.
		{`{"field":"password","passwordResetRequired":true}`, `{"field":"password","passwordResetRequired":true}`, false},
		// HTML characters are not escaped on rewrite.
		{`{"plaintext":"x","policy":"<a&b>"}`, `{"plaintext":"HIDDEN_DUE_TO_SECURITY_REASONS","policy":"<a&b>"}`, true},
		// Invalid JSON is left for the encoder (which writes null).
		{`{"password":`, `{"password":`, false},
	} {
		got, changed := RedactJSON(json.RawMessage(tc.in))
		if string(got) != tc.want || changed != tc.changed {
			t.Errorf("RedactJSON(%s) = %s, %v; want %s, %v", tc.in, got, changed, tc.want, tc.changed)
		}
	}
}

func TestRedactJSONDoesNotModifyInput(t *testing.T) {
	in := json.RawMessage(`{"secretAccessKey":"wJalr"}`)
	orig := string(in)
	RedactJSON(in)
	if string(in) != orig {
		t.Errorf("input modified: %s", in)
	}
}

// TestRecorderRedacts: a secret a service left in its response never
// reaches the store or the bus.
func TestRecorderRedacts(t *testing.T) {
	st := newMemStore()
	bus := NewBus()
	sub := bus.Subscribe("test", 10)
	r := NewRecorder(st, bus, Options{FlushInterval: 10 * time.Millisecond, Logger: quietLog})
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	ev := apiEvent(userPrincipal)
	ev.EventName = "CreateAccessKey"
	ev.ResponseElements = json.RawMessage(`{"accessKey":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"` + secret + `"}}`)
	ev.AdditionalEventData = json.RawMessage(`{"SessionToken":"token-value"}`)
	ev.UserIdentity.AccessKeyID = secret // a broken caller passing a secret as key id
	r.Record(ev)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	events, _ := st.snapshot()
	if len(events) != 1 {
		t.Fatalf("%d events stored", len(events))
	}
	for _, leak := range []string{secret, "token-value"} {
		if strings.Contains(string(events[0].JSON), leak) || strings.Contains(events[0].AccessKeyID, leak) {
			t.Errorf("stored record leaks %q: %s", leak, events[0].JSON)
		}
	}
	published := <-sub.C
	if got, _ := json.Marshal(published); strings.Contains(string(got), secret) {
		t.Errorf("published event leaks the secret: %s", got)
	}
}

// TestUserIdentityForHidesMalformedKeys: a failed authentication with a
// secret-shaped key id records Hidden.
func TestUserIdentityForHidesMalformedKeys(t *testing.T) {
	ui := UserIdentityFor(&identity.Principal{AccessKeyID: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})
	if ui.AccessKeyID != Hidden {
		t.Errorf("accessKeyId = %q, want %q", ui.AccessKeyID, Hidden)
	}
}
