package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// A model is one botocore service-2 model, as stored in specs/<id>.json.gz.
//
// Decoding is strict: every key the model uses must be declared here, so a
// model feature the generator has not been taught about (a new trait in a
// botocore update) stops generation instead of being silently dropped. Keys
// the generator accepts but does not use are declared as json.RawMessage.
type model struct {
	Version    string                `json:"version"`
	Metadata   metadata              `json:"metadata"`
	Operations map[string]*operation `json:"operations"`
	Shapes     map[string]*shape     `json:"shapes"`
}

// metadata is the model's service metadata.
type metadata struct {
	APIVersion          string          `json:"apiVersion"`
	EndpointPrefix      string          `json:"endpointPrefix"`
	JSONVersion         string          `json:"jsonVersion"`
	Protocol            string          `json:"protocol"`
	ServiceFullName     string          `json:"serviceFullName"`
	ServiceID           string          `json:"serviceId"`
	SigningName         string          `json:"signingName"`
	TargetPrefix        string          `json:"targetPrefix"`
	XMLNamespace        string          `json:"xmlNamespace"`
	GlobalEndpoint      json.RawMessage `json:"globalEndpoint"`
	Protocols           json.RawMessage `json:"protocols"`
	ServiceAbbreviation json.RawMessage `json:"serviceAbbreviation"`
	SignatureVersion    json.RawMessage `json:"signatureVersion"`
	Auth                json.RawMessage `json:"auth"`
	UID                 json.RawMessage `json:"uid"`
}

// operation is one entry of the model's operations.
type operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input    *ioRef   `json:"input"`
	Output   *ioRef   `json:"output"`
	Errors   []*ioRef `json:"errors"`
	AuthType string   `json:"authtype"`
	Auth     []string `json:"auth"`
	ReadOnly bool     `json:"readonly"`

	Idempotent        json.RawMessage `json:"idempotent"`
	Deprecated        json.RawMessage `json:"deprecated"`
	DeprecatedMessage json.RawMessage `json:"deprecatedMessage"`
}

// ioRef is an operation's reference to its input, output or error shape.
type ioRef struct {
	Shape         string `json:"shape"`
	ResultWrapper string `json:"resultWrapper"`
}

// shape is one entry of the model's shapes.
type shape struct {
	Type string `json:"type"`

	// structure
	Members   members    `json:"members"`
	Required  []string   `json:"required"`
	Payload   string     `json:"payload"`
	Exception bool       `json:"exception"`
	Fault     bool       `json:"fault"`
	Error     *errorInfo `json:"error"`
	Union     bool       `json:"union"`
	Document  bool       `json:"document"`

	// list and map
	Member    *memberRef `json:"member"`
	Key       *memberRef `json:"key"`
	Value     *memberRef `json:"value"`
	Flattened bool       `json:"flattened"`

	// scalars
	Enum            []string     `json:"enum"`
	Min             *json.Number `json:"min"`
	Max             *json.Number `json:"max"`
	Pattern         string       `json:"pattern"`
	TimestampFormat string       `json:"timestampFormat"`

	Sensitive bool `json:"sensitive"`

	LocationName      json.RawMessage `json:"locationName"`
	Box               json.RawMessage `json:"box"`
	Retryable         json.RawMessage `json:"retryable"`
	Deprecated        json.RawMessage `json:"deprecated"`
	DeprecatedMessage json.RawMessage `json:"deprecatedMessage"`
}

// errorInfo is an error shape's "error" trait.
type errorInfo struct {
	Code           string `json:"code"`
	HTTPStatusCode int    `json:"httpStatusCode"`
	SenderFault    *bool  `json:"senderFault"`
}

// memberRef is a reference to a shape from a structure member, a list
// member or a map key or value.
type memberRef struct {
	Shape            string `json:"shape"`
	Location         string `json:"location"`
	LocationName     string `json:"locationName"`
	IdempotencyToken bool   `json:"idempotencyToken"`
	Flattened        bool   `json:"flattened"`
	TimestampFormat  string `json:"timestampFormat"`
	Sensitive        bool   `json:"sensitive"`

	Deprecated        json.RawMessage `json:"deprecated"`
	DeprecatedMessage json.RawMessage `json:"deprecatedMessage"`
}

// member is one named member of a structure.
type member struct {
	Name string
	*memberRef
}

// members are a structure's members in model order, which is the order of
// the generated fields (and so of the XML elements the codecs write).
type members []member

// UnmarshalJSON decodes a JSON object keeping the order of its keys.
func (ms *members) UnmarshalJSON(data []byte) error {
	dec := strictDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("members: want an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		m := member{Name: t.(string), memberRef: new(memberRef)}
		if err := dec.Decode(m.memberRef); err != nil {
			return fmt.Errorf("member %s: %w", m.Name, err)
		}
		*ms = append(*ms, m)
	}
	_, err := dec.Token()
	return err
}

// strictDecoder returns a JSON decoder that rejects undeclared keys.
func strictDecoder(r io.Reader) *json.Decoder {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	dec.UseNumber()
	return dec
}

// loadModel reads and checks a gzipped model.
func loadModel(path string) (*model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m := new(model)
	if err := strictDecoder(zr).Decode(m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// check verifies that every shape reference resolves and that the model
// only uses features the generator supports.
func (m *model) check() error {
	ref := func(where, name string) error {
		if _, ok := m.Shapes[name]; !ok {
			return fmt.Errorf("%s: unknown shape %q", where, name)
		}
		return nil
	}
	switch m.Metadata.Protocol {
	case "query", "json", "rest-json":
	default:
		return fmt.Errorf("unsupported protocol %q", m.Metadata.Protocol)
	}
	for name, op := range m.Operations {
		for _, r := range append([]*ioRef{op.Input, op.Output}, op.Errors...) {
			if r != nil {
				if err := ref("operation "+name, r.Shape); err != nil {
					return err
				}
			}
		}
	}
	for name, s := range m.Shapes {
		var refs []*memberRef
		switch s.Type {
		case "structure":
			for _, mb := range s.Members {
				refs = append(refs, mb.memberRef)
			}
			if s.Payload != "" && s.member(s.Payload) == nil {
				return fmt.Errorf("shape %s: unknown payload member %q", name, s.Payload)
			}
		case "list":
			refs = append(refs, s.Member)
		case "map":
			refs = append(refs, s.Key, s.Value)
		case "string", "boolean", "integer", "long", "float", "double", "timestamp", "blob":
		default:
			return fmt.Errorf("shape %s: unsupported type %q", name, s.Type)
		}
		for _, r := range refs {
			if r == nil {
				return fmt.Errorf("shape %s: missing member reference", name)
			}
			if err := ref("shape "+name, r.Shape); err != nil {
				return err
			}
		}
	}
	return nil
}

// member returns the structure member called name, or nil.
func (s *shape) member(name string) *member {
	for i := range s.Members {
		if s.Members[i].Name == name {
			return &s.Members[i]
		}
	}
	return nil
}

// required reports whether the structure requires the member name.
func (s *shape) required(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}
