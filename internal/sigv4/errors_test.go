package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const stsBody = "Action=GetCallerIdentity&Version=2011-06-15"

// signedSTS returns a GetCallerIdentity POST signed by aws-sdk-go-v2 at
// sdkSignTime, as raw wire text.
func signedSTS(t testing.TB) string {
	t.Helper()
	req, err := http.NewRequest("POST", "https://sts.gatehouse.test/?x=1", strings.NewReader(stsBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("X-Custom", "v")
	creds := aws.Credentials{AccessKeyID: sdkAKID, SecretAccessKey: sdkSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hashHex([]byte(stsBody)), "sts", "us-east-1", sdkSignTime); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func verifyRaw(t testing.TB, v *Verifier, raw string) (*Result, error) {
	t.Helper()
	r := readWire(t, raw)
	var body bytes.Buffer
	body.ReadFrom(r.Body)
	return v.Verify(context.Background(), r, body.Bytes())
}

// authOf returns the Authorization header value in raw.
func authOf(raw string) string {
	i := strings.Index(raw, "Authorization: ") + len("Authorization: ")
	return raw[i : i+strings.Index(raw[i:], "\r\n")]
}

func TestFailureKinds(t *testing.T) {
	good := signedSTS(t)
	auth := authOf(good)
	sig := auth[len(auth)-64:]
	withAuth := func(a string) string { return strings.Replace(good, auth, a, 1) }
	const cred = "Credential=" + sdkAKID + "/20261127/us-east-1/sts/aws4_request"
	const sh = "SignedHeaders=content-length;content-type;host;x-amz-date;x-custom"

	tests := []struct {
		name string
		raw  string
		kind Kind
		msg  string // exact message, if set
	}{
		{"no authentication", strings.Replace(good, "Authorization:", "X-Not-Authorization:", 1),
			MissingAuthentication, "Request is missing Authentication Token"},
		{"bearer token", withAuth("Bearer abc"), MissingAuthentication, ""},
		{"AWS4 without dash", withAuth("AWS4"), MissingAuthentication, ""},
		{"algorithm only", withAuth("AWS4-HMAC-SHA256"), IncompleteSignature,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256"},
		{"missing Signature", withAuth("AWS4-HMAC-SHA256 " + cred + ", " + sh), IncompleteSignature,
			"Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 " + cred + ", " + sh},
		{"missing Credential", withAuth("AWS4-HMAC-SHA256 " + sh + ", Signature=" + sig), IncompleteSignature,
			"Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 " + sh + ", Signature=" + sig},
		{"missing SignedHeaders", withAuth("AWS4-HMAC-SHA256 " + cred + ", Signature=" + sig), IncompleteSignature,
			"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 " + cred + ", Signature=" + sig},
		{"empty Signature", withAuth("AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature="), IncompleteSignature, ""},
		{"missing date", strings.Replace(good, "X-Amz-Date:", "X-Amz-Not-Date:", 1), IncompleteSignature,
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + auth},
		{"parameter without equal sign", withAuth("AWS4-HMAC-SHA256 " + cred + ", SignedHeaders, Signature=" + sig), IncompleteSignature,
			"'SignedHeaders' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 " + cred + ", SignedHeaders, Signature=" + sig + "'."},
		{"unsupported algorithm", withAuth(strings.Replace(auth, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1)), IncompleteSignature,
			"Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "},
		{"credential with four elements", withAuth(strings.Replace(auth, "/sts/aws4_request", "/sts", 1)), IncompleteSignature,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + sdkAKID + "/20261127/us-east-1/sts'"},
		{"credential with six elements", withAuth(strings.Replace(auth, "/sts/", "/sts/x/", 1)), IncompleteSignature, ""},
		{"bad terminator", withAuth(strings.Replace(auth, "aws4_request", "aws5_request", 1)), SignatureMismatch,
			"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
		{"scope date mismatch", withAuth(strings.Replace(auth, "/20261127/", "/20261126/", 1)), SignatureMismatch,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261126' != '20261127', from '20261127T150000Z'."},
		{"empty region", withAuth(strings.Replace(auth, "/us-east-1/", "//", 1)), SignatureMismatch,
			"Credential should be scoped to a valid region, not ''."},
		{"bad X-Amz-Date", strings.Replace(good, "X-Amz-Date: 20261127T150000Z", "X-Amz-Date: 2026-11-27T15:00:00Z", 1), IncompleteSignature,
			"Date must be in ISO-8601 'basic format'. Got '2026-11-27T15:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"impossible X-Amz-Date", strings.Replace(good, "X-Amz-Date: 20261127T150000Z", "X-Amz-Date: 20260230T150000Z", 1), IncompleteSignature, ""},
		{"host not signed", withAuth(strings.Replace(auth, ";host;", ";", 1)), SignatureMismatch,
			"'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{"both header and query", strings.Replace(good, "?x=1", "?x=1&X-Amz-Algorithm=AWS4-HMAC-SHA256", 1), SignatureMismatch,
			"Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		{"signature not hex", withAuth(strings.Replace(auth, sig, strings.Repeat("z", 64), 1)), SignatureMismatch, msgSignatureMismatch},
		{"signature too short", withAuth(strings.Replace(auth, sig, sig[:10], 1)), SignatureMismatch, msgSignatureMismatch},
		{"tampered body", strings.Replace(good, "GetCallerIdentity", "GetCallerIdentitY", 1), SignatureMismatch, msgSignatureMismatch},
		{"tampered signed header", strings.Replace(good, "X-Custom: v", "X-Custom: w", 1), SignatureMismatch, msgSignatureMismatch},
		{"tampered X-Amz-Date", strings.Replace(good, "X-Amz-Date: 20261127T150000Z", "X-Amz-Date: 20261127T150001Z", 1), SignatureMismatch, msgSignatureMismatch},
		{"tampered host", strings.Replace(good, "Host: sts.gatehouse.test", "Host: evil.gatehouse.test", 1), SignatureMismatch, msgSignatureMismatch},
		{"tampered query value", strings.Replace(good, "?x=1", "?x=2", 1), SignatureMismatch, msgSignatureMismatch},
		{"added query parameter", strings.Replace(good, "?x=1", "?x=1&y=2", 1), SignatureMismatch, msgSignatureMismatch},
		{"removed query parameter", strings.Replace(good, "?x=1", "", 1), SignatureMismatch, msgSignatureMismatch},
		{"tampered method", strings.Replace(good, "POST ", "PUT ", 1), SignatureMismatch, msgSignatureMismatch},
		{"tampered path", strings.Replace(good, "POST /", "POST /x", 1), SignatureMismatch, msgSignatureMismatch},
		{"wrong x-amz-content-sha256", strings.Replace(good, "X-Custom: v", "X-Custom: v\r\nX-Amz-Content-Sha256: "+hashHex([]byte("other")), 1),
			SignatureMismatch, "The provided 'x-amz-content-sha256' header does not match what was computed."},
		{"invalid x-amz-content-sha256", strings.Replace(good, "X-Custom: v", "X-Custom: v\r\nX-Amz-Content-Sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD", 1),
			IncompleteSignature, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value."},
	}
	v := &Verifier{
		Lookup: keys(map[string]string{sdkAKID: sdkSecret}),
		Now:    func() time.Time { return sdkSignTime },
	}
	if _, err := verifyRaw(t, v, good); err != nil {
		t.Fatalf("unaltered request: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.raw == good {
				t.Fatal("test case did not alter the request")
			}
			res, err := verifyRaw(t, v, tt.raw)
			if res != nil {
				t.Fatalf("verified: %+v", res)
			}
			e := wantKind(t, err, tt.kind)
			if tt.msg != "" && e.Message != tt.msg {
				t.Errorf("message:\n got %q\nwant %q", e.Message, tt.msg)
			}
		})
	}
}

func TestUnsignedHeadersAreIgnored(t *testing.T) {
	raw := strings.Replace(signedSTS(t), "X-Custom: v", "X-Custom: v\r\nUser-Agent: other\r\nX-Unsigned: 1", 1)
	v := &Verifier{Lookup: keys(map[string]string{sdkAKID: sdkSecret}), Now: func() time.Time { return sdkSignTime }}
	if _, err := verifyRaw(t, v, raw); err != nil {
		t.Fatal(err)
	}
}

func TestLookupErrors(t *testing.T) {
	good := signedSTS(t)
	now := func() time.Time { return sdkSignTime }

	v := &Verifier{Lookup: keys(map[string]string{"OTHER": sdkSecret}), Now: now}
	_, err := verifyRaw(t, v, good)
	if e := wantKind(t, err, UnknownAccessKey); e.Message != "The security token included in the request is invalid." {
		t.Errorf("message = %q", e.Message)
	}

	// A wrapped ErrUnknownAccessKey is recognised too.
	v.Lookup = func(context.Context, string) ([]byte, error) {
		return nil, errors.Join(errors.New("store"), ErrUnknownAccessKey)
	}
	_, err = verifyRaw(t, v, good)
	wantKind(t, err, UnknownAccessKey)

	// Other errors are server faults, returned wrapped, not as *Error.
	boom := errors.New("database is down")
	v.Lookup = func(context.Context, string) ([]byte, error) { return nil, boom }
	_, err = verifyRaw(t, v, good)
	var e *Error
	if !errors.Is(err, boom) || errors.As(err, &e) {
		t.Errorf("error = %v, want wrapped %v and no *Error", err, boom)
	}

	v.Lookup = keys(map[string]string{sdkAKID: "wrong secret"})
	_, err = verifyRaw(t, v, good)
	wantKind(t, err, SignatureMismatch)

	v.Lookup = nil
	if _, err = verifyRaw(t, v, good); err == nil || errors.As(err, &e) {
		t.Errorf("nil Lookup: error = %v", err)
	}
}

func TestClockSkew(t *testing.T) {
	good := signedSTS(t) // signed at 20261127T150000Z
	tests := []struct {
		now  time.Duration
		skew time.Duration
		msg  string
	}{
		{now: 20 * time.Minute, msg: "Signature expired: 20261127T150000Z is now earlier than 20261127T150500Z (20261127T152000Z - 15 min.)"},
		{now: -20 * time.Minute, msg: "Signature not yet current: 20261127T150000Z is still later than 20261127T145500Z (20261127T144000Z + 15 min.)"},
		{now: 25 * time.Minute, msg: "Signature expired: 20261127T150000Z is now earlier than 20261127T151000Z (20261127T152500Z - 15 min.)"},
		{now: 6 * time.Minute, skew: 5 * time.Minute, msg: "Signature expired: 20261127T150000Z is now earlier than 20261127T150100Z (20261127T150600Z - 5 min.)"},
		{now: -91 * time.Second, skew: 90 * time.Second, msg: "Signature not yet current: 20261127T150000Z is still later than 20261127T145959Z (20261127T145829Z + 90 sec.)"},
		{now: 15 * time.Minute},
		{now: -15 * time.Minute},
	}
	for _, tt := range tests {
		v := &Verifier{
			Lookup:  keys(map[string]string{sdkAKID: sdkSecret}),
			Now:     func() time.Time { return sdkSignTime.Add(tt.now) },
			MaxSkew: tt.skew,
		}
		_, err := verifyRaw(t, v, good)
		if tt.msg == "" {
			if err != nil {
				t.Errorf("now %v: %v", tt.now, err)
			}
			continue
		}
		if e := wantKind(t, err, SignatureExpired); e.Message != tt.msg {
			t.Errorf("now %v:\n got %q\nwant %q", tt.now, e.Message, tt.msg)
		}
	}
}

// TestDateHeader checks the form that carries the signing time in the
// HTTP Date header instead of X-Amz-Date. The SDKs always send
// X-Amz-Date, so the expected signature is computed here by hand from the
// canonical request written out literally.
func TestDateHeader(t *testing.T) {
	const date = "Fri, 27 Nov 2026 15:00:00 GMT"
	creq := "GET\n/\nAction=ListUsers\ndate:" + date + "\nhost:iam.gatehouse.test\n\ndate;host\n" + hashHex(nil)
	sts := "AWS4-HMAC-SHA256\n20261127T150000Z\n20261127/us-east-1/iam/aws4_request\n" + hashHex([]byte(creq))
	key := []byte("AWS4" + sdkSecret)
	for _, s := range []string{"20261127", "us-east-1", "iam", "aws4_request", sts} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(s))
		key = m.Sum(nil)
	}
	raw := "GET /?Action=ListUsers HTTP/1.1\r\nHost: iam.gatehouse.test\r\nDate: " + date + "\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=" + sdkAKID + "/20261127/us-east-1/iam/aws4_request, SignedHeaders=date;host, Signature=" + hex.EncodeToString(key) + "\r\n\r\n"
	v := &Verifier{Lookup: keys(map[string]string{sdkAKID: sdkSecret}), Now: func() time.Time { return sdkSignTime }}
	res, err := verifyRaw(t, v, raw)
	if err != nil {
		t.Fatal(err)
	}
	if !res.SignedAt.Equal(sdkSignTime) {
		t.Errorf("SignedAt = %v", res.SignedAt)
	}
	_, err = verifyRaw(t, v, strings.Replace(raw, "Date: "+date, "Date: not a date", 1))
	wantKind(t, err, IncompleteSignature)
}

// presignedSTS returns a presigned GetCallerIdentity URL path and query,
// signed by aws-sdk-go-v2 at sdkSignTime.
func presignedSTS(t testing.TB, query string) string {
	t.Helper()
	req, err := http.NewRequest("GET", "https://sts.gatehouse.test/?Action=GetCallerIdentity&Version=2011-06-15"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: sdkAKID, SecretAccessKey: sdkSecret}
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, hashHex(nil), "sts", "us-east-1", sdkSignTime)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u, "https://sts.gatehouse.test")
}

func TestPresignFailures(t *testing.T) {
	get := func(target string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: sts.gatehouse.test\r\n\r\n"
	}
	withExpires := presignedSTS(t, "&X-Amz-Expires=300")
	noExpires := presignedSTS(t, "")
	v := &Verifier{Lookup: keys(map[string]string{sdkAKID: sdkSecret})}
	at := func(d time.Duration) { v.Now = func() time.Time { return sdkSignTime.Add(d) } }

	at(time.Minute)
	for _, target := range []string{withExpires, noExpires} {
		if _, err := verifyRaw(t, v, get(target)); err != nil {
			t.Fatalf("%s: %v", target, err)
		}
	}

	tests := []struct {
		name   string
		now    time.Duration
		target string
		kind   Kind
		msg    string
	}{
		{"expired", 301 * time.Second, withExpires, PresignExpired, "Request has expired"},
		{"not yet current", -20 * time.Minute, withExpires, SignatureExpired,
			"Signature not yet current: 20261127T150000Z is still later than 20261127T145500Z (20261127T144000Z + 15 min.)"},
		{"no X-Amz-Expires and skewed", 16 * time.Minute, noExpires, SignatureExpired, ""},
		{"algorithm only", 0, "/?X-Amz-Algorithm", IncompleteSignature,
			"AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{"missing signature", 0, strings.Replace(withExpires, "&X-Amz-Signature=", "&X-Amz-Not-Signature=", 1), IncompleteSignature,
			"AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters."},
		{"expires too long", 0, strings.Replace(withExpires, "X-Amz-Expires=300", "X-Amz-Expires=604801", 1), IncompleteSignature, ""},
		{"expires not a number", 0, strings.Replace(withExpires, "X-Amz-Expires=300", "X-Amz-Expires=5m", 1), IncompleteSignature, "X-Amz-Expires should be a number"},
		{"expires negative", 0, strings.Replace(withExpires, "X-Amz-Expires=300", "X-Amz-Expires=-1", 1), IncompleteSignature, "X-Amz-Expires must be non-negative"},
		{"expires lengthened", 0, strings.Replace(withExpires, "X-Amz-Expires=300", "X-Amz-Expires=600", 1), SignatureMismatch, msgSignatureMismatch},
		{"duplicate signature", 0, withExpires + "&X-Amz-Signature=" + strings.Repeat("0", 64), IncompleteSignature, ""},
		{"bad date", 0, strings.Replace(withExpires, "X-Amz-Date=20261127T150000Z", "X-Amz-Date=20261127", 1), IncompleteSignature, ""},
		{"tampered query", 0, strings.Replace(withExpires, "Action=GetCallerIdentity", "Action=GetSessionToken", 1), SignatureMismatch, msgSignatureMismatch},
		{"wrong algorithm", 0, strings.Replace(withExpires, "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256", 1), IncompleteSignature, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at(tt.now)
			_, err := verifyRaw(t, v, get(tt.target))
			e := wantKind(t, err, tt.kind)
			if tt.msg != "" && e.Message != tt.msg {
				t.Errorf("message:\n got %q\nwant %q", e.Message, tt.msg)
			}
		})
	}
}

func TestKindMapping(t *testing.T) {
	tests := []struct {
		kind        Kind
		query, json string
		status      int
	}{
		{MissingAuthentication, "MissingAuthenticationToken", "MissingAuthenticationTokenException", 403},
		{IncompleteSignature, "IncompleteSignature", "IncompleteSignatureException", 400},
		{UnknownAccessKey, "InvalidClientTokenId", "UnrecognizedClientException", 403},
		{SignatureMismatch, "SignatureDoesNotMatch", "InvalidSignatureException", 403},
		{SignatureExpired, "SignatureDoesNotMatch", "InvalidSignatureException", 403},
		{PresignExpired, "SignatureDoesNotMatch", "InvalidSignatureException", 403},
	}
	for _, tt := range tests {
		if got := tt.kind.Code(false); got != tt.query {
			t.Errorf("%v.Code(false) = %q, want %q", tt.kind, got, tt.query)
		}
		if got := tt.kind.Code(true); got != tt.json {
			t.Errorf("%v.Code(true) = %q, want %q", tt.kind, got, tt.json)
		}
		if got := tt.kind.HTTPStatus(); got != tt.status {
			t.Errorf("%v.HTTPStatus() = %d, want %d", tt.kind, got, tt.status)
		}
		if strings.HasPrefix(tt.kind.String(), "Kind(") {
			t.Errorf("%d has no name", tt.kind)
		}
	}
	e := &Error{Kind: UnknownAccessKey, Message: msgUnknownKey}
	if got := e.Error(); got != "InvalidClientTokenId: The security token included in the request is invalid." {
		t.Errorf("Error() = %q", got)
	}
}

// TestVerifyConcurrent shares one Verifier (its key cache and buffer pool)
// between goroutines verifying good and bad requests; run with -race.
func TestVerifyConcurrent(t *testing.T) {
	good := signedSTS(t)
	raws := []string{
		good,
		strings.Replace(good, "X-Custom: v", "X-Custom: w", 1),
		"GET " + presignedSTS(t, "&X-Amz-Expires=300") + " HTTP/1.1\r\nHost: sts.gatehouse.test\r\n\r\n",
	}
	v := &Verifier{Lookup: keys(map[string]string{sdkAKID: sdkSecret}), Now: func() time.Time { return sdkSignTime }}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 100 {
				k := (g + i) % len(raws)
				r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raws[k])))
				if err != nil {
					errs <- err
					return
				}
				body, _ := io.ReadAll(r.Body)
				if _, err := v.Verify(context.Background(), r, body); (err == nil) != (k != 1) {
					errs <- fmt.Errorf("request %d: %v", k, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
