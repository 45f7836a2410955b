package organizations

import (
	"errors"
	"strings"
	"testing"
)

func TestValidatePolicyContentAcceptsDocumentedExamples(t *testing.T) {
	cases := map[string]string{
		TypeSCP:              `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["kms:*","iam:Create*"],"Resource":"*"}]}`,
		TypeRCP:              `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
		TypeTag:              `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter","@@operators_allowed_for_child_policies":["@@none"]},"tag_value":{"@@assign":["100","200"]},"enforced_for":{"@@assign":["secretsmanager:*","ec2:instance"]}}}}`,
		TypeAIServicesOptOut: `{"services":{"default":{"opt_out_policy":{"@@assign":"optOut"}},"rekognition":{"opt_out_policy":{"@@assign":"optIn","@@operators_allowed_for_child_policies":["@@none"]}}}}`,
		TypeBackup:           `{"plans":{"daily":{"regions":{"@@append":["us-east-1"]},"rules":{"r1":{"schedule_expression":{"@@assign":"cron(0 5 ? * * *)"},"target_backup_vault_name":{"@@assign":"Default"}}},"selections":{"tags":{"s1":{"iam_role_arn":{"@@assign":"arn:aws:iam::$account:role/Backup"},"tag_key":{"@@assign":"backup"},"tag_value":{"@@assign":["yes"]}}}}}}}`,
		TypeChatbot:          `{"chatbot":{"platforms":{"slack":{"client":{"@@assign":"enabled"},"workspaces":{"@@assign":["*"]}}}}}`,
		TypeDeclarativeEC2:   `{"ec2_attributes":{"serial_console_access":{"status":{"@@assign":"enabled"}},"instance_metadata_defaults":{"http_tokens":{"@@assign":"required"},"http_put_response_hop_limit":{"@@assign":2}}}}`,
		TypeSecurityHub:      `{"securityhub":{"enable_in_regions":{"@@append":["us-east-1"]},"disable_in_regions":{"@@assign":[]}}}`,
		TypeInspector:        `{"inspector":{"enablement":{"ec2_scanning":{"enable_in_regions":{"@@assign":["us-east-1"]}}}}}`,
		TypeS3:               `{"s3_attributes":{"public_access_block_configuration":{"@@assign":"all"}}}`,
		TypeBedrock:          `{"bedrock":{"guardrail_inference":{"us-east-1":{"config_1":{"identifier":{"@@assign":"arn:aws:bedrock:us-east-1:123456789012:guardrail/abc:1"},"input_tags":{"@@assign":"honor"}}}}}}`,
		TypeUpgradeRollout:   `{"upgrade_rollout":{"default":{"patch_order":{"@@assign":"last"}},"tags":{"devtag":{"tag_values":{"tag1":{"patch_order":{"@@assign":"first"}}}}}}}`,
	}
	for typ, doc := range cases {
		if err := ValidatePolicyContent(typ, doc); err != nil {
			t.Errorf("%s: %v", typ, err)
		}
	}
}

func TestValidatePolicyContentRejects(t *testing.T) {
	cases := []struct {
		name, typ, doc, want string
	}{
		{"scp syntax", TypeSCP, `{"Version":"2012-10-17","Statement":`, "Syntax errors"},
		{"scp no action", TypeSCP, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Resource":"*"}]}`, "must contain actions"},
		{"rcp no principal", TypeRCP, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:*","Resource":"*"}]}`, "Principal"},
		{"not json", TypeTag, `{"tags":`, "not valid JSON"},
		{"not object", TypeTag, `["tags"]`, "JSON object"},
		{"trailing", TypeTag, `{"tags":{}} {}`, "after its JSON object"},
		{"duplicate key", TypeTag, `{"tags":{"a":{"tag_key":{"@@assign":"a"}},"a":{"tag_key":{"@@assign":"A"}}}}`, "repeats the key"},
		{"wrong top key", TypeTag, `{"plans":{}}`, "top-level key"},
		{"missing top key", TypeBackup, `{}`, "top-level key"},
		{"unknown operator", TypeTag, `{"tags":{"a":{"tag_key":{"@@replace":"a"}}}}`, "not an inheritance operator"},
		{"raw value", TypeChatbot, `{"chatbot":{"platforms":"slack"}}`, "must be a JSON object"},
		{"append scalar", TypeSecurityHub, `{"securityhub":{"enable_in_regions":{"@@append":"us-east-1"}}}`, "must be an array"},
		{"assign object", TypeChatbot, `{"chatbot":{"x":{"@@assign":{"a":1}}}}`, "string, number, boolean"},
		{"mixed", TypeChatbot, `{"chatbot":{"x":{"@@assign":"a","y":{"@@assign":"b"}}}}`, "mixes"},
		{"child ops bad", TypeTag, `{"tags":{"a":{"tag_key":{"@@assign":"a","@@operators_allowed_for_child_policies":["@@all","@@assign"]}}}}`, "alone"},
		{"child ops unknown", TypeTag, `{"tags":{"@@operators_allowed_for_child_policies":["@@merge"]}}`, "allowed are"},
		{"tag key case", TypeTag, `{"tags":{"costcenter":{"tag_key":{"@@assign":"Owner"}}}}`, "must match the tag key"},
		{"tag key append", TypeTag, `{"tags":{"costcenter":{"tag_key":{"@@append":["CostCenter"]}}}}`, "only @@assign"},
		{"tag unknown element", TypeTag, `{"tags":{"costcenter":{"tag_values":{"@@assign":["a"]}}}}`, "not a tag policy element"},
		{"enforced_for form", TypeTag, `{"tags":{"costcenter":{"enforced_for":{"@@assign":["ec2"]}}}}`, "service:resource"},
		{"ai value", TypeAIServicesOptOut, `{"services":{"default":{"opt_out_policy":{"@@assign":"maybe"}}}}`, "optOut"},
		{"ai element", TypeAIServicesOptOut, `{"services":{"default":{"opt_in":{"@@assign":"optIn"}}}}`, "opt_out_policy"},
		{"backup element", TypeBackup, `{"plans":{"p":{"schedule":{"@@assign":"x"}}}}`, "not a backup plan element"},
		{"s3 value", TypeS3, `{"s3_attributes":{"public_access_block_configuration":{"@@assign":"some"}}}`, "\"all\" or \"none\""},
		{"unknown type", "NOT_A_TYPE", `{}`, "not supported"},
	}
	for _, tc := range cases {
		err := ValidatePolicyContent(tc.typ, tc.doc)
		var ce *ContentError
		if !errors.As(err, &ce) {
			t.Errorf("%s: error %v is not a *ContentError", tc.name, err)
			continue
		}
		if ce.TooLarge || !strings.Contains(ce.Reason, tc.want) {
			t.Errorf("%s: got %+v, want a malformed error mentioning %q", tc.name, ce, tc.want)
		}
	}
}

func TestValidatePolicyContentSizeQuotas(t *testing.T) {
	pad := func(n int) string { return strings.Repeat(" ", n) }
	scp := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	tag := `{"tags":{"a":{"tag_key":{"@@assign":"a"}}}}`
	ai := `{"services":{"default":{"opt_out_policy":{"@@assign":"optOut"}}}}`
	cases := []struct {
		typ, doc string
		limit    int
	}{
		{TypeSCP, scp, 5120},
		{TypeRCP, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, 5120},
		{TypeTag, tag, 10000},
		{TypeAIServicesOptOut, ai, 2500},
	}
	for _, tc := range cases {
		atLimit := tc.doc + pad(tc.limit-len(tc.doc))
		if err := ValidatePolicyContent(tc.typ, atLimit); err != nil {
			t.Errorf("%s at the limit: %v", tc.typ, err)
		}
		var ce *ContentError
		err := ValidatePolicyContent(tc.typ, atLimit+" ")
		if !errors.As(err, &ce) || !ce.TooLarge || ce.Limit != tc.limit {
			t.Errorf("%s over the limit: got %v, want TooLarge with limit %d", tc.typ, err, tc.limit)
		}
	}
}

func TestPolicyTypeLimits(t *testing.T) {
	if MaxPoliciesPerTarget(TypeSCP) != 5 || MaxPoliciesPerTarget(TypeRCP) != 5 || MaxPoliciesPerTarget(TypeTag) != 10 || MaxPoliciesPerTarget(TypeAIServicesOptOut) != 5 {
		t.Fatal("per-target limits differ from the AWS quotas")
	}
	if !IsAuthorizationPolicyType(TypeSCP) || IsAuthorizationPolicyType(TypeTag) {
		t.Fatal("IsAuthorizationPolicyType misclassifies")
	}
	if KnownPolicyType("SOMETHING_POLICY") || !KnownPolicyType(TypeNetworkSecurityDirector) {
		t.Fatal("KnownPolicyType misclassifies")
	}
}

func FuzzValidatePolicyContent(f *testing.F) {
	seeds := []struct{ typ, doc string }{
		{TypeTag, `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@append":["1"]}}}}`},
		{TypeTag, `{"tags":{"@@operators_allowed_for_child_policies":["@@none"]}}`},
		{TypeBackup, `{"plans":{"p":{"regions":{"@@assign":["us-east-1"]}}}}`},
		{TypeAIServicesOptOut, `{"services":{"default":{"opt_out_policy":{"@@assign":"optOut"}}}}`},
		{TypeS3, `{"s3_attributes":{"public_access_block_configuration":{"@@assign":"none"}}}`},
		{TypeChatbot, `{"chatbot":{"a":{"b":{"@@remove":[1,true,"x"]}}}}`},
		{TypeSCP, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`},
		{TypeRCP, `{"Statement":[]}`},
		{TypeTag, `{"tags":{"a":[`},
		{TypeTag, `{"tags":{"a":{"tag_key":{"@@assign":"a"}}},"tags":{}}`},
	}
	for _, s := range seeds {
		f.Add(s.typ, s.doc)
	}
	f.Fuzz(func(t *testing.T, typ, doc string) {
		err := ValidatePolicyContent(typ, doc)
		if err == nil {
			// A valid document stays valid, and a management policy merges
			// into an effective policy without error.
			if err := ValidatePolicyContent(typ, doc); err != nil {
				t.Fatalf("revalidation failed: %v", err)
			}
			if KnownPolicyType(typ) && !IsAuthorizationPolicyType(typ) {
				if _, err := ComputeEffective(typ, [][]EffectiveSource{{{PolicyID: "p-fuzz0001", Content: doc}}}); err != nil {
					t.Fatalf("valid document does not merge: %v", err)
				}
			}
			return
		}
		var ce *ContentError
		if !errors.As(err, &ce) {
			t.Fatalf("error %T is not a *ContentError", err)
		}
	})
}
