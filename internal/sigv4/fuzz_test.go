package sigv4

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// FuzzParseAuthorization checks that any Authorization header parses
// without panicking, into substrings of the input, and that Scope copes
// with it. Seeds: testdata/fuzz/FuzzParseAuthorization.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123")
	f.Add("AWS4- Signature=b,Credential=a")
	f.Add("AWS4-HMAC-SHA256 Credential")
	f.Fuzz(func(t *testing.T, value string) {
		a, err := parseAuthorization(value)
		if err != nil {
			if err.Kind != IncompleteSignature || err.Message == "" {
				t.Fatalf("error %+v", err)
			}
			return
		}
		for _, s := range []string{a.algorithm, a.credential, a.signedHeaders, a.signature} {
			if !strings.Contains(value, s) {
				t.Fatalf("%q is not part of %q", s, value)
			}
		}
		if c, ok := parseCredential(a.credential); ok {
			if c.accessKeyID+"/"+c.scope != strings.TrimRight(a.credential, "/") {
				t.Fatalf("credential %q split into %+v", a.credential, c)
			}
		}
		r := &http.Request{Header: http.Header{"Authorization": {value}}, URL: &url.URL{RawQuery: value}}
		Scope(r)
		signsHost(a.signedHeaders)
		appendCanonicalHeaders(nil, r, a.signedHeaders)
	})
}

// FuzzVerify feeds arbitrary methods, request targets, headers and bodies
// to Verify, which must never panic and must fail only with *Error (the
// Lookup here never fails otherwise). Seeds: testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	f.Add("POST", "/?x=1", "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00\nX-Amz-Date: 20261127T150000Z", "Action=X")
	f.Add("GET", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261127%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261127T150000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "", "")
	v := &Verifier{
		Lookup: func(_ context.Context, id string) ([]byte, error) {
			if id == "" || id == "unknown" {
				return nil, ErrUnknownAccessKey
			}
			return []byte("secret"), nil
		},
		Now: func() time.Time { return time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC) },
	}
	f.Fuzz(func(t *testing.T, method, target, headers, body string) {
		r := &http.Request{Method: method, RequestURI: target, Header: http.Header{}, Host: "gatehouse.test"}
		u, err := url.ParseRequestURI(target)
		if err != nil {
			u = &url.URL{}
			if _, q, ok := strings.Cut(target, "?"); ok {
				u.RawQuery = q
			}
		}
		r.URL = u
		for line := range strings.SplitSeq(headers, "\n") {
			if k, val, ok := strings.Cut(line, ":"); ok {
				r.Header.Add(k, strings.TrimSpace(val))
			}
		}
		Scope(r)
		res, err := v.Verify(context.Background(), r, []byte(body))
		if err == nil {
			if res == nil {
				t.Fatal("nil result without error")
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) || e.Kind < MissingAuthentication || e.Kind > PresignExpired || e.Message == "" {
			t.Fatalf("error %v (%T)", err, err)
		}
	})
}

// FuzzSDKRoundTrip is differential: whatever path segment, query
// parameter and header value aws-sdk-go-v2 signs and net/http sends must
// verify. Seeds: testdata/fuzz/FuzzSDKRoundTrip.
func FuzzSDKRoundTrip(f *testing.F) {
	f.Add("abc/def", "key", "a b+c*~/ሴ%", "  a   b  ")
	f.Add("..", "", "=&", "\t x")
	v := &Verifier{
		Lookup: keys(map[string]string{sdkAKID: sdkSecret}),
		Now:    func() time.Time { return sdkSignTime },
	}
	f.Fuzz(func(t *testing.T, segment, key, value, header string) {
		for i := 0; i < len(header); i++ {
			if c := header[i]; (c < ' ' && c != '\t') || c == 0x7f {
				return // not a valid header value; net/http would alter it
			}
		}
		q := url.Values{key: {value, value + "2"}}
		req, err := http.NewRequest("GET", "https://gd.gatehouse.test/detector/"+url.PathEscape(segment)+"?"+q.Encode(), nil)
		if err != nil {
			return
		}
		req.Header.Set("X-Fuzz", header)
		creds := aws.Credentials{AccessKeyID: sdkAKID, SecretAccessKey: sdkSecret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hashHex(nil), "guardduty", "us-east-1", sdkSignTime); err != nil {
			t.Fatal(err)
		}
		r, body := overWire(t, req)
		if _, err := v.Verify(context.Background(), r, body); err != nil {
			t.Fatalf("Verify: %v\n%s %s\nX-Fuzz: %q", err, r.Method, r.RequestURI, r.Header.Get("X-Fuzz"))
		}
	})
}
