package main

// errorsFile renders errors.go: the ErrorCodes table and a constructor per
// error shape.
func (p *pkg) errorsFile() *goFile {
	f := p.newFile("errors.go")
	f.imports("fmt", modulePath+"/internal/protocol")
	f.line("// ErrorCodes maps the error codes of the model to their HTTP status codes.")
	f.line("var ErrorCodes = map[string]int{")
	for _, e := range p.errs {
		f.line("%q: %d,", e.code, e.status)
	}
	f.line("}")
	for _, e := range p.errs {
		f.line("")
		f.line("// %s returns the %s error (HTTP %d) with a formatted message.", e.ctor, e.code, e.status)
		f.line("func %s(format string, args ...any) *protocol.Error {", e.ctor)
		receiver := ""
		if e.receiver {
			receiver = ", Receiver: true"
		}
		f.line("return &protocol.Error{Code: %q, Status: %d%s, Message: fmt.Sprintf(format, args...)}", e.code, e.status, receiver)
		f.line("}")
	}
	return f
}
