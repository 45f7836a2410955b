package protocol

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"math/bits"
	"reflect"
	"sort"
	"strconv"
	"unicode/utf8"
)

// maxEncodeDepth bounds the nesting the encoders follow, so that a cyclic
// output value is reported instead of recursing forever.
const maxEncodeDepth = 128

var errTooDeep = errors.New("protocol: value nests too deeply (cyclic?)")

// jsonEncoder appends the JSON form of generated structs to buf, as the
// awsJson and rest-json protocols send them: members by wire name in
// declaration order, absent members left out, timestamps as epoch seconds
// unless tagged otherwise, blobs in base64.
type jsonEncoder struct {
	buf []byte
}

// encodeStruct writes the structure v of plan sp as an object. With
// bodyOnly, members bound to other parts of the HTTP message are left out.
func (e *jsonEncoder) encodeStruct(v reflect.Value, sp *structPlan, bodyOnly bool, depth int) error {
	if depth > maxEncodeDepth {
		return errTooDeep
	}
	e.buf = append(e.buf, '{')
	first := true
	for i := range sp.fields {
		f := &sp.fields[i]
		if bodyOnly && f.loc != locBody {
			continue
		}
		fv := v.Field(f.index)
		if isAbsent(fv, f.t) {
			if !f.required || (f.t.kind != kindList && f.t.kind != kindMap) {
				continue
			}
			// A required list or map is always present in AWS responses,
			// empty when there is nothing to list.
			if !first {
				e.buf = append(e.buf, ',')
			}
			first = false
			e.buf = append(e.buf, f.jsonKey...)
			if f.t.kind == kindList {
				e.buf = append(e.buf, '[', ']')
			} else {
				e.buf = append(e.buf, '{', '}')
			}
			continue
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.buf = append(e.buf, f.jsonKey...)
		if err := e.encodeValue(fv, f.t, f, depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// encodeValue writes v of plan t; f is the member it belongs to.
func (e *jsonEncoder) encodeValue(v reflect.Value, t *typePlan, f *fieldPlan, depth int) error {
	if t.ptr {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if t.kind != kindTime {
			v = v.Elem()
		}
	}
	switch t.kind {
	case kindString, kindEnum:
		e.buf = appendJSONString(e.buf, v.String())
	case kindBool:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case kindInt:
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	case kindFloat:
		e.buf = appendJSONFloat(e.buf, v.Float(), t.bits)
	case kindTime:
		tm := timeOf(v, t)
		ts := resolveTS(f, tsEpoch)
		if ts == tsEpoch {
			e.buf = appendEpoch(e.buf, tm)
		} else {
			e.buf = append(e.buf, '"')
			e.buf = appendTime(e.buf, tm, ts)
			e.buf = append(e.buf, '"')
		}
	case kindBlob:
		e.buf = appendBase64JSON(e.buf, v.Bytes())
	case kindList:
		if depth > maxEncodeDepth {
			return errTooDeep
		}
		e.buf = append(e.buf, '[')
		n := v.Len()
		for i := 0; i < n; i++ {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.encodeValue(v.Index(i), t.elem, f, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	case kindMap:
		if depth > maxEncodeDepth {
			return errTooDeep
		}
		e.buf = append(e.buf, '{')
		keys := sortedKeys(v)
		for i, k := range keys {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = appendJSONString(e.buf, k.String())
			e.buf = append(e.buf, ':')
			if err := e.encodeValue(v.MapIndex(k), t.elem, f, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
	case kindStruct:
		return e.encodeStruct(v, t.str, false, depth+1)
	case kindDocument:
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.encodeAny(v.Elem().Interface(), depth+1)
	}
	return nil
}

// encodeAny writes a document or an error field: the generic JSON types,
// generated structs (by their plans), and anything else through
// encoding/json.
func (e *jsonEncoder) encodeAny(x any, depth int) error {
	if depth > maxEncodeDepth {
		return errTooDeep
	}
	switch x := x.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case string:
		e.buf = appendJSONString(e.buf, x)
	case bool:
		e.buf = strconv.AppendBool(e.buf, x)
	case float64:
		e.buf = appendJSONFloat(e.buf, x, 64)
	case float32:
		e.buf = appendJSONFloat(e.buf, float64(x), 32)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int32:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, x, 10)
	case *string:
		if x == nil {
			e.buf = append(e.buf, "null"...)
		} else {
			e.buf = appendJSONString(e.buf, *x)
		}
	case json.Number:
		e.buf = append(e.buf, x...)
	case []any:
		e.buf = append(e.buf, '[')
		for i, el := range x {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.encodeAny(el, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	case map[string]any:
		e.buf = append(e.buf, '{')
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = appendJSONString(e.buf, k)
			e.buf = append(e.buf, ':')
			if err := e.encodeAny(x[k], depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
	default:
		rv := reflect.ValueOf(x)
		if p := tryPlanOf(rv.Type()); p != nil {
			if p.ptr && rv.IsNil() {
				e.buf = append(e.buf, "null"...)
				return nil
			}
			return e.encodeValue(rv, p, nil, depth+1)
		}
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		e.buf = append(e.buf, b...)
	}
	return nil
}

// tryPlanOf returns the plan of t when t is a shape the codecs understand
// (a generated struct, a list or map of them), or nil.
func tryPlanOf(t reflect.Type) (p *typePlan) {
	base := t
	if base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	switch base.Kind() {
	case reflect.Struct, reflect.Slice, reflect.Map:
	default:
		return nil
	}
	defer func() {
		if recover() != nil {
			p = nil
		}
	}()
	return planOf(t)
}

// sortedKeys returns the keys of the map v in byte order, so that every
// encoding of the same map is the same.
func sortedKeys(v reflect.Value) []reflect.Value {
	keys := v.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	return keys
}

// appendJSONFloat writes f as AWS clients read it: shortest decimal form,
// exponent notation only for very large or small magnitudes, and the
// strings "NaN", "Infinity" and "-Infinity" for the IEEE specials.
func appendJSONFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Infinity"`...)
	}
	return appendFloatText(dst, f, bits)
}

// appendFloatText writes a finite float in shortest decimal form.
func appendFloatText(dst []byte, f float64, bits int) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(dst, f, format, -1, bits)
}

func appendBase64JSON(dst []byte, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string. Only what JSON requires is
// escaped (quote, backslash, control characters) plus U+2028 and U+2029;
// invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Most text is printable ASCII, which needs no escaping: scan it
		// eight bytes at a time, up to the first byte that may need it.
		for i+8 <= len(s) {
			if m := specialBytes8(load8(s, i)); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// specialBytes8 flags the bytes of x (eight bytes, the first in the low
// bits) that are not printable ASCII or are a quote or backslash: what
// appendJSONString does not copy as is, and what ends or complicates a
// string for the decoder. Each flagged byte has its high bit set in the
// result. A byte that follows a flagged one may be flagged too, wrongly;
// the lowest flagged byte is always right, so callers go straight to it.
func specialBytes8(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// A byte below 0x20 (first term), or a quote or backslash (zero after
	// the XOR, in the others), borrows in the subtraction and so gets its
	// high bit set; non-ASCII bytes have it already (last term). Borrows
	// only run upwards, to the following bytes.
	return ((x - 0x20*ones) | ((x ^ '"'*ones) - ones) | ((x ^ '\\'*ones) - ones) | x) & highs
}

// load8 returns the eight bytes of s at i as one little-endian word, the
// form specialBytes8 takes (the compiler makes this a single load).
func load8(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}
