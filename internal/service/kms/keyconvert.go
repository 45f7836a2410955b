package kms

import (
	"context"
	"encoding/base64"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/kms"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
)

// This file holds what the key management operations share: finding the
// key a request names (with the lazy deletion of keys whose deletion is
// due), KeyMetadata as DescribeKey and CreateKey return it, tags and
// paging markers.

// kmResolve turns a KeyId parameter into a key reference, answering
// AWS's errors for malformed ids, unknown aliases and aliases where the
// operation takes only key ids and key ARNs.
func (s *Service) kmResolve(ctx context.Context, c *call.Call, keyID string, allowAlias bool) (kms.KeyRef, error) {
	ref, err := s.keys.ResolveKeyID(ctx, c.Principal.AccountID, c.Region, keyID, allowAlias)
	switch {
	case err == nil:
		return ref, nil
	case errors.Is(err, kms.ErrAliasNotFound):
		return ref, api.NewNotFoundException("Alias %s is not found.", kmAliasARNFor(c, keyID))
	case errors.Is(err, kms.ErrAliasNotAllowed):
		if len(keyID) > 4 && keyID[:4] == "arn:" {
			return ref, api.NewInvalidArnException("An alias ARN is not a valid KeyId for this operation: %s", keyID)
		}
		return ref, api.NewNotFoundException("Invalid keyId '%s'", keyID)
	case errors.Is(err, kms.ErrMalformedKeyID):
		return ref, api.NewInvalidArnException("Invalid arn %s", keyID)
	}
	return ref, err
}

// kmAliasARNFor returns the ARN of the alias a KeyId names (an alias name
// or an alias ARN), for messages.
func kmAliasARNFor(c *call.Call, keyID string) string {
	if len(keyID) > 4 && keyID[:4] == "arn:" {
		return keyID
	}
	return "arn:aws:kms:" + c.Region + ":" + c.Principal.AccountID + ":" + keyID
}

// kmLoadKey returns the key a KeyId parameter names, in the key's Region,
// or NotFoundException. A key whose deletion is due is deleted now and
// does not exist. The key is shared (from the cache): copy it before
// changing it.
func (s *Service) kmLoadKey(ctx context.Context, c *call.Call, keyID string, allowAlias bool) (*kms.Key, error) {
	ref, err := s.kmResolve(ctx, c, keyID, allowAlias)
	if err != nil {
		return nil, err
	}
	if ref.Region != c.Region {
		// A request reaches the keys of the Region it is signed for.
		return nil, api.NewNotFoundException("Key '%s' does not exist", ref.ARN())
	}
	k, err := s.keys.LiveKey(ctx, ref.Account, ref.Region, ref.ID, s.now())
	if errors.Is(err, kms.ErrNotFound) {
		return nil, api.NewNotFoundException("Key '%s' does not exist", ref.ARN())
	}
	if err != nil {
		return nil, err
	}
	// The trail event names the key, as AWS's KMS events do.
	c.AddResource(call.Resource{ARN: k.ARN(), AccountID: k.AccountID, Type: "AWS::KMS::Key"})
	return k, nil
}

// kmUpdateKey loads the key that keyID names (a key id or key ARN), checks
// its key state for operation, and runs fn on a private copy inside a
// write transaction, storing the copy when fn returns nil. It returns the
// stored key.
func (s *Service) kmUpdateKey(ctx context.Context, c *call.Call, keyID, operation string, fn func(tx *kms.Tx, k *kms.Key) error) (*kms.Key, error) {
	cached, err := s.kmLoadKey(ctx, c, keyID, false)
	if err != nil {
		return nil, err
	}
	var out *kms.Key
	err = s.keys.Update(ctx, func(tx *kms.Tx) error {
		k, err := tx.Key(cached.AccountID, cached.Region, cached.ID)
		if errors.Is(err, kms.ErrNotFound) {
			return api.NewNotFoundException("Key '%s' does not exist", cached.ARN())
		}
		if err != nil {
			return err
		}
		if err := keyStateError(k, operation); err != nil {
			return err
		}
		if err := fn(tx, k); err != nil {
			return err
		}
		out = k
		return tx.PutKey(k)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// kmKeyMetadata is k as DescribeKey, CreateKey and ReplicateKey show it.
func kmKeyMetadata(k *kms.Key) *api.KeyMetadata {
	arn := k.ARN()
	created := k.CreatedAt
	md := &api.KeyMetadata{
		AWSAccountId:          kmStr(k.AccountID),
		KeyId:                 kmStr(k.ID),
		Arn:                   kmStr(arn),
		CreationDate:          &created,
		Enabled:               kmBool(k.State == kms.StateEnabled),
		Description:           kmStr(k.Description),
		KeyUsage:              api.KeyUsageType(k.KeyUsage),
		KeyState:              api.KeyState(k.State),
		Origin:                api.OriginType(k.Origin),
		KeyManager:            api.KeyManagerTypeCustomer,
		KeySpec:               api.KeySpec(k.KeySpec),
		CustomerMasterKeySpec: api.CustomerMasterKeySpec(k.KeySpec),
		MultiRegion:           kmBool(k.MultiRegion),
	}
	algs := kms.KeyAlgorithms(k.KeySpec, k.KeyUsage)
	for _, a := range algs.Encryption {
		md.EncryptionAlgorithms = append(md.EncryptionAlgorithms, api.EncryptionAlgorithmSpec(a))
	}
	for _, a := range algs.Signing {
		md.SigningAlgorithms = append(md.SigningAlgorithms, api.SigningAlgorithmSpec(a))
	}
	for _, a := range algs.Mac {
		md.MacAlgorithms = append(md.MacAlgorithms, api.MacAlgorithmSpec(a))
	}
	for _, a := range algs.KeyAgreement {
		md.KeyAgreementAlgorithms = append(md.KeyAgreementAlgorithms, api.KeyAgreementAlgorithmSpec(a))
	}
	if k.DeletionDate != nil {
		d := *k.DeletionDate
		md.DeletionDate = &d
	}
	if (k.State == kms.StatePendingDeletion || k.State == kms.StatePendingReplicaDeletion) && k.PendingWindowDays > 0 {
		md.PendingDeletionWindowInDays = kmInt32(k.PendingWindowDays)
	}
	if m, ok := k.CurrentMaterial(); ok {
		if k.KeySpec == "SYMMETRIC_DEFAULT" {
			md.CurrentKeyMaterialId = kmStr(m.ID)
		}
		if k.Origin == "EXTERNAL" {
			md.ExpirationModel = api.ExpirationModelType(m.ExpirationModel)
			if m.ValidTo != nil {
				v := *m.ValidTo
				md.ValidTo = &v
			}
		}
	}
	if k.MultiRegion {
		mr := &api.MultiRegionConfiguration{MultiRegionKeyType: api.MultiRegionKeyType(k.MultiRegionType)}
		if k.PrimaryRegion != "" {
			mr.PrimaryKey = &api.MultiRegionKey{
				Arn:    kmStr(kms.KeyARN(k.AccountID, k.PrimaryRegion, k.ID)),
				Region: kmStr(k.PrimaryRegion),
			}
		}
		for _, r := range k.ReplicaRegions {
			mr.ReplicaKeys = append(mr.ReplicaKeys, api.MultiRegionKey{
				Arn:    kmStr(kms.KeyARN(k.AccountID, r, k.ID)),
				Region: kmStr(r),
			})
		}
		md.MultiRegionConfiguration = mr
	}
	return md
}

// kmTagsToAPI converts stored tags to the wire shape.
func kmTagsToAPI(tags []kms.Tag) []api.Tag {
	out := make([]api.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, api.Tag{TagKey: kmStr(t.Key), TagValue: kmStr(t.Value)})
	}
	return out
}

// kmMarker encodes a paging position (the last item returned) as an
// opaque NextMarker.
func kmMarker(last string) *string {
	m := base64.RawURLEncoding.EncodeToString([]byte(last))
	return &m
}

// kmParseMarker decodes a Marker from kmMarker; "" when there is none.
func kmParseMarker(marker *string) (string, error) {
	if marker == nil {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*marker)
	if err != nil || len(b) == 0 {
		return "", api.NewInvalidMarkerException("The marker %q is not valid.", *marker)
	}
	return string(b), nil
}

// kmLimit returns a Limit parameter, or def when it is absent; max caps it
// as AWS does for the operations that document a lower maximum.
func kmLimit(limit *int32, def, max int) int {
	if limit == nil {
		return def
	}
	n := int(*limit)
	if n > max {
		n = max
	}
	if n < 1 {
		n = 1
	}
	return n
}

func kmStr(s string) *string { return &s }

func kmBool(b bool) *bool { return &b }

func kmInt32(n int) *int32 { v := int32(n); return &v }

func kmTime(t time.Time) *time.Time { return &t }
