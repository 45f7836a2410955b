package kms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DeletionDue reports whether k is pending deletion and its deletion date
// has come: from then on the key no longer exists, whether or not the
// record has been removed yet.
func (k *Key) DeletionDue(now time.Time) bool {
	return k.State == StatePendingDeletion && k.DeletionDate != nil && !now.Before(*k.DeletionDate)
}

// LiveKey returns a key like CachedKey, with the time-driven changes AWS
// makes applied first: a key whose scheduled deletion is due is deleted
// on the spot (with its aliases, grants and import parameters) and
// reported as ErrNotFound, and a key whose automatic rotation is due is
// rotated, and imported key material past its ValidTo is deleted. So
// these happen on time even between the periodic sweeps of DeleteDueKeys,
// RotateDueKeys and ExpireImportedMaterial. The common case (nothing due)
// costs CachedKey and a few comparisons.
func (s *Store) LiveKey(ctx context.Context, account, region, id string, now time.Time) (*Key, error) {
	k, err := s.CachedKey(ctx, account, region, id)
	if err != nil || (!k.DeletionDue(now) && !k.RotationDue(now) && !k.ImportExpired(now)) {
		return k, err
	}
	err = s.Update(ctx, func(tx *Tx) error {
		k, err := tx.Key(account, region, id)
		if err != nil {
			return err
		}
		switch {
		case k.DeletionDue(now):
			return s.deleteKeyTx(tx, k, now)
		case k.RotationDue(now):
			if err := s.RotateTx(tx, k, now, RotationAutomatic); err != nil {
				return err
			}
			return tx.PutKey(k)
		case k.expireImportedMaterial(now):
			s.ForgetMaterial(k)
			return tx.PutKey(k)
		}
		return nil // changed meanwhile
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	k, err = s.CachedKey(ctx, account, region, id)
	if err == nil && k.DeletionDue(now) {
		return nil, ErrNotFound
	}
	return k, err
}

// DeleteDueKeys deletes every key, in every account and Region, whose
// scheduled deletion date is at or before now, and returns how many it
// deleted. The node runs it periodically; LiveKey covers the time between
// runs.
func (s *Store) DeleteDueKeys(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.Update(ctx, func(tx *Tx) error {
		n = 0
		items, err := tx.List(KindKey, "", "", 0)
		if err != nil {
			return err
		}
		for _, it := range items {
			var head struct {
				State        string     `json:"state"`
				DeletionDate *time.Time `json:"deletionDate"`
			}
			if err := json.Unmarshal(it.Value, &head); err != nil {
				return fmt.Errorf("kms: decode %s %s: %w", KindKey, it.Key, err)
			}
			if head.State != StatePendingDeletion || head.DeletionDate == nil || now.Before(*head.DeletionDate) {
				continue
			}
			k := new(Key)
			if err := json.Unmarshal(it.Value, k); err != nil {
				return fmt.Errorf("kms: decode %s %s: %w", KindKey, it.Key, err)
			}
			if err := s.deleteKeyTx(tx, k, now); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// deleteKeyTx removes k for good: its record, the aliases that point at
// it, its grants and its open import parameters. For a copy of a
// multi-Region key, it also drops k's Region from the other copies; a
// primary waiting for its replicas to go (PendingReplicaDeletion) starts
// its own waiting period once the last replica is deleted. The key's
// unsealed material leaves memory.
func (s *Store) deleteKeyTx(tx *Tx, k *Key, now time.Time) error {
	s.ForgetMaterial(k)
	if err := tx.DeleteKey(k.AccountID, k.Region, k.ID); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	aliases, err := tx.Aliases(k.AccountID, k.Region)
	if err != nil {
		return err
	}
	for _, a := range aliases {
		if a.KeyID == k.ID {
			if err := tx.DeleteAlias(a.AccountID, a.Region, a.Name); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
	}
	grants, err := tx.Grants(k.AccountID, k.Region, k.ID)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if err := tx.DeleteGrant(g.AccountID, g.Region, g.KeyID, g.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	if err := tx.DeleteImport(k.AccountID, k.Region, k.ID); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	others, err := tx.OtherCopies(k)
	if err != nil {
		return err
	}
	for _, other := range others {
		other.ReplicaRegions = slices.DeleteFunc(other.ReplicaRegions, func(r string) bool { return r == k.Region })
		if other.State == StatePendingReplicaDeletion && len(other.ReplicaRegions) == 0 {
			other.State = StatePendingDeletion
			days := other.PendingWindowDays
			if days == 0 {
				days = 30
			}
			due := now.Add(time.Duration(days) * 24 * time.Hour)
			other.DeletionDate = &due
		}
		if err := tx.PutKey(other); err != nil {
			return err
		}
	}
	return nil
}

// OtherCopies returns the stored copies of the multi-Region key k in its
// other Regions (none for a single-Region key), to be changed with k.
func (tx *Tx) OtherCopies(k *Key) ([]*Key, error) {
	if !k.MultiRegion {
		return nil, nil
	}
	var out []*Key
	for _, region := range MultiRegionCopies(k) {
		if region == k.Region {
			continue
		}
		other, err := tx.Key(k.AccountID, region, k.ID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, other)
	}
	return out, nil
}

// MultiRegionCopies returns the Regions holding a copy of the multi-Region
// key k: its primary Region first, then its replicas' Regions.
func MultiRegionCopies(k *Key) []string {
	if !k.MultiRegion {
		return []string{k.Region}
	}
	out := make([]string, 0, 1+len(k.ReplicaRegions))
	if k.PrimaryRegion != "" {
		out = append(out, k.PrimaryRegion)
	}
	for _, r := range k.ReplicaRegions {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if !slices.Contains(out, k.Region) {
		out = append(out, k.Region)
	}
	return out
}

// IsMultiRegionKeyID reports whether id is a multi-Region key id
// ("mrk-" and 32 lower-case hex digits).
func IsMultiRegionKeyID(id string) bool {
	rest, ok := strings.CutPrefix(id, "mrk-")
	if !ok || len(rest) != 32 {
		return false
	}
	for _, c := range rest {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
