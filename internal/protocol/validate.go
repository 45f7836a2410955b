package protocol

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// Validate checks in (a pointer to a generated struct) against the model
// constraints carried by its tags, recursively: required members, length
// bounds of strings, blobs, lists and maps, value bounds of numbers,
// patterns, and enum value sets. It returns nil when in is valid, else an
// *Error with the service's ValidationErrorCode, status 400, and AWS's
// message:
//
//	1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null
//	2 validation errors detected: Value 'a b' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+; Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1
//
// Paths are member names in lowerCamelCase joined by dots; list elements
// are 'tags.1.member.key' (1-based) and map values 'tags.KEY.member'.
// Sensitive values are left out ("Value at 'password' …"), as AWS does;
// blobs are shown as AWS's Java servers show them
// ('java.nio.HeapByteBuffer[pos=0 lim=5 cap=5]').
func Validate(svc *Service, in any) *Error {
	v, p := structValue(in)
	if p == nil {
		return nil
	}
	var pathBuf [128]byte
	vd := validator{path: pathBuf[:0]}
	vd.structure(v, p.str, 0)
	if len(vd.msgs) == 0 {
		return nil
	}
	var sb strings.Builder
	sb.WriteString(strconv.Itoa(len(vd.msgs)))
	if len(vd.msgs) == 1 {
		sb.WriteString(" validation error detected: ")
	} else {
		sb.WriteString(" validation errors detected: ")
	}
	for i, m := range vd.msgs {
		if i > 0 {
			sb.WriteString("; ")
		}
		sb.WriteString(m)
	}
	e := &Error{Code: validationCode(svc), Status: http.StatusBadRequest, Message: sb.String()}
	if svc != nil {
		if reason, ok := validationReasons[svc.ID]; ok {
			e.Fields = map[string]any{"reason": reason}
		}
	}
	return e
}

// validationReasons is the value of the required reason member of the
// ValidationException shape of services whose model has one, for a member
// that failed validation.
var validationReasons = map[string]string{
	"inspector2": "FIELD_VALIDATION_FAILED",
	"artifact":   "fieldValidationFailed",
}

// validationCode is the service's code for model validation failures.
func validationCode(svc *Service) string {
	switch {
	case svc != nil && svc.ValidationErrorCode != "":
		return svc.ValidationErrorCode
	case svc != nil && svc.Protocol == Query:
		return "ValidationError"
	}
	return "ValidationException"
}

// validator collects the failures of one input. path holds the path of
// the member being checked; it is only turned into a string on failure,
// so that a valid input costs no allocations here.
type validator struct {
	msgs []string
	path []byte
}

// subject is the value a failure message shows: the failing member, or
// for constraints on list and map contents the collection itself.
type subject struct {
	v      reflect.Value
	t      *typePlan
	hidden bool
}

// fail records "Value 'v' at 'path' failed to satisfy constraint: c". The
// value is left out for sensitive members ("Value at 'path' …").
func (vd *validator) fail(s subject, constraint string) {
	shown := ""
	if !s.hidden {
		shown = "'" + renderValue(s.v, s.t, 0) + "' "
	}
	vd.msgs = append(vd.msgs, "Value "+shown+"at '"+string(vd.path)+"' failed to satisfy constraint: "+constraint)
}

func (vd *validator) failNull() {
	vd.msgs = append(vd.msgs, "Value null at '"+string(vd.path)+"' failed to satisfy constraint: Member must not be null")
}

func (vd *validator) structure(v reflect.Value, sp *structPlan, depth int) {
	if depth > maxEncodeDepth {
		return
	}
	for i := range sp.fields {
		f := &sp.fields[i]
		n := len(vd.path)
		if n > 0 {
			vd.path = append(vd.path, '.')
		}
		vd.path = append(vd.path, f.camel...)
		vd.member(v.Field(f.index), f, depth)
		vd.path = vd.path[:n]
	}
}

// member checks one member in the order AWS reports: presence, length,
// value range, pattern, enum; then the members of what it contains.
func (vd *validator) member(v reflect.Value, f *fieldPlan, depth int) {
	t := f.t
	if isAbsent(v, t) {
		if f.required {
			vd.failNull()
		}
		return
	}
	self := subject{v: v, t: t, hidden: f.sensitive}
	dv := deref(v, t)
	switch t.kind {
	case kindString, kindEnum, kindBlob, kindList, kindMap:
		if f.hasMin || f.hasMax {
			var n int
			if t.kind == kindString || t.kind == kindEnum {
				n = utf16Len(dv.String())
			} else {
				n = dv.Len()
			}
			if f.hasMin && float64(n) < f.min {
				vd.fail(self, "Member must have length greater than or equal to "+f.minText)
			}
			if f.hasMax && float64(n) > f.max {
				vd.fail(self, "Member must have length less than or equal to "+f.maxText)
			}
		}
	case kindInt, kindFloat:
		var x float64
		if t.kind == kindInt {
			x = float64(dv.Int())
		} else {
			x = dv.Float()
		}
		if f.hasMin && x < f.min {
			vd.fail(self, "Member must have value greater than or equal to "+f.minText)
		}
		if f.hasMax && x > f.max {
			vd.fail(self, "Member must have value less than or equal to "+f.maxText)
		}
	}
	if (t.kind == kindString || t.kind == kindEnum) && f.pattern != nil && !f.pattern.MatchString(dv.String()) {
		vd.fail(self, "Member must satisfy regular expression pattern: "+f.patternText)
	}
	if t.kind == kindEnum && !inEnum(t.enum, dv.String()) {
		vd.fail(self, "Member must satisfy enum value set: "+enumSet(t.enum))
	}
	vd.contents(dv, t, self, depth)
}

// contents checks the elements of lists and maps and the members of
// structures. self is what messages about scalar elements show.
func (vd *validator) contents(v reflect.Value, t *typePlan, self subject, depth int) {
	if depth > maxEncodeDepth {
		return
	}
	switch t.kind {
	case kindStruct:
		vd.structure(v, t.str, depth+1)
	case kindList:
		et := t.elem
		if et.kind == kindEnum {
			// Scalar elements are reported once, for the whole list.
			for i := 0; i < v.Len(); i++ {
				if ev := v.Index(i); !isAbsent(ev, et) && !inEnum(et.enum, deref(ev, et).String()) {
					vd.fail(self, "Member must satisfy constraint: [Member must satisfy enum value set: "+enumSet(et.enum)+"]")
					break
				}
			}
			return
		}
		if et.kind != kindStruct && et.kind != kindList && et.kind != kindMap {
			return
		}
		for i := 0; i < v.Len(); i++ {
			ev := v.Index(i)
			if isAbsent(ev, et) {
				continue
			}
			n := len(vd.path)
			vd.path = append(vd.path, '.')
			vd.path = strconv.AppendInt(vd.path, int64(i+1), 10)
			vd.path = append(vd.path, ".member"...)
			vd.contents(deref(ev, et), et, subject{v: ev, t: et, hidden: self.hidden}, depth+1)
			vd.path = vd.path[:n]
		}
	case kindMap:
		et := t.elem
		if allowed, isEnum := enumValuesOf(t.base.Key()); isEnum {
			for _, k := range v.MapKeys() {
				if !inEnum(allowed, k.String()) {
					vd.fail(self, "Map keys must satisfy constraint: [Member must satisfy enum value set: "+enumSet(allowed)+"]")
					break
				}
			}
		}
		if et.kind == kindEnum {
			for _, k := range v.MapKeys() {
				ev := v.MapIndex(k)
				if !isAbsent(ev, et) && !inEnum(et.enum, deref(ev, et).String()) {
					vd.fail(self, "Map value must satisfy constraint: [Member must satisfy enum value set: "+enumSet(et.enum)+"]")
					break
				}
			}
			return
		}
		if et.kind != kindStruct && et.kind != kindList && et.kind != kindMap {
			return
		}
		for _, k := range sortedKeys(v) {
			ev := v.MapIndex(k)
			if isAbsent(ev, et) {
				continue
			}
			n := len(vd.path)
			vd.path = append(vd.path, '.')
			vd.path = append(vd.path, k.String()...)
			vd.path = append(vd.path, ".member"...)
			vd.contents(deref(ev, et), et, subject{v: ev, t: et, hidden: self.hidden}, depth+1)
			vd.path = vd.path[:n]
		}
	}
}

func inEnum(values []string, s string) bool {
	for _, v := range values {
		if v == s {
			return true
		}
	}
	return false
}

func enumSet(values []string) string {
	return "[" + strings.Join(values, ", ") + "]"
}

// utf16Len counts s in UTF-16 code units, as AWS's Java servers measure
// string lengths.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// renderValue shows a value as AWS's validation messages do (the Java
// toString of the value): text as is, lists as [a, b], maps as {k=v},
// structures as {Name: v, ...}.
func renderValue(v reflect.Value, t *typePlan, depth int) string {
	if depth > 8 {
		return "..."
	}
	if t.kind != kindString && t.kind != kindEnum && isAbsent(v, t) {
		return "null"
	}
	if t.kind == kindTime {
		return timeOf(v, t).UTC().Format("Mon Jan 02 15:04:05 UTC 2006")
	}
	if t.ptr && v.IsNil() {
		return "null"
	}
	v = deref(v, t)
	switch t.kind {
	case kindString, kindEnum:
		return v.String()
	case kindBool:
		return strconv.FormatBool(v.Bool())
	case kindInt:
		return strconv.FormatInt(v.Int(), 10)
	case kindFloat:
		return string(appendFloatWord(nil, v.Float(), t.bits))
	case kindBlob:
		n := strconv.Itoa(v.Len())
		return "java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]"
	case kindList:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = renderValue(v.Index(i), t.elem, depth+1)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case kindMap:
		keys := sortedKeys(v)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k.String() + "=" + renderValue(v.MapIndex(k), t.elem, depth+1)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case kindStruct:
		var parts []string
		for i := range t.str.fields {
			f := &t.str.fields[i]
			fv := v.Field(f.index)
			if isAbsent(fv, f.t) {
				continue
			}
			s := "***"
			if !f.sensitive {
				s = renderValue(fv, f.t, depth+1)
			}
			parts = append(parts, f.name+": "+s)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case kindDocument:
		var e jsonEncoder
		if e.encodeAny(v.Interface(), 0) != nil {
			return "?"
		}
		return string(e.buf)
	}
	return ""
}
