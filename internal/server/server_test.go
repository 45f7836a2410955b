package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/model"
	stsapi "github.com/gatehouse/gatehouse/internal/model/sts"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// newDevServer assembles a dev-mode server whose only handler is h for STS
// GetCallerIdentity.
func newDevServer(t *testing.T, h call.Handler, logs io.Writer) *server.Server {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kr, err := keyring.New(bytes.Repeat([]byte{7}, keyring.RootKeySize))
	if err != nil {
		t.Fatal(err)
	}
	reg := call.NewRegistry()
	reg.Handle(stsapi.Service, "GetCallerIdentity", h)
	return server.New(server.Config{Dev: true, DevAccountID: "000000000000", Logger: slog.New(slog.NewTextHandler(logs, nil))}, server.Deps{
		Store: st, Services: model.All(), Registry: reg,
		Credentials: account.NewCredentials(st, kr), Authorizer: server.RootOnly{},
	})
}

func getCallerIdentity(t *testing.T, srv http.Handler) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	return w
}

// TestHandlerPanicIsInternalFailure: a panicking handler never takes the
// server down; the client gets AWS's InternalFailure, the log says it is a
// bug, and the panic counter says so to monitoring.
func TestHandlerPanicIsInternalFailure(t *testing.T) {
	var logs testserver.LogBuffer
	srv := newDevServer(t, func(context.Context, *call.Call, any) (any, error) { panic("boom") }, &logs)
	w := getCallerIdentity(t, srv)
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "<Code>InternalFailure</Code>") {
		t.Fatalf("panicking handler answered %d %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "boom") {
		t.Fatal("the panic value leaked to the client")
	}
	if !strings.Contains(logs.String(), "recovered panic") || !strings.Contains(logs.String(), "boom") {
		t.Fatalf("panic not logged:\n%s", logs.String())
	}
	m := httptest.NewRecorder()
	srv.ServeHTTP(m, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(m.Body.String(), "gatehouse_handler_panics_total 1") {
		t.Fatalf("panic not counted:\n%s", m.Body.String())
	}
	// The server keeps serving.
	if w := getCallerIdentity(t, srv); w.Code != http.StatusInternalServerError {
		t.Fatalf("second call answered %d", w.Code)
	}
}

// TestHandlerErrorIsInternalFailureWithoutDetail: a non-AWS error from a
// handler is logged with its cause and answered as InternalFailure whose
// message carries only the request id.
func TestHandlerErrorIsInternalFailureWithoutDetail(t *testing.T) {
	var logs testserver.LogBuffer
	srv := newDevServer(t, func(context.Context, *call.Call, any) (any, error) {
		return nil, io.ErrUnexpectedEOF
	}, &logs)
	w := getCallerIdentity(t, srv)
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "unexpected EOF") {
		t.Fatalf("answered %d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), "unexpected EOF") {
		t.Fatalf("cause not logged:\n%s", logs.String())
	}
}

// TestOversizedBodyIsRefused: bodies past the limit get 413 without being
// read into memory whole.
func TestOversizedBodyIsRefused(t *testing.T) {
	srv := newDevServer(t, func(context.Context, *call.Call, any) (any, error) { return nil, nil }, io.Discard)
	big := strings.Repeat("a", server.DefaultMaxBodyBytes+1)
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15&x="+big))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "RequestEntityTooLarge") {
		t.Fatalf("oversized body answered %d %s", w.Code, w.Body.String()[:min(200, w.Body.Len())])
	}
}
