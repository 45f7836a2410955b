package protocol

import (
	"net/http/httptest"
	"reflect"
	"testing"
	"time"
)

func TestRestJSONDecodeAllBindings(t *testing.T) {
	rt := testRouter()
	r := newRequest("PUT", "/things/my-bucket/a/b%2Fc/d%20e.txt?attr&version=7&since=2026-11-27T15:26:46Z&tag=x&tag=y%2Cz&flag=true&extra1=v1&extra2=v2",
		"application/json", `{"body":"hello","when":1795793206.5,"leaf":{"Name":"n","Count":3},"Bucket":"ignored"}`,
		"X-Request-Id", "rid", "If-Modified-Since", "Fri, 27 Nov 2026 15:26:46 GMT",
		"X-Items", `a, "b,c", "d\"e"`, "X-Count", "42", "X-Meta-Color", "blue", "x-meta-size", "L")
	in := mustDecode(t, rt, r, "sinkr").(*sinkRestInput)
	ts := time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC)
	want := &sinkRestInput{
		Bucket: ptr("my-bucket"), Key: ptr("a/b/c/d e.txt"), Version: ptr(int64(7)), Since: &ts,
		Tags: []string{"x", "y,z"}, Flag: ptr(true), Extra: map[string]string{"attr": "", "extra1": "v1", "extra2": "v2"},
		ReqID: ptr("rid"), Modified: &ts, Items: []string{"a", "b,c", `d"e`}, Count: ptr(int32(42)),
		Meta: map[string]string{"color": "blue", "size": "L"}, Body: ptr("hello"), When: ptr(ts.Add(500 * time.Millisecond)),
		Leaf: &sinkLeaf{Name: ptr("n"), Count: ptr(int64(3))},
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("got  %+v\nwant %+v", in, want)
	}
}

func TestRestJSONRouteSpecificity(t *testing.T) {
	rt := testRouter()
	for _, tc := range []struct {
		method, target, op string
		params             map[string]string
	}{
		{"GET", "/things/b/special", "GetSpecial", map[string]string{"Bucket": "b"}},
		{"GET", "/things/b/special/x", "GetThing", map[string]string{"Bucket": "b", "Key": "special/x"}},
		{"GET", "/things/b/k", "GetThing", map[string]string{"Bucket": "b", "Key": "k"}},
		{"PUT", "/things/b/k?attr=1", "PutThing", map[string]string{"Bucket": "b", "Key": "k"}},
		{"GET", "/detector", "ListDetectors", nil},
		{"GET", "/detector/", "ListDetectors", nil},
		{"GET", "/detector/abc", "GetDetector", map[string]string{"detectorId": "abc"}},
		{"DELETE", "/ping", "Ping", nil},
	} {
		r := newRequest(tc.method, tc.target, "", "")
		req, err := rt.Route(r, nil, "")
		if err != nil {
			t.Errorf("%s %s: %v", tc.method, tc.target, err)
			continue
		}
		if req.Op.Name != tc.op || !reflect.DeepEqual(req.PathParams, tc.params) {
			t.Errorf("%s %s: got %s %v, want %s %v", tc.method, tc.target, req.Op.Name, req.PathParams, tc.op, tc.params)
		}
	}
	for _, tc := range []struct{ method, target string }{
		{"PUT", "/things/b/k"},    // ?attr is required
		{"GET", "/things/b"},      // greedy label needs a value
		{"GET", "/things//x"},     // empty label
		{"POST", "/detector/abc"}, // wrong method
		{"GET", "/nothing/here"},
	} {
		req, err := rt.Route(newRequest(tc.method, tc.target, "", ""), nil, "")
		e, _ := AsError(err)
		if e == nil || e.Code != "UnknownOperationException" || e.Status != 404 || req == nil {
			t.Errorf("%s %s: %v", tc.method, tc.target, err)
		}
	}
}

func TestRestJSONSigningServiceDisambiguates(t *testing.T) {
	rt := testRouter()
	arn := "/tags/arn%3Aaws%3Ainspector2%3Aus-east-1%3A123456789012%3Afilter%2Fabc"
	for signing, want := range map[string]string{"inspector2": "inspector2", "guardduty": "guardduty"} {
		req, err := rt.Route(newRequest("GET", arn, "", ""), nil, signing)
		if err != nil {
			t.Fatal(err)
		}
		if req.Service.ID != want || req.PathParams["resourceArn"] != "arn:aws:inspector2:us-east-1:123456789012:filter/abc" {
			t.Errorf("signing %s: got %s %v", signing, req.Service.ID, req.PathParams)
		}
	}
}

func TestRestJSONResponse(t *testing.T) {
	svc := sinkRestService()
	mod := time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC)
	w := recordResponse(t, svc.Operations["GetThing"], &sinkRestOutput{
		ETag: ptr(`"abc"`), Modified: &mod, Meta: map[string]string{"a": "1"}, Status: ptr(int32(206)),
		Name: ptr("n"), When: &mod,
	})
	if w.Code != 206 {
		t.Errorf("status %d", w.Code)
	}
	wantBody(t, w, `{"name":"n","when":1795793206}`)
	wantHeader(t, w.Header(), "ETag", `"abc"`)
	wantHeader(t, w.Header(), "Last-Modified", "Fri, 27 Nov 2026 15:26:46 GMT")
	wantHeader(t, w.Header(), "X-Meta-a", "1")
	wantHeader(t, w.Header(), "Content-Type", "application/json")
	wantHeader(t, w.Header(), "X-Amzn-RequestId", "req-1")

	w = recordResponse(t, svc.Operations["PutBlob"], &sinkBlobPayloadOutput{Data: []byte{1, 2, 3}, Type: ptr("image/png")})
	mustEqualBytes(t, w.Body.Bytes(), []byte{1, 2, 3})
	wantHeader(t, w.Header(), "Content-Type", "image/png")
	w = recordResponse(t, svc.Operations["PutBlob"], &sinkBlobPayloadOutput{Data: []byte{1}})
	wantHeader(t, w.Header(), "Content-Type", "application/octet-stream")

	w = recordResponse(t, svc.Operations["PutLeaf"], &sinkStructPayloadOutput{Leaf: &sinkLeaf{Name: ptr("x")}})
	wantBody(t, w, `{"Name":"x"}`)
	if w.Code != 201 {
		t.Errorf("status %d", w.Code)
	}
	w = recordResponse(t, svc.Operations["PutLeaf"], &sinkStructPayloadOutput{})
	wantBody(t, w, `{}`)

	w = recordResponse(t, svc.Operations["Ping"], nil)
	if w.Code != 204 || w.Body.Len() != 0 {
		t.Errorf("204: %d %q", w.Code, w.Body.String())
	}
	w = recordResponse(t, guarddutyService().Operations["DeleteDetector"], &gdDeleteDetectorOutput{})
	wantBody(t, w, `{}`)
	w = recordResponse(t, guarddutyService().Operations["ListDetectors"], &gdListDetectorsOutput{})
	wantBody(t, w, `{"detectorIds":[]}`)
}

func TestRestJSONPayloads(t *testing.T) {
	rt := testRouter()
	in := mustDecode(t, rt, newRequest("PUT", "/blobs/b", "application/octet-stream", "\x00raw\xff", "Content-Type", "image/png"), "").(*sinkBlobPayloadInput)
	if string(in.Data) != "\x00raw\xff" || *in.Bucket != "b" {
		t.Errorf("blob payload: %+v", in)
	}
	in2 := mustDecode(t, rt, newRequest("POST", "/leaves/b", "application/json", `{"Name":"leaf","Count":2}`), "").(*sinkStructPayloadInput)
	if *in2.Leaf.Name != "leaf" || *in2.Leaf.Count != 2 {
		t.Errorf("struct payload: %+v", in2.Leaf)
	}
	in2 = mustDecode(t, rt, newRequest("POST", "/leaves/b", "", ""), "").(*sinkStructPayloadInput)
	if in2.Leaf != nil {
		t.Errorf("empty payload: %+v", in2.Leaf)
	}
}

func TestRestJSONBadValues(t *testing.T) {
	rt := testRouter()
	for _, r := range []struct {
		target  string
		headers []string
		body    string
	}{
		{"/things/b/k?version=x", nil, ""},
		{"/things/b/k?flag=maybe", nil, ""},
		{"/things/b/k?since=never", nil, ""},
		{"/things/b/k", []string{"X-Count", "many"}, ""},
		{"/things/b/k", []string{"If-Modified-Since", "soon"}, ""},
		{"/things/b/k", nil, `{"when":"x"}`},
		{"/things/b/k", nil, `{"body":`},
	} {
		_, err := routeAndDecode(t, rt, newRequest("GET", r.target, "application/json", r.body, r.headers...), "")
		if err == nil || err.Code != "SerializationException" {
			t.Errorf("%s %v %s: %v", r.target, r.headers, r.body, err)
		}
	}
}

func TestRestJSONErrorExact(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, inspector2Service(), "req-3", &Error{Code: "ThrottlingException", Status: 429, Message: "slow down",
		Fields: map[string]any{"header:Retry-After": int32(7)}})
	wantBody(t, w, `{"__type":"ThrottlingException","message":"slow down"}`)
	wantHeader(t, w.Header(), "x-amzn-ErrorType", "ThrottlingException")
	wantHeader(t, w.Header(), "Retry-After", "7")
	wantHeader(t, w.Header(), "Content-Type", "application/json")
	if w.Code != 429 {
		t.Errorf("status %d", w.Code)
	}
	w = httptest.NewRecorder()
	WriteError(w, guarddutyService(), "r", &Error{Code: "BadRequestException", Status: 400, Message: "bad", Fields: map[string]any{"type": "InvalidInputException"}})
	wantBody(t, w, `{"__type":"BadRequestException","message":"bad","type":"InvalidInputException"}`)
}

func TestSplitHeaderList(t *testing.T) {
	for in, want := range map[string][]string{
		`a,b`:                 {"a", "b"},
		` a , "b,c" ,"d\"e" `: {"a", "b,c", `d"e`},
		`single`:              {"single"},
	} {
		if got := splitHeaderList(in, false); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %q", in, got)
		}
	}
	got := splitHeaderList("Mon, 02 Jan 2006 15:04:05 GMT, Tue, 03 Jan 2006 15:04:05 GMT", true)
	if len(got) != 2 || got[1] != "Tue, 03 Jan 2006 15:04:05 GMT" {
		t.Errorf("dates: %q", got)
	}
}

func TestRestJSONIdempotencyToken(t *testing.T) {
	rt := testRouter()
	in := mustDecode(t, rt, newRequest("POST", "/detector", "application/json", `{"enable":true}`), "guardduty").(*gdCreateDetectorInput)
	if in.ClientToken == nil || len(*in.ClientToken) != 36 || (*in.ClientToken)[14] != '4' {
		t.Errorf("token %v", in.ClientToken)
	}
	in = mustDecode(t, rt, newRequest("POST", "/detector", "application/json", `{"enable":true,"clientToken":"mine"}`), "guardduty").(*gdCreateDetectorInput)
	if *in.ClientToken != "mine" {
		t.Errorf("token %v", *in.ClientToken)
	}
}
