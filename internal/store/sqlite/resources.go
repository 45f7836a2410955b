package sqlite

import (
	"encoding/binary"
	"errors"

	"github.com/gatehouse/gatehouse/internal/store"
)

// The resources column of schema version 1 held an event's resource list
// exactly as appended, order and duplicates included:
//
//	uvarint count, then per resource: uvarint len(type), type, uvarint len(name), name
//
// A NULL column meant no resources. Version 2 keeps the list in the same
// encoding inside the event's record (record.go); this decoder remains for
// the migration from version 1.

var errCorruptResources = errors.New("corrupt resources column")

// encodeResources appends the encoding of rs to dst.
func encodeResources(dst []byte, rs []store.EventResource) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(rs)))
	for _, r := range rs {
		dst = binary.AppendUvarint(dst, uint64(len(r.Type)))
		dst = append(dst, r.Type...)
		dst = binary.AppendUvarint(dst, uint64(len(r.Name)))
		dst = append(dst, r.Name...)
	}
	return dst
}

// decodeResources is the inverse of encodeResources; it returns nil for an
// empty src.
func decodeResources(src []byte) ([]store.EventResource, error) {
	if len(src) == 0 {
		return nil, nil
	}
	n, src, err := readUvarint(src)
	if err != nil {
		return nil, err
	}
	// Each resource takes at least two bytes, which bounds the allocation
	// whatever the count claims.
	if n > uint64(len(src)/2) {
		return nil, errCorruptResources
	}
	rs := make([]store.EventResource, n)
	for i := range rs {
		if rs[i].Type, src, err = readString(src); err != nil {
			return nil, err
		}
		if rs[i].Name, src, err = readString(src); err != nil {
			return nil, err
		}
	}
	if len(src) != 0 {
		return nil, errCorruptResources
	}
	return rs, nil
}

func readUvarint(src []byte) (uint64, []byte, error) {
	v, n := binary.Uvarint(src)
	if n <= 0 {
		return 0, nil, errCorruptResources
	}
	return v, src[n:], nil
}

func readString(src []byte) (string, []byte, error) {
	n, src, err := readUvarint(src)
	if err != nil {
		return "", nil, err
	}
	if n > uint64(len(src)) {
		return "", nil, errCorruptResources
	}
	return string(src[:n]), src[n:], nil
}
