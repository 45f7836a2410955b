package organizations

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// treeTestStore opens a store in a temporary directory.
func treeTestStore(t *testing.T) *Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(iam.NewDirectory(st, nil, nil, nil))
}

func TestParentChainAndPaths(t *testing.T) {
	s := treeTestStore(t)
	ctx := context.Background()
	org := &Organization{ID: "o-abcdefghij", RootID: "r-ab12", ManagementAccountID: "111111111111"}
	err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.PutOrganization(org); err != nil {
			return err
		}
		parent := org.RootID
		for _, id := range []string{"ou-ab12-11111111", "ou-ab12-22222222"} {
			if err := tx.PutOU(&OU{ID: id, OrgID: org.ID, ParentID: parent, Name: id}); err != nil {
				return err
			}
			parent = id
		}
		if err := tx.PutMember(&Member{AccountID: "222222222222", OrgID: org.ID, ParentID: parent}); err != nil {
			return err
		}
		return tx.PutMember(&Member{AccountID: "111111111111", OrgID: org.ID, ParentID: org.RootID})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx *Tx) error {
		chain, err := tx.ParentChain(org, "222222222222")
		if err != nil {
			return err
		}
		want := []string{"r-ab12", "ou-ab12-11111111", "ou-ab12-22222222", "222222222222"}
		if len(chain) != len(want) {
			t.Fatalf("chain = %v, want %v", chain, want)
		}
		for i := range want {
			if chain[i] != want[i] {
				t.Fatalf("chain = %v, want %v", chain, want)
			}
		}
		if got := EntityPath(org, chain); got != "o-abcdefghij/r-ab12/ou-ab12-11111111/ou-ab12-22222222/222222222222/" {
			t.Errorf("EntityPath = %s", got)
		}
		if got := OrgPathOfAccount(org, chain); got != "o-abcdefghij/r-ab12/ou-ab12-11111111/ou-ab12-22222222/" {
			t.Errorf("OrgPathOfAccount = %s", got)
		}
		mchain, err := tx.ParentChain(org, "111111111111")
		if err != nil {
			return err
		}
		if got := OrgPathOfAccount(org, mchain); got != "o-abcdefghij/r-ab12/" {
			t.Errorf("management account's org path = %s", got)
		}
		ouChain, err := tx.OUChain(org, "ou-ab12-22222222")
		if err != nil {
			return err
		}
		if got := EntityPath(org, ouChain); got != "o-abcdefghij/r-ab12/ou-ab12-11111111/ou-ab12-22222222/" {
			t.Errorf("OU path = %s", got)
		}
		if _, err := tx.ParentChain(org, "333333333333"); !errors.Is(err, ErrNotFound) {
			t.Errorf("ParentChain of a non-member: %v", err)
		}
		if _, err := tx.OUChain(org, "ou-ab12-99999999"); !errors.Is(err, ErrNotFound) {
			t.Errorf("OUChain of a missing OU: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestParentChainRefusesACycle makes sure a corrupt tree (an OU that is
// its own ancestor) ends in an error, not a loop.
func TestParentChainRefusesACycle(t *testing.T) {
	s := treeTestStore(t)
	ctx := context.Background()
	org := &Organization{ID: "o-abcdefghij", RootID: "r-ab12"}
	err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.PutOU(&OU{ID: "ou-ab12-aaaaaaaa", OrgID: org.ID, ParentID: "ou-ab12-bbbbbbbb"}); err != nil {
			return err
		}
		if err := tx.PutOU(&OU{ID: "ou-ab12-bbbbbbbb", OrgID: org.ID, ParentID: "ou-ab12-aaaaaaaa"}); err != nil {
			return err
		}
		return tx.PutMember(&Member{AccountID: "222222222222", OrgID: org.ID, ParentID: "ou-ab12-aaaaaaaa"})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx *Tx) error {
		_, err := tx.ParentChain(org, "222222222222")
		if err == nil {
			t.Error("a cyclic tree gave a chain")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEffectiveStatus(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	active := &Member{Status: StatusActive}
	if st, state := EffectiveStatus(active, t0); st != StatusActive || state != StatusActive {
		t.Errorf("active: %s %s", st, state)
	}
	closing := &Member{Status: StatusPendingClosure, ClosedAt: &t0}
	for _, c := range []struct {
		after         time.Duration
		status, state string
	}{
		{0, StatusPendingClosure, StatusPendingClosure},
		{ClosureDelay, StatusSuspended, StatusSuspended},
		{ClosedRetention, StatusSuspended, "CLOSED"},
	} {
		if st, state := EffectiveStatus(closing, t0.Add(c.after)); st != c.status || state != c.state {
			t.Errorf("after %v: %s %s, want %s %s", c.after, st, state, c.status, c.state)
		}
	}
}
