package model_test

import (
	"reflect"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/model"
)

// tagKeys are the tag keys generated shapes may carry: the contract's, and
// the generator's extensions (union, element and key bounds).
var tagKeys = map[string]bool{
	"aws": true, "loc": true, "req": true, "min": true, "max": true, "pattern": true,
	"sensitive": true, "ts": true, "flat": true, "member": true, "key": true, "val": true, "idem": true,
	"union": true, "emin": true, "emax": true, "epattern": true, "kmin": true, "kmax": true, "kpattern": true,
}

// tagValues are the allowed values of the enumerated tag keys.
var tagValues = map[string]map[string]bool{
	"loc":       {"uri": true, "querystring": true, "header": true, "headers": true, "statusCode": true, "payload": true},
	"ts":        {"iso8601": true, "unixTimestamp": true, "rfc822": true},
	"req":       {"true": true},
	"sensitive": {"true": true},
	"flat":      {"true": true},
	"idem":      {"true": true},
	"union":     {"true": true},
}

// enumType is the method set of generated enums.
type enumType interface{ EnumValues() []string }

// tagKeysOf returns the keys of a struct tag.
func tagKeysOf(tag reflect.StructTag) []string {
	var keys []string
	for s := string(tag); s != ""; {
		i := 0
		for i < len(s) && s[i] != ':' {
			i++
		}
		keys = append(keys, s[:i])
		rest := s[i+1:]
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return append(keys, "<malformed>")
		}
		s = rest[len(q):]
		if s != "" {
			s = s[1:]
		}
	}
	return keys
}

// TestShapeTags walks every struct reachable from the operations and checks
// field types and tags against the contract.
func TestShapeTags(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			if rt.Kind() == reflect.Map && rt.Key().Kind() != reflect.String {
				t.Errorf("map key %v", rt.Key())
			}
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || rt == reflect.TypeFor[time.Time]() || seen[rt] {
			return
		}
		seen[rt] = true
		for i := range rt.NumField() {
			f := rt.Field(i)
			where := rt.String() + "." + f.Name
			if !f.IsExported() || f.Tag.Get("aws") == "" {
				t.Errorf("%s: unexported or without aws tag", where)
			}
			for _, k := range tagKeysOf(f.Tag) {
				if !tagKeys[k] {
					t.Errorf("%s: unknown tag key %q", where, k)
				}
				if allowed, ok := tagValues[k]; ok && !allowed[f.Tag.Get(k)] {
					t.Errorf("%s: %s:%q", where, k, f.Tag.Get(k))
				}
			}
			for _, k := range []string{"min", "max", "emin", "emax", "kmin", "kmax"} {
				if v, ok := f.Tag.Lookup(k); ok {
					if _, err := strconv.ParseFloat(v, 64); err != nil {
						t.Errorf("%s: %s:%q", where, k, v)
					}
				}
			}
			for _, k := range []string{"pattern", "epattern", "kpattern"} {
				if v, ok := f.Tag.Lookup(k); ok {
					if _, err := regexp.Compile(`^(?:` + v + `)$`); err != nil {
						t.Errorf("%s: %s: %v", where, k, err)
					}
				}
			}
			if f.Type.Kind() == reflect.String {
				if _, ok := reflect.Zero(f.Type).Interface().(enumType); !ok {
					t.Errorf("%s: string field %v is not an enum", where, f.Type)
				}
			}
			walk(f.Type)
		}
	}
	for _, svc := range model.All() {
		for _, op := range svc.Operations {
			for _, alloc := range []func() any{op.NewInput, op.NewOutput} {
				if alloc != nil {
					walk(reflect.TypeOf(alloc()))
				}
			}
		}
	}
	if len(seen) < 1000 {
		t.Errorf("only %d structs reachable", len(seen))
	}
}
