package iam

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file serves server certificates: X.509 certificates with their
// private keys, uploaded for load balancers and CloudFront. The private key
// is sealed under the keyring and never returned.

// serverCertificatesQuota is IAM's quota of server certificates per account.
const serverCertificatesQuota = 20

func (s *Service) registerServerCertificates(r *call.Registry) {
	r.Handle(api.Service, "UploadServerCertificate", call.Typed(s.UploadServerCertificate))
	r.Handle(api.Service, "GetServerCertificate", call.Typed(s.GetServerCertificate))
	r.Handle(api.Service, "UpdateServerCertificate", call.Typed(s.UpdateServerCertificate))
	r.Handle(api.Service, "DeleteServerCertificate", call.Typed(s.DeleteServerCertificate))
	r.Handle(api.Service, "ListServerCertificates", call.Typed(s.ListServerCertificates))
	r.Handle(api.Service, "TagServerCertificate", call.Typed(s.TagServerCertificate))
	r.Handle(api.Service, "UntagServerCertificate", call.Typed(s.UntagServerCertificate))
	r.Handle(api.Service, "ListServerCertificateTags", call.Typed(s.ListServerCertificateTags))
}

func noSuchServerCertificate(name string) *protocol.Error {
	return api.NewNoSuchEntityException("The Server Certificate with name %s cannot be found.", name)
}

func serverCertificateExists(name string) *protocol.Error {
	return api.NewEntityAlreadyExistsException("The Server Certificate with name %s already exists.", name)
}

func serverCertificateNotFound(err error, name string) error {
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return noSuchServerCertificate(name)
	}
	return err
}

func serverCertificateResource(c *iam.ServerCertificate) call.Resource {
	return call.Resource{ARN: c.ARN(), AccountID: c.AccountID, Type: "AWS::IAM::ServerCertificate"}
}

func serverCertificateSortKey(c *iam.ServerCertificate) string { return strings.ToLower(c.Name) }

func apiServerCertificateMetadata(c *iam.ServerCertificate) *api.ServerCertificateMetadata {
	return &api.ServerCertificateMetadata{
		Path: ptr(c.Path), ServerCertificateName: ptr(c.Name), ServerCertificateId: ptr(c.ID),
		Arn: ptr(c.ARN()), UploadDate: ptr(c.UploadDate), Expiration: timePtr(c.Expiration),
	}
}

// Messages of MalformedCertificate, as IAM words them.
const (
	msgUnparsableCertificate = "Unable to parse certificate. Please ensure the certificate is in PEM format."
	msgInvalidChain          = "Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: %d"
)

// pemCertificates decodes text made of PEM CERTIFICATE blocks (and white
// space around them) into certificates.
func pemCertificates(text string) ([]*x509.Certificate, bool) {
	var out []*x509.Certificate
	rest := []byte(text)
	for len(bytes.TrimSpace(rest)) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil || block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			return nil, false
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, false
		}
		out = append(out, cert)
	}
	return out, len(out) > 0
}

// parseServerCertificate checks an upload: the body must be one PEM
// certificate, the key one unencrypted PEM private key whose public key is
// the certificate's, and the chain, if given, PEM certificates each signing
// the one before it (the first signs the body). Errors are IAM's
// MalformedCertificate and KeyPairMismatch.
func parseServerCertificate(body, privateKey, chain string) (*x509.Certificate, error) {
	certs, ok := pemCertificates(body)
	if !ok || len(certs) != 1 {
		return nil, api.NewMalformedCertificateException(msgUnparsableCertificate)
	}
	cert := certs[0]
	key, err := iam.ParsePrivateKeyPEM([]byte(privateKey))
	if err != nil {
		return nil, api.NewMalformedCertificateException(msgUnparsableCertificate)
	}
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		return nil, api.NewKeyPairMismatchException("The private key does not match the public key of the certificate.")
	}
	if strings.TrimSpace(chain) == "" {
		return cert, nil
	}
	links, ok := pemCertificates(chain)
	if !ok {
		return nil, api.NewMalformedCertificateException("Unable to parse certificate chain. Please ensure the chain is a sequence of certificates in PEM format.")
	}
	child := cert
	for i, parent := range links {
		if err := child.CheckSignatureFrom(parent); err != nil {
			return nil, api.NewMalformedCertificateException(msgInvalidChain, i-1)
		}
		child = parent
	}
	return cert, nil
}

// UploadServerCertificate stores a certificate, its private key (sealed)
// and its chain, under a name unique in the account.
func (s *Service) UploadServerCertificate(ctx context.Context, c *call.Call, in *api.UploadServerCertificateInput) (*api.UploadServerCertificateOutput, error) {
	acct := c.Principal.AccountID
	path, perr := validPath(in.Path)
	if perr != nil {
		return nil, perr
	}
	cert, err := parseServerCertificate(*in.CertificateBody, *in.PrivateKey, deref(in.CertificateChain))
	if err != nil {
		return nil, err
	}
	tags, err := addTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	sc := &iam.ServerCertificate{
		AccountID: acct, Name: *in.ServerCertificateName, Path: path, ID: iam.NewID(iam.PrefixServerCertificate),
		Body: *in.CertificateBody, Chain: deref(in.CertificateChain), UploadDate: s.now(),
		Expiration: cert.NotAfter.UTC(), Tags: tags,
	}
	// The key is bound to the certificate's id, which survives renames.
	sc.PrivateKeySealed, err = s.dir.Keyring().Seal(iam.ServerCertificateKeyPurpose, []byte(*in.PrivateKey), []byte(sc.ID))
	if err != nil {
		return nil, err
	}
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		if _, err := tx.ServerCertificate(acct, sc.Name); err == nil {
			return serverCertificateExists(sc.Name)
		} else if !errors.Is(err, iam.ErrNoSuchEntity) {
			return err
		}
		n, err := countAccountItems(tx, iam.KindServerCertificate, acct)
		if err != nil {
			return err
		}
		if n >= serverCertificatesQuota {
			return limitExceeded("ServerCertificatesPerAccount", serverCertificatesQuota)
		}
		return tx.PutServerCertificate(sc)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(serverCertificateResource(sc))
	return &api.UploadServerCertificateOutput{ServerCertificateMetadata: apiServerCertificateMetadata(sc), Tags: apiTags(sc.Tags)}, nil
}

func (s *Service) getServerCertificate(ctx context.Context, acct, name string) (*iam.ServerCertificate, error) {
	var sc *iam.ServerCertificate
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		sc, err = tx.ServerCertificate(acct, name)
		return serverCertificateNotFound(err, name)
	})
	return sc, err
}

// GetServerCertificate returns a certificate, its chain, metadata and
// tags; never its private key.
func (s *Service) GetServerCertificate(ctx context.Context, c *call.Call, in *api.GetServerCertificateInput) (*api.GetServerCertificateOutput, error) {
	sc, err := s.getServerCertificate(ctx, c.Principal.AccountID, *in.ServerCertificateName)
	if err != nil {
		return nil, err
	}
	out := &api.ServerCertificate{
		ServerCertificateMetadata: apiServerCertificateMetadata(sc), CertificateBody: ptr(sc.Body), Tags: apiTags(sc.Tags),
	}
	if sc.Chain != "" {
		out.CertificateChain = ptr(sc.Chain)
	}
	return &api.GetServerCertificateOutput{ServerCertificate: out}, nil
}

// UpdateServerCertificate renames a certificate and/or moves it to another
// path.
func (s *Service) UpdateServerCertificate(ctx context.Context, c *call.Call, in *api.UpdateServerCertificateInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	var newPath string
	if in.NewPath != nil {
		p, perr := validPath(in.NewPath)
		if perr != nil {
			return nil, perr
		}
		newPath = p
	}
	var sc *iam.ServerCertificate
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		sc, err = tx.ServerCertificate(acct, *in.ServerCertificateName)
		if err != nil {
			return serverCertificateNotFound(err, *in.ServerCertificateName)
		}
		newName := deref(in.NewServerCertificateName)
		renamed := newName != "" && newName != sc.Name
		if renamed && !strings.EqualFold(newName, sc.Name) {
			if _, err := tx.ServerCertificate(acct, newName); err == nil {
				return serverCertificateExists(newName)
			} else if !errors.Is(err, iam.ErrNoSuchEntity) {
				return err
			}
		}
		if renamed {
			if err := tx.DeleteServerCertificate(acct, sc.Name); err != nil {
				return err
			}
			sc.Name = newName
		}
		if newPath != "" {
			sc.Path = newPath
		}
		return tx.PutServerCertificate(sc)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(serverCertificateResource(sc))
	return nil, nil
}

// DeleteServerCertificate deletes a certificate and its sealed key.
func (s *Service) DeleteServerCertificate(ctx context.Context, c *call.Call, in *api.DeleteServerCertificateInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	var sc *iam.ServerCertificate
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		sc, err = tx.ServerCertificate(acct, *in.ServerCertificateName)
		if err != nil {
			return serverCertificateNotFound(err, *in.ServerCertificateName)
		}
		return tx.DeleteServerCertificate(acct, sc.Name)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(serverCertificateResource(sc))
	return nil, nil
}

// ListServerCertificates lists the metadata of the account's certificates
// under a path prefix, by name.
func (s *Service) ListServerCertificates(ctx context.Context, c *call.Call, in *api.ListServerCertificatesInput) (*api.ListServerCertificatesOutput, error) {
	var certs []*iam.ServerCertificate
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		all, err := tx.ServerCertificates(c.Principal.AccountID)
		for _, sc := range all {
			if pathMatches(sc.Path, in.PathPrefix) {
				certs = append(certs, sc)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, truncated, marker, err := page(certs, serverCertificateSortKey, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.ListServerCertificatesOutput{
		ServerCertificateMetadataList: make([]api.ServerCertificateMetadata, 0, len(pg)), IsTruncated: ptr(truncated), Marker: marker,
	}
	for _, sc := range pg {
		out.ServerCertificateMetadataList = append(out.ServerCertificateMetadataList, *apiServerCertificateMetadata(sc))
	}
	return out, nil
}

// updateServerCertificate runs fn on a certificate in a write transaction
// and stores it afterwards.
func (s *Service) updateServerCertificate(ctx context.Context, c *call.Call, name string, fn func(sc *iam.ServerCertificate) error) error {
	acct := c.Principal.AccountID
	var sc *iam.ServerCertificate
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		sc, err = tx.ServerCertificate(acct, name)
		if err != nil {
			return serverCertificateNotFound(err, name)
		}
		if err := fn(sc); err != nil {
			return err
		}
		return tx.PutServerCertificate(sc)
	})
	if err == nil {
		c.AddResource(serverCertificateResource(sc))
	}
	return err
}

// TagServerCertificate adds tags to a certificate.
func (s *Service) TagServerCertificate(ctx context.Context, c *call.Call, in *api.TagServerCertificateInput) (*struct{}, error) {
	return nil, s.updateServerCertificate(ctx, c, *in.ServerCertificateName, func(sc *iam.ServerCertificate) error {
		tags, err := addTags(sc.Tags, in.Tags)
		sc.Tags = tags
		return err
	})
}

// UntagServerCertificate removes tags from a certificate.
func (s *Service) UntagServerCertificate(ctx context.Context, c *call.Call, in *api.UntagServerCertificateInput) (*struct{}, error) {
	return nil, s.updateServerCertificate(ctx, c, *in.ServerCertificateName, func(sc *iam.ServerCertificate) error {
		sc.Tags = removeTags(sc.Tags, in.TagKeys)
		return nil
	})
}

// ListServerCertificateTags lists a certificate's tags.
func (s *Service) ListServerCertificateTags(ctx context.Context, c *call.Call, in *api.ListServerCertificateTagsInput) (*api.ListServerCertificateTagsOutput, error) {
	sc, err := s.getServerCertificate(ctx, c.Principal.AccountID, *in.ServerCertificateName)
	if err != nil {
		return nil, err
	}
	tags, truncated, marker, err := pageTags(sc.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListServerCertificateTagsOutput{Tags: tags, IsTruncated: ptr(truncated), Marker: marker}, nil
}
