package kms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/kms"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// Deletion waiting periods, in days: AWS accepts 7 to 30 and defaults to
// 30.
const (
	kmMinPendingWindowDays     = 7
	kmMaxPendingWindowDays     = 30
	kmDefaultPendingWindowDays = 30
)

// kmImportableSpecs are the key specs AWS lets a key with imported key
// material (Origin EXTERNAL) have.
var kmImportableSpecs = map[string]bool{
	"SYMMETRIC_DEFAULT": true,
	"RSA_2048":          true, "RSA_3072": true, "RSA_4096": true,
	"ECC_NIST_P256": true, "ECC_NIST_P384": true, "ECC_NIST_P521": true,
	"ECC_SECG_P256K1": true,
	"HMAC_224":        true, "HMAC_256": true, "HMAC_384": true, "HMAC_512": true,
}

func (s *Service) registerKeys(r *call.Registry) {
	r.Handle(api.Service, "CreateKey", call.Typed(s.createKey))
	r.Handle(api.Service, "DescribeKey", call.Typed(s.describeKey))
	r.Handle(api.Service, "ListKeys", call.Typed(s.listKeys))
	r.Handle(api.Service, "EnableKey", call.Typed(s.enableKey))
	r.Handle(api.Service, "DisableKey", call.Typed(s.disableKey))
	r.Handle(api.Service, "UpdateKeyDescription", call.Typed(s.updateKeyDescription))
	r.Handle(api.Service, "ScheduleKeyDeletion", call.Typed(s.scheduleKeyDeletion))
	r.Handle(api.Service, "CancelKeyDeletion", call.Typed(s.cancelKeyDeletion))
}

// kmValidationError is the model-level ValidationException, for rules
// the model cannot express (combinations of parameters, narrower ranges).
func kmValidationError(format string, args ...any) *protocol.Error {
	return protocol.Errorf(400, "ValidationException", format, args...)
}

// kmNewKeyID returns a new key id: a random UUID (version 4), or for a
// multi-Region key "mrk-" and 32 hex digits.
func kmNewKeyID(multiRegion bool) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	if multiRegion {
		return "mrk-" + hex.EncodeToString(b[:]), nil
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

func (s *Service) createKey(ctx context.Context, c *call.Call, in *api.CreateKeyInput) (*api.CreateKeyOutput, error) {
	spec := string(in.KeySpec)
	if in.CustomerMasterKeySpec != "" {
		if spec != "" {
			return nil, kmValidationError("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec parameter is deprecated. Use KeySpec parameter instead.")
		}
		spec = string(in.CustomerMasterKeySpec)
	}
	if spec == "" {
		spec = "SYMMETRIC_DEFAULT"
	}
	usage := string(in.KeyUsage)
	if usage == "" {
		usage = "ENCRYPT_DECRYPT"
	}
	if !kms.KeySpecAllowsUsage(spec, usage) {
		return nil, kmValidationError("KeyUsage %s is not compatible with KeySpec %s.", usage, spec)
	}
	if !kms.KeySpecSupported(spec) {
		return nil, api.NewUnsupportedOperationException("gatehouse does not support KeySpec %s.", spec)
	}
	origin := string(in.Origin)
	if origin == "" {
		origin = "AWS_KMS"
	}
	switch {
	case origin == "AWS_CLOUDHSM" || origin == "EXTERNAL_KEY_STORE" || in.CustomKeyStoreId != nil:
		id := ""
		if in.CustomKeyStoreId != nil {
			id = *in.CustomKeyStoreId
		}
		if id == "" {
			return nil, kmValidationError("Origin %s requires a CustomKeyStoreId.", origin)
		}
		return nil, api.NewCustomKeyStoreNotFoundException("Custom key store %s does not exist: gatehouse has no custom key stores (no CloudHSM clusters or external key store proxies).", id)
	case origin == "EXTERNAL" && !kmImportableSpecs[spec]:
		return nil, api.NewUnsupportedOperationException("KeySpec %s does not support imported key material.", spec)
	}
	if in.XksKeyId != nil {
		return nil, api.NewUnsupportedOperationException("XksKeyId is valid only for keys in an external key store; gatehouse has none.")
	}
	multiRegion := in.MultiRegion != nil && *in.MultiRegion
	id, err := kmNewKeyID(multiRegion)
	if err != nil {
		return nil, err
	}
	now := s.now()
	k := &kms.Key{
		ID:          id,
		AccountID:   c.Principal.AccountID,
		Region:      c.Region,
		CreatedAt:   now,
		KeySpec:     spec,
		KeyUsage:    usage,
		Origin:      origin,
		State:       kms.StateEnabled,
		MultiRegion: multiRegion,
	}
	if in.Description != nil {
		k.Description = *in.Description
	}
	if multiRegion {
		k.MultiRegionType = "PRIMARY"
		k.PrimaryRegion = c.Region
	}
	if in.Policy != nil {
		bypass := in.BypassPolicyLockoutSafetyCheck != nil && *in.BypassPolicyLockoutSafetyCheck
		if err := kmCheckKeyPolicy(*in.Policy, c.Principal, k.ARN(), bypass); err != nil {
			return nil, err
		}
		k.Policy = *in.Policy
	} else {
		k.Policy = kms.DefaultKeyPolicy(c.Principal.AccountID)
	}
	if k.Tags, err = kmMergeTags(nil, in.Tags); err != nil {
		return nil, err
	}
	if origin == "EXTERNAL" {
		k.State = kms.StatePendingImport
	} else {
		m, err := kms.NewMaterial(s.keys, k, now)
		if errors.Is(err, kms.ErrUnsupportedKeySpec) {
			return nil, api.NewUnsupportedOperationException("gatehouse does not support KeySpec %s.", spec)
		}
		if err != nil {
			return nil, err
		}
		k.Materials = []kms.Material{m}
	}
	if err := s.keys.Update(ctx, func(tx *kms.Tx) error { return tx.PutKey(k) }); err != nil {
		return nil, err
	}
	return &api.CreateKeyOutput{KeyMetadata: kmKeyMetadata(k)}, nil
}

func (s *Service) describeKey(ctx context.Context, c *call.Call, in *api.DescribeKeyInput) (*api.DescribeKeyOutput, error) {
	k, err := s.kmLoadKey(ctx, c, *in.KeyId, true)
	if err != nil {
		return nil, err
	}
	return &api.DescribeKeyOutput{KeyMetadata: kmKeyMetadata(k)}, nil
}

func (s *Service) listKeys(ctx context.Context, c *call.Call, in *api.ListKeysInput) (*api.ListKeysOutput, error) {
	after, err := kmParseMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	limit := kmLimit(in.Limit, 100, 1000)
	var keys []*kms.Key
	if err := s.keys.View(ctx, func(tx *kms.Tx) error {
		keys, err = tx.Keys(c.Principal.AccountID, c.Region)
		return err
	}); err != nil {
		return nil, err
	}
	now := s.now()
	out := &api.ListKeysOutput{Keys: []api.KeyListEntry{}, Truncated: kmBool(false)}
	for _, k := range keys {
		if (after != "" && k.ID <= after) || k.DeletionDue(now) {
			continue
		}
		if len(out.Keys) == limit {
			out.Truncated = kmBool(true)
			out.NextMarker = kmMarker(*out.Keys[len(out.Keys)-1].KeyId)
			break
		}
		out.Keys = append(out.Keys, api.KeyListEntry{KeyId: kmStr(k.ID), KeyArn: kmStr(k.ARN())})
	}
	return out, nil
}

func (s *Service) enableKey(ctx context.Context, c *call.Call, in *api.EnableKeyInput) (*struct{}, error) {
	_, err := s.kmUpdateKey(ctx, c, *in.KeyId, "EnableKey", func(_ *kms.Tx, k *kms.Key) error {
		k.State = kms.StateEnabled
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) disableKey(ctx context.Context, c *call.Call, in *api.DisableKeyInput) (*struct{}, error) {
	_, err := s.kmUpdateKey(ctx, c, *in.KeyId, "DisableKey", func(_ *kms.Tx, k *kms.Key) error {
		k.State = kms.StateDisabled
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) updateKeyDescription(ctx context.Context, c *call.Call, in *api.UpdateKeyDescriptionInput) (*struct{}, error) {
	_, err := s.kmUpdateKey(ctx, c, *in.KeyId, "UpdateKeyDescription", func(_ *kms.Tx, k *kms.Key) error {
		k.Description = *in.Description
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) scheduleKeyDeletion(ctx context.Context, c *call.Call, in *api.ScheduleKeyDeletionInput) (*api.ScheduleKeyDeletionOutput, error) {
	days := kmDefaultPendingWindowDays
	if in.PendingWindowInDays != nil {
		days = int(*in.PendingWindowInDays)
		if days < kmMinPendingWindowDays || days > kmMaxPendingWindowDays {
			return nil, kmValidationError("1 validation error detected: Value '%d' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between %d and %d", days, kmMinPendingWindowDays, kmMaxPendingWindowDays)
		}
	}
	now := s.now()
	k, err := s.kmUpdateKey(ctx, c, *in.KeyId, "ScheduleKeyDeletion", func(_ *kms.Tx, k *kms.Key) error {
		k.PendingWindowDays = days
		if k.MultiRegion && k.MultiRegionType == "PRIMARY" && len(k.ReplicaRegions) > 0 {
			// The waiting period starts once the last replica is gone.
			k.State = kms.StatePendingReplicaDeletion
			k.DeletionDate = nil
			return nil
		}
		k.State = kms.StatePendingDeletion
		due := now.Add(time.Duration(days) * 24 * time.Hour)
		k.DeletionDate = &due
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &api.ScheduleKeyDeletionOutput{
		KeyId:               kmStr(k.ARN()),
		KeyState:            api.KeyState(k.State),
		PendingWindowInDays: kmInt32(days),
	}
	if k.DeletionDate != nil {
		out.DeletionDate = kmTime(*k.DeletionDate)
	}
	return out, nil
}

func (s *Service) cancelKeyDeletion(ctx context.Context, c *call.Call, in *api.CancelKeyDeletionInput) (*api.CancelKeyDeletionOutput, error) {
	k, err := s.kmUpdateKey(ctx, c, *in.KeyId, "CancelKeyDeletion", func(_ *kms.Tx, k *kms.Key) error {
		k.State = kms.StateDisabled
		k.DeletionDate = nil
		k.PendingWindowDays = 0
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.CancelKeyDeletionOutput{KeyId: kmStr(k.ARN())}, nil
}

// kmDescribe is a short description of a key for error messages.
func kmDescribe(k *kms.Key) string { return fmt.Sprintf("%s (%s, %s)", k.ARN(), k.KeySpec, k.KeyUsage) }
