package protocol

import (
	"reflect"
	"slices"
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
	out, _ := AuditJSONChecked(dst, v, nil)
	return out
}

// AuditJSONChecked is AuditJSON that also tells whether the document it
// wrote is clean for the trail: valid JSON in which no object member is
// named like a secret, secret being the test of a name (audit.IsSecretName;
// nil checks nothing and reports false). The audit recorder scans documents
// it is not told are clean for secret-named members (a second line of
// defence behind the model's sensitive marks); a clean one it can record
// as is. clean is false when the document holds a member or map key that
// secret matches, even one hidden as sensitive, and when it holds free-form
// document values or v is not a structure: their member names are not all
// known here.
func AuditJSONChecked(dst []byte, v any, secret func(name string) bool) (out []byte, clean bool) {
	if v == nil {
		return append(dst, "null"...), secret != nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		return append(dst, "null"...), secret != nil
	}
	sv, p := structValue(v)
	if p == nil {
		e := jsonEncoder{buf: dst}
		if e.encodeAny(v, 0) != nil {
			return append(dst, "null"...), false
		}
		return e.buf, false
	}
	a := auditEncoder{buf: dst, secret: secret, clean: secret != nil}
	a.structure(sv, p.str, 0)
	return a.buf, a.clean
}

type auditEncoder struct {
	buf []byte
	// secret tests the member names written; clean stays true while none
	// matched and nothing unchecked was written (see AuditJSONChecked).
	secret func(string) bool
	clean  bool
}

// name writes a member name or map key, and checks it.
func (a *auditEncoder) name(n string) {
	if a.clean && a.secret(n) {
		a.clean = false
	}
	a.buf = appendJSONString(a.buf, n)
	a.buf = append(a.buf, ':')
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
		a.name(f.camel)
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
		if m, ok := stringMap(v, t); ok {
			a.stringMap(m)
			return
		}
		a.buf = append(a.buf, '{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				a.buf = append(a.buf, ',')
			}
			a.name(k.String())
			a.value(v.MapIndex(k), t.elem, depth+1)
		}
		a.buf = append(a.buf, '}')
	case kindStruct:
		a.structure(v, t.str, depth+1)
	case kindDocument:
		a.clean = false // member names unknown to the model
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

var stringMapType = reflect.TypeFor[map[string]string]()

// stringMap returns v as a map[string]string when it is one with string
// values (the common map: tags, encryption contexts), which stringMap
// writes without reflection.
func stringMap(v reflect.Value, t *typePlan) (map[string]string, bool) {
	if t.elem.kind != kindString || t.elem.ptr || v.Type() != stringMapType || !v.CanInterface() {
		return nil, false
	}
	return v.Interface().(map[string]string), true
}

// stringMap writes m as a JSON object with its keys sorted, as the
// reflective path does (see sortedKeys), without reflection and, for maps
// of up to 8 entries, without allocating.
func (a *auditEncoder) stringMap(m map[string]string) {
	var small [8]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	a.buf = append(a.buf, '{')
	for i, k := range keys {
		if i > 0 {
			a.buf = append(a.buf, ',')
		}
		a.name(k)
		a.buf = appendJSONString(a.buf, m[k])
	}
	a.buf = append(a.buf, '}')
}
