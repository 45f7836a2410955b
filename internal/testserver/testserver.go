// Package testserver starts a whole gatehouse node in-process for tests, on
// a loopback listener, and hands out aws-sdk-go-v2 configurations pointed at
// it, so service tests drive gatehouse with the real AWS clients.
package testserver

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gatehouse/gatehouse/internal/app"
)

// Server is a running in-process node.
type Server struct {
	// URL is the endpoint, e.g. http://127.0.0.1:40123.
	URL string
	// App is the assembled node.
	App *app.App
	// Root holds the management account's bootstrap root credentials.
	Root *app.RootCredentials
	// DataDir is the node's data directory.
	DataDir string
}

// Options adjust the node a test starts.
type Options struct {
	Dev          bool
	DevAccountID string
	AccountID    string
	// DataDir reuses a directory (to test restarts); "" means a new
	// temporary one.
	DataDir string
	Logger  *slog.Logger
}

// Start starts a node and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	dir := opts.DataDir
	if dir == "" {
		dir = t.TempDir()
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	node, err := app.Open(context.Background(), app.Config{
		DataDir: dir, AccountID: opts.AccountID, Dev: opts.Dev, DevAccountID: opts.DevAccountID, Logger: logger,
	})
	if err != nil {
		t.Fatalf("testserver: open node: %v", err)
	}
	hs := httptest.NewServer(node.Handler)
	t.Cleanup(func() {
		hs.Close()
		if err := node.Close(context.Background()); err != nil {
			t.Errorf("testserver: close node: %v", err)
		}
	})
	return &Server{URL: hs.URL, App: node, Root: node.Created, DataDir: dir}
}

// Config returns an aws-sdk-go-v2 configuration for the given static
// credentials, pointed at the node, in us-east-1, with the SDK's standard
// retryer as users have it. (aws-sdk-go-v2's client can close a connection
// while reading a response that arrives before it finished writing the
// request, which only a server as fast as a loopback gatehouse triggers;
// the standard retryer retries that net.ErrClosed, see aws-sdk-go-v2
// issue 2737. Tests that must see a single attempt set their own retryer.)
func (s *Server) Config(accessKeyID, secretAccessKey, sessionToken string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, sessionToken),
	}
}

// RootConfig returns a configuration signed by the bootstrap root key.
func (s *Server) RootConfig() aws.Config {
	return s.Config(s.Root.AccessKeyID, s.Root.SecretAccessKey, "")
}
