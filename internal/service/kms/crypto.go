package kms

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/kms"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file holds Encrypt, Decrypt, ReEncrypt and GenerateRandom, and the
// helpers every cryptographic operation shares (prefixed "crypto"): the
// key lookup with its state and usage checks, and the mapping of
// internal/kms's errors to AWS's.

func (s *Service) registerCrypto(r *call.Registry) {
	r.Handle(api.Service, "Encrypt", call.Typed(s.encrypt))
	r.Handle(api.Service, "Decrypt", call.Typed(s.decrypt))
	r.Handle(api.Service, "ReEncrypt", call.Typed(s.reEncrypt))
	r.Handle(api.Service, "GenerateRandom", call.Typed(s.generateRandom))
}

// cryptoKey returns the key a cryptographic operation names (any of the
// four KeyId forms), after checking that its state lets operation proceed
// and that its usage is usage (InvalidKeyUsageException otherwise, in
// AWS's words). The key comes from memory (kms.Store.CachedKey), never
// from the database on the hot path.
func (s *Service) cryptoKey(ctx context.Context, c *call.Call, keyID, operation, usage string) (*kms.Key, error) {
	k, err := s.kmLoadKey(ctx, c, keyID, true)
	if err != nil {
		return nil, err
	}
	if err := keyStateError(k, operation); err != nil {
		return nil, err
	}
	if usage != "" && k.KeyUsage != usage {
		return nil, cryptoUsageError(k, operation)
	}
	if lastUsageTracked[operation] {
		s.keys.NoteUse(k, operation, c.RequestID, c.Time)
	}
	return k, nil
}

// cryptoUsageError is AWS's InvalidKeyUsageException for a key whose usage
// does not allow operation.
func cryptoUsageError(k *kms.Key, operation string) error {
	return api.NewInvalidKeyUsageException("%s key usage is %s which is not valid for %s.", k.ARN(), k.KeyUsage, operation)
}

// cryptoAlgorithmError is the error for an algorithm the key does not
// support.
func cryptoAlgorithmError(k *kms.Key, alg string) error {
	return api.NewInvalidKeyUsageException("Algorithm %s is incompatible with key spec %s of %s.", alg, k.KeySpec, k.ARN())
}

// cryptoValidation is AWS's ValidationException.
func cryptoValidation(format string, args ...any) error {
	return protocol.Errorf(400, "ValidationException", format, args...)
}

// cryptoDryRun answers a request whose DryRun is set and that would have
// succeeded.
func cryptoDryRun(dryRun *bool) error {
	if dryRun != nil && *dryRun {
		return api.NewDryRunOperationException("The request would have succeeded, but the DryRun option is set.")
	}
	return nil
}

// cryptoNoRecipient refuses the Recipient parameter: it carries a Nitro
// Enclaves attestation document, and gatehouse runs no enclaves that
// could produce one.
func cryptoNoRecipient(recipient *api.RecipientInfo, operation string) error {
	if recipient == nil {
		return nil
	}
	return api.NewUnsupportedOperationException("%s with a Recipient is not supported: gatehouse has no AWS Nitro Enclaves to attest.", operation)
}

// cryptoError maps an error of internal/kms's cryptography to AWS's; other
// errors pass through (and become InternalFailure).
func cryptoError(err error, k *kms.Key, alg string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kms.ErrInvalidCiphertext), errors.Is(err, kms.ErrDecrypt):
		return api.NewInvalidCiphertextException("The ciphertext is invalid, was modified, or was made with a different encryption context.")
	case errors.Is(err, kms.ErrMaterialNotFound):
		// The key material the ciphertext was made under is gone (deleted
		// imported material): AWS reports the key as unusable.
		return api.NewKMSInvalidStateException("%s has no key material that can decrypt this ciphertext.", k.ARN())
	case errors.Is(err, kms.ErrUnsupportedAlgorithm):
		return cryptoAlgorithmError(k, alg)
	case errors.Is(err, kms.ErrPlaintextTooLong):
		return cryptoValidation("Plaintext is too long for %s with %s.", k.KeySpec, alg)
	case errors.Is(err, kms.ErrDigestLength):
		return cryptoValidation("Digest is invalid length for algorithm %s.", alg)
	case errors.Is(err, kms.ErrMessageType):
		return cryptoValidation("The signing algorithm %s does not support this message type.", alg)
	case errors.Is(err, kms.ErrInvalidPublicKey):
		return cryptoValidation("PublicKey is not a valid DER-encoded SubjectPublicKeyInfo on the curve of %s.", k.KeySpec)
	}
	return err
}

// cryptoEncryptWith encrypts plaintext under k: AES-256-GCM in a
// self-describing blob for a symmetric key, RSAES-OAEP for an RSA
// ENCRYPT_DECRYPT key. It returns the ciphertext and the algorithm used.
func (s *Service) cryptoEncryptWith(k *kms.Key, alg api.EncryptionAlgorithmSpec, plaintext []byte, ctx map[string]string) ([]byte, api.EncryptionAlgorithmSpec, error) {
	if alg == "" {
		alg = api.EncryptionAlgorithmSpecSymmetricDefault
	}
	if k.KeySpec == "SYMMETRIC_DEFAULT" {
		if alg != api.EncryptionAlgorithmSpecSymmetricDefault {
			return nil, "", cryptoAlgorithmError(k, string(alg))
		}
		out, err := s.keys.EncryptSymmetric(k, plaintext, ctx)
		return out, alg, cryptoError(err, k, string(alg))
	}
	if err := cryptoAsymmetricCheck(k, alg, ctx); err != nil {
		return nil, "", err
	}
	out, err := s.keys.RSAEncrypt(k, string(alg), plaintext)
	return out, alg, cryptoError(err, k, string(alg))
}

// cryptoAsymmetricCheck checks an encryption algorithm and context for an
// asymmetric key: the algorithm must be one of the key spec's (SM2PKE is
// not offered), and an encryption context does not apply.
func cryptoAsymmetricCheck(k *kms.Key, alg api.EncryptionAlgorithmSpec, ctx map[string]string) error {
	_, enc, _, _, _, _ := kms.KeySpecInfo(k.KeySpec)
	if !cryptoContains(enc, string(alg)) {
		return cryptoAlgorithmError(k, string(alg))
	}
	if len(ctx) > 0 {
		return cryptoValidation("EncryptionContext is not supported with asymmetric KMS keys.")
	}
	return nil
}

func cryptoContains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Service) encrypt(ctx context.Context, c *call.Call, in *api.EncryptInput) (*api.EncryptOutput, error) {
	k, err := s.cryptoKey(ctx, c, *in.KeyId, "Encrypt", "ENCRYPT_DECRYPT")
	if err != nil {
		return nil, err
	}
	if in.EncryptionAlgorithm == api.EncryptionAlgorithmSpecSm2pke {
		return nil, cryptoAlgorithmError(k, string(in.EncryptionAlgorithm))
	}
	if err := cryptoDryRun(in.DryRun); err != nil {
		return nil, err
	}
	blob, alg, err := s.cryptoEncryptWith(k, in.EncryptionAlgorithm, in.Plaintext, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	arn := k.ARN()
	return &api.EncryptOutput{CiphertextBlob: blob, KeyId: &arn, EncryptionAlgorithm: alg}, nil
}

// cryptoDecrypted is the outcome of decrypting a ciphertext.
type cryptoDecrypted struct {
	key        *kms.Key
	plaintext  []byte
	alg        api.EncryptionAlgorithmSpec
	materialID string // symmetric keys only
}

// cryptoDecryptBlob decrypts a ciphertext for Decrypt and ReEncrypt
// (operation names which, for the key state check). keyID may be empty
// for a symmetric ciphertext, whose blob names its key; with a keyID, a
// symmetric blob must name that key (IncorrectKeyException otherwise).
// Asymmetric ciphertexts need the keyID and the algorithm.
func (s *Service) cryptoDecryptBlob(ctx context.Context, c *call.Call, operation string, keyID *string, blob []byte, alg api.EncryptionAlgorithmSpec, ectx map[string]string) (*cryptoDecrypted, error) {
	if len(blob) == 0 {
		return nil, cryptoValidation("CiphertextBlob is required.")
	}
	if alg == "" {
		alg = api.EncryptionAlgorithmSpecSymmetricDefault
	}
	var k *kms.Key
	if keyID != nil && *keyID != "" {
		var err error
		if k, err = s.cryptoKey(ctx, c, *keyID, operation, "ENCRYPT_DECRYPT"); err != nil {
			return nil, err
		}
		if k.KeySpec != "SYMMETRIC_DEFAULT" {
			if alg == api.EncryptionAlgorithmSpecSm2pke {
				return nil, cryptoAlgorithmError(k, string(alg))
			}
			if err := cryptoAsymmetricCheck(k, alg, ectx); err != nil {
				return nil, err
			}
			pt, err := s.keys.RSADecrypt(k, string(alg), blob)
			if err != nil {
				return nil, cryptoError(err, k, string(alg))
			}
			return &cryptoDecrypted{key: k, plaintext: pt, alg: alg}, nil
		}
	}
	if alg != api.EncryptionAlgorithmSpecSymmetricDefault {
		if k != nil {
			return nil, cryptoAlgorithmError(k, string(alg))
		}
		// Without a KeyId only symmetric ciphertexts can be decrypted.
		return nil, cryptoValidation("KeyId is required to decrypt with %s.", alg)
	}
	h, err := kms.ParseCiphertext(blob)
	if err != nil {
		return nil, api.NewInvalidCiphertextException("The ciphertext is invalid, was modified, or was made with a different encryption context.")
	}
	if k != nil {
		// A multi-Region key's ciphertext decrypts with any of its
		// related keys: the same id in another Region.
		if h.Account != k.AccountID || h.KeyID != k.ID || (h.Region != k.Region && !strings.HasPrefix(k.ID, "mrk-")) {
			return nil, api.NewIncorrectKeyException("The key ID in the request does not identify a CMK that can perform this operation.")
		}
	} else {
		region := h.Region
		if strings.HasPrefix(h.KeyID, "mrk-") {
			region = c.Region
		}
		if k, err = s.cryptoKey(ctx, c, kms.KeyARN(h.Account, region, h.KeyID), operation, "ENCRYPT_DECRYPT"); err != nil {
			return nil, err
		}
		if k.KeySpec != "SYMMETRIC_DEFAULT" {
			return nil, api.NewInvalidCiphertextException("The ciphertext is invalid, was modified, or was made with a different encryption context.")
		}
	}
	pt, err := s.keys.DecryptSymmetric(k, h, blob, ectx)
	if errors.Is(err, kms.ErrMaterialNotFound) {
		// The blob names key material the key does not have (or no
		// longer has): the ciphertext is not one this key can decrypt.
		err = kms.ErrInvalidCiphertext
	}
	if err != nil {
		return nil, cryptoError(err, k, string(alg))
	}
	return &cryptoDecrypted{key: k, plaintext: pt, alg: alg, materialID: h.MaterialID}, nil
}

func (s *Service) decrypt(ctx context.Context, c *call.Call, in *api.DecryptInput) (*api.DecryptOutput, error) {
	if err := cryptoNoRecipient(in.Recipient, "Decrypt"); err != nil {
		return nil, err
	}
	d, err := s.cryptoDecryptBlob(ctx, c, "Decrypt", in.KeyId, in.CiphertextBlob, in.EncryptionAlgorithm, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	if err := cryptoDryRun(in.DryRun); err != nil {
		return nil, err
	}
	arn := d.key.ARN()
	out := &api.DecryptOutput{KeyId: &arn, Plaintext: d.plaintext, EncryptionAlgorithm: d.alg}
	if d.materialID != "" {
		out.KeyMaterialId = &d.materialID
	}
	return out, nil
}

func (s *Service) reEncrypt(ctx context.Context, c *call.Call, in *api.ReEncryptInput) (*api.ReEncryptOutput, error) {
	d, err := s.cryptoDecryptBlob(ctx, c, "ReEncrypt", in.SourceKeyId, in.CiphertextBlob, in.SourceEncryptionAlgorithm, in.SourceEncryptionContext)
	if err != nil {
		return nil, err
	}
	dst, err := s.cryptoKey(ctx, c, *in.DestinationKeyId, "ReEncrypt", "ENCRYPT_DECRYPT")
	if err != nil {
		return nil, err
	}
	if in.DestinationEncryptionAlgorithm == api.EncryptionAlgorithmSpecSm2pke {
		return nil, cryptoAlgorithmError(dst, string(in.DestinationEncryptionAlgorithm))
	}
	if err := cryptoDryRun(in.DryRun); err != nil {
		return nil, err
	}
	blob, alg, err := s.cryptoEncryptWith(dst, in.DestinationEncryptionAlgorithm, d.plaintext, in.DestinationEncryptionContext)
	if err != nil {
		return nil, err
	}
	srcARN, dstARN := d.key.ARN(), dst.ARN()
	out := &api.ReEncryptOutput{
		CiphertextBlob:                 blob,
		SourceKeyId:                    &srcARN,
		KeyId:                          &dstARN,
		SourceEncryptionAlgorithm:      d.alg,
		DestinationEncryptionAlgorithm: alg,
	}
	if d.materialID != "" {
		out.SourceKeyMaterialId = &d.materialID
	}
	if alg == api.EncryptionAlgorithmSpecSymmetricDefault {
		if m, ok := dst.CurrentMaterial(); ok {
			id := m.ID
			out.DestinationKeyMaterialId = &id
		}
	}
	return out, nil
}

func (s *Service) generateRandom(ctx context.Context, c *call.Call, in *api.GenerateRandomInput) (*api.GenerateRandomOutput, error) {
	if err := cryptoNoRecipient(in.Recipient, "GenerateRandom"); err != nil {
		return nil, err
	}
	if in.CustomKeyStoreId != nil {
		return nil, api.NewCustomKeyStoreNotFoundException("Custom key store '%s' does not exist: gatehouse has no custom key stores.", *in.CustomKeyStoreId)
	}
	if in.NumberOfBytes == nil {
		return nil, cryptoValidation("1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null")
	}
	n := int(*in.NumberOfBytes)
	if n < 1 || n > 1024 {
		return nil, cryptoValidation("1 validation error detected: Value '%d' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024", n)
	}
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return &api.GenerateRandomOutput{Plaintext: b}, nil
}
