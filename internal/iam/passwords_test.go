package iam_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/iam"
)

func TestCheckPasswordPolicy(t *testing.T) {
	strict := &iam.PasswordPolicy{MinimumPasswordLength: 10, RequireSymbols: true, RequireNumbers: true,
		RequireUppercaseCharacters: true, RequireLowercaseCharacters: true}
	cases := []struct {
		name     string
		policy   *iam.PasswordPolicy
		password string
		reasons  int
	}{
		{"default accepts three classes", nil, "abcDEF123", 0},
		{"default accepts symbols as a class", nil, "abcdef1!", 0},
		{"default refuses short", nil, "aB1!", 1},
		{"default refuses two classes", nil, "abcdefgh12", 1},
		{"default refuses short and two classes", nil, "abc1", 2},
		{"default accepts an address not the account's", nil, "Root@Gatehouse.Local1", 0},
		{"strict accepts all classes", strict, "Abcdefgh1!", 0},
		{"strict counts characters, not bytes", strict, "Abcdéfg1!", 1},
		{"strict wants a symbol", strict, "Abcdefgh12", 1},
		{"strict wants upper and number", strict, "abcdefgh!!", 2},
		{"strict wants everything", strict, "", 5},
		{"only listed symbols count", strict, "Abcdefgh1~", 1},
		{"minimum length only", &iam.PasswordPolicy{MinimumPasswordLength: 6}, "aaaaaa", 0},
	}
	for _, c := range cases {
		err := iam.CheckPasswordPolicy(c.policy, c.password, "management", "other@example.com")
		var pe *iam.PasswordPolicyError
		switch {
		case c.reasons == 0 && err != nil:
			t.Errorf("%s: %q refused: %v", c.name, c.password, err)
		case c.reasons > 0 && (!errors.As(err, &pe) || len(pe.Reasons) != c.reasons):
			t.Errorf("%s: %q: err = %v, want %d reasons", c.name, c.password, err, c.reasons)
		}
	}
	// The default policy refuses the account's name or email (without case).
	if err := iam.CheckPasswordPolicy(nil, "Admin@Example.com", "management", "admin@example.com"); err == nil {
		t.Error("the default policy accepted the account's email address as a password")
	}
}

func TestPasswordExpiry(t *testing.T) {
	changed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lp := &iam.LoginProfile{ChangedDate: changed}
	p := &iam.PasswordPolicy{MaxPasswordAge: 90}
	if got := iam.PasswordExpiry(p, lp); !got.Equal(changed.AddDate(0, 0, 90)) {
		t.Errorf("expiry = %v", got)
	}
	if !iam.PasswordExpiry(nil, lp).IsZero() || !iam.PasswordExpiry(&iam.PasswordPolicy{}, lp).IsZero() {
		t.Error("a password expires without MaxPasswordAge")
	}
	if iam.PasswordExpired(p, lp, changed.AddDate(0, 0, 89)) || !iam.PasswordExpired(p, lp, changed.AddDate(0, 0, 90)) {
		t.Error("PasswordExpired is wrong around the limit")
	}
}

func TestLoginProfileHistory(t *testing.T) {
	lp := &iam.LoginProfile{}
	now := time.Now()
	for i := range iam.MaxPasswordHistory + 5 {
		lp.SetPassword([]byte{byte(i)}, now)
	}
	if len(lp.History) != iam.MaxPasswordHistory {
		t.Fatalf("history holds %d, want %d", len(lp.History), iam.MaxPasswordHistory)
	}
	last := iam.MaxPasswordHistory + 4
	if lp.PasswordSealed[0] != byte(last) || lp.History[0][0] != byte(last-1) {
		t.Errorf("current %v, newest earlier %v", lp.PasswordSealed, lp.History[0])
	}
}

// classes reports the character classes of a password the way the IAM
// documentation lists them, written independently of the checker.
func classes(p string) (upper, lower, digit, symbol bool) {
	upper = strings.ContainsAny(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	lower = strings.ContainsAny(p, "abcdefghijklmnopqrstuvwxyz")
	digit = strings.ContainsAny(p, "0123456789")
	symbol = strings.ContainsAny(p, `!@#$%^&*()_+-=[]{}|'`)
	return
}

// FuzzCheckPasswordPolicy checks the password policy checker against the
// rules restated independently: it accepts exactly the passwords that meet
// every rule, and gives one reason per rule broken.
func FuzzCheckPasswordPolicy(f *testing.F) {
	f.Add("Corr3ct-Horse", int32(8), true, true, true, true, false)
	f.Add("", int32(6), false, false, false, false, false)
	f.Add("aaaaaa", int32(6), false, false, false, false, true)
	f.Add("Ünïcödé-1", int32(9), true, true, true, true, false)
	f.Add("\t\n\r ÿ", int32(128), true, false, true, false, true)
	f.Add("root@gatehouse.local", int32(6), false, false, false, false, true)
	f.Fuzz(func(t *testing.T, password string, minLen int32, sym, num, up, low, useDefault bool) {
		if !utf8.ValidString(password) {
			return
		}
		var p *iam.PasswordPolicy
		if !useDefault {
			p = &iam.PasswordPolicy{MinimumPasswordLength: minLen, RequireSymbols: sym, RequireNumbers: num,
				RequireUppercaseCharacters: up, RequireLowercaseCharacters: low}
		}
		err := iam.CheckPasswordPolicy(p, password, "management", "root@gatehouse.local")
		upper, lower, digit, symbol := classes(password)
		length := utf8.RuneCountInString(password)
		want := 0
		if p == nil {
			if length < 8 {
				want++
			}
			n := 0
			for _, has := range []bool{upper, lower, digit, symbol} {
				if has {
					n++
				}
			}
			if n < 3 {
				want++
			}
			if strings.EqualFold(password, "management") || strings.EqualFold(password, "root@gatehouse.local") {
				want++
			}
		} else {
			for _, broken := range []bool{length < int(minLen), sym && !symbol, num && !digit, up && !upper, low && !lower} {
				if broken {
					want++
				}
			}
		}
		var pe *iam.PasswordPolicyError
		switch {
		case want == 0 && err != nil:
			t.Fatalf("%q refused under %+v: %v", password, p, err)
		case want > 0 && !errors.As(err, &pe):
			t.Fatalf("%q accepted under %+v, want %d reasons", password, p, want)
		case want > 0 && len(pe.Reasons) != want:
			t.Fatalf("%q under %+v: reasons %q, want %d", password, p, pe.Reasons, want)
		}
	})
}
