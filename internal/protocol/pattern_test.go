package protocol

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// Patterns from the IAM, STS, KMS and GuardDuty models.
var modelPatterns = []string{
	`[\w+=,.@-]+`,
	`[\w+=,.@-]*`,
	`[\p{L}\p{Z}\p{N}_.:/=+\-@]+`,
	`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`,
	`[\u0009\u000A\u000D\u0020-\u00FF]+`,
	`[\u0009\u000A\u000D\u0020-\u10FFFF]+`,
	`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`,
	`[\u0020-\u00FF]*`,
	`^[a-zA-Z0-9:/_-]+$`,
	`[a-z0-9]`,
	`x+`,
	`^arn:aws`,
	`\S+`,
}

func TestPatternFastPathAgreesWithRegexp(t *testing.T) {
	alphabet := []rune("aZ09_+=,.@-/: \t\n\r\x00\x7f\u00e9\u00ff\u0100\u4e16😀\u2028\ufffd")
	rng := rand.New(rand.NewSource(1))
	for _, p := range modelPatterns {
		cp := compilePattern(p)
		if cp == nil {
			t.Fatalf("%s did not compile", p)
		}
		src := javaUnicodeEscapes(p)
		if !strings.HasPrefix(src, "^") && !strings.HasSuffix(src, "$") {
			src = "^(?:" + src + ")$"
		}
		ref := regexp.MustCompile(src)
		for i := 0; i < 3000; i++ {
			n := rng.Intn(6)
			var sb strings.Builder
			for j := 0; j < n; j++ {
				sb.WriteRune(alphabet[rng.Intn(len(alphabet))])
			}
			s := sb.String()
			if i%100 == 0 {
				s += "\xff" // invalid UTF-8
			}
			if got, want := cp.MatchString(s), ref.MatchString(s); got != want {
				t.Fatalf("pattern %s, value %q: fast %v, regexp %v", p, s, got, want)
			}
		}
	}
}

func TestPatternFastPathChosen(t *testing.T) {
	for p, fast := range map[string]bool{
		`[\w+=,.@-]+`: true, `[\u0009\u000A\u000D\u0020-\u00FF]+`: true, `x*`: true,
		`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`: false, `^arn:aws`: false, `[a-z]{1,3}`: false,
	} {
		if got := compilePattern(p).class != nil; got != fast {
			t.Errorf("%s: fast path %v, want %v", p, got, fast)
		}
	}
	if compilePattern(`(?=x)y`) != nil {
		t.Error("look-ahead compiled")
	}
}

func TestJavaPatternText(t *testing.T) {
	for in, want := range map[string]string{
		`\x{002F}[\x{0021}-\x{007F}]*`: `\u002F[\u0021-\u007F]*`,
		`\\x{0020}`:                    `\\x{0020}`,
		`\x{10FFFF}`:                   `\x{10FFFF}`,
		`[\w+=,.@-]+`:                  `[\w+=,.@-]+`,
	} {
		if got := javaPatternText(in); got != want {
			t.Errorf("%s: got %s want %s", in, got, want)
		}
	}
}

func TestJavaUnicodeEscapes(t *testing.T) {
	for in, want := range map[string]string{
		`[\u0020-\u00FF]`: `[\x{0020}-\x{00FF}]`,
		`\\u0020`:         `\\u0020`,
		`\u12`:            `\u12`,
		`plain`:           `plain`,
	} {
		if got := javaUnicodeEscapes(in); got != want {
			t.Errorf("%s: got %s want %s", in, got, want)
		}
	}
}
