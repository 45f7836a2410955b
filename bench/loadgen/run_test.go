package loadgen

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sigChecker is an httptest handler that verifies each request's SigV4
// signature by re-signing a copy with the same date, as a real server would
// (minus the clock window), so the tests prove that the raw bytes the load
// generator replays are exactly what was signed.
type sigChecker struct {
	creds   Credentials
	service string
	region  string
	body    string
	bad     atomic.Int64
	good    atomic.Int64
	mu      sync.Mutex
	badWhy  string
	ids     sync.Map // invocation IDs seen
	respond func(w http.ResponseWriter, r *http.Request)
}

func (c *sigChecker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if why := c.verify(r); why != "" {
		c.bad.Add(1)
		c.mu.Lock()
		c.badWhy = why
		c.mu.Unlock()
		http.Error(w, why, http.StatusForbidden)
		return
	}
	c.good.Add(1)
	c.ids.Store(r.Header.Get("Amz-Sdk-Invocation-Id"), true)
	if c.respond != nil {
		c.respond(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(TrivialBody)
}

func (c *sigChecker) verify(r *http.Request) string {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return "read body: " + err.Error()
	}
	if string(body) != c.body {
		return "body mismatch: " + string(body)
	}
	got := r.Header.Get("Authorization")
	date, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return "bad X-Amz-Date"
	}
	cp, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	for k, v := range r.Header {
		if k != "Authorization" && k != "X-Amz-Date" {
			cp.Header[k] = v
		}
	}
	cp.ContentLength = r.ContentLength
	sum := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: c.creds.AccessKeyID, SecretAccessKey: c.creds.SecretAccessKey},
		cp, hex.EncodeToString(sum[:]), c.service, c.region, date)
	if err != nil {
		return "re-sign: " + err.Error()
	}
	if want := cp.Header.Get("Authorization"); got != want {
		return "signature mismatch:\n got  " + got + "\n want " + want
	}
	return ""
}

func newChecker(t *testing.T, req Request) (*sigChecker, *httptest.Server) {
	t.Helper()
	c := &sigChecker{creds: DevCredentials, service: req.Service, region: req.Region, body: req.Body}
	srv := httptest.NewServer(c) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return c, srv
}

func addrOf(srv *httptest.Server) string { return strings.TrimPrefix(srv.URL, "http://") }

func TestRunAgainstHTTPTestServer(t *testing.T) {
	req := Query("sts", "us-east-1", "GetCallerIdentity", "2011-06-15")
	checker, srv := newChecker(t, req)
	addr := addrOf(srv)

	var windowEvents []bool
	res, err := Run(context.Background(), Config{
		Addr:        addr,
		Connections: 4,
		Warmup:      100 * time.Millisecond,
		Duration:    400 * time.Millisecond,
		Pool:        SignedPool(req, addr, DevCredentials, 16),
		OnWindow:    func(begin bool) { windowEvents = append(windowEvents, begin) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := checker.bad.Load(); n > 0 {
		t.Fatalf("%d requests failed signature verification; last: %s", n, checker.badWhy)
	}
	if res.OK == 0 || res.Errors.Total() != 0 || res.Requests != res.OK {
		t.Fatalf("unexpected result:\n%s", res)
	}
	if res.Latency.Count() != res.OK {
		t.Fatalf("histogram holds %d values, want %d", res.Latency.Count(), res.OK)
	}
	if uint64(checker.good.Load()) < res.OK {
		t.Fatalf("server saw %d requests, load generator counted %d", checker.good.Load(), res.OK)
	}
	if res.Reconnects != 0 {
		t.Fatalf("keep-alive server caused %d reconnects", res.Reconnects)
	}
	n := 0
	checker.ids.Range(func(any, any) bool { n++; return true })
	if n != 16 {
		t.Fatalf("saw %d distinct signed requests, want the pool's 16", n)
	}
	if len(windowEvents) != 2 || !windowEvents[0] || windowEvents[1] {
		t.Fatalf("OnWindow calls = %v, want [true false]", windowEvents)
	}
	p50, p99 := res.Latency.Quantile(0.5), res.Latency.Quantile(0.99)
	if p50 <= 0 || p99 < p50 || res.Latency.Max() < p99 {
		t.Fatalf("implausible latencies p50 %v p99 %v max %v", p50, p99, res.Latency.Max())
	}
	if got := res.Throughput(); got != float64(res.OK)/0.4 {
		t.Fatalf("throughput %v", got)
	}
	if !strings.Contains(res.String(), "throughput") {
		t.Fatalf("report lacks throughput:\n%s", res)
	}
}

func TestRunCountsStatusMismatchesAndReconnects(t *testing.T) {
	req := JSON11("kms", "us-east-1", "TrentService.Encrypt", `{"KeyId":"k"}`)
	var n atomic.Int64
	checker, srv := newChecker(t, req)
	checker.respond = func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "TrentService.Encrypt" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
			http.Error(w, "bad headers", http.StatusBadRequest)
			return
		}
		i := n.Add(1)
		if i%3 == 0 {
			w.Header().Set("Connection", "close")
		}
		if i%5 == 0 {
			http.Error(w, "throttled", http.StatusTooManyRequests)
			return
		}
		// Chunked: no Content-Length with an explicit flush.
		_, _ = w.Write([]byte(`{"CiphertextBlob":"`))
		w.(http.Flusher).Flush()
		_, _ = w.Write([]byte(`AAAA"}`))
	}
	addr := addrOf(srv)
	res, err := Run(context.Background(), Config{
		Addr:        addr,
		Connections: 3,
		Duration:    300 * time.Millisecond,
		Pool:        SignedPool(req, addr, DevCredentials, 4),
	})
	if err != nil {
		t.Fatal(err)
	}
	if checker.bad.Load() > 0 {
		t.Fatalf("signature verification failed: %s", checker.badWhy)
	}
	if res.Errors.Status == 0 || res.StatusCodes[429] != res.Errors.Status || len(res.StatusCodes) != 1 {
		t.Fatalf("status errors %d, codes %v", res.Errors.Status, res.StatusCodes)
	}
	if res.Errors.Conn+res.Errors.Protocol+res.Errors.Timeout != 0 {
		t.Fatalf("unexpected errors:\n%s", res)
	}
	if res.Reconnects == 0 {
		t.Fatal("Connection: close responses were not counted as reconnects")
	}
	if res.OK+res.Errors.Status != res.Requests || res.Latency.Count() != res.OK {
		t.Fatalf("inconsistent counts:\n%s", res)
	}
	if !strings.Contains(res.String(), "429") {
		t.Fatalf("report lacks the unexpected status:\n%s", res)
	}
}

func TestRunConnectionErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_, _ = conn.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\ntruncated"))
			conn.Close()
		}
	}))
	defer srv.Close()
	addr := addrOf(srv)
	req := Query("sts", "us-east-1", "GetCallerIdentity", "2011-06-15")
	res, err := Run(context.Background(), Config{
		Addr:        addr,
		Connections: 2,
		Duration:    200 * time.Millisecond,
		Pool:        SignedPool(req, addr, DevCredentials, 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 0 || res.Errors.Conn == 0 || !errors.Is(res.FirstError, io.ErrUnexpectedEOF) {
		t.Fatalf("want only connection errors:\n%s", res)
	}

	// A closed port: every connect fails, and the run still ends on time.
	srv.Close()
	start := time.Now()
	res, err = Run(context.Background(), Config{
		Addr:     addr,
		Duration: 100 * time.Millisecond,
		Pool:     SignedPool(req, addr, DevCredentials, 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors.Conn == 0 || res.OK != 0 {
		t.Fatalf("closed port:\n%s", res)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("run against a closed port took %v", el)
	}
}

func TestRunProtocolErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_, _ = conn.Write([]byte("HTTP/1.1 2OO OK\r\n\r\n"))
			conn.Close()
		}
	}))
	defer srv.Close()
	addr := addrOf(srv)
	res, err := Run(context.Background(), Config{
		Addr:     addr,
		Duration: 100 * time.Millisecond,
		Pool:     SignedPool(Query("sts", "us-east-1", "GetCallerIdentity", "2011-06-15"), addr, DevCredentials, 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors.Protocol == 0 || !errors.Is(res.FirstError, ErrMalformed) {
		t.Fatalf("want protocol errors:\n%s", res)
	}
}

// TestRunStopsWhenServerHangs checks that a server that never answers cannot
// keep a run alive past duration plus grace, and that its requests count as
// timeouts.
func TestRunStopsWhenServerHangs(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	addr := addrOf(srv)
	start := time.Now()
	res, err := Run(context.Background(), Config{
		Addr:        addr,
		Connections: 2,
		Duration:    100 * time.Millisecond,
		Grace:       100 * time.Millisecond,
		Pool:        SignedPool(Query("sts", "us-east-1", "GetCallerIdentity", "2011-06-15"), addr, DevCredentials, 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("run took %v", el)
	}
	if res.Errors.Timeout != 2 || res.OK != 0 {
		t.Fatalf("want 2 timeouts:\n%s", res)
	}
}

func TestRunCancel(t *testing.T) {
	srv := httptest.NewServer(TrivialHandler())
	defer srv.Close()
	addr := addrOf(srv)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := Run(ctx, Config{
		Addr:     addr,
		Duration: time.Minute,
		Pool:     SignedPool(Query("sts", "us-east-1", "GetCallerIdentity", "2011-06-15"), addr, DevCredentials, 1),
	})
	if !errors.Is(err, context.DeadlineExceeded) || res == nil {
		t.Fatalf("err = %v, res = %v", err, res)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("cancelled run took %v", el)
	}
	if res.Errors.Total() != 0 {
		t.Fatalf("cancellation counted as errors:\n%s", res)
	}
}

func TestRunResignsThePool(t *testing.T) {
	req := Query("sts", "us-east-1", "GetCallerIdentity", "2011-06-15")
	checker, srv := newChecker(t, req)
	addr := addrOf(srv)
	var calls atomic.Int64
	sign := SignedPool(req, addr, DevCredentials, 2)
	res, err := Run(context.Background(), Config{
		Addr:           addr,
		Duration:       350 * time.Millisecond,
		ResignInterval: 100 * time.Millisecond,
		Pool: func(at time.Time) ([][]byte, error) {
			calls.Add(1)
			return sign(at)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Resigns < 2 || calls.Load() != int64(res.Resigns)+1 {
		t.Fatalf("resigns %d, pool calls %d", res.Resigns, calls.Load())
	}
	if checker.bad.Load() > 0 || res.Errors.Total() > 0 {
		t.Fatalf("re-signed requests failed: %s\n%s", checker.badWhy, res)
	}
}

func TestTrivialBodyIs400Bytes(t *testing.T) {
	if len(TrivialBody) != 400 || !bytes.HasSuffix(TrivialBody, []byte("</GetCallerIdentityResponse>")) {
		t.Fatalf("TrivialBody is %d bytes: %s", len(TrivialBody), TrivialBody)
	}
}
