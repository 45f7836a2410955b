package app_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// BenchmarkServeKMSEncrypt measures gatehouse's own cost of the kms-encrypt
// load scenario (symmetric Encrypt of 256 bytes with an encryption context,
// by an IAM user the default key policy delegates to IAM) through the whole
// request path, without the network. cpu-ns/op counts the process's CPU per
// request, the trail's writes by the recorder included: the figure the load
// harness's "srv cpu/req" should approach minus the cost of the sockets.
func BenchmarkServeKMSEncrypt(b *testing.B) {
	srv := testserver.Start(b, testserver.Options{})
	u, err := url.Parse(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	sc, ok := loadgen.Lookup("kms-encrypt")
	if !ok {
		b.Fatal("no kms-encrypt scenario")
	}
	root := loadgen.Credentials{AccessKeyID: srv.Root.AccessKeyID, SecretAccessKey: srv.Root.SecretAccessKey}
	req, creds, err := sc.PrepareAs(context.Background(), u.Host, root)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := req.Sign(u.Host, creds, time.Now(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	parsed, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(parsed.Body)
	if err != nil {
		b.Fatal(err)
	}
	parsed.RemoteAddr = "127.0.0.1:50000"
	replayLoop(b, srv.App.Handler, parsed, body)
}
