package main

import (
	"fmt"
	"strings"
)

// accessLevels maps the package's access levels to the catalog's. The
// package reports Tagging and Permissions management actions as
// "Tagging, Write" and "Permissions management, Write"; AWS's service
// authorization reference lists them under the first level alone.
var accessLevels = map[string]string{
	"List":                          "List",
	"Read":                          "Read",
	"Write":                         "Write",
	"Tagging":                       "Tagging",
	"Tagging, Write":                "Tagging",
	"Permissions management":        "Permissions management",
	"Permissions management, Write": "Permissions management",
}

// accessLevel returns the catalog access level for the package's value.
func accessLevel(v string) (string, error) {
	l, ok := accessLevels[v]
	if !ok {
		return "", fmt.Errorf("unknown access level %q", v)
	}
	return l, nil
}

// conditionTypes are the condition-key types the catalog understands: the
// IAM condition data types and their ArrayOf forms.
var conditionTypes = map[string]bool{
	"String": true, "ARN": true, "Numeric": true, "Date": true, "Bool": true, "IPAddress": true, "Binary": true,
	"ArrayOfString": true, "ArrayOfARN": true, "ArrayOfNumeric": true, "ArrayOfDate": true,
	"ArrayOfBool": true, "ArrayOfIPAddress": true, "ArrayOfBinary": true,
}

// canonicalKeyNames fixes the spelling of global keys whose case differs in
// the package from AWS's "AWS global condition context keys" page. Keys
// compare case-insensitively, so this changes only how a key is displayed.
var canonicalKeyNames = map[string]string{
	"aws:referer": "aws:Referer",
}

// globalKeyName turns the package's spelling of a global key into the
// catalog's: "aws:PrincipalTag/tag-key" becomes "aws:PrincipalTag/${TagKey}",
// the form the per-service data uses for the same templated keys.
func globalKeyName(k string) string {
	if base, ok := strings.CutSuffix(k, "/tag-key"); ok {
		k = base + "/${TagKey}"
	}
	if c, ok := canonicalKeyNames[strings.ToLower(k)]; ok {
		k = c
	}
	return k
}

// keyEntry is one row of the catalog-wide condition-key table.
type keyEntry struct {
	Name     string
	Type     string
	Category string // set for AWS global and cross-service keys only
}

// keyTable merges every service's condition keys with the global keys into
// one table keyed by lower-cased name, sorted. A key several services define
// with different types takes the type of the service whose prefix the key
// carries (else the first service's, in prefix order); a global key takes
// its type from the global table. Such conflicts are returned as notes.
func keyTable(src *pkgSource) ([]keyEntry, []string) {
	byName := map[string]*keyEntry{}
	owner := map[string]string{}
	var notes []string
	for _, svc := range src.Services {
		for _, k := range svc.Keys {
			lk := strings.ToLower(k.Key)
			e, ok := byName[lk]
			if !ok {
				byName[lk] = &keyEntry{Name: k.Key, Type: k.Type}
				owner[lk] = svc.Prefix
				continue
			}
			if e.Type == k.Type {
				continue
			}
			ns, _, _ := strings.Cut(lk, ":")
			if ns == svc.Prefix && owner[lk] != ns {
				notes = append(notes, fmt.Sprintf("condition key %s: %s's type %s replaces %s's %s", k.Key, svc.Prefix, k.Type, owner[lk], e.Type))
				e.Type, owner[lk] = k.Type, svc.Prefix
			} else {
				notes = append(notes, fmt.Sprintf("condition key %s: %s says %s, keeping %s's %s", k.Key, svc.Prefix, k.Type, owner[lk], e.Type))
			}
		}
	}
	for _, g := range src.Globals {
		name := globalKeyName(g.Key)
		lk := strings.ToLower(name)
		e, ok := byName[lk]
		if !ok {
			byName[lk] = &keyEntry{Name: name, Type: g.Type, Category: g.Category}
			continue
		}
		if e.Type != g.Type {
			notes = append(notes, fmt.Sprintf("condition key %s: global type %s replaces %s's %s", name, g.Type, owner[lk], e.Type))
		}
		e.Name, e.Type, e.Category = name, g.Type, g.Category
	}
	out := make([]keyEntry, 0, len(byName))
	for _, e := range byName {
		out = append(out, *e)
	}
	sortByFold(out, func(e keyEntry) string { return e.Name })
	return out, notes
}
