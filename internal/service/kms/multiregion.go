package kms

import (
	"context"
	"errors"
	"slices"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/kms"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
)

func (s *Service) registerMultiRegion(r *call.Registry) {
	r.Handle(api.Service, "ReplicateKey", call.Typed(s.replicateKey))
	r.Handle(api.Service, "UpdatePrimaryRegion", call.Typed(s.updatePrimaryRegion))
}

// kmPrimaryKey checks that k is the primary key of a multi-Region key.
func kmPrimaryKey(k *kms.Key, operation string) error {
	if !k.MultiRegion {
		return api.NewUnsupportedOperationException("%s can only be called on a multi-Region key, and %s is not one.", operation, k.ARN())
	}
	if k.MultiRegionType != "PRIMARY" {
		return api.NewUnsupportedOperationException("%s must be called on the primary key of a multi-Region key: %s is a replica key; its primary key is in %s.", operation, k.ARN(), k.PrimaryRegion)
	}
	return nil
}

func (s *Service) replicateKey(ctx context.Context, c *call.Call, in *api.ReplicateKeyInput) (*api.ReplicateKeyOutput, error) {
	primary, err := s.kmLoadKey(ctx, c, *in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := keyStateError(primary, "ReplicateKey"); err != nil {
		return nil, err
	}
	if err := kmPrimaryKey(primary, "ReplicateKey"); err != nil {
		return nil, err
	}
	region := *in.ReplicaRegion
	if region == primary.Region {
		return nil, kmValidationError("The replica Region %s is the Region of the primary key %s; a replica must be in another Region.", region, primary.ARN())
	}
	if slices.Contains(primary.ReplicaRegions, region) {
		return nil, api.NewAlreadyExistsException("A replica of %s already exists in %s.", primary.ARN(), region)
	}
	now := s.now()
	replica := &kms.Key{
		ID:                 primary.ID,
		AccountID:          primary.AccountID,
		Region:             region,
		CreatedAt:          now,
		KeySpec:            primary.KeySpec,
		KeyUsage:           primary.KeyUsage,
		Origin:             primary.Origin,
		State:              kms.StateEnabled,
		MultiRegion:        true,
		MultiRegionType:    "REPLICA",
		RotationEnabled:    primary.RotationEnabled,
		RotationPeriodDays: primary.RotationPeriodDays,
		NextRotation:       primary.NextRotation,
		Rotations:          append([]kms.Rotation(nil), primary.Rotations...),
	}
	if in.Description != nil {
		replica.Description = *in.Description
	}
	if in.Policy != nil {
		bypass := in.BypassPolicyLockoutSafetyCheck != nil && *in.BypassPolicyLockoutSafetyCheck
		if err := kmCheckKeyPolicy(*in.Policy, c.Principal, replica.ARN(), bypass); err != nil {
			return nil, err
		}
		replica.Policy = *in.Policy
	} else {
		replica.Policy = kms.DefaultKeyPolicy(primary.AccountID)
	}
	if replica.Tags, err = kmMergeTags(nil, in.Tags); err != nil {
		return nil, err
	}
	if primary.Origin == "EXTERNAL" {
		// Imported key material is imported into each replica by its
		// owner; the replica waits for it.
		replica.State = kms.StatePendingImport
	} else {
		for _, m := range primary.Materials {
			copied, err := kms.ResealMaterial(s.keys, primary, m, replica)
			if err != nil {
				return nil, err
			}
			replica.Materials = append(replica.Materials, copied)
		}
	}
	err = s.keys.Update(ctx, func(tx *kms.Tx) error {
		p, err := tx.Key(primary.AccountID, primary.Region, primary.ID)
		if errors.Is(err, kms.ErrNotFound) {
			return api.NewNotFoundException("Key '%s' does not exist", primary.ARN())
		}
		if err != nil {
			return err
		}
		if slices.Contains(p.ReplicaRegions, region) {
			return api.NewAlreadyExistsException("A replica of %s already exists in %s.", p.ARN(), region)
		}
		if _, err := tx.Key(p.AccountID, region, p.ID); err == nil {
			return api.NewAlreadyExistsException("A key with id %s already exists in %s.", p.ID, region)
		}
		replicas := append(append([]string(nil), p.ReplicaRegions...), region)
		replica.PrimaryRegion = p.Region
		replica.ReplicaRegions = replicas
		if err := tx.PutKey(replica); err != nil {
			return err
		}
		return kmSetMultiRegionTopology(tx, p, p.Region, replicas, region)
	})
	if err != nil {
		return nil, err
	}
	return &api.ReplicateKeyOutput{
		ReplicaKeyMetadata: kmKeyMetadata(replica),
		ReplicaPolicy:      kmStr(replica.Policy),
		ReplicaTags:        kmTagsToAPI(replica.Tags),
	}, nil
}

// kmSetMultiRegionTopology records on every copy of the multi-Region key
// k (except the Region skip, already written) its primary Region and its
// replicas' Regions, and each copy's role.
func kmSetMultiRegionTopology(tx *kms.Tx, k *kms.Key, primaryRegion string, replicas []string, skip string) error {
	for _, region := range append([]string{primaryRegion}, replicas...) {
		if region == skip {
			continue
		}
		copyKey, err := tx.Key(k.AccountID, region, k.ID)
		if errors.Is(err, kms.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		copyKey.PrimaryRegion = primaryRegion
		copyKey.ReplicaRegions = append([]string(nil), replicas...)
		if region == primaryRegion {
			copyKey.MultiRegionType = "PRIMARY"
		} else {
			copyKey.MultiRegionType = "REPLICA"
		}
		if err := tx.PutKey(copyKey); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) updatePrimaryRegion(ctx context.Context, c *call.Call, in *api.UpdatePrimaryRegionInput) (*struct{}, error) {
	primary, err := s.kmLoadKey(ctx, c, *in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := keyStateError(primary, "UpdatePrimaryRegion"); err != nil {
		return nil, err
	}
	if err := kmPrimaryKey(primary, "UpdatePrimaryRegion"); err != nil {
		return nil, err
	}
	target := *in.PrimaryRegion
	if target == primary.Region {
		return nil, nil // already the primary Region
	}
	err = s.keys.Update(ctx, func(tx *kms.Tx) error {
		p, err := tx.Key(primary.AccountID, primary.Region, primary.ID)
		if err != nil {
			return err
		}
		if !slices.Contains(p.ReplicaRegions, target) {
			return api.NewNotFoundException("%s has no replica key in %s.", p.ARN(), target)
		}
		next, err := tx.Key(p.AccountID, target, p.ID)
		if errors.Is(err, kms.ErrNotFound) {
			return api.NewNotFoundException("%s has no replica key in %s.", p.ARN(), target)
		}
		if err != nil {
			return err
		}
		if err := keyStateError(next, "UpdatePrimaryRegion"); err != nil {
			return err
		}
		replicas := make([]string, 0, len(p.ReplicaRegions))
		replicas = append(replicas, p.Region)
		for _, r := range p.ReplicaRegions {
			if r != target {
				replicas = append(replicas, r)
			}
		}
		return kmSetMultiRegionTopology(tx, p, target, replicas, "")
	})
	return nil, err
}
