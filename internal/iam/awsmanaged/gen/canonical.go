package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// moto keeps policy documents with their object keys sorted, which puts
// Version after Statement and Effect between Action and Resource. This file
// re-serializes a document compactly with the elements in the order AWS
// documents and policy authors use, keeping every value as it is.

// policyOrder and statementOrder list the known elements of a policy and
// of a statement in their usual order; other keys follow in source order.
var (
	policyOrder    = []string{"Version", "Id", "Statement"}
	statementOrder = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)

// value is a decoded JSON value that remembers the order of object keys.
type value struct {
	members []member        // objects
	items   []*value        // arrays
	scalar  json.RawMessage // strings, numbers, true, false, null
	kind    byte            // '{', '[' or 0 for scalars
}

type member struct {
	key string
	val *value
}

// canonicalDocument returns raw compacted, with the policy's and its
// statements' elements in the usual order.
func canonicalDocument(raw json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return "", err
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", errors.New("trailing data after the document")
	}
	if v.kind != '{' {
		return "", errors.New("the document is not a JSON object")
	}
	reorder(v, policyOrder)
	for _, m := range v.members {
		if m.key != "Statement" {
			continue
		}
		switch m.val.kind {
		case '{':
			reorder(m.val, statementOrder)
		case '[':
			for _, s := range m.val.items {
				if s.kind == '{' {
					reorder(s, statementOrder)
				}
			}
		}
	}
	var b bytes.Buffer
	if err := write(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

func decodeValue(dec *json.Decoder) (*value, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &value{kind: '{'}
			for dec.More() {
				keyTok, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := keyTok.(string)
				if !ok {
					return nil, fmt.Errorf("object key %v is not a string", keyTok)
				}
				val, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				v.members = append(v.members, member{key, val})
			}
			_, err := dec.Token() // '}'
			return v, err
		case '[':
			v := &value{kind: '['}
			for dec.More() {
				item, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				v.items = append(v.items, item)
			}
			_, err := dec.Token() // ']'
			return v, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		return &value{scalar: json.RawMessage(t.String())}, nil
	default: // string, bool, nil
		raw, err := marshalNoEscape(t)
		if err != nil {
			return nil, err
		}
		return &value{scalar: raw}, nil
	}
}

// reorder moves the members named in order to the front, in that order;
// the others keep their relative order after them.
func reorder(v *value, order []string) {
	rank := func(key string) int {
		if i := slices.Index(order, key); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(v.members, func(a, b member) int { return rank(a.key) - rank(b.key) })
}

func write(b *bytes.Buffer, v *value) error {
	switch v.kind {
	case '{':
		b.WriteByte('{')
		for i, m := range v.members {
			if i > 0 {
				b.WriteByte(',')
			}
			key, err := marshalNoEscape(m.key)
			if err != nil {
				return err
			}
			b.Write(key)
			b.WriteByte(':')
			if err := write(b, m.val); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case '[':
		b.WriteByte('[')
		for i, item := range v.items {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := write(b, item); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		b.Write(v.scalar)
	}
	return nil
}
