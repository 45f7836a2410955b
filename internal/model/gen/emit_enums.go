package main

import (
	"fmt"
	"strings"
)

// enumsFile renders enums.go: a named string type per enum shape with its
// constants and EnumValues method.
func (p *pkg) enumsFile() *goFile {
	f := p.newFile("enums.go")
	for _, et := range p.enums {
		if et.name != et.shape {
			f.line("// %s is the model enum %s.", et.name, et.shape)
		}
		f.line("type %s string", et.name)
		f.line("")
		f.line("// Values of %s.", et.name)
		f.line("const (")
		quoted := make([]string, len(et.values))
		for i, v := range et.values {
			f.line("%s %s = %q", v.name, et.name, v.value)
			quoted[i] = fmt.Sprintf("%q", v.value)
		}
		f.line(")")
		f.line("")
		f.line("// EnumValues returns the values of %s in model order.", et.name)
		f.line("func (%s) EnumValues() []string {", et.name)
		f.line("return []string{%s}", strings.Join(quoted, ", "))
		f.line("}")
		f.line("")
	}
	return f
}
