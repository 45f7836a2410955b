package authmsg

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/keyring"
)

func testKeyring(t testing.TB, fill byte) *keyring.Keyring {
	t.Helper()
	kr, err := keyring.New(bytes.Repeat([]byte{fill}, keyring.RootKeySize))
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func sampleMessage() *Message {
	return &Message{
		Allowed:      false,
		ExplicitDeny: true,
		MatchedStatements: List[Statement]{Items: []Statement{{
			StatementID: "DenyAll",
			Effect:      "DENY",
			Principals:  Values("AIDAEXAMPLEEXAMPLE123"),
			Actions:     Values("ec2:RunInstances"),
			Resources:   Values("*"),
		}}},
		Context: Context{
			Principal: Principal{ID: "AIDAEXAMPLEEXAMPLE123", Name: "bob", ARN: "arn:aws:iam::123456789012:user/bob"},
			Action:    "ec2:RunInstances",
			Resource:  "arn:aws:ec2:us-east-1:123456789012:instance/*",
			Conditions: List[Condition]{Items: []Condition{
				{Key: "aws:SourceIp", Values: Values("192.0.2.1")},
			}},
		},
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	kr := testKeyring(t, 1)
	enc := Encode(kr, sampleMessage())
	doc, err := Decode(kr, enc)
	if err != nil {
		t.Fatal(err)
	}
	// The document has AWS's shape: empty lists are [], not null.
	var generic map[string]any
	if err := json.Unmarshal([]byte(doc), &generic); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"allowed", "explicitDeny", "matchedStatements", "failures", "context"} {
		if _, ok := generic[key]; !ok {
			t.Errorf("decoded message lacks %q: %s", key, doc)
		}
	}
	if !strings.Contains(doc, `"failures":{"items":[]}`) || !strings.Contains(doc, `"principalGroups":{"items":[]}`) {
		t.Errorf("empty lists are not encoded as AWS encodes them: %s", doc)
	}
	m, err := DecodeMessage(kr, enc)
	if err != nil {
		t.Fatal(err)
	}
	if !m.ExplicitDeny || m.Context.Principal.ARN != "arn:aws:iam::123456789012:user/bob" || m.MatchedStatements.Items[0].StatementID != "DenyAll" {
		t.Errorf("decoded message: %+v", m)
	}
}

func TestDecodeRefusesForeignAndAlteredMessages(t *testing.T) {
	kr := testKeyring(t, 1)
	enc := Encode(kr, sampleMessage())
	if _, err := Decode(testKeyring(t, 2), enc); !errors.Is(err, ErrInvalid) {
		t.Errorf("message of another root key: %v", err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(enc)
	raw[len(raw)/2] ^= 1
	if _, err := Decode(kr, base64.RawURLEncoding.EncodeToString(raw)); !errors.Is(err, ErrInvalid) {
		t.Errorf("altered message: %v", err)
	}
	for _, bad := range []string{"", "not base64!", "AQ", strings.Repeat("A", MaxEncodedLength+1)} {
		if _, err := Decode(kr, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Decode(%q): %v", bad, err)
		}
	}
}

func TestEncodeTrimsToTheMaximumLength(t *testing.T) {
	kr := testKeyring(t, 1)
	m := sampleMessage()
	// Incompressible condition values far past the limit.
	var b bytes.Buffer
	for i := range 4000 {
		b.WriteByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[(i*7919)%62])
	}
	for i := range 20 {
		m.Context.Conditions.Items = append(m.Context.Conditions.Items, Condition{Key: "k" + string(rune('a'+i)), Values: Values(b.String()[i*100:])})
	}
	enc := Encode(kr, m)
	if len(enc) > MaxEncodedLength {
		t.Fatalf("encoded message is %d characters, over %d", len(enc), MaxEncodedLength)
	}
	got, err := DecodeMessage(kr, enc)
	if err != nil {
		t.Fatal(err)
	}
	if got.Context.Action != "ec2:RunInstances" || !got.ExplicitDeny {
		t.Errorf("trimmed message lost its decision or action: %+v", got)
	}
}

func FuzzDecode(f *testing.F) {
	kr := testKeyring(f, 1)
	f.Add(Encode(kr, sampleMessage()))
	f.Add("")
	f.Add("AQ")
	f.Add("AQID")
	f.Add(strings.Repeat("_", 64))
	f.Fuzz(func(t *testing.T, s string) {
		doc, err := Decode(kr, s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || doc != "" {
				t.Fatalf("Decode(%q) = %q, %v", s, doc, err)
			}
			return
		}
		// Only messages sealed under the key open: all of them are the
		// sample message.
		m, err := DecodeMessage(kr, s)
		if err != nil || m.Context.Principal.Name != "bob" {
			t.Fatalf("Decode accepted a message nobody encoded: %q", s)
		}
	})
}
