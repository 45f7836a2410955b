package catalog

import (
	"sync"
	"testing"
)

// TestConcurrentLoad loads the services of a fresh index from many
// goroutines at once; under -race it checks that lazy parsing is safe.
func TestConcurrentLoad(t *testing.T) {
	idx, err := indexCatalog(catalogText)
	if err != nil {
		t.Fatal(err)
	}
	entries := []*serviceEntry{idx.byPrefix["kms"], idx.byPrefix["iam"], idx.byPrefix["s3"], idx.byPrefix["ec2"]}
	var wg sync.WaitGroup
	got := make([][]*ServiceInfo, 8)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, e := range entries {
				s := e.load()
				if _, ok := s.Action("CreateTags"); !ok && s.Prefix == "ec2" {
					t.Error("ec2:CreateTags missing")
				}
				got[g] = append(got[g], s)
			}
		}()
	}
	wg.Wait()
	for g := range got {
		for i := range entries {
			if got[g][i] != got[0][i] {
				t.Fatalf("goroutines got different ServiceInfos for %s", entries[i].prefix)
			}
		}
	}
}

func TestIndexActionNames(t *testing.T) {
	idx := loadIndex()
	names := indexActionNames(idx)
	if len(names) != dataActions {
		t.Fatalf("indexed %d action names, the data has %d", len(names), dataActions)
	}
	r, ok := names["kms:encrypt"]
	if !ok || r.entry.prefix != "kms" || r.entry.load().Actions[r.i].Name != "Encrypt" {
		t.Errorf("kms:encrypt = %+v, %v", r, ok)
	}
}
