package catalog

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// goldenFixture is the generator's output for its fixture package: parsing
// it checks that the generator and this parser agree on the format.
const goldenFixture = "gen/testdata/golden/data_catalog.tsv"

func TestParseGeneratorFixture(t *testing.T) {
	text, err := os.ReadFile(goldenFixture)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := indexCatalog(string(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.services) != 2 || idx.services[0].prefix != "demo" || idx.services[1].prefix != "zeta" {
		t.Fatalf("services = %+v", idx.services)
	}
	demo, err := parseService(idx.byPrefix["demo"].section)
	if err != nil {
		t.Fatal(err)
	}
	if demo.Prefix != "demo" || demo.Name != "Demo Service" {
		t.Errorf("service = %q %q", demo.Prefix, demo.Name)
	}

	put, ok := demo.Action("putwidget")
	if !ok {
		t.Fatal("PutWidget missing")
	}
	if put.AccessLevel != AccessWrite || !put.SupportsResourceLevel || len(put.ResourceTypes) != 2 {
		t.Fatalf("PutWidget = %+v", put)
	}
	w := put.ResourceTypes[0]
	if w.Name != "widget" || !w.Required || !slices.Equal(w.ConditionKeys, []string{"demo:WidgetColor"}) ||
		!slices.Equal(w.DependentActions, []string{"iam:PassRole"}) || w.ResourceType == nil {
		t.Errorf("PutWidget widget ref = %+v", w)
	}
	if bin := put.ResourceTypes[1]; bin.Name != "Bin Folder" || bin.Required || bin.ResourceType == nil {
		t.Errorf("PutWidget bin ref = %+v", bin)
	}
	if !slices.Equal(put.DependentActions, []string{"demo:GetWidget"}) {
		t.Errorf("PutWidget dependent actions = %q", put.DependentActions)
	}

	if a, _ := demo.Action("ListWidgets"); a == nil || a.SupportsResourceLevel || a.AccessLevel != AccessList {
		t.Errorf("ListWidgets = %+v", a)
	}
	if a, _ := demo.Action("PutWidgetPolicy"); a == nil || a.AccessLevel != AccessPermissionsManagement {
		t.Errorf("PutWidgetPolicy = %+v", a)
	}
	tag, _ := demo.Action("TagWidget")
	if tag == nil || tag.AccessLevel != AccessTagging || len(tag.Scenarios) != 2 {
		t.Fatalf("TagWidget = %+v", tag)
	}
	sc := tag.Scenarios[1]
	if sc.Name != "Demo-Bin" || len(sc.ResourceTypes) != 2 || sc.ResourceTypes[0].Name != "Bin Folder" ||
		!sc.ResourceTypes[0].Required || sc.ResourceTypes[1].Required || sc.ResourceTypes[0].ResourceType == nil {
		t.Errorf("TagWidget scenario = %+v", sc)
	}

	bin, ok := demo.ResourceType("BIN FOLDER")
	if !ok || len(bin.ARNFormats) != 2 {
		t.Fatalf("Bin Folder = %+v", bin)
	}
	if !bin.MatchARN("arn:aws:demo:us-east-1:123456789012:bin/a/b/c") || !bin.MatchARN("arn:aws:demo:::bin/anything") ||
		bin.MatchARN("arn:aws:demo:us-east-1:123456789012:widget/w1") {
		t.Error("Bin Folder formats match wrongly")
	}

	if k, ok := demo.ConditionKey("demo:context:purpose"); !ok || k.Name != "demo:Context:${ContextKey}" {
		t.Errorf("demo:context:purpose = %+v, %v", k, ok)
	}
	if k, ok := demo.ConditionKey("demo:ExistingTag/x"); !ok || k.Name != "demo:ExistingTag/<key>" {
		t.Errorf("demo:ExistingTag/x = %+v, %v", k, ok)
	}

	// A key two services type differently keeps each service's type.
	zeta, err := parseService(idx.byPrefix["zeta"].section)
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := zeta.ConditionKey("shared:level"); k == nil || k.Type != TypeNumeric {
		t.Errorf("zeta shared:Level = %+v", k)
	}
	if k, _ := demo.ConditionKey("shared:level"); k == nil || k.Type != TypeString {
		t.Errorf("demo shared:Level = %+v", k)
	}

	keys, err := parseKeyTable(idx.keys)
	if err != nil {
		t.Fatal(err)
	}
	global := newKeyIndex(keys)
	if k, ok := global.lookup("aws:principaltag/team"); !ok || k.Name != "aws:PrincipalTag/${TagKey}" || !k.Global || k.Category != "principal" {
		t.Errorf("aws:PrincipalTag/team = %+v, %v", k, ok)
	}
	if k, ok := global.lookup("demo:WidgetColor"); !ok || k.Global {
		t.Errorf("demo:WidgetColor = %+v, %v", k, ok)
	}
}

func TestParseErrors(t *testing.T) {
	for name, section := range map[string]string{
		"no service record":     "C\tk:a\tString\n",
		"ref before action":     "S\tdemo\tDemo\nT\twidget\t1\t\t\n",
		"unknown record":        "S\tdemo\tDemo\nQ\tx\n",
		"unknown level":         "S\tdemo\tDemo\nA\tGet\tAdmin\t\t\n",
		"unknown type":          "S\tdemo\tDemo\nC\tdemo:K\tFloat\n",
		"bad required flag":     "S\tdemo\tDemo\nA\tGet\tRead\t\t\nT\tw\tyes\t\t\n",
		"too few fields":        "S\tdemo\tDemo\nA\tGet\tRead\n",
		"too many fields":       "S\tdemo\tDemo\nA\tGet\tRead\t\t\t\t\n",
		"bad scenario":          "S\tdemo\tDemo\nA\tGet\tRead\t\t\nX\tsc\twidget\n",
		"unterminated ARN hole": "S\tdemo\tDemo\nR\tw\tarn:${Partition\t\n",
		"empty":                 "",
	} {
		if _, err := parseService(section); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
	if _, err := indexCatalog("K\taws:X\tString\t\n"); err == nil {
		t.Error("catalog without services indexed")
	}
	if _, err := indexCatalog("#\nS\tdemo\tDemo\nS\tdemo\tDemo\n"); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate service: err = %v", err)
	}
	if _, err := parseKeyTable("K\taws:X\tFloat\t\n"); err == nil {
		t.Error("key of unknown type parsed")
	}
}
