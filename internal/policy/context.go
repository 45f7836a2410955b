package policy

import (
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"time"
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
}

type contextEntry struct {
	key        string // as given
	start, end int32  // the entry's values: values[start:end]
}

// Set gives key the values vals, replacing any it had. A key with several
// values is multivalued (aws:TagKeys, aws:CalledVia). The values are copied.
func (c *Context) Set(key string, vals ...Value) {
	start := int32(len(c.values))
	c.values = append(c.values, vals...)
	e := contextEntry{key: key, start: start, end: int32(len(c.values))}
	if i := c.index(key); i >= 0 {
		c.entries[i] = e
		return
	}
	c.entries = append(c.entries, e)
}

// SetString gives key the string values vals.
func (c *Context) SetString(key string, vals ...string) {
	start := int32(len(c.values))
	for _, s := range vals {
		c.values = append(c.values, String(s))
	}
	e := contextEntry{key: key, start: start, end: int32(len(c.values))}
	if i := c.index(key); i >= 0 {
		c.entries[i] = e
		return
	}
	c.entries = append(c.entries, e)
}

// Delete removes key.
func (c *Context) Delete(key string) {
	if i := c.index(key); i >= 0 {
		c.entries = append(c.entries[:i], c.entries[i+1:]...)
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
}

// index finds key (any case). Contexts hold tens of keys, so a linear scan
// beats hashing, and comparing lengths first rejects most keys at once.
func (c *Context) index(key string) int {
	for i := range c.entries {
		if k := c.entries[i].key; len(k) == len(key) && (k == key || strings.EqualFold(k, key)) {
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
	if i := c.index(key); i >= 0 {
		e := c.entries[i]
		return c.values[e.start:e.end:e.end], true
	}
	return nil, false
}
