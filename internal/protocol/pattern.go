package protocol

import (
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"unicode/utf8"
)

// pattern is a compiled model pattern. Most AWS patterns are one character
// class repeated ([\w+=,.@-]+, [\u0009\u000A\u000D\u0020-\u00FF]*); those
// are checked with a lookup table instead of the regexp engine, which
// matters for long values such as policy documents.
type pattern struct {
	re *regexp.Regexp
	// class is non-nil when the whole pattern is class+ or class*.
	class *runeClass
}

// runeClass is a character class: a table for ASCII and sorted ranges for
// the rest.
type runeClass struct {
	ascii      [128]bool
	ranges     []rune // pairs lo, hi of non-ASCII ranges
	allowEmpty bool
}

// compilePattern compiles a model pattern for whole-value matching. The
// models are written for Java regular expressions, so \uXXXX escapes are
// rewritten for RE2. A pattern that is not anchored by itself must match
// the whole value. A pattern RE2 cannot compile (look-arounds, possessive
// quantifiers) is not enforced: nil is returned.
func compilePattern(p string) *pattern {
	src := javaUnicodeEscapes(p)
	if !strings.HasPrefix(src, "^") && !strings.HasSuffix(src, "$") {
		src = "^(?:" + src + ")$"
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil
	}
	return &pattern{re: re, class: classOf(src)}
}

// MatchString reports whether s matches the pattern.
func (p *pattern) MatchString(s string) bool {
	if p.class != nil {
		return p.class.matchAll(s)
	}
	return p.re.MatchString(s)
}

// classOf recognises ^class+$ and ^class*$ and builds their rune class.
func classOf(src string) *runeClass {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat || len(re.Sub) != 3 || re.Sub[0].Op != syntax.OpBeginText || re.Sub[2].Op != syntax.OpEndText {
		return nil
	}
	rep := re.Sub[1]
	if rep.Op != syntax.OpPlus && rep.Op != syntax.OpStar {
		return nil
	}
	cls := rep.Sub[0]
	var ranges []rune
	switch cls.Op {
	case syntax.OpCharClass:
		ranges = cls.Rune
	case syntax.OpLiteral:
		if cls.Flags&syntax.FoldCase != 0 {
			return nil
		}
		for _, r := range cls.Rune {
			ranges = append(ranges, r, r)
		}
	default:
		return nil
	}
	rc := &runeClass{allowEmpty: rep.Op == syntax.OpStar}
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		for r := lo; r <= hi && r < utf8.RuneSelf; r++ {
			rc.ascii[r] = true
		}
		if hi >= utf8.RuneSelf {
			rc.ranges = append(rc.ranges, max(lo, utf8.RuneSelf), hi)
		}
	}
	return rc
}

// matchAll reports whether every rune of s is in the class (and s is not
// empty unless the class may repeat zero times).
func (c *runeClass) matchAll(s string) bool {
	if s == "" {
		return c.allowEmpty
	}
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if !c.ascii[b] {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !c.contains(r) {
			return false
		}
		i += size
	}
	return true
}

func (c *runeClass) contains(r rune) bool {
	// ranges holds sorted, non-overlapping pairs; find the first pair whose
	// upper bound is not below r.
	n := len(c.ranges) / 2
	i := sort.Search(n, func(i int) bool { return c.ranges[2*i+1] >= r })
	return i < n && c.ranges[2*i] <= r
}

// javaUnicodeEscapes rewrites \uXXXX (Java) as \x{XXXX} (RE2), leaving
// escaped backslashes alone.
func javaUnicodeEscapes(p string) string {
	if !strings.Contains(p, `\u`) {
		return p
	}
	var sb strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' && i+1 < len(p) {
			if p[i+1] == 'u' && i+5 < len(p) && isHex4(p[i+2:i+6]) {
				sb.WriteString(`\x{`)
				sb.WriteString(p[i+2 : i+6])
				sb.WriteByte('}')
				i += 5
				continue
			}
			sb.WriteByte(c)
			sb.WriteByte(p[i+1])
			i++
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// javaPatternText spells a pattern as the AWS models (and so AWS's
// validation messages) do: RE2's \x{HHHH} escapes, which a generator may
// have produced from the model's \uHHHH, are turned back.
func javaPatternText(p string) string {
	if !strings.Contains(p, `\x{`) {
		return p
	}
	var sb strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' && i+1 < len(p) {
			if p[i+1] == 'x' && i+7 < len(p) && p[i+2] == '{' && isHex4(p[i+3:i+7]) && p[i+7] == '}' {
				sb.WriteString(`\u`)
				sb.WriteString(p[i+3 : i+7])
				i += 7
				continue
			}
			sb.WriteByte(c)
			sb.WriteByte(p[i+1])
			i++
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
