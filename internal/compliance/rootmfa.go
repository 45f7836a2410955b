package compliance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/store"
)

// ErrMFADeviceInUse is returned by EnableRootMFA for a device already
// assigned to a user or to the root user.
var ErrMFADeviceInUse = errors.New("compliance: the MFA device is already assigned")

// rootMFADeviceLimit is how many MFA devices the root user may have, as
// for IAM users.
const rootMFADeviceLimit = 8

// EnableRootMFA assigns an existing, unassigned virtual MFA device of the
// account to the account's root user, after checking two consecutive codes
// from it, exactly as IAM's EnableMFADevice does for users. It is the
// remediation of control 1.5: AWS lets only the console assign a device to
// the root user (the API's EnableMFADevice takes an IAM user name), and
// gatehouse has no console yet, so the operator does it with
// `gatehouse account enable-root-mfa`. The device is created beforehand with
// `aws iam create-virtual-mfa-device` signed by the root user.
func EnableRootMFA(ctx context.Context, dir *iam.Directory, accountID, serial, code1, code2 string, now time.Time) error {
	return dir.Update(ctx, func(tx *iam.Tx) error {
		if _, err := account.Get(tx.Tx, accountID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("compliance: account %s does not exist", accountID)
			}
			return err
		}
		m, err := tx.MFADevice(accountID, serial)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			return fmt.Errorf("compliance: account %s has no virtual MFA device %s (create it with aws iam create-virtual-mfa-device)", accountID, serial)
		}
		if err != nil {
			return err
		}
		if m.UserName != "" {
			return ErrMFADeviceInUse
		}
		enabled, err := tx.MFADeviceForUser(accountID, iam.RootMFAUser)
		if err != nil {
			return err
		}
		if len(enabled) >= rootMFADeviceLimit {
			return fmt.Errorf("compliance: the root user already has %d MFA devices", len(enabled))
		}
		if err := dir.VerifyMFACodePair(m, code1, code2, now); err != nil {
			return err
		}
		m.UserName, m.EnableDate = iam.RootMFAUser, now.UTC()
		return tx.PutMFADevice(m)
	})
}
