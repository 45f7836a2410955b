package catalog

import (
	"slices"
	"strings"
	"testing"
)

func TestExpandActions(t *testing.T) {
	want := []string{
		"kms:GenerateDataKey",
		"kms:GenerateDataKeyPair",
		"kms:GenerateDataKeyPairWithoutPlaintext",
		"kms:GenerateDataKeyWithoutPlaintext",
		"kms:GenerateMac",
		"kms:GenerateRandom",
	}
	for _, p := range []string{"kms:Gen*", "KMS:gen*", "kms:Generate*", "k?s:Gen*"} {
		if got := ExpandActions(p); !slices.Equal(got, want) {
			t.Errorf("ExpandActions(%q) = %q, want %q", p, got, want)
		}
	}
	for p, want := range map[string][]string{
		"kms:encrypt":             {"kms:Encrypt"},
		"s3:Get?bject":            {"s3:GetObject"},
		"sts:AssumeRole*":         {"sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity"},
		"kms:*Key*Pair*Plaintext": {"kms:GenerateDataKeyPairWithoutPlaintext"},
	} {
		if got := ExpandActions(p); !slices.Equal(got, want) {
			t.Errorf("ExpandActions(%q) = %q, want %q", p, got, want)
		}
	}
	for _, p := range []string{"kms", "nope:*", "kms:Nope*", "kms:Nope", "", ":"} {
		if got := ExpandActions(p); got != nil {
			t.Errorf("ExpandActions(%q) = %q, want nil", p, got)
		}
	}
}

func TestExpandActionsWholeServices(t *testing.T) {
	if got, want := len(ExpandActions("kms:*")), len(Actions("kms")); got != want {
		t.Errorf("kms:* expands to %d actions, kms has %d", got, want)
	}
	all := ExpandActions("*")
	if len(all) != dataActions {
		t.Errorf("* expands to %d actions, the data has %d", len(all), dataActions)
	}
	if got := len(ExpandActions("*:*")); got != len(all) {
		t.Errorf("*:* expands to %d actions, * to %d", got, len(all))
	}
	listUsers := ExpandActions("*:ListUsers")
	if !slices.Contains(listUsers, "iam:ListUsers") || !slices.IsSorted(listUsers) {
		t.Errorf("*:ListUsers = %q", listUsers)
	}
	elastic := MatchActions("elastic*:Describe*")
	if len(elastic) == 0 {
		t.Error("elastic*:Describe* matched nothing")
	}
	for _, a := range elastic {
		if !strings.HasPrefix(a.Service, "elastic") || !strings.HasPrefix(a.Name, "Describe") {
			t.Errorf("elastic*:Describe* matched %s", a)
		}
	}
}

func TestGlobMatchFold(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"", "", true},
		{"", "a", false},
		{"a*", "A", true},
		{"a*b", "axxb", true},
		{"a*b", "axxbc", false},
		{"a*b*c", "abbbc", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*a*a*a*", "aaa", true},
		{"*a*a*a*", "aa", false},
		{"Get*Object", "getobject", true},
	} {
		if got := globMatchFold(c.pattern, c.name); got != c.want {
			t.Errorf("globMatchFold(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}
