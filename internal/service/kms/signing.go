package kms

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/kms"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
)

// This file holds the asymmetric operations other than encryption: Sign,
// Verify, GetPublicKey and DeriveSharedSecret.

func (s *Service) registerSigning(r *call.Registry) {
	r.Handle(api.Service, "Sign", call.Typed(s.sign))
	r.Handle(api.Service, "Verify", call.Typed(s.verify))
	r.Handle(api.Service, "GetPublicKey", call.Typed(s.getPublicKey))
	r.Handle(api.Service, "DeriveSharedSecret", call.Typed(s.deriveSharedSecret))
}

// signingMessageType turns MessageType into whether the message is a
// digest. EXTERNAL_MU is for ML-DSA keys, which gatehouse does not offer.
func signingMessageType(k *kms.Key, mt api.MessageType, alg api.SigningAlgorithmSpec) (bool, error) {
	switch mt {
	case "", api.MessageTypeRaw:
		return false, nil
	case api.MessageTypeDigest:
		return true, nil
	}
	return false, api.NewInvalidKeyUsageException("MessageType %s is incompatible with signing algorithm %s and key spec %s.", mt, alg, k.KeySpec)
}

// signingKey returns the signing key keyID of a Sign or Verify request
// (operation) and whether its message is a digest, after the message type
// and DryRun checks.
func (s *Service) signingKey(ctx context.Context, c *call.Call, operation, keyID string, mt api.MessageType, alg api.SigningAlgorithmSpec, dryRun *bool) (*kms.Key, bool, error) {
	k, err := s.cryptoKey(ctx, c, keyID, operation, "SIGN_VERIFY")
	if err != nil {
		return nil, false, err
	}
	digest, err := signingMessageType(k, mt, alg)
	if err != nil {
		return nil, false, err
	}
	return k, digest, cryptoDryRun(dryRun)
}

func (s *Service) sign(ctx context.Context, c *call.Call, in *api.SignInput) (*api.SignOutput, error) {
	k, digest, err := s.signingKey(ctx, c, "Sign", *in.KeyId, in.MessageType, in.SigningAlgorithm, in.DryRun)
	if err != nil {
		return nil, err
	}
	sig, err := s.keys.Sign(k, string(in.SigningAlgorithm), in.Message, digest)
	if err != nil {
		return nil, cryptoError(err, k, string(in.SigningAlgorithm))
	}
	arn := k.ARN()
	return &api.SignOutput{KeyId: &arn, Signature: sig, SigningAlgorithm: in.SigningAlgorithm}, nil
}

func (s *Service) verify(ctx context.Context, c *call.Call, in *api.VerifyInput) (*api.VerifyOutput, error) {
	k, digest, err := s.signingKey(ctx, c, "Verify", *in.KeyId, in.MessageType, in.SigningAlgorithm, in.DryRun)
	if err != nil {
		return nil, err
	}
	ok, err := s.keys.Verify(k, string(in.SigningAlgorithm), in.Message, digest, in.Signature)
	if err != nil {
		return nil, cryptoError(err, k, string(in.SigningAlgorithm))
	}
	if !ok {
		// AWS answers an invalid signature with an error, not
		// SignatureValid false.
		return nil, api.NewKMSInvalidSignatureException("The signature is not valid for the message, key and signing algorithm.")
	}
	arn, valid := k.ARN(), true
	return &api.VerifyOutput{KeyId: &arn, SignatureValid: &valid, SigningAlgorithm: in.SigningAlgorithm}, nil
}

func (s *Service) getPublicKey(ctx context.Context, c *call.Call, in *api.GetPublicKeyInput) (*api.GetPublicKeyOutput, error) {
	k, err := s.cryptoKey(ctx, c, *in.KeyId, "GetPublicKey", "")
	if err != nil {
		return nil, err
	}
	switch k.KeySpec {
	case "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512":
		return nil, api.NewUnsupportedOperationException("%s key spec is %s which is not valid for GetPublicKey.", k.ARN(), k.KeySpec)
	}
	der, err := s.keys.PublicKey(k)
	if err != nil {
		return nil, cryptoError(err, k, "")
	}
	algs := kms.KeyAlgorithms(k.KeySpec, k.KeyUsage)
	arn := k.ARN()
	out := &api.GetPublicKeyOutput{
		KeyId:                 &arn,
		PublicKey:             der,
		CustomerMasterKeySpec: api.CustomerMasterKeySpec(k.KeySpec),
		KeySpec:               api.KeySpec(k.KeySpec),
		KeyUsage:              api.KeyUsageType(k.KeyUsage),
	}
	for _, a := range algs.Encryption {
		out.EncryptionAlgorithms = append(out.EncryptionAlgorithms, api.EncryptionAlgorithmSpec(a))
	}
	for _, a := range algs.Signing {
		out.SigningAlgorithms = append(out.SigningAlgorithms, api.SigningAlgorithmSpec(a))
	}
	for _, a := range algs.KeyAgreement {
		out.KeyAgreementAlgorithms = append(out.KeyAgreementAlgorithms, api.KeyAgreementAlgorithmSpec(a))
	}
	return out, nil
}

func (s *Service) deriveSharedSecret(ctx context.Context, c *call.Call, in *api.DeriveSharedSecretInput) (*api.DeriveSharedSecretOutput, error) {
	if err := cryptoNoRecipient(in.Recipient, "DeriveSharedSecret"); err != nil {
		return nil, err
	}
	k, err := s.cryptoKey(ctx, c, *in.KeyId, "DeriveSharedSecret", "KEY_AGREEMENT")
	if err != nil {
		return nil, err
	}
	if in.KeyAgreementAlgorithm != api.KeyAgreementAlgorithmSpecEcdh {
		return nil, cryptoAlgorithmError(k, string(in.KeyAgreementAlgorithm))
	}
	if err := cryptoDryRun(in.DryRun); err != nil {
		return nil, err
	}
	secret, err := s.keys.DeriveSharedSecret(k, in.PublicKey)
	if err != nil {
		return nil, cryptoError(err, k, string(in.KeyAgreementAlgorithm))
	}
	arn := k.ARN()
	return &api.DeriveSharedSecretOutput{
		KeyId:                 &arn,
		SharedSecret:          secret,
		KeyAgreementAlgorithm: in.KeyAgreementAlgorithm,
		KeyOrigin:             api.OriginType(k.Origin),
	}, nil
}
