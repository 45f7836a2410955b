package protocol

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// The fuzz targets feed malformed input through the same paths a server
// uses. Any panic is a failure; seeds live in testdata/fuzz/<Name>/.

var fuzzRouter = NewRouter(allTestServices())

// FuzzQueryDecode decodes arbitrary form bodies into the kitchen sink and
// into IAM's CreateUser, then encodes what it decoded.
func FuzzQueryDecode(f *testing.F) {
	f.Add("Action=Everything&Version=2020-01-01&Required=r&Leaves.member.1.Name=x")
	f.Fuzz(func(t *testing.T, body string) {
		for _, prefix := range []string{"Action=Everything&Version=2020-01-01&", "Action=CreateUser&Version=2010-05-08&", ""} {
			r := &http.Request{Method: "POST", URL: &url.URL{Path: "/"}, Header: http.Header{
				"Content-Type": {"application/x-www-form-urlencoded"}}}
			b := []byte(prefix + body)
			req, err := fuzzRouter.Route(r, b, "")
			if err != nil {
				if _, ok := AsError(err); !ok {
					t.Fatalf("Route returned non-*Error %T", err)
				}
				continue
			}
			in, err := DecodeInput(req, r, b)
			if err != nil {
				if _, ok := AsError(err); !ok {
					t.Fatalf("DecodeInput returned non-*Error %T", err)
				}
			}
			if in != nil {
				w := httptest.NewRecorder()
				_ = WriteResponse(w, req.Op, "id", in)
				_ = AuditJSON(nil, in)
			}
		}
	})
}

// FuzzJSONDecode decodes arbitrary bodies as awsJson input, and checks that
// re-encoding what decoded is stable (encode∘decode is idempotent).
func FuzzJSONDecode(f *testing.F) {
	f.Add([]byte(`{"Required":"r","Tree":{"Children":[{"Label":"x"}]},"Doc":{"a":[1,"b",null]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p := planOf(reflect.TypeOf(sinkShape{}))
		var s sinkShape
		if err := decodeJSONStruct(body, reflect.ValueOf(&s).Elem(), p.str, false); err != nil {
			if err.Code != "SerializationException" || err.Status != 400 {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		_ = Validate(nil, &s)
		_ = AuditJSON(nil, &s)
		var e1 jsonEncoder
		if err := e1.encodeStruct(reflect.ValueOf(s), p.str, false, 0); err != nil {
			t.Fatalf("encode: %v", err)
		}
		var s2 sinkShape
		if err := decodeJSONStruct(e1.buf, reflect.ValueOf(&s2).Elem(), p.str, false); err != nil {
			t.Fatalf("re-decode of %s: %v", e1.buf, err)
		}
		var e2 jsonEncoder
		if err := e2.encodeStruct(reflect.ValueOf(s2), p.str, false, 0); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(e1.buf, e2.buf) {
			t.Fatalf("unstable encoding:\n%s\n%s", e1.buf, e2.buf)
		}
		var x xmlEncoder
		_ = x.encodeFields(reflect.ValueOf(s), p.str, 0)
	})
}

// FuzzRestJSONDecode routes and decodes arbitrary rest-json requests: path,
// query, one header and body.
func FuzzRestJSONDecode(f *testing.F) {
	f.Add("PUT", "/things/b/k/x", "attr&version=1&tag=a&tag=b", "X-Items", `a,"b,c"`, []byte(`{"leaf":{"Name":"n"}}`))
	f.Fuzz(func(t *testing.T, method, path, rawQuery, hname, hvalue string, body []byte) {
		u := &url.URL{Path: path, RawQuery: rawQuery}
		if strings.Contains(path, "%") {
			u.RawPath = path
			if p, err := url.PathUnescape(path); err == nil {
				u.Path = p
			}
		}
		r := &http.Request{Method: method, URL: u, Header: http.Header{}}
		if hname != "" {
			r.Header.Add(hname, hvalue)
		}
		for _, signing := range []string{"", "inspector2"} {
			req, err := fuzzRouter.Route(r, body, signing)
			if err != nil {
				if _, ok := AsError(err); !ok {
					t.Fatalf("Route returned non-*Error %T", err)
				}
				w := httptest.NewRecorder()
				WriteError(w, req.Service, "id", mustError(err))
				continue
			}
			in, err := DecodeInput(req, r, body)
			if err != nil {
				if _, ok := AsError(err); !ok {
					t.Fatalf("DecodeInput returned non-*Error %T", err)
				}
				continue
			}
			if req.Op.NewOutput != nil && in != nil && reflect.TypeOf(in) == reflect.TypeOf(req.Op.NewOutput()) {
				w := httptest.NewRecorder()
				_ = WriteResponse(w, req.Op, "id", in)
			}
		}
	})
}

// FuzzRoute routes arbitrary requests of every protocol and writes the
// resulting errors.
func FuzzRoute(f *testing.F) {
	f.Add("POST", "/", "application/x-amz-json-1.1", "TrentService.Encrypt", []byte(`{"KeyId":"k","Plaintext":"eA=="}`))
	f.Fuzz(func(t *testing.T, method, target, contentType, amzTarget string, body []byte) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		r := &http.Request{Method: method, URL: u, Header: http.Header{}}
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		if amzTarget != "" {
			r.Header.Set("X-Amz-Target", amzTarget)
		}
		req, err := fuzzRouter.Route(r, body, "")
		if req == nil {
			t.Fatal("Route returned a nil Request")
		}
		w := httptest.NewRecorder()
		if err != nil {
			WriteError(w, req.Service, "id", mustError(err))
			return
		}
		if _, err := DecodeInput(req, r, body); err != nil {
			WriteError(w, req.Service, "id", mustError(err))
		}
	})
}

func mustError(err error) *Error {
	e, ok := AsError(err)
	if !ok {
		panic("not an *Error: " + err.Error())
	}
	return e
}
