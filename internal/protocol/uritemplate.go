package protocol

import (
	"net/url"
	"strings"
)

// segKind orders template segments by specificity: a literal beats a
// label, which beats a greedy label.
type segKind uint8

const (
	segGreedy segKind = iota
	segLabel
	segLiteral
)

type tmplSeg struct {
	kind segKind
	// text is the literal, or the label name without braces and '+'.
	text string
}

// queryLit is a query-string requirement of a template: "?list" needs the
// key list, "?type=x" needs type=x.
type queryLit struct {
	key, value string
	hasValue   bool
}

// uriTemplate is a parsed rest-json requestUri such as
// "/detector/{DetectorId}/findings" or "/{Bucket}/{Key+}?uploads".
type uriTemplate struct {
	segs  []tmplSeg
	query []queryLit
}

// parseURITemplate parses a model requestUri. A trailing slash is ignored,
// as it is when matching.
func parseURITemplate(s string) uriTemplate {
	var t uriTemplate
	path, q, _ := strings.Cut(s, "?")
	for _, seg := range splitPath(path) {
		switch {
		case len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}':
			name := seg[1 : len(seg)-1]
			if strings.HasSuffix(name, "+") {
				t.segs = append(t.segs, tmplSeg{kind: segGreedy, text: strings.TrimSuffix(name, "+")})
			} else {
				t.segs = append(t.segs, tmplSeg{kind: segLabel, text: name})
			}
		default:
			t.segs = append(t.segs, tmplSeg{kind: segLiteral, text: seg})
		}
	}
	if q != "" {
		for _, item := range strings.Split(q, "&") {
			if item == "" {
				continue
			}
			k, v, hasValue := strings.Cut(item, "=")
			t.query = append(t.query, queryLit{key: k, value: v, hasValue: hasValue})
		}
	}
	return t
}

// splitPath splits an (escaped) path into segments, without the leading
// slash and one trailing slash: "/a/b/" → [a b], "/" → [].
func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match matches the escaped path segments and the query of a request
// against t and returns the decoded label values (nil when t has none).
func (t *uriTemplate) match(segs []string, query func() url.Values) (map[string]string, bool) {
	var params map[string]string
	i := 0
	for _, ts := range t.segs {
		switch ts.kind {
		case segLiteral:
			if i >= len(segs) || !literalEqual(segs[i], ts.text) {
				return nil, false
			}
			i++
		case segLabel:
			if i >= len(segs) || segs[i] == "" {
				return nil, false
			}
			v, err := url.PathUnescape(segs[i])
			if err != nil {
				return nil, false
			}
			if params == nil {
				params = make(map[string]string, 2)
			}
			params[ts.text] = v
			i++
		case segGreedy:
			rest := strings.Join(segs[i:], "/")
			if rest == "" {
				return nil, false
			}
			v, err := url.PathUnescape(rest)
			if err != nil {
				return nil, false
			}
			if params == nil {
				params = make(map[string]string, 2)
			}
			params[ts.text] = v
			i = len(segs)
		}
	}
	if i != len(segs) {
		return nil, false
	}
	if len(t.query) > 0 {
		q := query()
		for _, ql := range t.query {
			vals, ok := q[ql.key]
			if !ok {
				return nil, false
			}
			if ql.hasValue && (len(vals) == 0 || vals[0] != ql.value) {
				return nil, false
			}
		}
	}
	return params, true
}

// literalEqual compares an escaped request segment with a template literal.
func literalEqual(seg, lit string) bool {
	if seg == lit {
		return true
	}
	if !strings.Contains(seg, "%") {
		return false
	}
	v, err := url.PathUnescape(seg)
	return err == nil && v == lit
}

// moreSpecific reports whether a is a more specific template than b for
// the same request: the first segment where they differ decides (literal
// over label over greedy label); then the one with more segments, then the
// one with more query requirements.
func moreSpecific(a, b *uriTemplate) bool {
	n := min(len(a.segs), len(b.segs))
	for i := 0; i < n; i++ {
		if a.segs[i].kind != b.segs[i].kind {
			return a.segs[i].kind > b.segs[i].kind
		}
	}
	if len(a.segs) != len(b.segs) {
		return len(a.segs) > len(b.segs)
	}
	return len(a.query) > len(b.query)
}
