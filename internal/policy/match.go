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
	text   string // literal text, or the lower-cased context key of a variable
	def    string // default value of a variable
	hash   uint32 // keyHash of a variable's key
	kind   tokKind
	hasDef bool
}

// patKind says how a pattern matches, from the cheapest test to the most
// general.
type patKind uint8

const (
	patTokens    patKind = iota // run toks with matchTokens
	patAny                      // the pattern is "*" alone and matches everything
	patLiteral                  // no wildcards, no variables: compare text
	patPrefix                   // literal text then a final "*": compare the prefix
	patStars                    // only literals and stars that may cross colons: matchStars
	patSegmented                // a star confined to an ARN segment: matchSegmented
)

// pattern is one compiled pattern.
type pattern struct {
	kind patKind
	fold bool // ignore ASCII case
	// text is the literal text of patLiteral; for every other kind but
	// patAny, the literal the pattern starts with (maybe ""), which match
	// compares before it runs the rest.
	text string
	// toks are the tokens after text, for patStars, patSegmented and
	// patTokens.
	toks []token
}

// patternOpts says how to read a pattern's text.
type patternOpts struct {
	wildcards bool // "*" and "?" are wildcards
	arn       bool // apply the ARN segment rule to "*"
	vars      bool // interpret ${...} policy variables
	fold      bool // match ignoring case
}

// patternArena keeps the tokens of the patterns a policy compiles together.
// They collect in scratch space (the parser's, reused from document to
// document) and finish moves them to one block of the policy's own, of the
// exact size: one allocation per policy rather than one per pattern. A nil
// *patternArena gives each pattern a slice of its own.
type patternArena struct {
	scratch *[]token    // the tokens, pattern after pattern
	pats    *[]*pattern // the patterns whose tokens are in scratch, in order
	// The last variable read, as written ("${aws:username}"), which
	// policies repeat: a text that starts with it reads the same.
	lastVar    string
	lastVarTok token
}

// variable is parseVariable, remembering the last variable read.
func (a *patternArena) variable(s string) (token, int, bool) {
	if a == nil {
		return parseVariable(s)
	}
	if a.lastVar != "" && strings.HasPrefix(s, a.lastVar) {
		return a.lastVarTok, len(a.lastVar), true
	}
	v, n, ok := parseVariable(s)
	if ok {
		a.lastVar, a.lastVarTok = s[:n], v
	}
	return v, n, ok
}

// finish moves the tokens to their block and points each pattern at its own.
func (a *patternArena) finish() {
	pats := *a.pats
	if len(pats) == 0 {
		return
	}
	block := make([]token, len(*a.scratch))
	copy(block, *a.scratch)
	for _, p := range pats {
		n := len(p.toks)
		p.toks, block = block[:n:n], block[n:]
	}
	clear(pats) // the scratch space is pooled: do not keep the policy alive
	*a.pats, *a.scratch = pats[:0], (*a.scratch)[:0]
}

// Classes of the bytes a pattern's text treats specially, by option.
const (
	classWildcard = 1 << iota // "*" and "?"
	classVar                  // "$", which may start a variable
)

var specialClass = [256]uint8{'*': classWildcard, '?': classWildcard, '$': classVar}

// specialMask returns the byte classes that are special under o.
func (o patternOpts) specialMask() uint8 {
	var m uint8
	if o.wildcards {
		m |= classWildcard
	}
	if o.vars {
		m |= classVar
	}
	return m
}

// indexSpecial returns the index of the first byte of s at or after i in
// the classes of mask, or -1. It tests eight bytes at a time.
func indexSpecial(s string, i int, mask uint8) int {
	for ; i+8 <= len(s); i += 8 {
		w := loadString64(s, i)
		var m uint64
		if mask&classWildcard != 0 {
			m = swarEq(w, '*') | swarEq(w, '?')
		}
		if mask&classVar != 0 {
			m |= swarEq(w, '$')
		}
		if m != 0 {
			return i + firstFlagged(m)
		}
	}
	for ; i < len(s); i++ {
		if specialClass[s[i]]&mask != 0 {
			return i
		}
	}
	return -1
}

// compilePattern compiles one pattern on its own.
func compilePattern(s string, o patternOpts) pattern {
	var p pattern
	var a *patternArena
	a.compile(&p, s, o)
	return p
}

// appendLit appends literal text to the pattern's tokens, toks[base:],
// merging it into a literal token before it (only an escape such as ${*}
// makes two literals meet), so that literal tokens are always maximal.
func appendLit(toks []token, base int, t string) []token {
	if t == "" {
		return toks
	}
	if n := len(toks); n > base && toks[n-1].kind == tLit {
		toks[n-1].text += t
		return toks
	}
	return append(toks, token{kind: tLit, text: t})
}

// compile compiles s into *p, which must be zero (compile sets fields one by
// one rather than copying a whole struct in) and must not move until
// a.finish.
func (a *patternArena) compile(p *pattern, s string, o patternOpts) {
	p.fold = o.fold
	if o.wildcards && s == "*" {
		p.kind = patAny
		return
	}
	mask := o.specialMask()
	i := indexSpecial(s, 0, mask)
	if i < 0 {
		p.kind, p.text = patLiteral, s
		return
	}
	// Tokenize onto the end of the scratch space (toks[base:]); literal
	// tokens are substrings of s unless an escape joins two.
	var toks []token
	if a != nil {
		toks = *a.scratch
	}
	base := len(toks)
	litStart := 0 // start of the literal text not yet in toks
	for ; i >= 0; i = indexSpecial(s, i, mask) {
		switch c := s[i]; c {
		case '$':
			if i+1 < len(s) && s[i+1] == '{' {
				if v, n, ok := a.variable(s[i:]); ok {
					toks = appendLit(toks, base, s[litStart:i])
					if v.kind == tLit {
						toks = appendLit(toks, base, v.text)
					} else {
						toks = append(toks, v)
					}
					i += n
					litStart = i
					continue
				}
			}
			i++ // a "$" that starts no variable is literal text
		case '*', '?':
			toks = appendLit(toks, base, s[litStart:i])
			k := tOne
			if c == '*' {
				k = tStar
				if o.arn && i+1 < len(s) && s[i+1] != ':' {
					k = tSegStar
				}
			}
			toks = append(toks, token{kind: k})
			i++
			litStart = i
		}
	}
	toks = appendLit(toks, base, s[litStart:])
	mine := toks[base:]
	switch {
	case len(mine) == 0:
		p.kind = patLiteral
	case len(mine) == 1 && mine[0].kind == tLit:
		p.kind, p.text = patLiteral, mine[0].text
	case len(mine) == 2 && mine[0].kind == tLit && mine[1].kind == tStar:
		p.kind, p.text = patPrefix, mine[0].text
	}
	if p.kind != patTokens {
		if a != nil {
			*a.scratch = toks[:base] // no tokens kept
		}
		return
	}
	p.kind = patStars
	for _, t := range mine {
		switch t.kind {
		case tSegStar:
			p.kind = patSegmented
		case tVar, tOne:
			if p.kind == patStars {
				p.kind = patTokens
			}
		}
	}
	if p.kind == patStars && o.fold {
		p.kind = patTokens // matchStars compares exactly
	}
	// Split off the leading literal for match to compare first. (It
	// compares as the matchers do, except that matchSegmented folds ASCII
	// only: folding segmented patterns, which no operator makes, keep it.)
	if mine[0].kind == tLit && !(o.fold && p.kind == patSegmented) {
		p.text = mine[0].text
		copy(mine, mine[1:])
		toks = toks[:len(toks)-1]
	}
	p.toks = toks[base:len(toks):len(toks)]
	if a != nil {
		*a.scratch = toks // p.toks is there until finish gives it its own
		*a.pats = append(*a.pats, p)
	}
}

// match reports whether s matches the pattern. Variables resolve from ctx;
// an unresolvable variable never matches.
func (p *pattern) match(s string, ctx *Context) bool {
	switch p.kind {
	case patAny:
		return true
	case patLiteral:
		if p.fold {
			return len(s) == len(p.text) && (s == p.text || strings.EqualFold(s, p.text))
		}
		return s == p.text
	}
	// The pattern starts with the literal text: most mismatches show there.
	if len(s) < len(p.text) || !equalText(s[:len(p.text)], p.text, p.fold) {
		return false
	}
	s = s[len(p.text):]
	switch p.kind {
	case patPrefix:
		return true
	case patStars:
		return matchStars(p.toks, s)
	case patSegmented:
		return matchSegmented(p.toks, s, p.fold, ctx)
	}
	return matchTokens(p.toks, s, p.fold, ctx)
}

// matchStars matches tokens that start with a star and hold only literals
// and stars that may cross colons: the literal after the last star is a
// suffix, and those between must appear in order in what is left. Taking
// each at its first occurrence is always safe.
func matchStars(toks []token, s string) bool {
	last := ""
	if n := len(toks); toks[n-1].kind == tLit {
		last, toks = toks[n-1].text, toks[:n-1]
	}
	if len(s) < len(last) || s[len(s)-len(last):] != last {
		return false
	}
	s = s[:len(s)-len(last)]
	for i := range toks {
		if t := &toks[i]; t.kind == tLit {
			j := strings.Index(s, t.text)
			if j < 0 {
				return false
			}
			s = s[j+len(t.text):]
		}
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

// equalText compares a and b, ignoring case if fold. Policies mostly spell
// names as requests do, so an exact comparison comes first.
func equalText(a, b string, fold bool) bool {
	return a == b || fold && strings.EqualFold(a, b)
}

// actionPattern is one compiled entry of Action or NotAction. The service
// prefix is literal (AWS forbids wildcards in it), so statements can be
// indexed by service.
type actionPattern struct {
	all bool // "*"
	// For a name that is "*", or ASCII literal text of up to eight bytes
	// possibly followed by "*" (s3:GetObject, s3:List*), head is the text
	// lower-cased and packed like nameHead, n its length, and short says
	// whether the name must end there (literal) or may go on (prefix):
	// match then compares words instead of running the pattern.
	short shortName
	n     uint8
	svc   int32 // index of the service in the policy's byService
	head  uint64
	name  pattern
}

type shortName uint8

const (
	shortNone    shortName = iota // run the pattern
	shortPrefix                   // the name starts with head
	shortLiteral                  // the name is head
)

// compileAction compiles a into *ap, which must be zero and must not move
// until ar.finish, and returns its service prefix as written ("" for "*").
func compileAction(ap *actionPattern, a string, ar *patternArena) string {
	if a == "*" {
		ap.all = true
		return ""
	}
	i := strings.IndexByte(a, ':')
	ar.compile(&ap.name, a[i+1:], patternOpts{wildcards: true, fold: true})
	if text := ap.name.text; len(text) <= 8 && asciiOnly(text) {
		switch ap.name.kind {
		case patAny, patPrefix:
			ap.short = shortPrefix
		case patLiteral:
			ap.short = shortLiteral
		}
		ap.n, ap.head = uint8(len(text)), nameHead(text)
	}
	return a[:i]
}

func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// nameHead packs the first eight bytes of an action name (fewer if it is
// shorter), ASCII letters lower-cased, into a word: s[0] in the lowest
// byte, zeros after the end. For a pattern of ASCII text, comparing heads
// is strings.EqualFold: a byte outside ASCII equals no ASCII byte, as under
// EqualFold such a character of the name never folds to one of the
// pattern's when the two have the same length in bytes.
func nameHead(s string) uint64 {
	var h uint64
	if len(s) >= 8 {
		h = uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	} else {
		for i := 0; i < len(s); i++ {
			h |= uint64(s[i]) << (8 * i)
		}
	}
	// Lower-case the ASCII letters of all eight bytes at once: the high bit
	// of upper marks the bytes from 'A' (0x41) to 'Z' (0x5A); adding to the
	// low seven bits of a byte never carries into the next.
	x := h & 0x7F7F7F7F7F7F7F7F
	upper := (x + 0x3F3F3F3F3F3F3F3F) &^ (x + 0x2525252525252525) &^ h & 0x8080808080808080
	return h | upper>>2 // 0x80>>2 is the case bit, 0x20
}

// matchShort reports whether an action name (any case) whose nameHead is
// head matches, for a pattern with a short name. It compares words.
func (ap *actionPattern) matchShort(name string, head uint64) bool {
	mask := ^uint64(0) >> (64 - 8*uint(ap.n)) // 0 for n = 0
	return head&mask == ap.head && (len(name) == int(ap.n) || ap.short == shortPrefix && len(name) > int(ap.n))
}
