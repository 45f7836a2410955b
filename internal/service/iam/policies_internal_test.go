package iam

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestParseEntityARN(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:user/alice":        "user 123456789012 alice",
		"arn:aws:iam::123456789012:user/a/b/alice":    "user 123456789012 alice",
		"arn:aws:iam::123456789012:group/devs":        "group 123456789012 devs",
		"arn:aws:iam::123456789012:role/svc/app":      "role 123456789012 app",
		"arn:aws:iam::123456789012:policy/p":          "",
		"arn:aws:iam::123456789012:user/":             "",
		"arn:aws:iam::123456789012:user/path/":        "",
		"arn:aws:iam:us-east-1:123456789012:user/bob": "",
		"arn:aws:s3:::bucket":                         "",
		"arn:aws:iam:::user/bob":                      "",
		"user/bob":                                    "",
	} {
		kind, acct, name, ok := parseEntityARN(arn)
		got := ""
		if ok {
			got = kind + " " + acct + " " + name
		}
		if got != want {
			t.Errorf("parseEntityARN(%q) = %q, want %q", arn, got, want)
		}
	}
}

func FuzzParseEntityARN(f *testing.F) {
	for _, s := range []string{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::1:role/a/b/", "arn:aws:iam::1:group", "::::::", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		kind, acct, name, ok := parseEntityARN(arn)
		if !ok {
			return
		}
		if name == "" || acct == "" || strings.Contains(name, "/") || !strings.HasSuffix(arn, "/"+name) || !strings.Contains(arn, ":"+kind+"/") {
			t.Errorf("parseEntityARN(%q) = %q %q %q", arn, kind, acct, name)
		}
	})
}

// polWildcardRegexp is the reference for wildcardMatchFold: the pattern as an
// anchored, case-insensitive regular expression.
func polWildcardRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func FuzzWildcardMatchFold(f *testing.F) {
	for _, s := range [][2]string{{"Get*", "GetObject"}, {"*Object*", "PutObjectAcl"}, {"?et*", "getx"}, {"a*b*c", "aXbYbc"}, {"**", ""}, {"", "x"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if len(pattern) > 64 || len(name) > 64 || !polIsASCII(pattern) || !polIsASCII(name) {
			return // action names are short ASCII; keep the reference cheap
		}
		if got, want := wildcardMatchFold(pattern, name), polWildcardRegexp(pattern).MatchString(name); got != want {
			t.Errorf("wildcardMatchFold(%q, %q) = %v, want %v", pattern, name, got, want)
		}
	})
}

func polIsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestPolicySize(t *testing.T) {
	for doc, want := range map[string]int{
		`{"a": "b c"}`:               11,
		"{\n\t\"a\" :\r\n[1, 2]}":    11,
		`{"a":"x\" y"}`:              13,
		`%7B%22a%22%3A%20%22b%22%7D`: 9, // URL-encoded documents count as decoded
		`{"é":"ü"}`:                  9,
	} {
		if got := policySize(doc); got != want {
			t.Errorf("policySize(%q) = %d, want %d", doc, got, want)
		}
	}
}

func FuzzPolicySize(f *testing.F) {
	for _, s := range []string{`{"Version":"2012-10-17"}`, `{"a":"\\"}`, "{ \"x\" : [ 1 , 2 ] }", `%7B%7D`, `"unterminated`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		n := policySize(doc)
		if n < 0 {
			t.Fatalf("policySize(%q) = %d", doc, n)
		}
		// For JSON, compacting (which drops exactly the white space
		// outside strings) keeps the size.
		if strings.HasPrefix(doc, "%") || !json.Valid([]byte(doc)) {
			return
		}
		var compact strings.Builder
		if raw, err := json.Marshal(json.RawMessage(doc)); err == nil {
			compact.Write(raw)
			if got := policySize(compact.String()); got != n && !strings.ContainsAny(doc, "<>&\u2028\u2029") {
				t.Errorf("policySize(%q) = %d, compacted %d", doc, n, got)
			}
		}
	})
}

func TestGrantsService(t *testing.T) {
	s3 := []string{"GetObject", "PutObject", "ListBucket"}
	for _, c := range []struct {
		doc  string
		want bool
	}{
		{`{"Statement":{"Effect":"Allow","Action":"s3:get*","Resource":"*"}}`, true},
		{`{"Statement":[{"Effect":"Allow","Action":["ec2:*","S3:List*"],"Resource":"*"}]}`, true},
		{`{"Statement":[{"Effect":"Allow","Action":"s3:Delete*","Resource":"*"}]}`, false},
		{`{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`, false},
		{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, true},
		{`{"Statement":[{"Effect":"Allow","Action":"s?:GetObject","Resource":"*"}]}`, true},
		{`{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]}`, false},
		{`{"Statement":[{"Effect":"Allow","NotAction":["s3:Get*","s3:Put*"],"Resource":"*"}]}`, true},
		{`{"Statement":[{"Effect":"Allow","NotAction":["s3:Get*","s3:Put*","s3:List*"],"Resource":"*"}]}`, false},
		{`%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%7D%7D`, true},
		{`not json`, false},
	} {
		if got := grantsService(parseGrantStatements(c.doc), "s3", s3); got != c.want {
			t.Errorf("grantsService(%s) = %v, want %v", c.doc, got, c.want)
		}
	}
	// A service the catalog does not know: the service part decides.
	unknown := parseGrantStatements(`{"Statement":[{"Effect":"Allow","Action":"newsvc:Describe*","Resource":"*"}]}`)
	if !grantsService(unknown, "newsvc", nil) || grantsService(unknown, "othersvc", nil) {
		t.Error("unknown services")
	}
}

func FuzzParseGrantStatements(f *testing.F) {
	for _, s := range []string{`{"Statement":{"Effect":"Allow","Action":"s3:*"}}`, `{"Statement":[{"NotAction":["a:b"]}]}`, `{"Statement":7}`, `%7B`, `[]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		for _, st := range parseGrantStatements(doc) {
			_ = grantsService([]grantStatement{st}, "s3", []string{"GetObject"})
		}
	})
}
