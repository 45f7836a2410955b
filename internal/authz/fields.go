package authz

import (
	"reflect"
	"strconv"
	"strings"
)

// This file reads the members of generated input structs. The table
// locates each member it needs once, at start-up, by reflection over the
// input type; a request then reads a member by its field index, with no
// name lookups.

// fieldKind is the Go shape of an input member.
type fieldKind uint8

const (
	fkNone      fieldKind = iota
	fkString              // *string
	fkEnum                // a named string type (model enum)
	fkStrings             // []string, or a list of a named string type
	fkInt                 // *int32 or *int64
	fkFloat               // *float64
	fkBool                // *bool
	fkStringMap           // map[string]string
	fkTagList             // []struct{Key, Value *string} (or TagKey/TagValue)
)

// field locates one top-level member of an input struct.
type field struct {
	name  string // the Go field name, for diagnostics
	index int
	kind  fieldKind
	// key and value are the field indexes of a tag list's key and value.
	key, value int
}

// valid reports whether the field was found.
func (f *field) valid() bool { return f != nil && f.kind != fkNone }

// inputFields indexes the members of an input type by lower-cased name.
type inputFields struct {
	typ    reflect.Type
	byName map[string]*field
	// strs lists the non-sensitive string and string-list members, the
	// ones that may carry a whole ARN.
	strs []*field
}

var (
	stringPtr  = reflect.TypeOf((*string)(nil))
	int32Ptr   = reflect.TypeOf((*int32)(nil))
	int64Ptr   = reflect.TypeOf((*int64)(nil))
	float64Ptr = reflect.TypeOf((*float64)(nil))
	boolPtr    = reflect.TypeOf((*bool)(nil))
)

// indexInput describes the members of the struct type t (the input shape).
func indexInput(t reflect.Type) *inputFields {
	fs := &inputFields{typ: t, byName: map[string]*field{}}
	if t == nil || t.Kind() != reflect.Struct {
		return fs
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		f := &field{name: sf.Name, index: i, kind: kindOf(sf.Type)}
		if f.kind == fkTagList {
			f.key, f.value = tagFields(sf.Type.Elem())
		}
		if f.kind == fkNone {
			continue
		}
		fs.byName[strings.ToLower(sf.Name)] = f
		if (f.kind == fkString || f.kind == fkStrings) && sf.Tag.Get("sensitive") != "true" {
			fs.strs = append(fs.strs, f)
		}
	}
	return fs
}

// lookup returns the member with the given name (any case), or nil.
func (fs *inputFields) lookup(name string) *field {
	return fs.byName[strings.ToLower(name)]
}

func kindOf(t reflect.Type) fieldKind {
	switch t {
	case stringPtr:
		return fkString
	case int32Ptr, int64Ptr:
		return fkInt
	case float64Ptr:
		return fkFloat
	case boolPtr:
		return fkBool
	}
	switch t.Kind() {
	case reflect.String:
		return fkEnum
	case reflect.Slice:
		switch e := t.Elem(); {
		case e.Kind() == reflect.String:
			return fkStrings
		case e.Kind() == reflect.Struct:
			if k, v := tagFields(e); k >= 0 && v >= 0 {
				return fkTagList
			}
		}
	case reflect.Map:
		if t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.String {
			return fkStringMap
		}
	}
	return fkNone
}

// tagFields finds the key and value members of a tag shape: Key/Value
// (IAM, STS, ELB, WAF, Shield, CloudTrail) or TagKey/TagValue (KMS).
func tagFields(t reflect.Type) (key, value int) {
	key, value = -1, -1
	if t.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Type != stringPtr {
			continue
		}
		switch sf.Name {
		case "Key", "TagKey":
			key = i
		case "Value", "TagValue":
			value = i
		}
	}
	return
}

// structOf returns the struct value behind an input (a pointer to the
// generated input struct), or an invalid Value when there is none.
func structOf(in any) reflect.Value {
	if in == nil {
		return reflect.Value{}
	}
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return reflect.Value{}
	}
	v = v.Elem()
	if v.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return v
}

// str returns a string or enum member's value; ok is false when the
// member is absent or empty.
func (f *field) str(in reflect.Value) (string, bool) {
	if !in.IsValid() || f == nil {
		return "", false
	}
	v := in.Field(f.index)
	switch f.kind {
	case fkString:
		if v.IsNil() {
			return "", false
		}
		s := v.Elem().String()
		return s, s != ""
	case fkEnum:
		s := v.String()
		return s, s != ""
	case fkInt:
		if v.IsNil() {
			return "", false
		}
		return strconv.FormatInt(v.Elem().Int(), 10), true
	case fkFloat:
		if v.IsNil() {
			return "", false
		}
		return strconv.FormatFloat(v.Elem().Float(), 'f', -1, 64), true
	case fkBool:
		if v.IsNil() {
			return "", false
		}
		return strconv.FormatBool(v.Elem().Bool()), true
	}
	return "", false
}

// each calls fn with every value of a string, enum or list member.
func (f *field) each(in reflect.Value, fn func(string)) {
	if !in.IsValid() || f == nil {
		return
	}
	switch f.kind {
	case fkStrings:
		v := in.Field(f.index)
		for i := 0; i < v.Len(); i++ {
			fn(v.Index(i).String())
		}
	case fkString, fkEnum:
		if s, ok := f.str(in); ok {
			fn(s)
		}
	}
}

// pairs calls fn with every key and value of a map or tag-list member.
func (f *field) pairs(in reflect.Value, fn func(k, v string)) {
	if !in.IsValid() || f == nil {
		return
	}
	v := in.Field(f.index)
	switch f.kind {
	case fkStringMap:
		it := v.MapRange()
		for it.Next() {
			fn(it.Key().String(), it.Value().String())
		}
	case fkTagList:
		for i := 0; i < v.Len(); i++ {
			e := v.Index(i)
			k, val := e.Field(f.key), e.Field(f.value)
			key, value := "", ""
			if !k.IsNil() {
				key = k.Elem().String()
			}
			if !val.IsNil() {
				value = val.Elem().String()
			}
			fn(key, value)
		}
	}
}

// count returns how many values a list, map or tag-list member holds (1
// for a set scalar).
func (f *field) count(in reflect.Value) int {
	if !in.IsValid() || f == nil {
		return 0
	}
	v := in.Field(f.index)
	switch f.kind {
	case fkStrings, fkTagList, fkStringMap:
		return v.Len()
	}
	if _, ok := f.str(in); ok {
		return 1
	}
	return 0
}
