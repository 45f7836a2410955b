package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// benchPolicyDocs returns n managed policy documents of the size real
// ones have (several services, conditions); the last allows the user to
// read itself.
func benchPolicyDocs(n int) []string {
	services := []string{"s3", "ec2", "dynamodb", "sqs", "sns", "lambda", "logs", "cloudwatch", "kms", "secretsmanager"}
	var out []string
	for i := 0; i < n; i++ {
		svc := services[i%len(services)]
		doc := `{"Version":"2012-10-17","Statement":[` +
			`{"Sid":"Read","Effect":"Allow","Action":["` + svc + `:Get*","` + svc + `:List*","` + svc + `:Describe*"],"Resource":"*"},` +
			`{"Sid":"Write","Effect":"Allow","Action":["` + svc + `:Put*","` + svc + `:Create*"],"Resource":"` + teamResource(svc) + `","Condition":{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}},` +
			`{"Sid":"NoDelete","Effect":"Deny","Action":"` + svc + `:Delete*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}`
		if i == n-1 {
			doc += `,{"Sid":"Self","Effect":"Allow","Action":["iam:GetUser","iam:ListAccessKeys"],"Resource":"arn:aws:iam::*:user/${aws:username}"}`
		}
		out = append(out, doc+`]}`)
	}
	return out
}

// enforcedUser creates, as root through the IAM API, a user whose
// permissions come from n managed policies, and returns its credentials.
func enforcedUser(b *testing.B, srv *testserver.Server, name string, n int) aws.Credentials {
	b.Helper()
	c := iam.NewFromConfig(srv.RootConfig())
	ctx := context.Background()
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		b.Fatal(err)
	}
	for i, doc := range benchPolicyDocs(n) {
		p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprintf("bench-%d", i)), PolicyDocument: aws.String(doc)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: p.Policy.Arn}); err != nil {
			b.Fatal(err)
		}
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		b.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
}

// serveLoop replays one signed request through the node's handler b.N
// times and reports, besides ns/op, the process CPU time per request
// (cpu-ns/op), which other load on the machine distorts less than wall
// time.
func serveLoop(b *testing.B, h http.Handler, service string, body []byte, creds aws.Credentials) {
	b.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	replayLoop(b, h, req, body)
}

// replayLoop serves req with body through h b.N times (after one warm-up
// call) and reports, besides ns/op, the process CPU time per request
// (cpu-ns/op).
func replayLoop(b *testing.B, h http.Handler, req *http.Request, body []byte) {
	b.Helper()
	serve := func() {
		r := req.Clone(context.Background())
		r.Body = io.NopCloser(bytes.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	serve() // warm the caches
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		serve()
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkServeGetUserEnforced measures IAM GetUser through the whole
// request path, called by an IAM user whose permissions come from 10
// managed policies, with enforcement on: the authorizer gathers the
// user's policies (cached), resolves the user's ARN (with its path) and
// evaluates. Compare with BenchmarkServeGetUserAsRoot, the same request
// by the root user, whom IAM policies do not bind, to see what
// authorization costs.
func BenchmarkServeGetUserEnforced(b *testing.B) {
	srv := testserver.Start(b, testserver.Options{})
	creds := enforcedUser(b, srv, "bench-user", 10)
	serveLoop(b, srv.App.Handler, "iam", []byte("Action=GetUser&UserName=bench-user&Version=2010-05-08"), creds)
}

// BenchmarkServeGetUserAsRoot is BenchmarkServeGetUserEnforced's request
// made by the root user: the same work but authorization.
func BenchmarkServeGetUserAsRoot(b *testing.B) {
	srv := testserver.Start(b, testserver.Options{})
	enforcedUser(b, srv, "bench-user", 10)
	root := aws.Credentials{AccessKeyID: srv.Root.AccessKeyID, SecretAccessKey: srv.Root.SecretAccessKey}
	serveLoop(b, srv.App.Handler, "iam", []byte("Action=GetUser&UserName=bench-user&Version=2010-05-08"), root)
}

// teamResource is a resource pattern of svc for a policy's Write
// statement; S3 ARNs carry no region or account.
func teamResource(svc string) string {
	if svc == "s3" {
		return "arn:aws:s3:::team-s3-*"
	}
	return "arn:aws:" + svc + ":*:*:team-" + svc + "-*"
}
