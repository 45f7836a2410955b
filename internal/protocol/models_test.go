package protocol_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// These tests run the codecs over every generated service: every shape
// must have a plan, every operation must be reachable by the route its
// protocol gives it, and a zero input and output must encode.

func TestGeneratedModelsRouteEveryOperation(t *testing.T) {
	services := model.All()
	rt := protocol.NewRouter(services)
	for _, svc := range services {
		for name, op := range svc.Operations {
			r, body := requestFor(svc, op)
			req, err := rt.Route(r, body, svc.SigningName)
			if err != nil {
				t.Errorf("%s.%s: %v", svc.ID, name, err)
				continue
			}
			if req.Op != op {
				// Two templates may match the synthesized path equally;
				// the chosen one must be at least as specific.
				t.Errorf("%s.%s (%s %s): routed to %s.%s (%s)", svc.ID, name, op.HTTPMethod, op.RequestURI,
					req.Op.Service.ID, req.Op.Name, req.Op.RequestURI)
			}
		}
	}
}

// requestFor synthesizes a request for op: labels filled with "x" (greedy
// ones with "a/b"), the template's query literals present.
func requestFor(svc *protocol.Service, op *protocol.Operation) (*http.Request, []byte) {
	switch svc.Protocol {
	case protocol.Query:
		body := "Action=" + op.Name + "&Version=" + svc.APIVersion
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		return r, []byte(body)
	case protocol.JSON:
		r := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
		r.Header.Set("X-Amz-Target", svc.TargetPrefix+"."+op.Name)
		r.Header.Set("Content-Type", "application/x-amz-json-"+svc.JSONVersion)
		return r, []byte("{}")
	}
	path, query, _ := strings.Cut(op.RequestURI, "?")
	var segs []string
	for _, seg := range strings.Split(path, "/") {
		switch {
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "+}"):
			segs = append(segs, "a/b")
		case strings.HasPrefix(seg, "{"):
			segs = append(segs, "x")
		default:
			segs = append(segs, seg)
		}
	}
	u := &url.URL{Path: strings.Join(segs, "/"), RawQuery: query}
	r := httptest.NewRequest(op.HTTPMethod, u.String(), strings.NewReader("{}"))
	r.Header.Set("Content-Type", "application/json")
	return r, []byte("{}")
}

func TestGeneratedModelsEncodeZeroValues(t *testing.T) {
	for _, svc := range model.All() {
		for name, op := range svc.Operations {
			if op.NewInput != nil {
				in := op.NewInput()
				_ = protocol.Validate(svc, in)
				if got := string(protocol.AuditJSON(nil, in)); !strings.HasPrefix(got, "{") {
					t.Errorf("%s.%s: audit %s", svc.ID, name, got)
				}
			}
			var out any
			if op.NewOutput != nil {
				out = op.NewOutput()
			}
			w := httptest.NewRecorder()
			if err := protocol.WriteResponse(w, op, "id", out); err != nil {
				t.Errorf("%s.%s: %v", svc.ID, name, err)
			}
		}
	}
}

func TestGeneratedModelsDecodeEmptyRequests(t *testing.T) {
	services := model.All()
	rt := protocol.NewRouter(services)
	for _, svc := range services {
		for name, op := range svc.Operations {
			r, body := requestFor(svc, op)
			req, err := rt.Route(r, body, svc.SigningName)
			if err != nil || req.Op != op {
				continue // reported by the routing test
			}
			_, err = protocol.DecodeInput(req, r, body)
			if err == nil {
				continue
			}
			e, ok := protocol.AsError(err)
			if !ok || (e.Code != svc.ValidationErrorCode && !(e.Code == "ValidationError" && svc.ValidationErrorCode == "")) {
				t.Errorf("%s.%s: %v", svc.ID, name, err)
			}
		}
	}
}

func TestGeneratedModelsValidationMessage(t *testing.T) {
	p := "x"
	err := protocol.Validate(iam.Service, &iam.ListUsersInput{PathPrefix: &p})
	want := `1 validation error detected: Value 'x' at 'pathPrefix' failed to satisfy constraint: ` +
		`Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`
	if err == nil || err.Code != "ValidationError" || err.Message != want {
		t.Errorf("got %v", err)
	}
}
