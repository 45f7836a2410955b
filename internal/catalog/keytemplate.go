package catalog

import "strings"

// Some condition keys are templates: "aws:RequestTag/${TagKey}",
// "kms:EncryptionContext:${EncryptionContextKey}", "s3:ExistingObjectTag/<key>",
// even "token.actions.githubusercontent.com/${SubPath}:actor". A policy names
// a concrete key ("aws:RequestTag/team"), which matches the template when
// each ${...} or <...> placeholder can take one or more characters (any
// characters: tag keys may hold "/" and ":") and the literal text matches
// case-insensitively.

// keySegment is one piece of a compiled condition-key template: lower-cased
// literal text, or a placeholder.
type keySegment struct {
	lit         string
	placeholder bool
}

// keyTemplate is a compiled templated condition key.
type keyTemplate struct {
	segments []keySegment
	literal  int // characters of literal text, to prefer the most specific template
}

// compileKeyTemplate compiles name; ok is false when name has no
// placeholder (an ordinary key) or an unterminated one.
func compileKeyTemplate(name string) (t keyTemplate, ok bool) {
	lit := 0
	for i := 0; i < len(name); i++ {
		var end int
		switch {
		case strings.HasPrefix(name[i:], "${"):
			end = strings.IndexByte(name[i:], '}')
		case name[i] == '<':
			end = strings.IndexByte(name[i:], '>')
		default:
			continue
		}
		if end < 0 {
			return keyTemplate{}, false
		}
		if i > lit {
			t.segments = append(t.segments, keySegment{lit: lowerASCII(name[lit:i])})
			t.literal += i - lit
		}
		t.segments = append(t.segments, keySegment{placeholder: true})
		i += end
		lit = i + 1
	}
	if len(t.segments) == 0 {
		return keyTemplate{}, false
	}
	if lit < len(name) {
		t.segments = append(t.segments, keySegment{lit: lowerASCII(name[lit:])})
		t.literal += len(name) - lit
	}
	return t, true
}

// match reports whether the lower-cased concrete key matches the template.
func (t *keyTemplate) match(lower []byte) bool {
	return matchKeySegments(t.segments, lower)
}

// matchKeySegments matches segs against all of s, backtracking over the
// lengths of placeholder values. It works on bytes so that lookups of
// folded names need not convert them to strings.
func matchKeySegments(segs []keySegment, s []byte) bool {
	for len(segs) > 0 {
		seg := segs[0]
		if !seg.placeholder {
			if !hasPrefix(s, seg.lit) {
				return false
			}
			s, segs = s[len(seg.lit):], segs[1:]
			continue
		}
		if len(segs) == 1 {
			return len(s) > 0
		}
		for n := 1; n <= len(s); n++ {
			if matchKeySegments(segs[1:], s[n:]) {
				return true
			}
		}
		return false
	}
	return len(s) == 0
}

// hasPrefix reports whether s begins with prefix, without allocating.
func hasPrefix(s []byte, prefix string) bool {
	return len(s) >= len(prefix) && string(s[:len(prefix)]) == prefix
}

// keyNamespace returns the lower-cased text before the first colon of a
// key, or nothing when that text holds a placeholder (as in
// "agent.${Domain}.buildkite.dev:build_branch") or there is no colon.
func keyNamespace(lower []byte) []byte {
	for i, c := range lower {
		switch c {
		case ':':
			return lower[:i]
		case '$', '<':
			return nil
		}
	}
	return nil
}
