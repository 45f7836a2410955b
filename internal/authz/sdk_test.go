package authz_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// node is an in-process node reached with the AWS SDK for Go.
type node struct {
	url     string
	app     *app.App
	root    aws.Config
	account string
}

// startNode starts a node outside dev mode (enforcement on), as
// testserver does.
func startNode(t *testing.T) *node {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	return &node{url: srv.URL, app: srv.App, root: srv.RootConfig(), account: srv.App.ManagementAccountID}
}

// startDevNode starts a dev-mode node with the given enforcement mode.
func startDevNode(t *testing.T, enforce string) *node {
	t.Helper()
	a, err := app.Open(context.Background(), app.Config{DataDir: t.TempDir(), Dev: true, Enforce: enforce,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		hs.Close()
		if err := a.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	n := &node{url: hs.URL, app: a, account: a.ManagementAccountID}
	n.root = n.config(a.Created.AccessKeyID, a.Created.SecretAccessKey, "")
	return n
}

func (n *node) config(id, secret, token string) aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(n.url),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, token)}
}

// userWithKey creates an IAM user and an access key, as the root user,
// and returns a configuration signed by the user's key.
func (n *node) userWithKey(t *testing.T, name string) aws.Config {
	t.Helper()
	c := iam.NewFromConfig(n.root)
	ctx := context.Background()
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return n.config(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")
}

// attach gives a user a new customer managed policy with document doc.
func (n *node) attach(t *testing.T, user, policyName, doc string) string {
	t.Helper()
	c := iam.NewFromConfig(n.root)
	ctx := context.Background()
	p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(policyName), PolicyDocument: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(user), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(p.Policy.Arn)
}

// apiError returns the AWS error code, message, HTTP status and request
// id of err.
func apiError(t *testing.T, err error) (code, message string, status int, requestID string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an AWS error: %v", err)
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status, requestID = re.HTTPStatusCode(), re.ServiceRequestID()
	}
	return ae.ErrorCode(), ae.ErrorMessage(), status, requestID
}

// trailEvent waits for the trail event of a request and decodes it.
func (n *node) trailEvent(t *testing.T, eventName, requestID string) map[string]any {
	t.Helper()
	ct := cloudtrail.NewFromConfig(n.root)
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := ct.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String(eventName)}},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range out.Events {
			var rec map[string]any
			if err := json.Unmarshal([]byte(aws.ToString(ev.CloudTrailEvent)), &rec); err != nil {
				t.Fatal(err)
			}
			if rec["requestID"] == requestID {
				return rec
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no trail event for %s request %s", eventName, requestID)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func TestEnforcementThroughTheSDK(t *testing.T) {
	n := startNode(t)
	ctx := context.Background()
	aliceCfg := n.userWithKey(t, "alice")
	alice := iam.NewFromConfig(aliceCfg)

	// No policy: denied, with AWS's message, and the trail says so.
	_, err := alice.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	if err == nil {
		t.Fatal("a user without policies read a user")
	}
	code, msg, status, reqID := apiError(t, err)
	want := "User: arn:aws:iam::" + n.account + ":user/alice is not authorized to perform: iam:GetUser on resource: arn:aws:iam::" + n.account + ":user/alice because no identity-based policy allows the iam:GetUser action"
	if code != "AccessDenied" || status != http.StatusForbidden || msg != want {
		t.Fatalf("got %s %d %q\nwant AccessDenied 403 %q", code, status, msg, want)
	}
	ev := n.trailEvent(t, "GetUser", reqID)
	if ev["errorCode"] != "AccessDenied" || ev["errorMessage"] != want {
		t.Fatalf("trail event: errorCode %v errorMessage %v", ev["errorCode"], ev["errorMessage"])
	}
	if id, _ := ev["userIdentity"].(map[string]any); id["arn"] != "arn:aws:iam::"+n.account+":user/alice" {
		t.Fatalf("trail userIdentity = %v", ev["userIdentity"])
	}

	// GetCallerIdentity needs no permission.
	if _, err := sts.NewFromConfig(aliceCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity without policies: %v", err)
	}

	// A policy through the IAM API allows it from the next request on.
	n.attach(t, "alice", "ReadSelf", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListUsers","iam:DeleteUser"],"Resource":"arn:aws:iam::*:user/${aws:username}"},{"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}]}`)
	if _, err := alice.GetUser(ctx, &iam.GetUserInput{}); err != nil {
		t.Fatalf("GetUser after the policy: %v", err)
	}
	_, err = alice.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("root-made")})
	if code, _, _, _ := apiError(t, err); code != "AccessDenied" {
		t.Fatalf("GetUser of another user: %v", err)
	}
	// An explicit deny wins.
	_, err = alice.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	_, msg, _, _ = apiError(t, err)
	if !strings.HasSuffix(msg, "iam:DeleteUser on resource: arn:aws:iam::"+n.account+":user/alice with an explicit deny in an identity-based policy") {
		t.Fatalf("explicit deny: %q", msg)
	}

	// A permissions boundary limits the user.
	rootIAM := iam.NewFromConfig(n.root)
	b, err := rootIAM.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ListOnly"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rootIAM.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("alice"), PermissionsBoundary: b.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	_, err = alice.GetUser(ctx, &iam.GetUserInput{})
	_, msg, _, _ = apiError(t, err)
	if !strings.HasSuffix(msg, "because no permissions boundary allows the iam:GetUser action") {
		t.Fatalf("boundary: %q", msg)
	}
}

func TestJSONServiceDenialThroughTheSDK(t *testing.T) {
	n := startNode(t)
	bob := kms.NewFromConfig(n.userWithKey(t, "bob"))
	_, err := bob.ListKeys(context.Background(), &kms.ListKeysInput{})
	code, msg, status, _ := apiError(t, err)
	want := "User: arn:aws:iam::" + n.account + ":user/bob is not authorized to perform: kms:ListKeys because no identity-based policy allows the kms:ListKeys action"
	if code != "AccessDeniedException" || status != http.StatusBadRequest || msg != want {
		t.Fatalf("got %s %d %q, want AccessDeniedException 400 %q", code, status, msg, want)
	}
}

func TestSoftModeThroughTheSDK(t *testing.T) {
	n := startDevNode(t, "soft")
	carol := iam.NewFromConfig(n.userWithKey(t, "carol"))
	_, err := carol.ListUsers(context.Background(), &iam.ListUsersInput{})
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "AccessDenied" {
		t.Fatalf("soft mode denied: %v", err)
	}
	// The call reached its handler (whatever it answered); its trail
	// event names the denial that enforcement would have made.
	ct := cloudtrail.NewFromConfig(n.root)
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := ct.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("ListUsers")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Events) > 0 {
			var rec struct {
				ErrorCode  string `json:"errorCode"`
				Additional struct {
					Denial struct {
						ErrorCode    string `json:"errorCode"`
						ErrorMessage string `json:"errorMessage"`
					} `json:"softEnforcementDenial"`
				} `json:"additionalEventData"`
			}
			if err := json.Unmarshal([]byte(aws.ToString(out.Events[0].CloudTrailEvent)), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.ErrorCode == "AccessDenied" || rec.Additional.Denial.ErrorCode != "AccessDenied" ||
				!strings.Contains(rec.Additional.Denial.ErrorMessage, "user/carol is not authorized to perform: iam:ListUsers") {
				t.Fatalf("event: %s", aws.ToString(out.Events[0].CloudTrailEvent))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no ListUsers event")
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func TestOffModeThroughTheSDK(t *testing.T) {
	n := startDevNode(t, "")
	if n.app.Enforcement.String() != "off" {
		t.Fatalf("dev mode default = %v, want off", n.app.Enforcement)
	}
	dave := iam.NewFromConfig(n.userWithKey(t, "dave"))
	if _, err := dave.ListUsers(context.Background(), &iam.ListUsersInput{}); err != nil {
		t.Fatalf("off mode: %v", err)
	}
}

func TestSoftAndOffNeedDevMode(t *testing.T) {
	for _, mode := range []string{"soft", "off"} {
		_, err := app.Open(context.Background(), app.Config{DataDir: t.TempDir(), Enforce: mode})
		if err == nil || !strings.Contains(err.Error(), "only allowed in dev mode") {
			t.Errorf("enforce=%s outside dev mode: %v", mode, err)
		}
	}
}

func TestRoleSessionThroughTheSDK(t *testing.T) {
	n := startNode(t)
	ctx := context.Background()
	rootIAM := iam.NewFromConfig(n.root)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + n.account + `:root"},"Action":"sts:AssumeRole"}]}`
	role, err := rootIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), Path: aws.String("/apps/"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rootIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}

	// The trust policy delegates to the account: erin needs sts:AssumeRole.
	erinCfg := n.userWithKey(t, "erin")
	erinSTS := sts.NewFromConfig(erinCfg)
	in := &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("s1"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}`)}
	_, err = erinSTS.AssumeRole(ctx, in)
	code, msg, status, _ := apiError(t, err)
	if code != "AccessDenied" || status != 403 || !strings.HasPrefix(msg, "User: arn:aws:iam::"+n.account+":user/erin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::"+n.account+":role/apps/reader") {
		t.Fatalf("AssumeRole without permission: %s %d %q", code, status, msg)
	}
	n.attach(t, "erin", "Assume", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/apps/*"}]}`)
	out, err := erinSTS.AssumeRole(ctx, in)
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := out.Credentials
	session := iam.NewFromConfig(n.config(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))

	// Allowed by the role's policy and the session policy.
	if _, err := session.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("reader")}); err != nil {
		t.Fatalf("GetRole in the session: %v", err)
	}
	// The role allows ListRoles; the session policy does not.
	_, err = session.ListRoles(ctx, &iam.ListRolesInput{})
	_, msg, _, _ = apiError(t, err)
	want := "User: arn:aws:sts::" + n.account + ":assumed-role/reader/s1 is not authorized to perform: iam:ListRoles because no session policy allows the iam:ListRoles action"
	if msg != want {
		t.Fatalf("session policy denial: %q\nwant %q", msg, want)
	}
	// A role that does not exist is denied on the ARN given.
	_, err = erinSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + n.account + ":role/apps/nosuch"), RoleSessionName: aws.String("s2")})
	_, msg, _, _ = apiError(t, err)
	if msg != "User: arn:aws:iam::"+n.account+":user/erin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::"+n.account+":role/apps/nosuch" {
		t.Fatalf("missing role: %q", msg)
	}
}
