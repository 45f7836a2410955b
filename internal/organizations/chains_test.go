package organizations

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/policy"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

func chainsTestStore(t testing.TB) *Store {
	t.Helper()
	d := t.TempDir()
	st, err := sqlite.Open(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	kr, err := keyring.LoadOrCreate(filepath.Join(d, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	return New(iam.NewDirectory(st, kr, account.NewCredentials(st, kr), nil))
}

func TestMembershipFollowsWrites(t *testing.T) {
	s := chainsTestStore(t)
	ctx := context.Background()
	now := time.Now()
	org := &Organization{ID: "o-abcdefghij", RootID: "r-abcd", FeatureSet: FeatureSetAll, ManagementAccountID: "999988887777",
		PolicyTypes: []PolicyTypeStatus{{Type: TypeSCP, Status: "ENABLED"}, {Type: TypeRCP, Status: "ENABLED"}}}
	const acct = "111122223333"
	if m, err := s.Membership(ctx, acct); err != nil || m != nil {
		t.Fatalf("before any organization: %+v, %v", m, err)
	}
	update := func(fn func(tx *Tx) error) {
		t.Helper()
		if err := s.Update(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	update(func(tx *Tx) error {
		if err := tx.PutOrganization(org); err != nil {
			return err
		}
		for _, ou := range []*OU{{ID: "ou-abcd-11111111", OrgID: org.ID, ParentID: org.RootID}, {ID: "ou-abcd-22222222", OrgID: org.ID, ParentID: "ou-abcd-11111111"}} {
			if err := tx.PutOU(ou); err != nil {
				return err
			}
			if err := AttachDefaults(tx, org, ou.ID, now); err != nil {
				return err
			}
		}
		for _, m := range []*Member{{AccountID: acct, OrgID: org.ID, ParentID: "ou-abcd-22222222"}, {AccountID: org.ManagementAccountID, OrgID: org.ID, ParentID: org.RootID}} {
			if err := tx.PutMember(m); err != nil {
				return err
			}
			if err := AttachDefaults(tx, org, m.AccountID, now); err != nil {
				return err
			}
		}
		return AttachDefaults(tx, org, org.RootID, now)
	})
	m, err := s.Membership(ctx, acct)
	if err != nil || m == nil {
		t.Fatalf("member: %+v, %v", m, err)
	}
	if m.OrgID != org.ID || m.Path != "o-abcdefghij/r-abcd/ou-abcd-11111111/ou-abcd-22222222/" || m.Management {
		t.Errorf("membership = %+v", m)
	}
	if len(m.SCPs) != 4 || len(m.SCPChain) != 1 || m.RCPs != nil {
		t.Errorf("levels: %d SCP levels, %d in the chain, RCPs %v; want 4, 1 (all FullAWSAccess), none", len(m.SCPs), len(m.SCPChain), m.RCPs)
	}
	if again, _ := s.Membership(ctx, acct); again != m {
		t.Error("an unchanged organization rebuilt the membership")
	}
	if mg, _ := s.Membership(ctx, org.ManagementAccountID); mg == nil || !mg.Management || mg.Path != "o-abcdefghij/r-abcd/" {
		t.Errorf("management membership = %+v", mg)
	}
	// A customer RCP and the removal of FullAWSAccess from one OU show at
	// once.
	update(func(tx *Tx) error {
		if err := tx.PutPolicy(&Policy{ID: "p-rcp00001", OrgID: org.ID, Type: TypeRCP,
			Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}`}); err != nil {
			return err
		}
		if err := tx.Attach(org.ID, &Attachment{PolicyID: "p-rcp00001", TargetID: "ou-abcd-11111111"}); err != nil {
			return err
		}
		return tx.Detach(org.ID, FullAWSAccessID, "ou-abcd-22222222")
	})
	m2, err := s.Membership(ctx, acct)
	if err != nil || m2 == m {
		t.Fatalf("membership not rebuilt after a write: %v", err)
	}
	if len(m2.RCPs) != 4 || len(m2.RCPs[1]) != 1 || len(m2.RCPs[0]) != 0 {
		t.Errorf("RCP levels = %v", m2.RCPs)
	}
	if len(m2.SCPChain) != 2 || len(m2.SCPChain[1]) != 0 {
		t.Errorf("SCP chain without FullAWSAccess on the second OU = %v", m2.SCPChain)
	}
	update(func(tx *Tx) error { return tx.DeleteMember(org.ID, acct) })
	if m3, err := s.Membership(ctx, acct); err != nil || m3 != nil {
		t.Errorf("after leaving: %+v, %v", m3, err)
	}
}

// TestCompactSCPsDecidesTheSame evaluates requests over chains and their
// compacted form: the decisions must agree.
func TestCompactSCPsDecidesTheSame(t *testing.T) {
	full := policy.MustParse(Managed(FullAWSAccessID).Content, policy.KindSCP)
	deny := policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}`, policy.KindSCP)
	reads := policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`, policy.KindSCP)
	F, D, R := policy.Attached{Name: "F", Policy: full}, policy.Attached{Name: "D", Policy: deny}, policy.Attached{Name: "R", Policy: reads}
	chains := [][][]policy.Attached{
		{{F}, {F}, {F}},
		{{F, D}, {F}, {F, D}},
		{{F}, {R}, {F}},
		{{F}, {R, D}, {F, D}},
		{{F}, {}, {F}},
		{{R}, {R}},
	}
	for i, chain := range chains {
		compact := compactSCPs(chain, full)
		for _, action := range []string{"iam:CreateUser", "iam:GetUser", "iam:DeleteUser"} {
			req := &policy.Request{Principal: policy.Principal{Type: policy.PrincipalUser, ARN: "arn:aws:iam::111122223333:user/u", Account: "111122223333"},
				Action: action, Resource: "arn:aws:iam::111122223333:user/x"}
			id := []policy.Attached{F}
			a := policy.Evaluate(req, &policy.PolicySet{Identity: id, SCPs: chain})
			b := policy.Evaluate(req, &policy.PolicySet{Identity: id, SCPs: compact})
			if a.Effect != b.Effect || a.DeniedBy != b.DeniedBy {
				t.Errorf("chain %d, %s: %v/%v over the chain, %v/%v compacted", i, action, a.Effect, a.DeniedBy, b.Effect, b.DeniedBy)
			}
		}
	}
}
