package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file renders the permission policy of a delegation request from its
// policy template and parameters. On AWS a partner registers its templates
// out of band during onboarding; gatehouse has no onboarding, so a
// template is a managed policy the requesting account can read (one of its
// customer managed policies, or an AWS managed policy) and
// Permissions.PolicyTemplateArn is that policy's ARN. The template's
// default version is the text; a string in it may reference parameters as
// @{Name}. A "string" parameter is substituted in place; a "stringList"
// parameter turns the string into one string per value (the cross product
// when a string references several), spliced into the enclosing array, or
// made an array where the string was a single value.

// delegationParameters checks the request's parameters: unique names,
// exactly one value for a "string" parameter (the default type), at least
// one for a "stringList".
func delegationParameters(in []api.PolicyParameter) ([]iam.DelegationParameter, error) {
	out := make([]iam.DelegationParameter, 0, len(in))
	seen := map[string]bool{}
	for _, p := range in {
		name := deref(p.Name)
		if name == "" {
			return nil, invalidInput("Every policy parameter needs a Name.")
		}
		if seen[name] {
			return nil, invalidInput("The policy parameter %s is given more than once.", name)
		}
		seen[name] = true
		typ := string(p.Type)
		if typ == "" {
			typ = string(api.PolicyParameterTypeEnumString)
		}
		switch {
		case typ == string(api.PolicyParameterTypeEnumString) && len(p.Values) != 1:
			return nil, invalidInput("The policy parameter %s is of type string and needs exactly one value.", name)
		case typ == string(api.PolicyParameterTypeEnumStringList) && len(p.Values) == 0:
			return nil, invalidInput("The policy parameter %s is of type stringList and needs at least one value.", name)
		}
		out = append(out, iam.DelegationParameter{Name: name, Type: typ, Values: p.Values})
	}
	return out, nil
}

// renderPolicyTemplate substitutes the parameters into the template text.
// The result is JSON text; whether it is a valid policy is for the caller
// to check.
func renderPolicyTemplate(tmpl string, params []iam.DelegationParameter) (string, error) {
	byName := make(map[string]*iam.DelegationParameter, len(params))
	for i := range params {
		byName[params[i].Name] = &params[i]
	}
	var (
		out       strings.Builder
		stack     []byte // open containers: '{' or '['
		expectKey bool   // the next string in the current object is a key
	)
	out.Grow(len(tmpl))
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch c {
		case '{':
			stack = append(stack, c)
			expectKey = true
		case '[':
			stack = append(stack, c)
			expectKey = false
		case '}', ']':
			if len(stack) == 0 {
				return "", fmt.Errorf("unbalanced %q", c)
			}
			stack = stack[:len(stack)-1]
			expectKey = false
		case ':':
			expectKey = false
		case ',':
			expectKey = len(stack) > 0 && stack[len(stack)-1] == '{'
		case '"':
			end, err := stringEnd(tmpl, i)
			if err != nil {
				return "", err
			}
			raw := tmpl[i : end+1]
			i = end
			var s string
			if err := json.Unmarshal([]byte(raw), &s); err != nil {
				return "", fmt.Errorf("bad string %s", raw)
			}
			if !strings.Contains(s, "@{") {
				out.WriteString(raw)
				continue
			}
			if expectKey {
				return "", fmt.Errorf("parameters may not appear in a key (%s)", raw)
			}
			values, list, err := expandParameters(s, byName)
			if err != nil {
				return "", err
			}
			inArray := len(stack) > 0 && stack[len(stack)-1] == '['
			if list && !inArray {
				out.WriteByte('[')
			}
			for j, v := range values {
				if j > 0 {
					out.WriteByte(',')
				}
				out.Write(jsonString(v))
			}
			if list && !inArray {
				out.WriteByte(']')
			}
			continue
		}
		out.WriteByte(c)
	}
	if len(stack) != 0 {
		return "", fmt.Errorf("unterminated %q", stack[len(stack)-1])
	}
	return out.String(), nil
}

// stringEnd returns the index of the quote closing the JSON string that
// starts at tmpl[start].
func stringEnd(tmpl string, start int) (int, error) {
	for i := start + 1; i < len(tmpl); i++ {
		switch tmpl[i] {
		case '\\':
			i++
		case '"':
			return i, nil
		}
	}
	return 0, fmt.Errorf("unterminated string at offset %d", start)
}

// expandParameters returns the strings s stands for once its @{Name}
// references are replaced, and whether it is a list (it references a
// stringList parameter).
func expandParameters(s string, byName map[string]*iam.DelegationParameter) (values []string, list bool, err error) {
	values = []string{""}
	for s != "" {
		i := strings.Index(s, "@{")
		if i < 0 {
			values = appendSuffix(values, s)
			break
		}
		values = appendSuffix(values, s[:i])
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, false, fmt.Errorf("unterminated parameter reference in %q", s)
		}
		name := s[i+2 : i+j]
		p := byName[name]
		if p == nil {
			return nil, false, fmt.Errorf("the template references the parameter %s, which the request does not give", name)
		}
		if p.Type == string(api.PolicyParameterTypeEnumStringList) {
			list = true
		}
		next := make([]string, 0, len(values)*len(p.Values))
		for _, v := range values {
			for _, pv := range p.Values {
				next = append(next, v+pv)
			}
		}
		if len(next) > maxRenderedStrings {
			return nil, false, fmt.Errorf("the parameters of %q expand to more than %d strings", s, maxRenderedStrings)
		}
		values = next
		s = s[i+j+1:]
	}
	return values, list, nil
}

// maxRenderedStrings bounds the strings one template string expands to:
// a rendered policy has to fit a managed policy's size anyway.
const maxRenderedStrings = 1000

func appendSuffix(values []string, suffix string) []string {
	if suffix == "" {
		return values
	}
	for i := range values {
		values[i] += suffix
	}
	return values
}

// jsonString encodes s as a JSON string without escaping <, > and &.
func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// boundaryRestrictions returns the permissions boundaries a rendered policy
// requires of the roles it lets the holder create or change: the values of
// its iam:PermissionsBoundary conditions, in order of appearance.
func boundaryRestrictions(p *policy.Policy) []string {
	var out []string
	for i := range p.Statements {
		for _, c := range p.Statements[i].Condition {
			if !strings.EqualFold(c.Key, "iam:PermissionsBoundary") {
				continue
			}
			for _, v := range c.Values {
				if len(v) >= 20 && !containsFold(out, v) {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
