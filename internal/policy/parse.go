package policy

import "bytes"

// Kind says how a policy document is used. It decides which elements the
// document must or must not have and which size quota applies.
type Kind uint8

const (
	// KindManaged is a managed identity-based policy (customer or AWS managed).
	// Permissions boundaries are managed policies too.
	KindManaged Kind = iota + 1
	// KindUserInline is an inline policy embedded in an IAM user.
	KindUserInline
	// KindRoleInline is an inline policy embedded in an IAM role.
	KindRoleInline
	// KindGroupInline is an inline policy embedded in an IAM group.
	KindGroupInline
	// KindSession is an inline session policy passed to AssumeRole* or
	// GetFederationToken.
	KindSession
	// KindResource is a resource-based policy: a bucket, queue or secret
	// policy, or a KMS key policy. It must name a Principal.
	KindResource
	// KindTrust is a role trust policy (the role's resource-based policy for
	// sts:AssumeRole*). It must name a Principal and has no Resource.
	KindTrust
	// KindSCP is an AWS Organizations service control policy.
	KindSCP
	// KindRCP is an AWS Organizations resource control policy.
	KindRCP
)

var kindNames = [...]string{"", "managed", "user-inline", "role-inline", "group-inline", "session", "resource", "trust", "scp", "rcp"}

// String names the kind as the conformance files spell it.
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "unknown"
}

// ParseKind returns the Kind that String names.
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if i > 0 && n == s {
			return Kind(i), true
		}
	}
	return 0, false
}

// identity reports whether documents of this kind attach to an identity and
// so must not name a principal.
func (k Kind) identity() bool {
	switch k {
	case KindManaged, KindUserInline, KindRoleInline, KindGroupInline, KindSession:
		return true
	}
	return false
}

// needsPrincipal reports whether documents of this kind must name a principal.
func (k Kind) needsPrincipal() bool {
	return k == KindResource || k == KindTrust || k == KindRCP
}

// Versions of the policy language.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Policy is a parsed, validated and compiled policy document. It is
// immutable and safe for concurrent use; cache it with the entity it belongs
// to.
type Policy struct {
	// Version is the document's Version element, "" when absent (which AWS
	// treats as 2008-10-17: no policy variables).
	Version string
	// ID is the document's Id element.
	ID string
	// Statements holds the statements in document order.
	Statements []Statement
	// Kind is the kind the document was parsed as.
	Kind Kind

	// singleStatement records that Statement was an object, not an array.
	singleStatement bool
	compiled
}

// Statement is one statement of a policy, with every list element
// normalised to a slice (AWS accepts a single string or an array).
type Statement struct {
	Sid          string
	Effect       string // "Allow" or "Deny"
	Principal    *Principals
	NotPrincipal *Principals
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	// Condition lists (operator, key, values) triples in document order.
	Condition []Condition

	hasAction, hasNotAction, hasResource, hasNotResource bool
}

// Principals is the value of a Principal or NotPrincipal element.
type Principals struct {
	// All is true for "Principal": "*".
	All           bool
	AWS           []string
	Service       []string
	Federated     []string
	CanonicalUser []string
}

// Condition is one key of one condition operator block.
type Condition struct {
	Operator string // as written, e.g. "ForAnyValue:StringLikeIfExists"
	Key      string // as written, e.g. "aws:PrincipalTag/team"
	Values   []string
}

// Parse validates doc as a policy of the given kind and compiles it. Errors
// are *MalformedError carrying AWS's reason text.
func Parse(doc []byte, kind Kind) (*Policy, error) {
	if kind == 0 || int(kind) >= len(kindNames) {
		return nil, malformed("Unknown policy kind.")
	}
	if err := checkSize(doc, kind); err != nil {
		return nil, err
	}
	if err := checkCharset(doc, kind); err != nil {
		return nil, err
	}
	root, r, ok := readJSON(doc)
	defer r.release()
	if !ok || root.kind != jObject {
		return nil, errSyntax
	}
	p := &Policy{Kind: kind}
	for i, k := range root.keys {
		v := root.vals[i]
		switch k {
		case "Version":
			if v.kind != jString {
				return nil, errLegacyParsing
			}
			p.Version = v.str
		case "Id":
			if v.kind != jString {
				return nil, errSyntax
			}
			p.ID = v.str
		case "Statement":
		default:
			return nil, errSyntax
		}
	}
	if p.Version != "" && p.Version != Version2012 && p.Version != Version2008 {
		return nil, errLegacyParsing
	}
	st := root.get("Statement")
	if st == nil {
		return nil, malformed("Missing required field Statement")
	}
	var list []*jnode
	switch st.kind {
	case jObject:
		p.singleStatement = true
		list = []*jnode{st}
	case jArray:
		list = st.vals
	default:
		return nil, errSyntax
	}
	if len(list) == 0 {
		return nil, malformed("Missing required field Statement")
	}
	p.Statements = make([]Statement, len(list))
	for i, n := range list {
		if n.kind != jObject {
			return nil, errSyntax
		}
		if err := parseStatement(n, &p.Statements[i]); err != nil {
			return nil, err
		}
	}
	if err := validate(p); err != nil {
		return nil, err
	}
	if err := compile(p); err != nil {
		return nil, err
	}
	return p, nil
}

// MustParse is Parse for documents known to be valid (tests, built-in
// policies); it panics on error.
func MustParse(doc string, kind Kind) *Policy {
	p, err := Parse([]byte(doc), kind)
	if err != nil {
		panic("policy.MustParse: " + err.Error())
	}
	return p
}

func parseStatement(n *jnode, s *Statement) error {
	for i, k := range n.keys {
		v := n.vals[i]
		var err error
		switch k {
		case "Sid":
			if v.kind != jString {
				return errSyntax
			}
			s.Sid = v.str
		case "Effect":
			if v.kind != jString {
				return errSyntax
			}
			s.Effect = v.str
		case "Principal":
			s.Principal, err = parsePrincipals(v)
		case "NotPrincipal":
			s.NotPrincipal, err = parsePrincipals(v)
		case "Action":
			s.Action, err = stringList(v)
			s.hasAction = true
		case "NotAction":
			s.NotAction, err = stringList(v)
			s.hasNotAction = true
		case "Resource":
			s.Resource, err = stringList(v)
			s.hasResource = true
		case "NotResource":
			s.NotResource, err = stringList(v)
			s.hasNotResource = true
		case "Condition":
			s.Condition, err = parseConditionBlock(v)
		default:
			return errSyntax
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// stringList reads a string or an array of strings.
func stringList(n *jnode) ([]string, error) {
	switch n.kind {
	case jString:
		return []string{n.str}, nil
	case jArray:
		out := make([]string, len(n.vals))
		for i, v := range n.vals {
			if v.kind != jString {
				return nil, errSyntax
			}
			out[i] = v.str
		}
		return out, nil
	}
	return nil, errSyntax
}

func parsePrincipals(n *jnode) (*Principals, error) {
	if n.kind == jString {
		if n.str != "*" {
			return nil, invalidPrincipal(`"` + n.str + `"`)
		}
		return &Principals{All: true}, nil
	}
	if n.kind != jObject {
		return nil, errSyntax
	}
	p := &Principals{}
	for i, k := range n.keys {
		vals, err := stringList(n.vals[i])
		if err != nil {
			return nil, err
		}
		switch k {
		case "AWS":
			p.AWS = vals
		case "Service":
			p.Service = vals
		case "Federated":
			p.Federated = vals
		case "CanonicalUser":
			p.CanonicalUser = vals
		default:
			return nil, invalidPrincipal(`"` + k + `"`)
		}
	}
	return p, nil
}

// parseConditionBlock reads {"Operator": {"key": value-or-values}}.
func parseConditionBlock(n *jnode) ([]Condition, error) {
	if n.kind != jObject {
		return nil, errSyntax
	}
	total := 0
	for _, block := range n.vals {
		total += len(block.keys)
	}
	out := make([]Condition, 0, total)
	for i, op := range n.keys {
		block := n.vals[i]
		if block.kind != jObject {
			return nil, errSyntax
		}
		for j, key := range block.keys {
			vals, err := conditionValues(block.vals[j])
			if err != nil {
				return nil, err
			}
			out = append(out, Condition{Operator: op, Key: key, Values: vals})
		}
	}
	return out, nil
}

// conditionValues reads a condition value: a string, number or boolean, or
// an array of them. Numbers and booleans keep their JSON text.
func conditionValues(n *jnode) ([]string, error) {
	switch n.kind {
	case jString, jNumber, jBool:
		return []string{n.str}, nil
	case jArray:
		out := make([]string, len(n.vals))
		for i, v := range n.vals {
			switch v.kind {
			case jString, jNumber, jBool:
				out[i] = v.str
			default:
				return nil, errSyntax
			}
		}
		return out, nil
	}
	return nil, errSyntax
}

// MarshalJSON renders the policy as canonical JSON: elements in AWS's usual
// order, single values as strings and several as arrays. Parsing the result
// gives an equivalent policy.
func (p *Policy) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	field := func(name string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeJSONString(&b, name)
		b.WriteByte(':')
	}
	if p.Version != "" {
		field("Version")
		writeJSONString(&b, p.Version)
	}
	if p.ID != "" {
		field("Id")
		writeJSONString(&b, p.ID)
	}
	field("Statement")
	if p.singleStatement && len(p.Statements) == 1 {
		writeStatement(&b, &p.Statements[0])
	} else {
		b.WriteByte('[')
		for i := range p.Statements {
			if i > 0 {
				b.WriteByte(',')
			}
			writeStatement(&b, &p.Statements[i])
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeStatement(b *bytes.Buffer, s *Statement) {
	b.WriteByte('{')
	first := true
	field := func(name string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeJSONString(b, name)
		b.WriteByte(':')
	}
	if s.Sid != "" {
		field("Sid")
		writeJSONString(b, s.Sid)
	}
	field("Effect")
	writeJSONString(b, s.Effect)
	if s.Principal != nil {
		field("Principal")
		writePrincipals(b, s.Principal)
	}
	if s.NotPrincipal != nil {
		field("NotPrincipal")
		writePrincipals(b, s.NotPrincipal)
	}
	lists := []struct {
		name    string
		present bool
		vals    []string
	}{
		{"Action", s.hasAction, s.Action},
		{"NotAction", s.hasNotAction, s.NotAction},
		{"Resource", s.hasResource, s.Resource},
		{"NotResource", s.hasNotResource, s.NotResource},
	}
	for _, l := range lists {
		if l.present {
			field(l.name)
			writeList(b, l.vals)
		}
	}
	if len(s.Condition) > 0 {
		field("Condition")
		b.WriteByte('{')
		// Group keys under their operator, operators in first-seen order.
		done := make([]bool, len(s.Condition))
		for i, c := range s.Condition {
			if done[i] {
				continue
			}
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, c.Operator)
			b.WriteString(":{")
			n := 0
			for j := i; j < len(s.Condition); j++ {
				if done[j] || s.Condition[j].Operator != c.Operator {
					continue
				}
				done[j] = true
				if n > 0 {
					b.WriteByte(',')
				}
				n++
				writeJSONString(b, s.Condition[j].Key)
				b.WriteByte(':')
				writeList(b, s.Condition[j].Values)
			}
			b.WriteByte('}')
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
}

func writePrincipals(b *bytes.Buffer, p *Principals) {
	if p.All {
		b.WriteString(`"*"`)
		return
	}
	b.WriteByte('{')
	n := 0
	for _, e := range []struct {
		name string
		vals []string
	}{{"AWS", p.AWS}, {"CanonicalUser", p.CanonicalUser}, {"Federated", p.Federated}, {"Service", p.Service}} {
		if e.vals == nil {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		writeJSONString(b, e.name)
		b.WriteByte(':')
		writeList(b, e.vals)
	}
	b.WriteByte('}')
}

func writeList(b *bytes.Buffer, vals []string) {
	if len(vals) == 1 {
		writeJSONString(b, vals[0])
		return
	}
	b.WriteByte('[')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(b, v)
	}
	b.WriteByte(']')
}

const hexDigits = "0123456789abcdef"

// writeJSONString writes s as a JSON string. Characters above U+00FF are
// escaped, so the output keeps to the character set IAM accepts.
func writeJSONString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			writeUnicodeEscape(b, r)
		case r > 0xFF:
			if r > 0xFFFF {
				r -= 0x10000
				writeUnicodeEscape(b, 0xD800+(r>>10))
				writeUnicodeEscape(b, 0xDC00+(r&0x3FF))
			} else {
				writeUnicodeEscape(b, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

func writeUnicodeEscape(b *bytes.Buffer, r rune) {
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>shift)&0xF])
	}
}

// Equal reports whether two statements say the same thing (used by the
// round-trip fuzz test and by callers that diff policy versions).
func (s *Statement) Equal(o *Statement) bool {
	if s.Sid != o.Sid || s.Effect != o.Effect ||
		s.hasAction != o.hasAction || s.hasNotAction != o.hasNotAction ||
		s.hasResource != o.hasResource || s.hasNotResource != o.hasNotResource ||
		!equalStrings(s.Action, o.Action) || !equalStrings(s.NotAction, o.NotAction) ||
		!equalStrings(s.Resource, o.Resource) || !equalStrings(s.NotResource, o.NotResource) ||
		!s.Principal.equal(o.Principal) || !s.NotPrincipal.equal(o.NotPrincipal) ||
		len(s.Condition) != len(o.Condition) {
		return false
	}
	for i := range s.Condition {
		a, c := s.Condition[i], o.Condition[i]
		if a.Operator != c.Operator || a.Key != c.Key || !equalStrings(a.Values, c.Values) {
			return false
		}
	}
	return true
}

func (p *Principals) equal(o *Principals) bool {
	if p == nil || o == nil {
		return p == o
	}
	return p.All == o.All && equalStrings(p.AWS, o.AWS) && equalStrings(p.Service, o.Service) &&
		equalStrings(p.Federated, o.Federated) && equalStrings(p.CanonicalUser, o.CanonicalUser)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
