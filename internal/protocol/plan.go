package protocol

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits every decoder enforces, so that a hostile request costs bounded
// memory and stack and is refused with a clean error instead of a panic.
const (
	// maxDepth is the deepest nesting of structures, lists and maps a
	// request may carry.
	maxDepth = 64
	// maxListLen is the largest number of elements one list or map may hold.
	maxListLen = 10000
)

// valueKind is what a Go value is on the wire.
type valueKind uint8

const (
	kindString valueKind = iota + 1
	kindEnum
	kindBool
	kindInt
	kindFloat
	kindTime
	kindBlob
	kindList
	kindMap
	kindStruct
	kindDocument
)

// location is where a member travels in a rest-json request or response.
type location uint8

const (
	locBody location = iota
	locURI
	locQuery
	locHeader
	locHeaders
	locStatus
	locPayload
)

// tsFormat is a timestamp's wire format; tsDefault defers to the protocol
// and location.
type tsFormat uint8

const (
	tsDefault tsFormat = iota
	tsISO8601
	tsEpoch
	tsHTTPDate
)

// typePlan describes how one Go type is encoded. Plans are built once per
// reflect.Type and shared by every codec.
type typePlan struct {
	kind valueKind
	// typ is the Go type as stored in the parent; base is typ without the
	// pointer when ptr is set.
	typ  reflect.Type
	base reflect.Type
	ptr  bool
	// bits is the width of ints and floats.
	bits int
	// elem is the element plan of lists and the value plan of maps.
	elem *typePlan
	// str is the plan of a structure.
	str *structPlan
	// enum holds the allowed values of an enum type, in model order.
	enum []string
	// keyEnum holds the allowed keys of a map whose key type is an enum.
	keyEnum []string
	// stringMap is true for maps of plain strings by plain strings, which
	// the JSON decoder fills without reflection.
	stringMap bool
}

// structPlan describes a generated shape.
type structPlan struct {
	fields []fieldPlan
	// byName finds a field by wire name (JSON keys, query names).
	byName map[string]int
	// payload is the index of the loc:"payload" field, or -1.
	payload int
	// status is the index of the loc:"statusCode" field, or -1.
	status int
	// bodyFields counts fields that travel in a rest-json body.
	bodyFields int
	// queryMap is the index of a querystring-bound map field, or -1.
	queryMap int
	// hasLocated is true when any field is bound outside the body.
	hasLocated bool
}

// fieldPlan describes one member of a shape, from its struct tags.
type fieldPlan struct {
	index int
	// name is the wire name (the aws tag); camel is the member name as
	// validation messages and CloudTrail spell it (lowerCamelCase).
	name  string
	camel string
	// jsonKey is name as a JSON object key with its colon ("Name":), which
	// the JSON encoder copies as is.
	jsonKey string
	loc     location

	required  bool
	sensitive bool
	flat      bool
	idem      bool

	// member, key and val are the query/XML names of list members and map
	// entries; memberSet records an explicit member tag.
	member    string
	memberSet bool
	key, val  string

	ts tsFormat

	hasMin, hasMax   bool
	min, max         float64
	minText, maxText string
	pattern          *pattern
	patternText      string

	t *typePlan
}

var (
	planCache  sync.Map // reflect.Type -> *typePlan
	planMu     sync.Mutex
	timeType   = reflect.TypeOf(time.Time{})
	bytesType  = reflect.TypeOf([]byte(nil))
	stringType = reflect.TypeOf("")
	enumIface  = reflect.TypeOf((*interface{ EnumValues() []string })(nil)).Elem()
)

// planOf returns the cached plan of t, building it (and the plans of every
// type it reaches) on first use.
func planOf(t reflect.Type) *typePlan {
	if p, ok := planCache.Load(t); ok {
		return p.(*typePlan)
	}
	planMu.Lock()
	defer planMu.Unlock()
	if p, ok := planCache.Load(t); ok {
		return p.(*typePlan)
	}
	b := &planBuilder{pending: map[reflect.Type]*typePlan{}}
	p := b.build(t)
	for k, v := range b.pending {
		planCache.Store(k, v)
	}
	return p
}

// cachedPlan returns the plan of t, remembered in slot: an operation's
// input and output are of one type, and the slot spares planOf's lookup on
// every request. Another type (a handler may return any output) is looked
// up and then remembered instead.
func cachedPlan(slot *atomic.Pointer[typePlan], t reflect.Type) *typePlan {
	if p := slot.Load(); p != nil && p.typ == t {
		return p
	}
	p := planOf(t)
	slot.Store(p)
	return p
}

// structOf returns the structure x holds (through one pointer), as
// structValue does, without looking up its plan.
func structOf(x any) (reflect.Value, bool) {
	if x == nil {
		return reflect.Value{}, false
	}
	v := reflect.ValueOf(x)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.Type() == timeType {
		return reflect.Value{}, false
	}
	return v, true
}

// planBuilder builds plans under planMu; pending holds the plans made in
// this build, including those still being filled (recursive shapes).
type planBuilder struct {
	pending map[reflect.Type]*typePlan
}

func (b *planBuilder) build(t reflect.Type) *typePlan {
	if p, ok := b.pending[t]; ok {
		return p
	}
	if p, ok := planCache.Load(t); ok {
		return p.(*typePlan)
	}
	p := &typePlan{typ: t, base: t}
	b.pending[t] = p
	if t.Kind() == reflect.Pointer {
		p.ptr = true
		p.base = t.Elem()
		if p.base.Kind() == reflect.Pointer {
			panic(fmt.Sprintf("protocol: unsupported type %s (pointer to pointer)", t))
		}
	}
	bt := p.base
	switch {
	case bt == timeType:
		p.kind = kindTime
	case bt == bytesType || (bt.Kind() == reflect.Slice && bt.Elem().Kind() == reflect.Uint8):
		p.kind = kindBlob
	case bt.Kind() == reflect.String:
		p.kind = kindString
		if values, ok := enumValuesOf(bt); ok {
			p.kind, p.enum = kindEnum, values
		}
	case bt.Kind() == reflect.Bool:
		p.kind = kindBool
	case bt.Kind() >= reflect.Int && bt.Kind() <= reflect.Int64:
		p.kind = kindInt
		p.bits = bt.Bits()
	case bt.Kind() == reflect.Float32 || bt.Kind() == reflect.Float64:
		p.kind = kindFloat
		p.bits = bt.Bits()
	case bt.Kind() == reflect.Slice:
		p.kind = kindList
		p.elem = b.build(bt.Elem())
	case bt.Kind() == reflect.Map:
		if bt.Key().Kind() != reflect.String {
			panic(fmt.Sprintf("protocol: unsupported map key type in %s", t))
		}
		p.kind = kindMap
		p.elem = b.build(bt.Elem())
		p.keyEnum, _ = enumValuesOf(bt.Key())
		p.stringMap = bt.Key() == stringType && bt.Elem() == stringType
	case bt.Kind() == reflect.Struct:
		p.kind = kindStruct
		if p.ptr {
			// *S shares S's plan. When S is still being built (a
			// recursive shape), its structPlan already exists and is
			// filled in before the build returns.
			p.str = b.build(bt).str
		} else {
			p.str = &structPlan{byName: map[string]int{}, payload: -1, status: -1, queryMap: -1}
			b.fillStruct(p.str, bt)
		}
	case bt.Kind() == reflect.Interface && bt.NumMethod() == 0:
		p.kind = kindDocument
	default:
		panic(fmt.Sprintf("protocol: unsupported field type %s", t))
	}
	return p
}

// fillStruct builds the field plans of the structure type t into sp.
func (b *planBuilder) fillStruct(sp *structPlan, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, ok := sf.Tag.Lookup("aws")
		if name == "-" {
			continue
		}
		if !ok || name == "" {
			name = sf.Name
		}
		f := fieldPlan{index: i, name: name, member: "member", key: "key", val: "value"}
		f.jsonKey = string(append(appendJSONString(nil, name), ':'))
		f.loc = parseLocation(sf.Tag.Get("loc"), t, sf.Name)
		// CloudTrail and validation messages spell the member name; for
		// header-bound members the wire name is an HTTP header, so the Go
		// field name is the better source.
		if f.loc == locHeader || f.loc == locHeaders {
			f.camel = lowerCamel(sf.Name)
		} else {
			f.camel = lowerCamel(name)
		}
		f.required = sf.Tag.Get("req") == "true"
		f.sensitive = sf.Tag.Get("sensitive") == "true"
		f.flat = sf.Tag.Get("flat") == "true"
		f.idem = sf.Tag.Get("idem") == "true"
		if m, ok := sf.Tag.Lookup("member"); ok && m != "" {
			f.member, f.memberSet = m, true
		}
		if k := sf.Tag.Get("key"); k != "" {
			f.key = k
		}
		if v := sf.Tag.Get("val"); v != "" {
			f.val = v
		}
		switch strings.ToLower(sf.Tag.Get("ts")) {
		case "":
		case "iso8601":
			f.ts = tsISO8601
		case "unixtimestamp":
			f.ts = tsEpoch
		case "rfc822":
			f.ts = tsHTTPDate
		default:
			panic(fmt.Sprintf("protocol: %s.%s: unknown ts tag %q", t, sf.Name, sf.Tag.Get("ts")))
		}
		if s, ok := sf.Tag.Lookup("min"); ok {
			f.hasMin, f.minText, f.min = true, s, mustFloat(t, sf.Name, s)
		}
		if s, ok := sf.Tag.Lookup("max"); ok {
			f.hasMax, f.maxText, f.max = true, s, mustFloat(t, sf.Name, s)
		}
		if s, ok := sf.Tag.Lookup("pattern"); ok && s != "" {
			f.patternText = javaPatternText(s)
			f.pattern = compilePattern(s)
		}
		f.t = b.build(sf.Type)
		switch f.loc {
		case locBody:
			sp.bodyFields++
		case locPayload:
			sp.payload = len(sp.fields)
		case locStatus:
			sp.status = len(sp.fields)
		case locQuery:
			if f.t.kind == kindMap {
				sp.queryMap = len(sp.fields)
			}
		}
		if f.loc != locBody {
			sp.hasLocated = true
		}
		sp.byName[name] = len(sp.fields)
		sp.fields = append(sp.fields, f)
	}
}

// enumValuesOf returns the values of an enum type: a string type with an
// EnumValues() []string method (on the value or the pointer).
func enumValuesOf(t reflect.Type) ([]string, bool) {
	type enumer interface{ EnumValues() []string }
	switch {
	case t.Implements(enumIface):
		return reflect.Zero(t).Interface().(enumer).EnumValues(), true
	case reflect.PointerTo(t).Implements(enumIface):
		return reflect.New(t).Interface().(enumer).EnumValues(), true
	}
	return nil, false
}

func parseLocation(s string, t reflect.Type, field string) location {
	switch s {
	case "":
		return locBody
	case "uri":
		return locURI
	case "querystring":
		return locQuery
	case "header":
		return locHeader
	case "headers":
		return locHeaders
	case "statusCode":
		return locStatus
	case "payload":
		return locPayload
	}
	panic(fmt.Sprintf("protocol: %s.%s: unknown loc tag %q", t, field, s))
}

func mustFloat(t reflect.Type, field, s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic(fmt.Sprintf("protocol: %s.%s: bad bound %q", t, field, s))
	}
	return v
}

// lowerCamel lower-cases the first letter of a member name, as AWS does in
// validation paths and CloudTrail ("UserName" → "userName",
// "SSEKMSKeyId" → "sSEKMSKeyId").
func lowerCamel(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// isAbsent reports whether v, a field of plan t, is absent from the wire:
// nil pointers, lists, maps, blobs and documents, empty enums and strings,
// and zero non-pointer times.
func isAbsent(v reflect.Value, t *typePlan) bool {
	if t.ptr {
		return v.IsNil()
	}
	switch t.kind {
	case kindString, kindEnum:
		return v.Len() == 0
	case kindList, kindMap, kindBlob, kindDocument:
		return v.IsNil()
	case kindTime:
		return timeOf(v, t).IsZero()
	}
	return false
}

// deref returns the value behind v when t is a pointer plan.
func deref(v reflect.Value, t *typePlan) reflect.Value {
	if t.ptr {
		return v.Elem()
	}
	return v
}

// settable returns the value to fill for a field of plan t, allocating the
// pointee of pointer plans.
func settable(v reflect.Value, t *typePlan) reflect.Value {
	if !t.ptr {
		return v
	}
	if v.IsNil() {
		v.Set(reflect.New(t.base))
	}
	return v.Elem()
}
