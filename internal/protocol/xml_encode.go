package protocol

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// xmlEncoder appends the XML of query-protocol responses to buf. It is a
// small hand-rolled writer rather than encoding/xml: the shapes are known
// from their plans, and this keeps a response to a handful of appends.
type xmlEncoder struct {
	buf []byte
}

// collectionNames are the element names of one list or map level.
type collectionNames struct {
	member, key, val string
	flat, memberSet  bool
}

var defaultNames = collectionNames{member: "member", key: "key", val: "value"}

func namesOf(f *fieldPlan) collectionNames {
	if f == nil {
		return defaultNames
	}
	return collectionNames{member: f.member, key: f.key, val: f.val, flat: f.flat, memberSet: f.memberSet}
}

func (e *xmlEncoder) open(name string) {
	e.buf = append(e.buf, '<')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '>')
}

func (e *xmlEncoder) close(name string) {
	e.buf = append(e.buf, '<', '/')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '>')
}

func (e *xmlEncoder) empty(name string) {
	e.buf = append(e.buf, '<')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '/', '>')
}

// textElement writes <name>text</name> with text escaped.
func (e *xmlEncoder) textElement(name, text string) {
	e.open(name)
	e.buf = appendXMLText(e.buf, text)
	e.close(name)
}

// encodeFields writes the members of the structure v in declaration order.
func (e *xmlEncoder) encodeFields(v reflect.Value, sp *structPlan, depth int) error {
	if depth > maxEncodeDepth {
		return errTooDeep
	}
	for i := range sp.fields {
		f := &sp.fields[i]
		fv := v.Field(f.index)
		if isAbsent(fv, f.t) {
			// A required list or map is always present in AWS responses
			// (<Users/> when there are none).
			if f.required && !f.flat && (f.t.kind == kindList || f.t.kind == kindMap) {
				e.empty(f.name)
			}
			continue
		}
		if err := e.encodeMember(fv, f.t, f, f.name, namesOf(f), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// encodeMember writes v of plan t under the element name, expanding lists
// and maps by names.
func (e *xmlEncoder) encodeMember(v reflect.Value, t *typePlan, f *fieldPlan, name string, names collectionNames, depth int) error {
	if depth > maxEncodeDepth {
		return errTooDeep
	}
	switch t.kind {
	case kindList:
		n := v.Len()
		if names.flat {
			elemName := name
			if names.memberSet {
				elemName = names.member
			}
			for i := 0; i < n; i++ {
				if err := e.encodeMember(v.Index(i), t.elem, f, elemName, defaultNames, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		if n == 0 {
			e.empty(name)
			return nil
		}
		e.open(name)
		for i := 0; i < n; i++ {
			if err := e.encodeMember(v.Index(i), t.elem, f, names.member, defaultNames, depth+1); err != nil {
				return err
			}
		}
		e.close(name)
		return nil
	case kindMap:
		keys := sortedKeys(v)
		if !names.flat {
			if len(keys) == 0 {
				e.empty(name)
				return nil
			}
			e.open(name)
		}
		for _, k := range keys {
			entry := "entry"
			if names.flat {
				entry = name
			}
			e.open(entry)
			e.textElement(names.key, k.String())
			if err := e.encodeMember(v.MapIndex(k), t.elem, f, names.val, defaultNames, depth+1); err != nil {
				return err
			}
			e.close(entry)
		}
		if !names.flat {
			e.close(name)
		}
		return nil
	}
	if t.ptr && v.IsNil() {
		return nil
	}
	if t.kind == kindStruct {
		e.open(name)
		if err := e.encodeFields(deref(v, t), t.str, depth+1); err != nil {
			return err
		}
		e.close(name)
		return nil
	}
	e.open(name)
	if err := e.appendScalar(v, t, f); err != nil {
		return err
	}
	e.close(name)
	return nil
}

// appendScalar writes the text of a scalar value.
func (e *xmlEncoder) appendScalar(v reflect.Value, t *typePlan, f *fieldPlan) error {
	if t.kind == kindTime {
		e.buf = appendTime(e.buf, timeOf(v, t), resolveTS(f, tsISO8601))
		return nil
	}
	v = deref(v, t)
	switch t.kind {
	case kindString, kindEnum:
		e.buf = appendXMLText(e.buf, v.String())
	case kindBool:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case kindInt:
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	case kindFloat:
		e.buf = appendFloatWord(e.buf, v.Float(), t.bits)
	case kindBlob:
		e.buf = base64.StdEncoding.AppendEncode(e.buf, v.Bytes())
	case kindDocument:
		if v.IsNil() {
			return nil
		}
		var je jsonEncoder
		if err := je.encodeAny(v.Elem().Interface(), 0); err != nil {
			return err
		}
		e.buf = appendXMLText(e.buf, string(je.buf))
	}
	return nil
}

// appendFloatWord writes a float as text, spelling the IEEE specials as
// AWS does: NaN, Infinity, -Infinity.
func appendFloatWord(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	return appendFloatText(dst, f, bits)
}

// xmlPlain marks the ASCII bytes that XML text carries as they are.
var xmlPlain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	t['\t'], t['\n'] = true, true
	t['&'], t['<'], t['>'], t['"'] = false, false, false, false
	return t
}()

// appendXMLText escapes s for XML character data and attribute values.
// Carriage returns are written as a character reference so that XML
// parsers' line-end normalisation does not drop them; characters XML 1.0
// cannot carry at all (most C0 controls, U+FFFE, U+FFFF, invalid UTF-8)
// become U+FFFD.
func appendXMLText(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if xmlPlain[c] {
				i++
				continue
			}
			var rep string
			switch c {
			case '&':
				rep = "&amp;"
			case '<':
				rep = "&lt;"
			case '>':
				rep = "&gt;"
			case '"':
				rep = "&quot;"
			case '\r':
				rep = "&#xD;"
			default:
				rep = "\uFFFD"
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, rep...)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// appendQueryResponse writes the success document of a query-protocol
// operation:
//
//	<OpResponse xmlns="ns"><OpResult>…</OpResult><ResponseMetadata>
//	<RequestId>id</RequestId></ResponseMetadata></OpResponse>
//
// The result element is left out when the operation has no output shape.
func (e *xmlEncoder) appendQueryResponse(op *Operation, requestID string, out any) error {
	e.buf = append(e.buf, '<')
	e.buf = append(e.buf, op.Name...)
	e.buf = append(e.buf, "Response"...)
	if ns := op.Service.XMLNamespace; ns != "" {
		e.buf = append(e.buf, ` xmlns="`...)
		e.buf = appendXMLText(e.buf, ns)
		e.buf = append(e.buf, '"')
	}
	e.buf = append(e.buf, '>')
	if op.NewOutput != nil {
		wrapper := op.ResultWrapper
		if wrapper == "" {
			wrapper = op.Name + "Result"
		}
		v, p := structValue(out)
		if p == nil {
			e.empty(wrapper)
		} else {
			e.open(wrapper)
			if err := e.encodeFields(v, p.str, 0); err != nil {
				return err
			}
			e.close(wrapper)
		}
	}
	e.buf = append(e.buf, "<ResponseMetadata><RequestId>"...)
	e.buf = appendXMLText(e.buf, requestID)
	e.buf = append(e.buf, "</RequestId></ResponseMetadata></"...)
	e.buf = append(e.buf, op.Name...)
	e.buf = append(e.buf, "Response>"...)
	return nil
}

// appendQueryError writes the query protocol's error document:
//
//	<ErrorResponse xmlns="ns"><Error><Type>Sender</Type><Code>c</Code>
//	<Message>m</Message></Error><RequestId>id</RequestId></ErrorResponse>
//
// Extra members of the error shape follow Message inside Error.
func (e *xmlEncoder) appendQueryError(ns, requestID string, err *Error) {
	e.buf = append(e.buf, "<ErrorResponse"...)
	if ns != "" {
		e.buf = append(e.buf, ` xmlns="`...)
		e.buf = appendXMLText(e.buf, ns)
		e.buf = append(e.buf, '"')
	}
	e.buf = append(e.buf, "><Error><Type>"...)
	if err.Receiver {
		e.buf = append(e.buf, "Receiver"...)
	} else {
		e.buf = append(e.buf, "Sender"...)
	}
	e.buf = append(e.buf, "</Type>"...)
	e.textElement("Code", err.Code)
	e.textElement("Message", err.Message)
	for _, k := range bodyFieldKeys(err.Fields) {
		e.appendAnyElement(k, err.Fields[k], 0)
	}
	e.buf = append(e.buf, "</Error><RequestId>"...)
	e.buf = appendXMLText(e.buf, requestID)
	e.buf = append(e.buf, "</RequestId></ErrorResponse>"...)
}

// appendAnyElement writes an error field of any type as an element.
func (e *xmlEncoder) appendAnyElement(name string, x any, depth int) {
	switch x := x.(type) {
	case nil:
		return
	case string:
		e.textElement(name, x)
		return
	case *string:
		if x != nil {
			e.textElement(name, *x)
		}
		return
	case time.Time:
		e.open(name)
		e.buf = appendTime(e.buf, x, tsISO8601)
		e.close(name)
		return
	case bool, int, int32, int64, float64:
		e.textElement(name, fmt.Sprint(x))
		return
	}
	rv := reflect.ValueOf(x)
	if p := tryPlanOf(rv.Type()); p != nil && depth < maxEncodeDepth {
		if err := e.encodeMember(rv, p, nil, name, defaultNames, depth+1); err == nil {
			return
		}
	}
	e.textElement(name, fmt.Sprint(x))
}

// bodyFieldKeys returns the keys of an error's Fields that belong in the
// body (not HTTP headers), sorted.
func bodyFieldKeys(fields map[string]any) []string {
	if len(fields) == 0 {
		return nil
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if _, isHeader := headerFieldName(k); !isHeader {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// structValue returns the structure out holds (through one pointer) and
// its plan, or a nil plan when out is nil or not a structure.
func structValue(out any) (reflect.Value, *typePlan) {
	if out == nil {
		return reflect.Value{}, nil
	}
	v := reflect.ValueOf(out)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}, nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.Type() == timeType {
		return reflect.Value{}, nil
	}
	return v, planOf(v.Type())
}
