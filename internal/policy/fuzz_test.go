package policy

import (
	"os"
	"path/filepath"
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
