package policy

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strings"
	"sync"
	"unicode/utf8"
)

// This file reads JSON text into a small ordered tree. Policy documents need
// three things encoding/json does not give cheaply: object keys in document
// order (so a re-marshalled policy reads like the original), rejection of
// duplicate keys (a silent "last one wins" hides mistakes in a security
// policy), and speed (a 6 KB policy must parse and compile well under 100 µs).
//
// The tree holds no pointers: nodes live in one slice and refer to each
// other by index, and text is a span of the document. Building it costs no
// write barriers, its memory is never scanned by the garbage collector, and
// it is reused from document to document.
//
// Most documents never need the tree: Parse first tries decodePolicy
// (parse.go), which reads the usual shape of a policy straight into a
// Policy with the scanning functions below, and builds the tree only to
// read anything else, or to find what is wrong with a document.

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

// jnode is one JSON value. The members of an object and the elements of an
// array are its children, linked in document order through next (0 ends
// the list, node 0 being unused), and a member carries its key. Strings,
// numbers and booleans keep their text in str.
type jnode struct {
	kind  jkind
	n     int32 // number of children
	str   span
	key   span  // an object member's key
	first int32 // first child
	next  int32 // next sibling
}

// span is text of the document: r.s[start:end], or when start is negative
// the unescaped string r.esc[-start-1].
type span struct{ start, end int32 }

type jreader struct {
	b     []byte
	s     string // b as a string: unescaped strings are substrings of it
	i     int
	depth int
	nodes []jnode  // the tree; its length is its capacity, used counts
	used  int32    // nodes in use, counting the unused node 0
	esc   []string // strings that had escapes
	// ops holds the parsed operator of each condition of the document, in
	// document order: validate fills it and compile reads it, so operator
	// names are parsed once.
	ops []operator
	// toks and pats collect the tokens of the patterns compile builds,
	// before they move to one block of the policy's own (see patternArena).
	toks []token
	pats []*pattern
	svcs []string // compile's lower-cased services of the action patterns
	// Scratch space of decodePolicy: statements, their string lists and
	// conditions, and the operators of the Condition element being read.
	dstmts []Statement
	dstrs  []string
	dconds []Condition
	dops   []string
}

// readerPool keeps readers, with their node slice and scratch space,
// between documents: a policy's syntax tree is garbage as soon as it is
// parsed, and reusing its memory keeps Parse from feeding the garbage
// collector. Scratch space is not cleared on release (that would cost a
// write barrier per pointer), so until its next use a pooled reader keeps
// the last document's strings alive.
var readerPool = sync.Pool{New: func() any { return new(jreader) }}

func (r *jreader) release() {
	clear(r.esc)
	clear(r.pats) // compile clears them, but not when it failed
	r.esc, r.pats = r.esc[:0], r.pats[:0]
	r.ops, r.toks = r.ops[:0], r.toks[:0]
	r.dstmts, r.dstrs, r.dconds, r.dops = r.dstmts[:0], r.dstrs[:0], r.dconds[:0], r.dops[:0]
	r.b, r.s, r.i, r.depth, r.used = nil, "", 0, 0, 0
	readerPool.Put(r)
}

// node returns the node at index i. The pointer is good until the next
// node is added.
func (r *jreader) node(i int32) *jnode { return &r.nodes[i] }

// text returns the text of sp.
func (r *jreader) text(sp span) string {
	if sp.start < 0 {
		return r.esc[-sp.start-1]
	}
	return r.s[sp.start:sp.end]
}

// str returns the text of node i; key its key.
func (r *jreader) str(i int32) string { return r.text(r.nodes[i].str) }
func (r *jreader) key(i int32) string { return r.text(r.nodes[i].key) }

// get returns the member of object node i with the given key, or 0.
func (r *jreader) get(i int32, key string) int32 {
	for c := r.nodes[i].first; c != 0; c = r.nodes[c].next {
		if r.key(c) == key {
			return c
		}
	}
	return 0
}

// add appends a node and returns its index.
func (r *jreader) add(k jkind, str span) int32 {
	if int(r.used) == len(r.nodes) {
		r.grow()
	}
	i := r.used
	r.nodes[i] = jnode{kind: k, str: str}
	r.used++
	return i
}

func (r *jreader) grow() {
	n := max(2*len(r.nodes), 256)
	nodes := make([]jnode, n)
	copy(nodes, r.nodes[:r.used])
	r.nodes = nodes
}

// appendChild links child c after last (0 when c is the first) under
// parent p, and returns c as the new last child.
func (r *jreader) appendChild(p, last, c int32) int32 {
	if last == 0 {
		r.nodes[p].first = c
	} else {
		r.nodes[last].next = c
	}
	r.nodes[p].n++
	return c
}

const maxJSONDepth = 64

// newReader returns a pooled reader for the document b. It reports false
// for invalid UTF-8, unless validUTF8 says the caller has checked already,
// and for documents of 2 GB or more, whose offsets a span cannot hold. Call
// r.release when done with it and what it read.
func newReader(b []byte, validUTF8 bool) (r *jreader, ok bool) {
	r = readerPool.Get().(*jreader)
	if len(b) >= math.MaxInt32 || !validUTF8 && !utf8.Valid(b) {
		return r, false
	}
	r.b, r.s = b, string(b)
	return r, true
}

// readTree parses the document, one JSON value that must fill it
// (surrounding whitespace allowed), and returns its node. It reports false
// on any syntax error.
func (r *jreader) readTree() (n int32, ok bool) {
	r.i, r.used, r.esc = 0, 0, r.esc[:0]
	r.add(jNull, span{}) // node 0, which stands for "none"
	n, ok = r.value()
	if !ok {
		return 0, false
	}
	r.space()
	if r.i != len(r.b) {
		return 0, false
	}
	return n, true
}

// readJSON is newReader then readTree.
func readJSON(b []byte, validUTF8 bool) (n int32, r *jreader, ok bool) {
	r, ok = newReader(b, validUTF8)
	if ok {
		n, ok = r.readTree()
	}
	return n, r, ok
}

func (r *jreader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *jreader) value() (int32, bool) {
	r.space()
	if r.i >= len(r.b) {
		return 0, false
	}
	switch c := r.b[r.i]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		sp, ok := r.string()
		if !ok {
			return 0, false
		}
		return r.add(jString, sp), true
	case c == 't':
		return r.literal("true", jBool)
	case c == 'f':
		return r.literal("false", jBool)
	case c == 'n':
		return r.literal("null", jNull)
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	}
	return 0, false
}

func (r *jreader) literal(word string, k jkind) (int32, bool) {
	sp, ok := r.literalSpan(word)
	if !ok {
		return 0, false
	}
	return r.add(k, sp), true
}

// literalSpan reads the literal word (true, false, null).
func (r *jreader) literalSpan(word string) (span, bool) {
	if !strings.HasPrefix(string(r.b[r.i:min(len(r.b), r.i+len(word))]), word) {
		return span{}, false
	}
	start := r.i
	r.i += len(word)
	return span{int32(start), int32(r.i)}, true
}

func (r *jreader) number() (int32, bool) {
	sp, ok := r.numberSpan()
	if !ok {
		return 0, false
	}
	return r.add(jNumber, sp), true
}

// numberSpan reads a number.
func (r *jreader) numberSpan() (span, bool) {
	start := r.i
	if r.b[r.i] == '-' {
		r.i++
	}
	digits := func() int {
		n := 0
		for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
			r.i++
			n++
		}
		return n
	}
	if r.i < len(r.b) && r.b[r.i] == '0' {
		r.i++
	} else if digits() == 0 {
		return span{}, false
	}
	if r.i < len(r.b) && r.b[r.i] == '.' {
		r.i++
		if digits() == 0 {
			return span{}, false
		}
	}
	if r.i < len(r.b) && (r.b[r.i] == 'e' || r.b[r.i] == 'E') {
		r.i++
		if r.i < len(r.b) && (r.b[r.i] == '+' || r.b[r.i] == '-') {
			r.i++
		}
		if digits() == 0 {
			return span{}, false
		}
	}
	return span{int32(start), int32(r.i)}, true
}

// string reads a string and returns its span.
func (r *jreader) string() (span, bool) {
	start := r.i + 1 // after the opening quote
	i := stringStop(r.b, start)
	if i < len(r.b) {
		switch r.b[i] {
		case '"':
			r.i = i + 1
			return span{int32(start), int32(i)}, true
		case '\\':
			r.i = i
			s, ok := r.escapedString(start)
			if !ok {
				return span{}, false
			}
			r.esc = append(r.esc, s)
			return span{int32(-len(r.esc)), 0}, true
		}
	}
	return span{}, false // a control character, or no closing quote
}

// stringStop returns the index of the first byte at or after i that ends a
// run of plain string characters: a quote, a backslash or a control
// character; len(b) when there is none. It tests eight bytes at a time.
func stringStop(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		w := load64(b, i)
		if m := swarEq(w, '"') | swarEq(w, '\\') | swarLess(w, 0x20); m != 0 {
			return i + firstFlagged(m)
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

// escapedString finishes a string that contains escapes, starting over at start.
func (r *jreader) escapedString(start int) (string, bool) {
	var sb strings.Builder
	sb.Write(r.b[start:r.i])
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return sb.String(), true
		case c < 0x20:
			return "", false
		case c != '\\':
			sb.WriteByte(c)
			r.i++
			continue
		}
		r.i++
		if r.i >= len(r.b) {
			return "", false
		}
		e := r.b[r.i]
		r.i++
		switch e {
		case '"', '\\', '/':
			sb.WriteByte(e)
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			cp, ok := r.hex4()
			if !ok {
				return "", false
			}
			if cp >= 0xD800 && cp < 0xDC00 {
				// A high surrogate must be followed by an escaped low surrogate.
				if r.i+1 < len(r.b) && r.b[r.i] == '\\' && r.b[r.i+1] == 'u' {
					r.i += 2
					lo, ok := r.hex4()
					if !ok || lo < 0xDC00 || lo > 0xDFFF {
						return "", false
					}
					cp = 0x10000 + (cp-0xD800)<<10 + (lo - 0xDC00)
				} else {
					return "", false
				}
			} else if cp >= 0xDC00 && cp <= 0xDFFF {
				return "", false
			}
			sb.WriteRune(rune(cp))
		default:
			return "", false
		}
	}
	return "", false
}

func (r *jreader) hex4() (uint32, bool) {
	if r.i+4 > len(r.b) {
		return 0, false
	}
	var v uint32
	for _, c := range r.b[r.i : r.i+4] {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= uint32(c - '0')
		case c >= 'a' && c <= 'f':
			v |= uint32(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v |= uint32(c-'A') + 10
		default:
			return 0, false
		}
	}
	r.i += 4
	return v, true
}

func (r *jreader) array() (int32, bool) {
	if r.depth++; r.depth > maxJSONDepth {
		return 0, false
	}
	n, ok := r.arrayBody()
	r.depth--
	return n, ok
}

func (r *jreader) arrayBody() (int32, bool) {
	r.i++
	n := r.add(jArray, span{})
	r.space()
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		return n, true
	}
	var last int32
	for {
		v, ok := r.value()
		if !ok {
			return 0, false
		}
		last = r.appendChild(n, last, v)
		r.space()
		if r.i >= len(r.b) {
			return 0, false
		}
		switch r.b[r.i] {
		case ',':
			r.i++
		case ']':
			r.i++
			return n, true
		default:
			return 0, false
		}
	}
}

func (r *jreader) object() (int32, bool) {
	if r.depth++; r.depth > maxJSONDepth {
		return 0, false
	}
	n, ok := r.objectBody()
	r.depth--
	return n, ok
}

func (r *jreader) objectBody() (int32, bool) {
	r.i++
	n := r.add(jObject, span{})
	r.space()
	if r.i < len(r.b) && r.b[r.i] == '}' {
		r.i++
		return n, true
	}
	var last int32
	for {
		r.space()
		if r.i >= len(r.b) || r.b[r.i] != '"' {
			return 0, false
		}
		ksp, ok := r.string()
		if !ok {
			return 0, false
		}
		k := r.text(ksp)
		for c := r.nodes[n].first; c != 0; c = r.nodes[c].next {
			if r.key(c) == k {
				return 0, false // duplicate key
			}
		}
		r.space()
		if r.i >= len(r.b) || r.b[r.i] != ':' {
			return 0, false
		}
		r.i++
		v, ok := r.value()
		if !ok {
			return 0, false
		}
		r.nodes[v].key = ksp
		last = r.appendChild(n, last, v)
		r.space()
		if r.i >= len(r.b) {
			return 0, false
		}
		switch r.b[r.i] {
		case ',':
			r.i++
		case '}':
			r.i++
			return n, true
		default:
			return 0, false
		}
	}
}

// SWAR ("SIMD within a register") helpers: the scanning loops of Parse test
// eight bytes at once in a uint64 instead of one byte at a time.
//
// The masks below set the high bit of each byte that qualifies. Whether any
// byte qualifies is exact; bytes above the first qualifying one may be
// flagged by a borrow, but the lowest flagged byte is always exactly the
// first qualifying one (a borrow only starts at a qualifying byte and only
// moves up), and that is all the callers use.

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// swarLess flags the bytes of w below n, for n <= 0x80.
func swarLess(w uint64, n byte) uint64 {
	return (w - swarOnes*uint64(n)) & ^w & swarHigh
}

// swarEq flags the bytes of w equal to c.
func swarEq(w uint64, c byte) uint64 {
	return swarLess(w^(swarOnes*uint64(c)), 1)
}

// load64 reads b[i:i+8], b[i] being the lowest byte, so that firstFlagged
// finds the first byte in text order on every platform.
func load64(b []byte, i int) uint64 {
	return binary.LittleEndian.Uint64(b[i : i+8])
}

// loadString64 is load64 for a string.
func loadString64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// firstFlagged returns the position in its word of the first flagged byte
// of a non-zero mask.
func firstFlagged(m uint64) int {
	return bits.TrailingZeros64(m) >> 3
}
