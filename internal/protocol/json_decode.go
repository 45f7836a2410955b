package protocol

import (
	"encoding/binary"
	"math"
	"math/bits"
	"reflect"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonDecoder decodes a JSON document straight into generated structs by
// their plans, without building a generic tree first. It validates the
// syntax of everything it reads, including members it skips, and reports
// every failure as a SerializationException.
type jsonDecoder struct {
	data  []byte
	pos   int
	depth int
	// buf holds the unescaped text of the last string that needed it.
	buf []byte
}

// serializationError is the error of a body the JSON protocols cannot
// parse or that does not fit the operation's input shape.
func serializationError(msg string) *Error {
	return &Error{Code: "SerializationException", Status: 400, Message: msg}
}

// decodeJSONStruct fills the structure v (addressable, of plan sp) from
// data. An empty or all-space body is an empty structure. With bodyOnly,
// members bound to other parts of the HTTP message are ignored.
func decodeJSONStruct(data []byte, v reflect.Value, sp *structPlan, bodyOnly bool) *Error {
	d := jsonDecoder{data: data}
	d.skipWS()
	if d.pos == len(d.data) {
		return nil
	}
	if d.data[d.pos] == 'n' {
		if err := d.literal("null"); err != nil {
			return err
		}
	} else {
		if d.data[d.pos] != '{' {
			return serializationError("Start of structure or map expected but found " + d.describe())
		}
		if err := d.decodeFields(v, sp, bodyOnly); err != nil {
			return err
		}
	}
	d.skipWS()
	if d.pos != len(d.data) {
		return serializationError("Unexpected content after the end of the JSON document at offset " + strconv.Itoa(d.pos))
	}
	return nil
}

func (d *jsonDecoder) skipWS() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// describe names the token at the current position for error messages.
func (d *jsonDecoder) describe() string {
	if d.pos >= len(d.data) {
		return "end of input"
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return "start of object"
	case c == '[':
		return "start of array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "number"
	default:
		return "unexpected character at offset " + strconv.Itoa(d.pos)
	}
}

func (d *jsonDecoder) mismatch(want, name string) *Error {
	return serializationError("Expected " + want + " for member '" + name + "' but found " + d.describe())
}

func (d *jsonDecoder) enter() *Error {
	d.depth++
	if d.depth > maxDepth {
		return serializationError("JSON nesting exceeds the maximum depth of " + strconv.Itoa(maxDepth))
	}
	return nil
}

func (d *jsonDecoder) literal(word string) *Error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return serializationError("Invalid literal at offset " + strconv.Itoa(d.pos))
	}
	d.pos += len(word)
	return nil
}

// expect consumes c after optional space.
func (d *jsonDecoder) expect(c byte) *Error {
	d.skipWS()
	if d.pos >= len(d.data) || d.data[d.pos] != c {
		return serializationError("Expected '" + string(c) + "' but found " + d.describe())
	}
	d.pos++
	return nil
}

// readString reads a string token. The returned bytes alias the input or
// d.buf and are valid until the next call.
func (d *jsonDecoder) readString() ([]byte, *Error) {
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return nil, serializationError("Expected string but found " + d.describe())
	}
	start := d.pos + 1
	ascii := true
	for i := start; i < len(d.data); i++ {
		// Most strings are printable ASCII, which needs no checks: scan it
		// eight bytes at a time, up to the first byte that may end the
		// string or need a closer look.
		for i+8 <= len(d.data) {
			if m := specialBytes8(binary.LittleEndian.Uint64(d.data[i:])); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		if i == len(d.data) {
			break
		}
		c := d.data[i]
		switch {
		case c == '"':
			raw := d.data[start:i]
			if !ascii && !utf8.Valid(raw) {
				return nil, serializationError("Invalid UTF-8 in string")
			}
			d.pos = i + 1
			return raw, nil
		case c == '\\':
			return d.readEscaped(start)
		case c < 0x20:
			return nil, serializationError("Unescaped control character in string at offset " + strconv.Itoa(i))
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, serializationError("Unterminated string")
}

func (d *jsonDecoder) readEscaped(start int) ([]byte, *Error) {
	b := d.buf[:0]
	i := start
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			if !utf8.Valid(b) {
				return nil, serializationError("Invalid UTF-8 in string")
			}
			d.pos = i + 1
			d.buf = b
			return b, nil
		case c < 0x20:
			return nil, serializationError("Unescaped control character in string at offset " + strconv.Itoa(i))
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(d.data) {
			break
		}
		e := d.data[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(d.data, i)
			if !ok {
				return nil, serializationError("Invalid \\u escape in string")
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+6 <= len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
					r2, ok = hex4(d.data, i+2)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return nil, serializationError("Invalid escape in string")
		}
	}
	return nil, serializationError("Unterminated string")
}

func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// readNumber reads a number token and reports whether it is a plain
// integer (no fraction or exponent).
func (d *jsonDecoder) readNumber() (raw []byte, integer bool, err *Error) {
	start := d.pos
	i := start
	if i < len(d.data) && d.data[i] == '-' {
		i++
	}
	switch {
	case i < len(d.data) && d.data[i] == '0':
		i++
	case i < len(d.data) && d.data[i] >= '1' && d.data[i] <= '9':
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
	default:
		return nil, false, serializationError("Invalid number at offset " + strconv.Itoa(start))
	}
	integer = true
	if i < len(d.data) && d.data[i] == '.' {
		integer = false
		i++
		n := i
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
		if i == n {
			return nil, false, serializationError("Invalid number at offset " + strconv.Itoa(start))
		}
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		integer = false
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		n := i
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
		if i == n {
			return nil, false, serializationError("Invalid number at offset " + strconv.Itoa(start))
		}
	}
	d.pos = i
	return d.data[start:i], integer, nil
}

// parseInt parses a plain integer token without allocating.
func parseInt(raw []byte) (int64, bool) {
	neg := raw[0] == '-'
	if neg {
		raw = raw[1:]
	}
	var n uint64
	for _, c := range raw {
		if n > (math.MaxUint64-9)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

// decodeFields decodes an object (the current token is '{') into the
// structure v of plan sp, allocating v's pointee if needed by the caller.
func (d *jsonDecoder) decodeFields(v reflect.Value, sp *structPlan, bodyOnly bool) *Error {
	if err := d.enter(); err != nil {
		return err
	}
	d.pos++ // '{'
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return nil
	}
	for {
		d.skipWS()
		key, err := d.readString()
		if err != nil {
			return err
		}
		idx, known := sp.byName[string(key)]
		if err := d.expect(':'); err != nil {
			return err
		}
		d.skipWS()
		if known && (!bodyOnly || sp.fields[idx].loc == locBody) {
			f := &sp.fields[idx]
			if err := d.decodeValue(v.Field(f.index), f.t, f, f.name); err != nil {
				return err
			}
		} else if err := d.skip(); err != nil {
			return err
		}
		d.skipWS()
		if d.pos >= len(d.data) {
			return serializationError("Unterminated object")
		}
		if d.data[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.data[d.pos] == '}' {
			d.pos++
			d.depth--
			return nil
		}
		return serializationError("Expected ',' or '}' but found " + d.describe())
	}
}

// decodeValue decodes the value at the current position into v of plan t.
// f is the member the value belongs to (for its timestamp format) and name
// its wire name (for messages). null leaves v absent.
func (d *jsonDecoder) decodeValue(v reflect.Value, t *typePlan, f *fieldPlan, name string) *Error {
	if d.pos >= len(d.data) {
		return serializationError("Unexpected end of input")
	}
	c := d.data[d.pos]
	if c == 'n' {
		return d.literal("null")
	}
	switch t.kind {
	case kindString, kindEnum:
		if c != '"' {
			return d.mismatch("string", name)
		}
		s, err := d.readString()
		if err != nil {
			return err
		}
		setString(v, t, stringOf(s, t))
	case kindBool:
		switch c {
		case 't':
			if err := d.literal("true"); err != nil {
				return err
			}
			setBool(v, t, true)
		case 'f':
			if err := d.literal("false"); err != nil {
				return err
			}
			setBool(v, t, false)
		default:
			return d.mismatch("boolean", name)
		}
	case kindInt:
		return d.decodeInt(v, t, name)
	case kindFloat:
		return d.decodeFloat(v, t, name)
	case kindTime:
		return d.decodeTime(v, t, f, name)
	case kindBlob:
		if c != '"' {
			return d.mismatch("base64 string", name)
		}
		s, err := d.readString()
		if err != nil {
			return err
		}
		b, ok := decodeBase64Bytes(s)
		if !ok {
			return serializationError("Value for member '" + name + "' is not valid base64")
		}
		setBlob(v, t, b)
	case kindList:
		if c != '[' {
			return d.mismatch("list", name)
		}
		return d.decodeList(settable(v, t), t, f, name)
	case kindMap:
		if c != '{' {
			return d.mismatch("map", name)
		}
		return d.decodeMap(settable(v, t), t, f, name)
	case kindStruct:
		if c != '{' {
			return d.mismatch("structure", name)
		}
		return d.decodeFields(settable(v, t), t.str, false)
	case kindDocument:
		doc, err := d.decodeAny()
		if err != nil {
			return err
		}
		if doc != nil {
			v.Set(reflect.ValueOf(doc))
		}
	}
	return nil
}

func (d *jsonDecoder) decodeInt(v reflect.Value, t *typePlan, name string) *Error {
	if c := d.data[d.pos]; c != '-' && (c < '0' || c > '9') {
		return d.mismatch("number", name)
	}
	raw, integer, err := d.readNumber()
	if err != nil {
		return err
	}
	var n int64
	if integer {
		var ok bool
		if n, ok = parseInt(raw); !ok {
			return serializationError("Number " + string(raw) + " for member '" + name + "' is out of range")
		}
	} else {
		// A whole number written with a fraction or exponent (5.0, 1e3)
		// is accepted; a fractional one is not.
		fv, ferr := strconv.ParseFloat(string(raw), 64)
		if ferr != nil || fv != math.Trunc(fv) || math.Abs(fv) > 1<<63 {
			return serializationError("Number " + string(raw) + " for member '" + name + "' is not a valid integer")
		}
		n = int64(fv)
	}
	if setInt(v, t, n) != nil {
		return serializationError("Number " + string(raw) + " for member '" + name + "' is out of range")
	}
	return nil
}

func (d *jsonDecoder) decodeFloat(v reflect.Value, t *typePlan, name string) *Error {
	c := d.data[d.pos]
	var fv float64
	if c == '"' {
		s, err := d.readString()
		if err != nil {
			return err
		}
		switch string(s) {
		case "NaN":
			fv = math.NaN()
		case "Infinity":
			fv = math.Inf(1)
		case "-Infinity":
			fv = math.Inf(-1)
		default:
			return serializationError("Expected number for member '" + name + "' but found string")
		}
	} else {
		if c != '-' && (c < '0' || c > '9') {
			return d.mismatch("number", name)
		}
		raw, _, err := d.readNumber()
		if err != nil {
			return err
		}
		var perr error
		if fv, perr = parseFloatText(string(raw), 64); perr != nil {
			return serializationError("Number " + string(raw) + " for member '" + name + "' is out of range")
		}
	}
	if setFloat(v, t, fv) != nil {
		return serializationError("Number for member '" + name + "' is out of range")
	}
	return nil
}

func (d *jsonDecoder) decodeTime(v reflect.Value, t *typePlan, f *fieldPlan, name string) *Error {
	c := d.data[d.pos]
	var tm time.Time
	switch {
	case c == '"':
		s, err := d.readString()
		if err != nil {
			return err
		}
		parsed, perr := parseTime(string(s), resolveTS(f, tsEpoch))
		if perr != nil {
			return serializationError("Value for member '" + name + "' is not a valid timestamp")
		}
		tm = parsed
	case c == '-' || (c >= '0' && c <= '9'):
		raw, _, err := d.readNumber()
		if err != nil {
			return err
		}
		parsed, perr := parseEpoch(string(raw))
		if perr != nil {
			return serializationError("Timestamp " + string(raw) + " for member '" + name + "' is out of range")
		}
		tm = parsed
	default:
		return d.mismatch("timestamp", name)
	}
	setTime(v, t, tm)
	return nil
}

func (d *jsonDecoder) decodeList(lv reflect.Value, t *typePlan, f *fieldPlan, name string) *Error {
	if err := d.enter(); err != nil {
		return err
	}
	d.pos++ // '['
	lv.Set(reflect.MakeSlice(lv.Type(), 0, 0))
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return nil
	}
	n := 0
	for {
		d.skipWS()
		if d.pos < len(d.data) && d.data[d.pos] == 'n' {
			// A null element carries nothing; it is dropped.
			if err := d.literal("null"); err != nil {
				return err
			}
		} else {
			if n == maxListLen {
				return serializationError("List '" + name + "' has more than " + strconv.Itoa(maxListLen) + " elements")
			}
			lv.Grow(1)
			lv.SetLen(n + 1)
			if err := d.decodeValue(lv.Index(n), t.elem, f, name); err != nil {
				return err
			}
			n++
		}
		d.skipWS()
		if d.pos >= len(d.data) {
			return serializationError("Unterminated array")
		}
		if d.data[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.data[d.pos] == ']' {
			d.pos++
			d.depth--
			return nil
		}
		return serializationError("Expected ',' or ']' but found " + d.describe())
	}
}

func (d *jsonDecoder) decodeMap(mv reflect.Value, t *typePlan, f *fieldPlan, name string) *Error {
	if err := d.enter(); err != nil {
		return err
	}
	d.pos++ // '{'
	if t.stringMap {
		return d.decodeStringMap(mv, name)
	}
	mt := mv.Type()
	m := reflect.MakeMap(mt)
	mv.Set(m)
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return nil
	}
	// One key and one element value serve every entry: SetMapIndex
	// copies them into the map, so only what the entries hold is
	// allocated.
	key := reflect.New(mt.Key()).Elem()
	ev := reflect.New(mt.Elem()).Elem()
	n := 0
	for {
		d.skipWS()
		kb, err := d.readString()
		if err != nil {
			return err
		}
		key.SetString(string(kb))
		if err := d.expect(':'); err != nil {
			return err
		}
		d.skipWS()
		if d.pos < len(d.data) && d.data[d.pos] == 'n' {
			if err := d.literal("null"); err != nil {
				return err
			}
		} else {
			if n == maxListLen {
				return serializationError("Map '" + name + "' has more than " + strconv.Itoa(maxListLen) + " entries")
			}
			ev.SetZero()
			if err := d.decodeValue(ev, t.elem, f, name); err != nil {
				return err
			}
			m.SetMapIndex(key, ev)
			n++
		}
		if done, err := d.endMember(); done || err != nil {
			return err
		}
	}
}

// decodeStringMap is decodeMap for map[string]string, the most common map
// (tags, encryption contexts), filled without reflection. The current
// position is past the '{'.
func (d *jsonDecoder) decodeStringMap(mv reflect.Value, name string) *Error {
	m := map[string]string{}
	mv.Set(reflect.ValueOf(m))
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return nil
	}
	// The checks run in decodeMap's order, so that a bad body fails with
	// the same message either way.
	n := 0
	for {
		d.skipWS()
		kb, err := d.readString()
		if err != nil {
			return err
		}
		key := string(kb)
		if err := d.expect(':'); err != nil {
			return err
		}
		d.skipWS()
		switch {
		case d.pos < len(d.data) && d.data[d.pos] == 'n':
			if err := d.literal("null"); err != nil {
				return err
			}
		case n == maxListLen:
			return serializationError("Map '" + name + "' has more than " + strconv.Itoa(maxListLen) + " entries")
		case d.pos >= len(d.data):
			return serializationError("Unexpected end of input")
		case d.data[d.pos] != '"':
			return d.mismatch("string", name)
		default:
			s, err := d.readString()
			if err != nil {
				return err
			}
			m[key] = string(s)
			n++
		}
		if done, err := d.endMember(); done || err != nil {
			return err
		}
	}
}

// endMember consumes what follows an object member: ',' (done is false)
// or the closing '}' (done is true).
func (d *jsonDecoder) endMember() (done bool, err *Error) {
	d.skipWS()
	if d.pos >= len(d.data) {
		return true, serializationError("Unterminated object")
	}
	switch d.data[d.pos] {
	case ',':
		d.pos++
		return false, nil
	case '}':
		d.pos++
		d.depth--
		return true, nil
	}
	return true, serializationError("Expected ',' or '}' but found " + d.describe())
}

// skip consumes one value of any type, checking its syntax.
func (d *jsonDecoder) skip() *Error {
	_, err := d.value(false)
	return err
}

// decodeAny decodes one value into the generic form documents use:
// map[string]any, []any, string, float64, bool and nil.
func (d *jsonDecoder) decodeAny() (any, *Error) {
	return d.value(true)
}

// value reads one value, building its generic form when keep is set.
func (d *jsonDecoder) value(keep bool) (any, *Error) {
	d.skipWS()
	if d.pos >= len(d.data) {
		return nil, serializationError("Unexpected end of input")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		if err := d.enter(); err != nil {
			return nil, err
		}
		d.pos++
		var obj map[string]any
		if keep {
			obj = map[string]any{}
		}
		d.skipWS()
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			d.depth--
			return obj, nil
		}
		for {
			d.skipWS()
			k, err := d.readString()
			if err != nil {
				return nil, err
			}
			var key string
			if keep {
				key = string(k)
			}
			if err := d.expect(':'); err != nil {
				return nil, err
			}
			val, err := d.value(keep)
			if err != nil {
				return nil, err
			}
			if keep {
				obj[key] = val
			}
			d.skipWS()
			if d.pos < len(d.data) && d.data[d.pos] == ',' {
				d.pos++
				continue
			}
			if d.pos < len(d.data) && d.data[d.pos] == '}' {
				d.pos++
				d.depth--
				return obj, nil
			}
			return nil, serializationError("Expected ',' or '}' but found " + d.describe())
		}
	case c == '[':
		if err := d.enter(); err != nil {
			return nil, err
		}
		d.pos++
		var arr []any
		if keep {
			arr = []any{}
		}
		d.skipWS()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			d.depth--
			return arr, nil
		}
		for n := 0; ; n++ {
			if n == maxListLen*10 {
				return nil, serializationError("Array has too many elements")
			}
			val, err := d.value(keep)
			if err != nil {
				return nil, err
			}
			if keep {
				arr = append(arr, val)
			}
			d.skipWS()
			if d.pos < len(d.data) && d.data[d.pos] == ',' {
				d.pos++
				continue
			}
			if d.pos < len(d.data) && d.data[d.pos] == ']' {
				d.pos++
				d.depth--
				return arr, nil
			}
			return nil, serializationError("Expected ',' or ']' but found " + d.describe())
		}
	case c == '"':
		s, err := d.readString()
		if err != nil || !keep {
			return nil, err
		}
		return string(s), nil
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		raw, _, err := d.readNumber()
		if err != nil || !keep {
			return nil, err
		}
		f, perr := strconv.ParseFloat(string(raw), 64)
		if perr != nil {
			return nil, serializationError("Number " + string(raw) + " is out of range")
		}
		return f, nil
	default:
		return nil, serializationError("Unexpected character at offset " + strconv.Itoa(d.pos))
	}
}
