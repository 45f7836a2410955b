package protocol

import (
	"reflect"
	"strconv"
)

// hiddenValue replaces sensitive members in trail events, as CloudTrail
// writes them.
const hiddenValue = "HIDDEN_DUE_TO_SECURITY_REASONS"

// cloudTrailTime is how CloudTrail renders timestamps inside
// requestParameters and responseElements (Java's default date format, in
// UTC): "Nov 27, 2026, 3:26:46 PM".
const cloudTrailTime = "Jan 2, 2006, 3:04:05 PM"

// AuditJSON appends v (an input or output struct, or a pointer to one) to
// dst as CloudTrail renders requestParameters and responseElements: a JSON
// object with lowerCamelCase member names in declaration order, absent
// members left out, sensitive members as "HIDDEN_DUE_TO_SECURITY_REASONS",
// and timestamps as "Nov 27, 2026, 3:26:46 PM" (UTC). Blob members are
// left out: CloudTrail never records binary payloads (KMS's Encrypt and
// Decrypt events carry neither plaintext nor ciphertext), and they would
// make trail events large and possibly secret. A nil v, or a nil pointer,
// is null.
func AuditJSON(dst []byte, v any) []byte {
	if v == nil {
		return append(dst, "null"...)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		return append(dst, "null"...)
	}
	sv, p := structValue(v)
	if p == nil {
		e := jsonEncoder{buf: dst}
		if e.encodeAny(v, 0) != nil {
			return append(dst, "null"...)
		}
		return e.buf
	}
	a := auditEncoder{buf: dst}
	a.structure(sv, p.str, 0)
	return a.buf
}

type auditEncoder struct {
	buf []byte
}

func (a *auditEncoder) structure(v reflect.Value, sp *structPlan, depth int) {
	if depth > maxEncodeDepth {
		a.buf = append(a.buf, "null"...)
		return
	}
	a.buf = append(a.buf, '{')
	first := true
	for i := range sp.fields {
		f := &sp.fields[i]
		fv := v.Field(f.index)
		if isAbsent(fv, f.t) || holdsBlob(f.t) {
			continue
		}
		if !first {
			a.buf = append(a.buf, ',')
		}
		first = false
		a.buf = appendJSONString(a.buf, f.camel)
		a.buf = append(a.buf, ':')
		if f.sensitive {
			a.buf = appendJSONString(a.buf, hiddenValue)
			continue
		}
		a.value(fv, f.t, depth+1)
	}
	a.buf = append(a.buf, '}')
}

// holdsBlob reports binary members (blobs and lists or maps of them),
// which trail events leave out.
func holdsBlob(t *typePlan) bool {
	for t.kind == kindList || t.kind == kindMap {
		t = t.elem
	}
	return t.kind == kindBlob
}

func (a *auditEncoder) value(v reflect.Value, t *typePlan, depth int) {
	if isAbsent(v, t) && t.kind != kindString && t.kind != kindEnum {
		a.buf = append(a.buf, "null"...)
		return
	}
	if t.kind == kindTime {
		a.buf = append(a.buf, '"')
		a.buf = timeOf(v, t).UTC().AppendFormat(a.buf, cloudTrailTime)
		a.buf = append(a.buf, '"')
		return
	}
	v = deref(v, t)
	switch t.kind {
	case kindString, kindEnum:
		a.buf = appendJSONString(a.buf, v.String())
	case kindBool:
		a.buf = strconv.AppendBool(a.buf, v.Bool())
	case kindInt:
		a.buf = strconv.AppendInt(a.buf, v.Int(), 10)
	case kindFloat:
		a.buf = appendJSONFloat(a.buf, v.Float(), t.bits)
	case kindList:
		a.buf = append(a.buf, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				a.buf = append(a.buf, ',')
			}
			a.value(v.Index(i), t.elem, depth+1)
		}
		a.buf = append(a.buf, ']')
	case kindMap:
		a.buf = append(a.buf, '{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				a.buf = append(a.buf, ',')
			}
			a.buf = appendJSONString(a.buf, k.String())
			a.buf = append(a.buf, ':')
			a.value(v.MapIndex(k), t.elem, depth+1)
		}
		a.buf = append(a.buf, '}')
	case kindStruct:
		a.structure(v, t.str, depth+1)
	case kindDocument:
		e := jsonEncoder{buf: a.buf}
		if e.encodeAny(v.Interface(), depth) != nil {
			a.buf = append(a.buf, "null"...)
			return
		}
		a.buf = e.buf
	default:
		a.buf = append(a.buf, "null"...)
	}
}
