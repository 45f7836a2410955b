package main

import (
	"strings"
	"testing"
)

func TestTranslatePattern(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`[\u0009\u000A\u0020-\u00FF]+`, `[\x{0009}\x{000A}\x{0020}-\x{00FF}]+`},
		// Java joins an escaped surrogate pair into one code point.
		{`[\u0020-\uD7FF\uD800\uDC00-\uDBFF\uDFFF]*`, `[\x{0020}-\x{D7FF}\x{10000}-\x{10FFFF}]*`},
		// \u takes exactly four digits, as in Java.
		{`\u10000`, `\x{1000}0`},
		{`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`},
		{`[]a]`, `[]a]`},
	} {
		if got, err := translatePattern(c.in); err != nil || got != c.want {
			t.Errorf("translatePattern(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`a(?!b)`, `(a)\1`, `\v`, `[a[b]]`, `[a-z&&[^x]]`, `a*+`, `x{1,1024}`} {
		if got, err := translatePattern(bad); err == nil {
			t.Errorf("translatePattern(%q) = %q, want an error", bad, got)
		}
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{
		"detectorId": "DetectorId", "__listOf__string": "ListOfString", "ARN": "ARN", "x-amz-id": "XAmzId", "1x": "X1x",
	} {
		if got := exportedName(in); got != want {
			t.Errorf("exportedName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"SYMMETRIC_DEFAULT": "SymmetricDefault", "us-east-1": "UsEast1", "ipv4": "Ipv4",
		"ELBSecurityPolicy-TLS13-1-2": "ELBSecurityPolicyTls1312", "": "Empty",
	} {
		if got := enumValueName(in); got != want {
			t.Errorf("enumValueName(%q) = %q, want %q", in, got, want)
		}
	}
	s := scope{}
	if a, b := s.claim("Service"), s.claim("Service"); a != "Service" || b != "Service_" {
		t.Errorf("claim: %q, %q", a, b)
	}
}

func TestLoadModelRejectsUnknownTraits(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/x.json.gz"
	write := func(s string) {
		t.Helper()
		if err := writeGzip(path, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	const model = `{"metadata":{"protocol":"query"},"operations":{},"shapes":{` +
		`"X":{"type":"structure","members":{"a":{"shape":"S"%s}}},"S":{"type":"string"}}}`
	write(strings.Replace(model, "%s", "", 1))
	if _, err := loadModel(path); err != nil {
		t.Fatalf("plain model: %v", err)
	}
	write(strings.Replace(model, "%s", `,"xmlAttribute":true`, 1))
	if _, err := loadModel(path); err == nil || !strings.Contains(err.Error(), "xmlAttribute") {
		t.Errorf("xmlAttribute member: error %v", err)
	}
}

func TestStripDocs(t *testing.T) {
	in := `{"b":1,"documentation":"x","a":{"documentation":{"shape":"S"},"documentationUrl":"u","z":[1.50,"<&>"]}}`
	want := `{"b":1,"a":{"documentation":{"shape":"S"},"z":[1.50,"<&>"]}}` + "\n"
	if got, err := stripDocs([]byte(in)); err != nil || string(got) != want {
		t.Errorf("stripDocs = %s, %v; want %s", got, err, want)
	}
}
