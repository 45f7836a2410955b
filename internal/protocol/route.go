package protocol

import (
	"net/http"
	"net/url"
	"strings"
)

// Request is a routed request: the operation it calls and the parts of the
// HTTP request that DecodeInput needs beyond the body.
type Request struct {
	// Op is the operation; nil when Route failed.
	Op *Operation
	// Form holds the query protocol's parameters: the form body merged
	// with the URL query (a GET, such as a presigned URL, has only the
	// latter). Nil for the other protocols.
	Form url.Values
	// PathParams are rest-json URI labels by name (the greedy {Key+}
	// without its '+'), percent-decoded.
	PathParams map[string]string
	// Service is the service the request was addressed to. Route sets it
	// even when it fails, as far as it could tell: the service of a known
	// X-Amz-Target prefix, Version or signing name, or a stand-in with the
	// query protocol when the request looked like query but named no
	// known service. Pass it to WriteError so that the error is written in
	// the shape the client expects. Nil when nothing was recognisable.
	Service *Service
}

// queryStandIn answers, in XML, query-looking requests that named no
// service gatehouse serves.
var queryStandIn = &Service{ID: "query", Protocol: Query, ValidationErrorCode: "ValidationError"}

// restRoute is one rest-json operation's HTTP binding.
type restRoute struct {
	op   *Operation
	tmpl uriTemplate
}

// Router maps an HTTP request to an operation of one of the services it
// was built with. It is safe for concurrent use.
type Router struct {
	byTarget  map[string]*Service
	byVersion map[string][]*Service
	bySigning map[string][]*Service
	rest      map[string][]restRoute // by HTTP method
}

// NewRouter indexes services for Route: JSON services by X-Amz-Target
// prefix, query services by API version, rest-json operations by method
// and URI template, and every service by signing name and endpoint prefix.
// It sets Operation.Service where the caller left it nil.
func NewRouter(services []*Service) *Router {
	rt := &Router{
		byTarget:  map[string]*Service{},
		byVersion: map[string][]*Service{},
		bySigning: map[string][]*Service{},
		rest:      map[string][]restRoute{},
	}
	for _, svc := range services {
		for _, op := range svc.Operations {
			if op.Service == nil {
				op.Service = svc
			}
		}
		for _, name := range []string{svc.SigningName, svc.EndpointPrefix} {
			if name != "" && !containsService(rt.bySigning[name], svc) {
				rt.bySigning[name] = append(rt.bySigning[name], svc)
			}
		}
		switch svc.Protocol {
		case JSON:
			rt.byTarget[svc.TargetPrefix] = svc
			// Some SDKs send only the last segment of a namespaced prefix
			// (aws-sdk-go-v2: "CloudTrail_20131101" for botocore's
			// "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101");
			// AWS accepts both.
			if i := strings.LastIndexByte(svc.TargetPrefix, '.'); i >= 0 {
				rt.byTarget[svc.TargetPrefix[i+1:]] = svc
			}
		case Query:
			rt.byVersion[svc.APIVersion] = append(rt.byVersion[svc.APIVersion], svc)
		case RestJSON:
			for _, op := range svc.Operations {
				method := op.HTTPMethod
				if method == "" {
					method = http.MethodPost
				}
				uri := op.RequestURI
				if uri == "" {
					uri = "/"
				}
				rt.rest[method] = append(rt.rest[method], restRoute{op: op, tmpl: parseURITemplate(uri)})
			}
		}
	}
	return rt
}

func containsService(list []*Service, svc *Service) bool {
	for _, s := range list {
		if s == svc {
			return true
		}
	}
	return false
}

// Route finds the operation r calls. signingService is the service of the
// SigV4 credential scope ("" when the request is unsigned or the scope is
// absent); it chooses between services that match equally. body is the
// complete request body.
//
// The protocol is told by the request itself: an X-Amz-Target header means
// awsJson; a form body, or an Action parameter in the URL query of a
// request to "/", means query; anything else is matched against the
// rest-json URI templates. Failures are *Error values as AWS answers them:
// UnknownOperationException (awsJson 400, rest-json 404), MissingAction and
// InvalidAction (query 400), MalformedQueryString. On failure the returned
// Request is still non-nil, with Service set as far as it could be told.
func (rt *Router) Route(r *http.Request, body []byte, signingService string) (*Request, error) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		return rt.routeJSON(target, signingService)
	}
	isForm := hasPrefixFold(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
	if isForm || (isRootPath(r.URL) && strings.Contains(r.URL.RawQuery, "Action=")) {
		return rt.routeQuery(r, body, isForm, signingService)
	}
	return rt.routeRest(r, signingService)
}

func isRootPath(u *url.URL) bool { return u.Path == "" || u.Path == "/" }

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// signedService picks, among services of protocol p known by signing name
// or endpoint prefix, the first; nil when there is none.
func (rt *Router) signedService(signingService string, p Kind) *Service {
	for _, s := range rt.bySigning[signingService] {
		if s.Protocol == p {
			return s
		}
	}
	return nil
}

func (rt *Router) routeJSON(target, signingService string) (*Request, error) {
	prefix, name, ok := cutLast(target, '.')
	svc := rt.byTarget[prefix]
	if !ok || svc == nil {
		req := &Request{Service: rt.signedService(signingService, JSON)}
		return req, &Error{Code: "UnknownOperationException", Status: http.StatusBadRequest}
	}
	op := svc.Operations[name]
	if op == nil {
		return &Request{Service: svc}, &Error{Code: "UnknownOperationException", Status: http.StatusBadRequest}
	}
	return &Request{Op: op, Service: svc}, nil
}

func cutLast(s string, sep byte) (before, after string, found bool) {
	if i := strings.LastIndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

func (rt *Router) routeQuery(r *http.Request, body []byte, isForm bool, signingService string) (*Request, error) {
	req := &Request{}
	var form url.Values
	if isForm && len(body) > 0 {
		f, err := parseForm(string(body))
		if err != nil {
			req.Service = rt.queryService("", signingService)
			return req, err
		}
		form = f
	}
	if r.URL.RawQuery != "" {
		q, err := parseForm(r.URL.RawQuery)
		if err != nil {
			req.Service = rt.queryService("", signingService)
			return req, err
		}
		if form == nil {
			form = q
		} else {
			for k, v := range q {
				if _, dup := form[k]; !dup {
					form[k] = v
				}
			}
		}
	}
	if form == nil {
		form = url.Values{}
	}
	req.Form = form
	action, version := form.Get("Action"), form.Get("Version")
	svc := rt.queryService(version, signingService)
	req.Service = svc
	if action == "" {
		return req, &Error{Code: "MissingAction", Status: http.StatusBadRequest, Message: "Missing Action"}
	}
	var op *Operation
	if svc != queryStandIn && (version == "" || version == svc.APIVersion) {
		op = svc.Operations[action]
	}
	if op == nil {
		return req, Errorf(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version %s", action, version)
	}
	req.Op = op
	return req, nil
}

// queryService chooses the query service for an API version, preferring
// the one the request was signed for; without a version match it falls
// back to the signing service, then to the stand-in.
func (rt *Router) queryService(version, signingService string) *Service {
	cands := rt.byVersion[version]
	for _, s := range cands {
		if signingService != "" && (s.SigningName == signingService || s.EndpointPrefix == signingService) {
			return s
		}
	}
	if len(cands) > 0 {
		return cands[0]
	}
	if s := rt.signedService(signingService, Query); s != nil {
		return s
	}
	return queryStandIn
}

func (rt *Router) routeRest(r *http.Request, signingService string) (*Request, error) {
	segs := splitPath(r.URL.EscapedPath())
	var query url.Values
	queryOf := func() url.Values {
		if query == nil {
			query = r.URL.Query()
		}
		return query
	}
	var best *restRoute
	var bestParams map[string]string
	bestSigned := false
	routes := rt.rest[r.Method]
	for i := range routes {
		route := &routes[i]
		params, ok := route.tmpl.match(segs, queryOf)
		if !ok {
			continue
		}
		svc := route.op.Service
		signed := signingService != "" && (svc.SigningName == signingService || svc.EndpointPrefix == signingService)
		if best == nil || (signed && !bestSigned) || (signed == bestSigned && moreSpecific(&route.tmpl, &best.tmpl)) {
			best, bestParams, bestSigned = route, params, signed
		}
	}
	if best == nil {
		req := &Request{Service: rt.signedService(signingService, RestJSON)}
		if hasPrefixFold(r.Header.Get("Content-Type"), "application/x-amz-json") {
			if req.Service == nil {
				req.Service = rt.signedService(signingService, JSON)
			}
			return req, &Error{Code: "UnknownOperationException", Status: http.StatusBadRequest}
		}
		return req, &Error{Code: "UnknownOperationException", Status: http.StatusNotFound}
	}
	return &Request{Op: best.op, PathParams: bestParams, Service: best.op.Service}, nil
}

// parseForm parses application/x-www-form-urlencoded text. Unlike
// url.ParseQuery it treats ';' as an ordinary character; a bad percent
// escape is the query protocol's MalformedQueryString.
func parseForm(s string) (url.Values, *Error) {
	n := strings.Count(s, "&") + 1
	vals := make(url.Values, n)
	// One backing array holds every first value; a repeated key grows its
	// own slice (each slice is capped at its one element).
	store := make([]string, n)
	used := 0
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, &Error{Code: "MalformedQueryString", Status: http.StatusNotFound, Message: "The query string contains a syntax error."}
		}
		if prev, ok := vals[k]; ok {
			vals[k] = append(prev, v)
			continue
		}
		store[used] = v
		vals[k] = store[used : used+1 : used+1]
		used++
	}
	return vals, nil
}
