package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

var (
	fuzzNodeOnce sync.Once
	fuzzNode     *app.App
	fuzzNodeErr  error
	fuzzLogs     testserver.LogBuffer
)

// FuzzServeHTTP sends arbitrary requests through the whole request path
// of a dev-mode node (routing, decoding, validation, handlers, encoding,
// audit). No input may make the server panic: a recovered panic is
// answered as InternalFailure and logged, and counts as a bug here.
func FuzzServeHTTP(f *testing.F) {
	seeds := []struct{ method, path, target, contentType, body string }{
		{"POST", "/", "", "application/x-www-form-urlencoded", "Action=GetCallerIdentity&Version=2011-06-15"},
		{"POST", "/", "", "application/x-www-form-urlencoded", "Action=CreateUser&Version=2010-05-08&UserName=a&Tags.member.1.Key=k&Tags.member.1.Value=v"},
		{"POST", "/", "", "application/x-www-form-urlencoded", "Action=CreateUser&Version=2010-05-08&Tags.member.99999999999.Key=k"},
		{"GET", "/?Action=GetCallerIdentity&Version=2011-06-15", "", "", ""},
		{"POST", "/", "TrentService.Encrypt", "application/x-amz-json-1.1", `{"KeyId":"alias/x","Plaintext":"aGk=","EncryptionContext":{"a":"b"}}`},
		{"POST", "/", "TrentService.Encrypt", "application/x-amz-json-1.1", `{"KeyId":`},
		{"POST", "/", "CloudTrail_20131101.LookupEvents", "application/x-amz-json-1.1", `{"MaxResults":5,"StartTime":1e300}`},
		{"POST", "/", "CloudTrail_20131101.LookupEvents", "application/x-amz-json-1.1", `{"NextToken":"%%%"}`},
		{"POST", "/", "AWSWAF_20190729.CreateWebACL", "application/x-amz-json-1.1", `{"Rules":[{"Statement":{"AndStatement":{"Statements":[{"AndStatement":{}}]}}}]}`},
		{"GET", "/detector/abc/findings/get", "", "application/json", ""},
		{"POST", "/detector/%zz", "", "application/json", `[]`},
		{"PUT", "/reports/x", "", "application/json", `{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.target, s.contentType, s.body)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, method, path, target, contentType, body string) {
		fuzzNodeOnce.Do(func() {
			fuzzNode, fuzzNodeErr = app.Open(context.Background(), app.Config{
				DataDir: dir, Dev: true, Logger: slog.New(slog.NewTextHandler(&fuzzLogs, nil)),
			})
		})
		if fuzzNodeErr != nil {
			t.Fatal(fuzzNodeErr)
		}
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://127.0.0.1:4566"+path, strings.NewReader(body))
		if err != nil {
			return // not a request net/http would ever hand the server
		}
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		served := make(chan struct{})
		go func() {
			defer close(served)
			fuzzNode.Handler.ServeHTTP(rec, req)
		}()
		select {
		case <-served:
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("%s %s target=%q body=%q did not finish in 10 s:\n%s\nlogs:\n%s", method, path, target, body, buf[:n], fuzzLogs.String())
		}
		res := rec.Result()
		out, _ := io.ReadAll(res.Body)
		if res.StatusCode == http.StatusInternalServerError {
			t.Fatalf("%s %s target=%q body=%q answered 500: %s\nlogs:\n%s", method, path, target, body, out, fuzzLogs.String())
		}
		if strings.Contains(fuzzLogs.String(), "level=ERROR") {
			t.Fatalf("%s %s target=%q body=%q logged an error:\n%s", method, path, target, body, fuzzLogs.String())
		}
		if strings.Contains(fuzzLogs.String(), "recovered panic") {
			t.Fatalf("%s %s target=%q body=%q panicked:\n%s", method, path, target, body, fuzzLogs.String())
		}
	})
}
