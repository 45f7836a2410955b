package catalog

import (
	"fmt"
	"strings"
)

// The catalog text (data_catalog.tsv, written by ./gen) holds one record per
// line, its fields separated by tabs; lines starting with "#" are comments.
// The first field is the record's kind:
//
//	K name type category      a key of the catalog-wide condition-key table
//	S prefix name             starts the section of a service
//	C name type               a condition key of the service
//	R name formats keys       a resource type of the service
//	A name level keys deps    an action of the service
//	T name required keys deps a resource type the preceding action takes
//	X name refs               a resource scenario of the preceding action
//
// K records, sorted by name, come before the first S record; they are every
// key any service defines plus the AWS global keys, whose category is set
// (principal, session, ...) and empty for the others. Within a section, C
// records come first, then R, then each A with its T and X records; all are
// sorted by name except T records, which keep the reference's order.
//
// type is a ConditionType as its String method spells it, level an
// AccessLevel likewise, required "1" or "0". keys and deps are
// comma-separated lists (of condition keys and of "service:Action" names),
// empty for none. formats are the resource type's ARN formats separated by
// spaces. refs lists resource type names, each prefixed with "+" when
// required in the scenario and "-" when optional, comma-separated.

// recordFields is the most fields a record has, its kind included.
const recordFields = 5

// splitRecord splits a line into its tab-separated fields, at most
// recordFields of them, without allocating.
func splitRecord(line string) (f [recordFields]string, n int) {
	for n < recordFields {
		field, rest, more := strings.Cut(line, "\t")
		f[n] = field
		n++
		if !more {
			return f, n
		}
		line = rest
	}
	return f, -1 // too many fields
}

// nextLine returns the first line of text and the rest.
func nextLine(text string) (line, rest string) {
	line, rest, _ = strings.Cut(text, "\n")
	return line, rest
}

// indexCatalog locates the condition-key table and the service sections of
// the catalog text.
func indexCatalog(text string) (*catalogIndex, error) {
	idx := &catalogIndex{byPrefix: map[string]*serviceEntry{}}
	start := strings.Index(text, "\nS\t")
	if start < 0 {
		return nil, fmt.Errorf("no service sections")
	}
	idx.keys = text[:start+1]
	rest := text[start+1:]
	for rest != "" {
		end := strings.Index(rest, "\nS\t")
		section := rest
		if end >= 0 {
			section, rest = rest[:end+1], rest[end+1:]
		} else {
			rest = ""
		}
		head, _ := nextLine(section)
		f, n := splitRecord(head)
		if n != 3 || f[1] == "" || lowerASCII(f[1]) != f[1] {
			return nil, fmt.Errorf("bad service record %q", head)
		}
		if idx.byPrefix[f[1]] != nil {
			return nil, fmt.Errorf("service %s listed twice", f[1])
		}
		e := &serviceEntry{prefix: f[1], name: f[2], section: section}
		idx.services = append(idx.services, e)
		idx.byPrefix[e.prefix] = e
	}
	return idx, nil
}

// indexActionNames maps the lower-cased full name of every action of the
// catalog to its service and position, reading only the A records. A first
// pass sizes everything, so that the keys share one exactly-sized string
// and the map never grows.
func indexActionNames(idx *catalogIndex) map[string]actionRef {
	var count, size int
	forEachActionName(idx, func(e *serviceEntry, _ int, name string) {
		count++
		size += len(e.prefix) + 1 + len(name)
	})
	var sb strings.Builder
	sb.Grow(size)
	ends := make([]int, 0, count)
	forEachActionName(idx, func(e *serviceEntry, _ int, name string) {
		var buf foldBuf
		sb.WriteString(e.prefix)
		sb.WriteByte(':')
		sb.Write(fold(&buf, name))
		ends = append(ends, sb.Len())
	})
	all := sb.String()
	m := make(map[string]actionRef, count)
	start, n := 0, 0
	forEachActionName(idx, func(e *serviceEntry, i int, _ string) {
		m[all[start:ends[n]]] = actionRef{e, i}
		start = ends[n]
		n++
	})
	return m
}

// forEachActionName calls f with the service, position and name of every
// action of the catalog, in catalog order.
func forEachActionName(idx *catalogIndex, f func(e *serviceEntry, i int, name string)) {
	for _, e := range idx.services {
		i := 0
		for text := e.section; text != ""; {
			var line string
			line, text = nextLine(text)
			if strings.HasPrefix(line, "A\t") {
				name, _, _ := strings.Cut(line[2:], "\t")
				f(e, i, name)
				i++
			}
		}
	}
}

// parseKeyTable parses the K records of the catalog-wide key table.
func parseKeyTable(text string) ([]ConditionKeyInfo, error) {
	var keys []ConditionKeyInfo
	for text != "" {
		var line string
		line, text = nextLine(text)
		if line == "" || line[0] == '#' {
			continue
		}
		f, n := splitRecord(line)
		if n != 4 || f[0] != "K" || f[1] == "" {
			return nil, fmt.Errorf("bad key record %q", line)
		}
		t, ok := parseConditionType(f[2])
		if !ok {
			return nil, fmt.Errorf("key %s: unknown type %q", f[1], f[2])
		}
		keys = append(keys, ConditionKeyInfo{Name: f[1], Type: t, Global: f[3] != "", Category: f[3]})
	}
	return keys, nil
}

// serviceParser holds the state of parsing one service section.
type serviceParser struct {
	info  *ServiceInfo
	lists map[string][]string // interned comma-separated lists
}

// list splits a comma-separated list, sharing the slice among equal lists
// of the service: many actions repeat the same keys.
func (p *serviceParser) list(s string) []string {
	if s == "" {
		return nil
	}
	if l, ok := p.lists[s]; ok {
		return l
	}
	l := strings.Split(s, ",")
	l = l[:len(l):len(l)]
	p.lists[s] = l
	return l
}

// parseService parses one service section into a ServiceInfo.
func parseService(section string) (*ServiceInfo, error) {
	// Count the records first, so that actions, resource types, keys and
	// references each live in one allocation.
	var nKeys, nResources, nActions, nRefs int
	for text := section; text != ""; {
		var line string
		line, text = nextLine(text)
		if line == "" {
			continue
		}
		switch line[0] {
		case 'C':
			nKeys++
		case 'R':
			nResources++
		case 'A':
			nActions++
		case 'T':
			nRefs++
		}
	}
	keys := make([]ConditionKeyInfo, 0, nKeys)
	resources := make([]ResourceTypeInfo, 0, nResources)
	actions := make([]ActionInfo, 0, nActions)
	refs := make([]ResourceRef, 0, nRefs)

	p := &serviceParser{info: &ServiceInfo{}, lists: map[string][]string{}}
	s := p.info
	var action *ActionInfo // the action T and X records belong to
	refStart := 0          // its first reference in refs
	closeAction := func() {
		if action != nil {
			action.ResourceTypes = refs[refStart:len(refs):len(refs)]
			action.SupportsResourceLevel = len(action.ResourceTypes) > 0
		}
	}
	for text := section; text != ""; {
		var line string
		line, text = nextLine(text)
		if line == "" || line[0] == '#' {
			continue
		}
		f, n := splitRecord(line)
		switch {
		case f[0] == "S" && n == 3 && s.Prefix == "":
			s.Prefix, s.Name = f[1], f[2]
		case s.Prefix == "":
			return nil, fmt.Errorf("record %q before the service record", line)
		case f[0] == "C" && n == 3:
			t, ok := parseConditionType(f[2])
			if !ok {
				return nil, fmt.Errorf("key %s: unknown type %q", f[1], f[2])
			}
			keys = append(keys, ConditionKeyInfo{Name: f[1], Type: t})
		case f[0] == "R" && n == 4:
			r := ResourceTypeInfo{Service: s.Prefix, Name: f[1], ARNFormats: strings.Fields(f[2]), ConditionKeys: p.list(f[3])}
			for _, format := range r.ARNFormats {
				c, err := compileARNFormat(format)
				if err != nil {
					return nil, fmt.Errorf("resource type %s: %w", r.Name, err)
				}
				r.formats = append(r.formats, c)
			}
			resources = append(resources, r)
		case f[0] == "A" && n == 5:
			closeAction()
			level, ok := parseAccessLevel(f[2])
			if !ok {
				return nil, fmt.Errorf("action %s: unknown access level %q", f[1], f[2])
			}
			actions = append(actions, ActionInfo{
				Service: s.Prefix, Name: f[1], AccessLevel: level,
				ConditionKeys: p.list(f[3]), DependentActions: p.list(f[4]),
			})
			action, refStart = &actions[len(actions)-1], len(refs)
		case f[0] == "T" && n == 5 && action != nil && (f[2] == "1" || f[2] == "0"):
			refs = append(refs, ResourceRef{Name: f[1], Required: f[2] == "1", ConditionKeys: p.list(f[3]), DependentActions: p.list(f[4])})
		case f[0] == "X" && n == 3 && action != nil:
			sc, err := parseScenario(f[1], f[2])
			if err != nil {
				return nil, fmt.Errorf("action %s: %w", action.Name, err)
			}
			action.Scenarios = append(action.Scenarios, sc)
		default:
			return nil, fmt.Errorf("bad record %q", line)
		}
	}
	closeAction()
	if s.Prefix == "" {
		return nil, fmt.Errorf("no service record")
	}
	p.index(keys, resources, actions)
	return s, nil
}

// parseScenario parses the fields of an X record.
func parseScenario(name, refs string) (Scenario, error) {
	sc := Scenario{Name: name}
	for _, r := range strings.Split(refs, ",") {
		if len(r) < 2 || (r[0] != '+' && r[0] != '-') {
			return Scenario{}, fmt.Errorf("scenario %s: bad reference %q", name, r)
		}
		sc.ResourceTypes = append(sc.ResourceTypes, ResourceRef{Name: r[1:], Required: r[0] == '+'})
	}
	return sc, nil
}

// index fills the service's slices and lookup maps, and resolves the
// resource types that actions and scenarios name.
func (p *serviceParser) index(keys []ConditionKeyInfo, resources []ResourceTypeInfo, actions []ActionInfo) {
	s := p.info
	s.keys = newKeyIndex(keys)
	s.ConditionKeys = make([]*ConditionKeyInfo, len(keys))
	for i := range keys {
		s.ConditionKeys[i] = &keys[i]
	}
	s.ResourceTypes = make([]*ResourceTypeInfo, len(resources))
	s.resources = make(map[string]*ResourceTypeInfo, len(resources))
	for i := range resources {
		r := &resources[i]
		s.ResourceTypes[i] = r
		s.resources[lowerASCII(r.Name)] = r
	}
	resolve := func(refs []ResourceRef) {
		for i := range refs {
			refs[i].ResourceType = s.resources[lowerASCII(refs[i].Name)]
		}
	}
	s.Actions = make([]*ActionInfo, len(actions))
	s.actions = make(map[string]*ActionInfo, len(actions))
	for i := range actions {
		a := &actions[i]
		s.Actions[i] = a
		s.actions[lowerASCII(a.Name)] = a
		resolve(a.ResourceTypes)
		for _, sc := range a.Scenarios {
			resolve(sc.ResourceTypes)
		}
	}
}
