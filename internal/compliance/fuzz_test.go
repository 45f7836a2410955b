package compliance

import (
	"encoding/json"
	"testing"
)

// hasAllowStar is an independent oracle: some statement (an object or an
// array of them) has Effect Allow, "*" or "*:*" among its actions and "*"
// among its resources.
func hasAllowStar(doc string) bool {
	var p struct{ Statement json.RawMessage }
	if json.Unmarshal([]byte(doc), &p) != nil {
		return false
	}
	type stmt struct {
		Effect           string
		Action, Resource any
	}
	var list []stmt
	if json.Unmarshal(p.Statement, &list) != nil {
		var one stmt
		if json.Unmarshal(p.Statement, &one) != nil {
			return false
		}
		list = []stmt{one}
	}
	has := func(v any, want ...string) bool {
		vals := []any{v}
		if l, ok := v.([]any); ok {
			vals = l
		}
		for _, x := range vals {
			for _, w := range want {
				if x == w {
					return true
				}
			}
		}
		return false
	}
	for _, s := range list {
		if s.Effect == "Allow" && has(s.Action, "*", "*:*") && has(s.Resource, "*") {
			return true
		}
	}
	return false
}

// FuzzAllowsFullAdmin: any stored policy text is judged without panicking,
// and a document judged admin really has an Allow of "*" on "*".
func FuzzAllowsFullAdmin(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["*"],"Resource":["*"]}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		`{"Statement":[]}`, `not json`, ``, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*:*","Resource":"*"}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		admin, err := allowsFullAdmin(doc)
		if err != nil && admin {
			t.Fatal("admin reported with an error")
		}
		if admin && !hasAllowStar(doc) {
			t.Fatalf("admin without an Allow of \"*\" on \"*\": %s", doc)
		}
	})
}
