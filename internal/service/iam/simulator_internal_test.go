package iam

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/policy"
)

func TestStatementSpans(t *testing.T) {
	doc := "{\n" +
		"    \"Version\": \"2012-10-17\",\n" +
		"    \"Statement\": [{\n" +
		"        \"Sid\": \"One\",\n" +
		"        \"Effect\": \"Allow\",\n" +
		"        \"Action\": \"s3:GetObject\",\n" +
		"        \"Resource\": \"*\"\n" +
		"    }, {\"Effect\": \"Deny\", \"Action\": \"s3:*\", \"Resource\": \"é*\"}]\n" +
		"}"
	got := statementSpans(doc)
	want := []statementSpan{{3, 19, 8, 6}, {8, 8, 8, 62}}
	if len(got) != len(want) {
		t.Fatalf("spans = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statement %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// A single statement object, on one line.
	one := statementSpans(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"},"Version":"2012-10-17"}`)
	if len(one) != 1 || one[0] != (statementSpan{1, 14, 1, 60}) {
		t.Fatalf("single statement: %+v", one)
	}
	// Keys before Statement are skipped, whatever their values hold.
	skip := statementSpans(`{"Id":"x","Version":"2012-10-17","Other":{"Statement":[1]},"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	if len(skip) != 1 || skip[0].startCol != 73 {
		t.Fatalf("after other keys: %+v", skip)
	}
	if statementSpans(`[1,2]`) != nil || statementSpans(`{"Statement":"x"}`) != nil {
		t.Fatal("spans of documents without statements")
	}
}

func TestParseContextValues(t *testing.T) {
	for _, tc := range []struct {
		typ    string
		values []string
		ok     bool
	}{
		{"string", []string{"a"}, true},
		{"string", []string{"a", "b"}, false},
		{"stringList", []string{"a", "b"}, true},
		{"", []string{"a", "b"}, true},
		{"numeric", []string{"12.5"}, true},
		{"numeric", []string{"twelve"}, false},
		{"numericList", []string{"1", "2"}, true},
		{"boolean", []string{"TRUE"}, true},
		{"boolean", []string{"yes"}, false},
		{"ip", []string{"203.0.113.7"}, true},
		{"ipList", []string{"2001:db8::1", "10.0.0.1"}, true},
		{"ip", []string{"10.0.0.0/8"}, false},
		{"binary", []string{"aGVsbG8="}, true},
		{"binary", []string{"%%%"}, false},
		{"date", []string{"2026-01-02T03:04:05Z"}, true},
		{"date", []string{"1700000000"}, true},
		{"dateList", []string{"2026-01-02", "2026-02-03T00:00:00+01:00"}, true},
		{"date", []string{"yesterday"}, false},
		{"color", []string{"red"}, false},
		{"string", nil, false},
	} {
		vals, err := parseContextValues("aws:Key", tc.typ, tc.values)
		if (err == nil) != tc.ok {
			t.Errorf("%s %q: err = %v, want ok=%v", tc.typ, tc.values, err, tc.ok)
			continue
		}
		if tc.ok && len(vals) != len(tc.values) {
			t.Errorf("%s %q: %d values", tc.typ, tc.values, len(vals))
		}
	}
	if _, err := parseContextValues("", "string", []string{"a"}); err == nil {
		t.Fatal("a nameless context entry was accepted")
	}
	// Typed values behave as their type under the operators.
	vals, _ := parseContextValues("aws:SourceIp", "ip", []string{"203.0.113.7"})
	var ctx policy.Context
	ctx.Set("aws:SourceIp", vals...)
	p := policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}`, policy.KindManaged)
	d := policy.Evaluate(&policy.Request{Action: "s3:GetObject", Principal: policy.Principal{Type: policy.PrincipalUser, Account: "111122223333"}, Context: ctx},
		&policy.PolicySet{Identity: []policy.Attached{{Name: "p", Policy: p}}})
	if d.Effect != policy.Allow {
		t.Fatalf("ip context value did not match its network: %v", d.Effect)
	}
}

func TestPolicyContextKeys(t *testing.T) {
	p := policy.MustParse(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"StringEquals":{"s3:prefix":["${aws:PrincipalTag/team, 'none'}"]}}},
		{"Effect":"Deny","Action":"*","NotResource":"arn:aws:s3:::${s3:x}","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}`, policy.KindManaged)
	got := strings.Join(policyContextKeys(p), ",")
	want := "aws:username,s3:prefix,aws:PrincipalTag/team,s3:x,aws:MultiFactorAuthPresent"
	if got != want {
		t.Fatalf("keys = %s, want %s", got, want)
	}
	// Version 2008-10-17 has no policy variables.
	old := policy.MustParse(`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}"}]}`, policy.KindManaged)
	if keys := policyContextKeys(old); len(keys) != 0 {
		t.Fatalf("2008 policy keys = %v", keys)
	}
}

// FuzzParseContextValues: any ContextEntries input is either read or
// refused with InvalidInput, never a panic.
func FuzzParseContextValues(f *testing.F) {
	for _, seed := range [][3]string{
		{"aws:SourceIp", "ip", "192.0.2.1"}, {"aws:CurrentTime", "date", "2026-01-01T00:00:00Z"},
		{"aws:EpochTime", "numeric", "1.5e9"}, {"s3:x", "binaryList", "AAEC"}, {"k", "booleanList", "false"},
		{"k", "", "a"}, {"", "string", ""}, {"k", "dateList", "99999999999999999999"}, {"k", "ipList", "::ffff:1.2.3.4"},
	} {
		f.Add(seed[0], seed[1], seed[2], "second")
	}
	f.Fuzz(func(t *testing.T, name, typ, v1, v2 string) {
		for _, values := range [][]string{{v1}, {v1, v2}, nil} {
			vals, err := parseContextValues(name, typ, values)
			if err != nil {
				if !strings.Contains(err.Error(), "InvalidInput") {
					t.Fatalf("error %v is not InvalidInput", err)
				}
				continue
			}
			if len(vals) != len(values) {
				t.Fatalf("%d values for %d inputs", len(vals), len(values))
			}
			var ctx policy.Context
			ctx.Set(name, vals...)
		}
	})
}

// FuzzStatementSpans: positions are found in any document without
// panicking, and always inside the document.
func FuzzStatementSpans(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	f.Add("{\n \"Statement\" : {\"Effect\":\"Deny\"}\n}")
	f.Add(`{"Statement":[{},{"a":"}"}]`)
	f.Add(`{"Statement"`)
	f.Fuzz(func(t *testing.T, doc string) {
		lines := strings.Count(doc, "\n") + 1
		for _, sp := range statementSpans(doc) {
			if sp.startLine < 1 || sp.endLine > lines || sp.startLine > sp.endLine || sp.startCol < 1 || sp.endCol < 1 {
				t.Fatalf("span %+v outside a %d-line document", sp, lines)
			}
		}
	})
}
