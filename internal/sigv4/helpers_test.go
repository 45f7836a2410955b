package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// keys is a Lookup backed by a map of access key id to secret.
func keys(m map[string]string) func(context.Context, string) ([]byte, error) {
	return func(_ context.Context, id string) ([]byte, error) {
		s, ok := m[id]
		if !ok {
			return nil, ErrUnknownAccessKey
		}
		return []byte(s), nil
	}
}

// at returns a clock stuck at the ISO 8601 basic timestamp s.
func at(t testing.TB, s string) func() time.Time {
	t.Helper()
	ts, ok := parseAmzDate(s)
	if !ok {
		t.Fatalf("bad timestamp %q", s)
	}
	return func() time.Time { return ts }
}

// readWire parses a raw HTTP/1.1 request as the server would receive it.
func readWire(t testing.TB, raw string) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("reading request: %v\n%s", err, raw)
	}
	return r
}

// overWire serializes a client-side request exactly as net/http's client
// sends it and parses it back as the server sees it, returning the server
// request and the body.
func overWire(t testing.TB, req *http.Request) (*http.Request, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		t.Fatalf("writing request: %v", err)
	}
	r, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatalf("reading request: %v\n%s", err, buf.String())
	}
	var body bytes.Buffer
	if _, err := body.ReadFrom(r.Body); err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return r, body.Bytes()
}

// wantKind asserts that err is an *Error of kind k and returns it.
func wantKind(t testing.TB, err error, k Kind) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error of kind %v", err, err, k)
	}
	if e.Kind != k {
		t.Fatalf("kind = %v, want %v (message %q)", e.Kind, k, e.Message)
	}
	return e
}
