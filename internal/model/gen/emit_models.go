package main

// modelsFile renders models.go of package model: All, listing every
// service's description.
func modelsFile() *goFile {
	f := &goFile{path: "models.go"}
	f.line("%s. DO NOT EDIT.", generatedPrefix)
	f.line("")
	f.line("package model")
	f.line("")
	paths := []string{modulePath + "/internal/protocol"}
	for _, cfg := range services {
		paths = append(paths, modulePath+"/internal/model/"+cfg.id)
	}
	f.imports(paths...)
	f.line("// All returns the descriptions of the services gatehouse serves.")
	f.line("func All() []*protocol.Service {")
	f.line("return []*protocol.Service{")
	for _, cfg := range services {
		f.line("%s.Service,", cfg.id)
	}
	f.line("}")
	f.line("}")
	return f
}
