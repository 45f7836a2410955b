package sigv4

import (
	"context"
	"crypto/sha256"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// benchSTSRequest is a typical GetCallerIdentity POST as the server sees
// it: a 43-byte body and six signed headers (amz-sdk-invocation-id,
// content-length, content-type, host, x-amz-date, x-amz-security-token).
func benchSTSRequest(b *testing.B) (*http.Request, []byte) {
	req, err := http.NewRequest("POST", "https://sts.gatehouse.test/", strings.NewReader(stsBody))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Amz-Sdk-Invocation-Id", "0c8e2ab2-6f0e-4b4e-9c1a-1f3f6c1d2e3f")
	req.Header.Set("User-Agent", "aws-sdk-go-v2/1.48.0 os/linux lang/go#1.26 api/sts#1.52.0")
	creds := aws.Credentials{AccessKeyID: sdkAKID, SecretAccessKey: sdkSecret, SessionToken: sdkToken}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hashHex([]byte(stsBody)), "sts", "us-east-1", sdkSignTime); err != nil {
		b.Fatal(err)
	}
	r, body := overWire(b, req)
	if n := strings.Count(authOf(r.Header.Get("Authorization")+"\r\n"), ";") + 1; n != 6 {
		b.Fatalf("%d signed headers", n)
	}
	return r, body
}

func BenchmarkVerifyHeader(b *testing.B) {
	r, body := benchSTSRequest(b)
	secret := []byte(sdkSecret)
	v := &Verifier{
		Lookup: func(_ context.Context, id string) ([]byte, error) {
			if id != sdkAKID {
				return nil, ErrUnknownAccessKey
			}
			return secret, nil
		},
		Now: func() time.Time { return sdkSignTime },
	}
	ctx := context.Background()
	if _, err := v.Verify(ctx, r, body); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := v.Verify(ctx, r, body); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// cpuTime returns the process's user+system CPU time. The benchmarks
// report it per operation as cpu-ns/op besides wall-clock ns/op, because
// on a shared, oversubscribed machine wall-clock time mostly measures
// waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	if used := cpuTime() - start; used > 0 && b.N > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkVerifyPresigned(b *testing.B) {
	r := readWire(b, "GET "+presignedSTS(b, "&X-Amz-Expires=60")+" HTTP/1.1\r\nHost: sts.gatehouse.test\r\n\r\n")
	v := &Verifier{
		Lookup: keys(map[string]string{sdkAKID: sdkSecret}),
		Now:    func() time.Time { return sdkSignTime },
	}
	ctx := context.Background()
	if _, err := v.Verify(ctx, r, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, r, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScope(b *testing.B) {
	r, _ := benchSTSRequest(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, ok := Scope(r); !ok {
			b.Fatal("no scope")
		}
	}
}

// BenchmarkSHA256Block calibrates the others: the cost of hashing one
// 64-byte block on this machine. Verifying the STS request of
// BenchmarkVerifyHeader hashes about 13 blocks (body, canonical request,
// string to sign, HMAC outer), so its floor is about 13 times this.
func BenchmarkSHA256Block(b *testing.B) {
	buf := make([]byte, 55) // one block with padding
	start := cpuTime()
	for b.Loop() {
		sha256.Sum256(buf)
	}
	reportCPU(b, start)
}
