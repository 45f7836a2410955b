package policy

import (
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Value is one typed value of a condition context key. Build values with
// String, Number, Bool, Time, IP and Binary; String also reads its text as a
// number, date, boolean or IP address when it is one, so a key supplied as
// text still works with the Numeric*, Date*, Bool and IpAddress operators.
// All parsing happens here, when the context is built, so evaluation never
// parses or allocates.
type Value struct {
	s     string
	flags valueFlags
	num   float64
	nanos int64 // a date, as nanoseconds since the Unix epoch
	ip    netip.Addr
	bin   []byte
}

type valueFlags uint8

const (
	hasNum valueFlags = 1 << iota
	hasTime
	hasIP
	hasBool
	hasBinary
)

// String returns a string value.
func String(s string) Value {
	v := Value{s: s}
	if _, ok := parseBool(s); ok {
		v.flags |= hasBool
	}
	if looksNumeric(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			v.num, v.flags = f, v.flags|hasNum
		}
	}
	if n, ok := parseDate(s); ok {
		v.nanos, v.flags = n, v.flags|hasTime
	}
	if looksLikeIP(s) {
		if a, err := netip.ParseAddr(s); err == nil {
			v.ip, v.flags = a.Unmap(), v.flags|hasIP
		}
	}
	return v
}

// Number returns a numeric value. As a date it means seconds since the Unix
// epoch (aws:EpochTime).
func Number(f float64) Value {
	return Value{s: strconv.FormatFloat(f, 'f', -1, 64), num: f, nanos: int64(f * 1e9), flags: hasNum | hasTime}
}

// Bool returns a boolean value.
func Bool(b bool) Value {
	return Value{s: strconv.FormatBool(b), flags: hasBool}
}

// Time returns a date value (aws:CurrentTime, aws:TokenIssueTime).
func Time(t time.Time) Value {
	return Value{s: t.UTC().Format(time.RFC3339), nanos: t.UnixNano(), flags: hasTime}
}

// IP returns an IP address value (aws:SourceIp).
func IP(a netip.Addr) Value {
	return Value{s: a.String(), ip: a.Unmap(), flags: hasIP}
}

// Binary returns a binary value; BinaryEquals compares it with the policy's
// base64 text.
func Binary(b []byte) Value {
	return Value{s: base64.StdEncoding.EncodeToString(b), bin: b, flags: hasBinary}
}

// String returns the value's text, as a policy variable substitutes it.
func (v Value) String() string { return v.s }

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return false
		}
	}
	return true
}

func looksLikeIP(s string) bool {
	if len(s) < 2 || len(s) > 45 {
		return false
	}
	return strings.IndexByte(s, '.') >= 0 || strings.IndexByte(s, ':') >= 0
}

// dateLayouts are the ISO 8601 forms AWS accepts in Date condition values.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
	"20060102T150405Z",
}

// parseDate reads an ISO 8601 date or a number of seconds since the epoch.
func parseDate(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	digits := true
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			digits = false
			break
		}
	}
	if digits {
		if len(s) > 11 {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, false
		}
		return n * 1e9, true
	}
	if len(s) < 10 || s[0] < '0' || s[0] > '9' || (s[4] != '-' && len(s) != 16) {
		return 0, false
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixNano(), true
		}
	}
	return 0, false
}

// Context holds the condition keys of a request. Keys are matched without
// regard to case, as AWS does. Build it with Set; Evaluate only reads it.
// A Context that is Reset and filled again for each request reuses its
// storage, so building it does not allocate either.
type Context struct {
	entries []contextEntry
	values  []Value // the entries' values, end to end
	// folded holds the ASCII keys that have upper-case letters, lower-cased,
	// end to end, so that finding a compiled policy's (lower-case) key
	// compares bytes rather than folding case.
	folded []byte
	// slots indexes the entries by keyHash, while every key is ASCII and
	// there are at most maxIndexed of them: slot hash&(len-1) onward holds
	// 1+the index of an entry, 0 ending the search. Otherwise (unindexed)
	// lookups scan the entries.
	slots     [2 * maxIndexed]uint8
	unindexed bool
}

// maxIndexed is the most keys a Context indexes; requests carry a dozen.
const maxIndexed = 16

type contextEntry struct {
	key   string // as given
	hash  uint32 // keyHash(key)
	lower bool   // key is ASCII without upper-case letters
	// folded: for an ASCII key with upper-case letters, the key lower-cased
	// is Context.folded[folded:folded+len(key)]; else -1.
	folded     int32
	start, end int32 // the entry's values: values[start:end]
}

// keyHash hashes a context key for lookups: FNV-1a over its bytes, ASCII
// letters lower-cased, so keys that differ only in ASCII case hash alike.
// Keys with a byte outside ASCII hash to 0, which matches every hash:
// strings.EqualFold folds some of those (the Kelvin sign, the long s) to
// ASCII letters, so their hash would not tell. Other keys never hash to 0.
func keyHash(s string) uint32 {
	h, _ := keyHashLower(s)
	return h
}

// keyHashLower returns keyHash(s) and whether s is ASCII without upper-case
// letters.
func keyHashLower(s string) (uint32, bool) {
	h := uint32(2166136261)
	lower := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return 0, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
			lower = false
		}
		h ^= uint32(c)
		h *= 16777619
	}
	if h == 0 {
		h = 1
	}
	return h, lower
}

// newEntry returns the entry for key with values[start:end].
func (c *Context) newEntry(key string, start, end int) contextEntry {
	h, lower := keyHashLower(key)
	e := contextEntry{key: key, hash: h, lower: lower, folded: -1, start: int32(start), end: int32(end)}
	if h != 0 && !lower {
		e.folded = int32(len(c.folded))
		for i := 0; i < len(key); i++ {
			ch := key[i]
			if 'A' <= ch && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			c.folded = append(c.folded, ch)
		}
	}
	return e
}

// Set gives key the values vals, replacing any it had. A key with several
// values is multivalued (aws:TagKeys, aws:CalledVia). The values are copied.
func (c *Context) Set(key string, vals ...Value) {
	start := int32(len(c.values))
	c.values = append(c.values, vals...)
	c.put(c.newEntry(key, int(start), len(c.values)))
}

// SetString gives key the string values vals.
func (c *Context) SetString(key string, vals ...string) {
	start := int32(len(c.values))
	for _, s := range vals {
		c.values = append(c.values, String(s))
	}
	c.put(c.newEntry(key, int(start), len(c.values)))
}

// put adds e, replacing the entry of the same key if there is one.
func (c *Context) put(e contextEntry) {
	if i := c.index(e.key, e.hash); i >= 0 {
		c.entries[i] = e // the same key but for case: the same hash
		return
	}
	c.entries = append(c.entries, e)
	c.indexEntry(len(c.entries) - 1)
}

// indexEntry adds entry i to slots, or turns the index off.
func (c *Context) indexEntry(i int) {
	if c.unindexed {
		return
	}
	h := c.entries[i].hash
	if h == 0 || i >= maxIndexed {
		c.unindexed = true
		return
	}
	j := h & (uint32(len(c.slots)) - 1)
	for c.slots[j] != 0 {
		j = (j + 1) & (uint32(len(c.slots)) - 1)
	}
	c.slots[j] = uint8(i + 1)
}

// Delete removes key.
func (c *Context) Delete(key string) {
	if i := c.index(key, keyHash(key)); i >= 0 {
		c.entries = append(c.entries[:i], c.entries[i+1:]...)
		c.slots, c.unindexed = [len(c.slots)]uint8{}, false
		for i := range c.entries {
			c.indexEntry(i)
		}
	}
}

// Get returns the values of key and whether it is present. The slice is
// the context's own: do not modify it.
func (c *Context) Get(key string) ([]Value, bool) {
	return c.lookup(key)
}

// Keys returns the keys present, as they were set.
func (c *Context) Keys() []string {
	out := make([]string, len(c.entries))
	for i, e := range c.entries {
		out[i] = e.key
	}
	return out
}

// Reset empties the context, keeping its storage for reuse.
func (c *Context) Reset() {
	c.entries = c.entries[:0]
	c.values = c.values[:0]
	c.folded = c.folded[:0]
	c.slots, c.unindexed = [len(c.slots)]uint8{}, false
}

// index finds key (any case), whose keyHash is hash. While the entries are
// indexed, only those in the key's slots are compared; else all are, their
// hashes first.
func (c *Context) index(key string, hash uint32) int {
	if c.unindexed || hash == 0 {
		for i := range c.entries {
			e := &c.entries[i]
			if e.hash != hash && e.hash != 0 && hash != 0 {
				continue // both ASCII, and different even ignoring case
			}
			if len(e.key) == len(key) && (e.key == key || strings.EqualFold(e.key, key)) {
				return i
			}
		}
		return -1
	}
	mask := uint32(len(c.slots)) - 1
	for j := hash & mask; c.slots[j] != 0; j = (j + 1) & mask {
		i := int(c.slots[j]) - 1
		if e := &c.entries[i]; e.hash == hash && len(e.key) == len(key) && (e.key == key || strings.EqualFold(e.key, key)) {
			return i
		}
	}
	return -1
}

// indexLower is index for a key that is lower-cased (by strings.ToLower,
// as compiled policies keep their keys). When the key and an entry's key
// are both ASCII, they match only if the entry's key lower-cased equals
// the key, so one comparison of bytes decides.
func (c *Context) indexLower(key string, hash uint32) int {
	if c.unindexed || hash == 0 {
		return c.index(key, hash)
	}
	mask := uint32(len(c.slots)) - 1
	for j := hash & mask; c.slots[j] != 0; j = (j + 1) & mask {
		i := int(c.slots[j]) - 1
		e := &c.entries[i]
		if e.hash != hash || len(e.key) != len(key) {
			continue
		}
		if e.lower && e.key == key ||
			e.folded >= 0 && string(c.folded[e.folded:int(e.folded)+len(key)]) == key {
			return i
		}
	}
	return -1
}

// lookup returns the values of key (any case).
func (c *Context) lookup(key string) ([]Value, bool) {
	if c == nil {
		return nil, false
	}
	return c.at(c.index(key, keyHash(key)))
}

// lookupKey is lookup for a key of a compiled policy.
func (c *Context) lookupKey(key string, hash uint32) ([]Value, bool) {
	if c == nil {
		return nil, false
	}
	return c.at(c.indexLower(key, hash))
}

// at returns the values of entry i, if i is one.
func (c *Context) at(i int) ([]Value, bool) {
	if i < 0 {
		return nil, false
	}
	e := &c.entries[i]
	return c.values[e.start:e.end:e.end], true
}
