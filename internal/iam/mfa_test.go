package iam_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/iam"
)

const mfaAccount = "111122223333"

// TestMFACodeRFC6238 checks the code generator against the SHA-1 test
// vectors of RFC 6238 appendix B (the last six of the eight digits).
func TestMFACodeRFC6238(t *testing.T) {
	seed := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
	} {
		got, err := iam.MFACode(seed, iam.MFAStep(time.Unix(tc.unix, 0)))
		if err != nil || got != tc.want {
			t.Errorf("code at %d = %q, %v; want %q", tc.unix, got, err, tc.want)
		}
	}
}

// putMFADevice stores a device with a fresh sealed seed, assigned to user
// ("" for none), and returns its seed.
func putMFADevice(t *testing.T, d *iam.Directory, serial, user string) []byte {
	t.Helper()
	seed, err := d.NewMFASeed()
	if err != nil {
		t.Fatal(err)
	}
	if len(seed) != iam.MFASeedSize {
		t.Fatalf("seed is %d bytes, want %d", len(seed), iam.MFASeedSize)
	}
	sealed, err := d.SealMFASeed(serial, seed)
	if err != nil {
		t.Fatal(err)
	}
	err = d.Update(context.Background(), func(tx *iam.Tx) error {
		return tx.PutMFADevice(&iam.MFADevice{AccountID: mfaAccount, SerialNumber: serial, SeedSealed: sealed, UserName: user})
	})
	if err != nil {
		t.Fatal(err)
	}
	return seed
}

func mustCode(t *testing.T, seed []byte, step int64) string {
	t.Helper()
	c, err := iam.MFACode(seed, step)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func checkCode(d *iam.Directory, serial, code string, now time.Time) error {
	return d.Update(context.Background(), func(tx *iam.Tx) error {
		return tx.CheckMFACode(mfaAccount, serial, code, now)
	})
}

// TestCheckMFACode: codes of the current step and one step either side are
// accepted, each at most once, never a step at or before one accepted
// before, and the accepted step is stored.
func TestCheckMFACode(t *testing.T) {
	d := newDirectory(t)
	serial := "arn:aws:iam::" + mfaAccount + ":mfa/alice"
	seed := putMFADevice(t, d, serial, "alice")
	now := time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)
	cur := iam.MFAStep(now)

	if err := checkCode(d, serial, "000000", now); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Fatalf("wrong code: err = %v, want ErrMFACodeInvalid", err)
	}
	if err := checkCode(d, serial, mustCode(t, seed, cur+2), now); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Fatalf("code two steps ahead: err = %v, want ErrMFACodeInvalid", err)
	}
	if err := checkCode(d, serial, mustCode(t, seed, cur-2), now); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Fatalf("code two steps behind: err = %v, want ErrMFACodeInvalid", err)
	}
	if err := checkCode(d, serial, mustCode(t, seed, cur), now); err != nil {
		t.Fatalf("current code: %v", err)
	}
	if err := checkCode(d, serial, mustCode(t, seed, cur), now); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Fatalf("current code again: err = %v, want ErrMFACodeInvalid", err)
	}
	// The previous step's code is in the window but older than the one
	// just accepted.
	if err := checkCode(d, serial, mustCode(t, seed, cur-1), now); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Fatalf("earlier code after a later one: err = %v, want ErrMFACodeInvalid", err)
	}
	if err := checkCode(d, serial, mustCode(t, seed, cur+1), now); err != nil {
		t.Fatalf("next step's code: %v", err)
	}
	// 30 s later the step cur+1 is current; its code stays used.
	if err := checkCode(d, serial, mustCode(t, seed, cur+1), now.Add(30*time.Second)); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Fatalf("used code a step later: err = %v, want ErrMFACodeInvalid", err)
	}
	err := d.View(context.Background(), func(tx *iam.Tx) error {
		m, err := tx.MFADevice(mfaAccount, serial)
		if err != nil {
			return err
		}
		if m.LastStep != cur+1 {
			t.Errorf("LastStep = %d, want %d", m.LastStep, cur+1)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCheckMFACodeUnassigned: a device not enabled for anyone, or one that
// does not exist, is NoSuchEntity whatever the code.
func TestCheckMFACodeUnassigned(t *testing.T) {
	d := newDirectory(t)
	serial := "arn:aws:iam::" + mfaAccount + ":mfa/spare"
	seed := putMFADevice(t, d, serial, "")
	now := time.Now()
	if err := checkCode(d, serial, mustCode(t, seed, iam.MFAStep(now)), now); !errors.Is(err, iam.ErrNoSuchEntity) {
		t.Errorf("unassigned device: err = %v, want ErrNoSuchEntity", err)
	}
	if err := checkCode(d, serial+"x", "123456", now); !errors.Is(err, iam.ErrNoSuchEntity) {
		t.Errorf("unknown device: err = %v, want ErrNoSuchEntity", err)
	}
}

// TestVerifyMFACodePair: enabling takes two codes of consecutive steps, in
// order, not older than what was accepted before.
func TestVerifyMFACodePair(t *testing.T) {
	d := newDirectory(t)
	serial := "arn:aws:iam::" + mfaAccount + ":mfa/bob"
	seed := putMFADevice(t, d, serial, "")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cur := iam.MFAStep(now)
	var m *iam.MFADevice
	err := d.View(context.Background(), func(tx *iam.Tx) (err error) {
		m, err = tx.MFADevice(mfaAccount, serial)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name         string
		step1, step2 int64
	}{
		{"not consecutive", cur - 1, cur + 1},
		{"reversed", cur, cur - 1},
		{"same step twice", cur, cur},
		{"too old", cur - 3, cur - 2},
		{"too far ahead", cur + 1, cur + 2},
	} {
		if err := d.VerifyMFACodePair(m, mustCode(t, seed, tc.step1), mustCode(t, seed, tc.step2), now); !errors.Is(err, iam.ErrMFACodeInvalid) {
			t.Errorf("%s: err = %v, want ErrMFACodeInvalid", tc.name, err)
		}
	}
	if err := d.VerifyMFACodePair(m, mustCode(t, seed, cur-1), "999999", now); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Errorf("wrong second code: err = %v, want ErrMFACodeInvalid", err)
	}
	if m.LastStep != 0 {
		t.Fatalf("failed checks moved LastStep to %d", m.LastStep)
	}
	if err := d.VerifyMFACodePair(m, mustCode(t, seed, cur-1), mustCode(t, seed, cur), now); err != nil {
		t.Fatalf("consecutive codes: %v", err)
	}
	if m.LastStep != cur {
		t.Errorf("LastStep = %d, want %d", m.LastStep, cur)
	}
	if err := d.VerifyMFACodePair(m, mustCode(t, seed, cur-1), mustCode(t, seed, cur), now); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Errorf("the same pair again: err = %v, want ErrMFACodeInvalid", err)
	}
	if err := d.VerifyMFACodePair(m, mustCode(t, seed, cur), mustCode(t, seed, cur+1), now); !errors.Is(err, iam.ErrMFACodeInvalid) {
		t.Errorf("a pair reusing the last accepted code: err = %v, want ErrMFACodeInvalid", err)
	}
}

// TestMFASeedBoundToSerial: a sealed seed opens only for the serial number
// it was sealed for.
func TestMFASeedBoundToSerial(t *testing.T) {
	d := newDirectory(t)
	serial := "arn:aws:iam::" + mfaAccount + ":mfa/carol"
	seed := putMFADevice(t, d, serial, "carol")
	var m *iam.MFADevice
	err := d.View(context.Background(), func(tx *iam.Tx) (err error) {
		m, err = tx.MFADevice(mfaAccount, serial)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.OpenMFASeed(m)
	if err != nil || string(got) != string(seed) {
		t.Fatalf("OpenMFASeed = %x, %v; want %x", got, err, seed)
	}
	moved := *m
	moved.SerialNumber = "arn:aws:iam::" + mfaAccount + ":mfa/mallory"
	if _, err := d.OpenMFASeed(&moved); err == nil {
		t.Error("seed opened under another serial number")
	}
}

// TestMFADeviceForUser lists the devices enabled for a user, name compared
// without case, and the root user's under RootMFAUser.
func TestMFADeviceForUser(t *testing.T) {
	d := newDirectory(t)
	putMFADevice(t, d, "arn:aws:iam::"+mfaAccount+":mfa/a1", "Alice")
	putMFADevice(t, d, "arn:aws:iam::"+mfaAccount+":mfa/a2", "alice")
	putMFADevice(t, d, "arn:aws:iam::"+mfaAccount+":mfa/free", "")
	putMFADevice(t, d, "arn:aws:iam::"+mfaAccount+":mfa/root-device", iam.RootMFAUser)
	err := d.View(context.Background(), func(tx *iam.Tx) error {
		got, err := tx.MFADeviceForUser(mfaAccount, "ALICE")
		if err != nil {
			return err
		}
		if len(got) != 2 || got[0].SerialNumber != "arn:aws:iam::"+mfaAccount+":mfa/a1" {
			t.Errorf("alice's devices = %+v", got)
		}
		root, err := tx.MFADeviceForUser(mfaAccount, iam.RootMFAUser)
		if err != nil {
			return err
		}
		if len(root) != 1 || root[0].SerialNumber != "arn:aws:iam::"+mfaAccount+":mfa/root-device" {
			t.Errorf("root's devices = %+v", root)
		}
		none, err := tx.MFADeviceForUser(mfaAccount, "bob")
		if err != nil || len(none) != 0 {
			t.Errorf("bob's devices = %+v, %v", none, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
