package kms

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/kms"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

func TestStateTable(t *testing.T) {
	key := func(state string) *kms.Key {
		return &kms.Key{ID: "k", AccountID: "111122223333", Region: "us-east-1", State: state}
	}
	arn := "arn:aws:kms:us-east-1:111122223333:key/k"
	cases := []struct {
		op, state string
		code      string // "" for allowed
		message   string
	}{
		{"Encrypt", kms.StateEnabled, "", ""},
		{"Encrypt", kms.StateDisabled, "DisabledException", arn + " is disabled."},
		{"Encrypt", kms.StatePendingDeletion, "KMSInvalidStateException", arn + " is pending deletion."},
		{"Sign", kms.StatePendingImport, "KMSInvalidStateException", arn + " is pending import."},
		{"Decrypt", kms.StateUnavailable, "KMSInvalidStateException", arn + " is unavailable."},
		{"GenerateMac", kms.StatePendingReplicaDeletion, "KMSInvalidStateException", arn + " is pending replica deletion."},
		{"DescribeKey", kms.StatePendingDeletion, "", ""},
		{"CancelKeyDeletion", kms.StatePendingDeletion, "", ""},
		{"CancelKeyDeletion", kms.StateEnabled, "KMSInvalidStateException", arn + " is not pending deletion."},
		{"EnableKey", kms.StatePendingDeletion, "KMSInvalidStateException", arn + " is pending deletion."},
		{"EnableKey", kms.StatePendingImport, "KMSInvalidStateException", arn + " is pending import."},
		{"EnableKey", kms.StateDisabled, "", ""},
		{"TagResource", kms.StateDisabled, "", ""},
		{"TagResource", kms.StatePendingDeletion, "KMSInvalidStateException", ""},
		{"EnableKeyRotation", kms.StateDisabled, "DisabledException", ""},
		{"ScheduleKeyDeletion", kms.StatePendingImport, "", ""},
		{"ScheduleKeyDeletion", kms.StatePendingDeletion, "KMSInvalidStateException", ""},
		{"ListResourceTags", kms.StatePendingDeletion, "", ""},
		{"CreateGrant", kms.StatePendingDeletion, "KMSInvalidStateException", ""},
		{"RevokeGrant", kms.StatePendingDeletion, "", ""},
		{"SomeFutureOperation", kms.StateDisabled, "DisabledException", ""},
		{"DescribeKey", "Bogus", "KMSInvalidStateException", "unknown key state"},
	}
	for _, c := range cases {
		err := keyStateError(key(c.state), c.op)
		if c.code == "" {
			if err != nil {
				t.Errorf("%s on %s: %v, want allowed", c.op, c.state, err)
			}
			continue
		}
		pe, ok := protocol.AsError(err)
		if !ok || pe.Code != c.code || !strings.Contains(pe.Message, c.message) {
			t.Errorf("%s on %s: %v, want %s %q", c.op, c.state, err, c.code, c.message)
		}
	}
	// Every state has a row entry and a phrase.
	for state := range keyStateIndex {
		if keyStatePhrase[state] == "" {
			t.Errorf("state %s has no phrase", state)
		}
	}
}

func FuzzAliasName(f *testing.F) {
	for _, s := range []string{"alias/ok", "alias/", "alias/aws/x", "alias/a:b", "nope", "alias/ü", "alias/a/b_c-d", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := kmValidateAliasName(name)
		if err == nil {
			if !strings.HasPrefix(name, "alias/") || len(name) == len("alias/") || strings.HasPrefix(name, "alias/aws/") {
				t.Fatalf("accepted %q", name)
			}
			for _, c := range name[len("alias/"):] {
				if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-", c) {
					t.Fatalf("accepted %q with %q", name, c)
				}
			}
			return
		}
		if _, ok := protocol.AsError(err); !ok {
			t.Fatalf("%q: %T is not an AWS error", name, err)
		}
	})
}

func FuzzKeyPolicyCheck(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:PutKeyPolicy","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","NotAction":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333"}}}]}`,
		`{`, `[]`, `null`, ``,
	} {
		f.Add(s, false)
	}
	caller := &identity.Principal{Type: identity.IAMUser, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/alice"}
	f.Fuzz(func(t *testing.T, doc string, bypass bool) {
		err := kmCheckKeyPolicy(doc, caller, "arn:aws:kms:us-east-1:111122223333:key/k", bypass)
		if err == nil {
			return
		}
		pe, ok := protocol.AsError(err)
		if !ok {
			t.Fatalf("%T is not an AWS error", err)
		}
		if pe.Code != "MalformedPolicyDocumentException" && pe.Code != "LimitExceededException" {
			t.Fatalf("unexpected code %s", pe.Code)
		}
		if bypass && strings.Contains(pe.Message, "will not allow you") {
			t.Fatal("lockout check ran despite the bypass")
		}
	})
}

func TestKeyPolicyLockoutCheck(t *testing.T) {
	user := &identity.Principal{Type: identity.IAMUser, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/alice"}
	arn := "arn:aws:kms:us-east-1:111122223333:key/k"
	for doc, allowed := range map[string]bool{
		kms.DefaultKeyPolicy("111122223333"): true,
		kms.DefaultKeyPolicy("444455556666"): false,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:PutKeyPolicy","Resource":"*"}]}`: true,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"kms:PutKeyPolicy","Resource":"*"}]}`:   false,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:Encrypt","Resource":"*"}]}`:                              false,
	} {
		err := kmCheckKeyPolicy(doc, user, arn, false)
		if (err == nil) != allowed {
			t.Errorf("policy %s: err %v, want allowed=%v", doc, err, allowed)
		}
	}
}
