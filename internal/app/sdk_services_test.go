package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	insptypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/shield"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	wafv2types "github.com/aws/aws-sdk-go-v2/service/wafv2/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/protocol"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// These tests drive a whole in-process node with the real AWS clients
// (aws-sdk-go-v2, and boto3 for Artifact, whose Go module is not available
// here) and with raw SigV4-signed requests for every modelled operation.

// ---------------------------------------------------------------------------
// Shared helpers (also used by auth_test.go and devmode_test.go).

// testRegion is the region every test signs for.
const testRegion = "us-east-1"

// eventWait bounds how long a test waits for a trail event to become
// visible: events are written in batches within ~200 ms.
const eventWait = 3 * time.Second

// startNode starts an in-process node for the test.
func startNode(t *testing.T, opts testserver.Options) *testserver.Server {
	t.Helper()
	srv := testserver.Start(t, opts)
	if srv.Root == nil {
		t.Fatal("a fresh node must hand out its bootstrap root credentials")
	}
	return srv
}

// stackOption is an aws-sdk-go-v2 API option (a change to an operation's
// middleware stack).
type stackOption = func(*middleware.Stack) error

// withoutInputValidation removes the SDK's client-side check of required
// members, so that invalid inputs reach the server.
func withoutInputValidation(s *middleware.Stack) error {
	_, err := s.Initialize.Remove("OperationInputValidation")
	return err
}

// attemptCounter returns a stack option that counts the HTTP attempts of an
// operation (it sits right after the retry middleware, so every retry
// passes through it) and the counter it increments.
func attemptCounter() (stackOption, *atomic.Int32) {
	var n atomic.Int32
	mw := middleware.FinalizeMiddlewareFunc("countAttempts", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		n.Add(1)
		return next.HandleFinalize(ctx, in)
	})
	return func(s *middleware.Stack) error {
		return s.Finalize.Insert(mw, "Retry", middleware.After)
	}, &n
}

// requireAPIError returns err as a smithy.APIError or fails the test.
func requireAPIError(t *testing.T, err error) smithy.APIError {
	t.Helper()
	if err == nil {
		t.Fatal("call succeeded; want an AWS error")
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an AWS API error the SDK parsed", err, err)
	}
	return ae
}

// expectAPIError checks that err is an AWS API error with code and HTTP
// status, and returns it.
func expectAPIError(t *testing.T, err error, code string, status int) smithy.APIError {
	t.Helper()
	ae := requireAPIError(t, err)
	if ae.ErrorCode() != code {
		t.Errorf("error code = %q (message %q), want %q", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if got := httpStatusOf(err); got != status {
		t.Errorf("HTTP status = %d, want %d", got, status)
	}
	return ae
}

// httpStatusOf returns the HTTP status of an SDK error's response, or 0.
func httpStatusOf(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// requestIDOfError returns the request id the SDK read from an error
// response.
func requestIDOfError(t *testing.T, err error) string {
	t.Helper()
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Fatalf("error %v carries no request id", err)
	}
	return re.ServiceRequestID()
}

// requestIDOfResult returns the request id of a successful SDK call.
func requestIDOfResult(t *testing.T, md middleware.Metadata) string {
	t.Helper()
	id, ok := awsmiddleware.GetRequestIDMetadata(md)
	if !ok || id == "" {
		t.Fatal("successful response carries no request id")
	}
	return id
}

// trailRecord is the part of a CloudTrail record (LookupEvents'
// CloudTrailEvent) the tests check.
type trailRecord struct {
	EventName    string `json:"eventName"`
	EventSource  string `json:"eventSource"`
	EventTime    string `json:"eventTime"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	RequestID    string `json:"requestID"`
	Recipient    string `json:"recipientAccountId"`
	UserIdentity struct {
		Type        string `json:"type"`
		PrincipalID string `json:"principalId"`
		ARN         string `json:"arn"`
		AccountID   string `json:"accountId"`
		AccessKeyID string `json:"accessKeyId"`
	} `json:"userIdentity"`
}

// lookupEvents returns one page of the caller's events, newest first,
// filtered by one attribute, with the CloudTrailEvent of each decoded.
func lookupEvents(t *testing.T, ct *cloudtrail.Client, key cttypes.LookupAttributeKey, value string) ([]cttypes.Event, []trailRecord) {
	t.Helper()
	out, err := ct.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: key, AttributeValue: aws.String(value)}},
	})
	if err != nil {
		t.Fatalf("LookupEvents(%s=%s): %v", key, value, err)
	}
	return decodeEvents(t, out.Events)
}

// decodeEvents decodes the CloudTrailEvent of each event.
func decodeEvents(t *testing.T, events []cttypes.Event) ([]cttypes.Event, []trailRecord) {
	t.Helper()
	records := make([]trailRecord, len(events))
	for i, ev := range events {
		records[i] = decodeRecord(t, aws.ToString(ev.CloudTrailEvent))
	}
	return events, records
}

// decodeRecord decodes one CloudTrailEvent.
func decodeRecord(t *testing.T, doc string) trailRecord {
	t.Helper()
	var rec trailRecord
	if err := json.Unmarshal([]byte(doc), &rec); err != nil {
		t.Fatalf("CloudTrailEvent is not a JSON record: %v\n%s", err, doc)
	}
	return rec
}

// waitForEvent polls LookupEvents (filtered by key=value) until the event
// of the request with requestID shows up, and returns it.
func waitForEvent(t *testing.T, ct *cloudtrail.Client, key cttypes.LookupAttributeKey, value, requestID string) (cttypes.Event, trailRecord) {
	t.Helper()
	deadline := time.Now().Add(eventWait)
	for {
		events, records := lookupEvents(t, ct, key, value)
		for i := range records {
			if records[i].RequestID == requestID {
				return events[i], records[i]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no trail event for request %s (%s=%s) within %v; saw %d events", requestID, key, value, eventWait, len(records))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// rootCloudTrail is a CloudTrail client signed by the bootstrap root key.
func rootCloudTrail(srv *testserver.Server) *cloudtrail.Client {
	return cloudtrail.NewFromConfig(srv.RootConfig())
}

// signedRequest builds a request and signs it with SigV4 for service, at
// signingTime, with the given credentials (nothing is signed when creds is
// nil).
func signedRequest(t *testing.T, method, url string, body []byte, header http.Header, service string, creds *aws.Credentials, signingTime time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if creds == nil {
		return req
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), *creds, req, hex.EncodeToString(sum[:]), service, testRegion, signingTime); err != nil {
		t.Fatalf("sign request: %v", err)
	}
	return req
}

// rawResponse is a response read in full.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// sendRaw sends req with a plain HTTP client and reads the whole answer.
func sendRaw(t *testing.T, req *http.Request) rawResponse {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response of %s %s: %v", req.Method, req.URL, err)
	}
	return rawResponse{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// queryRequest is a signed query-protocol (IAM, STS, ELBv2) POST.
func queryRequest(t *testing.T, url string, svc *protocol.Service, action string, creds *aws.Credentials, at time.Time) *http.Request {
	t.Helper()
	body := []byte("Action=" + action + "&Version=" + svc.APIVersion)
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
	return signedRequest(t, http.MethodPost, url+"/", body, h, svc.SigningName, creds, at)
}

// jsonRequest is a signed awsJson POST with an X-Amz-Target.
func jsonRequest(t *testing.T, url string, svc *protocol.Service, op string, body string, creds *aws.Credentials, at time.Time) *http.Request {
	t.Helper()
	h := http.Header{
		"Content-Type": {"application/x-amz-json-" + svc.JSONVersion},
		"X-Amz-Target": {svc.TargetPrefix + "." + op},
	}
	return signedRequest(t, http.MethodPost, url+"/", []byte(body), h, svc.SigningName, creds, at)
}

// uriLabel matches a rest-json URI label, {Name} or greedy {Name+}.
var uriLabel = regexp.MustCompile(`\{[^}]+\}`)

// restRequest is a signed rest-json request for op with every URI label
// filled with "x" and, for methods with a body, an empty JSON object.
func restRequest(t *testing.T, url string, op *protocol.Operation, creds *aws.Credentials, at time.Time) *http.Request {
	t.Helper()
	uri := uriLabel.ReplaceAllString(op.RequestURI, "x")
	if uri == "" {
		uri = "/"
	}
	var body []byte
	h := http.Header{}
	switch op.HTTPMethod {
	case http.MethodGet, http.MethodHead, http.MethodDelete:
	default:
		body = []byte("{}")
		h.Set("Content-Type", "application/json")
	}
	return signedRequest(t, op.HTTPMethod, url+uri, body, h, op.Service.SigningName, creds, at)
}

// wireError is an AWS error as read off the wire, in any protocol.
type wireError struct {
	Type      string // query only: Sender or Receiver
	Code      string
	Message   string
	RequestID string
}

// queryErrorDocument is the query protocol's error response.
type queryErrorDocument struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// parseWireError reads an error response in the protocol p, checking that
// it has the shape AWS clients parse; it returns an error describing what
// is malformed.
func parseWireError(p protocol.Kind, r rawResponse) (wireError, error) {
	hdrID := r.Header.Get("X-Amzn-Requestid")
	if hdrID == "" {
		return wireError{}, errors.New("no x-amzn-RequestId header")
	}
	switch p {
	case protocol.Query:
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
			return wireError{}, fmt.Errorf("Content-Type %q, want text/xml", ct)
		}
		var doc queryErrorDocument
		if err := xml.Unmarshal(r.Body, &doc); err != nil {
			return wireError{}, fmt.Errorf("body is not an XML ErrorResponse: %v", err)
		}
		we := wireError{Type: doc.Error.Type, Code: doc.Error.Code, Message: doc.Error.Message, RequestID: doc.RequestID}
		if we.Type != "Sender" && we.Type != "Receiver" {
			return we, fmt.Errorf("<Type> = %q, want Sender or Receiver", we.Type)
		}
		if we.Code == "" {
			return we, errors.New("empty <Code>")
		}
		if we.RequestID != hdrID {
			return we, fmt.Errorf("<RequestId> %q differs from the header's %q", we.RequestID, hdrID)
		}
		return we, nil
	default:
		ct := r.Header.Get("Content-Type")
		if !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/x-amz-json-1.") {
			return wireError{}, fmt.Errorf("Content-Type %q is not JSON", ct)
		}
		var doc map[string]any
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			return wireError{}, fmt.Errorf("body is not a JSON object: %v", err)
		}
		typ, _ := doc["__type"].(string)
		// Clients take the code after any '#' and before any ':'.
		code := typ[strings.LastIndexByte(typ, '#')+1:]
		code, _, _ = strings.Cut(code, ":")
		msg, _ := doc["message"].(string)
		if msg == "" {
			msg, _ = doc["Message"].(string)
		}
		we := wireError{Code: code, Message: msg, RequestID: hdrID}
		if we.Code == "" {
			return we, errors.New("no __type in the JSON error body")
		}
		if h := r.Header.Get("X-Amzn-Errortype"); h != "" {
			hc, _, _ := strings.Cut(h, ":")
			if hc != we.Code {
				return we, fmt.Errorf("x-amzn-ErrorType %q differs from __type %q", h, typ)
			}
		} else if p == protocol.RestJSON {
			return we, errors.New("rest-json error without x-amzn-ErrorType")
		}
		return we, nil
	}
}

// expectedNotImplemented is the message of gatehouse's NotImplemented
// error for an operation.
func expectedNotImplemented(serviceID, op string) string {
	return "gatehouse does not implement the " + serviceID + " operation " + op + " yet."
}

// serviceByID returns the model of a service.
func serviceByID(t *testing.T, id string) *protocol.Service {
	t.Helper()
	for _, svc := range model.All() {
		if svc.ID == id {
			return svc
		}
	}
	t.Fatalf("no service %q in model.All()", id)
	return nil
}

// nullMemberMessage is AWS's validation message for one missing member.
func nullMemberMessage(member string) string {
	return "1 validation error detected: Value null at '" + member + "' failed to satisfy constraint: Member must not be null"
}

// ---------------------------------------------------------------------------
// The services through their Go SDK clients.

// sdkService is one service as the Go SDK tests exercise it.
type sdkService struct {
	id string // the model id
	// missingMember calls an operation with one required member left
	// out; member is its path in the validation message.
	member        string
	missingMember func(ctx context.Context, cfg aws.Config, opts ...stackOption) error
	// typedValidation reports whether err is the SDK's typed validation
	// error; nil when the SDK has no type for it (a generic API error is
	// expected then).
	typedValidation func(err error) bool
	// notImplemented calls an operation gatehouse does not serve yet, with
	// valid input.
	notImplementedOp string
	notImplemented   func(ctx context.Context, cfg aws.Config, opts ...stackOption) error
}

func sdkServices() []sdkService {
	return []sdkService{
		{
			id: "iam", member: "roleName",
			missingMember: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := iam.NewFromConfig(cfg, func(o *iam.Options) { o.APIOptions = append(o.APIOptions, opts...) }).GetRole(ctx, &iam.GetRoleInput{})
				return err
			},
			// Every IAM operation is built: no notImplemented case.
		},
		{
			id: "sts", member: "roleSessionName",
			missingMember: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.APIOptions = append(o.APIOptions, opts...) }).AssumeRole(ctx, &sts.AssumeRoleInput{
					RoleArn: aws.String("arn:aws:iam::123456789012:role/demo"),
				})
				return err
			},
			// Every STS operation is built: no notImplemented case.
		},
		{
			id: "organizations", member: "accountId",
			missingMember: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := organizations.NewFromConfig(cfg, func(o *organizations.Options) { o.APIOptions = append(o.APIOptions, opts...) }).DescribeAccount(ctx, &organizations.DescribeAccountInput{})
				return err
			},
		},
		{
			id: "kms", member: "keyId",
			missingMember: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := kms.NewFromConfig(cfg, func(o *kms.Options) { o.APIOptions = append(o.APIOptions, opts...) }).DescribeKey(ctx, &kms.DescribeKeyInput{})
				return err
			},
		},
		{
			id: "wafv2", member: "scope",
			missingMember: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := wafv2.NewFromConfig(cfg, func(o *wafv2.Options) { o.APIOptions = append(o.APIOptions, opts...) }).ListWebACLs(ctx, &wafv2.ListWebACLsInput{})
				return err
			},
			notImplementedOp: "ListWebACLs",
			notImplemented: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := wafv2.NewFromConfig(cfg, func(o *wafv2.Options) { o.APIOptions = append(o.APIOptions, opts...) }).ListWebACLs(ctx, &wafv2.ListWebACLsInput{Scope: wafv2types.ScopeRegional})
				return err
			},
		},
		{
			id: "shield", member: "protectionId",
			missingMember: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := shield.NewFromConfig(cfg, func(o *shield.Options) { o.APIOptions = append(o.APIOptions, opts...) }).DeleteProtection(ctx, &shield.DeleteProtectionInput{})
				return err
			},
			notImplementedOp: "DescribeSubscription",
			notImplemented: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := shield.NewFromConfig(cfg, func(o *shield.Options) { o.APIOptions = append(o.APIOptions, opts...) }).DescribeSubscription(ctx, &shield.DescribeSubscriptionInput{})
				return err
			},
		},
		{
			id: "guardduty", member: "enable",
			missingMember: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := guardduty.NewFromConfig(cfg, func(o *guardduty.Options) { o.APIOptions = append(o.APIOptions, opts...) }).CreateDetector(ctx, &guardduty.CreateDetectorInput{})
				return err
			},
			typedValidation: func(err error) bool {
				var e *gdtypes.BadRequestException
				return errors.As(err, &e)
			},
			notImplementedOp: "ListDetectors",
			notImplemented: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := guardduty.NewFromConfig(cfg, func(o *guardduty.Options) { o.APIOptions = append(o.APIOptions, opts...) }).ListDetectors(ctx, &guardduty.ListDetectorsInput{})
				return err
			},
		},
		{
			id: "inspector2", member: "accountId",
			missingMember: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := inspector2.NewFromConfig(cfg, func(o *inspector2.Options) { o.APIOptions = append(o.APIOptions, opts...) }).AssociateMember(ctx, &inspector2.AssociateMemberInput{})
				return err
			},
			typedValidation: func(err error) bool {
				// The model requires reason on ValidationException.
				var e *insptypes.ValidationException
				return errors.As(err, &e) && e.Reason == insptypes.ValidationExceptionReasonFieldValidationFailed
			},
			notImplementedOp: "ListFindings",
			notImplemented: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := inspector2.NewFromConfig(cfg, func(o *inspector2.Options) { o.APIOptions = append(o.APIOptions, opts...) }).ListFindings(ctx, &inspector2.ListFindingsInput{})
				return err
			},
		},
		{
			id: "cloudtrail", member: "name",
			missingMember: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.APIOptions = append(o.APIOptions, opts...) }).GetTrail(ctx, &cloudtrail.GetTrailInput{})
				return err
			},
			notImplementedOp: "DescribeTrails",
			notImplemented: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.APIOptions = append(o.APIOptions, opts...) }).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
				return err
			},
		},
		{
			id: "elbv2", member: "loadBalancerArn",
			missingMember: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := elbv2.NewFromConfig(cfg, func(o *elbv2.Options) { o.APIOptions = append(o.APIOptions, opts...) }).DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{})
				return err
			},
			notImplementedOp: "DescribeLoadBalancers",
			notImplemented: func(ctx context.Context, cfg aws.Config, opts ...stackOption) error {
				_, err := elbv2.NewFromConfig(cfg, func(o *elbv2.Options) { o.APIOptions = append(o.APIOptions, opts...) }).DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
				return err
			},
		},
	}
}

func TestSDKMissingRequiredMemberIsValidationError(t *testing.T) {
	srv := startNode(t, testserver.Options{})
	cfg := srv.RootConfig()
	for _, c := range sdkServices() {
		t.Run(c.id, func(t *testing.T) {
			ctx := context.Background()
			// The SDK's own validation stops the call before it is sent.
			var clientSide smithy.InvalidParamsError
			if err := c.missingMember(ctx, cfg); !errors.As(err, &clientSide) {
				t.Fatalf("with the SDK's input validation: %v; want its client-side InvalidParamsError", err)
			}
			svc := serviceByID(t, c.id)
			err := c.missingMember(ctx, cfg, withoutInputValidation)
			ae := expectAPIError(t, err, svc.ValidationErrorCode, http.StatusBadRequest)
			if want := nullMemberMessage(c.member); ae.ErrorMessage() != want {
				t.Errorf("message = %q\nwant      %q", ae.ErrorMessage(), want)
			}
			if ae.ErrorFault() == smithy.FaultServer {
				t.Errorf("a validation error is the client's fault; the SDK read it as the server's")
			}
			if c.typedValidation != nil {
				if !c.typedValidation(err) {
					t.Errorf("the SDK did not parse the error into its typed %s: %T", svc.ValidationErrorCode, ae)
				}
			} else {
				var generic *smithy.GenericAPIError
				if !errors.As(err, &generic) {
					t.Errorf("the SDK models no %s; want a generic API error, got %T", svc.ValidationErrorCode, ae)
				}
			}
		})
	}
}

func TestSDKUnimplementedOperationIsNotImplementedWithoutRetry(t *testing.T) {
	srv := startNode(t, testserver.Options{})
	cfg := srv.RootConfig()
	// The SDK's default retryer: it retries 500, 502, 503 and 504, and
	// throttling; it must not retry NotImplemented.
	cfg.Retryer = func() aws.Retryer { return retry.NewStandard() }
	for _, c := range sdkServices() {
		t.Run(c.id, func(t *testing.T) {
			if c.notImplemented == nil {
				t.Skipf("every %s operation is built", c.id)
			}
			svc := serviceByID(t, c.id)
			count, attempts := attemptCounter()
			err := c.notImplemented(context.Background(), cfg, count)
			ae := expectAPIError(t, err, "NotImplemented", http.StatusNotImplemented)
			if want := expectedNotImplemented(svc.ServiceID, c.notImplementedOp); ae.ErrorMessage() != want {
				t.Errorf("message = %q, want %q", ae.ErrorMessage(), want)
			}
			if n := attempts.Load(); n != 1 {
				t.Errorf("the SDK sent %d attempts; NotImplemented must not be retried", n)
			}
		})
	}
}

func TestSTSGetCallerIdentityIsTheBootstrapRoot(t *testing.T) {
	srv := startNode(t, testserver.Options{AccountID: "210987654321"})
	if srv.App.ManagementAccountID != "210987654321" {
		t.Fatalf("management account = %q, want the one asked for", srv.App.ManagementAccountID)
	}
	out, err := sts.NewFromConfig(srv.RootConfig()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	acct := srv.App.ManagementAccountID
	if srv.Root.AccountID != acct {
		t.Errorf("bootstrap root credentials are for account %q, want %q", srv.Root.AccountID, acct)
	}
	if got := aws.ToString(out.Account); got != acct {
		t.Errorf("Account = %q, want %q", got, acct)
	}
	if got, want := aws.ToString(out.Arn), "arn:aws:iam::"+acct+":root"; got != want {
		t.Errorf("Arn = %q, want %q", got, want)
	}
	if got := aws.ToString(out.UserId); got != acct {
		t.Errorf("UserId = %q, want the account id %q (root's user id)", got, acct)
	}
}

func TestCloudTrailLookupEventsShowsCallsNewestFirst(t *testing.T) {
	srv := startNode(t, testserver.Options{})
	ctx := context.Background()
	stsc := sts.NewFromConfig(srv.RootConfig())
	var ids []string
	for range 3 {
		out, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity: %v", err)
		}
		ids = append(ids, requestIDOfResult(t, out.ResultMetadata))
	}
	ct := rootCloudTrail(srv)
	// Wait until the newest call's event is visible, then every earlier
	// one must be too, in order.
	waitForEvent(t, ct, cttypes.LookupAttributeKeyEventName, "GetCallerIdentity", ids[len(ids)-1])
	events, records := lookupEvents(t, ct, cttypes.LookupAttributeKeyEventName, "GetCallerIdentity")
	if len(records) != len(ids) {
		t.Fatalf("LookupEvents(EventName=GetCallerIdentity) returned %d events, want %d", len(records), len(ids))
	}
	acct := srv.App.ManagementAccountID
	for i, rec := range records {
		if want := ids[len(ids)-1-i]; rec.RequestID != want {
			t.Errorf("event %d has request id %s, want %s (newest first)", i, rec.RequestID, want)
		}
		ev := events[i]
		if aws.ToString(ev.EventName) != "GetCallerIdentity" || rec.EventName != "GetCallerIdentity" {
			t.Errorf("event %d: EventName = %q / %q", i, aws.ToString(ev.EventName), rec.EventName)
		}
		if got := aws.ToString(ev.EventSource); got != "sts.amazonaws.com" || rec.EventSource != got {
			t.Errorf("event %d: EventSource = %q, record says %q; want sts.amazonaws.com", i, got, rec.EventSource)
		}
		if got := aws.ToString(ev.AccessKeyId); got != srv.Root.AccessKeyID {
			t.Errorf("event %d: AccessKeyId = %q, want %q", i, got, srv.Root.AccessKeyID)
		}
		if ev.ReadOnly == nil || *ev.ReadOnly != "true" {
			t.Errorf("event %d: ReadOnly = %v, want \"true\"", i, aws.ToString(ev.ReadOnly))
		}
		if i > 0 && ev.EventTime.After(*events[i-1].EventTime) {
			t.Errorf("event %d (%v) is newer than event %d (%v)", i, ev.EventTime, i-1, events[i-1].EventTime)
		}
		ui := rec.UserIdentity
		if ui.Type != "Root" || ui.ARN != "arn:aws:iam::"+acct+":root" || ui.AccountID != acct || ui.AccessKeyID != srv.Root.AccessKeyID || ui.PrincipalID != acct {
			t.Errorf("event %d: userIdentity = %+v, want Root %s with key %s", i, ui, acct, srv.Root.AccessKeyID)
		}
		if rec.ErrorCode != "" {
			t.Errorf("event %d: errorCode = %q for a successful call", i, rec.ErrorCode)
		}
		if rec.Recipient != acct {
			t.Errorf("event %d: recipientAccountId = %q, want %q", i, rec.Recipient, acct)
		}
	}
}

// ---------------------------------------------------------------------------
// Artifact through boto3.

// artifactResult is one call's outcome as testdata/artifact_boto3.py
// reports it.
type artifactResult struct {
	Exception     string `json:"exception"`
	Code          string `json:"code"`
	Message       string `json:"message"`
	Status        int    `json:"status"`
	RetryAttempts int    `json:"retry_attempts"`
	RequestID     string `json:"request_id"`
}

// requirePython skips (or, on CI, fails) when python3 with boto3 is not
// installed.
func requirePython(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-c", "import boto3").Run()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3 with boto3 is required on CI: %v", err)
		}
		t.Skipf("python3 with boto3 is not available: %v", err)
	}
	return py
}

func TestArtifactThroughBoto3(t *testing.T) {
	py := requirePython(t)
	script, err := os.ReadFile("testdata/artifact_boto3.py")
	if err != nil {
		t.Fatal(err)
	}
	srv := startNode(t, testserver.Options{})
	cmd := exec.Command(py, "-c", string(script))
	cmd.Env = append(os.Environ(),
		"GATEHOUSE_ENDPOINT="+srv.URL,
		"GATEHOUSE_KEY_ID="+srv.Root.AccessKeyID,
		"GATEHOUSE_SECRET="+srv.Root.SecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("boto3 script: %v\n%s", err, stderr.String())
	}
	var results map[string]artifactResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("boto3 script output is not JSON: %v\n%s", err, out)
	}
	svc := serviceByID(t, "artifact")

	t.Run("missing required member", func(t *testing.T) {
		r := results["missing_member"]
		if r.Exception != "ValidationException" {
			t.Errorf("boto3 raised %q (code %q: %s); want its modelled ValidationException", r.Exception, r.Code, r.Message)
		}
		if r.Code != svc.ValidationErrorCode || r.Status != http.StatusBadRequest {
			t.Errorf("code %q status %d, want %s 400", r.Code, r.Status, svc.ValidationErrorCode)
		}
		if want := nullMemberMessage("reportId"); r.Message != want {
			t.Errorf("message = %q, want %q", r.Message, want)
		}
	})
	t.Run("served", func(t *testing.T) {
		r := results["list_reports"]
		if r.Exception != "" || r.Status != http.StatusOK || r.RetryAttempts != 0 {
			t.Errorf("list_reports: exception %q code %q status %d retries %d; want 200 at the first attempt", r.Exception, r.Code, r.Status, r.RetryAttempts)
		}
	})
	t.Run("recorded in the trail", func(t *testing.T) {
		r := results["list_reports"]
		_, rec := waitForEvent(t, rootCloudTrail(srv), cttypes.LookupAttributeKeyEventName, "ListReports", r.RequestID)
		if rec.ErrorCode != "" || rec.EventSource != svc.EventSource {
			t.Errorf("trail event: errorCode %q eventSource %q, want a success from %s", rec.ErrorCode, rec.EventSource, svc.EventSource)
		}
	})
}

// ---------------------------------------------------------------------------
// Every operation of every service, with raw signed requests.

// emptyInputRequest builds the signed request that calls op with an empty
// input, in its service's protocol.
func emptyInputRequest(t *testing.T, url string, op *protocol.Operation, creds *aws.Credentials) *http.Request {
	t.Helper()
	svc := op.Service
	switch svc.Protocol {
	case protocol.Query:
		return queryRequest(t, url, svc, op.Name, creds, time.Now())
	case protocol.JSON:
		return jsonRequest(t, url, svc, op.Name, "{}", creds, time.Now())
	case protocol.RestJSON:
		return restRequest(t, url, op, creds, time.Now())
	}
	t.Fatalf("service %s has unknown protocol %q", svc.ID, svc.Protocol)
	return nil
}

// checkSuccessShape checks a success response's body in op's protocol.
func checkSuccessShape(op *protocol.Operation, r rawResponse) error {
	want := op.ResponseCode
	if want == 0 {
		want = http.StatusOK
	}
	if r.Status != want {
		return fmt.Errorf("status %d, want the modelled %d", r.Status, want)
	}
	if r.Header.Get("X-Amzn-Requestid") == "" {
		return errors.New("no x-amzn-RequestId header")
	}
	switch op.Service.Protocol {
	case protocol.Query:
		var doc struct {
			XMLName   xml.Name
			RequestID string `xml:"ResponseMetadata>RequestId"`
		}
		if err := xml.Unmarshal(r.Body, &doc); err != nil {
			return fmt.Errorf("body is not XML: %v", err)
		}
		if doc.XMLName.Local != op.Name+"Response" || doc.RequestID == "" {
			return fmt.Errorf("root <%s> with RequestId %q, want <%sResponse> with one", doc.XMLName.Local, doc.RequestID, op.Name)
		}
	default:
		if len(bytes.TrimSpace(r.Body)) == 0 && op.Service.Protocol == protocol.RestJSON {
			return nil
		}
		var doc map[string]any
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			return fmt.Errorf("body is not a JSON object: %v", err)
		}
	}
	return nil
}

func TestEveryOperationAnswersAWSShapedWithEmptyInput(t *testing.T) {
	srv := startNode(t, testserver.Options{})
	creds := &aws.Credentials{AccessKeyID: srv.Root.AccessKeyID, SecretAccessKey: srv.Root.SecretAccessKey}
	total := 0
	var mu sync.Mutex
	outcomes := map[string]int{}   // by answer, for the log
	succeeded := map[string]bool{} // "service.Operation"
	note := func(svc, op, outcome string) {
		mu.Lock()
		defer mu.Unlock()
		outcomes[outcome]++
		if outcome == "success" {
			succeeded[svc+"."+op] = true
		}
	}
	t.Cleanup(func() {
		t.Logf("%d operations: %v", total, outcomes)
		// The implemented operations succeed with an empty input.
		for _, op := range []string{"sts.GetCallerIdentity", "cloudtrail.LookupEvents"} {
			if !succeeded[op] {
				t.Errorf("%s did not succeed with an empty input", op)
			}
		}
	})
	for _, svc := range model.All() {
		total += len(svc.Operations)
		t.Run(svc.ID, func(t *testing.T) {
			t.Parallel()
			names := make([]string, 0, len(svc.Operations))
			for name := range svc.Operations {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				op := svc.Operations[name]
				r := sendRaw(t, emptyInputRequest(t, srv.URL, op, creds))
				if r.Status >= 200 && r.Status < 300 {
					note(svc.ID, name, "success")
					if err := checkSuccessShape(op, r); err != nil {
						t.Errorf("%s: malformed success: %v\n%s", name, err, r.Body)
					}
					continue
				}
				we, err := parseWireError(svc.Protocol, r)
				if err != nil {
					t.Errorf("%s: status %d with a malformed AWS error: %v\n%s", name, r.Status, err, r.Body)
					continue
				}
				note(svc.ID, name, we.Code)
				switch {
				case r.Status >= 500 && r.Status != http.StatusNotImplemented:
					t.Errorf("%s: server fault %d %s: %s", name, r.Status, we.Code, we.Message)
				case we.Code == "NotImplemented":
					if r.Status != http.StatusNotImplemented || we.Message != expectedNotImplemented(svc.ServiceID, name) {
						t.Errorf("%s: NotImplemented with status %d and message %q; want 501 naming this operation (misrouted?)", name, r.Status, we.Message)
					}
				case we.Code == svc.ValidationErrorCode:
					// The model's constraints ("1 validation error detected: ...")
					// or a handler's own check of what an empty input lacks.
					if r.Status != http.StatusBadRequest || we.Message == "" {
						t.Errorf("%s: %s with status %d and message %q", name, we.Code, r.Status, we.Message)
					}
				case slices.Contains(op.Errors, we.Code) || we.Code == "OrganizationNotFoundException":
					// A built operation refusing an empty input with one of
					// its modelled errors (a password policy that does not
					// exist, a feature that is off; IAM's organization
					// features answer OrganizationNotFoundException until
					// AWS Organizations is built).
					if r.Status < 400 || r.Status >= 500 || we.Message == "" {
						t.Errorf("%s: %s with status %d and message %q", name, we.Code, r.Status, we.Message)
					}
				default:
					t.Errorf("%s: unexpected error %d %s: %s", name, r.Status, we.Code, we.Message)
				}
			}
		})
	}
	if total < 600 {
		t.Errorf("model.All() has %d operations; the 11 services have over 600", total)
	}
}
