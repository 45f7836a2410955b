package iam

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file serves OpenID Connect identity providers; providers_saml.go
// serves SAML ones.

// IAM quotas on OpenID Connect providers.
const (
	oidcProvidersQuota = 100
	clientIDsQuota     = 100
	thumbprintsQuota   = 5
)

func (s *Service) registerProviders(r *call.Registry) {
	r.Handle(api.Service, "CreateOpenIDConnectProvider", call.Typed(s.CreateOpenIDConnectProvider))
	r.Handle(api.Service, "GetOpenIDConnectProvider", call.Typed(s.GetOpenIDConnectProvider))
	r.Handle(api.Service, "DeleteOpenIDConnectProvider", call.Typed(s.DeleteOpenIDConnectProvider))
	r.Handle(api.Service, "ListOpenIDConnectProviders", call.Typed(s.ListOpenIDConnectProviders))
	r.Handle(api.Service, "AddClientIDToOpenIDConnectProvider", call.Typed(s.AddClientIDToOpenIDConnectProvider))
	r.Handle(api.Service, "RemoveClientIDFromOpenIDConnectProvider", call.Typed(s.RemoveClientIDFromOpenIDConnectProvider))
	r.Handle(api.Service, "UpdateOpenIDConnectProviderThumbprint", call.Typed(s.UpdateOpenIDConnectProviderThumbprint))
	r.Handle(api.Service, "TagOpenIDConnectProvider", call.Typed(s.TagOpenIDConnectProvider))
	r.Handle(api.Service, "UntagOpenIDConnectProvider", call.Typed(s.UntagOpenIDConnectProvider))
	r.Handle(api.Service, "ListOpenIDConnectProviderTags", call.Typed(s.ListOpenIDConnectProviderTags))
	s.registerSAMLProviders(r)
}

// noSuchOIDCProvider is IAM's NoSuchEntity for an OpenID Connect provider.
func noSuchOIDCProvider(arn string) *protocol.Error {
	return api.NewNoSuchEntityException("OpenIDConnect Provider not found for arn %s", arn)
}

func oidcResource(p *iam.OIDCProvider) call.Resource {
	return call.Resource{ARN: p.ARN, AccountID: p.AccountID, Type: "AWS::IAM::OIDCProvider"}
}

// oidcProviderURL checks an OIDC provider URL and returns the provider's
// identity as IAM keeps it: host (lower-cased) and path, without the
// https:// scheme and without a trailing slash. The ARN ends with it and
// GetOpenIDConnectProvider returns it as the Url. IAM requires https and
// allows a path but no query, fragment or user information.
func oidcProviderURL(raw string) (string, *protocol.Error) {
	bad := invalidInput("Invalid Open ID Connect Provider URL: %s. The URL must begin with https:// and name a host, optionally with a path, and have no query or fragment.", raw)
	if len(raw) < len("https://") || !strings.EqualFold(raw[:len("https://")], "https://") {
		return "", bad
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return "", bad
	}
	if strings.ContainsAny(u.Path, " \t\r\n") || u.Hostname() == "" {
		return "", bad
	}
	return strings.ToLower(u.Host) + strings.TrimRight(u.EscapedPath(), "/"), nil
}

// checkThumbprints checks thumbprints: at most five SHA-1 fingerprints, each
// 40 hexadecimal digits.
func checkThumbprints(list []string) error {
	if len(list) > thumbprintsQuota {
		return limitExceeded("ThumbprintsPerOpenIdConnectProvider", thumbprintsQuota)
	}
	for _, t := range list {
		if len(t) != 40 || strings.Trim(t, "0123456789abcdefABCDEF") != "" {
			return invalidInput("Thumbprint %s is not a SHA-1 fingerprint of 40 hexadecimal digits.", t)
		}
	}
	return nil
}

// oidcDedupe returns list without repeated elements, in first-seen order.
func oidcDedupe(list []string) []string {
	var out []string
	for _, v := range list {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// CreateOpenIDConnectProvider registers an OpenID Connect provider by URL,
// with its client ids (audiences), optional certificate thumbprints (IAM
// no longer requires them: it trusts the provider's CA-issued certificate)
// and tags. A URL may be registered once per account.
func (s *Service) CreateOpenIDConnectProvider(ctx context.Context, c *call.Call, in *api.CreateOpenIDConnectProviderInput) (*api.CreateOpenIDConnectProviderOutput, error) {
	acct := c.Principal.AccountID
	id, perr := oidcProviderURL(*in.Url)
	if perr != nil {
		return nil, perr
	}
	clientIDs := oidcDedupe(in.ClientIDList)
	if len(clientIDs) > clientIDsQuota {
		return nil, limitExceeded("ClientIdsPerOpenIdConnectProvider", clientIDsQuota)
	}
	thumbprints := oidcDedupe(in.ThumbprintList)
	if err := checkThumbprints(thumbprints); err != nil {
		return nil, err
	}
	tags, err := addTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	p := &iam.OIDCProvider{
		AccountID: acct, ARN: "arn:aws:iam::" + acct + ":oidc-provider/" + id, URL: id,
		ClientIDs: clientIDs, Thumbprints: thumbprints, CreateDate: s.now(), Tags: tags,
	}
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		if _, err := tx.OIDCProvider(acct, p.ARN); err == nil {
			return api.NewEntityAlreadyExistsException("Provider with url https://%s already exists.", id)
		} else if !errors.Is(err, iam.ErrNoSuchEntity) {
			return err
		}
		n, err := countAccountItems(tx, iam.KindOIDCProvider, acct)
		if err != nil {
			return err
		}
		if n >= oidcProvidersQuota {
			return limitExceeded("OpenIdConnectProvidersPerAccount", oidcProvidersQuota)
		}
		return tx.PutOIDCProvider(p)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(oidcResource(p))
	return &api.CreateOpenIDConnectProviderOutput{OpenIDConnectProviderArn: ptr(p.ARN), Tags: apiTags(p.Tags)}, nil
}

// getOIDCProvider reads a provider by ARN, or answers NoSuchEntity.
func (s *Service) getOIDCProvider(ctx context.Context, acct, arn string) (*iam.OIDCProvider, error) {
	var p *iam.OIDCProvider
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		p, err = tx.OIDCProvider(acct, arn)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			return noSuchOIDCProvider(arn)
		}
		return err
	})
	return p, err
}

// GetOpenIDConnectProvider returns a provider's URL (without the scheme,
// as IAM returns it), client ids, thumbprints, creation date and tags.
func (s *Service) GetOpenIDConnectProvider(ctx context.Context, c *call.Call, in *api.GetOpenIDConnectProviderInput) (*api.GetOpenIDConnectProviderOutput, error) {
	p, err := s.getOIDCProvider(ctx, c.Principal.AccountID, *in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	return &api.GetOpenIDConnectProviderOutput{
		Url: ptr(p.URL), ClientIDList: oidcListOrEmpty(p.ClientIDs), ThumbprintList: oidcListOrEmpty(p.Thumbprints),
		CreateDate: ptr(p.CreateDate), Tags: apiTags(p.Tags),
	}, nil
}

// oidcListOrEmpty returns list, or an empty list for nil, so that the response
// carries an empty element as IAM's does.
func oidcListOrEmpty(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// DeleteOpenIDConnectProvider deletes a provider. As IAM documents, it is
// idempotent: deleting a provider that does not exist succeeds.
func (s *Service) DeleteOpenIDConnectProvider(ctx context.Context, c *call.Call, in *api.DeleteOpenIDConnectProviderInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	arn := *in.OpenIDConnectProviderArn
	var p *iam.OIDCProvider
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		p, err = tx.OIDCProvider(acct, arn)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			p = nil
			return nil
		}
		if err != nil {
			return err
		}
		return tx.DeleteOIDCProvider(acct, arn)
	})
	if err != nil {
		return nil, err
	}
	if p != nil {
		c.AddResource(oidcResource(p))
	}
	return nil, nil
}

// ListOpenIDConnectProviders lists the ARNs of the account's providers.
func (s *Service) ListOpenIDConnectProviders(ctx context.Context, c *call.Call, _ *api.ListOpenIDConnectProvidersInput) (*api.ListOpenIDConnectProvidersOutput, error) {
	out := &api.ListOpenIDConnectProvidersOutput{OpenIDConnectProviderList: []api.OpenIDConnectProviderListEntry{}}
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		all, err := tx.OIDCProviders(c.Principal.AccountID)
		for _, p := range all {
			out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, api.OpenIDConnectProviderListEntry{Arn: ptr(p.ARN)})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// updateOIDCProvider runs fn on a provider in a write transaction and
// stores it afterwards.
func (s *Service) updateOIDCProvider(ctx context.Context, c *call.Call, arn string, fn func(p *iam.OIDCProvider) error) error {
	acct := c.Principal.AccountID
	var p *iam.OIDCProvider
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		p, err = tx.OIDCProvider(acct, arn)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			return noSuchOIDCProvider(arn)
		}
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		return tx.PutOIDCProvider(p)
	})
	if err == nil {
		c.AddResource(oidcResource(p))
	}
	return err
}

// AddClientIDToOpenIDConnectProvider adds a client id (audience) to a
// provider; adding one it has changes nothing.
func (s *Service) AddClientIDToOpenIDConnectProvider(ctx context.Context, c *call.Call, in *api.AddClientIDToOpenIDConnectProviderInput) (*struct{}, error) {
	return nil, s.updateOIDCProvider(ctx, c, *in.OpenIDConnectProviderArn, func(p *iam.OIDCProvider) error {
		if slices.Contains(p.ClientIDs, *in.ClientID) {
			return nil
		}
		if len(p.ClientIDs) >= clientIDsQuota {
			return limitExceeded("ClientIdsPerOpenIdConnectProvider", clientIDsQuota)
		}
		p.ClientIDs = append(p.ClientIDs, *in.ClientID)
		return nil
	})
}

// RemoveClientIDFromOpenIDConnectProvider removes a client id from a
// provider; removing one it does not have changes nothing.
func (s *Service) RemoveClientIDFromOpenIDConnectProvider(ctx context.Context, c *call.Call, in *api.RemoveClientIDFromOpenIDConnectProviderInput) (*struct{}, error) {
	return nil, s.updateOIDCProvider(ctx, c, *in.OpenIDConnectProviderArn, func(p *iam.OIDCProvider) error {
		p.ClientIDs = slices.DeleteFunc(p.ClientIDs, func(id string) bool { return id == *in.ClientID })
		return nil
	})
}

// UpdateOpenIDConnectProviderThumbprint replaces a provider's thumbprints.
func (s *Service) UpdateOpenIDConnectProviderThumbprint(ctx context.Context, c *call.Call, in *api.UpdateOpenIDConnectProviderThumbprintInput) (*struct{}, error) {
	thumbprints := oidcDedupe(in.ThumbprintList)
	if err := checkThumbprints(thumbprints); err != nil {
		return nil, err
	}
	return nil, s.updateOIDCProvider(ctx, c, *in.OpenIDConnectProviderArn, func(p *iam.OIDCProvider) error {
		p.Thumbprints = thumbprints
		return nil
	})
}

// TagOpenIDConnectProvider adds tags to a provider.
func (s *Service) TagOpenIDConnectProvider(ctx context.Context, c *call.Call, in *api.TagOpenIDConnectProviderInput) (*struct{}, error) {
	return nil, s.updateOIDCProvider(ctx, c, *in.OpenIDConnectProviderArn, func(p *iam.OIDCProvider) error {
		tags, err := addTags(p.Tags, in.Tags)
		p.Tags = tags
		return err
	})
}

// UntagOpenIDConnectProvider removes tags from a provider.
func (s *Service) UntagOpenIDConnectProvider(ctx context.Context, c *call.Call, in *api.UntagOpenIDConnectProviderInput) (*struct{}, error) {
	return nil, s.updateOIDCProvider(ctx, c, *in.OpenIDConnectProviderArn, func(p *iam.OIDCProvider) error {
		p.Tags = removeTags(p.Tags, in.TagKeys)
		return nil
	})
}

// ListOpenIDConnectProviderTags lists a provider's tags.
func (s *Service) ListOpenIDConnectProviderTags(ctx context.Context, c *call.Call, in *api.ListOpenIDConnectProviderTagsInput) (*api.ListOpenIDConnectProviderTagsOutput, error) {
	p, err := s.getOIDCProvider(ctx, c.Principal.AccountID, *in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	tags, truncated, marker, err := pageTags(p.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListOpenIDConnectProviderTagsOutput{Tags: tags, IsTruncated: ptr(truncated), Marker: marker}, nil
}
