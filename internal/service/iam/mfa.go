package iam

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file serves virtual MFA devices: CreateVirtualMFADevice,
// EnableMFADevice, ResyncMFADevice, DeactivateMFADevice,
// DeleteVirtualMFADevice, ListMFADevices, ListVirtualMFADevices,
// GetMFADevice and the MFA device tag operations. A device is a TOTP seed
// (internal/iam/mfa.go) that is enabled for at most one user, or for the
// account's root user (UserName iam.RootMFAUser).

// MFA quotas ("IAM and AWS STS quotas" in the IAM User Guide).
const (
	// mfaDevicesPerUser is how many MFA devices one user may have enabled.
	mfaDevicesPerUser = 8
	// mfaDevicesPerAccount bounds the virtual MFA devices, assigned or not,
	// of an account (AWS: equal to the users quota).
	mfaDevicesPerAccount = 5000
	// mfaQRCodeSize is the width and height of the QR code image, in pixels.
	mfaQRCodeSize = 256
	// mfaIssuer is the issuer authenticator apps show for the device.
	mfaIssuer = "Amazon Web Services"
)

func (s *Service) registerMFA(r *call.Registry) {
	r.Handle(api.Service, "CreateVirtualMFADevice", call.Typed(s.createVirtualMFADevice))
	r.Handle(api.Service, "EnableMFADevice", call.Typed(s.enableMFADevice))
	r.Handle(api.Service, "ResyncMFADevice", call.Typed(s.resyncMFADevice))
	r.Handle(api.Service, "DeactivateMFADevice", call.Typed(s.deactivateMFADevice))
	r.Handle(api.Service, "DeleteVirtualMFADevice", call.Typed(s.deleteVirtualMFADevice))
	r.Handle(api.Service, "ListMFADevices", call.Typed(s.listMFADevices))
	r.Handle(api.Service, "ListVirtualMFADevices", call.Typed(s.listVirtualMFADevices))
	r.Handle(api.Service, "GetMFADevice", call.Typed(s.getMFADevice))
	r.Handle(api.Service, "TagMFADevice", call.Typed(s.tagMFADevice))
	r.Handle(api.Service, "UntagMFADevice", call.Typed(s.untagMFADevice))
	r.Handle(api.Service, "ListMFADeviceTags", call.Typed(s.listMFADeviceTags))
}

// mfaSerial is a virtual MFA device's serial number: its ARN.
func mfaSerial(accountID, path, name string) string {
	return "arn:aws:iam::" + accountID + ":mfa" + path + name
}

// errNoSuchMFADevice is NoSuchEntity for an unknown serial number.
func errNoSuchMFADevice(serial string) *protocol.Error {
	return api.NewNoSuchEntityException("VirtualMFADevice with serial number %s does not exist.", serial)
}

// errMFACodeInvalid is the answer to wrong, stale or reused codes.
func errMFACodeInvalid() *protocol.Error {
	return api.NewInvalidAuthenticationCodeException("Authentication code for device is not valid.")
}

// mfaDevice loads a device, mapping a missing one to NoSuchEntity.
func mfaDevice(tx *iam.Tx, accountID, serial string) (*iam.MFADevice, error) {
	m, err := tx.MFADevice(accountID, serial)
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return nil, errNoSuchMFADevice(serial)
	}
	return m, err
}

// mfaOwner is the user an MFA operation acts on: an IAM user (User set)
// or the account's root user (Root).
type mfaOwner struct {
	Root bool
	User *iam.User
}

// name is the UserName MFA devices of the owner are stored under.
func (o mfaOwner) name() string {
	if o.Root {
		return iam.RootMFAUser
	}
	return o.User.Name
}

// resolveMFAOwner loads the owner named by userName, or, when it is nil or
// empty, the caller itself.
func resolveMFAOwner(tx *iam.Tx, c *call.Call, userName *string) (mfaOwner, error) {
	name, root, err := credentialOwner(c, userName)
	if err != nil {
		return mfaOwner{}, err
	}
	if root {
		return mfaOwner{Root: true}, nil
	}
	u, err := tx.User(c.Principal.AccountID, name)
	if err != nil {
		return mfaOwner{}, notFound(err, "user", name)
	}
	return mfaOwner{User: u}, nil
}

// ownsDevice reports whether m is enabled for o.
func (o mfaOwner) ownsDevice(m *iam.MFADevice) bool {
	if o.Root {
		return m.UserName == iam.RootMFAUser
	}
	return m.UserName != "" && m.UserName != iam.RootMFAUser && strings.EqualFold(m.UserName, o.User.Name)
}

// apiMFAUserName is the UserName shown for a device's owner: the IAM user's
// name; none for the root user, which has no user name.
func apiMFAUserName(m *iam.MFADevice) *string {
	if m.UserName == "" || m.UserName == iam.RootMFAUser {
		return nil
	}
	return ptr(m.UserName)
}

// mfaQRCode returns the otpauth:// URI an authenticator app enrols the
// device from, and a PNG image of it as a QR code. The label is
// "<device name>@<account alias, or id without one>", with AWS's issuer.
func mfaQRCode(deviceName, accountLabel, base32Seed string) (uri string, pngImage []byte, err error) {
	label := url.PathEscape(mfaIssuer + ":" + deviceName + "@" + accountLabel)
	uri = "otpauth://totp/" + label + "?secret=" + base32Seed + "&issuer=" + url.QueryEscape(mfaIssuer)
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return "", nil, fmt.Errorf("iam: MFA key URI: %w", err)
	}
	img, err := key.Image(mfaQRCodeSize, mfaQRCodeSize)
	if err != nil {
		return "", nil, fmt.Errorf("iam: MFA QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", nil, fmt.Errorf("iam: encode MFA QR code: %w", err)
	}
	return uri, buf.Bytes(), nil
}

func (s *Service) createVirtualMFADevice(ctx context.Context, c *call.Call, in *api.CreateVirtualMFADeviceInput) (*api.CreateVirtualMFADeviceOutput, error) {
	acct := c.Principal.AccountID
	path, perr := validPath(in.Path)
	if perr != nil {
		return nil, perr
	}
	name := deref(in.VirtualMFADeviceName)
	serial := mfaSerial(acct, path, name)
	tags, err := addTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	seed, err := s.dir.NewMFASeed()
	if err != nil {
		return nil, err
	}
	b32 := iam.MFAEncoding.EncodeToString(seed)
	var qr []byte
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		all, err := tx.MFADevices(acct)
		if err != nil {
			return err
		}
		for _, m := range all {
			if strings.EqualFold(m.SerialNumber, serial) {
				return api.NewEntityAlreadyExistsException("MFADevice entity at the same path and name already exists.")
			}
		}
		if len(all) >= mfaDevicesPerAccount {
			return limitExceeded("VirtualMFADevicesPerAccount", mfaDevicesPerAccount)
		}
		settings, err := tx.Settings(acct)
		if err != nil {
			return err
		}
		label := settings.Alias
		if label == "" {
			label = acct
		}
		if _, qr, err = mfaQRCode(name, label, b32); err != nil {
			return err
		}
		sealed, err := s.dir.SealMFASeed(serial, seed)
		if err != nil {
			return err
		}
		return tx.PutMFADevice(&iam.MFADevice{AccountID: acct, SerialNumber: serial, SeedSealed: sealed, Tags: tags})
	})
	if err != nil {
		return nil, err
	}
	return &api.CreateVirtualMFADeviceOutput{VirtualMFADevice: &api.VirtualMFADevice{
		SerialNumber: ptr(serial), Base32StringSeed: []byte(b32), QRCodePNG: qr, Tags: apiTags(tags),
	}}, nil
}

func (s *Service) enableMFADevice(ctx context.Context, c *call.Call, in *api.EnableMFADeviceInput) (*struct{}, error) {
	acct, serial := c.Principal.AccountID, deref(in.SerialNumber)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		owner, err := resolveMFAOwner(tx, c, in.UserName)
		if err != nil {
			return err
		}
		m, err := mfaDevice(tx, acct, serial)
		if err != nil {
			return err
		}
		if m.UserName != "" {
			return api.NewEntityAlreadyExistsException("MFA Device is already in use.")
		}
		enabled := 0
		if owner.Root {
			devices, err := tx.MFADeviceForUser(acct, iam.RootMFAUser)
			if err != nil {
				return err
			}
			enabled = len(devices)
		} else {
			enabled = len(owner.User.MFADevices)
		}
		if enabled >= mfaDevicesPerUser {
			return limitExceeded("MFADevicesPerUser", mfaDevicesPerUser)
		}
		now := s.now()
		if err := s.dir.VerifyMFACodePair(m, deref(in.AuthenticationCode1), deref(in.AuthenticationCode2), now); err != nil {
			if errors.Is(err, iam.ErrMFACodeInvalid) {
				return errMFACodeInvalid()
			}
			return err
		}
		m.UserName, m.EnableDate = owner.name(), now
		if err := tx.PutMFADevice(m); err != nil {
			return err
		}
		if owner.Root {
			return nil
		}
		owner.User.MFADevices = append(owner.User.MFADevices, serial)
		return tx.PutUser(owner.User)
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) resyncMFADevice(ctx context.Context, c *call.Call, in *api.ResyncMFADeviceInput) (*struct{}, error) {
	acct, serial := c.Principal.AccountID, deref(in.SerialNumber)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		owner, err := resolveMFAOwner(tx, c, in.UserName)
		if err != nil {
			return err
		}
		m, err := mfaDevice(tx, acct, serial)
		if err != nil {
			return err
		}
		if !owner.ownsDevice(m) {
			return errNoSuchMFADevice(serial)
		}
		if err := s.dir.VerifyMFACodePair(m, deref(in.AuthenticationCode1), deref(in.AuthenticationCode2), s.now()); err != nil {
			if errors.Is(err, iam.ErrMFACodeInvalid) {
				return errMFACodeInvalid()
			}
			return err
		}
		return tx.PutMFADevice(m)
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) deactivateMFADevice(ctx context.Context, c *call.Call, in *api.DeactivateMFADeviceInput) (*struct{}, error) {
	acct, serial := c.Principal.AccountID, deref(in.SerialNumber)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		owner, err := resolveMFAOwner(tx, c, in.UserName)
		if err != nil {
			return err
		}
		m, err := mfaDevice(tx, acct, serial)
		if err != nil {
			return err
		}
		if !owner.ownsDevice(m) {
			return errNoSuchMFADevice(serial)
		}
		// LastStep stays, so codes used before cannot enable it again.
		m.UserName, m.EnableDate = "", time.Time{}
		if err := tx.PutMFADevice(m); err != nil {
			return err
		}
		if owner.Root {
			return nil
		}
		owner.User.MFADevices = slices.DeleteFunc(owner.User.MFADevices, func(sn string) bool { return sn == serial })
		return tx.PutUser(owner.User)
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) deleteVirtualMFADevice(ctx context.Context, c *call.Call, in *api.DeleteVirtualMFADeviceInput) (*struct{}, error) {
	acct, serial := c.Principal.AccountID, deref(in.SerialNumber)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		m, err := mfaDevice(tx, acct, serial)
		if err != nil {
			return err
		}
		if m.UserName != "" {
			return deleteConflict("deactivate the MFA device")
		}
		return tx.DeleteMFADevice(acct, serial)
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) listMFADevices(ctx context.Context, c *call.Call, in *api.ListMFADevicesInput) (*api.ListMFADevicesOutput, error) {
	acct := c.Principal.AccountID
	var devices []*iam.MFADevice
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		owner, err := resolveMFAOwner(tx, c, in.UserName)
		if err != nil {
			return err
		}
		devices, err = tx.MFADeviceForUser(acct, owner.name())
		return err
	})
	if err != nil {
		return nil, err
	}
	items, truncated, next, err := page(devices, func(m *iam.MFADevice) string { return m.SerialNumber }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.ListMFADevicesOutput{MFADevices: []api.MFADevice{}, IsTruncated: ptr(truncated), Marker: next}
	for _, m := range items {
		out.MFADevices = append(out.MFADevices, api.MFADevice{
			UserName: apiMFAUserName(m), SerialNumber: ptr(m.SerialNumber), EnableDate: timePtr(m.EnableDate),
		})
	}
	return out, nil
}

func (s *Service) listVirtualMFADevices(ctx context.Context, c *call.Call, in *api.ListVirtualMFADevicesInput) (*api.ListVirtualMFADevicesOutput, error) {
	acct := c.Principal.AccountID
	var out []api.VirtualMFADevice
	var truncated bool
	var next *string
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		all, err := tx.MFADevices(acct)
		if err != nil {
			return err
		}
		var devices []*iam.MFADevice
		for _, m := range all {
			assigned := m.UserName != ""
			switch in.AssignmentStatus {
			case api.AssignmentStatusTypeAssigned:
				if !assigned {
					continue
				}
			case api.AssignmentStatusTypeUnassigned:
				if assigned {
					continue
				}
			}
			devices = append(devices, m)
		}
		var items []*iam.MFADevice
		items, truncated, next, err = page(devices, func(m *iam.MFADevice) string { return m.SerialNumber }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		out = make([]api.VirtualMFADevice, 0, len(items))
		for _, m := range items {
			v := api.VirtualMFADevice{SerialNumber: ptr(m.SerialNumber), EnableDate: timePtr(m.EnableDate)}
			if v.User, err = mfaDeviceUser(tx, m); err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.ListVirtualMFADevicesOutput{VirtualMFADevices: out, IsTruncated: ptr(truncated), Marker: next}, nil
}

// mfaDeviceUser is the User shape of a device's owner: the IAM user, or
// for the root user its ARN, with the account id as its unique id and the
// account's creation date; nil for an unassigned device.
func mfaDeviceUser(tx *iam.Tx, m *iam.MFADevice) (*api.User, error) {
	switch m.UserName {
	case "":
		return nil, nil
	case iam.RootMFAUser:
		a, err := account.Get(tx, m.AccountID)
		if err != nil {
			return nil, err
		}
		return &api.User{Path: ptr("/"), UserId: ptr(a.ID), Arn: ptr(a.RootARN()), CreateDate: timePtr(a.CreatedAt)}, nil
	}
	u, err := tx.User(m.AccountID, m.UserName)
	if errors.Is(err, iam.ErrNoSuchEntity) {
		// The user is gone (DeleteUser refuses while a device is enabled,
		// so this is a record written outside the API): show the device
		// without its user rather than fail the whole listing.
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := apiUser(u, false)
	return &v, nil
}

func (s *Service) getMFADevice(ctx context.Context, c *call.Call, in *api.GetMFADeviceInput) (*api.GetMFADeviceOutput, error) {
	acct, serial := c.Principal.AccountID, deref(in.SerialNumber)
	var m *iam.MFADevice
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		owner, err := resolveMFAOwner(tx, c, in.UserName)
		if err != nil {
			return err
		}
		if m, err = mfaDevice(tx, acct, serial); err != nil {
			return err
		}
		if !owner.ownsDevice(m) {
			return errNoSuchMFADevice(serial)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.GetMFADeviceOutput{UserName: apiMFAUserName(m), SerialNumber: ptr(m.SerialNumber), EnableDate: timePtr(m.EnableDate)}, nil
}

func (s *Service) tagMFADevice(ctx context.Context, c *call.Call, in *api.TagMFADeviceInput) (*struct{}, error) {
	acct, serial := c.Principal.AccountID, deref(in.SerialNumber)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		m, err := mfaDevice(tx, acct, serial)
		if err != nil {
			return err
		}
		if m.Tags, err = addTags(m.Tags, in.Tags); err != nil {
			return err
		}
		return tx.PutMFADevice(m)
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) untagMFADevice(ctx context.Context, c *call.Call, in *api.UntagMFADeviceInput) (*struct{}, error) {
	acct, serial := c.Principal.AccountID, deref(in.SerialNumber)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		m, err := mfaDevice(tx, acct, serial)
		if err != nil {
			return err
		}
		m.Tags = removeTags(m.Tags, in.TagKeys)
		return tx.PutMFADevice(m)
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) listMFADeviceTags(ctx context.Context, c *call.Call, in *api.ListMFADeviceTagsInput) (*api.ListMFADeviceTagsOutput, error) {
	acct, serial := c.Principal.AccountID, deref(in.SerialNumber)
	var m *iam.MFADevice
	err := s.dir.View(ctx, func(tx *iam.Tx) (err error) {
		m, err = mfaDevice(tx, acct, serial)
		return err
	})
	if err != nil {
		return nil, err
	}
	tags, truncated, next, err := pageTags(m.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListMFADeviceTagsOutput{Tags: tags, IsTruncated: ptr(truncated), Marker: next}, nil
}
