package protocol

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRouteQuery(t *testing.T) {
	rt := testRouter()
	for _, tc := range []struct {
		body, signing, svc, op string
	}{
		{"Action=GetUser&Version=2010-05-08", "iam", "iam", "GetUser"},
		{"Action=GetUser&Version=2010-05-08", "", "iam", "GetUser"},
		{"Action=GetCallerIdentity&Version=2011-06-15", "sts", "sts", "GetCallerIdentity"},
		{"Version=2011-06-15&Action=AssumeRole&RoleArn=x", "sts", "sts", "AssumeRole"},
		{"Action=GetCallerIdentity", "sts", "sts", "GetCallerIdentity"}, // no Version: by signing name
	} {
		req, err := rt.Route(formRequest(tc.body), []byte(tc.body), tc.signing)
		if err != nil {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		if req.Service.ID != tc.svc || req.Op.Name != tc.op || req.Form.Get("Action") != tc.op {
			t.Errorf("%s: routed to %s.%s", tc.body, req.Service.ID, req.Op.Name)
		}
	}
	// Content-Type with other casing and without charset.
	r := newRequest("POST", "/", "Application/X-WWW-Form-URLEncoded", "Action=GetUser&Version=2010-05-08")
	if req, err := rt.Route(r, []byte("Action=GetUser&Version=2010-05-08"), ""); err != nil || req.Op.Name != "GetUser" {
		t.Errorf("content type casing: %v", err)
	}
}

func TestRouteQueryErrors(t *testing.T) {
	rt := testRouter()
	for _, tc := range []struct {
		body, signing, code, msg, svc string
		status                        int
	}{
		{"Action=Frobnicate&Version=2010-05-08", "iam", "InvalidAction", "Could not find operation Frobnicate for version 2010-05-08", "iam", 400},
		{"Action=GetUser&Version=2011-06-15", "", "InvalidAction", "Could not find operation GetUser for version 2011-06-15", "sts", 400},
		{"Action=GetUser&Version=1999-01-01", "", "InvalidAction", "Could not find operation GetUser for version 1999-01-01", "query", 400},
		{"Version=2010-05-08", "iam", "MissingAction", "Missing Action", "iam", 400},
		{"", "", "MissingAction", "Missing Action", "query", 400},
		{"Action=GetUser&Version=2010-05-08&UserName=%zz", "iam", "MalformedQueryString", "The query string contains a syntax error.", "iam", 404},
	} {
		req, err := rt.Route(formRequest(tc.body), []byte(tc.body), tc.signing)
		e, ok := AsError(err)
		if !ok || e.Code != tc.code || e.Message != tc.msg || e.Status != tc.status {
			t.Errorf("%q: err = %#v", tc.body, err)
			continue
		}
		if req == nil || req.Service == nil || req.Service.ID != tc.svc || req.Service.Protocol != Query {
			t.Errorf("%q: request service %+v", tc.body, req)
		}
		// The error goes out as XML, with or without the service.
		for _, svc := range []*Service{req.Service, nil} {
			w := httptest.NewRecorder()
			WriteError(w, svc, "id", e)
			if !strings.HasPrefix(w.Body.String(), "<ErrorResponse") || w.Code != tc.status {
				t.Errorf("%q: written as %d %s", tc.body, w.Code, w.Body.String())
			}
		}
	}
}

func TestRouteJSON(t *testing.T) {
	rt := testRouter()
	req, err := rt.Route(jsonRequest("TrentService.Encrypt", "1.1", "{}"), []byte("{}"), "kms")
	if err != nil || req.Op.Name != "Encrypt" || req.Service.ID != "kms" {
		t.Fatalf("Encrypt: %v %+v", err, req)
	}
	for _, target := range []string{"TrentService.Frobnicate", "Nope.Encrypt", "TrentService", "TrentService."} {
		req, err := rt.Route(jsonRequest(target, "1.1", "{}"), []byte("{}"), "kms")
		e, _ := AsError(err)
		if e == nil || e.Code != "UnknownOperationException" || e.Status != 400 {
			t.Errorf("%s: %v", target, err)
		}
		if req == nil || req.Service == nil || req.Service.ID != "kms" {
			t.Errorf("%s: request %+v", target, req)
		}
	}
	// An awsJson request without X-Amz-Target.
	_, err = rt.Route(newRequest("POST", "/", "application/x-amz-json-1.1", "{}"), []byte("{}"), "kms")
	if e, _ := AsError(err); e == nil || e.Code != "UnknownOperationException" || e.Status != 400 {
		t.Errorf("missing target: %v", err)
	}
}

func TestRouterSetsOperationService(t *testing.T) {
	svc := &Service{ID: "x", Protocol: JSON, TargetPrefix: "X", Operations: map[string]*Operation{"Op": {Name: "Op"}}}
	NewRouter([]*Service{svc})
	if svc.Operations["Op"].Service != svc {
		t.Error("Operation.Service not set")
	}
}

func TestParseURITemplate(t *testing.T) {
	tm := parseURITemplate("/{Bucket}/{Key+}?uploads&type=x")
	if len(tm.segs) != 2 || tm.segs[0].kind != segLabel || tm.segs[1].kind != segGreedy || tm.segs[1].text != "Key" {
		t.Errorf("segs %+v", tm.segs)
	}
	if len(tm.query) != 2 || tm.query[0].key != "uploads" || tm.query[0].hasValue || tm.query[1].value != "x" {
		t.Errorf("query %+v", tm.query)
	}
	if tm := parseURITemplate("/"); len(tm.segs) != 0 {
		t.Errorf("root %+v", tm.segs)
	}
}
