package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// binary is the gatehouse binary built once for the tests of this file.
var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

func buildBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gatehouse-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "gatehouse")
		out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

// process is a running gatehouse binary.
type process struct {
	cmd    *exec.Cmd
	url    string
	data   string
	stdout *testserver.LogBuffer
	logs   *testserver.LogBuffer
	exited chan error
}

var listeningURL = regexp.MustCompile(`msg="gatehouse listening" url=(\S+)`)

// startServer runs `gatehouse serve` on a free loopback port over dataDir
// and waits until it listens.
func startServer(t *testing.T, dataDir string, extra ...string) *process {
	t.Helper()
	bin := buildBinary(t)
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data", dataDir}, extra...)
	cmd := exec.Command(bin, args...)
	p := &process{cmd: cmd, data: dataDir, stdout: &testserver.LogBuffer{}, logs: &testserver.LogBuffer{}, exited: make(chan error, 1)}
	cmd.Stdout = p.stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.logs, line)
			if m := listeningURL.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	select {
	case p.url = <-found:
	case err := <-p.exited:
		t.Fatalf("gatehouse exited before listening: %v\n%s", err, p.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("gatehouse did not start listening\n%s", p.logs.String())
	}
	return p
}

// rootKey reads the bootstrap root key from the data directory's
// root-credentials file, as a user would.
func rootKey(t *testing.T, dataDir string) (id, secret string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dataDir, "root-credentials"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			id = strings.TrimSpace(v)
		case "aws_secret_access_key":
			secret = strings.TrimSpace(v)
		}
	}
	if id == "" || secret == "" {
		t.Fatalf("root-credentials has no key:\n%s", raw)
	}
	return id, secret
}

// sdkConfig is a client configuration for the node at url, with the SDK's
// standard retryer (see testserver.Server.Config for why).
func sdkConfig(url, id, secret string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
	}
}

func TestBootstrapWritesCredentialsOnceAndReusesThem(t *testing.T) {
	data := t.TempDir()
	p := startServer(t, data)
	info, err := os.Stat(filepath.Join(data, "root-credentials"))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("root-credentials mode %o, want 600", perm)
	}
	id, secret := rootKey(t, data)
	if !strings.Contains(p.stdout.String(), id) {
		t.Fatalf("first start did not print the root key id %s:\n%s", id, p.stdout.String())
	}
	if strings.Contains(p.logs.String(), secret) {
		t.Fatal("the secret access key appeared in the log")
	}
	out, err := sts.NewFromConfig(sdkConfig(p.url, id, secret)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	account := aws.ToString(out.Account)
	if aws.ToString(out.Arn) != "arn:aws:iam::"+account+":root" || aws.ToString(out.UserId) != account || len(account) != 12 {
		t.Fatalf("GetCallerIdentity = %+v", out)
	}
	stopGracefully(t, p)

	again := startServer(t, data)
	if strings.Contains(again.stdout.String(), "secret access key") {
		t.Fatal("a later start printed credentials again")
	}
	id2, _ := rootKey(t, data)
	if id2 != id {
		t.Fatalf("root key changed across restarts: %s then %s", id, id2)
	}
	out2, err := sts.NewFromConfig(sdkConfig(again.url, id, secret)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out2.Account) != account {
		t.Fatalf("account changed across restarts: %s then %s", account, aws.ToString(out2.Account))
	}
}

func stopGracefully(t *testing.T, p *process) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("gatehouse exited with %v after SIGTERM\n%s", err, p.logs.String())
		}
		p.exited <- err // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatalf("gatehouse did not stop after SIGTERM\n%s", p.logs.String())
	}
	if !strings.Contains(p.logs.String(), "gatehouse stopped cleanly") {
		t.Fatalf("no clean-stop message:\n%s", p.logs.String())
	}
}

// TestGracefulShutdownKeepsEveryEvent makes calls, stops the server with
// SIGTERM right away (before the trail's batch timer fires) and checks
// after a restart that every call is in the trail.
func TestGracefulShutdownKeepsEveryEvent(t *testing.T) {
	data := t.TempDir()
	p := startServer(t, data)
	id, secret := rootKey(t, data)
	client := sts.NewFromConfig(sdkConfig(p.url, id, secret))
	const calls = 40
	for i := 0; i < calls; i++ {
		if _, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatal(err)
		}
	}
	stopGracefully(t, p)

	again := startServer(t, data)
	got := countEvents(t, sdkConfig(again.url, id, secret), "GetCallerIdentity")
	if got != calls {
		t.Fatalf("trail has %d GetCallerIdentity events after a clean shutdown, want %d", got, calls)
	}
}

// TestKillDuringWritesLosesNoAcknowledgedEvent SIGKILLs the server while
// calls are in flight. Trail events are durable within a second of the
// call; after a restart the store must open cleanly and hold every event
// of calls answered more than a second before the kill.
func TestKillDuringWritesLosesNoAcknowledgedEvent(t *testing.T) {
	data := t.TempDir()
	p := startServer(t, data)
	id, secret := rootKey(t, data)
	cfg := sdkConfig(p.url, id, secret)
	client := sts.NewFromConfig(cfg)

	var mu sync.Mutex
	var answered []time.Time
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if _, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
					return
				}
				mu.Lock()
				answered = append(answered, time.Now())
				mu.Unlock()
			}
		}()
	}
	time.Sleep(2500 * time.Millisecond)
	killedAt := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	p.exited <- nil
	cancel()
	wg.Wait()

	mu.Lock()
	durable := 0
	for _, at := range answered {
		if killedAt.Sub(at) > time.Second {
			durable++
		}
	}
	mu.Unlock()
	if durable == 0 {
		t.Fatal("no call was answered more than a second before the kill; the test proves nothing")
	}

	st, err := sqlite.Open(context.Background(), data)
	if err != nil {
		t.Fatalf("store does not open after SIGKILL: %v", err)
	}
	if err := st.IntegrityCheck(context.Background()); err != nil {
		t.Fatalf("integrity check after SIGKILL: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	again := startServer(t, data)
	got := countEvents(t, sdkConfig(again.url, id, secret), "GetCallerIdentity")
	if got < durable {
		t.Fatalf("after SIGKILL the trail holds %d GetCallerIdentity events; %d calls were answered more than a second before the kill", got, durable)
	}
	t.Logf("%d calls answered, %d more than 1 s before the kill, %d events after restart", len(answered), durable, got)
}

// countEvents pages through LookupEvents for an event name.
func countEvents(t *testing.T, cfg aws.Config, name string) int {
	t.Helper()
	client := cloudtrail.NewFromConfig(cfg)
	pages := cloudtrail.NewLookupEventsPaginator(client, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String(name)}},
	})
	n := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatalf("after %d events: %v", n, err)
		}
		n += len(page.Events)
	}
	return n
}

// TestCLIAndBoto3AndCurl drives the binary with the aws CLI, boto3 and a
// presigned URL fetched by curl, as the README shows.
func TestCLIAndBoto3AndCurl(t *testing.T) {
	for _, tool := range []string{"aws", "python3", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI: %v", tool, err)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	data := t.TempDir()
	p := startServer(t, data)
	id, secret := rootKey(t, data)
	env := append(os.Environ(),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(data, "root-credentials"),
		"AWS_PROFILE=gatehouse-root",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_DEFAULT_REGION=", "AWS_REGION=",
	)
	env = withoutEmpty(env)

	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	// The aws CLI with only the credentials file: the README's command.
	out, err := run("aws", "--endpoint-url", p.url, "sts", "get-caller-identity")
	if err != nil {
		t.Fatalf("aws sts get-caller-identity: %v\n%s", err, out)
	}
	var ident struct{ UserId, Account, Arn string }
	if err := json.Unmarshal([]byte(out), &ident); err != nil {
		t.Fatalf("CLI output is not JSON: %v\n%s", err, out)
	}
	if ident.Arn != "arn:aws:iam::"+ident.Account+":root" || ident.UserId != ident.Account {
		t.Fatalf("CLI identity = %+v", ident)
	}

	// boto3, with a wrong secret and with an unknown key.
	script := `
import sys, boto3, botocore
def call(key, secret):
    c = boto3.client("sts", endpoint_url=sys.argv[1], region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"max_attempts": 0}))
    try:
        return c.get_caller_identity()["Arn"]
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
print(call(sys.argv[2], sys.argv[3]))
print(call(sys.argv[2], "wrong" + sys.argv[3][5:]))
print(call("AKIAUNKNOWNUNKNOWN00", sys.argv[3]))
`
	out, err = run("python3", "-c", script, p.url, id, secret)
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	lines := strings.Fields(out)
	want := []string{ident.Arn, "SignatureDoesNotMatch", "InvalidClientTokenId"}
	if strings.Join(lines, " ") != strings.Join(want, " ") {
		t.Fatalf("boto3 answers %q, want %q", lines, want)
	}

	// A presigned GetCallerIdentity URL, fetched by curl.
	presign := `
import sys, boto3
c = boto3.client("sts", endpoint_url=sys.argv[1], region_name="us-east-1",
    aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
print(c.generate_presigned_url("get_caller_identity", ExpiresIn=300, HttpMethod="GET"))
`
	url, err := run("python3", "-c", presign, p.url, id, secret)
	if err != nil {
		t.Fatalf("presign: %v\n%s", err, url)
	}
	body, err := run("curl", "-sS", strings.TrimSpace(url))
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, body)
	}
	if !strings.Contains(body, "<Arn>"+ident.Arn+"</Arn>") {
		t.Fatalf("presigned URL answered:\n%s", body)
	}

	// The CLI's lookup-events lists the calls, the failed ones included.
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err = run("aws", "--endpoint-url", p.url, "cloudtrail", "lookup-events",
			"--lookup-attributes", "AttributeKey=EventName,AttributeValue=GetCallerIdentity")
		if err != nil {
			t.Fatalf("lookup-events: %v\n%s", err, out)
		}
		var res struct {
			Events []struct{ CloudTrailEvent string }
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("lookup-events output: %v\n%s", err, out)
		}
		codes := map[string]int{}
		for _, e := range res.Events {
			var rec struct {
				ErrorCode    string `json:"errorCode"`
				UserIdentity struct {
					Type        string `json:"type"`
					AccessKeyID string `json:"accessKeyId"`
				} `json:"userIdentity"`
			}
			if err := json.Unmarshal([]byte(e.CloudTrailEvent), &rec); err != nil {
				t.Fatal(err)
			}
			codes[rec.ErrorCode+"/"+rec.UserIdentity.Type]++
		}
		// CLI call, boto3 success and the presigned call succeed as Root;
		// the wrong secret is recorded with an unproven identity. The
		// unknown key belongs to no account, so it is in the management
		// account's trail too.
		if codes["/Root"] >= 3 && codes["SignatureDoesNotMatch/Unknown"] >= 1 && codes["InvalidClientTokenId/Unknown"] >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lookup-events shows %v", codes)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func withoutEmpty(env []string) []string {
	out := env[:0]
	for _, kv := range env {
		if strings.HasSuffix(kv, "=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func TestHealthAndMetrics(t *testing.T) {
	p := startServer(t, t.TempDir())
	res, err := http.Get(p.url + "/_gatehouse/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"status":"ok"`) || !strings.Contains(string(body), `"kms"`) {
		t.Fatalf("health: %d %s", res.StatusCode, body)
	}
	id, secret := rootKey(t, p.data)
	if _, err := sts.NewFromConfig(sdkConfig(p.url, id, secret)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	res, err = http.Get(p.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`gatehouse_requests_total{operation="GetCallerIdentity",outcome="success",service="sts"} 1`,
		`gatehouse_request_duration_seconds_bucket{operation="GetCallerIdentity",service="sts"`,
	} {
		if !strings.Contains(string(body), want) {
			t.Fatalf("metrics lack %s:\n%s", want, body)
		}
	}
}

func TestRunRejectsUnknownCommandsAndBadFlags(t *testing.T) {
	var out, errOut strings.Builder
	if err := run([]string{"frobnicate"}, &out, &errOut); err == nil {
		t.Fatal("unknown command accepted")
	}
	if err := run([]string{"serve", "--log-format", "xml", "--data", t.TempDir()}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "log-format") {
		t.Fatalf("bad log format: %v", err)
	}
	if err := run([]string{"serve", "--tls-cert", "x.pem", "--data", t.TempDir()}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "tls") {
		t.Fatalf("tls cert without key: %v", err)
	}
	if err := run([]string{"version"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "gatehouse") {
		t.Fatalf("version: %v %q", err, out.String())
	}
}

// TestServeTLS serves HTTPS from a certificate and key file and checks that
// an SDK client trusting the certificate gets through, and that the trail
// event records the TLS details.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSignedCert(t, dir)
	data := filepath.Join(dir, "data")
	p := startServer(t, data, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(p.url, "https://") {
		t.Fatalf("listening URL %s is not https", p.url)
	}
	id, secret := rootKey(t, data)
	cfg := sdkConfig(p.url, id, secret)
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	client := cloudtrail.NewFromConfig(cfg)
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := client.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("GetCallerIdentity")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Events) == 1 {
			var rec struct {
				TLSDetails struct {
					TLSVersion string `json:"tlsVersion"`
				} `json:"tlsDetails"`
			}
			if err := json.Unmarshal([]byte(aws.ToString(out.Events[0].CloudTrailEvent)), &rec); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(rec.TLSDetails.TLSVersion, "TLSv1.") {
				t.Fatalf("trail event tlsDetails = %+v", rec.TLSDetails)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GetCallerIdentity over TLS is not in the trail: %d events", len(out.Events))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "gatehouse test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
