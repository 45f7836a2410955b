package catalog

import "strings"

// MatchActions returns the actions an IAM action pattern matches, sorted by
// service prefix and then by name. The pattern is "service:action" where
// either part may use the policy wildcards "*" (any run of characters) and
// "?" (any one character), compared case-insensitively; "*" alone matches
// every action. A pattern with wildcards in its service part parses every
// service it matches.
func MatchActions(pattern string) []*ActionInfo {
	svcPattern, actionPattern, ok := strings.Cut(pattern, ":")
	if !ok {
		if pattern != "*" {
			return nil
		}
		svcPattern, actionPattern = "*", "*"
	}
	var out []*ActionInfo
	add := func(s *ServiceInfo) {
		if actionPattern == "*" {
			out = append(out, s.Actions...)
			return
		}
		if !hasWildcard(actionPattern) {
			if a, ok := s.Action(actionPattern); ok {
				out = append(out, a)
			}
			return
		}
		for _, a := range s.Actions {
			if globMatchFold(actionPattern, a.Name) {
				out = append(out, a)
			}
		}
	}
	if !hasWildcard(svcPattern) {
		if s, ok := Service(svcPattern); ok {
			add(s)
		}
		return out
	}
	for _, e := range loadIndex().services {
		if globMatchFold(svcPattern, e.prefix) {
			add(e.load())
		}
	}
	return out
}

// ExpandActions returns the full names ("kms:GenerateDataKey") of the
// actions an IAM action pattern such as "kms:Gen*" matches, in the order
// and with the wildcards MatchActions uses.
func ExpandActions(pattern string) []string {
	actions := MatchActions(pattern)
	if len(actions) == 0 {
		return nil
	}
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = a.String()
	}
	return out
}

// hasWildcard reports whether a pattern uses a policy wildcard.
func hasWildcard(pattern string) bool {
	return strings.ContainsAny(pattern, "*?")
}

// globMatchFold reports whether name matches pattern, where "*" matches
// any run of characters and "?" any one, and ASCII letters compare
// case-insensitively. It backtracks only to the last star, so it runs in
// time proportional to len(pattern)*len(name) at worst.
func globMatchFold(pattern, name string) bool {
	p, n := 0, 0
	star, mark := -1, 0 // the last star seen, and where its match ends
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case p < len(pattern) && (pattern[p] == '?' || lowerByte(pattern[p]) == lowerByte(name[n])):
			p++
			n++
		case star >= 0:
			mark++
			p, n = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
