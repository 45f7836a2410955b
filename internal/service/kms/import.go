package kms

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/kms"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
)

// This file holds imported key material: GetParametersForImport,
// ImportKeyMaterial and DeleteImportedKeyMaterial, and the expiry of
// imported material on the cryptographic path.

func (s *Service) registerImport(r *call.Registry) {
	r.Handle(api.Service, "GetParametersForImport", call.Typed(s.getParametersForImport))
	r.Handle(api.Service, "ImportKeyMaterial", call.Typed(s.importKeyMaterial))
	r.Handle(api.Service, "DeleteImportedKeyMaterial", call.Typed(s.deleteImportedKeyMaterial))
}

// importMaxValidity is the latest ValidTo AWS accepts: 365 days ahead.
const importMaxValidity = 365 * 24 * time.Hour

// importExternalOnly refuses the import operations on keys whose key
// material KMS generated.
func importExternalOnly(k *kms.Key, operation string) error {
	if k.Origin != "EXTERNAL" {
		return api.NewUnsupportedOperationException("%s origin is %s which is not valid for %s.", k.ARN(), k.Origin, operation)
	}
	return nil
}

func (s *Service) getParametersForImport(ctx context.Context, c *call.Call, in *api.GetParametersForImportInput) (*api.GetParametersForImportOutput, error) {
	if in.WrappingAlgorithm == api.AlgorithmSpecSm2pke || in.WrappingKeySpec == api.WrappingKeySpecSm2 {
		return nil, api.NewUnsupportedOperationException("SM2 wrapping keys are not supported in gatehouse (AWS offers them only in China Regions).")
	}
	if in.WrappingAlgorithm == api.AlgorithmSpecRsaesPkcs1V15 {
		return nil, api.NewUnsupportedOperationException("The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported.")
	}
	var pub, token []byte
	var params *kms.ImportParameters
	k, err := s.kmUpdateKey(ctx, c, *in.KeyId, "GetParametersForImport", func(tx *kms.Tx, k *kms.Key) error {
		if err := importExternalOnly(k, "GetParametersForImport"); err != nil {
			return err
		}
		var err error
		params, pub, token, err = kms.NewImportParameters(s.keys, k, string(in.WrappingAlgorithm), string(in.WrappingKeySpec), s.now())
		if err != nil {
			return cryptoValidation("WrappingAlgorithm %s with WrappingKeySpec %s is not supported.", in.WrappingAlgorithm, in.WrappingKeySpec)
		}
		return tx.PutImport(k.AccountID, k.Region, params)
	})
	if err != nil {
		return nil, err
	}
	arn, validTo := k.ARN(), params.ExpiresAt
	return &api.GetParametersForImportOutput{KeyId: &arn, ImportToken: token, PublicKey: pub, ParametersValidTo: &validTo}, nil
}

// importExpiry validates ExpirationModel and ValidTo.
func importExpiry(in *api.ImportKeyMaterialInput, now time.Time) (string, *time.Time, error) {
	model := in.ExpirationModel
	if model == "" {
		model = api.ExpirationModelTypeKeyMaterialExpires
	}
	switch model {
	case api.ExpirationModelTypeKeyMaterialExpires:
		if in.ValidTo == nil {
			return "", nil, cryptoValidation("A ValidTo date is required when ExpirationModel is KEY_MATERIAL_EXPIRES.")
		}
		if !in.ValidTo.After(now) || in.ValidTo.After(now.Add(importMaxValidity)) {
			return "", nil, cryptoValidation("ValidTo must be a future date no more than 365 days from now.")
		}
		v := in.ValidTo.UTC()
		return string(model), &v, nil
	case api.ExpirationModelTypeKeyMaterialDoesNotExpire:
		if in.ValidTo != nil {
			return "", nil, cryptoValidation("ValidTo must be omitted when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.")
		}
		return string(model), nil, nil
	}
	return "", nil, cryptoValidation("ExpirationModel %s is not valid.", model)
}

// importError maps internal/kms's import errors to AWS's.
func importError(err error) error {
	switch {
	case errors.Is(err, kms.ErrInvalidImportToken):
		return api.NewInvalidImportTokenException("Import token is invalid or does not belong to this key.")
	case errors.Is(err, kms.ErrExpiredImportToken):
		return api.NewExpiredImportTokenException("Import token has expired; call GetParametersForImport again.")
	case errors.Is(err, kms.ErrIncorrectKeyMaterial):
		return api.NewIncorrectKeyMaterialException("The key material is invalid, or is not the key material previously imported into this key.")
	}
	return err
}

func (s *Service) importKeyMaterial(ctx context.Context, c *call.Call, in *api.ImportKeyMaterialInput) (*api.ImportKeyMaterialOutput, error) {
	now := s.now()
	model, validTo, err := importExpiry(in, now)
	if err != nil {
		return nil, err
	}
	if in.ImportType == api.ImportTypeNewKeyMaterial && in.KeyMaterialId != nil {
		return nil, cryptoValidation("KeyMaterialId cannot be specified with ImportType NEW_KEY_MATERIAL.")
	}
	var materialID string
	k, err := s.kmUpdateKey(ctx, c, *in.KeyId, "ImportKeyMaterial", func(tx *kms.Tx, k *kms.Key) error {
		if err := importExternalOnly(k, "ImportKeyMaterial"); err != nil {
			return err
		}
		params, err := tx.Import(k.AccountID, k.Region, k.ID)
		if errors.Is(err, kms.ErrNotFound) {
			params = nil
		} else if err != nil {
			return err
		}
		raw, err := s.keys.UnwrapImportedMaterial(k, params, in.ImportToken, in.EncryptedKeyMaterial, now)
		if err != nil {
			return importError(err)
		}
		m, err := kms.SealImportedMaterial(s.keys, k, raw, now)
		clear(raw)
		if err != nil {
			return err
		}
		m.ExpirationModel, m.ValidTo = model, validTo
		if in.KeyMaterialDescription != nil {
			m.Description = *in.KeyMaterialDescription
		}
		if in.KeyMaterialId != nil && *in.KeyMaterialId != m.ID {
			return api.NewIncorrectKeyMaterialException("The key material does not match KeyMaterialId %s.", *in.KeyMaterialId)
		}
		materialID = m.ID
		return importPlace(k, m, in.ImportType)
	})
	if err != nil {
		return nil, err
	}
	arn := k.ARN()
	return &api.ImportKeyMaterialOutput{KeyId: &arn, KeyMaterialId: &materialID}, nil
}

// importPlace puts imported material m into k: a re-import replaces the
// version with the same id (keeping its state), a first import becomes
// the current material, and new material for a symmetric key waits in
// PENDING_ROTATION for RotateKeyOnDemand. A key pending import whose
// current material is back becomes Enabled.
func importPlace(k *kms.Key, m kms.Material, importType api.ImportType) error {
	if old, ok := k.FindMaterial(m.ID); ok {
		if importType == api.ImportTypeNewKeyMaterial {
			return api.NewIncorrectKeyMaterialException("This key material was already imported into %s; use ImportType EXISTING_KEY_MATERIAL.", k.ARN())
		}
		m.State, m.CreatedAt = old.State, old.CreatedAt
		if m.Description == "" {
			m.Description = old.Description
		}
		*old = m
	} else {
		switch {
		case len(k.Materials) == 0:
			if importType == api.ImportTypeExistingKeyMaterial {
				return api.NewIncorrectKeyMaterialException("%s has no previously imported key material.", k.ARN())
			}
			m.State = kms.MaterialCurrent
		case importType != api.ImportTypeNewKeyMaterial:
			return api.NewIncorrectKeyMaterialException("The key material is not the key material previously imported into %s.", k.ARN())
		case k.KeySpec != "SYMMETRIC_DEFAULT" || k.MultiRegion:
			return api.NewUnsupportedOperationException("%s cannot have more than one key material: only single-Region symmetric encryption keys can.", k.ARN())
		default:
			m.State = kms.MaterialPendingRotation
		}
		k.Materials = append(k.Materials, m)
	}
	if k.State == kms.StatePendingImport {
		if cur, ok := k.CurrentMaterial(); ok && cur.ImportState == "IMPORTED" {
			k.State = kms.StateEnabled
		}
	}
	return nil
}

func (s *Service) deleteImportedKeyMaterial(ctx context.Context, c *call.Call, in *api.DeleteImportedKeyMaterialInput) (*api.DeleteImportedKeyMaterialOutput, error) {
	var deleted string
	k, err := s.kmUpdateKey(ctx, c, *in.KeyId, "DeleteImportedKeyMaterial", func(tx *kms.Tx, k *kms.Key) error {
		if err := importExternalOnly(k, "DeleteImportedKeyMaterial"); err != nil {
			return err
		}
		var m *kms.Material
		if in.KeyMaterialId != nil {
			var ok bool
			if m, ok = k.FindMaterial(*in.KeyMaterialId); !ok {
				return api.NewNotFoundException("Key material '%s' does not exist for %s.", *in.KeyMaterialId, k.ARN())
			}
		} else if cur, ok := k.CurrentMaterial(); ok {
			m = cur
		}
		if m == nil {
			return nil // nothing imported yet: AWS succeeds
		}
		deleted = m.ID
		k.ClearImportedMaterial(m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.keys.ForgetMaterial(k)
	arn := k.ARN()
	out := &api.DeleteImportedKeyMaterialOutput{KeyId: &arn}
	if deleted != "" {
		out.KeyMaterialId = &deleted
	}
	return out, nil
}
