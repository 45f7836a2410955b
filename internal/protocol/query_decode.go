package protocol

import (
	"bytes"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// queryDecoder fills generated structs from query-protocol parameters:
// nested members as A.B.C, lists as Name.member.N (Name.N when flattened),
// maps as Name.entry.N.key / Name.entry.N.value, with 1-based indexes.
type queryDecoder struct {
	form url.Values
	// keys are the parameter names, sorted, so that the members of a list
	// or structure are one contiguous range found by binary search.
	keys []string
	// key is the name being built; each level appends to its prefix.
	key []byte
}

// malformedInput is the query protocol's answer to a parameter whose
// value does not parse as its member's type.
func malformedInput(msg string) *Error {
	return &Error{Code: "MalformedInput", Status: http.StatusBadRequest, Message: msg}
}

// decodeQuery fills the structure v of plan sp from form.
func decodeQuery(form url.Values, v reflect.Value, sp *structPlan) *Error {
	d := queryDecoder{form: form, keys: make([]string, 0, len(form)), key: make([]byte, 0, 64)}
	for k := range form {
		d.keys = append(d.keys, k)
	}
	sort.Strings(d.keys)
	return d.decodeStruct(v, sp, 0, 0)
}

// decodeStruct decodes the members of a structure whose name is key[:n]
// (empty for the input itself).
func (d *queryDecoder) decodeStruct(v reflect.Value, sp *structPlan, n, depth int) *Error {
	if depth > maxDepth {
		return malformedInput("Parameters nest deeper than " + strconv.Itoa(maxDepth) + " levels")
	}
	for i := range sp.fields {
		f := &sp.fields[i]
		d.key = d.key[:n]
		if n > 0 {
			d.key = append(d.key, '.')
		}
		d.key = append(d.key, f.name...)
		if err := d.decodeMember(v.Field(f.index), f.t, f, namesOf(f), len(d.key), depth); err != nil {
			return err
		}
	}
	return nil
}

// decodeMember decodes the value named key[:n] into v of plan t.
func (d *queryDecoder) decodeMember(v reflect.Value, t *typePlan, f *fieldPlan, names collectionNames, n, depth int) *Error {
	switch t.kind {
	case kindStruct:
		if !d.hasChildren(n) {
			return nil
		}
		return d.decodeStruct(settable(v, t), t.str, n, depth+1)
	case kindList:
		return d.decodeList(v, t, f, names, n, depth)
	case kindMap:
		return d.decodeMap(v, t, f, names, n, depth)
	}
	vals, ok := d.form[string(d.key[:n])]
	if !ok || len(vals) == 0 {
		return nil
	}
	if err := setFromText(v, t, vals[0], resolveTS(f, tsISO8601)); err != nil {
		msg := "Invalid value for parameter " + string(d.key[:n]) + ": " + err.Error()
		if t.kind == kindBool {
			msg = "Invalid value for parameter " + string(d.key[:n]) + ": boolean must follow xsd1.1 definition"
		}
		return malformedInput(msg)
	}
	return nil
}

func (d *queryDecoder) decodeList(v reflect.Value, t *typePlan, f *fieldPlan, names collectionNames, n, depth int) *Error {
	if depth > maxDepth {
		return malformedInput("Parameters nest deeper than " + strconv.Itoa(maxDepth) + " levels")
	}
	self := n
	if names.flat {
		if names.memberSet {
			// A flattened list whose member has its own name replaces the
			// last part of the prefix: Parent.MemberName.N.
			// The parent's prefix, key[:i], is left intact for the caller.
			self = -1
			if d.emptyCollection(string(d.key[:n])) {
				setEmptyList(v, t)
			}
			i := bytes.LastIndexByte(d.key[:n], '.')
			d.key = append(d.key[:i+1], names.member...)
		}
	} else {
		d.key = append(d.key[:n], '.')
		d.key = append(d.key, names.member...)
	}
	lp := len(d.key)
	idxs, err := d.indices(lp)
	if err != nil {
		return err
	}
	if len(idxs) == 0 {
		if self >= 0 && d.emptyCollection(string(d.key[:self])) {
			setEmptyList(v, t)
		}
		return nil
	}
	lv := settable(v, t)
	lv.Set(reflect.MakeSlice(lv.Type(), len(idxs), len(idxs)))
	for i, idx := range idxs {
		d.key = append(d.key[:lp], '.')
		d.key = strconv.AppendInt(d.key, int64(idx), 10)
		if err := d.decodeMember(lv.Index(i), t.elem, f, defaultNames, len(d.key), depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (d *queryDecoder) decodeMap(v reflect.Value, t *typePlan, f *fieldPlan, names collectionNames, n, depth int) *Error {
	if depth > maxDepth {
		return malformedInput("Parameters nest deeper than " + strconv.Itoa(maxDepth) + " levels")
	}
	if !names.flat {
		d.key = append(d.key[:n], ".entry"...)
	}
	ep := len(d.key)
	idxs, err := d.indices(ep)
	if err != nil {
		return err
	}
	if len(idxs) == 0 {
		if d.emptyCollection(string(d.key[:n])) {
			mv := settable(v, t)
			mv.Set(reflect.MakeMap(mv.Type()))
		}
		return nil
	}
	mv := settable(v, t)
	mt := mv.Type()
	m := reflect.MakeMapWithSize(mt, len(idxs))
	mv.Set(m)
	for _, idx := range idxs {
		d.key = append(d.key[:ep], '.')
		d.key = strconv.AppendInt(d.key, int64(idx), 10)
		d.key = append(d.key, '.')
		ip := len(d.key)
		d.key = append(d.key, names.key...)
		kv, ok := d.form[string(d.key)]
		if !ok || len(kv) == 0 {
			continue
		}
		key := reflect.ValueOf(kv[0])
		if key.Type() != mt.Key() {
			key = key.Convert(mt.Key())
		}
		d.key = append(d.key[:ip], names.val...)
		ev := reflect.New(mt.Elem()).Elem()
		if err := d.decodeMember(ev, t.elem, f, defaultNames, len(d.key), depth+1); err != nil {
			return err
		}
		m.SetMapIndex(key, ev)
	}
	return nil
}

// emptyCollection reports the query protocol's spelling of an empty list
// or map: the bare name with an empty value (Name=).
func (d *queryDecoder) emptyCollection(name string) bool {
	vals, ok := d.form[name]
	return ok && len(vals) > 0 && vals[0] == ""
}

func setEmptyList(v reflect.Value, t *typePlan) {
	lv := settable(v, t)
	lv.Set(reflect.MakeSlice(lv.Type(), 0, 0))
}

// lowerBound returns the index of the first sorted key not below prefix.
func (d *queryDecoder) lowerBound(prefix []byte) int {
	return sort.Search(len(d.keys), func(i int) bool { return d.keys[i] >= string(prefix) })
}

// hasChildren reports whether any parameter is named key[:n] + ".…".
func (d *queryDecoder) hasChildren(n int) bool {
	d.key = append(d.key[:n], '.')
	i := d.lowerBound(d.key)
	return i < len(d.keys) && strings.HasPrefix(d.keys[i], string(d.key))
}

// indices returns, in ascending order, the distinct element indexes N of
// the parameters named key[:p] + ".N…". Segments that are not positive
// integers without leading zeros are not elements and are ignored.
func (d *queryDecoder) indices(p int) ([]int, *Error) {
	d.key = append(d.key[:p], '.')
	prefix := d.key
	var idxs []int
	last := -1
	for i := d.lowerBound(prefix); i < len(d.keys) && strings.HasPrefix(d.keys[i], string(prefix)); i++ {
		seg := d.keys[i][len(prefix):]
		if j := strings.IndexByte(seg, '.'); j >= 0 {
			seg = seg[:j]
		}
		idx, ok := parseIndex(seg)
		if !ok || idx == last {
			continue
		}
		last = idx
		if len(idxs) == maxListLen {
			return nil, malformedInput("List " + string(d.key[:p]) + " has more than " + strconv.Itoa(maxListLen) + " elements")
		}
		idxs = append(idxs, idx)
	}
	// Keys of one index are adjacent in sorted order, so only the
	// numeric order (1, 2, 10 rather than 1, 10, 2) is left to fix; the
	// pass after the sort drops duplicates should any remain.
	sort.Ints(idxs)
	out := idxs[:0]
	for i, idx := range idxs {
		if i == 0 || idx != idxs[i-1] {
			out = append(out, idx)
		}
	}
	return out, nil
}

// parseIndex parses a 1-based list index of at most nine digits.
func parseIndex(s string) (int, bool) {
	if s == "" || len(s) > 9 || s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
