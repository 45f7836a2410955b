package iam

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file serves SAML 2.0 identity providers. The metadata document is
// parsed by internal/iam (ParseSAMLMetadata), which STS also uses to take
// the provider's signing certificates.

// IAM quotas on SAML providers.
const (
	samlProvidersQuota   = 100
	samlPrivateKeysQuota = 2
)

// samlValidityWithoutExpiry is how long a provider whose metadata states
// no validUntil stays valid.
const samlValidityWithoutExpiry = 100 * 365 * 24 * time.Hour

func (s *Service) registerSAMLProviders(r *call.Registry) {
	r.Handle(api.Service, "CreateSAMLProvider", call.Typed(s.CreateSAMLProvider))
	r.Handle(api.Service, "GetSAMLProvider", call.Typed(s.GetSAMLProvider))
	r.Handle(api.Service, "UpdateSAMLProvider", call.Typed(s.UpdateSAMLProvider))
	r.Handle(api.Service, "DeleteSAMLProvider", call.Typed(s.DeleteSAMLProvider))
	r.Handle(api.Service, "ListSAMLProviders", call.Typed(s.ListSAMLProviders))
	r.Handle(api.Service, "TagSAMLProvider", call.Typed(s.TagSAMLProvider))
	r.Handle(api.Service, "UntagSAMLProvider", call.Typed(s.UntagSAMLProvider))
	r.Handle(api.Service, "ListSAMLProviderTags", call.Typed(s.ListSAMLProviderTags))
}

// noSuchSAMLProvider is IAM's NoSuchEntity for a SAML provider.
func noSuchSAMLProvider(arn string) *protocol.Error {
	return api.NewNoSuchEntityException("SAMLProvider not found for arn %s", arn)
}

func samlResource(p *iam.SAMLProvider) call.Resource {
	return call.Resource{ARN: p.ARN, AccountID: p.AccountID, Type: "AWS::IAM::SAMLProvider"}
}

// samlValidUntil reads a metadata document for a provider and returns its
// expiry: the document's validUntil, or a century from now.
func samlValidUntil(doc string, now time.Time) (time.Time, error) {
	md, err := iam.ParseSAMLMetadata([]byte(doc))
	if err != nil {
		var me *iam.SAMLMetadataError
		if errors.As(err, &me) {
			return time.Time{}, invalidInput("Could not parse metadata: %s.", me.Reason)
		}
		return time.Time{}, err
	}
	if md.ValidUntil.IsZero() {
		return now.Add(samlValidityWithoutExpiry), nil
	}
	return md.ValidUntil, nil
}

// samlIdentifier returns a new identifier of 26 upper-case letters and
// digits, as SAMLProviderUUID and private key ids are.
func samlIdentifier() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("iam: no randomness: " + err.Error()) // crypto/rand does not fail on supported platforms
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// addSAMLPrivateKey seals a PEM private key that decrypts the provider's
// assertions and adds it to the provider.
func (s *Service) addSAMLPrivateKey(p *iam.SAMLProvider, text string) error {
	if _, err := iam.ParsePrivateKeyPEM([]byte(text)); err != nil {
		return invalidInput("The private key is not a valid unencrypted private key in PEM format.")
	}
	if len(p.PrivateKeys) >= samlPrivateKeysQuota {
		return limitExceeded("PrivateKeysPerSAMLProvider", samlPrivateKeysQuota)
	}
	id := samlIdentifier()
	sealed, err := s.dir.Keyring().Seal(iam.SAMLKeySealPurpose, []byte(text), []byte(id))
	if err != nil {
		return err
	}
	p.PrivateKeys = append(p.PrivateKeys, iam.SAMLPrivateKey{ID: id, PEMSealed: sealed, CreateDate: s.now()})
	return nil
}

// checkSAMLEncryption enforces that a provider whose assertions must be
// encrypted holds a key to decrypt them.
func checkSAMLEncryption(p *iam.SAMLProvider) error {
	if p.EncryptionMode == string(api.AssertionEncryptionModeTypeRequired) && len(p.PrivateKeys) == 0 {
		return invalidInput("AssertionEncryptionMode Required needs a private key to decrypt assertions: add one with AddPrivateKey.")
	}
	return nil
}

// CreateSAMLProvider registers a SAML 2.0 identity provider from its
// metadata document, which must name at least one signing certificate.
func (s *Service) CreateSAMLProvider(ctx context.Context, c *call.Call, in *api.CreateSAMLProviderInput) (*api.CreateSAMLProviderOutput, error) {
	acct := c.Principal.AccountID
	now := s.now()
	validUntil, err := samlValidUntil(*in.SAMLMetadataDocument, now)
	if err != nil {
		return nil, err
	}
	tags, err := addTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	p := &iam.SAMLProvider{
		AccountID: acct, ARN: "arn:aws:iam::" + acct + ":saml-provider/" + *in.Name, Name: *in.Name,
		Metadata: *in.SAMLMetadataDocument, CreateDate: now, ValidUntil: validUntil, Tags: tags,
		UUID: samlIdentifier(), EncryptionMode: string(in.AssertionEncryptionMode),
	}
	if in.AddPrivateKey != nil {
		if err := s.addSAMLPrivateKey(p, *in.AddPrivateKey); err != nil {
			return nil, err
		}
	}
	if err := checkSAMLEncryption(p); err != nil {
		return nil, err
	}
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		if _, err := tx.SAMLProvider(acct, p.ARN); err == nil {
			return alreadyExists("SAMLProvider", p.Name)
		} else if !errors.Is(err, iam.ErrNoSuchEntity) {
			return err
		}
		n, err := countAccountItems(tx, iam.KindSAMLProvider, acct)
		if err != nil {
			return err
		}
		if n >= samlProvidersQuota {
			return limitExceeded("SAMLProvidersPerAccount", samlProvidersQuota)
		}
		return tx.PutSAMLProvider(p)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(samlResource(p))
	return &api.CreateSAMLProviderOutput{SAMLProviderArn: ptr(p.ARN), Tags: apiTags(p.Tags)}, nil
}

// getSAMLProvider reads a provider by ARN, or answers NoSuchEntity.
func (s *Service) getSAMLProvider(ctx context.Context, acct, arn string) (*iam.SAMLProvider, error) {
	var p *iam.SAMLProvider
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		p, err = tx.SAMLProvider(acct, arn)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			return noSuchSAMLProvider(arn)
		}
		return err
	})
	return p, err
}

// GetSAMLProvider returns a provider's metadata document, dates, tags and
// assertion encryption settings (key ids only; keys are never returned).
func (s *Service) GetSAMLProvider(ctx context.Context, c *call.Call, in *api.GetSAMLProviderInput) (*api.GetSAMLProviderOutput, error) {
	p, err := s.getSAMLProvider(ctx, c.Principal.AccountID, *in.SAMLProviderArn)
	if err != nil {
		return nil, err
	}
	out := &api.GetSAMLProviderOutput{
		SAMLMetadataDocument: ptr(p.Metadata), CreateDate: ptr(p.CreateDate), ValidUntil: ptr(p.ValidUntil),
		Tags: apiTags(p.Tags), AssertionEncryptionMode: api.AssertionEncryptionModeType(p.EncryptionMode),
	}
	if p.UUID != "" {
		out.SAMLProviderUUID = ptr(p.UUID)
	}
	for _, k := range p.PrivateKeys {
		out.PrivateKeyList = append(out.PrivateKeyList, api.SAMLPrivateKey{KeyId: ptr(k.ID), Timestamp: ptr(k.CreateDate)})
	}
	return out, nil
}

// UpdateSAMLProvider replaces a provider's metadata document (and with it
// its expiry), changes its assertion encryption mode, and adds or removes
// a decryption key.
func (s *Service) UpdateSAMLProvider(ctx context.Context, c *call.Call, in *api.UpdateSAMLProviderInput) (*api.UpdateSAMLProviderOutput, error) {
	var validUntil time.Time
	if in.SAMLMetadataDocument != nil {
		var err error
		if validUntil, err = samlValidUntil(*in.SAMLMetadataDocument, s.now()); err != nil {
			return nil, err
		}
	}
	arn := *in.SAMLProviderArn
	err := s.updateSAMLProvider(ctx, c, arn, func(p *iam.SAMLProvider) error {
		if in.SAMLMetadataDocument != nil {
			p.Metadata, p.ValidUntil = *in.SAMLMetadataDocument, validUntil
		}
		if in.AssertionEncryptionMode != "" {
			p.EncryptionMode = string(in.AssertionEncryptionMode)
		}
		if in.RemovePrivateKey != nil {
			n := len(p.PrivateKeys)
			for i, k := range p.PrivateKeys {
				if k.ID == *in.RemovePrivateKey {
					p.PrivateKeys = append(p.PrivateKeys[:i:i], p.PrivateKeys[i+1:]...)
					break
				}
			}
			if len(p.PrivateKeys) == n {
				return api.NewNoSuchEntityException("The private key %s of SAML provider %s cannot be found.", *in.RemovePrivateKey, arn)
			}
		}
		if in.AddPrivateKey != nil {
			if err := s.addSAMLPrivateKey(p, *in.AddPrivateKey); err != nil {
				return err
			}
		}
		return checkSAMLEncryption(p)
	})
	if err != nil {
		return nil, err
	}
	return &api.UpdateSAMLProviderOutput{SAMLProviderArn: ptr(arn)}, nil
}

// updateSAMLProvider runs fn on a provider in a write transaction and
// stores it afterwards.
func (s *Service) updateSAMLProvider(ctx context.Context, c *call.Call, arn string, fn func(p *iam.SAMLProvider) error) error {
	acct := c.Principal.AccountID
	var p *iam.SAMLProvider
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		p, err = tx.SAMLProvider(acct, arn)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			return noSuchSAMLProvider(arn)
		}
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		return tx.PutSAMLProvider(p)
	})
	if err == nil {
		c.AddResource(samlResource(p))
	}
	return err
}

// DeleteSAMLProvider deletes a provider.
func (s *Service) DeleteSAMLProvider(ctx context.Context, c *call.Call, in *api.DeleteSAMLProviderInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	arn := *in.SAMLProviderArn
	var p *iam.SAMLProvider
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		p, err = tx.SAMLProvider(acct, arn)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			return noSuchSAMLProvider(arn)
		}
		if err != nil {
			return err
		}
		return tx.DeleteSAMLProvider(acct, arn)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(samlResource(p))
	return nil, nil
}

// ListSAMLProviders lists the account's providers with their dates.
func (s *Service) ListSAMLProviders(ctx context.Context, c *call.Call, _ *api.ListSAMLProvidersInput) (*api.ListSAMLProvidersOutput, error) {
	out := &api.ListSAMLProvidersOutput{SAMLProviderList: []api.SAMLProviderListEntry{}}
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		all, err := tx.SAMLProviders(c.Principal.AccountID)
		for _, p := range all {
			out.SAMLProviderList = append(out.SAMLProviderList, api.SAMLProviderListEntry{
				Arn: ptr(p.ARN), ValidUntil: ptr(p.ValidUntil), CreateDate: ptr(p.CreateDate),
			})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// TagSAMLProvider adds tags to a provider.
func (s *Service) TagSAMLProvider(ctx context.Context, c *call.Call, in *api.TagSAMLProviderInput) (*struct{}, error) {
	return nil, s.updateSAMLProvider(ctx, c, *in.SAMLProviderArn, func(p *iam.SAMLProvider) error {
		tags, err := addTags(p.Tags, in.Tags)
		p.Tags = tags
		return err
	})
}

// UntagSAMLProvider removes tags from a provider.
func (s *Service) UntagSAMLProvider(ctx context.Context, c *call.Call, in *api.UntagSAMLProviderInput) (*struct{}, error) {
	return nil, s.updateSAMLProvider(ctx, c, *in.SAMLProviderArn, func(p *iam.SAMLProvider) error {
		p.Tags = removeTags(p.Tags, in.TagKeys)
		return nil
	})
}

// ListSAMLProviderTags lists a provider's tags.
func (s *Service) ListSAMLProviderTags(ctx context.Context, c *call.Call, in *api.ListSAMLProviderTagsInput) (*api.ListSAMLProviderTagsOutput, error) {
	p, err := s.getSAMLProvider(ctx, c.Principal.AccountID, *in.SAMLProviderArn)
	if err != nil {
		return nil, err
	}
	tags, truncated, marker, err := pageTags(p.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListSAMLProviderTagsOutput{Tags: tags, IsTruncated: ptr(truncated), Marker: marker}, nil
}
