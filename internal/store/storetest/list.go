package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
)

// listKeys holds keys chosen to break prefix scans done wrong: LIKE
// wildcards, bytes at the ends of the byte range, case, multi-byte UTF-8 and
// invalid UTF-8, and prefixes of one another.
var listKeys = []string{
	"", "a", "a%", "a%b", "a_", "a_b", "aa", "ab", "abc", "aB", "A", "b",
	"%", "_", "\\", "a\\", "a\\%", "a%%",
	"\x00", "a\x00", "a\x00b", "\x01",
	"\x7f", "\x7f\xff", "\x80", "a\xff", "a\xff\xff", "a\xffb", "b\x00",
	"\xff", "\xff\x00", "\xff\xff", "\xff\xff\xff",
	"é", "éa", "e\u0301", "日本", "日本語", "😀",
	"user/alice", "user/alice/keys/1", "user/alice2", "user/bob", "user0",
}

// RunList checks Tx.List against a reference computed in Go: byte order,
// prefix, startAfter and limit, for every prefix of every key.
func RunList(t *testing.T, open Opener) {
	subtest(t, open, "Reference", testListReference)
	subtest(t, open, "Pagination", testListPagination)
	subtest(t, open, "Empty", testListEmpty)
}

// expectList is what List must return, computed from the key set.
func expectList(keys []string, prefix, startAfter string, limit int) []string {
	var out []string
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) && (startAfter == "" || k > startAfter) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func listKeysOf(items []store.Item) []string {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.Key
	}
	return keys
}

func fillListKeys(t *testing.T, s store.Store) {
	t.Helper()
	err := s.Update(ctx, func(tx store.Tx) error {
		for _, k := range listKeys {
			if err := tx.Put("list", k, []byte("v:"+k)); err != nil {
				return err
			}
			// Neighbouring kinds must never leak into a scan.
			if err := tx.Put("lis", k, []byte("x")); err != nil {
				return err
			}
			if err := tx.Put("list\x00", k, []byte("x")); err != nil {
				return err
			}
			if err := tx.Put("lisu", k, []byte("x")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testListReference(t *testing.T, s store.Store) {
	fillListKeys(t, s)
	prefixes := map[string]bool{"": true, "\xff\xff\xff\xff": true, "zzz": true, "%": true, "_": true}
	for _, k := range listKeys {
		for i := 0; i <= len(k); i++ {
			prefixes[k[:i]] = true
		}
	}
	starts := append([]string{"", "a", "a%", "\xff", "\x00", "é", "zzzz"}, listKeys[:8]...)
	err := s.View(ctx, func(tx store.Tx) error {
		for prefix := range prefixes {
			for _, start := range starts {
				for _, limit := range []int{0, -1, 1, 2, 5} {
					items, err := tx.List("list", prefix, start, limit)
					if err != nil {
						return fmt.Errorf("List(%q, %q, %d): %v", prefix, start, limit, err)
					}
					want := expectList(listKeys, prefix, start, limit)
					if got := listKeysOf(items); !slices.Equal(got, want) {
						return fmt.Errorf("List(%q, %q, %d) = %q, want %q", prefix, start, limit, got, want)
					}
					for _, it := range items {
						if string(it.Value) != "v:"+it.Key {
							return fmt.Errorf("List(%q) value of %q = %q", prefix, it.Key, it.Value)
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testListPagination(t *testing.T, s store.Store) {
	const n = 250
	err := s.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			if err := tx.Put("page", fmt.Sprintf("item/%04d", i), []byte{byte(i)}); err != nil {
				return err
			}
		}
		return tx.Put("page", "other/1", nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, pageSize := range []int{1, 7, 100, n - 1, n, n + 1} {
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > n+1 {
				t.Fatalf("page size %d: pagination does not end", pageSize)
			}
			var items []store.Item
			err := s.View(ctx, func(tx store.Tx) error {
				var err error
				items, err = tx.List("page", "item/", after, pageSize)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(items) > pageSize {
				t.Fatalf("page size %d: got %d items", pageSize, len(items))
			}
			got = append(got, listKeysOf(items)...)
			if len(items) < pageSize {
				break
			}
			after = items[len(items)-1].Key
		}
		if len(got) != n {
			t.Fatalf("page size %d: got %d keys, want %d", pageSize, len(got), n)
		}
		for i, k := range got {
			if want := fmt.Sprintf("item/%04d", i); k != want {
				t.Fatalf("page size %d: key %d = %q, want %q", pageSize, i, k, want)
			}
		}
	}
}

func testListEmpty(t *testing.T, s store.Store) {
	err := s.View(ctx, func(tx store.Tx) error {
		items, err := tx.List("nothing", "", "", 0)
		if err != nil || len(items) != 0 {
			return fmt.Errorf("List on an empty kind = %v, %v", items, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
