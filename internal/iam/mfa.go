package iam

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// Virtual MFA devices are TOTP authenticators (RFC 6238) as AWS configures
// them: HMAC-SHA-1, 30-second time steps, 6-digit codes. The 20-byte seed is
// sealed under the keyring, bound to the device's serial number, so a seed
// copied to another device record does not open.

// MFA parameters.
const (
	// MFASeedSize is the length of a virtual MFA device's secret, in bytes
	// (160 bits, the HMAC-SHA-1 key size RFC 4226 recommends).
	MFASeedSize = 20
	// MFAStepSeconds is the TOTP time step.
	MFAStepSeconds = 30
	// MFACodeDigits is the length of a code.
	MFACodeDigits = 6
	// mfaSealPurpose is the keyring purpose of sealed MFA seeds.
	mfaSealPurpose = "mfa-seed"
	// mfaWindow is how many steps either side of the current one a code may
	// come from, for clocks slightly apart and codes typed near a step's end.
	mfaWindow = 1
)

// ErrMFACodeInvalid is returned for an MFA code that is wrong, outside the
// accepted time window, or already used.
var ErrMFACodeInvalid = errors.New("iam: MFA authentication code is not valid")

// MFAEncoding is the Base32 alphabet (RFC 4648, no padding) in which
// authenticator apps take a seed.
var MFAEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewMFASeed returns a new random secret for a virtual MFA device.
func (d *Directory) NewMFASeed() (seed []byte, err error) {
	seed = make([]byte, MFASeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("iam: generate MFA seed: %w", err)
	}
	return seed, nil
}

// SealMFASeed seals a device's seed for storage in MFADevice.SeedSealed,
// bound to the device's serial number.
func (d *Directory) SealMFASeed(serial string, seed []byte) ([]byte, error) {
	return d.kr.Seal(mfaSealPurpose, seed, []byte(serial))
}

// OpenMFASeed returns the seed of a stored device.
func (d *Directory) OpenMFASeed(m *MFADevice) ([]byte, error) {
	seed, err := d.kr.Open(mfaSealPurpose, m.SeedSealed, []byte(m.SerialNumber))
	if err != nil {
		return nil, fmt.Errorf("iam: open MFA seed of %s: %w", m.SerialNumber, err)
	}
	return seed, nil
}

// MFAStep returns the TOTP time step that t falls in.
func MFAStep(t time.Time) int64 { return t.Unix() / MFAStepSeconds }

// MFACode returns the code a device with the given seed shows during a time
// step.
func MFACode(seed []byte, step int64) (string, error) {
	if step < 0 {
		return "", ErrMFACodeInvalid
	}
	return hotp.GenerateCodeCustom(MFAEncoding.EncodeToString(seed), uint64(step), hotp.ValidateOpts{
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
}

// mfaCodeStep finds the step in [from, to] whose code is code, comparing in
// constant time; ok is false when none matches.
func mfaCodeStep(seed []byte, code string, from, to int64) (step int64, ok bool, err error) {
	if len(code) != MFACodeDigits {
		return 0, false, nil
	}
	for s := from; s <= to; s++ {
		want, err := MFACode(seed, s)
		if err != nil {
			return 0, false, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true, nil
		}
	}
	return 0, false, nil
}

// VerifyMFACode checks one code against m at now: it must be the code of the
// current step or one step either side, and of a step later than the last
// one accepted. On success it advances m.LastStep; the caller stores m in
// the same transaction, so that the code is never accepted again.
func (d *Directory) VerifyMFACode(m *MFADevice, code string, now time.Time) error {
	seed, err := d.OpenMFASeed(m)
	if err != nil {
		return err
	}
	cur := MFAStep(now)
	step, ok, err := mfaCodeStep(seed, code, max(cur-mfaWindow, m.LastStep+1), cur+mfaWindow)
	if err != nil {
		return err
	}
	if !ok {
		return ErrMFACodeInvalid
	}
	m.LastStep = step
	return nil
}

// VerifyMFACodePair checks two codes that enable or resynchronise a device:
// code2 must be the code of the step right after code1's, code2's step
// within one step of now, and both later than the last step accepted. On
// success it sets m.LastStep to code2's step; the caller stores m.
func (d *Directory) VerifyMFACodePair(m *MFADevice, code1, code2 string, now time.Time) error {
	seed, err := d.OpenMFASeed(m)
	if err != nil {
		return err
	}
	cur := MFAStep(now)
	second, ok, err := mfaCodeStep(seed, code2, max(cur-mfaWindow, m.LastStep+2), cur+mfaWindow)
	if err != nil {
		return err
	}
	if !ok {
		return ErrMFACodeInvalid
	}
	if _, ok, err := mfaCodeStep(seed, code1, second-1, second-1); err != nil {
		return err
	} else if !ok {
		return ErrMFACodeInvalid
	}
	m.LastStep = second
	return nil
}

// CheckMFACode verifies a code of the enabled virtual MFA device serial of
// the account (for STS calls that carry a TokenCode). It accepts the code of
// the current time step or of one step either side, never a code of a step
// at or before the last one accepted, and records the accepted step in this
// transaction. It returns ErrNoSuchEntity for an unknown device or one not
// assigned to a user, and ErrMFACodeInvalid for a wrong or reused code.
func (tx *Tx) CheckMFACode(accountID, serial, code string, now time.Time) error {
	m, err := tx.MFADevice(accountID, serial)
	if err != nil {
		return err
	}
	if m.UserName == "" {
		return ErrNoSuchEntity
	}
	if err := tx.d.VerifyMFACode(m, code, now); err != nil {
		return err
	}
	return tx.PutMFADevice(m)
}

// MFADeviceForUser returns the virtual MFA devices enabled for a user
// (userName RootMFAUser for the account's root user), in serial number
// order. IAM user names compare without case.
func (tx *Tx) MFADeviceForUser(accountID, userName string) ([]*MFADevice, error) {
	all, err := tx.MFADevices(accountID)
	if err != nil {
		return nil, err
	}
	var out []*MFADevice
	for _, m := range all {
		if m.UserName != "" && strings.EqualFold(m.UserName, userName) {
			out = append(out, m)
		}
	}
	return out, nil
}
