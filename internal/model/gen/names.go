package main

import (
	"strings"
	"unicode"
)

// words splits s into its runs of ASCII letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)))
	})
}

// exportedName makes a model name (shape or member) into an exported Go
// identifier: each run of letters and digits gets an upper-case first
// letter and the runs are joined ("detectorId" → "DetectorId",
// "__listOf__string" → "ListOfString"). Names that would start with a digit
// get an "X" prefix.
func exportedName(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		b.WriteString(strings.ToUpper(w[:1]))
		b.WriteString(w[1:])
	}
	return safeStart(b.String())
}

// enumValueName makes an enum value into the suffix of its constant name,
// in the style of aws-sdk-go-v2: words made of upper-case letters and digits
// are title-cased ("SYMMETRIC_DEFAULT" → "SymmetricDefault", "us-east-1" →
// "UsEast1"), mixed-case words keep their case after an upper-case first
// letter. The empty value is "Empty".
func enumValueName(v string) string {
	var b strings.Builder
	for _, w := range words(v) {
		if strings.ToUpper(w) == w {
			w = strings.ToLower(w)
		}
		b.WriteString(strings.ToUpper(w[:1]))
		b.WriteString(w[1:])
	}
	if b.Len() == 0 {
		return "Empty"
	}
	return b.String()
}

// safeStart prefixes an identifier that is empty or starts with a digit.
func safeStart(s string) string {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return "X" + s
	}
	return s
}

// scope is a set of Go identifiers in use: a package's top-level names, or
// a struct's fields.
type scope map[string]bool

// claim reserves name, or, when it is taken, name followed by as many "_" as
// it takes to make it unique, and returns what it reserved.
func (s scope) claim(name string) string {
	for s[name] {
		name += "_"
	}
	s[name] = true
	return name
}

// nameTypes gives every structure and enum shape its Go type name. A shape
// that is only the input (output) of one operation and referenced nowhere
// else is named <Op>Input (<Op>Output), as in aws-sdk-go-v2; the others keep
// their shape name. Names are claimed in a fixed order, shape names first,
// so a clash is always resolved the same way (with a "_" suffix, or by
// keeping the shape name for a renamed input or output).
func (p *pkg) nameTypes(top scope) {
	refs := map[string]int{}
	for _, op := range p.m.Operations {
		for _, r := range []*ioRef{op.Input, op.Output} {
			if r != nil {
				refs[r.Shape]++
			}
		}
	}
	for _, s := range p.m.Shapes {
		for _, mb := range s.Members {
			refs[mb.Shape]++
		}
		for _, r := range []*memberRef{s.Member, s.Key, s.Value} {
			if r != nil {
				refs[r.Shape]++
			}
		}
	}
	renamed := map[string]string{}
	for _, name := range sortedKeys(p.m.Operations) {
		op := p.m.Operations[name]
		if op.Input != nil && refs[op.Input.Shape] == 1 {
			renamed[op.Input.Shape] = exportedName(name) + "Input"
		}
		if op.Output != nil && refs[op.Output.Shape] == 1 {
			renamed[op.Output.Shape] = exportedName(name) + "Output"
		}
	}
	var later []string
	for _, name := range sortedKeys(p.m.Shapes) {
		s := p.m.Shapes[name]
		named := (s.Type == "structure" && !s.Document) || (s.Type == "string" && len(s.Enum) > 0)
		switch {
		case !named:
		case renamed[name] != "":
			later = append(later, name)
		default:
			p.typeNames[name] = top.claim(exportedName(name))
		}
	}
	for _, name := range later {
		goName := renamed[name]
		if top[goName] {
			goName = exportedName(name)
		}
		p.typeNames[name] = top.claim(goName)
	}
}
