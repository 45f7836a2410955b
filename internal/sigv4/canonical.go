package sigv4

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// This file builds the parts of the SigV4 canonical request:
//
//	Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//
// exactly as AWS's SDKs do, from the request as it arrived on the wire.

const upperHex = "0123456789ABCDEF"

// unreserved marks the RFC 3986 unreserved bytes (A-Z a-z 0-9 - . _ ~),
// the only ones SigV4 leaves unencoded.
var unreserved = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-._~" {
		t[c] = true
	}
	return t
}()

// appendEncodedByte appends c as SigV4 URI-encodes it: unchanged if
// unreserved, otherwise %XX with upper-case hex digits.
func appendEncodedByte(dst []byte, c byte) []byte {
	if unreserved[c] {
		return append(dst, c)
	}
	return append(dst, '%', upperHex[c>>4], upperHex[c&15])
}

// appendURIEncoded appends s URI-encoded the SigV4 way, leaving '/'
// unencoded when keepSlash is set (for paths).
func appendURIEncoded(dst []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '/' && keepSlash {
			dst = append(dst, c)
			continue
		}
		dst = appendEncodedByte(dst, c)
	}
	return dst
}

// appendQueryComponent decodes a raw query-string name or value ('+' is a
// space, as net/url and the Go SDK read it) and appends its SigV4
// encoding.
func appendQueryComponent(dst []byte, raw string) []byte {
	for i := 0; i < len(raw); {
		c, n := decodeQueryByte(raw, i)
		dst = appendEncodedByte(dst, c)
		i += n
	}
	return dst
}

// requestPath returns the request path exactly as the client sent it on
// the wire (still percent-encoded), "/" if empty. The SDKs sign the path
// they send, so the verifier must not re-derive it from the decoded
// r.URL.Path: "/detector/abc%2Fdef" and "/detector/abc/def" differ.
func requestPath(r *http.Request) string {
	if u := r.RequestURI; u != "" {
		switch {
		case u[0] == '/':
			if i := strings.IndexByte(u, '?'); i >= 0 {
				u = u[:i]
			}
			return u
		case strings.Contains(u, "://"):
			// Absolute form: scheme://authority/path?query.
			u = u[strings.Index(u, "://")+3:]
			i := strings.IndexAny(u, "/?#")
			if i < 0 || u[i] != '/' {
				return "/"
			}
			u = u[i:]
			if j := strings.IndexAny(u, "?#"); j >= 0 {
				u = u[:j]
			}
			return u
		}
	}
	if r.URL == nil {
		return "/"
	}
	if o := r.URL.Opaque; o != "" {
		// A client-side request pre-escaped as "//host/path", as the Go
		// SDK documents; take the path after the authority.
		if i := strings.IndexByte(o, '?'); i >= 0 {
			o = o[:i]
		}
		o = strings.TrimPrefix(o, "//")
		if i := strings.IndexByte(o, '/'); i >= 0 {
			return o[i:]
		}
		return "/"
	}
	if p := r.URL.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// appendCanonicalURICandidate appends the canonical URI of a request whose
// wire path is path, in the way numbered attempt (0 or 1) of the ways
// clients are known to sign it; ok=false means there is no such attempt
// (the second way would give the same result as the first).
//
// For every service but S3, the SDKs (aws-sdk-go-v2's signer and botocore
// alike) URI-encode the already-encoded wire path once more, keeping '/':
// "/detector/abc%2Fdef" becomes "/detector/abc%252Fdef". botocore also
// removes dot segments and repeated slashes first and aws-sdk-go-v2 does
// not, so attempt 1 is the normalized path when that differs.
//
// S3 signs the path encoded once: attempt 0 decodes the wire path and
// re-encodes it the SigV4 way, which makes equivalent encodings agree;
// attempt 1 is the wire path as it is, which aws-sdk-go-v2 signs for S3
// when its escaping differs from SigV4's.
func appendCanonicalURICandidate(dst []byte, path string, s3 bool, attempt int) ([]byte, bool) {
	switch {
	case !s3 && attempt == 0:
		return appendURIEncoded(dst, path, true), true
	case !s3:
		norm, changed := normalizePath(path)
		if !changed {
			return dst, false
		}
		return appendURIEncoded(dst, norm, true), true
	case attempt == 0:
		return appendS3Path(dst, path), true
	default:
		start := len(dst)
		if string(appendS3Path(dst, path)[start:]) == path {
			return dst, false
		}
		return append(dst, path...), true
	}
}

// appendS3Path appends path decoded and re-encoded once, keeping '/' but
// not an encoded "%2F".
func appendS3Path(dst []byte, path string) []byte {
	for i := 0; i < len(path); {
		c := path[i]
		n := 1
		if c == '%' && i+2 < len(path) {
			if h, l := unhex(path[i+1]), unhex(path[i+2]); h >= 0 && l >= 0 {
				c, n = byte(h<<4|l), 3
			}
		}
		if c == '/' && n == 1 {
			dst = append(dst, c)
		} else {
			dst = appendEncodedByte(dst, c)
		}
		i += n
	}
	return dst
}

// normalizePath removes empty and dot segments from a path the way
// botocore does before signing (RFC 3986 remove_dot_segments, plus
// collapsing repeated slashes). It reports whether the path changed; the
// Go SDK signs paths unnormalized, so the verifier tries both.
func normalizePath(p string) (string, bool) {
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return p, false
	}
	segs := strings.Split(p, "/")
	out := segs[:0]
	for _, s := range segs {
		switch s {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	var b strings.Builder
	if strings.HasPrefix(p, "/") {
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(out, "/"))
	if strings.HasSuffix(p, "/") && len(out) > 0 {
		b.WriteByte('/')
	}
	n := b.String()
	return n, n != p
}

// queryPair locates one encoded parameter in scratch.qbuf: the name is
// qbuf[k0:k1], the value qbuf[k1:v1].
type queryPair struct {
	k0, k1, v1 int
}

// appendCanonicalQuery appends the canonical query string: every parameter
// name and value decoded from the wire and URI-encoded the SigV4 way,
// sorted by encoded name and then encoded value (AWS sorts after
// encoding), joined as name=value with '&'. A parameter without '=' gets
// an empty value. For presigned requests X-Amz-Signature is left out.
func appendCanonicalQuery(dst []byte, s *scratch, rawQuery string, presigned bool) []byte {
	if rawQuery == "" {
		return dst
	}
	s.qbuf = s.qbuf[:0]
	s.pairs = s.pairs[:0]
	it := queryIter{rest: rawQuery}
	for {
		k, v, ok := it.next()
		if !ok {
			break
		}
		k0 := len(s.qbuf)
		s.qbuf = appendQueryComponent(s.qbuf, k)
		k1 := len(s.qbuf)
		if presigned && string(s.qbuf[k0:k1]) == "X-Amz-Signature" {
			s.qbuf = s.qbuf[:k0]
			continue
		}
		s.qbuf = appendQueryComponent(s.qbuf, v)
		s.pairs = append(s.pairs, queryPair{k0, k1, len(s.qbuf)})
	}
	q := s.qbuf
	if len(s.pairs) > 1 {
		slices.SortFunc(s.pairs, func(a, b queryPair) int {
			if c := bytes.Compare(q[a.k0:a.k1], q[b.k0:b.k1]); c != 0 {
				return c
			}
			return bytes.Compare(q[a.k1:a.v1], q[b.k1:b.v1])
		})
	}
	for i, p := range s.pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, q[p.k0:p.k1]...)
		dst = append(dst, '=')
		dst = append(dst, q[p.k1:p.v1]...)
	}
	return dst
}

// signsHost reports whether the signed-headers list includes the host
// (case-insensitively, as AWS checks it), which AWS requires.
func signsHost(signedHeaders string) bool {
	for rest := signedHeaders; ; {
		name, tail, more := strings.Cut(rest, ";")
		if strings.EqualFold(name, "host") || name == ":authority" {
			return true
		}
		if !more {
			return false
		}
		rest = tail
	}
}

// appendCanonicalHeaders appends one "name:value\n" line per signed header,
// in the order of the signed-headers list (which the signer sorted). Names
// are lower-cased; values are trimmed, inner runs of spaces collapsed, and
// repeated headers joined with ',' in arrival order.
func appendCanonicalHeaders(dst []byte, r *http.Request, signedHeaders string) []byte {
	if signedHeaders == "" {
		return dst
	}
	for rest := signedHeaders; ; {
		name, tail, more := strings.Cut(rest, ";")
		for i := 0; i < len(name); i++ {
			c := name[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
		dst = append(dst, ':')
		dst = appendHeaderValue(dst, r, name)
		dst = append(dst, '\n')
		if !more {
			return dst
		}
		rest = tail
	}
}

// appendHeaderValue appends the canonical value of the header name.
func appendHeaderValue(dst []byte, r *http.Request, name string) []byte {
	if strings.EqualFold(name, "host") || name == ":authority" {
		// Go moves the Host header (and HTTP/2's :authority) to r.Host.
		host := r.Host
		if host == "" && r.URL != nil {
			host = r.URL.Host
		}
		return appendTrimmedValue(dst, host)
	}
	values := headerValues(r.Header, name)
	if len(values) == 0 && strings.EqualFold(name, "content-length") && r.ContentLength > 0 {
		// Requests built client-side keep the length out of r.Header.
		return strconv.AppendInt(dst, r.ContentLength, 10)
	}
	for i, v := range values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendTrimmedValue(dst, v)
	}
	return dst
}

// headerValues returns the values of the header name, matched
// case-insensitively, without allocating for ordinary header names.
func headerValues(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) <= len(buf) {
		// Build the canonical MIME form ("x-amz-date" -> "X-Amz-Date"),
		// under which net/http stores headers; indexing a map with
		// string(bytes) does not allocate.
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(buf[:len(name)])]; ok {
			return v
		}
	}
	// Headers set without canonicalization, or with unusual names.
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// appendTrimmedValue appends a header value with leading and trailing
// white space removed and inner runs of spaces collapsed to one, as the
// SigV4 specification and the SDKs do.
func appendTrimmedValue(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	if !hasDoubleSpace(v) {
		return append(dst, v...)
	}
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}

// hasDoubleSpace reports whether v contains two consecutive spaces. Header
// values have few spaces, so hopping between them with the vectorized
// IndexByte beats a substring search.
func hasDoubleSpace(v string) bool {
	for {
		i := strings.IndexByte(v, ' ')
		if i < 0 || i+1 >= len(v) {
			return false
		}
		if v[i+1] == ' ' {
			return true
		}
		v = v[i+2:]
	}
}
