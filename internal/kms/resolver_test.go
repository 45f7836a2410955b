package kms

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
)

func TestResolverServesKeysFromMemory(t *testing.T) {
	s := cryptoTestStore(t)
	ctx := context.Background()
	k := cryptoTestKey(t, s, "k1", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
	k.Policy = DefaultKeyPolicy(k.AccountID)
	k.Tags = []Tag{{Key: "team", Value: "blue"}}
	a := &Alias{Name: "alias/app", AccountID: k.AccountID, Region: k.Region, KeyID: k.ID}
	if err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.PutAlias(a); err != nil {
			return err
		}
		return tx.PutKey(k)
	}); err != nil {
		t.Fatal(err)
	}
	r := NewResolver(s)
	c := &call.Call{Principal: &identity.Principal{AccountID: k.AccountID}, Region: k.Region, Operation: api.Service.Operations["Encrypt"]}
	for _, arn := range []string{k.ARN(), "arn:aws:kms:us-east-1:123456789012:key/alias/app", a.ARN()} {
		res, err := r.ResolveResource(ctx, c, arn)
		if err != nil || res.ARN != k.ARN() || res.Account != k.AccountID || !res.PolicyMustAllow || res.Policy == nil ||
			len(res.Tags) != 1 || res.Tags[0].Value != "blue" {
			t.Fatalf("%s resolved to %+v, %v", arn, res, err)
		}
		found := false
		for _, cond := range res.Conditions {
			found = found || cond.Key == "kms:ResourceAliases" && cond.Values[0].String() == "alias/app"
		}
		if !found {
			t.Fatalf("%s: no kms:ResourceAliases in %+v", arn, res.Conditions)
		}
	}
	// A cache hit allocates nothing.
	keyARN := k.ARN()
	if n := testing.AllocsPerRun(100, func() { _, _ = r.ResolveResource(ctx, c, keyARN) }); n != 0 {
		t.Fatalf("a cache hit allocates %v times", n)
	}
	// A key management operation does not take an alias.
	c.Operation = api.Service.Operations["EnableKey"]
	if res, _ := r.ResolveResource(ctx, c, a.ARN()); !res.Skip {
		t.Fatalf("EnableKey on an alias ARN resolved to %+v", res)
	}
	// CreateAlias acts on the alias itself.
	c.Operation = api.Service.Operations["CreateAlias"]
	if res, _ := r.ResolveResource(ctx, c, a.ARN()); res.Policy != nil || res.Skip {
		t.Fatalf("CreateAlias's alias resolved to %+v", res)
	}
	// A write is seen at once.
	k2 := *k
	k2.Tags = nil
	if err := s.Update(ctx, func(tx *Tx) error { return tx.PutKey(&k2) }); err != nil {
		t.Fatal(err)
	}
	c.Operation = api.Service.Operations["Encrypt"]
	if res, _ := r.ResolveResource(ctx, c, k.ARN()); len(res.Tags) != 0 {
		t.Fatalf("stale tags %+v", res.Tags)
	}
}
