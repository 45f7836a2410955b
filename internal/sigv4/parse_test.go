package sigv4

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestParseAuthorization(t *testing.T) {
	tests := []struct {
		in                         string
		alg, cred, signed, sig     string
		hasCred, hasSigned, hasSig bool
		err                        bool
	}{
		{in: "AWS4-HMAC-SHA256 Credential=A/B/C/D/E, SignedHeaders=host;x-amz-date, Signature=abc",
			alg: "AWS4-HMAC-SHA256", cred: "A/B/C/D/E", signed: "host;x-amz-date", sig: "abc", hasCred: true, hasSigned: true, hasSig: true},
		{in: "AWS4-HMAC-SHA256 Signature=abc,Credential=A/B/C/D/E,SignedHeaders=host",
			alg: "AWS4-HMAC-SHA256", cred: "A/B/C/D/E", signed: "host", sig: "abc", hasCred: true, hasSigned: true, hasSig: true},
		{in: "AWS4-HMAC-SHA256   Credential=A/B/C/D/E  SignedHeaders=host \t Signature=abc ,",
			alg: "AWS4-HMAC-SHA256", cred: "A/B/C/D/E", signed: "host", sig: "abc", hasCred: true, hasSigned: true, hasSig: true},
		{in: "AWS4-HMAC-SHA256,Credential=A/B/C/D/E", alg: "AWS4-HMAC-SHA256", cred: "A/B/C/D/E", hasCred: true},
		{in: "AWS4-HMAC-SHA256 SignedHeaders=", alg: "AWS4-HMAC-SHA256", hasSigned: true},
		{in: "AWS4-HMAC-SHA256 Credential=, Signature=", alg: "AWS4-HMAC-SHA256"},
		{in: "AWS4-HMAC-SHA256 Foo=bar", alg: "AWS4-HMAC-SHA256"},
		{in: "AWS4-HMAC-SHA256", alg: "AWS4-HMAC-SHA256"},
		{in: "AWS4-HMAC-SHA256 Credential", err: true},
		{in: "AWS4-HMAC-SHA256 Credential=a, b", err: true},
	}
	for _, tt := range tests {
		a, err := parseAuthorization(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("%q: error = %v", tt.in, err)
			continue
		}
		if tt.err {
			continue
		}
		if a.algorithm != tt.alg || a.credential != tt.cred || a.signedHeaders != tt.signed || a.signature != tt.sig ||
			a.hasCredential != tt.hasCred || a.hasSignedHeaders != tt.hasSigned || a.hasSignature != tt.hasSig {
			t.Errorf("%q: got %+v", tt.in, a)
		}
	}
}

func TestParseCredential(t *testing.T) {
	c, ok := parseCredential("AKID/20261127/us-east-1/sts/aws4_request//")
	if !ok || c.accessKeyID != "AKID" || c.date != "20261127" || c.region != "us-east-1" || c.service != "sts" ||
		c.terminator != "aws4_request" || c.scope != "20261127/us-east-1/sts/aws4_request" {
		t.Errorf("got %+v, %v", c, ok)
	}
	for _, bad := range []string{"", "a", "a/b/c/d", "a/b/c/d/e/f", "/////x"} {
		if _, ok := parseCredential(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestParseAmzDate(t *testing.T) {
	ts, ok := parseAmzDate("20261127T150405Z")
	if !ok || !ts.Equal(time.Date(2026, 11, 27, 15, 4, 5, 0, time.UTC)) {
		t.Errorf("got %v, %v", ts, ok)
	}
	for _, bad := range []string{"", "20261127T150405", "20261127t150405Z", "2026112TT150405Z", "20261327T150405Z",
		"20260229T150405Z", "20261127T250405Z", "20261127T156005Z", "20261100T150405Z", "2026-11-27T15:04:05Z", "+0261127T150405Z"} {
		if _, ok := parseAmzDate(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, ok := parseAmzDate("20280229T000000Z"); !ok {
		t.Error("leap day rejected")
	}
	for _, good := range []string{"Fri, 27 Nov 2026 15:00:00 GMT", "Friday, 27-Nov-26 15:00:00 GMT", "20261127T150000Z"} {
		if ts, ok := parseDateHeader(good); !ok || formatAmzDate(ts) != "20261127T150000Z" {
			t.Errorf("%q: %v, %v", good, ts, ok)
		}
	}
}

func TestQueryHelpers(t *testing.T) {
	it := queryIter{rest: "a=1&&b&=c&d=e=f&"}
	var got [][2]string
	for {
		k, v, ok := it.next()
		if !ok {
			break
		}
		got = append(got, [2]string{k, v})
	}
	want := [][2]string{{"a", "1"}, {"b", ""}, {"", "c"}, {"d", "e=f"}}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("pair %d = %q, want %q", i, got[i], want[i])
		}
	}
	for in, out := range map[string]string{"a+b": "a b", "a%2Bb": "a+b", "%E1%88%B4": "ሴ", "100%": "100%", "%zz": "%zz", "%4": "%4", "plain": "plain"} {
		if got := queryUnescape(in); got != out {
			t.Errorf("queryUnescape(%q) = %q, want %q", in, got, out)
		}
	}
	if !queryKeyIs("X-Amz-Date", "X-Amz-Date") || !queryKeyIs("X%2DAmz-Date", "X-Amz-Date") || queryKeyIs("X-Amz-Dat", "X-Amz-Date") || queryKeyIs("X-Amz-Dates", "X-Amz-Date") {
		t.Error("queryKeyIs")
	}
	if v, ok := queryLookup("a=1&X-Amz-Credential=A%2FB&X-Amz-Credential=C", "X-Amz-Credential"); !ok || v != "A/B" {
		t.Errorf("queryLookup = %q, %v", v, ok)
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := map[string]string{
		"":                              "",
		"b=2&a=1":                       "a=1&b=2",
		"a=2&a=1&a=10":                  "a=1&a=10&a=2",
		"flag&x=":                       "flag=&x=",
		"sp=a+b&pc=a%20b&plus=a%2Bb":    "pc=a%20b&plus=a%2Bb&sp=a%20b",
		"star=*&tilde=~&t2=%7E":         "star=%2A&t2=~&tilde=~",
		"slash=a/b&s2=a%2fb":            "s2=a%2Fb&slash=a%2Fb",
		"u=%E1%88%B4&%E1%88%B4=x":       "%E1%88%B4=x&u=%E1%88%B4",
		"a-b=1&a%2Fb=2":                 "a%2Fb=2&a-b=1", // sorted after encoding
		"bad=%zz&semi=a;b":              "bad=%25zz&semi=a%3Bb",
		"X-Amz-Signature=abc&X-Amz-X=1": "X-Amz-X=1",
	}
	s := &scratch{}
	for in, want := range tests {
		if got := string(appendCanonicalQuery(nil, s, in, true)); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
	if got := string(appendCanonicalQuery(nil, s, "X-Amz-Signature=abc", false)); got != "X-Amz-Signature=abc" {
		t.Errorf("header form dropped X-Amz-Signature: %q", got)
	}
}

func TestCanonicalURI(t *testing.T) {
	tests := []struct {
		path string
		s3   bool
		want string
	}{
		{"/", false, "/"},
		{"/detector/abc%2Fdef", false, "/detector/abc%252Fdef"},
		{"/a b/ሴ*", false, "/a%20b/%E1%88%B4%2A"},
		{"/-._~/", false, "/-._~/"},
		{"/detector/abc%2Fdef", true, "/detector/abc%2Fdef"},
		{"/a%20b/c~d/%7e*", true, "/a%20b/c~d/~%2A"},
	}
	for _, tt := range tests {
		if got, ok := appendCanonicalURICandidate(nil, tt.path, tt.s3, 0); !ok || string(got) != tt.want {
			t.Errorf("%q (s3 %v): got %q, want %q", tt.path, tt.s3, got, tt.want)
		}
	}
	second := []struct {
		path string
		s3   bool
		want string // "" = no second attempt
	}{
		{"/a/b", false, ""},
		{"/detector/..", false, "/"},
		{"//a/./b%20", false, "/a/b%2520"},
		{"/b/a%20b", true, ""},
		{"/b/a:b", true, "/b/a:b"},
		{"/b/a%7Eb", true, "/b/a%7Eb"},
	}
	for _, tt := range second {
		got, ok := appendCanonicalURICandidate(nil, tt.path, tt.s3, 1)
		if ok != (tt.want != "") || string(got) != tt.want {
			t.Errorf("second attempt for %q (s3 %v): got %q, %v; want %q", tt.path, tt.s3, got, ok, tt.want)
		}
	}
	for in, want := range map[string]string{
		"/a/b": "/a/b", "//a//b//": "/a/b/", "/a/./b/../c": "/a/c", "/..": "/", "/a/..": "/", "/.a/b": "/.a/b", "/a/.": "/a",
	} {
		got, changed := normalizePath(in)
		if got != want || changed != (in != want) {
			t.Errorf("normalizePath(%q) = %q, %v; want %q", in, got, changed, want)
		}
	}
}

func TestRequestPath(t *testing.T) {
	tests := []struct {
		name string
		r    *http.Request
		want string
	}{
		{"origin form", &http.Request{RequestURI: "/a%2Fb?x=1", URL: &url.URL{Path: "/a/b"}}, "/a%2Fb"},
		{"absolute form", &http.Request{RequestURI: "http://h:1/a%2Fb?x", URL: &url.URL{}}, "/a%2Fb"},
		{"absolute form without path", &http.Request{RequestURI: "http://h?x=/y", URL: &url.URL{}}, "/"},
		{"asterisk", &http.Request{RequestURI: "*", URL: &url.URL{Path: "*"}}, "*"},
		{"client side", &http.Request{URL: &url.URL{Path: "/a/b", RawPath: "/a%2Fb"}}, "/a%2Fb"},
		{"client side empty", &http.Request{URL: &url.URL{}}, "/"},
		{"opaque", &http.Request{URL: &url.URL{Opaque: "//h/a%2Fb?q"}}, "/a%2Fb"},
		{"nil URL", &http.Request{}, "/"},
	}
	for _, tt := range tests {
		if got := requestPath(tt.r); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCanonicalHeaders(t *testing.T) {
	r := &http.Request{
		Host:          "h.example:8080",
		ContentLength: 43,
		Header: http.Header{
			"X-Multi":        {"  b  ", "a   c"},
			"X-Amz-Date":     {"20261127T150000Z"},
			"weird_lower":    {"w"},
			"Content-Type":   {"\tapplication/json;  charset=utf-8 "},
			"X-Amz-Security": {"t"},
		},
	}
	got := string(appendCanonicalHeaders(nil, r, "Content-Length;content-type;host;weird_lower;x-absent;x-amz-date;x-multi"))
	want := "content-length:43\ncontent-type:application/json; charset=utf-8\nhost:h.example:8080\nweird_lower:w\nx-absent:\nx-amz-date:20261127T150000Z\nx-multi:b,a c\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !signsHost("a;HOST;b") || !signsHost(":authority") || signsHost("hosts;x") || signsHost("") {
		t.Error("signsHost")
	}
}

func TestScope(t *testing.T) {
	tests := []struct {
		name                 string
		header, query        string
		akid, region, signer string
		ok                   bool
	}{
		{name: "header", header: "AWS4-HMAC-SHA256 Credential=AKID/20261127/eu-west-1/guardduty/aws4_request, SignedHeaders=host, Signature=x",
			akid: "AKID", region: "eu-west-1", signer: "guardduty", ok: true},
		{name: "presigned", query: "Action=X&X-Amz-Credential=AKID%2F20261127%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Algorithm=AWS4-HMAC-SHA256",
			akid: "AKID", region: "us-east-1", signer: "sts", ok: true},
		{name: "non-SigV4 header falls back to query", header: "Bearer x", query: "X-Amz-Credential=A/D/R/S/aws4_request",
			akid: "A", region: "R", signer: "S", ok: true},
		{name: "none"},
		{name: "header without credential", header: "AWS4-HMAC-SHA256 Signature=x"},
		{name: "malformed header", header: "AWS4-HMAC-SHA256 Credential"},
		{name: "short credential", header: "AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1"},
		{name: "empty service", query: "X-Amz-Credential=A/D/R//aws4_request"},
	}
	for _, tt := range tests {
		r := &http.Request{Header: http.Header{}, URL: &url.URL{RawQuery: tt.query}}
		if tt.header != "" {
			r.Header.Set("Authorization", tt.header)
		}
		akid, region, service, ok := Scope(r)
		if akid != tt.akid || region != tt.region || service != tt.signer || ok != tt.ok {
			t.Errorf("%s: got %q %q %q %v", tt.name, akid, region, service, ok)
		}
	}
}

func TestScopeDoesNotAllocateForHeaders(t *testing.T) {
	r := &http.Request{Header: http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=x"}}, URL: &url.URL{}}
	if n := testing.AllocsPerRun(100, func() { Scope(r) }); n != 0 {
		t.Errorf("Scope allocates %v times", n)
	}
}

func TestHasDoubleSpace(t *testing.T) {
	for v, want := range map[string]bool{"": false, " ": false, "  ": true, "a b c": false, "a b  c": true, "a  b": true, "ab ": false, " a b ": false} {
		if got := hasDoubleSpace(v); got != want {
			t.Errorf("hasDoubleSpace(%q) = %v", v, got)
		}
	}
}
