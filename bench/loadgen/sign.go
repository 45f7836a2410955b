package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Credentials sign the requests. gatehouse in --dev mode and moto_server
// both accept test/test.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken, when set, is sent as X-Amz-Security-Token.
	SessionToken string
}

// DevCredentials are the credentials of gatehouse's dev mode.
var DevCredentials = Credentials{AccessKeyID: "test", SecretAccessKey: "test"}

// SignatureLifetime is how long AWS (and gatehouse) accept a signed request
// after its X-Amz-Date. Replaying a pre-signed request within it is what a
// retrying client legitimately does; runs longer than ResignInterval re-sign
// the pool so no replayed signature comes near this age.
const SignatureLifetime = 15 * time.Minute

var signer = v4.NewSigner()

// userAgent imitates the AWS SDK for Go v2 so that servers parse a header of
// realistic length.
var userAgent = "aws-sdk-go-v2/1.48.0 ua/2.1 os/" + runtime.GOOS + " lang/go#" +
	strings.TrimPrefix(runtime.Version(), "go") + " md/GOOS#" + runtime.GOOS +
	" md/GOARCH#" + runtime.GOARCH + " m/E gatehouse-bench"

// Sign signs r with SigV4 for the server at addr ("ip:port", used as the
// Host header and therefore part of the signature) at time at, and returns
// the complete raw HTTP/1.1 request. invocationID goes into the
// Amz-Sdk-Invocation-Id header, which the SDKs send and sign, so distinct IDs
// give distinct signatures.
func (r Request) Sign(addr string, creds Credentials, at time.Time, invocationID string) ([]byte, error) {
	method, path := r.method(), r.path()
	req, err := http.NewRequest(method, "http://"+addr+path, nil)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Amz-Sdk-Invocation-Id", invocationID)
	req.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	req.ContentLength = int64(len(r.Body))
	sum := sha256.Sum256([]byte(r.Body))
	err = signer.SignHTTP(context.Background(), aws.Credentials{
		AccessKeyID:     creds.AccessKeyID,
		SecretAccessKey: creds.SecretAccessKey,
		SessionToken:    creds.SessionToken,
	}, req, hex.EncodeToString(sum[:]), r.Service, r.Region, at.UTC())
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}

	var b bytes.Buffer
	b.WriteString(method + " " + req.URL.RequestURI() + " HTTP/1.1\r\nHost: " + addr + "\r\n")
	keys := make([]string, 0, len(req.Header))
	for k := range req.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range req.Header[k] {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	if len(r.Body) > 0 || method == "POST" || method == "PUT" || method == "PATCH" {
		b.WriteString("Content-Length: " + strconv.Itoa(len(r.Body)) + "\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(r.Body)
	return b.Bytes(), nil
}

// SignedPool returns a pool builder for Config.Pool: each call signs n
// copies of r for addr at the given time, each with its own invocation ID and
// therefore its own signature, so that a server cannot answer the run from a
// single cached signature check.
func SignedPool(r Request, addr string, creds Credentials, n int) func(time.Time) ([][]byte, error) {
	return func(at time.Time) ([][]byte, error) {
		if n < 1 {
			n = 1
		}
		pool := make([][]byte, n)
		for i := range pool {
			raw, err := r.Sign(addr, creds, at, newInvocationID())
			if err != nil {
				return nil, err
			}
			pool[i] = raw
		}
		return pool, nil
	}
}

// newInvocationID returns a random version-4 UUID, as the SDKs use for
// Amz-Sdk-Invocation-Id.
func newInvocationID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ForgeSignature returns a copy of the signed raw request raw with one hex
// digit of its SigV4 signature changed, or nil when raw carries no
// signature. A server that answers the forged copy like the original does not
// verify signatures, and a benchmark against it does not measure the full
// request path.
func ForgeSignature(raw []byte) []byte {
	const marker = "Signature="
	i := bytes.Index(raw, []byte(marker))
	if i < 0 || i+len(marker) >= len(raw) {
		return nil
	}
	forged := bytes.Clone(raw)
	j := i + len(marker)
	if forged[j] == '0' {
		forged[j] = '1'
	} else {
		forged[j] = '0'
	}
	return forged
}
