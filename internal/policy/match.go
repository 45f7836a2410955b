package policy

import (
	"strings"
	"unicode/utf8"
)

// This file compiles and matches the patterns of Action, Resource and the
// string and ARN condition operators.
//
// Wildcards: "*" matches any run of characters and "?" any one character.
// In ARN patterns (Resource, NotResource, Arn* operators) a "*" stays inside
// its colon-separated segment unless it is the last character of that segment
// (followed by ":" or the end of the pattern), in which case it may expand
// across colons, as the Resource element page documents:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html

type tokKind uint8

const (
	tLit     tokKind = iota // literal text
	tVar                    // policy variable, resolved from the request context
	tStar                   // "*" that may cross colons
	tSegStar                // "*" confined to one ARN segment
	tOne                    // "?"
)

type token struct {
	kind   tokKind
	text   string // literal text, or the lower-cased context key of a variable
	def    string // default value of a variable
	hasDef bool
}

// pattern is one compiled pattern.
type pattern struct {
	any     bool   // the pattern is "*" alone and matches everything
	literal bool   // no wildcards, no variables: compare text
	prefix  bool   // literal text then a final "*": compare the prefix
	fold    bool   // ignore ASCII case
	text    string // the literal text, or prefix
	// parts, when set, is the pattern split at its stars, for patterns whose
	// only wildcards are stars that may cross colons and that have no
	// variables: such a pattern matches greedily, part by part.
	parts []string
	toks  []token
	// segStars marks patterns with a star confined to an ARN segment, which
	// the greedy matcher cannot handle (see matchSegmented).
	segStars bool
}

// patternOpts says how to read a pattern's text.
type patternOpts struct {
	wildcards bool // "*" and "?" are wildcards
	arn       bool // apply the ARN segment rule to "*"
	vars      bool // interpret ${...} policy variables
	fold      bool // match ignoring case
}

func compilePattern(s string, o patternOpts) pattern {
	p := pattern{fold: o.fold}
	if o.wildcards && s == "*" {
		p.any = true
		return p
	}
	special := "$"
	if o.wildcards {
		special = "*?$"
	}
	if !o.vars {
		special = special[:len(special)-1]
	}
	if special == "" || strings.IndexAny(s, special) < 0 {
		p.literal, p.text = true, s
		return p
	}
	// Tokenize into a stack buffer; literal tokens are substrings of s.
	var buf [8]token
	toks := buf[:0]
	lit := func(t string) {
		if t == "" {
			return
		}
		if n := len(toks); n > 0 && toks[n-1].kind == tLit {
			toks[n-1].text += t // only after an escape such as ${*}
			return
		}
		toks = append(toks, token{kind: tLit, text: t})
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case o.vars && c == '$' && i+1 < len(s) && s[i+1] == '{':
			if v, n, ok := parseVariable(s[i:]); ok {
				if v.kind == tLit {
					lit(v.text)
				} else {
					toks = append(toks, v)
				}
				i += n
				continue
			}
			lit("$")
			i++
		case o.wildcards && c == '*':
			k := tStar
			if o.arn && i+1 < len(s) && s[i+1] != ':' {
				k = tSegStar
			}
			toks = append(toks, token{kind: k})
			i++
		case o.wildcards && c == '?':
			toks = append(toks, token{kind: tOne})
			i++
		default:
			j := i + 1
			for j < len(s) && s[j] != '*' && s[j] != '?' && s[j] != '$' {
				j++
			}
			lit(s[i:j])
			i = j
		}
	}
	switch {
	case len(toks) == 0:
		p.literal = true
		return p
	case len(toks) == 1 && toks[0].kind == tLit:
		p.literal, p.text = true, toks[0].text
		return p
	case len(toks) == 2 && toks[0].kind == tLit && toks[1].kind == tStar:
		p.prefix, p.text = true, toks[0].text
		return p
	}
	p.toks = append([]token(nil), toks...)
	for _, t := range p.toks {
		p.segStars = p.segStars || t.kind == tSegStar
	}
	if !o.fold {
		p.parts = splitAtStars(p.toks)
	}
	return p
}

// match reports whether s matches the pattern. Variables resolve from ctx;
// an unresolvable variable never matches.
func (p *pattern) match(s string, ctx *Context) bool {
	switch {
	case p.any:
		return true
	case p.literal:
		if p.fold {
			return len(s) == len(p.text) && strings.EqualFold(s, p.text)
		}
		return s == p.text
	case p.prefix:
		return len(s) >= len(p.text) && equalText(s[:len(p.text)], p.text, p.fold)
	case p.parts != nil:
		return matchParts(p.parts, s)
	case p.segStars:
		return matchSegmented(p.toks, s, p.fold, ctx)
	}
	return matchTokens(p.toks, s, p.fold, ctx)
}

// splitAtStars returns the literal parts between the stars of toks, or nil
// when toks holds anything but literals and free stars.
func splitAtStars(toks []token) []string {
	n := 1
	for _, t := range toks {
		switch t.kind {
		case tLit:
		case tStar:
			n++
		default:
			return nil
		}
	}
	parts := make([]string, n)
	k := 0
	for _, t := range toks {
		if t.kind == tStar {
			k++
		} else {
			parts[k] = t.text // tokens merge adjacent literals: one per part
		}
	}
	return parts
}

// matchParts matches a pattern split at its stars: the first part is a
// prefix, the last a suffix, and the others must appear in order between
// them. Taking each middle part at its first occurrence is always safe.
func matchParts(parts []string, s string) bool {
	first, last := parts[0], parts[len(parts)-1]
	if len(s) < len(first)+len(last) || s[:len(first)] != first || s[len(s)-len(last):] != last {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return true
}

// matchTokens is the classic iterative wildcard matcher for patterns whose
// stars may all cross colons: on a mismatch it retries only from the last
// star, one position further (or straight at the next occurrence of the
// literal after it). That is complete because a later star can absorb
// anything an earlier star would. It is O(len(s)·len(toks)).
func matchTokens(toks []token, s string, fold bool, ctx *Context) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tStar, tSegStar:
				starT, starS = ti, si
				ti++
				continue
			case tOne:
				if si < len(s) {
					_, size := utf8.DecodeRuneInString(s[si:])
					si += size
					ti++
					continue
				}
			default:
				text := t.text
				if t.kind == tVar {
					v, ok := ctx.variable(t)
					if !ok {
						return false
					}
					text = v
				}
				if len(s)-si >= len(text) && equalText(s[si:si+len(text)], text, fold) {
					si += len(text)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starT < 0 || starS >= len(s) {
			return false
		}
		next := starS + 1
		if starT+1 < len(toks) && toks[starT+1].kind == tLit && !fold {
			j := strings.Index(s[next:], toks[starT+1].text)
			if j < 0 {
				return false
			}
			next += j
		}
		starS = next
		ti, si = starT+1, starS
	}
}

// maxSegmentedProgram bounds the patterns matchSegmented runs without
// allocating: longer ones (rare) allocate their program.
const maxSegmentedProgram = 256

// progStep is one step of a pattern flattened to characters.
type progStep struct {
	kind tokKind // tLit (one character), tStar, tSegStar or tOne
	r    rune
}

// matchSegmented matches patterns that have stars confined to an ARN
// segment. The greedy retry of matchTokens is not complete for them (an
// earlier star may have to grow so that a "?" or a literal colon, not the
// confined star, takes a colon), and full backtracking can take exponential
// time on text the caller controls, so this runs the pattern as a dynamic
// program over its characters: O(len(s)·len(pattern)), without allocating
// for patterns of up to maxSegmentedProgram characters.
func matchSegmented(toks []token, s string, fold bool, ctx *Context) bool {
	var buf [maxSegmentedProgram]progStep
	prog := buf[:0]
	for i := range toks {
		t := &toks[i]
		switch t.kind {
		case tLit, tVar:
			text := t.text
			if t.kind == tVar {
				v, ok := ctx.variable(t)
				if !ok {
					return false
				}
				text = v
			}
			for _, r := range text {
				prog = append(prog, progStep{kind: tLit, r: r})
			}
		default:
			prog = append(prog, progStep{kind: t.kind})
		}
	}
	m := len(prog)
	var cells [2 * (maxSegmentedProgram + 1)]bool
	var prev, cur []bool
	if m <= maxSegmentedProgram {
		prev, cur = cells[:m+1], cells[m+1:2*(m+1)]
	} else {
		prev, cur = make([]bool, m+1), make([]bool, m+1)
	}
	// prev[j]: the first j steps match the text consumed so far.
	prev[0] = true
	for j := 1; j <= m; j++ {
		k := prog[j-1].kind
		prev[j] = prev[j-1] && (k == tStar || k == tSegStar)
	}
	for _, c := range s {
		alive := false
		cur[0] = false
		for j := 1; j <= m; j++ {
			st := &prog[j-1]
			var v bool
			switch st.kind {
			case tStar:
				v = cur[j-1] || prev[j]
			case tSegStar:
				v = cur[j-1] || (prev[j] && c != ':')
			case tOne:
				v = prev[j-1]
			default:
				v = prev[j-1] && (st.r == c || (fold && foldRune(st.r) == foldRune(c)))
			}
			cur[j] = v
			alive = alive || v
		}
		if !alive {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[m]
}

// foldRune lower-cases an ASCII letter.
func foldRune(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

func equalText(a, b string, fold bool) bool {
	if fold {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// actionPattern is one compiled entry of Action or NotAction. The service
// prefix is literal (AWS forbids wildcards in it), so statements can be
// indexed by service.
type actionPattern struct {
	all     bool   // "*"
	service string // lower-cased service prefix
	name    pattern
}

func compileAction(a string) actionPattern {
	if a == "*" {
		return actionPattern{all: true}
	}
	i := strings.IndexByte(a, ':')
	return actionPattern{
		service: strings.ToLower(a[:i]),
		name:    compilePattern(a[i+1:], patternOpts{wildcards: true, fold: true}),
	}
}

// match reports whether the request action matches, given its lower-cased
// service prefix and its name (any case).
func (ap *actionPattern) match(svc []byte, name string, hasName bool) bool {
	if ap.all {
		return true
	}
	if !hasName || string(svc) != ap.service {
		return false
	}
	return ap.name.match(name, nil)
}
