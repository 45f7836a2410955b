package kms

import (
	"context"
	"crypto/rand"
	"errors"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/kms"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
)

// This file holds the data key operations: GenerateDataKey,
// GenerateDataKeyWithoutPlaintext, GenerateDataKeyPair and
// GenerateDataKeyPairWithoutPlaintext. Data keys are made here and
// returned encrypted under a symmetric encryption KMS key (and in
// plaintext by the operations that say so); gatehouse keeps no copy.

func (s *Service) registerDataKeys(r *call.Registry) {
	r.Handle(api.Service, "GenerateDataKey", call.Typed(s.generateDataKey))
	r.Handle(api.Service, "GenerateDataKeyWithoutPlaintext", call.Typed(s.generateDataKeyWithoutPlaintext))
	r.Handle(api.Service, "GenerateDataKeyPair", call.Typed(s.generateDataKeyPair))
	r.Handle(api.Service, "GenerateDataKeyPairWithoutPlaintext", call.Typed(s.generateDataKeyPairWithoutPlaintext))
}

// datakeySymmetricKey returns the key of a data key operation: a
// symmetric encryption key (asymmetric and HMAC keys cannot protect data
// keys). With dryRun set it answers DryRunOperationException instead,
// once the operation would have succeeded that far.
func (s *Service) datakeySymmetricKey(ctx context.Context, c *call.Call, keyID, operation string, dryRun *bool) (*kms.Key, error) {
	k, err := s.cryptoKey(ctx, c, keyID, operation, "ENCRYPT_DECRYPT")
	if err != nil {
		return nil, err
	}
	if k.KeySpec != "SYMMETRIC_DEFAULT" {
		return nil, api.NewInvalidKeyUsageException("%s key spec is %s which is not valid for %s.", k.ARN(), k.KeySpec, operation)
	}
	if err := cryptoDryRun(dryRun); err != nil {
		return nil, err
	}
	return k, nil
}

// datakeySize is the data key length that KeySpec or NumberOfBytes asks
// for; exactly one of them must be given.
func datakeySize(spec api.DataKeySpec, n *int32) (int, error) {
	switch {
	case spec != "" && n != nil, spec == "" && n == nil:
		return 0, cryptoValidation("Please specify either number of bytes or key spec.")
	case n != nil:
		if *n < 1 || *n > 1024 {
			return 0, cryptoValidation("1 validation error detected: Value '%d' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024", *n)
		}
		return int(*n), nil
	case spec == api.DataKeySpecAes256:
		return 32, nil
	case spec == api.DataKeySpecAes128:
		return 16, nil
	}
	return 0, cryptoValidation("1 validation error detected: Value '%s' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]", spec)
}

// datakeyMake generates a data key and encrypts it under k with the
// encryption context; it returns the plaintext, the ciphertext blob and
// the key material id that encrypted it.
func (s *Service) datakeyMake(k *kms.Key, size int, ectx map[string]string) (plaintext, blob []byte, materialID string, err error) {
	plaintext = make([]byte, size)
	if _, err := rand.Read(plaintext); err != nil {
		return nil, nil, "", err
	}
	blob, err = s.keys.EncryptSymmetric(k, plaintext, ectx)
	if err != nil {
		return nil, nil, "", cryptoError(err, k, "SYMMETRIC_DEFAULT")
	}
	if m, ok := k.CurrentMaterial(); ok {
		materialID = m.ID
	}
	return plaintext, blob, materialID, nil
}

func (s *Service) generateDataKey(ctx context.Context, c *call.Call, in *api.GenerateDataKeyInput) (*api.GenerateDataKeyOutput, error) {
	if err := cryptoNoRecipient(in.Recipient, "GenerateDataKey"); err != nil {
		return nil, err
	}
	size, err := datakeySize(in.KeySpec, in.NumberOfBytes)
	if err != nil {
		return nil, err
	}
	k, err := s.datakeySymmetricKey(ctx, c, *in.KeyId, "GenerateDataKey", in.DryRun)
	if err != nil {
		return nil, err
	}
	pt, blob, mid, err := s.datakeyMake(k, size, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	arn := k.ARN()
	return &api.GenerateDataKeyOutput{CiphertextBlob: blob, Plaintext: pt, KeyId: &arn, KeyMaterialId: datakeyOptional(mid)}, nil
}

func (s *Service) generateDataKeyWithoutPlaintext(ctx context.Context, c *call.Call, in *api.GenerateDataKeyWithoutPlaintextInput) (*api.GenerateDataKeyWithoutPlaintextOutput, error) {
	size, err := datakeySize(in.KeySpec, in.NumberOfBytes)
	if err != nil {
		return nil, err
	}
	k, err := s.datakeySymmetricKey(ctx, c, *in.KeyId, "GenerateDataKeyWithoutPlaintext", in.DryRun)
	if err != nil {
		return nil, err
	}
	pt, blob, mid, err := s.datakeyMake(k, size, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	clear(pt)
	arn := k.ARN()
	return &api.GenerateDataKeyWithoutPlaintextOutput{CiphertextBlob: blob, KeyId: &arn, KeyMaterialId: datakeyOptional(mid)}, nil
}

func datakeyOptional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// datakeyPair makes a data key pair of spec and encrypts its private key
// under k.
func (s *Service) datakeyPair(k *kms.Key, spec api.DataKeyPairSpec, ectx map[string]string) (priv, privBlob, pub []byte, materialID string, err error) {
	if spec == api.DataKeyPairSpecSm2 {
		return nil, nil, nil, "", api.NewUnsupportedOperationException("KeyPairSpec SM2 is not supported in gatehouse (AWS offers it only in China Regions).")
	}
	priv, pub, err = kms.GenerateKeyPair(string(spec))
	if errors.Is(err, kms.ErrUnsupportedKeySpec) {
		return nil, nil, nil, "", api.NewUnsupportedOperationException("KeyPairSpec %s is not supported in gatehouse.", spec)
	}
	if err != nil {
		return nil, nil, nil, "", cryptoValidation("KeyPairSpec %s is not a valid key pair spec.", spec)
	}
	privBlob, err = s.keys.EncryptSymmetric(k, priv, ectx)
	if err != nil {
		return nil, nil, nil, "", cryptoError(err, k, "SYMMETRIC_DEFAULT")
	}
	if m, ok := k.CurrentMaterial(); ok {
		materialID = m.ID
	}
	return priv, privBlob, pub, materialID, nil
}

func (s *Service) generateDataKeyPair(ctx context.Context, c *call.Call, in *api.GenerateDataKeyPairInput) (*api.GenerateDataKeyPairOutput, error) {
	if err := cryptoNoRecipient(in.Recipient, "GenerateDataKeyPair"); err != nil {
		return nil, err
	}
	k, err := s.datakeySymmetricKey(ctx, c, *in.KeyId, "GenerateDataKeyPair", in.DryRun)
	if err != nil {
		return nil, err
	}
	priv, blob, pub, mid, err := s.datakeyPair(k, in.KeyPairSpec, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	arn := k.ARN()
	return &api.GenerateDataKeyPairOutput{
		PrivateKeyCiphertextBlob: blob,
		PrivateKeyPlaintext:      priv,
		PublicKey:                pub,
		KeyId:                    &arn,
		KeyPairSpec:              in.KeyPairSpec,
		KeyMaterialId:            datakeyOptional(mid),
	}, nil
}

func (s *Service) generateDataKeyPairWithoutPlaintext(ctx context.Context, c *call.Call, in *api.GenerateDataKeyPairWithoutPlaintextInput) (*api.GenerateDataKeyPairWithoutPlaintextOutput, error) {
	k, err := s.datakeySymmetricKey(ctx, c, *in.KeyId, "GenerateDataKeyPairWithoutPlaintext", in.DryRun)
	if err != nil {
		return nil, err
	}
	priv, blob, pub, mid, err := s.datakeyPair(k, in.KeyPairSpec, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	clear(priv)
	arn := k.ARN()
	return &api.GenerateDataKeyPairWithoutPlaintextOutput{
		PrivateKeyCiphertextBlob: blob,
		PublicKey:                pub,
		KeyId:                    &arn,
		KeyPairSpec:              in.KeyPairSpec,
		KeyMaterialId:            datakeyOptional(mid),
	}, nil
}
