package kms

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Rotation types, as ListKeyRotations names them.
const (
	RotationAutomatic = "AUTOMATIC"
	RotationOnDemand  = "ON_DEMAND"
)

// DefaultRotationPeriodDays is the automatic rotation period when
// EnableKeyRotation does not give one.
const DefaultRotationPeriodDays = 365

// RotationDue reports whether automatic rotation of k is due at now: the
// key rotates automatically, is Enabled (AWS does not rotate disabled
// keys or keys pending deletion; a re-enabled key whose rotation is
// overdue rotates at once) and its next rotation date has come.
func (k *Key) RotationDue(now time.Time) bool {
	return k.RotationEnabled && k.State == StateEnabled && k.NextRotation != nil && !now.Before(*k.NextRotation)
}

// RotateTx gives the key k (a record read in tx, which the caller stores
// afterwards) a new version of key material: the new version becomes
// CURRENT, the previous CURRENT one NON_CURRENT (it keeps decrypting), and
// the rotation is recorded with its type (RotationAutomatic or
// RotationOnDemand). An automatic rotation also schedules the next one.
// For a multi-Region key, every other copy (read and stored in tx) gets
// the same version under the same material id, so ciphertexts stay
// interchangeable between Regions.
func (s *Store) RotateTx(tx *Tx, k *Key, now time.Time, rotationType string) error {
	m, err := NewMaterial(s, k, now)
	if err != nil {
		return err
	}
	applyRotation(k, m, now, rotationType)
	others, err := tx.OtherCopies(k)
	if err != nil {
		return err
	}
	for _, other := range others {
		copied, err := ResealMaterial(s, k, m, other)
		if err != nil {
			return err
		}
		applyRotation(other, copied, now, rotationType)
		other.RotationEnabled = k.RotationEnabled
		other.RotationPeriodDays = k.RotationPeriodDays
		other.NextRotation = k.NextRotation
		if err := tx.PutKey(other); err != nil {
			return err
		}
	}
	return nil
}

// applyRotation makes m the current key material of k.
func applyRotation(k *Key, m Material, now time.Time, rotationType string) {
	for i := range k.Materials {
		if k.Materials[i].State == MaterialCurrent {
			k.Materials[i].State = MaterialNonCurrent
		}
	}
	k.Materials = append(k.Materials, m)
	k.Rotations = append(k.Rotations, Rotation{MaterialID: m.ID, At: now.UTC(), Type: rotationType})
	if rotationType == RotationAutomatic {
		// On-demand rotations leave the automatic schedule alone.
		days := k.RotationPeriodDays
		if days == 0 {
			days = DefaultRotationPeriodDays
		}
		next := now.Add(time.Duration(days) * 24 * time.Hour).UTC()
		k.NextRotation = &next
	}
}

// RotateDueKeys rotates every key, in every account and Region, whose
// automatic rotation is due at now, and returns how many it rotated. The
// node runs it periodically; LiveKey rotates a due key when it is used
// between runs.
func (s *Store) RotateDueKeys(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.Update(ctx, func(tx *Tx) error {
		n = 0
		items, err := tx.List(KindKey, "", "", 0)
		if err != nil {
			return err
		}
		rotated := make(map[string]bool)
		for _, it := range items {
			var head struct {
				ID           string     `json:"id"`
				AccountID    string     `json:"accountId"`
				Region       string     `json:"region"`
				State        string     `json:"state"`
				Enabled      bool       `json:"rotationEnabled"`
				NextRotation *time.Time `json:"nextRotation"`
			}
			if err := json.Unmarshal(it.Value, &head); err != nil {
				return fmt.Errorf("kms: decode %s %s: %w", KindKey, it.Key, err)
			}
			if !head.Enabled || head.State != StateEnabled || head.NextRotation == nil || now.Before(*head.NextRotation) {
				continue
			}
			if rotated[head.AccountID+"/"+head.ID] {
				continue // a copy of a multi-Region key rotated with its primary
			}
			// Read it again: an earlier rotation in this transaction may
			// have changed it (the replica of a rotated primary).
			k, err := tx.Key(head.AccountID, head.Region, head.ID)
			if err != nil {
				return err
			}
			if !k.RotationDue(now) {
				continue
			}
			if err := s.RotateTx(tx, k, now, RotationAutomatic); err != nil {
				return err
			}
			if err := tx.PutKey(k); err != nil {
				return err
			}
			if k.MultiRegion {
				rotated[k.AccountID+"/"+k.ID] = true
			}
			n++
		}
		return nil
	})
	return n, err
}
