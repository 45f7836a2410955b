package kms

import (
	"context"
	"strings"
	"testing"
)

func TestGrantConstraints(t *testing.T) {
	subset := &Grant{Operations: []string{"Encrypt", "DescribeKey"}, EncryptionContextSubset: map[string]string{"Dept": "IT"}}
	equals := &Grant{Operations: []string{"Decrypt"}, EncryptionContextEquals: map[string]string{"dept": "IT"}}
	for _, tc := range []struct {
		g    *Grant
		op   string
		ec   map[string]string
		want bool
	}{
		{subset, "Encrypt", map[string]string{"Dept": "IT"}, true},
		{subset, "Encrypt", map[string]string{"dept": "IT", "x": "y"}, true}, // keys without regard to case
		{subset, "Encrypt", map[string]string{"dept": "it"}, false},          // values exactly
		{subset, "Encrypt", nil, false},
		{subset, "DescribeKey", nil, true}, // no encryption context: not constrained
		{equals, "Decrypt", map[string]string{"DEPT": "IT"}, true},
		{equals, "Decrypt", map[string]string{"dept": "IT", "x": "y"}, false},
		{equals, "Decrypt", map[string]string{}, false},
	} {
		if got := tc.g.ConstraintsAllow(tc.op, tc.ec); got != tc.want {
			t.Errorf("%+v %s %v: got %v, want %v", tc.g, tc.op, tc.ec, got, tc.want)
		}
	}
	if !subset.AtLeastAsStrict(nil, map[string]string{"dept": "IT", "b": "c"}) || subset.AtLeastAsStrict(nil, nil) ||
		!subset.AtLeastAsStrict(map[string]string{"Dept": "IT"}, nil) || equals.AtLeastAsStrict(nil, map[string]string{"dept": "IT"}) {
		t.Fatal("AtLeastAsStrict")
	}
}

func TestGrantNamesPrincipal(t *testing.T) {
	session := PrincipalRef{ARN: "arn:aws:sts::111122223333:assumed-role/App/s1", RoleARN: "arn:aws:iam::111122223333:role/team/App", Account: "111122223333"}
	for _, tc := range []struct {
		name           string
		p              PrincipalRef
		exact, account bool
	}{
		{"arn:aws:sts::111122223333:assumed-role/App/s1", session, true, false},
		{"arn:aws:iam::111122223333:role/team/App", session, true, false},
		{"arn:aws:iam::111122223333:role/App", session, true, false},
		{"arn:aws:iam::111122223333:role/Other", session, false, false},
		{"arn:aws:iam::111122223333:root", session, false, true},
		{"111122223333", session, false, true},
		{"arn:aws:iam::444455556666:root", session, false, false},
		{"arn:aws:iam::111122223333:root", PrincipalRef{ARN: "arn:aws:iam::111122223333:root", Account: "111122223333", Root: true}, true, false},
		{"", session, false, false},
	} {
		exact, account := NamesPrincipal(tc.name, tc.p)
		if exact != tc.exact || account != tc.account {
			t.Errorf("NamesPrincipal(%q) = %v, %v; want %v, %v", tc.name, exact, account, tc.exact, tc.account)
		}
	}
}

func TestGrantOperationsByKey(t *testing.T) {
	sym := &Key{KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT"}
	rsa := &Key{KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT"}
	sign := &Key{KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY"}
	hmac := &Key{KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC"}
	for _, tc := range []struct {
		k    *Key
		op   string
		want bool
	}{
		{sym, "GenerateDataKey", true}, {sym, "Sign", false}, {sym, "GetPublicKey", false},
		{rsa, "GenerateDataKey", false}, {rsa, "Decrypt", true}, {rsa, "GetPublicKey", true},
		{sign, "Sign", true}, {sign, "Encrypt", false}, {hmac, "GenerateMac", true}, {hmac, "RetireGrant", true},
	} {
		if got := GrantOperationSupported(tc.k, tc.op); got != tc.want {
			t.Errorf("%s %s: %v", tc.k.KeySpec, tc.op, got)
		}
	}
}

func TestGrantTokens(t *testing.T) {
	s := cryptoTestStore(t)
	ctx := context.Background()
	g := &Grant{ID: NewGrantID(), KeyID: "k1", AccountID: "111122223333", Region: "us-east-1", Operations: []string{"Encrypt"}}
	tok, err := s.NewGrantToken(g)
	if err != nil || len(g.TokenHash) != 32 {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx *Tx) error { return tx.PutGrant(g) }); err != nil {
		t.Fatal(err)
	}
	got, err := s.GrantByToken(ctx, tok)
	if err != nil || got.ID != g.ID {
		t.Fatalf("GrantByToken = %+v, %v", got, err)
	}
	// A second token for the same grant (a retried CreateGrant) works too.
	tok2, _ := s.NewGrantToken(g)
	if tok2 == tok {
		t.Fatal("tokens repeat")
	}
	if _, err := s.GrantByToken(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	// Any change to the token makes it invalid.
	bad := []byte(tok)
	bad[len(bad)/2] ^= 1
	if bad[len(bad)/2] == '_' || bad[len(bad)/2] == '-' {
		bad[len(bad)/2] = 'A'
	}
	if _, err := s.GrantByToken(ctx, string(bad)); err != ErrInvalidGrantToken {
		t.Fatalf("altered token: %v", err)
	}
	if err := s.Update(ctx, func(tx *Tx) error { return tx.DeleteGrant(g.AccountID, g.Region, g.KeyID, g.ID) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GrantByToken(ctx, tok); err != ErrNotFound {
		t.Fatalf("token of a retired grant: %v", err)
	}
}

func FuzzParseGrantToken(f *testing.F) {
	s := cryptoTestStore(f)
	tok, err := s.NewGrantToken(&Grant{ID: strings.Repeat("a", 64), KeyID: "k", AccountID: "111122223333", Region: "us-east-1"})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{tok, "", "AQ", "not a token", tok[:len(tok)-1], strings.Repeat("A", 200)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		account, region, keyID, grantID, err := s.ParseGrantToken(token)
		if err == nil && token != tok {
			// Only tokens sealed under the keyring parse.
			if _, _, _, _, err2 := s.ParseGrantToken(tok); err2 != nil {
				t.Fatal(err2)
			}
			if account == "" || region == "" || keyID == "" || grantID == "" {
				t.Fatalf("%q parsed to empty fields", token)
			}
		}
	})
}

func FuzzSplitKMSARN(f *testing.F) {
	for _, seed := range []string{"arn:aws:kms:us-east-1:111122223333:key/k", "arn:aws:kms:us-east-1:111122223333:alias/a",
		"arn:aws:kms::111122223333:key/k", "arn:aws:kms:r:1:key/k", "arn:aws:iam::111122223333:root", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		region, account, res, ok := splitKMSARN(arn)
		if !ok {
			return
		}
		if len(account) != 12 || region == "" || KeyARN(account, region, "") == "" {
			t.Fatalf("%q: region %q account %q", arn, region, account)
		}
		if "arn:aws:kms:"+region+":"+account+":"+res != arn {
			t.Fatalf("%q does not rebuild", arn)
		}
	})
}
