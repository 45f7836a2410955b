package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Request is one AWS API call described declaratively: enough to sign it with
// SigV4 and to serialize it to raw HTTP/1.1 bytes. Path, header values and
// Body may hold {{Name}} placeholders, filled from the values that a
// scenario's setup steps capture.
type Request struct {
	// Service is the SigV4 signing name ("sts", "iam", "kms"); servers that
	// share one endpoint among services route on it.
	Service string
	// Region is the SigV4 signing region.
	Region string
	// Method is the HTTP method; empty means POST.
	Method string
	// Path is the request target: path plus optional "?query"; empty means "/".
	Path string
	// Header holds extra headers (Content-Type, X-Amz-Target, ...). Host,
	// Content-Length, X-Amz-Date and Authorization are set by the signer.
	Header map[string]string
	// Body is the request payload.
	Body string
	// Status is the HTTP status a correct server answers; any other status
	// counts as an error.
	Status int
}

// Step is a setup request that a scenario sends once, before any load, to
// create what the measured request needs (a user, a key). Capture maps a
// placeholder name to a regular expression whose first group, matched
// against the response body, becomes the value of {{name}} in later steps and
// in the scenario's request.
type Step struct {
	Request
	Capture map[string]string
	// Accept lists further statuses that also let the run proceed, e.g.
	// 409 for "already exists" when a step is re-run against a server that
	// kept its state. Captures are not applied to such responses.
	Accept []int
}

// Scenario is a named benchmark: optional setup steps, then one request
// replayed under load. Scenarios are plain values; see Builtin for the
// registered ones.
type Scenario struct {
	// Name is what the -scenario flags select.
	Name string
	// Description says in a few words what is measured.
	Description string
	// Setup runs once per target, in order, before the pool is signed.
	Setup []Step
	// Request is the call measured under load.
	Request Request
	// SignAs, when set, gives the credentials the measured request is
	// signed with, as placeholders the setup fills in (the access key of
	// an IAM user the setup created), instead of the credentials the
	// setup ran with: the load then pays for authorizing that user.
	SignAs *Credentials
}

// Query returns a request of AWS's query protocol (STS, IAM, ...): a form
// POST to "/" with Action, the given name/value pairs in order, and Version,
// encoded as the AWS SDKs encode it. {{Name}} placeholders in values stay
// as they are, to be filled in by Prepare; the values they take must be
// safe in a URL query (ids, account numbers, names).
func Query(service, region, action, version string, params ...string) Request {
	if len(params)%2 != 0 {
		panic("loadgen.Query: params must be name/value pairs")
	}
	var b strings.Builder
	b.WriteString("Action=" + url.QueryEscape(action))
	for i := 0; i < len(params); i += 2 {
		b.WriteString("&" + url.QueryEscape(params[i]) + "=" + queryEscapeKeepingPlaceholders(params[i+1]))
	}
	b.WriteString("&Version=" + url.QueryEscape(version))
	return Request{
		Service: service,
		Region:  region,
		Method:  "POST",
		Path:    "/",
		Header:  map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
		Body:    b.String(),
		Status:  200,
	}
}

// queryEscapeKeepingPlaceholders query-escapes s except its {{Name}}
// placeholders.
func queryEscapeKeepingPlaceholders(s string) string {
	var b strings.Builder
	for {
		loc := placeholder.FindStringIndex(s)
		if loc == nil {
			b.WriteString(url.QueryEscape(s))
			return b.String()
		}
		b.WriteString(url.QueryEscape(s[:loc[0]]))
		b.WriteString(s[loc[0]:loc[1]])
		s = s[loc[1]:]
	}
}

// JSON11 returns a request of AWS's awsJson1_1 protocol (KMS, ...): a POST to
// "/" whose operation is named by X-Amz-Target (e.g. "TrentService.Encrypt").
func JSON11(service, region, target, body string) Request {
	return Request{
		Service: service,
		Region:  region,
		Method:  "POST",
		Path:    "/",
		Header: map[string]string{
			"Content-Type": "application/x-amz-json-1.1",
			"X-Amz-Target": target,
		},
		Body:   body,
		Status: 200,
	}
}

// Lookup returns the built-in scenario with the given name.
func Lookup(name string) (Scenario, bool) {
	for _, s := range Builtin() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// Names returns the names of the built-in scenarios, sorted.
func Names() []string {
	var names []string
	for _, s := range Builtin() {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	return names
}

// Prepare runs the scenario's setup steps against addr (a loopback
// "host:port"), signing them with creds, and returns the measured request
// with every placeholder filled in. Each step must answer its expected
// status and match all of its captures. Use PrepareAs for scenarios that
// sign their load with other credentials (SignAs).
func (s Scenario) Prepare(ctx context.Context, addr string, creds Credentials) (Request, error) {
	req, _, err := s.PrepareAs(ctx, addr, creds)
	return req, err
}

// PrepareAs is Prepare that also returns the credentials to sign the
// measured request with: the scenario's SignAs filled in, or creds.
//
// Besides the captured values, the placeholder {{Run}} holds a random
// word chosen once per call, so that setups can name what they create
// uniquely and run again against a server that kept its state.
func (s Scenario) PrepareAs(ctx context.Context, addr string, creds Credentials) (Request, Credentials, error) {
	vars := map[string]string{"Run": newRunID()}
	for i, step := range s.Setup {
		req, err := step.Request.expand(vars)
		if err != nil {
			return Request{}, Credentials{}, fmt.Errorf("setup step %d: %w", i+1, err)
		}
		raw, err := req.Sign(addr, creds, time.Now(), newInvocationID())
		if err != nil {
			return Request{}, Credentials{}, fmt.Errorf("setup step %d: %w", i+1, err)
		}
		status, body, err := Probe(ctx, addr, raw, req.method() == "HEAD")
		if err != nil {
			return Request{}, Credentials{}, fmt.Errorf("setup step %d: %w", i+1, err)
		}
		if status != req.Status {
			if slices.Contains(step.Accept, status) {
				continue
			}
			return Request{}, Credentials{}, fmt.Errorf("setup step %d: status %d, want %d: %s", i+1, status, req.Status, excerpt(body))
		}
		for name, pattern := range step.Capture {
			re, err := regexp.Compile(pattern)
			if err != nil {
				return Request{}, Credentials{}, fmt.Errorf("setup step %d: capture %s: %w", i+1, name, err)
			}
			m := re.FindSubmatch(body)
			if len(m) < 2 {
				return Request{}, Credentials{}, fmt.Errorf("setup step %d: capture %s: /%s/ does not match %s", i+1, name, pattern, excerpt(body))
			}
			vars[name] = string(m[1])
		}
	}
	req, err := s.Request.expand(vars)
	if err != nil {
		return Request{}, Credentials{}, err
	}
	if s.SignAs == nil {
		return req, creds, nil
	}
	var missing []string
	fill := func(tmpl string) string {
		return placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
			v, ok := vars[m[2:len(m)-2]]
			if !ok {
				missing = append(missing, m[2:len(m)-2])
			}
			return v
		})
	}
	as := Credentials{AccessKeyID: fill(s.SignAs.AccessKeyID), SecretAccessKey: fill(s.SignAs.SecretAccessKey), SessionToken: fill(s.SignAs.SessionToken)}
	if len(missing) > 0 || as.AccessKeyID == "" || as.SecretAccessKey == "" {
		return Request{}, Credentials{}, fmt.Errorf("credentials to sign with: no value captured for %s", strings.Join(missing, ", "))
	}
	return req, as, nil
}

// newRunID returns 8 random lower-case hex digits.
func newRunID() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("loadgen: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

var placeholder = regexp.MustCompile(`\{\{([A-Za-z0-9_]+)\}\}`)

// expand returns a copy of r with {{name}} placeholders replaced by vars.
func (r Request) expand(vars map[string]string) (Request, error) {
	var missing []string
	fill := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			name := m[2 : len(m)-2]
			v, ok := vars[name]
			if !ok {
				missing = append(missing, name)
			}
			return v
		})
	}
	out := r
	out.Path = fill(r.Path)
	out.Body = fill(r.Body)
	out.Header = make(map[string]string, len(r.Header))
	for k, v := range r.Header {
		out.Header[k] = fill(v)
	}
	if len(missing) > 0 {
		return Request{}, fmt.Errorf("no value captured for placeholder(s) %s", strings.Join(missing, ", "))
	}
	return out, nil
}

func (r Request) method() string {
	if r.Method == "" {
		return "POST"
	}
	return r.Method
}

func (r Request) path() string {
	if r.Path == "" {
		return "/"
	}
	return r.Path
}

// excerpt shortens a response body for an error message.
func excerpt(b []byte) string {
	const n = 400
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "..."
	}
	if s == "" {
		s = "(empty body)"
	}
	return s
}
