package catalog

import "testing"

// benchActions are looked up in turn, in the spellings policies use.
var benchActions = []string{"kms:Encrypt", "s3:GetObject", "iam:PassRole", "sts:AssumeRole", "ec2:RunInstances", "KMS:decrypt"}

func BenchmarkAction(b *testing.B) {
	for _, name := range benchActions {
		if _, ok := Action(name); !ok {
			b.Fatalf("%s not found", name)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := Action(benchActions[i%len(benchActions)]); !ok {
			b.Fatal("not found")
		}
		i++
	}
}

func TestActionDoesNotAllocate(t *testing.T) {
	Action("kms:Encrypt") // load kms
	if n := testing.AllocsPerRun(100, func() { Action("KMS:Encrypt") }); n != 0 {
		t.Errorf("Action allocates %v times per call", n)
	}
}

func BenchmarkConditionKey(b *testing.B) {
	for _, name := range []string{"aws:SourceIp", "aws:RequestTag/team", "kms:EncryptionContext:purpose"} {
		b.Run(name, func(b *testing.B) {
			if _, ok := ConditionKey(name); !ok {
				b.Fatalf("%s not found", name)
			}
			b.ReportAllocs()
			for b.Loop() {
				ConditionKey(name)
			}
		})
	}
}

func BenchmarkMatchARN(b *testing.B) {
	r, _ := ResourceType("s3", "object")
	b.ReportAllocs()
	for b.Loop() {
		if !r.MatchARN("arn:aws:s3:::my-bucket/photos/2024/cat.jpg") {
			b.Fatal("no match")
		}
	}
}

// BenchmarkParseService measures the one-time cost of a service's first
// use: kms is typical, ec2 the largest.
func BenchmarkParseService(b *testing.B) {
	for _, p := range []string{"kms", "ec2"} {
		b.Run(p, func(b *testing.B) {
			section := loadIndex().byPrefix[p].section
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseService(section); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseAll measures parsing the whole catalog, as a process that
// touches every service (ExpandActions("*")) pays once.
func BenchmarkParseAll(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		idx, err := indexCatalog(catalogText)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range idx.services {
			if _, err := parseService(e.section); err != nil {
				b.Fatal(err)
			}
		}
		keys, err := parseKeyTable(idx.keys)
		if err != nil {
			b.Fatal(err)
		}
		newKeyIndex(keys)
	}
}

// BenchmarkIndexActionNames measures the one-time cost of the first Action
// call: indexing every action name.
func BenchmarkIndexActionNames(b *testing.B) {
	idx := loadIndex()
	b.ReportAllocs()
	for b.Loop() {
		indexActionNames(idx)
	}
}

// BenchmarkIndexCatalog measures the one-time cost of the first lookup of
// any kind: locating the sections of the embedded text.
func BenchmarkIndexCatalog(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := indexCatalog(catalogText); err != nil {
			b.Fatal(err)
		}
	}
}
