package policy

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// This file reads JSON text into a small ordered tree. Policy documents need
// three things encoding/json does not give cheaply: object keys in document
// order (so a re-marshalled policy reads like the original), rejection of
// duplicate keys (a silent "last one wins" hides mistakes in a security
// policy), and speed (a 6 KB policy must parse and compile well under 100 µs).

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

// jnode is one JSON value. Objects keep keys and values in document order;
// arrays use vals only; strings, numbers and booleans keep their text in str.
type jnode struct {
	kind jkind
	str  string
	keys []string
	vals []*jnode
}

// get returns the value of key in an object node, or nil.
func (n *jnode) get(key string) *jnode {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

type jreader struct {
	b     []byte
	s     string // b as a string: unescaped strings are substrings of it
	i     int
	depth int
	// Arenas: nodes and the key/value slices of objects and arrays are
	// carved from blocks that are kept, cleared, between documents (see
	// readerPool); scratch stacks collect an object's entries before they
	// are copied out at their exact size.
	nodes    arena[jnode]
	strs     arena[string]
	kids     arena[*jnode]
	keyStack []string
	valStack []*jnode
}

// arena hands out slices of T from blocks it keeps for reuse.
type arena[T any] struct {
	blocks [][]T
	block  int // current block
	used   int // elements used in the current block
}

const arenaBlock = 256

// take returns a slice of n elements, which may hold values from an earlier
// document: callers overwrite them.
func (a *arena[T]) take(n int) []T {
	for {
		if a.block == len(a.blocks) {
			a.blocks = append(a.blocks, make([]T, max(arenaBlock, n)))
		}
		b := a.blocks[a.block]
		if len(b)-a.used >= n {
			out := b[a.used : a.used+n : a.used+n]
			a.used += n
			return out
		}
		a.block++
		a.used = 0
	}
}

// reset makes every block available again. It does not clear them: every
// element handed out is overwritten first (see node, takeStrings,
// takeNodes), and clearing would cost a write barrier per pointer. Until
// then a pooled reader keeps the last document's strings alive.
func (a *arena[T]) reset() {
	a.block, a.used = 0, 0
}

// readerPool keeps readers, with their arenas, between documents: a policy's
// syntax tree is garbage as soon as it is parsed, and reusing its memory
// keeps Parse from feeding the garbage collector.
var readerPool = sync.Pool{New: func() any { return new(jreader) }}

func (r *jreader) release() {
	r.nodes.reset()
	r.strs.reset()
	r.kids.reset()
	r.keyStack, r.valStack = r.keyStack[:0], r.valStack[:0]
	r.b, r.s, r.i, r.depth = nil, "", 0, 0
	readerPool.Put(r)
}

func (r *jreader) node(k jkind, s string) *jnode {
	n := &r.nodes.take(1)[0]
	*n = jnode{kind: k, str: s} // a reused node may hold an old document's
	return n
}

func (r *jreader) takeStrings(src []string) []string {
	out := r.strs.take(len(src))
	copy(out, src)
	return out
}

func (r *jreader) takeNodes(src []*jnode) []*jnode {
	out := r.kids.take(len(src))
	copy(out, src)
	return out
}

const maxJSONDepth = 64

// readJSON parses one JSON value that must fill the whole input (surrounding
// whitespace allowed). It reports false on any syntax error. The tree lives
// in r's arenas: call r.release when done with it.
func readJSON(b []byte) (n *jnode, r *jreader, ok bool) {
	r = readerPool.Get().(*jreader)
	if !utf8.Valid(b) {
		return nil, r, false
	}
	r.b, r.s = b, string(b)
	n, ok = r.value()
	if !ok {
		return nil, r, false
	}
	r.space()
	if r.i != len(r.b) {
		return nil, r, false
	}
	return n, r, true
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

func (r *jreader) value() (*jnode, bool) {
	r.space()
	if r.i >= len(r.b) {
		return nil, false
	}
	switch c := r.b[r.i]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		s, ok := r.string()
		if !ok {
			return nil, false
		}
		return r.node(jString, s), true
	case c == 't':
		return r.literal("true", jBool)
	case c == 'f':
		return r.literal("false", jBool)
	case c == 'n':
		return r.literal("null", jNull)
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	}
	return nil, false
}

func (r *jreader) literal(word string, k jkind) (*jnode, bool) {
	if !strings.HasPrefix(string(r.b[r.i:min(len(r.b), r.i+len(word))]), word) {
		return nil, false
	}
	r.i += len(word)
	return r.node(k, word), true
}

func (r *jreader) number() (*jnode, bool) {
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
		return nil, false
	}
	if r.i < len(r.b) && r.b[r.i] == '.' {
		r.i++
		if digits() == 0 {
			return nil, false
		}
	}
	if r.i < len(r.b) && (r.b[r.i] == 'e' || r.b[r.i] == 'E') {
		r.i++
		if r.i < len(r.b) && (r.b[r.i] == '+' || r.b[r.i] == '-') {
			r.i++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	return r.node(jNumber, r.s[start:r.i]), true
}

func (r *jreader) string() (string, bool) {
	r.i++ // opening quote
	start := r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			s := r.s[start:r.i]
			r.i++
			return s, true
		case c == '\\':
			return r.escapedString(start)
		case c < 0x20:
			return "", false
		}
		r.i++
	}
	return "", false
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

func (r *jreader) array() (*jnode, bool) {
	if r.depth++; r.depth > maxJSONDepth {
		return nil, false
	}
	n, ok := r.arrayBody()
	r.depth--
	return n, ok
}

func (r *jreader) arrayBody() (*jnode, bool) {
	r.i++
	n := r.node(jArray, "")
	r.space()
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		return n, true
	}
	base := len(r.valStack)
	n, ok := r.arrayItems(n, base)
	r.valStack = r.valStack[:base]
	return n, ok
}

func (r *jreader) arrayItems(n *jnode, base int) (*jnode, bool) {
	for {
		v, ok := r.value()
		if !ok {
			return nil, false
		}
		r.valStack = append(r.valStack, v)
		r.space()
		if r.i >= len(r.b) {
			return nil, false
		}
		switch r.b[r.i] {
		case ',':
			r.i++
		case ']':
			r.i++
			n.vals = r.takeNodes(r.valStack[base:])
			return n, true
		default:
			return nil, false
		}
	}
}

func (r *jreader) object() (*jnode, bool) {
	if r.depth++; r.depth > maxJSONDepth {
		return nil, false
	}
	n, ok := r.objectBody()
	r.depth--
	return n, ok
}

func (r *jreader) objectBody() (*jnode, bool) {
	r.i++
	n := r.node(jObject, "")
	r.space()
	if r.i < len(r.b) && r.b[r.i] == '}' {
		r.i++
		return n, true
	}
	kbase, vbase := len(r.keyStack), len(r.valStack)
	n, ok := r.objectMembers(n, kbase, vbase)
	r.keyStack, r.valStack = r.keyStack[:kbase], r.valStack[:vbase]
	return n, ok
}

func (r *jreader) objectMembers(n *jnode, kbase, vbase int) (*jnode, bool) {
	for {
		r.space()
		if r.i >= len(r.b) || r.b[r.i] != '"' {
			return nil, false
		}
		k, ok := r.string()
		if !ok {
			return nil, false
		}
		for _, prev := range r.keyStack[kbase:] {
			if prev == k {
				return nil, false // duplicate key
			}
		}
		r.space()
		if r.i >= len(r.b) || r.b[r.i] != ':' {
			return nil, false
		}
		r.i++
		v, ok := r.value()
		if !ok {
			return nil, false
		}
		r.keyStack = append(r.keyStack, k)
		r.valStack = append(r.valStack, v)
		r.space()
		if r.i >= len(r.b) {
			return nil, false
		}
		switch r.b[r.i] {
		case ',':
			r.i++
		case '}':
			r.i++
			n.keys = r.takeStrings(r.keyStack[kbase:])
			n.vals = r.takeNodes(r.valStack[vbase:])
			return n, true
		default:
			return nil, false
		}
	}
}
