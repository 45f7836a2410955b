package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// tag is the struct tag of a generated field: key/value pairs in the
// contract's order (see the protocol package doc).
type tag []tagPair

// tagPair is one key:"value" of a struct tag.
type tagPair struct{ key, value string }

// add appends key:"value" unless value is empty.
func (t *tag) add(key, value string) {
	if value != "" {
		*t = append(*t, tagPair{key, value})
	}
}

// literal renders the tag as a Go string literal: a raw string unless a
// value contains a backquote.
func (t tag) literal() string {
	var b strings.Builder
	for i, kv := range t {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(kv.key)
		b.WriteByte(':')
		b.WriteString(strconv.Quote(kv.value))
	}
	s := b.String()
	if strings.Contains(s, "`") {
		return strconv.Quote(s)
	}
	return "`" + s + "`"
}

// locations are the member locations of the contract's loc tag.
var locations = map[string]bool{"uri": true, "querystring": true, "header": true, "headers": true, "statusCode": true}

// timestampFormats are the values of the contract's ts tag.
var timestampFormats = map[string]bool{"iso8601": true, "unixTimestamp": true, "rfc822": true}

// fieldTag builds the tag of structure s's member mb. Beyond the contract it
// writes:
//
//   - union:"true" on every member of a union structure (exactly one member
//     may be set);
//   - emin, emax, epattern: the bounds and pattern of a list's elements or a
//     map's values, when they are scalars;
//   - kmin, kmax, kpattern: the bounds and pattern of a map's keys.
func (p *pkg) fieldTag(s *shape, mb member) (tag, error) {
	var t tag
	target := p.m.Shapes[mb.Shape]
	wire := mb.LocationName
	if wire == "" {
		wire = mb.Name
	}
	t.add("aws", wire)
	loc := mb.Location
	if s.Payload == mb.Name {
		if loc != "" {
			return nil, fmt.Errorf("payload member bound to %s", loc)
		}
		loc = "payload"
	} else if loc != "" && !locations[loc] {
		return nil, fmt.Errorf("unsupported location %q", loc)
	}
	t.add("loc", loc)
	if s.required(mb.Name) {
		t.add("req", "true")
	}
	p.addBounds(&t, "", mb.Shape)
	if p.sensitive(mb.Shape) || mb.Sensitive {
		t.add("sensitive", "true")
	}
	ts := mb.TimestampFormat
	if ts == "" {
		ts = target.TimestampFormat
	}
	if ts != "" && !timestampFormats[ts] {
		return nil, fmt.Errorf("unsupported timestamp format %q", ts)
	}
	t.add("ts", ts)
	if mb.Flattened || target.Flattened {
		t.add("flat", "true")
	}
	switch target.Type {
	case "list":
		t.add("member", target.Member.LocationName)
	case "map":
		t.add("key", target.Key.LocationName)
		t.add("val", target.Value.LocationName)
	}
	if mb.IdempotencyToken {
		t.add("idem", "true")
	}
	if s.Union {
		t.add("union", "true")
	}
	switch target.Type {
	case "list":
		p.addBounds(&t, "e", target.Member.Shape)
	case "map":
		p.addBounds(&t, "e", target.Value.Shape)
		p.addBounds(&t, "k", target.Key.Shape)
	}
	return t, nil
}

// addBounds adds the min, max and pattern of shape name under keys with the
// given prefix. Element bounds (a non-empty prefix) are only written for
// scalar shapes.
func (p *pkg) addBounds(t *tag, prefix, name string) {
	s := p.m.Shapes[name]
	if prefix != "" && (s.Type == "structure" || s.Type == "list" || s.Type == "map") {
		return
	}
	t.add(prefix+"min", number(s.Min))
	t.add(prefix+"max", number(s.Max))
	t.add(prefix+"pattern", p.pattern(name))
}

// number renders an optional model number as written in the model.
func number(n *json.Number) string {
	if n == nil {
		return ""
	}
	return n.String()
}

// sensitive reports whether a shape is sensitive, or a list or map of
// sensitive elements.
func (p *pkg) sensitive(name string) bool {
	s := p.m.Shapes[name]
	switch {
	case s.Sensitive:
		return true
	case s.Type == "list":
		return p.sensitive(s.Member.Shape)
	case s.Type == "map":
		return p.sensitive(s.Key.Shape) || p.sensitive(s.Value.Shape)
	}
	return false
}
