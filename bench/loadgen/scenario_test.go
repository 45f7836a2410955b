package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestBuiltinScenarios(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Builtin() {
		if s.Name == "" || seen[s.Name] {
			t.Fatalf("scenario name %q empty or duplicated", s.Name)
		}
		seen[s.Name] = true
		for _, r := range append([]Request{s.Request}, stepRequests(s.Setup)...) {
			if r.Service == "" || r.Region == "" || r.Status == 0 {
				t.Errorf("%s: incomplete request %+v", s.Name, r)
			}
		}
		if got, ok := Lookup(s.Name); !ok || got.Name != s.Name {
			t.Errorf("Lookup(%q) failed", s.Name)
		}
	}
	for _, want := range []string{"getcalleridentity", "iam-getuser", "kms-encrypt"} {
		if !seen[want] {
			t.Errorf("missing scenario %s", want)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup of unknown name succeeded")
	}
	if names := Names(); len(names) != len(seen) {
		t.Errorf("Names() = %v", names)
	}

	kms, _ := Lookup("kms-encrypt")
	var body struct {
		KeyID             string            `json:"KeyId"`
		Plaintext         []byte            `json:"Plaintext"`
		EncryptionContext map[string]string `json:"EncryptionContext"`
	}
	if err := json.Unmarshal([]byte(kms.Request.Body), &body); err != nil {
		t.Fatalf("kms-encrypt body is not JSON: %v", err)
	}
	if len(body.Plaintext) != 256 || len(body.EncryptionContext) == 0 || body.KeyID != "{{KeyId}}" {
		t.Fatalf("kms-encrypt body: %+v", body)
	}
	if kms.SignAs == nil {
		t.Fatal("kms-encrypt signs its load with the setup's (root) credentials, not an IAM user's")
	}
}

func stepRequests(steps []Step) []Request {
	var rs []Request
	for _, s := range steps {
		rs = append(rs, s.Request)
	}
	return rs
}

func TestQueryEncoding(t *testing.T) {
	r := Query("iam", "us-east-1", "GetUser", "2010-05-08", "UserName", "a b+c", "Path", "/x/")
	if r.Body != "Action=GetUser&UserName=a+b%2Bc&Path=%2Fx%2F&Version=2010-05-08" {
		t.Fatalf("body = %s", r.Body)
	}
	v, err := url.ParseQuery(r.Body)
	if err != nil || v.Get("UserName") != "a b+c" {
		t.Fatalf("round trip: %v %v", v, err)
	}
	if r.Method != "POST" || r.Status != 200 || !strings.HasPrefix(r.Header["Content-Type"], "application/x-www-form-urlencoded") {
		t.Fatalf("request = %+v", r)
	}
}

func TestSignSerializesAValidRequest(t *testing.T) {
	r := JSON11("kms", "eu-west-1", "TrentService.Encrypt", `{"KeyId":"k"}`)
	raw, err := r.Sign("127.0.0.1:4566", DevCredentials, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), "id-1")
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("net/http cannot parse the raw request: %v\n%s", err, raw)
	}
	body, _ := io.ReadAll(req.Body)
	checks := map[string]bool{
		"method":         req.Method == "POST",
		"target":         req.RequestURI == "/",
		"host":           req.Host == "127.0.0.1:4566",
		"body":           string(body) == r.Body,
		"content-length": req.ContentLength == int64(len(r.Body)),
		"x-amz-target":   req.Header.Get("X-Amz-Target") == "TrentService.Encrypt",
		"date":           req.Header.Get("X-Amz-Date") == "20250102T030405Z",
		"scope":          strings.Contains(req.Header.Get("Authorization"), "Credential=test/20250102/eu-west-1/kms/aws4_request"),
		"signed headers": strings.Contains(req.Header.Get("Authorization"), "SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target"),
		"invocation id":  req.Header.Get("Amz-Sdk-Invocation-Id") == "id-1",
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf("%s wrong in:\n%s", what, raw)
		}
	}
	forged := ForgeSignature(raw)
	if len(forged) != len(raw) || bytes.Equal(forged, raw) || ForgeSignature([]byte("GET / HTTP/1.1\r\n\r\n")) != nil {
		t.Errorf("ForgeSignature did not change exactly the signature")
	}
	if id := newInvocationID(); len(id) != 36 || id[14] != '4' || id == newInvocationID() {
		t.Errorf("invocation ID %q", id)
	}
}

// TestPrepareCapturesSetupValues runs the kms-encrypt setup against a
// fake KMS and IAM and checks that the captured key ID and ARN reach the
// IAM policy and the measured request, and the user's access key the
// credentials the load is signed with.
func TestPrepareCapturesSetupValues(t *testing.T) {
	var created int
	var policy string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "" {
			if err := r.ParseForm(); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			switch r.PostForm.Get("Action") {
			case "CreateUser":
				_, _ = io.WriteString(w, `<CreateUserResponse><CreateUserResult/></CreateUserResponse>`)
			case "PutUserPolicy":
				policy = r.PostForm.Get("PolicyDocument")
				_, _ = io.WriteString(w, `<PutUserPolicyResponse/>`)
			case "CreateAccessKey":
				_, _ = io.WriteString(w, `<CreateAccessKeyResponse><CreateAccessKeyResult><AccessKey>`+
					`<AccessKeyId>AKIAFAKEUSER00000000</AccessKeyId><SecretAccessKey>s3cr3t/x+y</SecretAccessKey>`+
					`</AccessKey></CreateAccessKeyResult></CreateAccessKeyResponse>`)
			default:
				http.Error(w, "<Error><Code>InvalidAction</Code></Error>", http.StatusBadRequest)
			}
			return
		}
		switch r.Header.Get("X-Amz-Target") {
		case "TrentService.CreateKey":
			created++
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_, _ = io.WriteString(w, `{"KeyMetadata":{"Arn":"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab","KeyId" : "1234abcd-12ab"}}`)
		case "TrentService.Conflict":
			http.Error(w, `{"__type":"AlreadyExistsException"}`, http.StatusConflict)
		default:
			http.Error(w, `{"__type":"UnknownOperationException"}`, http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	addr := addrOf(srv)
	kms, _ := Lookup("kms-encrypt")
	req, creds, err := kms.PrepareAs(context.Background(), addr, DevCredentials)
	if err != nil {
		t.Fatal(err)
	}
	if created != 1 || !strings.Contains(req.Body, `"KeyId":"1234abcd-12ab"`) || strings.Contains(req.Body, "{{") {
		t.Fatalf("prepared body: %s", req.Body)
	}
	if kms.Request.Body == req.Body {
		t.Fatal("Prepare modified the scenario instead of a copy")
	}
	var doc struct {
		Statement []struct{ Effect, Action, Resource string }
	}
	if err := json.Unmarshal([]byte(policy), &doc); err != nil || len(doc.Statement) != 1 ||
		doc.Statement[0].Action != "kms:Encrypt" || doc.Statement[0].Resource != "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab" {
		t.Fatalf("the user's policy: %s (%v)", policy, err)
	}
	if creds.AccessKeyID != "AKIAFAKEUSER00000000" || creds.SecretAccessKey != "s3cr3t/x+y" {
		t.Fatalf("load signed with %+v, not the user's key", creds)
	}

	// A status listed in Accept lets the setup proceed.
	ok := Scenario{
		Setup:   []Step{{Request: JSON11("kms", "us-east-1", "TrentService.Conflict", "{}"), Accept: []int{409}}},
		Request: JSON11("kms", "us-east-1", "TrentService.Encrypt", "{}"),
	}
	if _, err := ok.Prepare(context.Background(), addr, DevCredentials); err != nil {
		t.Fatalf("accepted status refused: %v", err)
	}

	for name, s := range map[string]Scenario{
		"wrong status": {Setup: []Step{{Request: JSON11("kms", "us-east-1", "TrentService.Nope", "{}")}}},
		"no match": {Setup: []Step{{
			Request: JSON11("kms", "us-east-1", "TrentService.CreateKey", "{}"),
			Capture: map[string]string{"X": `"Missing":"([^"]+)"`},
		}}},
		"unfilled placeholder": {Request: JSON11("kms", "us-east-1", "TrentService.Encrypt", `{"KeyId":"{{KeyId}}"}`)},
	} {
		if _, err := s.Prepare(context.Background(), addr, DevCredentials); err == nil {
			t.Errorf("%s: Prepare succeeded", name)
		}
	}
}
