package audit

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

var docSamples = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e-3`, `-12.25E+10`, `"s"`, ` { "a" : [ 1 , 2 ] } `,
	`{"userName":"Alice","tags":[{"key":"k","value":"v"}],"n":null,"b":true}`,
	`{"policy":"{\"Version\":\"2012-10-17\",\"Statement\":[]}"}`,
	`{"u":"\u00e9\ud83d\ude00\/\b\f\n\r\t\\\""}`,
	`{"long":"` + strings.Repeat("abcdefgh", 40) + `"}`,
	`{"utf8":"日本語のテキストとエモジ🙂"}`,
	// Invalid ones.
	``, ` `, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `{a:1}`,
	`01`, `1.`, `.5`, `1e`, `-`, `+1`, `tru`, `nul`, `truex`, `"abc`, `"a\x"`, `"\u12"`, `"\u12g4"`,
	"\"tab\there\"", "\"nl\nhere\"", `{"a":1}}`, `{"a":1} x`, `[` + strings.Repeat(`"12345678`, 3) + `]`,
	`"` + strings.Repeat("x", 15) + `\`,
}

func TestCheckDocMatchesEncodingJSON(t *testing.T) {
	for _, doc := range docSamples {
		if got, want := checkDoc([]byte(doc)).valid, json.Valid([]byte(doc)); got != want {
			t.Errorf("checkDoc(%q).valid = %v, json.Valid = %v", doc, got, want)
		}
	}
	deep := strings.Repeat("[", maxDocDepth+1) + strings.Repeat("]", maxDocDepth+1)
	if checkDoc([]byte(deep)).valid {
		t.Error("accepted a document nested deeper than maxDocDepth")
	}
	ok := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	if !checkDoc([]byte(ok)).valid {
		t.Error("rejected a 100-deep document")
	}
}

func TestCheckDocSecretNames(t *testing.T) {
	for doc, want := range map[string]bool{
		`{"userName":"Alice"}`:                     false,
		`{"SecretAccessKey":"x"}`:                  true,
		`{"a":{"b":[{"sessiontoken":"x"}]}}`:       true,
		`{"note":"x\"y","password":"p"}`:           true,
		`{"pass\u0077ord":"p"}`:                    true,
		`{"passwordResetRequired":true}`:           false,
		`{"x":"` + strings.Repeat("a", 200) + `"}`: false,
	} {
		if got := checkDoc([]byte(doc)).secretName; got != want {
			t.Errorf("checkDoc(%s).secretName = %v, want %v", doc, got, want)
		}
	}
}

func FuzzCheckDoc(f *testing.F) {
	for _, doc := range docSamples {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if got, want := checkDoc(doc).valid, json.Valid(doc); got != want {
			t.Errorf("checkDoc(%q).valid = %v, json.Valid = %v", doc, got, want)
		}
	})
}

func TestAppendStringLong(t *testing.T) {
	// Specials at every offset around the 8-byte blocks.
	for _, special := range []string{`"`, `\`, "\n", "\x01", "é", "\xff", "\u2028"} {
		for pos := 0; pos < 20; pos++ {
			s := strings.Repeat("a", pos) + special + strings.Repeat("b", 20-pos)
			checkAppendString(t, s)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain ascii text", `q"\`, "日本", "\xff\xfe", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkAppendString(t, s) })
}

func checkAppendString(t *testing.T, s string) {
	t.Helper()
	got := appendString(nil, s)
	var back string
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("appendString(%q) = %s: %v", s, got, err)
	}
	if want := strings.ToValidUTF8(s, "\uFFFD"); back != want && !invalidRunesDiffer(s, back) {
		t.Fatalf("appendString(%q) decodes to %q", s, back)
	}
	if !utf8.Valid(got) {
		t.Fatalf("appendString(%q) = %q is not UTF-8", s, got)
	}
}

// invalidRunesDiffer allows for strings.ToValidUTF8 collapsing a run of
// invalid bytes into one U+FFFD where the encoder writes one per byte.
func invalidRunesDiffer(s, back string) bool {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r) // RuneError for each invalid byte
		i += n
	}
	return b.String() == back
}
