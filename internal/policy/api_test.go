package policy

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Tests of the package's surface beyond the conformance files: errors,
// explanations, the simulator, the context and helpers.

func TestParseErrorsAreMalformedError(t *testing.T) {
	_, err := Parse([]byte(`{"Statement":{"Effect":"Allow","Action":"s3:*"}}`), KindManaged)
	var me *MalformedError
	if !errors.As(err, &me) || me.Code != CodeMalformedPolicyDocument || me.Reason != "Policy statement must contain resources." {
		t.Fatalf("got %#v", err)
	}
	if got := err.Error(); got != "MalformedPolicyDocument: Policy statement must contain resources." {
		t.Errorf("Error() = %q", got)
	}
	if _, err := Parse([]byte(`{}`), Kind(0)); err == nil {
		t.Error("kind 0 accepted")
	}
}

func TestExplain(t *testing.T) {
	id := Attached{Name: "arn:aws:iam::111122223333:policy/Read", Policy: MustParse(`{"Version":"2012-10-17","Statement":[
		{"Sid":"Read","Effect":"Allow","Action":"s3:Get*","Resource":"*"},
		{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::secret/*"}]}`, KindManaged)}
	scp := Attached{Name: "p-full", Policy: MustParse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, KindSCP)}
	set := &PolicySet{Identity: []Attached{id}, SCPs: [][]Attached{{scp}}}
	req := &Request{Principal: defaultPrincipal, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}

	d := Evaluate(req, set)
	want := `allowed by statement #0 of service control policy (level 0) p-full; statement "Read" of identity-based policy arn:aws:iam::111122223333:policy/Read`
	if got := d.Explain(); got != want {
		t.Errorf("Explain\n got %s\nwant %s", got, want)
	}
	req.Resource = "arn:aws:s3:::secret/k"
	d = Evaluate(req, set)
	if got, want := d.Explain(), "explicitly denied by statement #1 of identity-based policy arn:aws:iam::111122223333:policy/Read"; got != want {
		t.Errorf("Explain\n got %s\nwant %s", got, want)
	}
	if refs := d.Statements(); len(refs) != 1 || refs[0].Key() != "arn:aws:iam::111122223333:policy/Read/#1" || refs[0].Statement().Effect != "Deny" {
		t.Errorf("Statements() = %v", refs)
	}
	req.Action = "ec2:RunInstances"
	d = Evaluate(req, set)
	if got, want := d.Explain(), "implicitly denied: no identity-based policy allows the request"; got != want {
		t.Errorf("Explain\n got %s\nwant %s", got, want)
	}
	if len(d.Statements()) != 0 {
		t.Errorf("implicit deny lists statements %v", d.Statements())
	}
	req.Action = "sts:GetCallerIdentity"
	d = Evaluate(req, set)
	if d.Effect != Allow || d.Reason != ReasonAlwaysAllowed || d.Message(req) != "" {
		t.Errorf("GetCallerIdentity: %+v", d)
	}
}

func TestSimulate(t *testing.T) {
	id := Attached{Name: "p", Policy: MustParse(`{"Version":"2012-10-17","Statement":[
		{"Sid":"Home","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}},
		{"Sid":"List","Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"},
		{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}`, KindManaged)}
	sim := &Simulation{
		Principal: defaultPrincipal,
		Actions:   []string{"s3:GetObject", "s3:DeleteObject", "s3:ListAllMyBuckets"},
		Resources: []string{"arn:aws:s3:::home/alice/x", "*"},
		Policies:  &PolicySet{Identity: []Attached{id}},
	}
	sim.Context.SetString("aws:username", "alice")
	res := Simulate(sim)
	if len(res) != 6 {
		t.Fatalf("%d results", len(res))
	}
	byPair := map[string]SimulationResult{}
	for _, r := range res {
		byPair[r.Action+" "+r.Resource] = r
	}
	get := byPair["s3:GetObject arn:aws:s3:::home/alice/x"]
	if get.Decision.Effect != ImplicitDeny || strings.Join(get.MissingContextKeys, ",") != "aws:securetransport" {
		t.Errorf("GetObject: %v, missing %v", get.Decision.Effect, get.MissingContextKeys)
	}
	del := byPair["s3:DeleteObject arn:aws:s3:::home/alice/x"]
	if del.Decision.Effect != ExplicitDeny || len(del.Matched) != 1 || del.Matched[0].Sid() != "NoDelete" {
		t.Errorf("DeleteObject: %v %v", del.Decision.Effect, del.Matched)
	}
	list := byPair["s3:ListAllMyBuckets *"]
	if list.Decision.Effect != Allow {
		t.Errorf("ListAllMyBuckets on *: %s", list.Decision.Explain())
	}
	sim.Context.Set("aws:SecureTransport", Bool(true))
	for _, r := range Simulate(sim) {
		if r.Action == "s3:GetObject" && r.Resource != "*" {
			if r.Decision.Effect != Allow || len(r.MissingContextKeys) != 0 || len(r.Matched) != 1 {
				t.Errorf("with TLS: %v missing %v matched %v", r.Decision.Effect, r.MissingContextKeys, r.Matched)
			}
		}
	}
}

func TestContext(t *testing.T) {
	var c Context
	c.SetString("AWS:UserName", "alice")
	c.Set("aws:SourceIp", IP(netip.MustParseAddr("::ffff:10.0.0.1")))
	c.Set("aws:CurrentTime", Time(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)))
	c.Set("aws:EpochTime", Number(1700000000))
	c.Set("k:bin", Binary([]byte{1, 2}))
	if v, ok := c.Get("aws:username"); !ok || v[0].String() != "alice" {
		t.Errorf("Get: %v %v", v, ok)
	}
	if v, _ := c.Get("aws:sourceip"); v[0].String() != "::ffff:10.0.0.1" || v[0].ip != netip.MustParseAddr("10.0.0.1") {
		t.Errorf("IP value %+v", v[0])
	}
	if v, _ := c.Get("aws:currenttime"); v[0].String() != "2024-01-02T03:04:05Z" {
		t.Errorf("time text %q", v[0].String())
	}
	if v, _ := c.Get("k:bin"); v[0].String() != "AQI=" {
		t.Errorf("binary text %q", v[0].String())
	}
	c.SetString("aws:username", "bob")
	if len(c.Keys()) != 5 {
		t.Errorf("Set of an existing key added one: %v", c.Keys())
	}
	c.Delete("AWS:USERNAME")
	if _, ok := c.Get("aws:username"); ok {
		t.Error("Delete left the key")
	}
	c.Reset()
	if len(c.Keys()) != 0 {
		t.Error("Reset left keys")
	}
	for _, s := range []string{"2024-01-02", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123+02:00", "1704164645"} {
		if String(s).flags&hasTime == 0 {
			t.Errorf("%q is not read as a date", s)
		}
	}
	for _, s := range []string{"12", "-1.5", "1e3"} {
		if String(s).flags&hasNum == 0 {
			t.Errorf("%q is not read as a number", s)
		}
	}
	if String("abc").flags != 0 {
		t.Error("plain text read as typed")
	}
}

func TestSessionARN(t *testing.T) {
	if got := SessionARN("arn:aws:iam::111122223333:role/ops/team/Deployer", "ci"); got != "arn:aws:sts::111122223333:assumed-role/Deployer/ci" {
		t.Errorf("SessionARN = %q", got)
	}
	if got := SessionARN("arn:aws:iam::111122223333:user/bob", "x"); got != "" {
		t.Errorf("SessionARN of a user = %q", got)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	doc := `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/\"q\"",
		"Condition":{"StringLike":{"s3:prefix":["a*","b"]},"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":10}}},
		{"Effect":"Deny","NotPrincipal":{"AWS":["111122223333"],"Service":"s3.amazonaws.com"},"NotAction":"iam:*","NotResource":["arn:aws:s3:::c"]}]}`
	p := MustParse(doc, KindResource)
	roundTrip(t, p)
	b, _ := p.MarshalJSON()
	if !strings.Contains(string(b), `"Bool":{"aws:SecureTransport":"true"}`) || !strings.Contains(string(b), `\"q\"`) {
		t.Errorf("marshal: %s", b)
	}
	single := MustParse(`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, KindManaged)
	if b, _ := single.MarshalJSON(); string(b) != `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}` {
		t.Errorf("single statement: %s", b)
	}
}

func TestParseConcurrentPoolSafety(t *testing.T) {
	// Parsed policies must not share memory with the reader pool.
	a := MustParse(`{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::first/*"}}`, KindManaged)
	for i := 0; i < 50; i++ {
		MustParse(`{"Version":"2012-10-17","Statement":{"Sid":"B","Effect":"Deny","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*:*:instance/*"}}`, KindManaged)
	}
	s := a.Statements[0]
	if s.Sid != "A" || s.Action[0] != "s3:GetObject" || s.Resource[0] != "arn:aws:s3:::first/*" {
		t.Fatalf("statement changed after later parses: %+v", s)
	}
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 100; i++ {
				p := MustParse(`{"Statement":[{"Sid":"X","Effect":"Allow","Action":["sqs:*"],"Resource":"*"}]}`, KindManaged)
				if p.Statements[0].Sid != "X" {
					panic("corrupted")
				}
			}
			done <- true
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}
