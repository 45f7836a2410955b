package kms

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ClearImportedMaterial deletes the imported key material version m of k
// (k a record the caller stores afterwards): its sealed bytes go, the
// version waits for the same material to be imported again, and when m is
// the current version the key itself waits (PendingImport), unless it is
// already pending deletion. DeleteImportedKeyMaterial and the expiry of
// imported material both end this way.
func (k *Key) ClearImportedMaterial(m *Material) {
	m.Sealed = nil
	m.ImportState = "PENDING_IMPORT"
	m.ValidTo = nil
	m.ExpirationModel = ""
	if m.State == MaterialCurrent && k.State != StatePendingDeletion {
		k.State = StatePendingImport
	}
}

// ImportExpired reports whether some imported key material version of k is
// still held past its ValidTo: AWS deletes imported material when it
// expires.
func (k *Key) ImportExpired(now time.Time) bool {
	if k.Origin != "EXTERNAL" {
		return false
	}
	for i := range k.Materials {
		m := &k.Materials[i]
		if len(m.Sealed) > 0 && m.ValidTo != nil && !now.Before(*m.ValidTo) {
			return true
		}
	}
	return false
}

// expireImportedMaterial deletes every imported material version of k
// whose ValidTo has passed (ClearImportedMaterial) and reports whether it
// deleted any.
func (k *Key) expireImportedMaterial(now time.Time) bool {
	if !k.ImportExpired(now) {
		return false
	}
	for i := range k.Materials {
		m := &k.Materials[i]
		if len(m.Sealed) > 0 && m.ValidTo != nil && !now.Before(*m.ValidTo) {
			k.ClearImportedMaterial(m)
		}
	}
	return true
}

// ExpireImportedMaterial deletes, in every account and Region, the
// imported key material whose ValidTo is at or before now, and returns how
// many keys it changed. The node runs it periodically; LiveKey covers the
// time between runs.
func (s *Store) ExpireImportedMaterial(ctx context.Context, now time.Time) (int, error) {
	var changed []*Key
	err := s.Update(ctx, func(tx *Tx) error {
		changed = changed[:0]
		items, err := tx.List(KindKey, "", "", 0)
		if err != nil {
			return err
		}
		for _, it := range items {
			var head struct {
				Origin string `json:"origin"`
			}
			if err := json.Unmarshal(it.Value, &head); err != nil {
				return fmt.Errorf("kms: decode %s %s: %w", KindKey, it.Key, err)
			}
			if head.Origin != "EXTERNAL" {
				continue
			}
			k := new(Key)
			if err := json.Unmarshal(it.Value, k); err != nil {
				return fmt.Errorf("kms: decode %s %s: %w", KindKey, it.Key, err)
			}
			if !k.expireImportedMaterial(now) {
				continue
			}
			if err := tx.PutKey(k); err != nil {
				return err
			}
			changed = append(changed, k)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range changed {
		s.ForgetMaterial(k)
	}
	return len(changed), nil
}
