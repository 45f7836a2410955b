package organizations

import (
	"encoding/json"
	"reflect"
	"testing"
)

func mustEffective(t *testing.T, typ string, levels [][]EffectiveSource) *EffectiveResult {
	t.Helper()
	for _, l := range levels {
		for _, s := range l {
			if err := ValidatePolicyContent(typ, s.Content); err != nil {
				t.Fatalf("policy %s is invalid: %v", s.PolicyID, err)
			}
		}
	}
	res, err := ComputeEffective(typ, levels)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func assertJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("effective policy %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("effective policy\n got %s\nwant %s", got, want)
	}
}

func TestEffectiveTagPolicyInheritance(t *testing.T) {
	root := EffectiveSource{PolicyID: "p-root0001", Content: `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@assign":["100","200"]}},"project":{"tag_key":{"@@assign":"Project"}}}}`}
	ou := EffectiveSource{PolicyID: "p-ou000001", Content: `{"tags":{"costcenter":{"tag_value":{"@@append":["300"]},"enforced_for":{"@@assign":["ec2:instance"]}}}}`}
	acct := EffectiveSource{PolicyID: "p-acct0001", Content: `{"tags":{"costcenter":{"tag_value":{"@@remove":["100"]}},"project":{"tag_key":{"@@assign":"PROJECT"}}}}`}
	res := mustEffective(t, TypeTag, [][]EffectiveSource{{root}, {ou}, {acct}})
	assertJSON(t, res.Content, `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["200","300"],"enforced_for":["ec2:instance"]},"project":{"tag_key":"PROJECT"}}}`)
	if len(res.Errors) != 0 {
		t.Fatalf("unexpected errors %+v", res.Errors)
	}
	if !reflect.DeepEqual(res.Policies, []string{"p-root0001", "p-ou000001", "p-acct0001"}) {
		t.Fatalf("policies %v", res.Policies)
	}
}

func TestEffectiveChildControlOperators(t *testing.T) {
	// The root locks tag_key and allows only @@append on tag_value.
	root := EffectiveSource{PolicyID: "p-root0001", Content: `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter","@@operators_allowed_for_child_policies":["@@none"]},"tag_value":{"@@assign":["100"],"@@operators_allowed_for_child_policies":["@@append"]}}}}`}
	ou := EffectiveSource{PolicyID: "p-ou000001", Content: `{"tags":{"costcenter":{"tag_key":{"@@assign":"COSTCENTER"},"tag_value":{"@@append":["200"],"@@operators_allowed_for_child_policies":["@@all"]}}}}`}
	// @@all from the OU cannot widen what the root allowed: @@remove stays
	// forbidden for the account.
	acct := EffectiveSource{PolicyID: "p-acct0001", Content: `{"tags":{"costcenter":{"tag_value":{"@@remove":["100"]}}}}`}
	res := mustEffective(t, TypeTag, [][]EffectiveSource{{root}, {ou}, {acct}})
	assertJSON(t, res.Content, `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["100","200"]}}}`)
	if len(res.Errors) != 2 {
		t.Fatalf("want 2 errors, got %+v", res.Errors)
	}
	e0, e1 := res.Errors[0], res.Errors[1]
	if e0.Code != "OPERATOR_NOT_ALLOWED" || e0.Path != "tags.costcenter.tag_key" || !reflect.DeepEqual(e0.Policies, []string{"p-root0001", "p-ou000001"}) {
		t.Fatalf("first error %+v", e0)
	}
	if e1.Code != "OPERATOR_NOT_ALLOWED" || e1.Path != "tags.costcenter.tag_value" || !reflect.DeepEqual(e1.Policies, []string{"p-root0001", "p-acct0001"}) {
		t.Fatalf("second error %+v", e1)
	}
}

func TestEffectiveNoneLocksNewKeysAndSameLevelIsNotRestricted(t *testing.T) {
	// Two policies on the root: the second may still add a tag although
	// the first locks "tags", because restrictions bind only children.
	r1 := EffectiveSource{PolicyID: "p-root0001", Content: `{"tags":{"@@operators_allowed_for_child_policies":["@@none"],"a":{"tag_key":{"@@assign":"A"}}}}`}
	r2 := EffectiveSource{PolicyID: "p-root0002", Content: `{"tags":{"b":{"tag_key":{"@@assign":"B"}}}}`}
	acct := EffectiveSource{PolicyID: "p-acct0001", Content: `{"tags":{"c":{"tag_key":{"@@assign":"C"}}}}`}
	res := mustEffective(t, TypeTag, [][]EffectiveSource{{r1, r2}, {}, {acct}})
	assertJSON(t, res.Content, `{"tags":{"a":{"tag_key":"A"},"b":{"tag_key":"B"}}}`)
	if len(res.Errors) != 1 || res.Errors[0].Path != "tags.c.tag_key" {
		t.Fatalf("errors %+v", res.Errors)
	}
}

func TestEffectiveAIOptOutOverride(t *testing.T) {
	root := EffectiveSource{PolicyID: "p-root0001", Content: `{"services":{"default":{"opt_out_policy":{"@@assign":"optOut"}}}}`}
	acct := EffectiveSource{PolicyID: "p-acct0001", Content: `{"services":{"default":{"opt_out_policy":{"@@assign":"optIn"}},"lex":{"opt_out_policy":{"@@assign":"optOut"}}}}`}
	res := mustEffective(t, TypeAIServicesOptOut, [][]EffectiveSource{{root}, {acct}})
	assertJSON(t, res.Content, `{"services":{"default":{"opt_out_policy":"optIn"},"lex":{"opt_out_policy":"optOut"}}}`)
}

func TestEffectiveBackupMissingElementsAndScalarAppend(t *testing.T) {
	root := EffectiveSource{PolicyID: "p-root0001", Content: `{"plans":{"daily":{"regions":{"@@assign":["us-east-1"]},"rules":{"r":{"target_backup_vault_name":{"@@assign":"Default"}}}}}}`}
	acct := EffectiveSource{PolicyID: "p-acct0001", Content: `{"plans":{"daily":{"rules":{"r":{"target_backup_vault_name":{"@@append":["Other"]}}}}}}`}
	res := mustEffective(t, TypeBackup, [][]EffectiveSource{{root}, {acct}})
	codes := map[string]string{}
	for _, e := range res.Errors {
		codes[e.Path] = e.Code
	}
	want := map[string]string{
		"plans.daily.rules.r.target_backup_vault_name": "INVALID_OPERATOR_FOR_VALUE",
		"plans.daily.selections":                       "MISSING_REQUIRED_ELEMENT",
	}
	if !reflect.DeepEqual(codes, want) {
		t.Fatalf("errors %+v", res.Errors)
	}
	assertJSON(t, res.Content, `{"plans":{"daily":{"regions":["us-east-1"],"rules":{"r":{"target_backup_vault_name":"Default"}}}}}`)
}

func TestEffectiveNoPolicies(t *testing.T) {
	res, err := ComputeEffective(TypeTag, [][]EffectiveSource{{}, {}})
	if err != nil || res.Content != "" {
		t.Fatalf("got %+v, %v; want no content", res, err)
	}
	if _, err := ComputeEffective(TypeSCP, nil); err == nil {
		t.Fatal("SCPs have no effective policy")
	}
}
