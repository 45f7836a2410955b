package sigv4

import (
	"net/http"
	"strings"
	"time"
)

// algorithm is the only signing algorithm this package verifies.
const algorithm = "AWS4-HMAC-SHA256"

// terminator ends every SigV4 credential scope.
const terminator = "aws4_request"

// amzDateLayout is the ISO 8601 basic format of X-Amz-Date.
const amzDateLayout = "20060102T150405Z"

// authHeader is the parsed Authorization header of the header form. Its
// strings are substrings of the header value, so parsing does not allocate.
type authHeader struct {
	algorithm     string
	credential    string
	signedHeaders string
	signature     string

	hasCredential    bool
	hasSignedHeaders bool
	hasSignature     bool
}

// parseAuthorization parses an Authorization header value of the form
// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
//
// Like AWS, it takes the algorithm up to the first separator and then
// accepts the key=value parameters separated by commas, spaces or both, in
// any order. A parameter without '=' is an error; unknown parameters are
// ignored; a repeated parameter keeps its last value. Empty Credential and
// Signature values count as missing, which the caller reports.
func parseAuthorization(value string) (authHeader, *Error) {
	var a authHeader
	i := strings.IndexAny(value, " \t,")
	if i < 0 {
		a.algorithm = value
		return a, nil
	}
	a.algorithm = value[:i]
	rest := value[i:]
	for rest != "" {
		// Skip separators, then take one parameter.
		j := 0
		for j < len(rest) && isAuthSeparator(rest[j]) {
			j++
		}
		rest = rest[j:]
		if rest == "" {
			break
		}
		// Parameters are usually comma-separated; find the comma, then
		// cut at any space or tab before it (IndexByte is vectorized).
		j = strings.IndexByte(rest, ',')
		if j < 0 {
			j = len(rest)
		}
		if k := strings.IndexByte(rest[:j], ' '); k >= 0 {
			j = k
		}
		if k := strings.IndexByte(rest[:j], '\t'); k >= 0 {
			j = k
		}
		part := rest[:j]
		rest = rest[j:]
		eq := strings.IndexByte(part, '=')
		if eq < 0 {
			return a, errNotKeyValue(part, value)
		}
		key, val := part[:eq], part[eq+1:]
		switch key {
		case "Credential":
			a.credential, a.hasCredential = val, val != ""
		case "SignedHeaders":
			a.signedHeaders, a.hasSignedHeaders = val, true
		case "Signature":
			a.signature, a.hasSignature = val, val != ""
		}
	}
	return a, nil
}

func isAuthSeparator(c byte) bool {
	return c == ' ' || c == ',' || c == '\t'
}

// credential is a parsed X-Amz-Credential / Credential value
// "AKID/yyyymmdd/region/service/aws4_request". Its strings are substrings
// of the value it was parsed from.
type credential struct {
	accessKeyID string
	date        string
	region      string
	service     string
	terminator  string
	// scope is "date/region/service/terminator", as it appears in the
	// string to sign.
	scope string
}

// parseCredential splits a credential into its five slash-separated
// elements. Trailing slashes are ignored, as AWS does; any other number of
// elements than five is reported by ok=false.
func parseCredential(s string) (c credential, ok bool) {
	s = strings.TrimRight(s, "/")
	var parts [5]string
	rest := s
	for i := range 4 {
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return c, false
		}
		parts[i] = rest[:j]
		rest = rest[j+1:]
	}
	if strings.IndexByte(rest, '/') >= 0 {
		return c, false
	}
	parts[4] = rest
	c = credential{
		accessKeyID: parts[0],
		date:        parts[1],
		region:      parts[2],
		service:     parts[3],
		terminator:  parts[4],
		scope:       s[len(parts[0])+1:],
	}
	return c, true
}

// parseAmzDate parses an ISO 8601 basic-format UTC timestamp
// (yyyymmddThhmmssZ) without allocating. It rejects anything else,
// including out-of-range fields that time.Date would silently normalize.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(amzDateLayout) || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(4, 6)
	day, ok3 := num(6, 8)
	hour, ok4 := num(9, 11)
	minute, ok5 := num(11, 13)
	sec, ok6 := num(13, 15)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return time.Time{}, false
	}
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, false // e.g. February 30
	}
	return t, true
}

// parseDateHeader parses the HTTP Date header, which AWS accepts in place
// of X-Amz-Date: an HTTP date (RFC 1123 and the other formats of
// http.ParseTime) or the ISO 8601 basic format.
func parseDateHeader(s string) (time.Time, bool) {
	if t, ok := parseAmzDate(s); ok {
		return t, true
	}
	t, err := http.ParseTime(s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// formatAmzDate formats t in the ISO 8601 basic format, in UTC.
func formatAmzDate(t time.Time) string {
	return t.UTC().Format(amzDateLayout)
}

// queryIter walks the parameters of a raw (still percent-encoded) query
// string, skipping empty segments as net/url does. A parameter without '='
// has an empty value.
type queryIter struct {
	rest string
}

func (it *queryIter) next() (key, value string, ok bool) {
	for it.rest != "" {
		var seg string
		if i := strings.IndexByte(it.rest, '&'); i >= 0 {
			seg, it.rest = it.rest[:i], it.rest[i+1:]
		} else {
			seg, it.rest = it.rest, ""
		}
		if seg == "" {
			continue
		}
		if i := strings.IndexByte(seg, '='); i >= 0 {
			return seg[:i], seg[i+1:], true
		}
		return seg, "", true
	}
	return "", "", false
}

// unhex returns the value of a hex digit, or -1.
func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// decodeQueryByte decodes the query-component byte at s[i] ('+' is a
// space, %XX an escape) and returns it with the number of input bytes
// consumed. A '%' not followed by two hex digits stands for itself, so
// malformed input never fails; it simply does not match what an honest
// client signed.
func decodeQueryByte(s string, i int) (byte, int) {
	switch c := s[i]; c {
	case '+':
		return ' ', 1
	case '%':
		if i+2 < len(s) {
			if h, l := unhex(s[i+1]), unhex(s[i+2]); h >= 0 && l >= 0 {
				return byte(h<<4 | l), 3
			}
		}
		return '%', 1
	default:
		return c, 1
	}
}

// queryUnescape decodes a raw query component. It allocates only when the
// component contains escapes.
func queryUnescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c, n := decodeQueryByte(s, i)
		b = append(b, c)
		i += n
	}
	return string(b)
}

// queryKeyIs reports whether the raw query component key decodes to name,
// without allocating.
func queryKeyIs(key, name string) bool {
	if len(key) < len(name) {
		return false
	}
	j := 0
	for i := 0; i < len(key); {
		c, n := decodeQueryByte(key, i)
		if j >= len(name) || name[j] != c {
			return false
		}
		i += n
		j++
	}
	return j == len(name)
}

// queryLookup returns the decoded value of the first parameter named name
// in the raw query string.
func queryLookup(rawQuery, name string) (string, bool) {
	it := queryIter{rest: rawQuery}
	for {
		k, v, ok := it.next()
		if !ok {
			return "", false
		}
		if queryKeyIs(k, name) {
			return queryUnescape(v), true
		}
	}
}
