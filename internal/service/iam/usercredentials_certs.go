package iam

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/pem"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file serves X.509 signing certificates: UploadSigningCertificate,
// UpdateSigningCertificate, DeleteSigningCertificate and
// ListSigningCertificates. Without a UserName they act on the caller, which
// may be the root user, whose certificates are kept in the account's
// settings record.

// signingCertsPerUser is IAM's quota of signing certificates per user.
const signingCertsPerUser = 2

// certificateIDLength is the length of a signing certificate id.
const certificateIDLength = 32

func (s *Service) registerSigningCertificates(r *call.Registry) {
	r.Handle(api.Service, "UploadSigningCertificate", call.Typed(s.uploadSigningCertificate))
	r.Handle(api.Service, "UpdateSigningCertificate", call.Typed(s.updateSigningCertificate))
	r.Handle(api.Service, "DeleteSigningCertificate", call.Typed(s.deleteSigningCertificate))
	r.Handle(api.Service, "ListSigningCertificates", call.Typed(s.listSigningCertificates))
}

// certHolder is whoever holds signing certificates: an IAM user or, with
// user nil, the root user through the account settings.
type certHolder struct {
	user     *iam.User
	settings *iam.AccountSettings
}

// loadCertHolder resolves the holder an operation acts on (see
// credentialOwner).
func loadCertHolder(tx *iam.Tx, c *call.Call, userName *string) (certHolder, error) {
	name, root, err := credentialOwner(c, userName)
	if err != nil {
		return certHolder{}, err
	}
	if root {
		st, err := tx.Settings(c.Principal.AccountID)
		return certHolder{settings: st}, err
	}
	u, err := credentialUser(tx, c.Principal.AccountID, name)
	return certHolder{user: u}, err
}

func (h certHolder) certs() *[]iam.SigningCertificate {
	if h.user != nil {
		return &h.user.SigningCerts
	}
	return &h.settings.RootSigningCerts
}

func (h certHolder) save(tx *iam.Tx) error {
	if h.user != nil {
		return tx.PutUser(h.user)
	}
	return tx.PutSettings(h.settings)
}

// userName is the UserName shown with the certificates: none for root.
func (h certHolder) userName() *string {
	if h.user != nil {
		return ptr(h.user.Name)
	}
	return nil
}

func (h certHolder) find(id string) int {
	return slices.IndexFunc(*h.certs(), func(c iam.SigningCertificate) bool { return c.ID == id })
}

func errNoSuchSigningCertificate(id string) *protocol.Error {
	return api.NewNoSuchEntityException("The Certificate with id %s cannot be found.", id)
}

// newCertificateID returns a signing certificate id: 32 random upper-case
// letters and digits.
func newCertificateID() (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	out := make([]byte, 0, certificateIDLength)
	buf := make([]byte, 2*certificateIDLength)
	for len(out) < certificateIDLength {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			// 252 is the largest multiple of 36 below 256: rejecting bytes
			// at or above it keeps every symbol equally likely.
			if b < 252 && len(out) < certificateIDLength {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// certificateDER returns the DER bytes of a stored certificate body, or
// nil when it does not decode.
func certificateDER(body string) []byte {
	block, _ := pem.Decode([]byte(strings.TrimSpace(body)))
	if block == nil {
		return nil
	}
	return block.Bytes
}

// certificateInAccount reports whether a certificate with these DER bytes
// is held by any user of the account or by its root user.
func certificateInAccount(tx *iam.Tx, accountID string, der []byte) (bool, error) {
	users, err := tx.Users(accountID)
	if err != nil {
		return false, err
	}
	st, err := tx.Settings(accountID)
	if err != nil {
		return false, err
	}
	held := func(certs []iam.SigningCertificate) bool {
		for _, c := range certs {
			if bytes.Equal(certificateDER(c.Body), der) {
				return true
			}
		}
		return false
	}
	if held(st.RootSigningCerts) {
		return true, nil
	}
	for _, u := range users {
		if held(u.SigningCerts) {
			return true, nil
		}
	}
	return false, nil
}

func apiSigningCertificate(userName *string, c *iam.SigningCertificate) api.SigningCertificate {
	return api.SigningCertificate{
		UserName: userName, CertificateId: ptr(c.ID), CertificateBody: ptr(c.Body),
		Status: api.StatusType(c.Status), UploadDate: timePtr(c.UploadDate),
	}
}

func (s *Service) uploadSigningCertificate(ctx context.Context, c *call.Call, in *api.UploadSigningCertificateInput) (*api.UploadSigningCertificateOutput, error) {
	now := s.now()
	cert, perr := parseSigningCertificate(deref(in.CertificateBody), now)
	if perr != nil {
		return nil, perr
	}
	id, err := newCertificateID()
	if err != nil {
		return nil, err
	}
	rec := iam.SigningCertificate{ID: id, Body: strings.TrimSpace(deref(in.CertificateBody)), Status: string(api.StatusTypeActive), UploadDate: now}
	var holder certHolder
	err = s.dir.Update(ctx, func(tx *iam.Tx) (err error) {
		if holder, err = loadCertHolder(tx, c, in.UserName); err != nil {
			return err
		}
		if len(*holder.certs()) >= signingCertsPerUser {
			return limitExceeded("SigningCertificatesPerUser", signingCertsPerUser)
		}
		dup, err := certificateInAccount(tx, c.Principal.AccountID, cert.Raw)
		if err != nil {
			return err
		}
		if dup {
			return api.NewDuplicateCertificateException("The certificate is already associated with a user in this account.")
		}
		*holder.certs() = append(*holder.certs(), rec)
		return holder.save(tx)
	})
	if err != nil {
		return nil, err
	}
	out := apiSigningCertificate(holder.userName(), &rec)
	return &api.UploadSigningCertificateOutput{Certificate: &out}, nil
}

func (s *Service) updateSigningCertificate(ctx context.Context, c *call.Call, in *api.UpdateSigningCertificateInput) (*struct{}, error) {
	id := deref(in.CertificateId)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		holder, err := loadCertHolder(tx, c, in.UserName)
		if err != nil {
			return err
		}
		i := holder.find(id)
		if i < 0 {
			return errNoSuchSigningCertificate(id)
		}
		(*holder.certs())[i].Status = string(in.Status)
		return holder.save(tx)
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) deleteSigningCertificate(ctx context.Context, c *call.Call, in *api.DeleteSigningCertificateInput) (*struct{}, error) {
	id := deref(in.CertificateId)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		holder, err := loadCertHolder(tx, c, in.UserName)
		if err != nil {
			return err
		}
		i := holder.find(id)
		if i < 0 {
			return errNoSuchSigningCertificate(id)
		}
		*holder.certs() = slices.Delete(*holder.certs(), i, i+1)
		return holder.save(tx)
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) listSigningCertificates(ctx context.Context, c *call.Call, in *api.ListSigningCertificatesInput) (*api.ListSigningCertificatesOutput, error) {
	var holder certHolder
	err := s.dir.View(ctx, func(tx *iam.Tx) (err error) {
		holder, err = loadCertHolder(tx, c, in.UserName)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, truncated, next, err := pageByPosition(*holder.certs(), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.ListSigningCertificatesOutput{Certificates: []api.SigningCertificate{}, IsTruncated: ptr(truncated), Marker: next}
	for _, p := range items {
		out.Certificates = append(out.Certificates, apiSigningCertificate(holder.userName(), &p))
	}
	return out, nil
}
