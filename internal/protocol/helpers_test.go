package protocol

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// testRouter is a router over every test service.
func testRouter() *Router { return NewRouter(allTestServices()) }

// newRequest builds an HTTP request as a client would send it.
func newRequest(method, target, contentType, body string, headers ...string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return r
}

// formRequest is a query-protocol POST as botocore sends it.
func formRequest(body string) *http.Request {
	return newRequest("POST", "/", "application/x-www-form-urlencoded; charset=utf-8", body)
}

// jsonRequest is an awsJson POST.
func jsonRequest(target, version, body string) *http.Request {
	return newRequest("POST", "/", "application/x-amz-json-"+version, body, "X-Amz-Target", target)
}

// routeAndDecode runs Route then DecodeInput, failing the test on a routing
// error.
func routeAndDecode(t *testing.T, rt *Router, r *http.Request, signing string) (any, *Error) {
	t.Helper()
	body, _ := io.ReadAll(r.Body)
	req, err := rt.Route(r, body, signing)
	if err != nil {
		t.Fatalf("Route: %v", err)
	}
	in, err := DecodeInput(req, r, body)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("DecodeInput returned non-*Error %T: %v", err, err)
		}
		return in, e
	}
	return in, nil
}

// mustDecode is routeAndDecode expecting success.
func mustDecode(t *testing.T, rt *Router, r *http.Request, signing string) any {
	t.Helper()
	in, err := routeAndDecode(t, rt, r, signing)
	if err != nil {
		t.Fatalf("DecodeInput: %v", err)
	}
	return in
}

// recordResponse runs WriteResponse into a recorder.
func recordResponse(t *testing.T, op *Operation, out any) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	if err := WriteResponse(w, op, "req-1", out); err != nil {
		t.Fatalf("WriteResponse: %v", err)
	}
	return w
}

func wantBody(t *testing.T, w *httptest.ResponseRecorder, want string) {
	t.Helper()
	if got := w.Body.String(); got != want {
		t.Errorf("body:\n got %s\nwant %s", got, want)
	}
}

func wantHeader(t *testing.T, h http.Header, name, want string) {
	t.Helper()
	if got := h.Get(name); got != want {
		t.Errorf("header %s = %q, want %q", name, got, want)
	}
}

func mustEqualBytes(t *testing.T, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
