package main

import "fmt"

// errorCode is the AWS error code of an error shape: its error.code, else
// its name.
func (p *pkg) errorCode(name string) string {
	if e := p.m.Shapes[name].Error; e != nil && e.Code != "" {
		return e.Code
	}
	return name
}

// errorTypes describes the error shapes. The status is error.httpStatusCode,
// else 500 for shapes marked fault (server errors such as KMS's
// KMSInternalException) and 400 for the others. Receiver follows
// error.senderFault when the model gives it, else the fault trait or a 5xx
// status.
func (p *pkg) errorTypes(top scope) error {
	statuses := map[string]int{}
	for _, st := range p.structs {
		s := p.m.Shapes[st.shape]
		if !s.Exception && !s.Fault && s.Error == nil {
			continue
		}
		et := &errorType{ctor: top.claim("New" + st.name), code: p.errorCode(st.shape), status: 400}
		if s.Fault {
			et.status = 500
		}
		if s.Error != nil && s.Error.HTTPStatusCode != 0 {
			et.status = s.Error.HTTPStatusCode
		}
		et.receiver = s.Fault || et.status >= 500
		if s.Error != nil && s.Error.SenderFault != nil {
			et.receiver = !*s.Error.SenderFault
		}
		if prev, ok := statuses[et.code]; ok && prev != et.status {
			return fmt.Errorf("error code %s has statuses %d and %d", et.code, prev, et.status)
		}
		statuses[et.code] = et.status
		p.errs = append(p.errs, et)
	}
	return nil
}
