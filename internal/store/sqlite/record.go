package sqlite

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/lookup"
)

// The record column of the events table holds everything about an event
// but its id, which has a column (and a unique index) of its own:
//
//	byte    recordFormat
//	varint  event time, Unix nanoseconds (see lookup.UnixNano)
//	string  account id
//	string  event name
//	string  event source
//	string  username
//	string  access key id
//	byte    read-only: 0 or 1
//	uvarint resource count, then per resource: string type, string name
//	        (the list exactly as appended, order and duplicates included,
//	        in the encoding of resources.go)
//	the rest: the CloudTrail JSON
//
// where a string is a uvarint length and that many bytes. One blob instead
// of a column per attribute is deliberate: nothing filters on these columns
// in SQL any more (the posting lists do, see postings.go), and every bound
// parameter costs the driver an allocation and a copy, about a tenth of the
// whole cost of appending an event when there were eleven of them.
const recordFormat = 1

var errCorruptRecord = errors.New("corrupt event record")

// appendRecord appends the record of e to dst.
func appendRecord(dst []byte, e *store.EventRecord) []byte {
	dst = append(dst, recordFormat)
	dst = binary.AppendVarint(dst, lookup.UnixNano(e.EventTime))
	dst = appendString(dst, e.AccountID)
	dst = appendString(dst, e.EventName)
	dst = appendString(dst, e.EventSource)
	dst = appendString(dst, e.Username)
	dst = appendString(dst, e.AccessKeyID)
	if e.ReadOnly {
		dst = append(dst, 1)
	} else {
		dst = append(dst, 0)
	}
	dst = encodeResources(dst, e.Resources)
	return append(dst, e.JSON...)
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decodeRecord is the inverse of appendRecord for the event with id. The
// returned JSON aliases src; the strings do not.
func decodeRecord(id string, src []byte) (rec store.EventRecord, nanos int64, err error) {
	r := recordReader{b: src}
	if format := r.byte(); format != recordFormat {
		return store.EventRecord{}, 0, errCorruptRecord
	}
	nanos = r.varint()
	rec = store.EventRecord{
		EventID:     id,
		EventTime:   time.Unix(0, nanos).UTC(),
		AccountID:   r.string(),
		EventName:   r.string(),
		EventSource: r.string(),
		Username:    r.string(),
		AccessKeyID: r.string(),
	}
	switch r.byte() {
	case 0:
	case 1:
		rec.ReadOnly = true
	default:
		r.fail()
	}
	n := r.uvarint()
	// Each resource takes at least two bytes, which bounds the allocation
	// whatever the count claims.
	if n > uint64(len(r.b)/2) {
		r.fail()
	}
	if n > 0 && !r.bad {
		rec.Resources = make([]store.EventResource, n)
		for i := range rec.Resources {
			rec.Resources[i] = store.EventResource{Type: r.string(), Name: r.string()}
		}
	}
	if r.bad {
		return store.EventRecord{}, 0, errCorruptRecord
	}
	rec.JSON = r.b[:len(r.b):len(r.b)]
	return rec, nanos, nil
}

// recordReader decodes the fields of a record or a posting list in turn. The
// first malformed field sets bad, after which every read returns zero, so
// that a caller checks once at the end.
type recordReader struct {
	b   []byte
	bad bool
}

func (r *recordReader) fail() {
	r.bad = true
	r.b = nil
}

func (r *recordReader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *recordReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recordReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recordReader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s
}

func (r *recordReader) string() string { return string(r.bytes()) }
