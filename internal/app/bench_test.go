package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse/gatehouse/internal/app"
)

// BenchmarkServeGetCallerIdentity measures gatehouse's own cost of one
// GetCallerIdentity through the whole request path (SigV4 verification,
// routing, decoding, handling, XML encoding, metrics and the trail event
// handed to the recorder), without the network: the figure to compare with
// the per-request CPU the load harness in bench/ reports.
func BenchmarkServeGetCallerIdentity(b *testing.B) {
	node, err := app.Open(context.Background(), app.Config{DataDir: b.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer node.Close(context.Background())
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: node.Created.AccessKeyID, SecretAccessKey: node.Created.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	replayLoop(b, node.Handler, req, body)
}
