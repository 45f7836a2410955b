package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// translatePattern rewrites a botocore pattern, a Java regular expression,
// in RE2 syntax. It converts \uXXXX escapes (joining escaped surrogate pairs
// into one code point, as Java does) to \x{XXXX} and rejects the Java
// constructs RE2 would accept with another meaning (backreferences, \v,
// nested classes, class intersections). Whatever else RE2 cannot express
// (lookarounds, possessive quantifiers, atomic groups, unknown classes) is
// caught by compiling the result. The error says why a pattern is dropped.
func translatePattern(p string) (string, error) {
	var out strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			i++
			e := p[i]
			switch {
			case e == 'u':
				r, n, err := javaUnicodeEscape(p[i-1:])
				if err != nil {
					return "", err
				}
				fmt.Fprintf(&out, `\x{%04X}`, r)
				i += n - 2
			case e >= '1' && e <= '9':
				return "", fmt.Errorf("backreference \\%c", e)
			case e == 'v':
				return "", fmt.Errorf(`\v is vertical whitespace in Java but a VT character in RE2`)
			default:
				out.WriteByte('\\')
				out.WriteByte(e)
			}
			continue
		case c == '[' && inClass:
			return "", fmt.Errorf("nested character class (a union in Java)")
		case c == '[':
			inClass = true
			out.WriteByte(c)
			// A ']' right after '[' or '[^' is literal in both syntaxes.
			if strings.HasPrefix(p[i+1:], "^") {
				i++
				out.WriteByte('^')
			}
			if strings.HasPrefix(p[i+1:], "]") {
				i++
				out.WriteByte(']')
			}
			continue
		case c == ']' && inClass:
			inClass = false
		case c == '&' && inClass && strings.HasPrefix(p[i:], "&&"):
			return "", fmt.Errorf("character class intersection")
		}
		out.WriteByte(c)
	}
	re := out.String()
	if _, err := regexp.Compile(`^(?:` + re + `)$`); err != nil {
		return "", err
	}
	return re, nil
}

// javaUnicodeEscape decodes the \uXXXX escape at the start of s (exactly four
// hex digits, as in Java), joined with a following \uXXXX low surrogate when
// it is a high surrogate. It returns the code point and the bytes consumed.
func javaUnicodeEscape(s string) (rune, int, error) {
	hex4 := func(s string) (rune, bool) {
		if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(s[2:6], 16, 16)
		return rune(v), err == nil
	}
	r, ok := hex4(s)
	if !ok {
		return 0, 0, fmt.Errorf("malformed \\u escape in %q", s)
	}
	if utf16.IsSurrogate(r) && r < 0xDC00 {
		if lo, ok := hex4(s[6:]); ok && lo >= 0xDC00 && lo <= 0xDFFF {
			return utf16.DecodeRune(r, lo), 12, nil
		}
	}
	return r, 6, nil
}
