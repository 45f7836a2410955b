package sts_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	stssdk "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/server"
	iamservice "github.com/gatehouse/gatehouse/internal/service/iam"
	"github.com/gatehouse/gatehouse/internal/service/sts"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// The tests of this package drive STS with aws-sdk-go-v2 against a node
// assembled here as internal/app assembles it (store, keyring, accounts,
// IAM, STS, the authorizer with enforcement on, the server), so that the
// tests can hold the directory, the keyring and a clock they move.

// clock is a movable clock shared by STS and the server's expiry checks.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// node is an in-process gatehouse node.
type node struct {
	URL     string
	Account string
	Dir     *iam.Directory
	KR      *keyring.Keyring
	STS     *sts.Service
	Clock   *clock
	root    aws.Config
}

type nodeOptions struct {
	dev        bool
	httpClient *http.Client
}

func startNode(t *testing.T, opts nodeOptions) *node {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rootKey := make([]byte, keyring.RootKeySize)
	_, _ = rand.Read(rootKey)
	kr, err := keyring.New(rootKey)
	if err != nil {
		t.Fatal(err)
	}
	creds := account.NewCredentials(st, kr)
	mgmt, created, err := account.Bootstrap(ctx, st, creds, account.BootstrapConfig{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := &clock{}
	dir := iam.NewDirectory(st, kr, creds, nil)
	registry := call.NewRegistry()
	svc := sts.New(dir, kr, sts.Options{Logger: log, Now: clk.Now, HTTPClient: opts.httpClient, Dev: opts.dev})
	svc.Register(registry)
	iamservice.New(dir, log).Register(registry)
	mode := authz.On
	if opts.dev {
		mode = authz.Off
	}
	authorizer, err := authz.New(authz.Config{Directory: dir, Services: model.All(), Mode: mode, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	const devAccount = "000000000000"
	if opts.dev {
		if err := account.EnsureAccount(ctx, st, devAccount, "default"); err != nil {
			t.Fatal(err)
		}
	}
	srv := server.New(server.Config{Dev: opts.dev, DevAccountID: devAccount, ManagementAccountID: mgmt, Logger: log, Now: clk.Now}, server.Deps{
		Store: st, Services: model.All(), Registry: registry, Credentials: creds,
		Authorizer: authorizer, Sessions: svc.Sessions(),
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		_ = st.Close()
	})
	n := &node{URL: hs.URL, Account: mgmt, Dir: dir, KR: kr, STS: svc, Clock: clk}
	n.root = n.config(created.AccessKeyID, created.SecretAccessKey, "")
	return n
}

// config is an SDK configuration for the given credentials.
func (n *node) config(id, secret, token string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(n.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
	}
}

// anonymous is an SDK configuration that signs nothing, for the unsigned
// STS operations.
func (n *node) anonymous() aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(n.URL), Credentials: aws.AnonymousCredentials{}}
}

func (n *node) rootIAM() *iamsdk.Client { return iamsdk.NewFromConfig(n.root) }
func (n *node) rootSTS() *stssdk.Client { return stssdk.NewFromConfig(n.root) }

// user creates an IAM user with an access key and an inline policy
// (document "" for none) through the IAM API, and returns its
// configuration and ARN.
func (n *node) user(t *testing.T, name, document string) (aws.Config, string) {
	t.Helper()
	ctx := context.Background()
	c := n.rootIAM()
	u, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: &name})
	if err != nil {
		t.Fatalf("CreateUser %s: %v", name, err)
	}
	if document != "" {
		if _, err := c.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: &name, PolicyName: aws.String("inline"), PolicyDocument: &document}); err != nil {
			t.Fatalf("PutUserPolicy %s: %v", name, err)
		}
	}
	k, err := c.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: &name})
	if err != nil {
		t.Fatalf("CreateAccessKey %s: %v", name, err)
	}
	return n.config(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, ""), *u.User.Arn
}

// role creates a role with a trust policy, an inline policy (document ""
// for none) and MaxSessionDuration (0 for the default), and returns its
// ARN and id.
func (n *node) role(t *testing.T, name, trust, document string, maxSession int32) (arn, id string) {
	t.Helper()
	ctx := context.Background()
	c := n.rootIAM()
	in := &iamsdk.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: &trust}
	if maxSession > 0 {
		in.MaxSessionDuration = &maxSession
	}
	r, err := c.CreateRole(ctx, in)
	if err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
	if document != "" {
		if _, err := c.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: &name, PolicyName: aws.String("inline"), PolicyDocument: &document}); err != nil {
			t.Fatalf("PutRolePolicy %s: %v", name, err)
		}
	}
	return *r.Role.Arn, *r.Role.RoleId
}

// session is the configuration of credentials STS returned.
func (n *node) session(c *ststypes.Credentials) aws.Config {
	return n.config(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
}

// trustAWS is a trust policy letting the principal ARNs assume the role.
func trustAWS(principals ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + strings.Join(principals, `","`) +
		`"]},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`
}

// allowAll is an identity policy allowing everything.
const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// apiError requires err to be an AWS error with the code (and message,
// unless msg is "") and returns it.
func apiError(t *testing.T, err error, code, msg string) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code = %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Fatalf("%s message = %q, want %q", code, ae.ErrorMessage(), msg)
	}
	return ae
}

// noRetry makes an STS client try once, so refusals come back at once.
func noRetry(o *stssdk.Options) { o.RetryMaxAttempts = 1 }

// httpStatus returns the HTTP status of an SDK error (0 if unknown).
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// fetch sends a request to url and requires the status; it returns the body.
func fetch(t *testing.T, method, url string, header http.Header, status int) string {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d: %s", method, url, resp.StatusCode, status, body)
	}
	return string(body)
}

// randomHex returns 2n random hexadecimal digits.
func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
