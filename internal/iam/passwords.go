package iam

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
)

// This file holds the rules of IAM users' console passwords: the account
// password policy check (one function, shared by the IAM API and the
// console), reuse prevention over a user's password history, expiry, and
// how password hashes are sealed. A password itself is never stored or
// logged: only its argon2id hash, sealed under the keyring.

// passwordSealPurpose is the keyring purpose of IAM users' password hashes.
const passwordSealPurpose = "iam-user-password"

// MaxPasswordHistory is how many earlier passwords a login profile keeps:
// with the current one that covers the largest PasswordReusePrevention IAM
// allows (24).
const MaxPasswordHistory = 23

// PasswordSymbols are the characters IAM counts as symbols in passwords.
const PasswordSymbols = "!@#$%^&*()_+-=[]{}|'"

// The AWS default password policy, which applies while an account has no
// password policy of its own: at least 8 characters, at least three of the
// four character classes, and not the account's name or email address.
const (
	defaultMinimumLength = 8
	defaultClassesNeeded = 3
)

// PasswordPolicyError is returned for a password that the account password
// policy refuses. Reasons says which rules it breaks, one sentence each.
type PasswordPolicyError struct {
	Reasons []string
}

func (e *PasswordPolicyError) Error() string {
	return "iam: password does not conform to the password policy: " + strings.Join(e.Reasons, "; ")
}

// CheckPasswordPolicy checks password against the account password policy
// p, or against AWS's default policy when p is nil. accountName and
// accountEmail are what the default policy forbids the password to be
// ("" to skip). It returns nil or a *PasswordPolicyError listing every rule
// broken. It does not look at reuse: see Directory.PasswordReused.
func CheckPasswordPolicy(p *PasswordPolicy, password, accountName, accountEmail string) error {
	var upper, lower, digit, symbol bool
	for i := 0; i < len(password); i++ {
		switch c := password[i]; {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		case strings.IndexByte(PasswordSymbols, c) >= 0:
			symbol = true
		}
	}
	// Length counts characters as IAM does: the model allows U+0000-U+00FF.
	length := len([]rune(password))
	var reasons []string
	if p == nil {
		if length < defaultMinimumLength {
			reasons = append(reasons, fmt.Sprintf("Password should have a minimum length of %d", defaultMinimumLength))
		}
		classes := 0
		for _, has := range []bool{upper, lower, digit, symbol} {
			if has {
				classes++
			}
		}
		if classes < defaultClassesNeeded {
			reasons = append(reasons, "Password should have at least three of: uppercase letters, lowercase letters, numbers and symbols")
		}
		for _, forbidden := range []string{accountName, accountEmail} {
			if forbidden != "" && strings.EqualFold(password, forbidden) {
				reasons = append(reasons, "Password should not be the account name or email address")
				break
			}
		}
	} else {
		if length < int(p.MinimumPasswordLength) {
			reasons = append(reasons, fmt.Sprintf("Password should have a minimum length of %d", p.MinimumPasswordLength))
		}
		if p.RequireUppercaseCharacters && !upper {
			reasons = append(reasons, "Password should have at least one uppercase letter")
		}
		if p.RequireLowercaseCharacters && !lower {
			reasons = append(reasons, "Password should have at least one lowercase letter")
		}
		if p.RequireNumbers && !digit {
			reasons = append(reasons, "Password should have at least one number")
		}
		if p.RequireSymbols && !symbol {
			reasons = append(reasons, "Password should have at least one symbol")
		}
	}
	if len(reasons) > 0 {
		return &PasswordPolicyError{Reasons: reasons}
	}
	return nil
}

// PasswordExpiry returns when the password of lp expires under p, or the
// zero time when it does not expire (no policy, or no MaxPasswordAge).
func PasswordExpiry(p *PasswordPolicy, lp *LoginProfile) time.Time {
	if p == nil || p.MaxPasswordAge <= 0 || lp == nil {
		return time.Time{}
	}
	return lp.ChangedDate.AddDate(0, 0, int(p.MaxPasswordAge))
}

// PasswordExpired reports whether the password of lp has expired at now.
func PasswordExpired(p *PasswordPolicy, lp *LoginProfile, now time.Time) bool {
	exp := PasswordExpiry(p, lp)
	return !exp.IsZero() && !now.Before(exp)
}

// passwordAAD binds a sealed password hash to its user (by unique id, which
// survives renames).
func passwordAAD(accountID, userID string) []byte { return []byte(accountID + "/" + userID) }

// SealPassword hashes password with argon2id and seals the hash for the
// user. Hashing is deliberately slow: call it outside store transactions.
func (d *Directory) SealPassword(accountID, userID, password string) ([]byte, error) {
	hash, err := account.HashPassword(password)
	if err != nil {
		return nil, err
	}
	return d.kr.Seal(passwordSealPurpose, []byte(hash), passwordAAD(accountID, userID))
}

// PasswordMatches reports whether password is the one whose hash was sealed
// by SealPassword for the user.
func (d *Directory) PasswordMatches(accountID, userID string, sealed []byte, password string) bool {
	if len(sealed) == 0 {
		return false
	}
	phc, err := d.kr.Open(passwordSealPurpose, sealed, passwordAAD(accountID, userID))
	if err != nil {
		return false
	}
	return account.CheckPassword(string(phc), password)
}

// PasswordReused reports whether password is among the last n passwords
// of the user's login profile (the current one and the n-1 before it), as
// the password policy's PasswordReusePrevention forbids.
func (d *Directory) PasswordReused(u *User, password string, n int32) bool {
	lp := u.LoginProfile
	if lp == nil || n <= 0 {
		return false
	}
	if d.PasswordMatches(u.AccountID, u.ID, lp.PasswordSealed, password) {
		return true
	}
	for i, old := range lp.History {
		if int32(i+1) >= n {
			break
		}
		if d.PasswordMatches(u.AccountID, u.ID, old, password) {
			return true
		}
	}
	return false
}

// SetPassword makes sealed (from SealPassword) the current password of the
// login profile, keeping the one it replaces in the history.
func (lp *LoginProfile) SetPassword(sealed []byte, now time.Time) {
	if len(lp.PasswordSealed) > 0 {
		lp.History = append([][]byte{lp.PasswordSealed}, lp.History...)
		if len(lp.History) > MaxPasswordHistory {
			lp.History = lp.History[:MaxPasswordHistory]
		}
	}
	lp.PasswordSealed = sealed
	lp.ChangedDate = now
}

// UsersMayChangePassword reports whether the account's password policy
// lets every IAM user change its own password (AllowUsersToChangePassword).
// On AWS that setting is a grant: with it, users may call ChangePassword
// and GetAccountPasswordPolicy for themselves without a policy allowing
// iam:ChangePassword, so the authorizer consults it for those calls.
func (d *Directory) UsersMayChangePassword(ctx context.Context, accountID string) (bool, error) {
	var allowed bool
	err := d.View(ctx, func(tx *Tx) error {
		s, err := tx.Settings(accountID)
		if err == nil && s.PasswordPolicy != nil {
			allowed = s.PasswordPolicy.AllowUsersToChangePassword
		}
		return err
	})
	return allowed, err
}
