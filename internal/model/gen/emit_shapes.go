package main

import "strings"

// shapesFile renders shapes.go: a struct per structure shape, preceded by
// the list of model patterns left out of the tags.
func (p *pkg) shapesFile() *goFile {
	f := p.newFile("shapes.go")
	usesTime := false
	for _, st := range p.structs {
		for _, fd := range st.fields {
			usesTime = usesTime || strings.Contains(fd.typ, "time.Time")
		}
	}
	if usesTime {
		f.imports("time")
	}
	if len(p.dropped) > 0 {
		f.line("// Model patterns RE2 cannot express, left out of the pattern tags:")
		f.line("//")
		for _, d := range p.dropped {
			f.line("//\t%s: %s", d.shape, d.pattern)
			f.line("//\t\t(%s)", d.reason)
		}
		f.line("")
	}
	for _, st := range p.structs {
		if st.name != st.shape {
			f.line("// %s is the model shape %s.", st.name, st.shape)
		}
		if len(st.fields) == 0 {
			f.line("type %s struct{}", st.name)
			f.line("")
			continue
		}
		f.line("type %s struct {", st.name)
		for _, fd := range st.fields {
			f.line("%s %s %s", fd.name, fd.typ, fd.tag.literal())
		}
		f.line("}")
		f.line("")
	}
	return f
}
