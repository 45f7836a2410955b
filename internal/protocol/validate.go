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
	return validateStruct(svc, v, p.str)
}

// validateStruct is Validate for the structure v of plan sp.
func validateStruct(svc *Service, v reflect.Value, sp *structPlan) *Error {
	var vd validator
	vd.structure(v, sp, 0)
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

// validator collects the failures of one input. The path of the member
// being checked is only turned into text on failure, so that a valid input
// costs no allocations here: up holds the steps to the structure, list or
// map being checked, and the member's own step is passed along by value.
type validator struct {
	msgs []string
	up   []pathSeg
}

// push enters the member of step p, to check what it contains.
func (vd *validator) push(p pathSeg) {
	if vd.up == nil {
		// Room for the usual nesting (structure, list, structure) at once.
		vd.up = make([]pathSeg, 0, 4)
	}
	vd.up = append(vd.up, p)
}

// pop leaves the member push entered.
func (vd *validator) pop() { vd.up = vd.up[:len(vd.up)-1] }

// pathSeg is one step of a member's path.
type pathSeg struct {
	// name is a member name or a map key; index is a 1-based list
	// position, used when list is set.
	name  string
	index int
	list  bool
	// member is set for list elements and map values, which are
	// followed by ".member".
	member bool
}

func (p pathSeg) appendTo(b []byte) []byte {
	if p.list {
		b = strconv.AppendInt(b, int64(p.index), 10)
	} else {
		b = append(b, p.name...)
	}
	if p.member {
		b = append(b, ".member"...)
	}
	return b
}

// path renders the path of the member whose own step is last as AWS spells
// it: 'tags.1.member.key'.
func (vd *validator) path(last pathSeg) string {
	var b []byte
	for _, p := range vd.up {
		b = append(p.appendTo(b), '.')
	}
	return string(last.appendTo(b))
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
func (vd *validator) fail(s subject, path pathSeg, constraint string) {
	shown := ""
	if !s.hidden {
		shown = "'" + renderValue(s.v, s.t, 0) + "' "
	}
	vd.msgs = append(vd.msgs, "Value "+shown+"at '"+vd.path(path)+"' failed to satisfy constraint: "+constraint)
}

func (vd *validator) failNull(path pathSeg) {
	vd.msgs = append(vd.msgs, "Value null at '"+vd.path(path)+"' failed to satisfy constraint: Member must not be null")
}

func (vd *validator) structure(v reflect.Value, sp *structPlan, depth int) {
	if depth > maxEncodeDepth {
		return
	}
	for i := range sp.fields {
		f := &sp.fields[i]
		vd.member(v.Field(f.index), f, pathSeg{name: f.camel}, depth)
	}
}

// member checks one member in the order AWS reports: presence, length,
// value range, pattern, enum; then the members of what it contains.
func (vd *validator) member(v reflect.Value, f *fieldPlan, path pathSeg, depth int) {
	t := f.t
	if isAbsent(v, t) {
		if f.required {
			vd.failNull(path)
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
				vd.fail(self, path, "Member must have length greater than or equal to "+f.minText)
			}
			if f.hasMax && float64(n) > f.max {
				vd.fail(self, path, "Member must have length less than or equal to "+f.maxText)
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
			vd.fail(self, path, "Member must have value greater than or equal to "+f.minText)
		}
		if f.hasMax && x > f.max {
			vd.fail(self, path, "Member must have value less than or equal to "+f.maxText)
		}
	}
	if (t.kind == kindString || t.kind == kindEnum) && f.pattern != nil && !f.pattern.MatchString(dv.String()) {
		vd.fail(self, path, "Member must satisfy regular expression pattern: "+f.patternText)
	}
	if t.kind == kindEnum && !inEnum(t.enum, dv.String()) {
		vd.fail(self, path, "Member must satisfy enum value set: "+enumSet(t.enum))
	}
	vd.contents(dv, t, self, path, depth)
}

// contents checks the elements of lists and maps and the members of
// structures. self is what messages about scalar elements show; path is
// the step of the member that holds them.
func (vd *validator) contents(v reflect.Value, t *typePlan, self subject, path pathSeg, depth int) {
	if depth > maxEncodeDepth {
		return
	}
	switch t.kind {
	case kindStruct:
		vd.push(path)
		vd.structure(v, t.str, depth+1)
		vd.pop()
	case kindList:
		et := t.elem
		if et.kind == kindEnum {
			// Scalar elements are reported once, for the whole list.
			for i := 0; i < v.Len(); i++ {
				if ev := v.Index(i); !isAbsent(ev, et) && !inEnum(et.enum, deref(ev, et).String()) {
					vd.fail(self, path, "Member must satisfy constraint: [Member must satisfy enum value set: "+enumSet(et.enum)+"]")
					break
				}
			}
			return
		}
		if et.kind != kindStruct && et.kind != kindList && et.kind != kindMap {
			return
		}
		vd.push(path)
		for i := 0; i < v.Len(); i++ {
			ev := v.Index(i)
			if isAbsent(ev, et) {
				continue
			}
			vd.contents(deref(ev, et), et, subject{v: ev, t: et, hidden: self.hidden},
				pathSeg{index: i + 1, list: true, member: true}, depth+1)
		}
		vd.pop()
	case kindMap:
		et := t.elem
		if t.keyEnum != nil {
			for _, k := range v.MapKeys() {
				if !inEnum(t.keyEnum, k.String()) {
					vd.fail(self, path, "Map keys must satisfy constraint: [Member must satisfy enum value set: "+enumSet(t.keyEnum)+"]")
					break
				}
			}
		}
		if et.kind == kindEnum {
			for _, k := range v.MapKeys() {
				ev := v.MapIndex(k)
				if !isAbsent(ev, et) && !inEnum(et.enum, deref(ev, et).String()) {
					vd.fail(self, path, "Map value must satisfy constraint: [Member must satisfy enum value set: "+enumSet(et.enum)+"]")
					break
				}
			}
			return
		}
		if et.kind != kindStruct && et.kind != kindList && et.kind != kindMap {
			return
		}
		vd.push(path)
		for _, k := range sortedKeys(v) {
			ev := v.MapIndex(k)
			if isAbsent(ev, et) {
				continue
			}
			vd.contents(deref(ev, et), et, subject{v: ev, t: et, hidden: self.hidden},
				pathSeg{name: k.String(), member: true}, depth+1)
		}
		vd.pop()
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
