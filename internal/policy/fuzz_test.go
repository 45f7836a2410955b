package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func addParseSeeds(f *testing.F) {
	paths, _ := filepath.Glob("testdata/conformance/*.json")
	files := loadConformance(f)
	for _, cf := range files {
		for _, g := range cf.Groups {
			for _, raw := range g.Identity {
				f.Add([]byte(raw), uint8(KindManaged))
			}
			if len(g.Resource) > 0 {
				f.Add([]byte(g.Resource), uint8(KindResource))
			}
		}
		for _, v := range cf.Validate {
			f.Add([]byte(v.Policy), uint8(KindManaged))
		}
	}
	_ = paths
	f.Add(benchDoc6K(), uint8(KindManaged))
	if b, err := os.ReadFile("testdata/conformance/README.md"); err == nil {
		f.Add(b, uint8(KindManaged))
	}
}

// FuzzParse: Parse never panics, and a policy it accepts re-marshals to an
// equivalent policy.
func FuzzParse(f *testing.F) {
	addParseSeeds(f)
	f.Fuzz(func(t *testing.T, doc []byte, kind uint8) {
		k := Kind(kind%9 + 1)
		p, err := Parse(doc, k)
		if err != nil {
			if _, ok := err.(*MalformedError); !ok {
				t.Fatalf("error %T is not *MalformedError", err)
			}
			return
		}
		roundTrip(t, p)
	})
}

// FuzzEvaluate: Evaluate never panics, whatever the policy, action,
// resource and context.
func FuzzEvaluate(f *testing.F) {
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/${aws:username}/*"}}`),
		"s3:GetObject", "arn:aws:s3:::b/alice/x", "aws:username", "alice")
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:*:*:*:x*y?z","Condition":{"ForAllValues:StringLikeIfExists":{"aws:TagKeys":"a*"}}}}`),
		"ec2:Run", "arn:aws:ec2:us-east-1:1:x:y:z", "aws:TagKeys", "abc")
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"::1/128"},"NumericLessThan":{"k:n":"3"},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01"}}}}`),
		"a:b", "*", "aws:SourceIp", "::1")
	f.Fuzz(func(t *testing.T, doc []byte, action, resource, key, value string) {
		p, err := Parse(doc, KindManaged)
		if err != nil {
			return
		}
		rp, _ := Parse(doc, KindResource)
		set := &PolicySet{Identity: []Attached{{Name: "p", Policy: p}}, Boundary: &Attached{Name: "b", Policy: p},
			Session: []Attached{{Name: "s", Policy: p}}, SCPs: [][]Attached{{{Name: "scp", Policy: p}}}}
		if rp != nil {
			set.Resource = &Attached{Name: "r", Policy: rp}
		}
		req := &Request{Principal: defaultPrincipal, Action: action, Resource: resource}
		req.Context.SetString(key, value, value+"x")
		req.Context.SetString("aws:username", value)
		d := Evaluate(req, set)
		_ = d.Message(req)
		_ = d.Explain()
		req.ResourceAccount = "444455556666"
		_ = Evaluate(req, set)
	})
}

// checkDecode checks that a document decodePolicy accepts, parseTree
// accepts too and reads to the same Policy: Parse relies on it when it
// takes the fast path.
func checkDecode(t testing.TB, doc []byte) {
	t.Helper()
	r, ok := newReader(doc, false)
	defer r.release()
	if !ok {
		return
	}
	var fast Policy
	if !r.decodePolicy(&fast) {
		return
	}
	var tree Policy
	if err := r.parseTree(&tree); err != nil {
		t.Fatalf("decodePolicy accepts a document parseTree rejects (%v):\n%s", err, doc)
	}
	if fast.Version != tree.Version || fast.ID != tree.ID || fast.singleStatement != tree.singleStatement ||
		!reflect.DeepEqual(fast.Statements, tree.Statements) {
		t.Fatalf("decodePolicy and parseTree disagree:\n%s\ndecoded %#v\ntree    %#v", doc, fast, tree)
	}
}

// TestDecodeAgreesWithTree runs checkDecode over every policy of the
// conformance files, as written and re-marshalled, and over variations of
// spelling that JSON allows.
func TestDecodeAgreesWithTree(t *testing.T) {
	var docs [][]byte
	for _, cf := range loadConformance(t) {
		for _, g := range cf.Groups {
			raws := append(append([]json.RawMessage{g.Boundary, g.Resource}, g.Identity...), g.Session...)
			for _, level := range append(g.SCPs, g.RCPs...) {
				raws = append(raws, level...)
			}
			for _, raw := range raws {
				docs = append(docs, raw)
			}
		}
		for _, v := range cf.Validate {
			docs = append(docs, v.Policy)
			if v.Text != nil {
				docs = append(docs, []byte(*v.Text))
			}
		}
	}
	docs = append(docs, benchDoc6K(),
		[]byte(` { "Statement" : [ { "Effect" : "Allow" , "Action" : [ ] , "Resource" : "*" , "Condition" : { } } ] } `),
		[]byte(`{"Statement":{"\u0045ffect":"Allow","Action":"s3:\u002a","Resource":["a\"b","\/"],"Condition":{"NumericLessThan":{"k:n":[1,-2.5e3]},"Bool":{"k:b":[true,false]},"StringLike":{"k:s":[]}}}}`),
		[]byte(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":[],"Service":"s"},"NotPrincipal":"*","Action":"a:b","NotResource":"*"}]}`),
		[]byte(`{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"Null":{"k":null}}}]}`),
		[]byte(`{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"A":{"k":"1"},"A":{"j":"2"}}}]}`),
		[]byte(`{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"}],"Statement":[]}`),
		[]byte(`{"Statement":[]}`), []byte(`{"Statement":[{}]}`), []byte(`{"Statement":{}} x`))
	for _, doc := range docs {
		checkDecode(t, doc)
		if p, err := Parse(doc, KindResource); err == nil {
			b, _ := p.MarshalJSON()
			checkDecode(t, b)
		}
	}
}

// FuzzDecode: decodePolicy and parseTree agree on every document
// decodePolicy accepts.
func FuzzDecode(f *testing.F) {
	addParseSeeds(f)
	f.Fuzz(func(t *testing.T, doc []byte, _ uint8) {
		checkDecode(t, doc)
	})
}
