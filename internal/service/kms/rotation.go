package kms

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/kms"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
)

// kmMaxOnDemandRotations is AWS's quota of on-demand rotations per key.
const kmMaxOnDemandRotations = 25

func (s *Service) registerRotation(r *call.Registry) {
	r.Handle(api.Service, "EnableKeyRotation", call.Typed(s.enableKeyRotation))
	r.Handle(api.Service, "DisableKeyRotation", call.Typed(s.disableKeyRotation))
	r.Handle(api.Service, "GetKeyRotationStatus", call.Typed(s.getKeyRotationStatus))
	r.Handle(api.Service, "RotateKeyOnDemand", call.Typed(s.rotateKeyOnDemand))
	r.Handle(api.Service, "ListKeyRotations", call.Typed(s.listKeyRotations))
}

// kmRotatable checks that k is a key whose material rotates: a symmetric
// encryption key, and for the operations that change rotation, the
// primary of a multi-Region key rather than a replica. automatic is true
// for automatic rotation, which keys with imported material do not have.
func kmRotatable(k *kms.Key, automatic, changes bool) error {
	if k.KeySpec != "SYMMETRIC_DEFAULT" {
		return api.NewUnsupportedOperationException("%s is not a symmetric encryption key: only symmetric encryption keys (KeySpec SYMMETRIC_DEFAULT) support key rotation.", k.ARN())
	}
	if automatic && k.Origin == "EXTERNAL" {
		return api.NewUnsupportedOperationException("%s has imported key material: automatic key rotation is not supported for keys with imported key material.", k.ARN())
	}
	if changes && k.MultiRegion && k.MultiRegionType == "REPLICA" {
		return api.NewUnsupportedOperationException("%s is a multi-Region replica key: rotate its primary key in %s, and the replicas rotate with it.", k.ARN(), k.PrimaryRegion)
	}
	return nil
}

func (s *Service) enableKeyRotation(ctx context.Context, c *call.Call, in *api.EnableKeyRotationInput) (*struct{}, error) {
	days := kms.DefaultRotationPeriodDays
	if in.RotationPeriodInDays != nil {
		days = int(*in.RotationPeriodInDays)
	}
	now := s.now()
	_, err := s.kmUpdateKey(ctx, c, *in.KeyId, "EnableKeyRotation", func(tx *kms.Tx, k *kms.Key) error {
		if err := kmRotatable(k, true, true); err != nil {
			return err
		}
		base := now
		if k.RotationEnabled && k.NextRotation != nil && k.RotationPeriodDays > 0 {
			// A new period counts from the start of the current one.
			base = k.NextRotation.Add(-time.Duration(k.RotationPeriodDays) * 24 * time.Hour)
		}
		next := base.Add(time.Duration(days) * 24 * time.Hour).UTC()
		k.RotationEnabled = true
		k.RotationPeriodDays = days
		k.NextRotation = &next
		return kmMirrorRotationSettings(tx, k)
	})
	return nil, err
}

func (s *Service) disableKeyRotation(ctx context.Context, c *call.Call, in *api.DisableKeyRotationInput) (*struct{}, error) {
	_, err := s.kmUpdateKey(ctx, c, *in.KeyId, "DisableKeyRotation", func(tx *kms.Tx, k *kms.Key) error {
		if err := kmRotatable(k, true, true); err != nil {
			return err
		}
		k.RotationEnabled = false
		k.NextRotation = nil
		return kmMirrorRotationSettings(tx, k)
	})
	return nil, err
}

// kmMirrorRotationSettings copies the rotation settings of a multi-Region
// primary key to its replicas, which rotate with it.
func kmMirrorRotationSettings(tx *kms.Tx, k *kms.Key) error {
	replicas, err := tx.OtherCopies(k)
	if err != nil {
		return err
	}
	for _, r := range replicas {
		r.RotationEnabled, r.RotationPeriodDays, r.NextRotation = k.RotationEnabled, k.RotationPeriodDays, k.NextRotation
		if err := tx.PutKey(r); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) getKeyRotationStatus(ctx context.Context, c *call.Call, in *api.GetKeyRotationStatusInput) (*api.GetKeyRotationStatusOutput, error) {
	k, err := s.kmLoadKey(ctx, c, *in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := keyStateError(k, "GetKeyRotationStatus"); err != nil {
		return nil, err
	}
	// Keys that cannot rotate automatically (asymmetric, HMAC, imported
	// material) answer false, as on AWS, rather than an error: clients
	// such as Terraform read the status of every key.
	out := &api.GetKeyRotationStatusOutput{KeyId: kmStr(k.ARN()), KeyRotationEnabled: kmBool(k.RotationEnabled)}
	if k.RotationEnabled {
		out.RotationPeriodInDays = kmInt32(k.RotationPeriodDays)
		if k.NextRotation != nil {
			out.NextRotationDate = kmTime(*k.NextRotation)
		}
	}
	return out, nil
}

func (s *Service) rotateKeyOnDemand(ctx context.Context, c *call.Call, in *api.RotateKeyOnDemandInput) (*api.RotateKeyOnDemandOutput, error) {
	now := s.now()
	k, err := s.kmUpdateKey(ctx, c, *in.KeyId, "RotateKeyOnDemand", func(tx *kms.Tx, k *kms.Key) error {
		if err := kmRotatable(k, false, true); err != nil {
			return err
		}
		onDemand := 0
		for _, r := range k.Rotations {
			if r.Type == kms.RotationOnDemand {
				onDemand++
			}
		}
		if onDemand >= kmMaxOnDemandRotations {
			return api.NewLimitExceededException("%s has been rotated on demand %d times, the most a key allows.", k.ARN(), kmMaxOnDemandRotations)
		}
		if k.Origin == "EXTERNAL" {
			return kmPromotePendingMaterial(k, now)
		}
		return s.keys.RotateTx(tx, k, now, kms.RotationOnDemand)
	})
	if err != nil {
		return nil, err
	}
	return &api.RotateKeyOnDemandOutput{KeyId: kmStr(k.ARN())}, nil
}

// kmPromotePendingMaterial rotates a key with imported key material to
// the material imported for the next rotation (state PENDING_ROTATION):
// AWS cannot generate material for such a key, so without one the
// rotation is refused.
func kmPromotePendingMaterial(k *kms.Key, now time.Time) error {
	pending := -1
	for i := range k.Materials {
		if k.Materials[i].State == kms.MaterialPendingRotation {
			pending = i
		}
	}
	if pending < 0 {
		return api.NewConflictException("%s has imported key material and no new key material is pending rotation: import it first with ImportKeyMaterial and ImportType NEW_KEY_MATERIAL.", k.ARN())
	}
	if k.MultiRegion {
		return api.NewUnsupportedOperationException("gatehouse does not yet rotate multi-Region keys with imported key material on demand (%s).", k.ARN())
	}
	for i := range k.Materials {
		if k.Materials[i].State == kms.MaterialCurrent {
			k.Materials[i].State = kms.MaterialNonCurrent
		}
	}
	m := k.Materials[pending]
	m.State = kms.MaterialCurrent
	k.Materials = append(append(k.Materials[:pending:pending], k.Materials[pending+1:]...), m)
	k.Rotations = append(k.Rotations, kms.Rotation{MaterialID: m.ID, At: now.UTC(), Type: kms.RotationOnDemand})
	return nil
}

func (s *Service) listKeyRotations(ctx context.Context, c *call.Call, in *api.ListKeyRotationsInput) (*api.ListKeyRotationsOutput, error) {
	k, err := s.kmLoadKey(ctx, c, *in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := keyStateError(k, "ListKeyRotations"); err != nil {
		return nil, err
	}
	if err := kmRotatable(k, false, false); err != nil {
		return nil, err
	}
	after, err := kmParseMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	limit := kmLimit(in.Limit, 100, 1000)
	rotatedAt := make(map[string]kms.Rotation, len(k.Rotations))
	for _, r := range k.Rotations {
		rotatedAt[r.MaterialID] = r
	}
	all := in.IncludeKeyMaterial == api.IncludeKeyMaterialAllKeyMaterial
	out := &api.ListKeyRotationsOutput{Rotations: []api.RotationsListEntry{}, Truncated: kmBool(false)}
	past := after == ""
	for _, m := range k.Materials {
		r, rotated := rotatedAt[m.ID]
		if !rotated && !all {
			continue
		}
		if !past {
			past = m.ID == after
			continue
		}
		if len(out.Rotations) == limit {
			out.Truncated = kmBool(true)
			out.NextMarker = kmMarker(*out.Rotations[len(out.Rotations)-1].KeyMaterialId)
			break
		}
		e := api.RotationsListEntry{
			KeyId:            kmStr(k.ARN()),
			KeyMaterialId:    kmStr(m.ID),
			KeyMaterialState: api.KeyMaterialState(m.State),
		}
		if rotated {
			e.RotationDate = kmTime(r.At)
			e.RotationType = api.RotationType(r.Type)
		}
		if k.Origin == "EXTERNAL" {
			e.ImportState = api.ImportState(m.ImportState)
			e.ExpirationModel = api.ExpirationModelType(m.ExpirationModel)
			if m.Description != "" {
				e.KeyMaterialDescription = kmStr(m.Description)
			}
			if m.ValidTo != nil {
				e.ValidTo = kmTime(*m.ValidTo)
			}
		}
		out.Rotations = append(out.Rotations, e)
	}
	return out, nil
}
