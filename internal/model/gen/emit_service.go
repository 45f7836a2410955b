package main

import (
	"fmt"
	"strings"
)

// protocolKinds maps model protocols to the protocol package's constants.
var protocolKinds = map[string]string{
	"query":     "protocol.Query",
	"json":      "protocol.JSON",
	"rest-json": "protocol.RestJSON",
}

// docFile renders doc.go, the package documentation.
func (p *pkg) docFile() *goFile {
	md := p.m.Metadata
	f := &goFile{path: p.cfg.id + "/doc.go"}
	f.line("%s from the botocore model %s %s. DO NOT EDIT.", generatedPrefix, p.cfg.id, md.APIVersion)
	f.line("")
	f.line("// Package %s is the generated model of %s (API version %s,", p.cfg.id, md.ServiceFullName, md.APIVersion)
	f.line("// %s protocol): Service describes it and its operations, and the package", md.Protocol)
	f.line("// holds a struct per structure shape, the enums and a constructor per error.")
	f.line("package %s", p.cfg.id)
	return f
}

// xmlNamespace is the namespace of query responses: the model's, else the
// one AWS uses for query services.
func (p *pkg) xmlNamespace() string {
	md := p.m.Metadata
	if md.XMLNamespace != "" || md.Protocol != "query" {
		return md.XMLNamespace
	}
	return fmt.Sprintf("https://%s.amazonaws.com/doc/%s/", md.EndpointPrefix, md.APIVersion)
}

// validationErrorCode is the code of model validation failures.
func (p *pkg) validationErrorCode() string {
	switch p.m.Metadata.Protocol {
	case "query":
		return "ValidationError"
	case "rest-json":
		if _, ok := p.m.Shapes["ValidationException"]; !ok {
			return "BadRequestException"
		}
	}
	return "ValidationException"
}

// serviceFile renders service.go: the Service description and the init
// function that points its operations back to it.
func (p *pkg) serviceFile() *goFile {
	md := p.m.Metadata
	f := p.newFile("service.go")
	f.imports(modulePath + "/internal/protocol")
	signing := md.SigningName
	if signing == "" {
		signing = md.EndpointPrefix
	}
	f.line("// Service describes %s and its operations.", md.ServiceID)
	f.line("var Service = &protocol.Service{")
	str := func(name, v string) {
		if v != "" {
			f.line("%s: %q,", name, v)
		}
	}
	str("ID", p.cfg.id)
	str("ServiceID", md.ServiceID)
	str("FullName", md.ServiceFullName)
	str("EndpointPrefix", md.EndpointPrefix)
	str("SigningName", signing)
	str("EventSource", md.EndpointPrefix+".amazonaws.com")
	f.line("Protocol: %s,", protocolKinds[md.Protocol])
	str("APIVersion", md.APIVersion)
	str("JSONVersion", md.JSONVersion)
	str("TargetPrefix", md.TargetPrefix)
	str("XMLNamespace", p.xmlNamespace())
	if p.cfg.global {
		f.line("GlobalEndpoint: true,")
	}
	str("ValidationErrorCode", p.validationErrorCode())
	f.line("Operations: map[string]*protocol.Operation{")
	for _, op := range p.ops {
		f.line("%q: {", op.name)
		f.line("Name: %q,", op.name)
		f.line("HTTPMethod: %q,", op.method)
		f.line("RequestURI: %q,", op.uri)
		f.line("ResponseCode: %d,", op.responseCode)
		if op.input != "" {
			f.line("NewInput: func() any { return new(%s) },", op.input)
		}
		if op.output != "" {
			f.line("NewOutput: func() any { return new(%s) },", op.output)
		}
		if op.resultWrapper != "" {
			f.line("ResultWrapper: %q,", op.resultWrapper)
		}
		if len(op.errors) > 0 {
			quoted := make([]string, len(op.errors))
			for i, e := range op.errors {
				quoted[i] = fmt.Sprintf("%q", e)
			}
			f.line("Errors: []string{%s},", strings.Join(quoted, ", "))
		}
		if op.unsigned {
			f.line("Unsigned: true,")
		}
		if op.readOnly {
			f.line("ReadOnly: true,")
		}
		f.line("},")
	}
	f.line("},")
	f.line("}")
	f.line("")
	f.line("func init() {")
	f.line("for _, op := range Service.Operations {")
	f.line("op.Service = Service")
	f.line("}")
	f.line("}")
	return f
}
