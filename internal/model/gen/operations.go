package main

import (
	"fmt"
	"strings"
)

// readOnlyPrefixes start the names of operations that only read: the
// CloudTrail readOnly heuristic. A prefix counts when the name continues
// with an upper-case letter (ListUsers, not Listen).
var readOnlyPrefixes = []string{
	"Get", "List", "Describe", "Lookup", "Search", "BatchGet", "Simulate", "Decode",
	"Check", "Verify", "Encrypt", "Decrypt", "ReEncrypt", "Sign", "Generate",
}

// readOnly reports whether an operation only reads: the model says so
// (readonly trait) or its name has a read-only prefix.
func readOnly(name string, op *operation) bool {
	if op.ReadOnly {
		return true
	}
	for _, pre := range readOnlyPrefixes {
		if rest, ok := strings.CutPrefix(name, pre); ok && (rest == "" || rest[0] >= 'A' && rest[0] <= 'Z') {
			return true
		}
	}
	return false
}

// unsigned reports whether AWS serves an operation without a signature:
// authtype "none", or the Smithy noAuth scheme among its auth schemes.
func unsigned(op *operation) bool {
	if op.AuthType == "none" {
		return true
	}
	for _, a := range op.Auth {
		if a == "smithy.api#noAuth" {
			return true
		}
	}
	return false
}

// operations describes the model's operations, sorted by name.
func (p *pkg) operations() error {
	for _, name := range sortedKeys(p.m.Operations) {
		op := p.m.Operations[name]
		d := &opDesc{
			name:         name,
			method:       op.HTTP.Method,
			uri:          op.HTTP.RequestURI,
			responseCode: op.HTTP.ResponseCode,
			unsigned:     unsigned(op),
			readOnly:     readOnly(name, op),
		}
		if op.Name != name {
			return fmt.Errorf("operation %s is named %q", name, op.Name)
		}
		if d.responseCode == 0 {
			d.responseCode = 200
		}
		for _, r := range []struct {
			ref *ioRef
			typ *string
		}{{op.Input, &d.input}, {op.Output, &d.output}} {
			if r.ref == nil {
				continue
			}
			if s := p.m.Shapes[r.ref.Shape]; s.Type != "structure" || s.Document {
				return fmt.Errorf("operation %s: input or output %s is not a structure", name, r.ref.Shape)
			}
			*r.typ = p.typeNames[r.ref.Shape]
		}
		if op.Output != nil && p.m.Metadata.Protocol == "query" {
			d.resultWrapper = op.Output.ResultWrapper
		}
		seen := map[string]bool{}
		for _, e := range op.Errors {
			if c := p.errorCode(e.Shape); !seen[c] {
				seen[c] = true
				d.errors = append(d.errors, c)
			}
		}
		p.ops = append(p.ops, d)
	}
	return nil
}
