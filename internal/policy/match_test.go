package policy

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// referenceRegexp translates a wildcard pattern into a regular expression
// with the same meaning: "*" is any text, but inside an ARN segment (arn
// mode, "*" not followed by ":" or the end) it stops at colons; "?" is one
// character.
func referenceRegexp(p string, arn, fold bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s)")
	if fold {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	for i, r := range p {
		switch r {
		case '*':
			if arn && i+1 < len(p) && p[i+1] != ':' {
				b.WriteString("[^:]*")
			} else {
				b.WriteString(".*")
			}
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func checkPattern(t *testing.T, pat, s string, arn, fold bool) {
	t.Helper()
	p := compilePattern(pat, patternOpts{wildcards: true, arn: arn, fold: fold})
	want := referenceRegexp(pat, arn, fold).MatchString(s)
	if got := p.match(s, nil); got != want {
		t.Fatalf("pattern %q (arn %v, fold %v) against %q: got %v, want %v", pat, arn, fold, s, got, want)
	}
}

// TestPatternsAgainstReference compares the matcher with the regular
// expression reference on random patterns and texts over a small alphabet
// that makes stars, colons and backtracking meet often.
func TestPatternsAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	patAlpha := []byte("ab:*?/")
	textAlpha := []byte("ab:/")
	gen := func(alpha []byte, n int) string {
		b := make([]byte, rng.IntN(n+1))
		for i := range b {
			b[i] = alpha[rng.IntN(len(alpha))]
		}
		return string(b)
	}
	for i := 0; i < 30000; i++ {
		pat, s := gen(patAlpha, 8), gen(textAlpha, 10)
		checkPattern(t, pat, s, i%2 == 0, false)
	}
	for _, c := range []struct {
		pat, s string
		arn    bool
	}{
		{"arn:aws:s3:::b/*/x", "arn:aws:s3:::b/a:b/x", true},
		{"a*b:*c", "axb:yb:zc", true},
		{"*:*", "::", true},
		{"a*:b*", "aa:bb:cc", true},
		{"x*y*z", "x:y:z", true},
		{"x*y*z", "x:y:z", false},
		{"*a*", "b:a:b", true},
		{"?*?", "a:", true},
	} {
		checkPattern(t, c.pat, c.s, c.arn, false)
	}
}

// FuzzPattern compares the matcher with the regular expression reference.
func FuzzPattern(f *testing.F) {
	f.Add("arn:aws:s3:::b/*", "arn:aws:s3:::b/k", true, false)
	f.Add("a*b?c*", "aXbYcZ", false, true)
	f.Add("*:*:x", "a:b:c:x", true, false)
	f.Fuzz(func(t *testing.T, pat, s string, arn, fold bool) {
		if len(pat) > 64 || len(s) > 128 || !validUTF8(pat) || !validUTF8(s) {
			return
		}
		if fold && !isASCII(pat+s) {
			return // the matcher folds ASCII only; regexp folds Unicode
		}
		checkPattern(t, pat, s, arn, fold)
	})
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestParseVariable(t *testing.T) {
	for _, c := range []struct {
		in     string
		kind   tokKind
		text   string
		def    string
		hasDef bool
		n      int
		ok     bool
	}{
		{"${aws:username}", tVar, "aws:username", "", false, 15, true},
		{"${AWS:UserName}/x", tVar, "aws:username", "", false, 15, true},
		{"${aws:PrincipalTag/team, 'none'}", tVar, "aws:principaltag/team", "none", true, 32, true},
		{"${ k:x , 'a''b}c' }z", tVar, "k:x", "a'b}c", true, 19, true},
		{"${*}", tLit, "*", "", false, 4, true},
		{"${?}", tLit, "?", "", false, 4, true},
		{"${$}", tLit, "$", "", false, 4, true},
		{"${}", 0, "", "", false, 0, false},
		{"${aws:username", 0, "", "", false, 0, false},
		{"${k:x, unquoted}", 0, "", "", false, 0, false},
		{"${k:x, 'bad'quote'}", 0, "", "", false, 0, false},
	} {
		tok, n, ok := parseVariable(c.in)
		if ok != c.ok || (ok && (tok.kind != c.kind || tok.text != c.text || tok.def != c.def || tok.hasDef != c.hasDef || n != c.n)) {
			t.Errorf("parseVariable(%q) = %+v, %d, %v", c.in, tok, n, ok)
		}
	}
}
