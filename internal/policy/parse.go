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
	// KindAWSManaged is an AWS managed policy: a managed identity-based
	// policy that AWS publishes, exempt from the size quota of customer
	// managed policies (ReadOnlyAccess runs to tens of thousands of
	// characters).
	KindAWSManaged
)

var kindNames = [...]string{"", "managed", "user-inline", "role-inline", "group-inline", "session", "resource", "trust", "scp", "rcp", "aws-managed"}

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
	case KindManaged, KindUserInline, KindRoleInline, KindGroupInline, KindSession, KindAWSManaged:
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
	r, ok := newReader(doc, checksCharset(kind))
	defer r.release()
	if !ok {
		return nil, errSyntax
	}
	p := &Policy{Kind: kind}
	if !r.decodePolicy(p) {
		// Not the usual shape, or not valid: read it the general way,
		// which finds the error if there is one.
		*p = Policy{Kind: kind}
		if err := r.parseTree(p); err != nil {
			return nil, err
		}
	}
	if err := validate(p, &r.ops); err != nil {
		return nil, err
	}
	if err := compile(p, r); err != nil {
		return nil, err
	}
	return p, nil
}

// parseTree reads the document into a syntax tree, then the tree into p,
// checking everything in the order that decides which error is reported.
func (r *jreader) parseTree(p *Policy) error {
	root, ok := r.readTree()
	if !ok || r.node(root).kind != jObject {
		return errSyntax
	}
	for v := r.node(root).first; v != 0; v = r.node(v).next {
		switch r.key(v) {
		case "Version":
			if r.node(v).kind != jString {
				return errLegacyParsing
			}
			p.Version = r.str(v)
		case "Id":
			if r.node(v).kind != jString {
				return errSyntax
			}
			p.ID = r.str(v)
		case "Statement":
		default:
			return errSyntax
		}
	}
	if p.Version != "" && p.Version != Version2012 && p.Version != Version2008 {
		return errLegacyParsing
	}
	st := r.get(root, "Statement")
	if st == 0 {
		return malformed("Missing required field Statement")
	}
	// The statements: st itself, or the elements of the array st.
	var first int32
	var count int
	switch r.node(st).kind {
	case jObject:
		p.singleStatement = true
		first, count = st, 1
	case jArray:
		first, count = r.node(st).first, int(r.node(st).n)
	default:
		return errSyntax
	}
	if count == 0 {
		return malformed("Missing required field Statement")
	}
	p.Statements = make([]Statement, count)
	sb := slabs{r: r}
	sb.init(first, count)
	n := first
	for i := range p.Statements {
		if r.node(n).kind != jObject {
			return errSyntax
		}
		if err := sb.parseStatement(n, &p.Statements[i]); err != nil {
			return err
		}
		n = r.node(n).next
	}
	return nil
}

// decodePolicy reads the document straight into p, without a syntax tree,
// when it has the usual shape of a policy: an object of Version, Id and
// Statement; one statement or an array of them; in each, known elements
// with values of the usual types. It reports false at the first thing it
// does not expect (a syntax error, an unknown or repeated key, a value of
// another type, anything AWS rejects before validation), and Parse then
// reads the document with parseTree, which finds the error if there is
// one. A document it accepts, parseTree reads to the same Policy.
//
// Lists and conditions collect in the reader's scratch space, and
// finishDecode moves them to blocks of the policy's own.
func (r *jreader) decodePolicy(p *Policy) bool {
	r.i, r.esc = 0, r.esc[:0]
	r.dstmts, r.dstrs, r.dconds, r.dops = r.dstmts[:0], r.dstrs[:0], r.dconds[:0], r.dops[:0]
	if r.dstrs == nil || r.dconds == nil {
		// Empty lists must come out empty, not nil, as parseTree makes them.
		r.dstrs, r.dconds = make([]string, 0, 64), make([]Condition, 0, 16)
	}
	var seen uint8
	ok := r.decodeObject(func(key string) bool {
		var bit uint8
		switch key {
		case "Version":
			bit = 1
		case "Id":
			bit = 2
		case "Statement":
			bit = 4
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		var ok bool
		switch key {
		case "Version":
			p.Version, ok = r.decodeString()
		case "Id":
			p.ID, ok = r.decodeString()
		default:
			ok = r.decodeStatements(p)
		}
		return ok
	})
	if !ok {
		return false
	}
	r.space()
	if r.i != len(r.b) || len(r.dstmts) == 0 ||
		p.Version != "" && p.Version != Version2012 && p.Version != Version2008 {
		return false
	}
	r.finishDecode(p)
	return true
}

// decodeStatements reads the value of Statement: one statement or an array
// of them.
func (r *jreader) decodeStatements(p *Policy) bool {
	r.space()
	if r.i >= len(r.b) {
		return false
	}
	switch r.b[r.i] {
	case '{':
		p.singleStatement = true
		return r.decodeStatement()
	case '[':
		return r.decodeArray(r.decodeStatement)
	}
	return false
}

// Bits of the elements of a statement, to catch repeated keys.
const (
	elemSid = 1 << iota
	elemEffect
	elemPrincipal
	elemNotPrincipal
	elemAction
	elemNotAction
	elemResource
	elemNotResource
	elemCondition
)

// decodeStatement reads one statement into the scratch space.
func (r *jreader) decodeStatement() bool {
	r.dstmts = append(r.dstmts, Statement{})
	s := &r.dstmts[len(r.dstmts)-1]
	var seen uint16
	return r.decodeObject(func(key string) bool {
		var bit uint16
		switch key {
		case "Sid":
			bit = elemSid
		case "Effect":
			bit = elemEffect
		case "Principal":
			bit = elemPrincipal
		case "NotPrincipal":
			bit = elemNotPrincipal
		case "Action":
			bit = elemAction
		case "NotAction":
			bit = elemNotAction
		case "Resource":
			bit = elemResource
		case "NotResource":
			bit = elemNotResource
		case "Condition":
			bit = elemCondition
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		var ok bool
		switch bit {
		case elemSid:
			s.Sid, ok = r.decodeString()
		case elemEffect:
			s.Effect, ok = r.decodeString()
		case elemPrincipal:
			s.Principal, ok = r.decodePrincipals()
		case elemNotPrincipal:
			s.NotPrincipal, ok = r.decodePrincipals()
		case elemAction:
			s.hasAction, ok = true, r.decodeList(&s.Action, false)
		case elemNotAction:
			s.hasNotAction, ok = true, r.decodeList(&s.NotAction, false)
		case elemResource:
			s.hasResource, ok = true, r.decodeList(&s.Resource, false)
		case elemNotResource:
			s.hasNotResource, ok = true, r.decodeList(&s.NotResource, false)
		default:
			ok = r.decodeConditions(&s.Condition)
		}
		return ok
	})
}

// decodePrincipals reads a Principal or NotPrincipal element: "*" or an
// object of lists.
func (r *jreader) decodePrincipals() (*Principals, bool) {
	r.space()
	if r.i < len(r.b) && r.b[r.i] == '"' {
		if v, ok := r.decodeString(); !ok || v != "*" {
			return nil, false
		}
		return &Principals{All: true}, true
	}
	p := &Principals{}
	var seen uint8
	ok := r.decodeObject(func(key string) bool {
		var dst *[]string
		var bit uint8
		switch key {
		case "AWS":
			dst, bit = &p.AWS, 1
		case "Service":
			dst, bit = &p.Service, 2
		case "Federated":
			dst, bit = &p.Federated, 4
		case "CanonicalUser":
			dst, bit = &p.CanonicalUser, 8
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return r.decodeList(dst, false)
	})
	return p, ok
}

// decodeConditions reads a Condition element into the scratch space.
func (r *jreader) decodeConditions(dst *[]Condition) bool {
	start, opStart := len(r.dconds), len(r.dops)
	ok := r.decodeObject(func(op string) bool {
		for _, o := range r.dops[opStart:] {
			if o == op {
				return false
			}
		}
		r.dops = append(r.dops, op)
		block := len(r.dconds)
		return r.decodeObject(func(key string) bool {
			for k := block; k < len(r.dconds); k++ {
				if r.dconds[k].Key == key {
					return false
				}
			}
			r.dconds = append(r.dconds, Condition{Operator: op, Key: key})
			return r.decodeList(&r.dconds[len(r.dconds)-1].Values, true)
		})
	})
	r.dops = r.dops[:opStart]
	*dst = r.dconds[start:len(r.dconds):len(r.dconds)]
	return ok
}

// decodeList reads a string or an array of strings into the scratch space;
// with scalars also numbers and booleans, which keep their JSON text.
func (r *jreader) decodeList(dst *[]string, scalars bool) bool {
	start := len(r.dstrs)
	item := func() bool {
		v, ok := r.decodeScalar(scalars)
		r.dstrs = append(r.dstrs, v)
		return ok
	}
	r.space()
	var ok bool
	if r.i < len(r.b) && r.b[r.i] == '[' {
		ok = r.decodeArray(item)
	} else {
		ok = item()
	}
	*dst = r.dstrs[start:len(r.dstrs):len(r.dstrs)]
	return ok
}

// decodeString reads a string.
func (r *jreader) decodeString() (string, bool) {
	return r.decodeScalar(false)
}

// decodeScalar reads a string, or with numbers a number, true or false as
// its JSON text.
func (r *jreader) decodeScalar(numbers bool) (string, bool) {
	r.space()
	if r.i >= len(r.b) {
		return "", false
	}
	var sp span
	ok := false
	switch c := r.b[r.i]; {
	case c == '"':
		sp, ok = r.string()
	case !numbers:
	case c == 't':
		sp, ok = r.literalSpan("true")
	case c == 'f':
		sp, ok = r.literalSpan("false")
	case c == '-' || c >= '0' && c <= '9':
		sp, ok = r.numberSpan()
	}
	if !ok {
		return "", false
	}
	return r.text(sp), true
}

// decodeObject reads an object, calling member with each key and the
// reader at the member's value, which member must read.
func (r *jreader) decodeObject(member func(key string) bool) bool {
	r.space()
	if r.i >= len(r.b) || r.b[r.i] != '{' {
		return false
	}
	r.i++
	r.space()
	if r.i < len(r.b) && r.b[r.i] == '}' {
		r.i++
		return true
	}
	for {
		r.space()
		if r.i >= len(r.b) || r.b[r.i] != '"' {
			return false
		}
		sp, ok := r.string()
		if !ok {
			return false
		}
		r.space()
		if r.i >= len(r.b) || r.b[r.i] != ':' {
			return false
		}
		r.i++
		if !member(r.text(sp)) {
			return false
		}
		r.space()
		if r.i >= len(r.b) {
			return false
		}
		switch r.b[r.i] {
		case ',':
			r.i++
		case '}':
			r.i++
			return true
		default:
			return false
		}
	}
}

// decodeArray reads an array (the reader is at its "["), calling item to
// read each element.
func (r *jreader) decodeArray(item func() bool) bool {
	r.i++
	r.space()
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		return true
	}
	for {
		if !item() {
			return false
		}
		r.space()
		if r.i >= len(r.b) {
			return false
		}
		switch r.b[r.i] {
		case ',':
			r.i++
		case ']':
			r.i++
			return true
		default:
			return false
		}
	}
}

// finishDecode moves the statements, lists and conditions decodePolicy
// read from the scratch space to blocks of p's own.
func (r *jreader) finishDecode(p *Policy) {
	p.Statements = make([]Statement, len(r.dstmts))
	copy(p.Statements, r.dstmts)
	// Every string and condition in the scratch space belongs to exactly
	// one list: the blocks are sized exactly.
	sb := slabs{strs: make([]string, len(r.dstrs)), conds: make([]Condition, len(r.dconds))}
	for i := range p.Statements {
		s := &p.Statements[i]
		for _, l := range [...]*[]string{&s.Action, &s.NotAction, &s.Resource, &s.NotResource} {
			sb.move(l)
		}
		for _, pr := range [...]*Principals{s.Principal, s.NotPrincipal} {
			if pr != nil {
				for _, l := range [...]*[]string{&pr.AWS, &pr.Service, &pr.Federated, &pr.CanonicalUser} {
					sb.move(l)
				}
			}
		}
		if s.Condition != nil {
			conds := sb.conditions(len(s.Condition))
			copy(conds, s.Condition)
			s.Condition = conds
			for k := range conds {
				sb.move(&conds[k].Values)
			}
		}
	}
}

// move copies the list *l, if there is one, to the next strings of the
// block.
func (sb *slabs) move(l *[]string) {
	if *l != nil {
		out := sb.strings(len(*l))
		copy(out, *l)
		*l = out
	}
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

// slabs reads the statements from the tree in r, handing out their string
// lists and conditions from two blocks sized for the whole document: one
// allocation each instead of one per list. Slices are capped at their
// length, so appending to one copies it rather than overwriting its
// neighbour.
type slabs struct {
	r     *jreader
	strs  []string
	conds []Condition
}

// init sizes the blocks for count statements from node first on. The count
// only needs to be right for valid documents: the blocks are topped up if
// it falls short.
func (sb *slabs) init(first int32, count int) {
	r := sb.r
	nStr, nCond := 0, 0
	n := first
	for range count {
		if r.node(n).kind == jObject {
			for v := r.node(n).first; v != 0; v = r.node(v).next {
				switch r.key(v) {
				case "Action", "NotAction", "Resource", "NotResource":
					nStr += sb.listLen(v)
				case "Principal", "NotPrincipal":
					if r.node(v).kind == jObject {
						for pv := r.node(v).first; pv != 0; pv = r.node(pv).next {
							nStr += sb.listLen(pv)
						}
					}
				case "Condition":
					if r.node(v).kind != jObject {
						continue
					}
					for block := r.node(v).first; block != 0; block = r.node(block).next {
						if r.node(block).kind == jObject {
							nCond += int(r.node(block).n)
							for cv := r.node(block).first; cv != 0; cv = r.node(cv).next {
								nStr += sb.listLen(cv)
							}
						}
					}
				}
			}
		}
		n = r.node(n).next
	}
	sb.strs = make([]string, nStr)
	sb.conds = make([]Condition, nCond)
}

// listLen is the number of strings list element n holds.
func (sb *slabs) listLen(n int32) int {
	if nd := sb.r.node(n); nd.kind == jArray {
		return int(nd.n)
	}
	return 1
}

// strings returns a list of n strings; never nil, even when empty.
func (sb *slabs) strings(n int) []string {
	if n == 0 {
		return []string{}
	}
	if len(sb.strs) < n {
		sb.strs = make([]string, max(n, 16))
	}
	out := sb.strs[:n:n]
	sb.strs = sb.strs[n:]
	return out
}

// conditions returns a list of n conditions; never nil, even when empty.
func (sb *slabs) conditions(n int) []Condition {
	if n == 0 {
		return []Condition{}
	}
	if len(sb.conds) < n {
		sb.conds = make([]Condition, max(n, 16))
	}
	out := sb.conds[:n:n]
	sb.conds = sb.conds[n:]
	return out
}

// parseStatement reads statement node n into s.
func (sb *slabs) parseStatement(n int32, s *Statement) error {
	r := sb.r
	for v := r.node(n).first; v != 0; v = r.node(v).next {
		var err error
		switch r.key(v) {
		case "Sid":
			if r.node(v).kind != jString {
				return errSyntax
			}
			s.Sid = r.str(v)
		case "Effect":
			if r.node(v).kind != jString {
				return errSyntax
			}
			s.Effect = r.str(v)
		case "Principal":
			s.Principal, err = sb.parsePrincipals(v)
		case "NotPrincipal":
			s.NotPrincipal, err = sb.parsePrincipals(v)
		case "Action":
			s.Action, err = sb.stringList(v)
			s.hasAction = true
		case "NotAction":
			s.NotAction, err = sb.stringList(v)
			s.hasNotAction = true
		case "Resource":
			s.Resource, err = sb.stringList(v)
			s.hasResource = true
		case "NotResource":
			s.NotResource, err = sb.stringList(v)
			s.hasNotResource = true
		case "Condition":
			s.Condition, err = sb.parseConditionBlock(v)
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
func (sb *slabs) stringList(n int32) ([]string, error) {
	return sb.list(n, false)
}

// conditionValues reads a condition value: a string, number or boolean, or
// an array of them. Numbers and booleans keep their JSON text.
func (sb *slabs) conditionValues(n int32) ([]string, error) {
	return sb.list(n, true)
}

// list reads a string, or an array of strings, or with scalars also a
// number or boolean or an array of them.
func (sb *slabs) list(n int32, scalars bool) ([]string, error) {
	r := sb.r
	ok := func(k jkind) bool { return k == jString || scalars && (k == jNumber || k == jBool) }
	switch nd := r.node(n); {
	case ok(nd.kind):
		out := sb.strings(1)
		out[0] = r.str(n)
		return out, nil
	case nd.kind == jArray:
		for v := nd.first; v != 0; v = r.node(v).next {
			if !ok(r.node(v).kind) {
				return nil, errSyntax
			}
		}
		out := sb.strings(int(nd.n))
		i := 0
		for v := nd.first; v != 0; v = r.node(v).next {
			out[i] = r.str(v)
			i++
		}
		return out, nil
	}
	return nil, errSyntax
}

func (sb *slabs) parsePrincipals(n int32) (*Principals, error) {
	r := sb.r
	switch r.node(n).kind {
	case jString:
		if s := r.str(n); s != "*" {
			return nil, invalidPrincipal(`"` + s + `"`)
		}
		return &Principals{All: true}, nil
	case jObject:
	default:
		return nil, errSyntax
	}
	p := &Principals{}
	for v := r.node(n).first; v != 0; v = r.node(v).next {
		vals, err := sb.stringList(v)
		if err != nil {
			return nil, err
		}
		switch k := r.key(v); k {
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
func (sb *slabs) parseConditionBlock(n int32) ([]Condition, error) {
	r := sb.r
	if r.node(n).kind != jObject {
		return nil, errSyntax
	}
	total := 0
	for block := r.node(n).first; block != 0; block = r.node(block).next {
		if r.node(block).kind == jObject {
			total += int(r.node(block).n)
		}
	}
	out := sb.conditions(total)
	k := 0
	for block := r.node(n).first; block != 0; block = r.node(block).next {
		if r.node(block).kind != jObject {
			return nil, errSyntax
		}
		op := r.key(block)
		for v := r.node(block).first; v != 0; v = r.node(v).next {
			vals, err := sb.conditionValues(v)
			if err != nil {
				return nil, err
			}
			// Fields one by one: the slab is zeroed, and assigning a whole
			// struct would copy it with a bulk write barrier.
			c := &out[k]
			c.Operator, c.Key, c.Values = op, r.key(v), vals
			k++
		}
	}
	return out, nil
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
