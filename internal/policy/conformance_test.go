package policy

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The conformance suite: data-driven cases in testdata/conformance, each
// citing the AWS documentation page it follows. See the README there.

type confFile struct {
	Doc      string         `json:"doc"`
	Groups   []confGroup    `json:"groups"`
	Validate []confValidate `json:"validate"`
	Comment  string         `json:"comment"`
}

type confPrincipal struct {
	Type      string `json:"type"`
	ARN       string `json:"arn"`
	Account   string `json:"account"`
	RoleARN   string `json:"role_arn"`
	UserARN   string `json:"user_arn"`
	Service   string `json:"service"`
	Federated string `json:"federated"`
}

type confGroup struct {
	Name              string                     `json:"name"`
	Doc               string                     `json:"doc"`
	Principal         *confPrincipal             `json:"principal"`
	Identity          []json.RawMessage          `json:"identity"`
	Boundary          json.RawMessage            `json:"boundary"`
	Session           []json.RawMessage          `json:"session"`
	Resource          json.RawMessage            `json:"resource"`
	ResourceKind      string                     `json:"resource_kind"`
	ResourceMustAllow bool                       `json:"resource_must_allow"`
	SCPs              [][]json.RawMessage        `json:"scps"`
	RCPs              [][]json.RawMessage        `json:"rcps"`
	Flags             []string                   `json:"flags"`
	Context           map[string]json.RawMessage `json:"context"`
	Cases             []confCase                 `json:"cases"`
}

type confCase struct {
	Name            string                     `json:"name"`
	Doc             string                     `json:"doc"`
	Principal       *confPrincipal             `json:"principal"`
	Action          string                     `json:"action"`
	Resource        string                     `json:"resource"`
	ResourceAccount string                     `json:"resource_account"`
	WildcardOnly    bool                       `json:"wildcard_only"`
	Context         map[string]json.RawMessage `json:"context"`
	Expect          string                     `json:"expect"`
	Statement       string                     `json:"statement"`
	Message         string                     `json:"message"`
}

type confValidate struct {
	Name   string          `json:"name"`
	Doc    string          `json:"doc"`
	Kind   string          `json:"kind"`
	Policy json.RawMessage `json:"policy"`
	Text   *string         `json:"text"`
	Error  *string         `json:"error"`
	Code   string          `json:"code"`
}

func loadConformance(t testing.TB) map[string]confFile {
	t.Helper()
	paths, err := filepath.Glob("testdata/conformance/*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no conformance files: %v", err)
	}
	out := map[string]confFile{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f confFile
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[filepath.Base(p)] = f
	}
	return out
}

func TestConformance(t *testing.T) {
	files := loadConformance(t)
	total := 0
	for name, f := range files {
		for gi := range f.Groups {
			g := &f.Groups[gi]
			doc := firstNonEmpty(g.Doc, f.Doc)
			set := buildSet(t, name, g)
			for ci := range g.Cases {
				c := &g.Cases[ci]
				total++
				cdoc := firstNonEmpty(c.Doc, doc)
				if !strings.HasPrefix(cdoc, "https://docs.aws.amazon.com/") {
					t.Errorf("%s / %s / case %d: no AWS documentation page cited", name, g.Name, ci)
				}
				label := name + " / " + g.Name + " / " + firstNonEmpty(c.Name, c.Action+" "+c.Resource)
				t.Run(label, func(t *testing.T) { runCase(t, cdoc, g, c, set) })
			}
		}
		for vi := range f.Validate {
			v := &f.Validate[vi]
			total++
			if !strings.HasPrefix(firstNonEmpty(v.Doc, f.Doc), "https://docs.aws.amazon.com/") {
				t.Errorf("%s / validate %q: no AWS documentation page cited", name, v.Name)
			}
			t.Run(name+" / validate / "+v.Name, func(t *testing.T) { runValidate(t, v) })
		}
	}
	t.Logf("%d conformance cases", total)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func mustParseRaw(t testing.TB, file string, raw json.RawMessage, kind Kind) *Policy {
	t.Helper()
	p, err := Parse(raw, kind)
	if err != nil {
		t.Fatalf("%s: policy %s does not parse as %v: %v", file, raw, kind, err)
	}
	return p
}

func buildSet(t testing.TB, file string, g *confGroup) *PolicySet {
	set := &PolicySet{ResourceMustAllow: g.ResourceMustAllow}
	for i, raw := range g.Identity {
		set.Identity = append(set.Identity, Attached{Name: "id" + itoa(i), Policy: mustParseRaw(t, file, raw, KindManaged)})
	}
	if len(g.Boundary) > 0 {
		set.Boundary = &Attached{Name: "boundary", Policy: mustParseRaw(t, file, g.Boundary, KindManaged)}
	}
	for i, raw := range g.Session {
		set.Session = append(set.Session, Attached{Name: "session" + itoa(i), Policy: mustParseRaw(t, file, raw, KindSession)})
	}
	if len(g.Resource) > 0 {
		kind := KindResource
		if g.ResourceKind == "trust" {
			kind = KindTrust
		}
		set.Resource = &Attached{Name: "resource", Policy: mustParseRaw(t, file, g.Resource, kind)}
	}
	for l, level := range g.SCPs {
		var atts []Attached
		for i, raw := range level {
			atts = append(atts, Attached{Name: "scp" + itoa(l) + "." + itoa(i), Policy: mustParseRaw(t, file, raw, KindSCP)})
		}
		set.SCPs = append(set.SCPs, atts)
	}
	for l, level := range g.RCPs {
		var atts []Attached
		for i, raw := range level {
			atts = append(atts, Attached{Name: "rcp" + itoa(l) + "." + itoa(i), Policy: mustParseRaw(t, file, raw, KindRCP)})
		}
		set.RCPs = append(set.RCPs, atts)
	}
	for _, f := range g.Flags {
		switch f {
		case "management_account":
			set.PrincipalIsManagementAccount = true
		case "service_linked_role":
			set.ServiceLinkedRole = true
		case "resource_in_management_account":
			set.ResourceInManagementAccount = true
		default:
			t.Fatalf("%s: unknown flag %q", file, f)
		}
	}
	return set
}

func itoa(i int) string { return strconv.Itoa(i) }

func mustB64(t testing.TB, s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("bad base64 %q: %v", s, err)
	}
	return b
}

var defaultPrincipal = Principal{Type: PrincipalUser, ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333"}

func toPrincipal(t testing.TB, cp *confPrincipal) Principal {
	if cp == nil {
		return defaultPrincipal
	}
	typ, ok := ParsePrincipalType(firstNonEmpty(cp.Type, "user"))
	if !ok {
		t.Fatalf("unknown principal type %q", cp.Type)
	}
	return Principal{Type: typ, ARN: cp.ARN, Account: cp.Account, RoleARN: cp.RoleARN, UserARN: cp.UserARN,
		Service: cp.Service, Federated: cp.Federated}
}

func setContextValue(t testing.TB, ctx *Context, key string, raw json.RawMessage) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("context %s: %v", key, err)
	}
	switch x := v.(type) {
	case nil:
		ctx.Delete(key)
	case string:
		ctx.Set(key, String(x))
	case float64:
		ctx.Set(key, Number(x))
	case bool:
		ctx.Set(key, Bool(x))
	case []any:
		vals := make([]Value, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				t.Fatalf("context %s: arrays hold strings", key)
			}
			vals = append(vals, String(s))
		}
		ctx.Set(key, vals...)
	case map[string]any:
		b64, ok := x["binary"].(string)
		if !ok {
			t.Fatalf("context %s: unknown object form", key)
		}
		ctx.Set(key, Binary(mustB64(t, b64)))
	}
}

func runCase(t *testing.T, doc string, g *confGroup, c *confCase, set *PolicySet) {
	req := Request{Principal: toPrincipal(t, g.Principal), Action: c.Action, Resource: c.Resource,
		ResourceAccount: c.ResourceAccount, WildcardOnly: c.WildcardOnly}
	if c.Principal != nil {
		req.Principal = toPrincipal(t, c.Principal)
	}
	for k, v := range g.Context {
		setContextValue(t, &req.Context, k, v)
	}
	for k, v := range c.Context {
		setContextValue(t, &req.Context, k, v)
	}
	d := Evaluate(&req, set)
	want := c.Expect
	got := d.Effect.String()
	if d.Effect != Allow {
		got += ":" + d.DeniedBy.String()
	}
	if got != want {
		t.Fatalf("got %s, want %s (%s)\n  see %s", got, want, d.Explain(), doc)
	}
	if c.Statement != "" {
		found := false
		var keys []string
		for _, r := range d.Statements() {
			keys = append(keys, r.Key())
			if r.Key() == c.Statement {
				found = true
			}
		}
		if !found {
			t.Errorf("deciding statements %v do not include %s", keys, c.Statement)
		}
	}
	msg := d.Message(&req)
	if d.Effect != Allow {
		prefix := "User: " + req.Principal.ARN + " is not authorized to perform: " + req.Action
		if !strings.HasPrefix(msg, prefix) {
			t.Errorf("message %q does not start with %q", msg, prefix)
		}
	} else if msg != "" {
		t.Errorf("allowed request has message %q", msg)
	}
	if c.Message != "" && msg != c.Message {
		t.Errorf("message\n got %q\nwant %q", msg, c.Message)
	}
	// Simulate must agree with Evaluate.
	sim := Simulate(&Simulation{Principal: req.Principal, Actions: []string{c.Action}, Resources: []string{firstNonEmpty(c.Resource, "*")},
		ResourceAccount: firstNonEmpty(c.ResourceAccount, req.Principal.Account), Context: req.Context, Policies: set,
		WildcardOnly: func(string) bool { return c.WildcardOnly }})
	if len(sim) != 1 || sim[0].Decision.Effect != d.Effect || sim[0].Decision.DeniedBy != d.DeniedBy {
		t.Errorf("Simulate disagrees with Evaluate: %+v", sim)
	}
}

func runValidate(t *testing.T, v *confValidate) {
	kind, ok := ParseKind(firstNonEmpty(v.Kind, "managed"))
	if !ok {
		t.Fatalf("unknown kind %q", v.Kind)
	}
	doc := []byte(v.Policy)
	if v.Text != nil {
		doc = []byte(*v.Text)
	}
	p, err := Parse(doc, kind)
	if v.Error == nil {
		if err != nil {
			t.Fatalf("want valid, got %v", err)
		}
		roundTrip(t, p)
		return
	}
	if err == nil {
		t.Fatalf("want error %q, got a valid policy", *v.Error)
	}
	me, ok := err.(*MalformedError)
	if !ok {
		t.Fatalf("error %T is not *MalformedError", err)
	}
	if me.Reason != *v.Error {
		t.Errorf("reason\n got %q\nwant %q", me.Reason, *v.Error)
	}
	if want := firstNonEmpty(v.Code, CodeMalformedPolicyDocument); me.Code != want {
		t.Errorf("code %q, want %q", me.Code, want)
	}
}

// roundTrip checks that a parsed policy re-marshals to an equivalent one.
func roundTrip(t testing.TB, p *Policy) {
	t.Helper()
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	q, err := Parse(b, p.Kind)
	if err != nil {
		t.Fatalf("re-marshalled policy does not parse: %v\n%s", err, b)
	}
	if p.Version != q.Version || p.ID != q.ID || len(p.Statements) != len(q.Statements) {
		t.Fatalf("round trip changed the policy:\n%s", b)
	}
	for i := range p.Statements {
		if !p.Statements[i].Equal(&q.Statements[i]) {
			t.Fatalf("round trip changed statement %d:\n%s", i, b)
		}
	}
}
