package policy

import "strings"

// This file reads policy variables: ${key}, ${key, 'default'} and the escapes
// ${*}, ${?} and ${$}, which stand for the literal characters. Variables are
// interpreted only in policies whose Version is 2012-10-17, in Resource and
// NotResource and in the values of the string, ARN and Bool condition
// operators, as "IAM policy elements: Variables and tags" documents:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
//
// A variable takes the value of its context key when the key has exactly one
// value, else its default. A variable with neither makes its statement not
// apply (see cstmt.vars).

// parseVariable reads the variable at the start of s ("${...}"). It returns
// the token (a tLit for the escapes), the bytes consumed, and false when s
// does not start with a well-formed variable (it is then literal text).
// What it reads depends only on those bytes, so any text that starts with
// the same variable reads the same (see patternArena.variable).
func parseVariable(s string) (token, int, bool) {
	end := strings.IndexByte(s, '}')
	// A default value may contain "}" inside its quotes; find the real end.
	if q := strings.IndexByte(s, '\''); q >= 0 && (end < 0 || q < end) {
		end = -1
		inQuote := false
		for i := q; i < len(s); i++ {
			if s[i] == '\'' {
				if inQuote && i+1 < len(s) && s[i+1] == '\'' {
					i++
					continue
				}
				inQuote = !inQuote
				continue
			}
			if !inQuote && s[i] == '}' {
				end = i
				break
			}
		}
	}
	if end < 0 {
		return token{}, 0, false
	}
	body := strings.TrimSpace(s[2:end])
	n := end + 1
	switch body {
	case "*", "?", "$":
		return token{kind: tLit, text: body}, n, true
	case "":
		return token{}, 0, false
	}
	key, def, hasDef := body, "", false
	if c := strings.IndexByte(body, ','); c >= 0 {
		key = strings.TrimSpace(body[:c])
		d := strings.TrimSpace(body[c+1:])
		if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' {
			return token{}, 0, false
		}
		d = d[1 : len(d)-1]
		if strings.Count(strings.ReplaceAll(d, "''", ""), "'") != 0 {
			return token{}, 0, false
		}
		def, hasDef = strings.ReplaceAll(d, "''", "'"), true
	}
	if key == "" {
		return token{}, 0, false
	}
	for i := 0; i < len(key); i++ {
		switch key[i] {
		case ' ', '\'', '$', '{':
			return token{}, 0, false
		}
	}
	key = strings.ToLower(key)
	return token{kind: tVar, text: key, hash: keyHash(key), def: def, hasDef: hasDef}, n, true
}

// variable resolves a variable token against the context.
func (c *Context) variable(t *token) (string, bool) {
	if c != nil {
		if vals, ok := c.lookupKey(t.text, t.hash); ok && len(vals) == 1 {
			return vals[0].s, true
		}
	}
	if t.hasDef {
		return t.def, true
	}
	return "", false
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
