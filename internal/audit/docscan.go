package audit

import "encoding/json"

// The request and response documents embedded in a record are checked in one
// pass that both validates them (a record must stay parseable whatever a
// service passed) and spots strings equal to a secret name (RedactJSON's
// trigger). It is a small recursive-descent scanner: it does for these
// documents what encoding/json.Valid does, several times faster, because it
// skips over string contents eight bytes at a time instead of running a
// state-machine step per byte.

// maxDocDepth bounds the nesting of a document, as encoding/json does.
const maxDocDepth = 10000

// docCheck is the result of scanning a document.
type docCheck struct {
	valid bool
	// secretName is set when some string (member name or value) equals a
	// secret name, ignoring case: the document needs RedactJSON's rewrite.
	secretName bool
}

// checkDoc scans doc.
func checkDoc(doc []byte) docCheck {
	s := docScanner{b: doc}
	s.skipSpace()
	ok := s.value(0)
	s.skipSpace()
	return docCheck{valid: ok && s.i == len(s.b), secretName: s.secretName}
}

type docScanner struct {
	b          []byte
	i          int
	secretName bool
}

func (s *docScanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *docScanner) value(depth int) bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(depth + 1)
	case c == '[':
		return s.array(depth + 1)
	case c == '"':
		return s.string()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	return false
}

func (s *docScanner) object(depth int) bool {
	if depth > maxDocDepth {
		return false
	}
	s.i++ // {
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return true
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '"' || !s.string() {
			return false
		}
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		s.skipSpace()
		if !s.value(depth) {
			return false
		}
		s.skipSpace()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.skipSpace()
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

func (s *docScanner) array(depth int) bool {
	if depth > maxDocDepth {
		return false
	}
	s.i++ // [
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return true
	}
	for {
		if !s.value(depth) {
			return false
		}
		s.skipSpace()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.skipSpace()
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

// string scans a string starting at its opening quote, and notes whether it
// equals a secret name.
func (s *docScanner) string() bool {
	s.i++ // "
	start := s.i
	escaped := false
	for {
		// Skip eight plain bytes at a time; bytes of multi-byte characters
		// are plain too (JSON strings may hold any UTF-8).
		for s.i+8 <= len(s.b) && !hasQuoteBackslashOrControl(load64(s.b, s.i)) {
			s.i += 8
		}
		if s.i >= len(s.b) {
			return false
		}
		switch c := s.b[s.i]; {
		case c == '"':
			s.noteString(s.b[start:s.i], escaped)
			s.i++
			return true
		case c == '\\':
			escaped = true
			if !s.escape() {
				return false
			}
		case c < 0x20:
			return false
		default:
			s.i++
		}
	}
}

// escape scans an escape sequence starting at its backslash.
func (s *docScanner) escape() bool {
	if s.i+1 >= len(s.b) {
		return false
	}
	switch s.b[s.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i += 2
		return true
	case 'u':
		if s.i+6 > len(s.b) {
			return false
		}
		for _, h := range s.b[s.i+2 : s.i+6] {
			if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
				return false
			}
		}
		s.i += 6
		return true
	}
	return false
}

// noteString records whether the string with the raw contents raw is a
// secret name.
func (s *docScanner) noteString(raw []byte, escaped bool) {
	if s.secretName || len(raw) < minSecretName {
		return
	}
	if !escaped {
		if len(raw) <= maxSecretName && isSecretName(string(raw)) {
			s.secretName = true
		}
		return
	}
	// An escape spells at most one byte in six (\u0077), and escapes in
	// member names are rare: decoding is fine.
	if len(raw) > 6*maxSecretName {
		return
	}
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	var name string
	if json.Unmarshal(quoted, &name) == nil && isSecretName(name) {
		s.secretName = true
	}
}

func (s *docScanner) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *docScanner) number() bool {
	if s.b[s.i] == '-' {
		s.i++
	}
	if s.i >= len(s.b) {
		return false
	}
	if s.b[s.i] == '0' {
		s.i++
	} else if !s.digits() {
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits scans one or more decimal digits.
func (s *docScanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// Word-at-a-time byte tests (the classic "has a byte less than n" and "has a
// zero byte" bit tricks). They report whether any of the 8 bytes qualifies,
// exactly; which one is left to the byte loop.
const (
	lsb8 = 0x0101010101010101
	msb8 = 0x8080808080808080
)

// hasQuoteBackslashOrControl reports whether some byte of w is '"', '\\' or
// below 0x20.
func hasQuoteBackslashOrControl(w uint64) bool {
	ctl := (w - 0x20*lsb8) &^ w
	q := w ^ ('"' * lsb8)
	q = (q - lsb8) &^ q
	bs := w ^ ('\\' * lsb8)
	bs = (bs - lsb8) &^ bs
	return (ctl|q|bs)&msb8 != 0
}

// hasStringSpecial reports whether some byte of w needs more than copying in
// a JSON string appender: '"', '\\', below 0x20, or non-ASCII (to be checked
// as UTF-8).
func hasStringSpecial(w uint64) bool {
	return hasQuoteBackslashOrControl(w) || w&msb8 != 0
}

// load64 returns the 8 bytes of b at i as a little-endian word.
func load64(b []byte, i int) uint64 {
	b = b[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// load64s is load64 for strings.
func load64s(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
