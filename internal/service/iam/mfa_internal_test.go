package iam

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/keyring"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// These tests call the handlers directly, with a chosen clock and callers
// the AWS clients cannot be (the model requires EnableMFADevice's UserName,
// so the root user's own device is enabled without one only here).

const credsTestAccount = "123456789012"

// credsInternalService returns a Service over a fresh store with one
// account, whose clock reads *now.
func credsInternalService(t *testing.T, now *time.Time) *Service {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	kr, err := keyring.LoadOrCreate(filepath.Join(dir, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := account.EnsureAccount(context.Background(), st, credsTestAccount, "test"); err != nil {
		t.Fatal(err)
	}
	s := New(iam.NewDirectory(st, kr, account.NewCredentials(st, kr), nil), nil)
	s.now = func() time.Time { return *now }
	return s
}

func rootCall() *call.Call {
	return &call.Call{Principal: &identity.Principal{
		Type: identity.Root, AccountID: credsTestAccount, ARN: "arn:aws:iam::" + credsTestAccount + ":root", PrincipalID: credsTestAccount,
	}}
}

func userCall(name string) *call.Call {
	return &call.Call{Principal: &identity.Principal{
		Type: identity.IAMUser, AccountID: credsTestAccount, ARN: iam.UserARN(credsTestAccount, "/", name), UserName: name,
	}}
}

func roleCall() *call.Call {
	return &call.Call{Principal: &identity.Principal{
		Type: identity.AssumedRole, AccountID: credsTestAccount, ARN: "arn:aws:sts::" + credsTestAccount + ":assumed-role/r/s", UserName: "r",
	}}
}

func putTestUser(t *testing.T, s *Service, name string) {
	t.Helper()
	err := s.dir.Update(context.Background(), func(tx *iam.Tx) error {
		return tx.PutUser(&iam.User{AccountID: credsTestAccount, Name: name, Path: "/", ID: iam.NewID(iam.PrefixUser), CreateDate: time.Now().UTC()})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	perr, ok := protocol.AsError(err)
	if !ok || perr.Code != code {
		t.Fatalf("%s: err = %v, want %s", what, err, code)
	}
}

// seedOf decodes the Base32StringSeed of a created device.
func seedOf(t *testing.T, out *api.CreateVirtualMFADeviceOutput) []byte {
	t.Helper()
	seed, err := iam.MFAEncoding.DecodeString(string(out.VirtualMFADevice.Base32StringSeed))
	if err != nil {
		t.Fatal(err)
	}
	return seed
}

func code(t *testing.T, seed []byte, step int64) *string {
	t.Helper()
	c, err := iam.MFACode(seed, step)
	if err != nil {
		t.Fatal(err)
	}
	return &c
}

// TestRootMFADevice: the root caller enables a device for itself by
// leaving UserName out; the device lists with the root user's shape and its
// codes then pass CheckMFACode once each.
func TestRootMFADevice(t *testing.T) {
	now := time.Date(2026, 5, 4, 10, 0, 5, 0, time.UTC)
	s := credsInternalService(t, &now)
	ctx := context.Background()
	created, err := s.createVirtualMFADevice(ctx, rootCall(), &api.CreateVirtualMFADeviceInput{VirtualMFADeviceName: ptr("root-account-mfa-device")})
	if err != nil {
		t.Fatal(err)
	}
	serial, seed := *created.VirtualMFADevice.SerialNumber, seedOf(t, created)
	cur := iam.MFAStep(now)
	_, err = s.enableMFADevice(ctx, rootCall(), &api.EnableMFADeviceInput{
		SerialNumber: &serial, AuthenticationCode1: code(t, seed, cur-1), AuthenticationCode2: code(t, seed, cur),
	})
	if err != nil {
		t.Fatalf("root EnableMFADevice: %v", err)
	}

	list, err := s.listMFADevices(ctx, rootCall(), &api.ListMFADevicesInput{})
	if err != nil || len(list.MFADevices) != 1 || *list.MFADevices[0].SerialNumber != serial || list.MFADevices[0].UserName != nil {
		t.Fatalf("root ListMFADevices = %+v, %v", list, err)
	}
	virtual, err := s.listVirtualMFADevices(ctx, rootCall(), &api.ListVirtualMFADevicesInput{AssignmentStatus: api.AssignmentStatusTypeAssigned})
	if err != nil || len(virtual.VirtualMFADevices) != 1 {
		t.Fatalf("ListVirtualMFADevices = %+v, %v", virtual, err)
	}
	if u := virtual.VirtualMFADevices[0].User; u == nil || deref(u.Arn) != "arn:aws:iam::"+credsTestAccount+":root" ||
		deref(u.UserId) != credsTestAccount || u.UserName != nil || u.CreateDate == nil {
		t.Errorf("root device's User = %+v", u)
	}
	if _, err := s.getMFADevice(ctx, rootCall(), &api.GetMFADeviceInput{SerialNumber: &serial}); err != nil {
		t.Errorf("root GetMFADevice: %v", err)
	}

	// STS checks TokenCodes with CheckMFACode: the next step's code passes
	// once; the codes that enabled the device never do.
	check := func(c string) error {
		return s.dir.Update(ctx, func(tx *iam.Tx) error { return tx.CheckMFACode(credsTestAccount, serial, c, now) })
	}
	if err := check(*code(t, seed, cur)); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Errorf("code used to enable: err = %v, want ErrMFACodeInvalid", err)
	}
	if err := check(*code(t, seed, cur+1)); err != nil {
		t.Errorf("fresh code: %v", err)
	}
	if err := check(*code(t, seed, cur+1)); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Errorf("fresh code again: err = %v, want ErrMFACodeInvalid", err)
	}

	if _, err := s.deactivateMFADevice(ctx, rootCall(), &api.DeactivateMFADeviceInput{SerialNumber: &serial}); err != nil {
		t.Fatalf("root DeactivateMFADevice: %v", err)
	}
	if err := check(*code(t, seed, cur+2)); !errors.Is(err, iam.ErrNoSuchEntity) {
		t.Errorf("deactivated device: err = %v, want ErrNoSuchEntity", err)
	}
}

// TestMFAOwnerFromCaller: without a UserName, the MFA operations act on
// the calling IAM user; a role session must name the user.
func TestMFAOwnerFromCaller(t *testing.T) {
	now := time.Date(2026, 5, 4, 10, 0, 5, 0, time.UTC)
	s := credsInternalService(t, &now)
	ctx := context.Background()
	putTestUser(t, s, "erin")
	created, err := s.createVirtualMFADevice(ctx, rootCall(), &api.CreateVirtualMFADeviceInput{VirtualMFADeviceName: ptr("erin")})
	if err != nil {
		t.Fatal(err)
	}
	serial, seed := *created.VirtualMFADevice.SerialNumber, seedOf(t, created)
	cur := iam.MFAStep(now)
	_, err = s.enableMFADevice(ctx, rootCall(), &api.EnableMFADeviceInput{
		UserName: ptr("erin"), SerialNumber: &serial, AuthenticationCode1: code(t, seed, cur-1), AuthenticationCode2: code(t, seed, cur),
	})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := s.listMFADevices(ctx, userCall("erin"), &api.ListMFADevicesInput{})
	if err != nil || len(mine.MFADevices) != 1 || deref(mine.MFADevices[0].UserName) != "erin" {
		t.Fatalf("erin's ListMFADevices = %+v, %v", mine, err)
	}
	_, err = s.listMFADevices(ctx, roleCall(), &api.ListMFADevicesInput{})
	wantCode(t, "role session without UserName", err, "ValidationError")

	// Thirty seconds on, a resync needs codes after the last accepted one.
	now = now.Add(30 * time.Second)
	_, err = s.resyncMFADevice(ctx, userCall("erin"), &api.ResyncMFADeviceInput{
		UserName: ptr("erin"), SerialNumber: &serial, AuthenticationCode1: code(t, seed, cur), AuthenticationCode2: code(t, seed, cur+1),
	})
	wantCode(t, "resync reusing a code", err, "InvalidAuthenticationCode")
	_, err = s.resyncMFADevice(ctx, userCall("erin"), &api.ResyncMFADeviceInput{
		UserName: ptr("erin"), SerialNumber: &serial, AuthenticationCode1: code(t, seed, cur+1), AuthenticationCode2: code(t, seed, cur+2),
	})
	if err != nil {
		t.Fatalf("resync: %v", err)
	}
	if _, err := s.deactivateMFADevice(ctx, userCall("erin"), &api.DeactivateMFADeviceInput{SerialNumber: &serial}); err != nil {
		t.Fatalf("deactivate own device: %v", err)
	}
	err = s.dir.View(ctx, func(tx *iam.Tx) error {
		u, err := tx.User(credsTestAccount, "erin")
		if err != nil {
			return err
		}
		if len(u.MFADevices) != 0 {
			t.Errorf("User.MFADevices after deactivation = %v", u.MFADevices)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
