package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestCanonicalDocumentOrdersElements(t *testing.T) {
	in := `{
  "Statement": [
    {"Action": ["s3:Get*", "s3:List*"], "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}, "Effect": "Allow", "Resource": "*", "Sid": "Read"},
    {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*", "Zeta": 1.50}
  ],
  "Version": "2012-10-17"
}`
	got, err := canonicalDocument(json.RawMessage(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"Read","Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}},` +
		`{"Effect":"Deny","NotAction":"iam:*","Resource":"*","Zeta":1.50}]}`
	if got != want {
		t.Errorf("canonicalDocument:\n got %s\nwant %s", got, want)
	}
}

func TestCanonicalDocumentKeepsSpecialCharacters(t *testing.T) {
	in := `{"Statement":{"Resource":"arn:aws:s3:::a&b<c>/${aws:username}/\u00e9","Effect":"Allow","Action":"s3:*"}}`
	got, err := canonicalDocument(json.RawMessage(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::a&b<c>/${aws:username}/é"}}`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestCanonicalDocumentRejectsNonObjects(t *testing.T) {
	for _, in := range []string{`[1]`, `"x"`, `{"a":1} {"b":2}`, `{"a":`} {
		if _, err := canonicalDocument(json.RawMessage(in)); err == nil {
			t.Errorf("canonicalDocument(%s) succeeded", in)
		}
	}
}

func TestConvertChecksFields(t *testing.T) {
	good := `{"P1":{"CreateDate":"2015-02-06T18:39:46+00:00","UpdateDate":"2016-01-01T01:00:00+01:00","DefaultVersionId":"v3","Path":"/service-role/","Document":{"Version":"2012-10-17","Statement":[]}}}`
	recs, err := convert(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Updated != "2016-01-01T00:00:00Z" || recs[0].Version != "v3" || recs[0].Path != "/service-role/" {
		t.Errorf("convert = %+v", recs)
	}
	for _, bad := range []string{
		strings.Replace(good, `"v3"`, `"3"`, 1),
		strings.Replace(good, `"/service-role/"`, `"service-role"`, 1),
		strings.Replace(good, `2015-02-06T18:39:46+00:00`, `yesterday`, 1),
	} {
		if _, err := convert(bad); err == nil {
			t.Errorf("convert accepted %s", bad)
		}
	}
}

func FuzzCanonicalDocument(f *testing.F) {
	for _, s := range []string{
		`{"Statement":[{"Resource":"*","Effect":"Allow","Action":"s3:*"}],"Version":"2012-10-17"}`,
		`{"Statement":{"Condition":{"Bool":{"aws:SecureTransport":false}},"Sid":"x"}}`,
		`{"Version":1e3,"Statement":[null,[],"x"]}`,
		`{}`, `[]`, `{"a":`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := canonicalDocument(json.RawMessage(in))
		if err != nil {
			return
		}
		var before, after any
		if err := json.Unmarshal([]byte(in), &before); err != nil {
			t.Fatalf("accepted invalid JSON %q", in)
		}
		if err := json.Unmarshal([]byte(out), &after); err != nil {
			t.Fatalf("canonicalDocument(%q) = %q, not JSON: %v", in, out, err)
		}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("canonicalDocument(%q) = %q changes the value", in, out)
		}
		again, err := canonicalDocument(json.RawMessage(out))
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q then %q (%v)", out, again, err)
		}
	})
}
