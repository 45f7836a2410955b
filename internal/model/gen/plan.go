package main

import "sort"

// pkg is the generated package of one service: its model resolved into Go
// names, types and tags, ready for the emitters.
type pkg struct {
	cfg serviceConfig
	m   *model
	// typeNames maps structure and enum shape names to their Go type names.
	typeNames map[string]string
	structs   []*structType
	enums     []*enumType
	errs      []*errorType
	ops       []*opDesc
	// patterns caches translated patterns by shape name; dropped lists the
	// ones RE2 cannot express.
	patterns map[string]string
	dropped  []droppedPattern
}

// structType is the Go struct of a structure shape.
type structType struct {
	name, shape string
	fields      []field
}

// field is one field of a generated struct.
type field struct {
	name, typ string
	tag       tag
}

// enumType is the named string type of a string shape with an enum.
type enumType struct {
	name, shape string
	values      []enumValue
}

// enumValue is one constant of an enum type.
type enumValue struct {
	name, value string
}

// errorType describes an error shape and its constructor.
type errorType struct {
	ctor, code string
	status     int
	receiver   bool
}

// opDesc is one operation of the Service description.
type opDesc struct {
	name, method, uri  string
	responseCode       int
	input, output      string // Go type names, "" for none
	resultWrapper      string
	errors             []string
	unsigned, readOnly bool
}

// droppedPattern is a model pattern left out because RE2 cannot express it.
type droppedPattern struct {
	shape, pattern, reason string
}

// fixedNames are the package-level identifiers every model package declares
// besides its shapes.
var fixedNames = []string{"Service", "ErrorCodes"}

// newPkg resolves a service model into its Go package.
func newPkg(cfg serviceConfig, m *model) (*pkg, error) {
	p := &pkg{cfg: cfg, m: m, typeNames: map[string]string{}, patterns: map[string]string{}}
	top := scope{}
	for _, n := range fixedNames {
		top.claim(n)
	}
	p.nameTypes(top)
	for _, name := range sortedKeys(m.Shapes) {
		s := m.Shapes[name]
		switch {
		case s.Type == "structure" && !s.Document:
			st, err := p.structType(name, s)
			if err != nil {
				return nil, err
			}
			p.structs = append(p.structs, st)
		case s.Type == "string" && len(s.Enum) > 0:
			p.enums = append(p.enums, p.enumType(name, s, top))
		}
	}
	sort.Slice(p.structs, func(i, j int) bool { return p.structs[i].name < p.structs[j].name })
	sort.Slice(p.enums, func(i, j int) bool { return p.enums[i].name < p.enums[j].name })
	if err := p.errorTypes(top); err != nil {
		return nil, err
	}
	if err := p.operations(); err != nil {
		return nil, err
	}
	return p, nil
}

// sortedKeys returns the keys of a map in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
