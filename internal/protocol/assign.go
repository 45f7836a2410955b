package protocol

import (
	"encoding/base64"
	"errors"
	"math"
	"reflect"
	"strconv"
)

// Decoders of every protocol end in the setters below, which store one
// decoded scalar into a typed field whatever its pointer-ness.

var (
	errNotBool    = errors.New("boolean must be true or false")
	errNotInt     = errors.New("not an integer")
	errIntRange   = errors.New("integer out of range")
	errNotFloat   = errors.New("not a number")
	errFloatRange = errors.New("number out of range")
	errNotBase64  = errors.New("not valid base64")
)

func setString(v reflect.Value, t *typePlan, s string) {
	if t.ptr {
		p := reflect.New(t.base)
		p.Elem().SetString(s)
		v.Set(p)
		return
	}
	v.SetString(s)
}

func setBool(v reflect.Value, t *typePlan, b bool) {
	if t.ptr {
		p := reflect.New(t.base)
		p.Elem().SetBool(b)
		v.Set(p)
		return
	}
	v.SetBool(b)
}

func setInt(v reflect.Value, t *typePlan, n int64) error {
	if t.bits < 64 {
		lim := int64(1) << (t.bits - 1)
		if n < -lim || n >= lim {
			return errIntRange
		}
	}
	if t.ptr {
		p := reflect.New(t.base)
		p.Elem().SetInt(n)
		v.Set(p)
		return nil
	}
	v.SetInt(n)
	return nil
}

func setFloat(v reflect.Value, t *typePlan, f float64) error {
	if t.bits == 32 && !math.IsInf(f, 0) && !math.IsNaN(f) && math.Abs(f) > math.MaxFloat32 {
		return errFloatRange
	}
	if t.ptr {
		p := reflect.New(t.base)
		p.Elem().SetFloat(f)
		v.Set(p)
		return nil
	}
	v.SetFloat(f)
	return nil
}

func setBlob(v reflect.Value, t *typePlan, b []byte) {
	if t.ptr {
		p := reflect.New(t.base)
		p.Elem().SetBytes(b)
		v.Set(p)
		return
	}
	v.SetBytes(b)
}

// parseFloatText parses a decimal float or one of the spellings AWS uses for
// the IEEE specials: NaN, Infinity, -Infinity.
func parseFloatText(s string, bits int) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	if !isDecimal(s) {
		return 0, errNotFloat
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, errFloatRange
		}
		return 0, errNotFloat
	}
	return f, nil
}

// isDecimal reports whether s is a plain decimal number: an optional minus,
// digits with an optional fraction, and an optional exponent. It keeps out
// the extra spellings strconv accepts (inf, hex floats, underscores).
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// decodeBase64 accepts standard base64 with or without padding.
func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil {
		return b, nil
	}
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return nil, errNotBase64
}

// decodeBase64Bytes is decodeBase64 for text the JSON decoder holds as
// bytes: it decodes straight into the returned slice, the only allocation.
func decodeBase64Bytes(src []byte) ([]byte, bool) {
	// Unpadded text decodes to the most bytes, so this length fits both.
	dst := make([]byte, base64.RawStdEncoding.DecodedLen(len(src)))
	if n, err := base64.StdEncoding.Decode(dst, src); err == nil {
		return dst[:n], true
	}
	if n, err := base64.RawStdEncoding.Decode(dst, src); err == nil {
		return dst[:n], true
	}
	return nil, false
}

// maxInternedEnum bounds the enum value sets stringOf searches: longer
// ones cost more to scan than the allocation saves.
const maxInternedEnum = 16

// stringOf returns b as a string. A value of a small enum type that is one
// of its values comes back as the model's own string, which costs no
// allocation.
func stringOf(b []byte, t *typePlan) string {
	if t.kind == kindEnum && len(t.enum) <= maxInternedEnum {
		for _, e := range t.enum {
			if e == string(b) {
				return e
			}
		}
	}
	return string(b)
}

// setFromText stores s, the text form of a scalar (query parameters, URI
// labels, query strings, headers), into v of plan t. ts is the timestamp
// format that applies when the field has no ts tag of its own.
func setFromText(v reflect.Value, t *typePlan, s string, ts tsFormat) error {
	switch t.kind {
	case kindString, kindEnum:
		setString(v, t, s)
	case kindBool:
		switch s {
		case "true", "1":
			setBool(v, t, true)
		case "false", "0":
			setBool(v, t, false)
		default:
			return errNotBool
		}
	case kindInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			var ne *strconv.NumError
			if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
				return errIntRange
			}
			return errNotInt
		}
		return setInt(v, t, n)
	case kindFloat:
		f, err := parseFloatText(s, t.bits)
		if err != nil {
			return err
		}
		return setFloat(v, t, f)
	case kindTime:
		tm, err := parseTime(s, ts)
		if err != nil {
			return err
		}
		setTime(v, t, tm)
	case kindBlob:
		b, err := decodeBase64(s)
		if err != nil {
			return err
		}
		setBlob(v, t, b)
	case kindDocument:
		v.Set(reflect.ValueOf(s))
	default:
		return errors.New("not a scalar")
	}
	return nil
}
