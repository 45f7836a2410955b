package app_test

import (
	"context"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse/gatehouse/internal/protocol"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// These tests check that authentication fails as AWS fails it, for the
// Go SDK and for raw requests, in the query protocol (STS) and a JSON
// protocol (KMS), and that every failure is in the audit trail.

// AWS's messages for authentication failures.
const (
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgInvalidToken      = "The security token included in the request is invalid."
	msgMissingAuth       = "Request is missing Authentication Token"
)

// authCodes are the error codes of one protocol's authentication failures.
type authCodes struct {
	badSignature, unknownKey, missingAuth string
}

var (
	queryAuthCodes = authCodes{"SignatureDoesNotMatch", "InvalidClientTokenId", "MissingAuthenticationToken"}
	jsonAuthCodes  = authCodes{"InvalidSignatureException", "UnrecognizedClientException", "MissingAuthenticationTokenException"}
)

// randomAccessKeyID returns a key id no node knows, shaped like AWS's.
func randomAccessKeyID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "AKIA" + string(b)
}

// expectFailureInTrail waits for the trail event of a failed request and
// checks its error code and that its userIdentity is Unknown with the
// access key id the request was signed with ("" for an unsigned request).
func expectFailureInTrail(t *testing.T, srv *testserver.Server, eventName, requestID, code, accessKeyID string) trailRecord {
	t.Helper()
	key, value := cttypes.LookupAttributeKeyEventName, eventName
	if accessKeyID != "" {
		key, value = cttypes.LookupAttributeKeyAccessKeyId, accessKeyID
	}
	ev, rec := waitForEvent(t, rootCloudTrail(srv), key, value, requestID)
	if rec.EventName != eventName {
		t.Errorf("trail: eventName = %q, want %q", rec.EventName, eventName)
	}
	if rec.ErrorCode != code {
		t.Errorf("trail: errorCode = %q, want %q", rec.ErrorCode, code)
	}
	if rec.ErrorMessage == "" {
		t.Errorf("trail: no errorMessage for a failed call")
	}
	ui := rec.UserIdentity
	if ui.Type != "Unknown" || ui.AccessKeyID != accessKeyID || ui.ARN != "" || ui.PrincipalID != "" {
		t.Errorf("trail: userIdentity = %+v, want type Unknown with accessKeyId %q and no proven identity", ui, accessKeyID)
	}
	if got := aws.ToString(ev.AccessKeyId); got != accessKeyID {
		t.Errorf("trail: event AccessKeyId = %q, want %q", got, accessKeyID)
	}
	if rec.Recipient != srv.App.ManagementAccountID {
		t.Errorf("trail: recipientAccountId = %q, want the management account %q", rec.Recipient, srv.App.ManagementAccountID)
	}
	return rec
}

// expectRawAuthError checks a raw response: the protocol's AWS error shape,
// code, status 403 and, when msg is not "", the message.
func expectRawAuthError(t *testing.T, p protocol.Kind, r rawResponse, code, msg string) wireError {
	t.Helper()
	we, err := parseWireError(p, r)
	if err != nil {
		t.Fatalf("status %d, malformed AWS error: %v\n%s", r.Status, err, r.Body)
	}
	if we.Code != code || r.Status != http.StatusForbidden {
		t.Errorf("got %d %s (%s), want 403 %s", r.Status, we.Code, we.Message, code)
	}
	if msg != "" && we.Message != msg {
		t.Errorf("message = %q\nwant      %q", we.Message, msg)
	}
	if p == protocol.Query && we.Type != "Sender" {
		t.Errorf("<Type> = %q, want Sender", we.Type)
	}
	return we
}

// rawAuthCall is one raw request of the auth tests: a service, its
// operation, and how to build the request.
type rawAuthCall struct {
	name  string
	proto protocol.Kind
	codes authCodes
	op    string
	build func(t *testing.T, url string, creds *aws.Credentials, at time.Time) *http.Request
}

// rawAuthCalls are STS GetCallerIdentity (query) and KMS ListKeys (JSON).
func rawAuthCalls(t *testing.T) []rawAuthCall {
	stsSvc, kmsSvc := serviceByID(t, "sts"), serviceByID(t, "kms")
	return []rawAuthCall{
		{name: "sts", proto: protocol.Query, codes: queryAuthCodes, op: "GetCallerIdentity",
			build: func(t *testing.T, url string, creds *aws.Credentials, at time.Time) *http.Request {
				return queryRequest(t, url, stsSvc, "GetCallerIdentity", creds, at)
			}},
		{name: "kms", proto: protocol.JSON, codes: jsonAuthCodes, op: "ListKeys",
			build: func(t *testing.T, url string, creds *aws.Credentials, at time.Time) *http.Request {
				return jsonRequest(t, url, kmsSvc, "ListKeys", "{}", creds, at)
			}},
	}
}

func TestAuthWrongSecretThroughSDK(t *testing.T) {
	srv := startNode(t, testserver.Options{})
	cfg := srv.Config(srv.Root.AccessKeyID, "wrong"+srv.Root.SecretAccessKey, "")
	ctx := context.Background()

	t.Run("sts", func(t *testing.T) {
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		ae := expectAPIError(t, err, "SignatureDoesNotMatch", http.StatusForbidden)
		if ae.ErrorMessage() != msgSignatureMismatch {
			t.Errorf("message = %q", ae.ErrorMessage())
		}
		expectFailureInTrail(t, srv, "GetCallerIdentity", requestIDOfError(t, err), "SignatureDoesNotMatch", srv.Root.AccessKeyID)
	})
	t.Run("kms", func(t *testing.T) {
		_, err := kms.NewFromConfig(cfg).ListKeys(ctx, &kms.ListKeysInput{})
		ae := expectAPIError(t, err, "InvalidSignatureException", http.StatusForbidden)
		if ae.ErrorMessage() != msgSignatureMismatch {
			t.Errorf("message = %q", ae.ErrorMessage())
		}
		expectFailureInTrail(t, srv, "ListKeys", requestIDOfError(t, err), "InvalidSignatureException", srv.Root.AccessKeyID)
	})
}

func TestAuthUnknownAccessKeyThroughSDK(t *testing.T) {
	srv := startNode(t, testserver.Options{})
	ctx := context.Background()

	t.Run("sts", func(t *testing.T) {
		key := randomAccessKeyID()
		_, err := sts.NewFromConfig(srv.Config(key, "secret", "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		ae := expectAPIError(t, err, "InvalidClientTokenId", http.StatusForbidden)
		if ae.ErrorMessage() != msgInvalidToken {
			t.Errorf("message = %q", ae.ErrorMessage())
		}
		expectFailureInTrail(t, srv, "GetCallerIdentity", requestIDOfError(t, err), "InvalidClientTokenId", key)
	})
	t.Run("kms", func(t *testing.T) {
		key := randomAccessKeyID()
		_, err := kms.NewFromConfig(srv.Config(key, "secret", "")).ListKeys(ctx, &kms.ListKeysInput{})
		ae := expectAPIError(t, err, "UnrecognizedClientException", http.StatusForbidden)
		if ae.ErrorMessage() != msgInvalidToken {
			t.Errorf("message = %q", ae.ErrorMessage())
		}
		expectFailureInTrail(t, srv, "ListKeys", requestIDOfError(t, err), "UnrecognizedClientException", key)
	})
}

func TestAuthMissingThroughSDK(t *testing.T) {
	srv := startNode(t, testserver.Options{})
	cfg := srv.RootConfig()
	// Anonymous credentials make the SDK send the request unsigned.
	cfg.Credentials = aws.AnonymousCredentials{}
	ctx := context.Background()

	t.Run("sts", func(t *testing.T) {
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		ae := expectAPIError(t, err, "MissingAuthenticationToken", http.StatusForbidden)
		if ae.ErrorMessage() != msgMissingAuth {
			t.Errorf("message = %q", ae.ErrorMessage())
		}
		expectFailureInTrail(t, srv, "GetCallerIdentity", requestIDOfError(t, err), "MissingAuthenticationToken", "")
	})
	t.Run("kms", func(t *testing.T) {
		_, err := kms.NewFromConfig(cfg).ListKeys(ctx, &kms.ListKeysInput{})
		ae := expectAPIError(t, err, "MissingAuthenticationTokenException", http.StatusForbidden)
		if ae.ErrorMessage() != msgMissingAuth {
			t.Errorf("message = %q", ae.ErrorMessage())
		}
		expectFailureInTrail(t, srv, "ListKeys", requestIDOfError(t, err), "MissingAuthenticationTokenException", "")
	})
}

func TestAuthFailuresWithRawRequests(t *testing.T) {
	srv := startNode(t, testserver.Options{})
	for _, c := range rawAuthCalls(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Run("wrong secret", func(t *testing.T) {
				creds := &aws.Credentials{AccessKeyID: srv.Root.AccessKeyID, SecretAccessKey: srv.Root.SecretAccessKey + "x"}
				r := sendRaw(t, c.build(t, srv.URL, creds, time.Now()))
				we := expectRawAuthError(t, c.proto, r, c.codes.badSignature, msgSignatureMismatch)
				expectFailureInTrail(t, srv, c.op, we.RequestID, c.codes.badSignature, srv.Root.AccessKeyID)
			})
			t.Run("unknown key", func(t *testing.T) {
				creds := &aws.Credentials{AccessKeyID: randomAccessKeyID(), SecretAccessKey: "secret"}
				r := sendRaw(t, c.build(t, srv.URL, creds, time.Now()))
				we := expectRawAuthError(t, c.proto, r, c.codes.unknownKey, msgInvalidToken)
				expectFailureInTrail(t, srv, c.op, we.RequestID, c.codes.unknownKey, creds.AccessKeyID)
			})
			t.Run("unsigned", func(t *testing.T) {
				r := sendRaw(t, c.build(t, srv.URL, nil, time.Now()))
				we := expectRawAuthError(t, c.proto, r, c.codes.missingAuth, msgMissingAuth)
				expectFailureInTrail(t, srv, c.op, we.RequestID, c.codes.missingAuth, "")
			})
		})
	}
}

// amzTime is SigV4's basic ISO-8601 time format.
const amzTime = "20060102T150405Z"

// skewMessage matches AWS's clock-skew messages: "Signature expired: SIGNED
// is now earlier than LIMIT (NOW - 15 min.)" and "Signature not yet
// current: SIGNED is still later than LIMIT (NOW + 15 min.)".
var skewMessage = regexp.MustCompile(`^Signature (expired|not yet current): (\d{8}T\d{6}Z) is (now earlier|still later) than (\d{8}T\d{6}Z) \((\d{8}T\d{6}Z) ([-+]) 15 min\.\)$`)

// checkSkewMessage checks a clock-skew message against the time the
// request was signed and the time it was sent.
func checkSkewMessage(t *testing.T, msg string, signedAt, sentAt time.Time, past bool) {
	t.Helper()
	m := skewMessage.FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("message %q is not AWS's clock-skew message", msg)
	}
	wantKind, wantCmp, wantSign := "expired", "now earlier", "-"
	if !past {
		wantKind, wantCmp, wantSign = "not yet current", "still later", "+"
	}
	if m[1] != wantKind || m[3] != wantCmp || m[6] != wantSign {
		t.Errorf("message %q: want \"Signature %s: ... is %s than ... (... %s 15 min.)\"", msg, wantKind, wantCmp, wantSign)
	}
	if m[2] != signedAt.UTC().Format(amzTime) {
		t.Errorf("message %q names signing time %s, want %s", msg, m[2], signedAt.UTC().Format(amzTime))
	}
	limit, _ := time.Parse(amzTime, m[4])
	now, _ := time.Parse(amzTime, m[5])
	if d := now.Sub(sentAt.Truncate(time.Second)); d < -time.Second || d > 30*time.Second {
		t.Errorf("message %q: server time %s is not the time the request was sent (%s)", msg, m[5], sentAt.UTC().Format(amzTime))
	}
	wantLimit := now.Add(-15 * time.Minute)
	if !past {
		wantLimit = now.Add(15 * time.Minute)
	}
	if !limit.Equal(wantLimit) {
		t.Errorf("message %q: limit %s, want server time %s 15 min", msg, m[4], wantSign)
	}
}

func TestAuthClockSkew(t *testing.T) {
	srv := startNode(t, testserver.Options{})
	creds := &aws.Credentials{AccessKeyID: srv.Root.AccessKeyID, SecretAccessKey: srv.Root.SecretAccessKey}
	for _, c := range rawAuthCalls(t) {
		for _, skew := range []time.Duration{-20 * time.Minute, 20 * time.Minute} {
			t.Run(fmt.Sprintf("%s/%v", c.name, skew), func(t *testing.T) {
				sentAt := time.Now()
				signedAt := sentAt.Add(skew)
				r := sendRaw(t, c.build(t, srv.URL, creds, signedAt))
				we := expectRawAuthError(t, c.proto, r, c.codes.badSignature, "")
				checkSkewMessage(t, we.Message, signedAt, sentAt, skew < 0)
				rec := expectFailureInTrail(t, srv, c.op, we.RequestID, c.codes.badSignature, creds.AccessKeyID)
				if rec.ErrorMessage != we.Message {
					t.Errorf("trail errorMessage = %q, want the answered %q", rec.ErrorMessage, we.Message)
				}
			})
		}
	}
	t.Run("sts/within 15 min", func(t *testing.T) {
		r := sendRaw(t, queryRequest(t, srv.URL, serviceByID(t, "sts"), "GetCallerIdentity", creds, time.Now().Add(-10*time.Minute)))
		if r.Status != http.StatusOK {
			t.Errorf("a request signed 10 minutes ago: status %d, want 200 (AWS allows 15 min)\n%s", r.Status, r.Body)
		}
	})
}

// shiftedPresigner presigns with the SDK's SigV4 signer at a shifted
// signing time and, when expires is set, with X-Amz-Expires.
type shiftedPresigner struct {
	shift   time.Duration
	expires string
}

func (p shiftedPresigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, signingTime time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	if p.expires != "" {
		q := r.URL.Query()
		q.Set("X-Amz-Expires", p.expires)
		r.URL.RawQuery = q.Encode()
	}
	return v4.NewSigner().PresignHTTP(ctx, creds, r, payloadHash, service, region, signingTime.Add(p.shift), optFns...)
}

// presignedGetCallerIdentity presigns GetCallerIdentity with the SDK's
// presign client and returns a plain GET request for the URL, as curl
// would send it.
func presignedGetCallerIdentity(t *testing.T, srv *testserver.Server, optFns ...func(*sts.PresignOptions)) *http.Request {
	t.Helper()
	pc := sts.NewPresignClient(sts.NewFromConfig(srv.RootConfig()), optFns...)
	p, err := pc.PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("PresignGetCallerIdentity: %v", err)
	}
	if p.Method != http.MethodGet || !strings.Contains(p.URL, "X-Amz-Signature=") {
		t.Fatalf("presigned %s %s; want a GET URL carrying its signature", p.Method, p.URL)
	}
	req, err := http.NewRequest(p.Method, p.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range p.SignedHeader {
		if !strings.EqualFold(k, "Host") {
			req.Header[k] = v
		}
	}
	return req
}

func TestAuthPresignedGetCallerIdentity(t *testing.T) {
	srv := startNode(t, testserver.Options{})
	acct := srv.App.ManagementAccountID

	t.Run("fresh URL", func(t *testing.T) {
		r := sendRaw(t, presignedGetCallerIdentity(t, srv))
		if r.Status != http.StatusOK {
			t.Fatalf("status %d, want 200\n%s", r.Status, r.Body)
		}
		var doc struct {
			XMLName   xml.Name
			Arn       string `xml:"GetCallerIdentityResult>Arn"`
			Account   string `xml:"GetCallerIdentityResult>Account"`
			UserID    string `xml:"GetCallerIdentityResult>UserId"`
			RequestID string `xml:"ResponseMetadata>RequestId"`
		}
		if err := xml.Unmarshal(r.Body, &doc); err != nil {
			t.Fatalf("body is not XML: %v\n%s", err, r.Body)
		}
		if doc.XMLName.Local != "GetCallerIdentityResponse" || doc.Arn != "arn:aws:iam::"+acct+":root" || doc.Account != acct || doc.UserID != acct {
			t.Errorf("got <%s> Arn %q Account %q UserId %q; want the root of %s\n%s", doc.XMLName.Local, doc.Arn, doc.Account, doc.UserID, acct, r.Body)
		}
		_, rec := waitForEvent(t, rootCloudTrail(srv), cttypes.LookupAttributeKeyEventName, "GetCallerIdentity", doc.RequestID)
		if rec.ErrorCode != "" || rec.UserIdentity.Type != "Root" || rec.UserIdentity.AccessKeyID != srv.Root.AccessKeyID {
			t.Errorf("trail: errorCode %q userIdentity %+v; want a Root success with the root key", rec.ErrorCode, rec.UserIdentity)
		}
	})
	t.Run("tampered URL", func(t *testing.T) {
		req := presignedGetCallerIdentity(t, srv)
		req.URL.RawQuery = strings.Replace(req.URL.RawQuery, "Action=GetCallerIdentity", "Action=GetCallerIdentity&Extra=1", 1)
		r := sendRaw(t, req)
		expectRawAuthError(t, protocol.Query, r, "SignatureDoesNotMatch", msgSignatureMismatch)
	})
	t.Run("signed 20 minutes ago without X-Amz-Expires", func(t *testing.T) {
		sentAt := time.Now()
		req := presignedGetCallerIdentity(t, srv, func(o *sts.PresignOptions) { o.Presigner = shiftedPresigner{shift: -20 * time.Minute} })
		if req.URL.Query().Has("X-Amz-Expires") {
			t.Fatal("the STS presign client set X-Amz-Expires; this case needs a URL without it")
		}
		r := sendRaw(t, req)
		we := expectRawAuthError(t, protocol.Query, r, "SignatureDoesNotMatch", "")
		signedAt, _ := time.Parse(amzTime, req.URL.Query().Get("X-Amz-Date"))
		checkSkewMessage(t, we.Message, signedAt, sentAt, true)
		expectFailureInTrail(t, srv, "GetCallerIdentity", we.RequestID, "SignatureDoesNotMatch", srv.Root.AccessKeyID)
	})
	t.Run("past its X-Amz-Expires", func(t *testing.T) {
		req := presignedGetCallerIdentity(t, srv, func(o *sts.PresignOptions) {
			o.Presigner = shiftedPresigner{shift: -2 * time.Minute, expires: "60"}
		})
		if req.URL.Query().Get("X-Amz-Expires") != "60" {
			t.Fatalf("URL %s lacks X-Amz-Expires=60", req.URL)
		}
		r := sendRaw(t, req)
		we := expectRawAuthError(t, protocol.Query, r, "SignatureDoesNotMatch", "Request has expired")
		expectFailureInTrail(t, srv, "GetCallerIdentity", we.RequestID, "SignatureDoesNotMatch", srv.Root.AccessKeyID)
	})
	t.Run("within its X-Amz-Expires", func(t *testing.T) {
		req := presignedGetCallerIdentity(t, srv, func(o *sts.PresignOptions) {
			o.Presigner = shiftedPresigner{shift: -2 * time.Minute, expires: "300"}
		})
		if r := sendRaw(t, req); r.Status != http.StatusOK {
			t.Errorf("status %d, want 200 for a URL signed 2 minutes ago valid for 5\n%s", r.Status, r.Body)
		}
	})
}
