// Package authmsg encodes the details of an authorization decision as an
// opaque message, as AWS services return in some AccessDenied errors
// ("Encoded authorization failure message: ..."), and decodes it back for
// STS DecodeAuthorizationMessage.
//
// The details (which statements matched, the request context) can be
// sensitive, so the message is sealed under the keyring: only gatehouse can
// read it, and only through DecodeAuthorizationMessage, which IAM policies
// control (sts:DecodeAuthorizationMessage). The decoded form is the JSON
// document AWS returns: allowed, explicitDeny, matchedStatements, failures
// and context.
package authmsg

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
)

// ErrInvalid is returned by Decode for a message it cannot open: not made
// by Encode, altered, or sealed under another root key.
var ErrInvalid = errors.New("authmsg: invalid encoded authorization message")

// MaxEncodedLength is the longest encoded message STS accepts
// (DecodeAuthorizationMessage's EncodedMessage); Encode trims details so
// that its messages fit.
const MaxEncodedLength = 10240

// sealPurpose and sealAAD bind the keyring blob to its use.
const (
	sealPurpose = "authorization-message"
	sealAAD     = "gatehouse authorization message"
	// version is the first byte of an encoded message.
	version = 1
	// maxJSON bounds what Decode inflates.
	maxJSON = 1 << 20
)

// Sealer is what Encode and Decode need of a keyring (*keyring.Keyring).
type Sealer interface {
	Seal(purpose string, plaintext, aad []byte) ([]byte, error)
	Open(purpose string, blob, aad []byte) ([]byte, error)
}

// Message is a decoded authorization message.
type Message struct {
	// Allowed is whether the request was allowed.
	Allowed bool `json:"allowed"`
	// ExplicitDeny is whether a Deny statement decided.
	ExplicitDeny bool `json:"explicitDeny"`
	// MatchedStatements are the statements that decided.
	MatchedStatements List[Statement] `json:"matchedStatements"`
	// Failures are evaluation problems (AWS lists none in practice).
	Failures List[Value] `json:"failures"`
	// Context is the request that was decided.
	Context Context `json:"context"`
}

// List is AWS's {"items": [...]} wrapper; an empty list encodes as [].
type List[T any] struct {
	Items []T `json:"items"`
}

// MarshalJSON writes a nil list as {"items":[]}.
func (l List[T]) MarshalJSON() ([]byte, error) {
	items := l.Items
	if items == nil {
		items = []T{}
	}
	return json.Marshal(struct {
		Items []T `json:"items"`
	}{items})
}

// Values makes a list of values from strings.
func Values(vals ...string) List[Value] {
	out := make([]Value, len(vals))
	for i, v := range vals {
		out[i] = Value{Value: v}
	}
	return List[Value]{Items: out}
}

// Value is one value of a list.
type Value struct {
	Value string `json:"value"`
}

// Statement is a policy statement that took part in the decision.
type Statement struct {
	StatementID     string          `json:"statementId"`
	Effect          string          `json:"effect"` // "ALLOW" or "DENY"
	Principals      List[Value]     `json:"principals"`
	PrincipalGroups List[Value]     `json:"principalGroups"`
	Actions         List[Value]     `json:"actions"`
	Resources       List[Value]     `json:"resources"`
	Conditions      List[Condition] `json:"conditions"`
}

// Condition is one condition key with its values.
type Condition struct {
	Key    string      `json:"key"`
	Values List[Value] `json:"values"`
}

// Context is the request that was authorized.
type Context struct {
	Principal  Principal       `json:"principal"`
	Action     string          `json:"action"`
	Resource   string          `json:"resource"`
	Conditions List[Condition] `json:"conditions"`
}

// Principal is the caller: its unique id, name and ARN.
type Principal struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	ARN  string `json:"arn"`
}

// Encode seals msg into an encoded authorization message of at most
// MaxEncodedLength characters: when the full details do not fit, the
// request context's conditions and then the statements' conditions are
// left out. It panics only if kr cannot seal (an uninitialised keyring),
// which is a programming error.
func Encode(kr Sealer, msg *Message) string {
	m := *msg
	for attempt := 0; ; attempt++ {
		s, err := encode(kr, &m)
		if err != nil {
			panic("authmsg: " + err.Error())
		}
		if len(s) <= MaxEncodedLength || attempt == 3 {
			return s
		}
		switch attempt {
		case 0:
			m.Context.Conditions = List[Condition]{}
		case 1:
			stmts := make([]Statement, len(m.MatchedStatements.Items))
			for i, st := range m.MatchedStatements.Items {
				st.Conditions = List[Condition]{}
				stmts[i] = st
			}
			m.MatchedStatements.Items = stmts
		case 2:
			m.MatchedStatements.Items = nil
		}
	}
}

func encode(kr Sealer, msg *Message) (string, error) {
	doc, err := json.Marshal(msg)
	if err != nil {
		return "", err
	}
	var z bytes.Buffer
	w, err := flate.NewWriter(&z, flate.BestCompression)
	if err != nil {
		return "", err
	}
	_, _ = w.Write(doc)
	if err := w.Close(); err != nil {
		return "", err
	}
	blob, err := kr.Seal(sealPurpose, z.Bytes(), []byte(sealAAD))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(append([]byte{version}, blob...)), nil
}

// Decode opens an encoded authorization message and returns its JSON
// document, or ErrInvalid.
func Decode(kr Sealer, s string) (string, error) {
	doc, err := open(kr, s)
	if err != nil {
		return "", err
	}
	return string(doc), nil
}

// DecodeMessage opens an encoded authorization message into a Message.
func DecodeMessage(kr Sealer, s string) (*Message, error) {
	doc, err := open(kr, s)
	if err != nil {
		return nil, err
	}
	var m Message
	if err := json.Unmarshal(doc, &m); err != nil {
		return nil, ErrInvalid
	}
	return &m, nil
}

func open(kr Sealer, s string) ([]byte, error) {
	if len(s) == 0 || len(s) > MaxEncodedLength {
		return nil, ErrInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < 1 || raw[0] != version {
		return nil, ErrInvalid
	}
	z, err := kr.Open(sealPurpose, raw[1:], []byte(sealAAD))
	if err != nil {
		return nil, ErrInvalid
	}
	doc, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(z)), maxJSON+1))
	if err != nil || len(doc) > maxJSON || !json.Valid(doc) {
		return nil, ErrInvalid
	}
	return doc, nil
}
