package protocol

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAuditJSON(t *testing.T) {
	created := time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC)
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, `null`},
		{"typed nil", (*iamCreateUserInput)(nil), `null`},
		{"request", &iamCreateUserInput{UserName: ptr("bob"), Tags: []iamTag{{Key: ptr("k"), Value: ptr("v")}}},
			`{"userName":"bob","tags":[{"key":"k","value":"v"}]}`},
		{"sensitive", &iamCreateLoginProfileInput{UserName: ptr("bob"), Password: ptr("hunter2"), PasswordResetRequired: ptr(true)},
			`{"userName":"bob","password":"HIDDEN_DUE_TO_SECURITY_REASONS","passwordResetRequired":true}`},
		{"blobs left out", &kmsEncryptInput{KeyId: ptr("alias/x"), Plaintext: []byte("secret"), EncryptionContext: map[string]string{"b": "2", "a": "1"}, EncryptionAlgorithm: "SYMMETRIC_DEFAULT"},
			`{"keyId":"alias/x","encryptionContext":{"a":"1","b":"2"},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`},
		{"response with time", &iamCreateUserOutput{User: &iamUser{UserName: ptr("bob"), CreateDate: &created}},
			`{"user":{"userName":"bob","createDate":"Nov 27, 2026, 3:26:46 PM"}}`},
		{"nested secret and numbers", &sinkShape{Required: ptr("r"), Leaves: []sinkLeaf{{Name: ptr("n"), Count: ptr(int64(2)), Secret: ptr("s")}}, Float: ptr(0.5), Doc: map[string]any{"x": []any{1.0}}},
			`{"float":0.5,"leaves":[{"name":"n","count":2,"secret":"HIDDEN_DUE_TO_SECURITY_REASONS"}],"doc":{"x":[1]},"required":"r"}`},
		{"empty", &stsGetCallerIdentityInput{}, `{}`},
		{"header member named by field", &sinkRestInput{Bucket: ptr("b"), ReqID: ptr("id")}, `{"bucket":"b","reqID":"id"}`},
	} {
		got := AuditJSON(nil, tc.in)
		if string(got) != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
		if !json.Valid(got) {
			t.Errorf("%s: invalid JSON", tc.name)
		}
	}
	// AuditJSON appends.
	if got := string(AuditJSON([]byte(`{"requestParameters":`), &iamGetUserInput{UserName: ptr("x")})); got != `{"requestParameters":{"userName":"x"}` {
		t.Errorf("append: %s", got)
	}
	// Afternoon and morning, single-digit hours and days.
	morning := &iamCreateUserOutput{User: &iamUser{CreateDate: ptr(time.Date(2026, 1, 5, 0, 7, 9, 0, time.UTC))}}
	if got := string(AuditJSON(nil, morning)); got != `{"user":{"createDate":"Jan 5, 2026, 12:07:09 AM"}}` {
		t.Errorf("morning: %s", got)
	}
}

// TestAuditJSONChecked: the document is AuditJSON's, and clean only when no
// member name or map key the check flags was written (hidden or not) and
// no free-form document was.
func TestAuditJSONChecked(t *testing.T) {
	secret := func(name string) bool {
		return strings.EqualFold(name, "secret") || strings.EqualFold(name, "password")
	}
	for _, tc := range []struct {
		name  string
		in    any
		clean bool
	}{
		{"nil", nil, true},
		{"plain", &iamCreateUserInput{UserName: ptr("bob"), Tags: []iamTag{{Key: ptr("secret"), Value: ptr("password")}}}, true},
		{"string map", &sinkShape{Required: ptr("r"), Map: map[string]string{"b": "secret", "a": "2", "c": "3"}}, true},
		{"string map secret key", &sinkShape{Map: map[string]string{"a": "1", "Password": "hunter2"}}, false},
		{"named string map secret key", &sinkShape{NamedMap: map[string]string{"SECRET": "s"}}, false},
		{"struct map secret key", &sinkShape{LeafMap: map[string]sinkLeaf{"password": {Name: ptr("n")}}}, false},
		{"list map secret key", &sinkShape{ListMap: map[string][]string{"password": {"p"}}}, false},
		{"hidden secret member", &sinkShape{Leaves: []sinkLeaf{{Name: ptr("n"), Secret: ptr("s")}}}, false},
		{"hidden password", &iamCreateLoginProfileInput{UserName: ptr("bob"), Password: ptr("hunter2")}, false},
		{"absent secret member", &sinkShape{Leaves: []sinkLeaf{{Name: ptr("n")}}}, true},
		{"document", &sinkShape{Doc: map[string]any{"x": 1.0}}, false},
		{"blob left out", &kmsEncryptInput{KeyId: ptr("k"), Plaintext: []byte("p"), EncryptionContext: map[string]string{"k": "v"}}, true},
		{"not a structure", map[string]string{"a": "b"}, false},
	} {
		got, clean := AuditJSONChecked([]byte("prefix"), tc.in, secret)
		if want := AuditJSON([]byte("prefix"), tc.in); string(got) != string(want) {
			t.Errorf("%s: wrote %s, AuditJSON %s", tc.name, got, want)
		}
		if clean != tc.clean {
			t.Errorf("%s: clean = %v, want %v (%s)", tc.name, clean, tc.clean, got)
		}
		if _, clean := AuditJSONChecked(nil, tc.in, nil); clean {
			t.Errorf("%s: clean without a check", tc.name)
		}
	}
	// Maps of strings are written sorted, like other maps.
	m := map[string]string{}
	for i := range 20 {
		m[string(rune('t'-i))+"k"] = "v\u2028\"" + string(rune('a'+i))
	}
	got := AuditJSON(nil, &sinkShape{Map: m, LeafMap: map[string]sinkLeaf{"b": {}, "a": {}}})
	var back struct {
		Map map[string]string `json:"map"`
	}
	if err := json.Unmarshal(got, &back); err != nil || len(back.Map) != len(m) {
		t.Fatalf("%s: %v", got, err)
	}
	var keys []string
	dec := json.NewDecoder(strings.NewReader(string(got)))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := tok.(string); ok && strings.HasSuffix(s, "k") && len(s) == 2 {
			keys = append(keys, s)
		}
	}
	if len(keys) != 20 || !slices.IsSorted(keys) {
		t.Errorf("map keys written in order %v", keys)
	}
}
