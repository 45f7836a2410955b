package protocol

import (
	"encoding/json"
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
