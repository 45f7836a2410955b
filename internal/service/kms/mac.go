package kms

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
)

// This file holds GenerateMac and VerifyMac, the operations of HMAC keys.

func (s *Service) registerMac(r *call.Registry) {
	r.Handle(api.Service, "GenerateMac", call.Typed(s.generateMac))
	r.Handle(api.Service, "VerifyMac", call.Typed(s.verifyMac))
}

func (s *Service) generateMac(ctx context.Context, c *call.Call, in *api.GenerateMacInput) (*api.GenerateMacOutput, error) {
	k, err := s.cryptoKey(ctx, c, *in.KeyId, "GenerateMac", "GENERATE_VERIFY_MAC")
	if err != nil {
		return nil, err
	}
	if err := cryptoDryRun(in.DryRun); err != nil {
		return nil, err
	}
	mac, err := s.keys.GenerateMac(k, string(in.MacAlgorithm), in.Message)
	if err != nil {
		return nil, cryptoError(err, k, string(in.MacAlgorithm))
	}
	arn := k.ARN()
	return &api.GenerateMacOutput{Mac: mac, MacAlgorithm: in.MacAlgorithm, KeyId: &arn}, nil
}

func (s *Service) verifyMac(ctx context.Context, c *call.Call, in *api.VerifyMacInput) (*api.VerifyMacOutput, error) {
	k, err := s.cryptoKey(ctx, c, *in.KeyId, "VerifyMac", "GENERATE_VERIFY_MAC")
	if err != nil {
		return nil, err
	}
	if err := cryptoDryRun(in.DryRun); err != nil {
		return nil, err
	}
	ok, err := s.keys.VerifyMac(k, string(in.MacAlgorithm), in.Message, in.Mac)
	if err != nil {
		return nil, cryptoError(err, k, string(in.MacAlgorithm))
	}
	if !ok {
		// As with Verify, AWS answers a mismatch with an error.
		return nil, api.NewKMSInvalidMacException("The MAC is not valid for the message, key and MAC algorithm.")
	}
	arn, valid := k.ARN(), true
	return &api.VerifyMacOutput{KeyId: &arn, MacValid: &valid, MacAlgorithm: in.MacAlgorithm}, nil
}
