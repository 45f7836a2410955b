package main

import "fmt"

// structType builds the Go struct of a structure shape.
func (p *pkg) structType(name string, s *shape) (*structType, error) {
	st := &structType{name: p.typeNames[name], shape: name}
	fields := scope{}
	for _, mb := range s.Members {
		t, err := p.fieldTag(s, mb)
		if err != nil {
			return nil, fmt.Errorf("shape %s member %s: %w", name, mb.Name, err)
		}
		st.fields = append(st.fields, field{
			name: fields.claim(exportedName(mb.Name)),
			typ:  p.goType(mb.Shape, false),
			tag:  t,
		})
	}
	return st, nil
}

// goType is the Go type of a shape: as a struct field (nil-able scalars and
// structures are pointers), or as a list element or map value (elem).
func (p *pkg) goType(name string, elem bool) string {
	s := p.m.Shapes[name]
	ptr := "*"
	if elem {
		ptr = ""
	}
	switch s.Type {
	case "structure":
		if s.Document {
			return "any"
		}
		return ptr + p.typeNames[name]
	case "list":
		return "[]" + p.goType(s.Member.Shape, true)
	case "map":
		return "map[string]" + p.goType(s.Value.Shape, true)
	case "string":
		if len(s.Enum) > 0 {
			return p.typeNames[name]
		}
		return ptr + "string"
	case "boolean":
		return ptr + "bool"
	case "integer":
		return ptr + "int32"
	case "long":
		return ptr + "int64"
	case "float", "double":
		return ptr + "float64"
	case "timestamp":
		return ptr + "time.Time"
	case "blob":
		return "[]byte"
	}
	panic("unchecked shape type " + s.Type)
}

// pattern returns the RE2 form of a shape's pattern, "" when it has none or
// RE2 cannot express it (then it is recorded in p.dropped).
func (p *pkg) pattern(name string) string {
	s := p.m.Shapes[name]
	if s.Pattern == "" {
		return ""
	}
	if re, ok := p.patterns[name]; ok {
		return re
	}
	re, err := translatePattern(s.Pattern)
	if err != nil {
		p.dropped = append(p.dropped, droppedPattern{shape: name, pattern: s.Pattern, reason: err.Error()})
	}
	p.patterns[name] = re
	return re
}

// enumType builds the enum type of a string shape and claims its constant
// names.
func (p *pkg) enumType(name string, s *shape, top scope) *enumType {
	et := &enumType{name: p.typeNames[name], shape: name}
	for _, v := range s.Enum {
		et.values = append(et.values, enumValue{name: top.claim(et.name + enumValueName(v)), value: v})
	}
	return et
}
