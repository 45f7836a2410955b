package policy

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error codes AWS answers with when it rejects a policy document.
const (
	CodeMalformedPolicyDocument = "MalformedPolicyDocument"
	CodeLimitExceeded           = "LimitExceeded"
)

// MalformedError is why Parse rejected a document. Reason is the text AWS
// gives for the same mistake, so services can answer with it unchanged.
type MalformedError struct {
	// Code is CodeMalformedPolicyDocument, or CodeLimitExceeded for a
	// document over its size quota.
	Code string
	// Reason is AWS's message, e.g. "Policy statement must contain actions."
	Reason string
	// Limit is the quota exceeded, in characters, for CodeLimitExceeded.
	Limit int
}

// Error renders the code and the reason.
func (e *MalformedError) Error() string { return e.Code + ": " + e.Reason }

func malformed(reason string) *MalformedError {
	return &MalformedError{Code: CodeMalformedPolicyDocument, Reason: reason}
}

var (
	errSyntax        = malformed("Syntax errors in policy.")
	errLegacyParsing = malformed("The policy failed legacy parsing")
	errNoActions     = malformed("Policy statement must contain actions.")
	errNoResources   = malformed("Policy statement must contain resources.")
	errHasPrincipal  = malformed("Policy document should not specify a principal.")
	errNoPrincipal   = malformed("Missing required field Principal")
	errNoEffect      = malformed("Missing required field Effect")
	errDupSid        = malformed("Statement IDs (SID) in a single policy must be unique.")
	errSidChars      = malformed("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")
	errVendor        = malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
	errOneColon      = malformed("Actions/Condition can contain only one colon.")
	errResVendor     = malformed("Resource vendor must be fully qualified and cannot contain regexes.")
	errTrustResource = malformed("Has prohibited field Resource")
	// errCharset is our wording: AWS documents the rule, not its message.
	errCharset = malformed("Policy document contains characters outside tab, line feed, carriage return and U+0020 through U+00FF.")
)

func invalidPrincipal(what string) *MalformedError {
	return malformed("Invalid principal in policy: " + what)
}

// Size quotas in characters, from "IAM and AWS STS quotas" and the AWS
// Organizations quotas. IAM does not count white space outside strings for
// identity policies; Organizations counts every character of SCPs and RCPs,
// and STS every character of a session policy's plaintext.
const (
	ManagedPolicyMaxChars     = 6144
	UserInlinePolicyMaxChars  = 2048
	RoleInlinePolicyMaxChars  = 10240
	GroupInlinePolicyMaxChars = 5120
	SessionPolicyMaxChars     = 2048
	SCPMaxChars               = 5120
	RCPMaxChars               = 5120
)

// checkSize enforces the size quota of kind. Resource-based and trust
// policies have per-service (and adjustable) quotas that the owning service
// checks.
func checkSize(doc []byte, kind Kind) error {
	var limit, n int
	switch kind {
	case KindManaged, KindUserInline, KindRoleInline, KindGroupInline:
		switch kind {
		case KindManaged:
			limit = ManagedPolicyMaxChars
		case KindUserInline:
			limit = UserInlinePolicyMaxChars
		case KindRoleInline:
			limit = RoleInlinePolicyMaxChars
		default:
			limit = GroupInlinePolicyMaxChars
		}
		if len(doc) <= limit {
			return nil // cheap exit: bytes >= characters
		}
		n = countNonSpace(doc)
	case KindSession:
		limit, n = SessionPolicyMaxChars, utf8.RuneCount(doc)
	case KindSCP:
		limit, n = SCPMaxChars, utf8.RuneCount(doc)
	case KindRCP:
		limit, n = RCPMaxChars, utf8.RuneCount(doc)
	default:
		return nil
	}
	if n <= limit {
		return nil
	}
	e := &MalformedError{Code: CodeLimitExceeded, Limit: limit}
	switch kind {
	case KindManaged:
		e.Reason = "Cannot exceed quota for PolicySize: " + strconv.Itoa(limit)
	case KindUserInline, KindRoleInline, KindGroupInline:
		e.Reason = "Maximum policy size of " + strconv.Itoa(limit) + " bytes exceeded"
	case KindSession:
		e.Reason = "Session policy exceeds the maximum length of " + strconv.Itoa(limit) + " characters"
	default:
		e.Reason = "The provided policy document exceeds the maximum size of " + strconv.Itoa(limit) + " characters"
	}
	return e
}

// countNonSpace counts the characters of a JSON document, not counting white
// space outside strings.
func countNonSpace(doc []byte) int {
	n, inStr, esc := 0, false, false
	for i := 0; i < len(doc); {
		r, size := utf8.DecodeRune(doc[i:])
		i += size
		if inStr {
			n++
			switch {
			case esc:
				esc = false
			case r == '\\':
				esc = true
			case r == '"':
				inStr = false
			}
			continue
		}
		switch r {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inStr = true
		}
		n++
	}
	return n
}

// checkCharset enforces the character set of IAM and STS policy documents
// ("IAM and AWS STS quotas"): tab, line feed, carriage return and U+0020
// through U+00FF. Organizations and other services' resource policies
// accept any Unicode text.
//
// A document that passes is valid UTF-8 (an invalid sequence decodes as
// U+FFFD, which is rejected), so Parse need not check that again.
func checkCharset(doc []byte, kind Kind) error {
	if !checksCharset(kind) {
		return nil
	}
	for i := 0; i < len(doc); {
		// Skip eight printable ASCII bytes at a time; stop at the first
		// byte that is a control character or not ASCII.
		if i+8 <= len(doc) {
			w := load64(doc, i)
			m := w&swarHigh | swarLess(w, 0x20)
			if m == 0 {
				i += 8
				continue
			}
			i += firstFlagged(m)
		}
		c := doc[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return errCharset
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(doc[i:])
		if r > 0xFF {
			return errCharset
		}
		i += size
	}
	return nil
}

// checksCharset reports whether checkCharset applies to documents of kind.
func checksCharset(kind Kind) bool {
	return (kind.identity() && kind != KindAWSManaged) || kind == KindTrust
}

// validate applies AWS's structural rules to a parsed document. It appends
// the parsed operator of every condition, in document order, to *ops for
// compile.
func validate(p *Policy, ops *[]operator) error {
	var last lastOperator
	for i := range p.Statements {
		s := &p.Statements[i]
		if err := validateStatement(p.Kind, s, ops, &last); err != nil {
			return err
		}
		if s.Sid == "" {
			continue
		}
		// Quadratic, but policies hold tens of statements and the quotas
		// bound them: cheaper than building a map.
		for j := 0; j < i; j++ {
			if p.Statements[j].Sid == s.Sid {
				return errDupSid
			}
		}
	}
	return nil
}

func validateStatement(kind Kind, s *Statement, ops *[]operator, last *lastOperator) error {
	switch s.Effect {
	case "Allow", "Deny":
	case "":
		return errNoEffect
	default:
		return malformed("Invalid effect: " + s.Effect)
	}
	if s.Sid != "" && strictSid(kind) {
		for i := 0; i < len(s.Sid); i++ {
			c := s.Sid[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return errSidChars
			}
		}
	}
	// Principal / NotPrincipal.
	hasP := s.Principal != nil || s.NotPrincipal != nil
	switch {
	case s.Principal != nil && s.NotPrincipal != nil:
		return errSyntax
	case kind.identity() || kind == KindSCP:
		if hasP {
			return errHasPrincipal
		}
	case kind.needsPrincipal():
		if !hasP {
			return errNoPrincipal
		}
	}
	for _, pr := range []*Principals{s.Principal, s.NotPrincipal} {
		if pr != nil {
			if err := validatePrincipals(pr); err != nil {
				return err
			}
		}
	}
	// Action / NotAction.
	if s.hasAction && s.hasNotAction {
		return errSyntax
	}
	actions := s.Action
	if s.hasNotAction {
		actions = s.NotAction
	}
	if len(actions) == 0 {
		return errNoActions
	}
	for _, a := range actions {
		if err := validateAction(a); err != nil {
			return err
		}
	}
	// Resource / NotResource.
	if s.hasResource && s.hasNotResource {
		return errSyntax
	}
	if kind == KindTrust {
		if s.hasResource || s.hasNotResource {
			return errTrustResource
		}
	} else {
		res := s.Resource
		if s.hasNotResource {
			res = s.NotResource
		}
		if len(res) == 0 {
			return errNoResources
		}
		for _, r := range res {
			if err := validateResource(r); err != nil {
				return err
			}
		}
	}
	if kind == KindRCP {
		if err := validateRCPStatement(s); err != nil {
			return err
		}
	}
	for i := range s.Condition {
		op, err := validateCondition(&s.Condition[i], last)
		if err != nil {
			return err
		}
		*ops = append(*ops, op)
	}
	return nil
}

// lastOperator remembers the last operator name parsed: statements repeat
// them.
type lastOperator struct {
	name string
	op   operator
}

// strictSid reports whether the service owning this kind limits Sids to
// letters and digits. IAM and Organizations do; resource-based policies of
// other services (S3, KMS, SQS) accept any string.
func strictSid(kind Kind) bool { return kind != KindResource }

func validateAction(a string) error {
	if a == "*" {
		return nil
	}
	i := strings.IndexByte(a, ':')
	if i <= 0 {
		return errVendor
	}
	if strings.IndexByte(a[i+1:], ':') >= 0 {
		return errOneColon
	}
	vendor := a[:i]
	for j := 0; j < len(vendor); j++ {
		c := vendor[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return malformed("Vendor " + vendor + " is not valid")
		}
	}
	if i == len(a)-1 {
		return malformed("Action " + a + " is not valid")
	}
	return nil
}

// isPartition reports whether s names an AWS partition.
func isPartition(s string) bool {
	switch s {
	case "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc":
		return true
	}
	return false
}

// hasWildcard reports whether s contains "*" or "?". Its callers test short
// strings (partitions, services), where a plain loop beats
// strings.ContainsAny, which builds a character set on each call.
func hasWildcard(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '*' || s[i] == '?' {
			return true
		}
	}
	return false
}

func validateResource(r string) error {
	if r == "*" {
		return nil
	}
	// arn:partition:service:region:account:resource
	var field [5]int // positions of the first five colons
	n := 0
	for i := 0; i < len(r) && n < 5; i++ {
		if r[i] == ':' {
			field[n] = i
			n++
		}
	}
	if !strings.HasPrefix(r, "arn:") || n < 5 {
		return malformed("Resource " + r + ` must be in ARN format or "*".`)
	}
	if part := r[field[0]+1 : field[1]]; !isPartition(part) && !hasWildcard(part) {
		return malformed(`Partition "` + part + `" is not valid for resource "` + r + `".`)
	}
	if svc := r[field[1]+1 : field[2]]; svc == "" || hasWildcard(svc) {
		return errResVendor
	}
	return nil
}

func validatePrincipals(p *Principals) error {
	if p.All {
		return nil
	}
	if p.AWS == nil && p.Service == nil && p.Federated == nil && p.CanonicalUser == nil {
		return errSyntax
	}
	for _, v := range p.AWS {
		if v == "*" {
			continue
		}
		if _, ok := principalARNKind(v); !ok {
			return invalidPrincipal(`"AWS":"` + v + `"`)
		}
	}
	// A fixed order, so that a document with several bad values always
	// gets the same reason.
	for _, e := range [...]struct {
		name string
		vals []string
	}{{"Service", p.Service}, {"Federated", p.Federated}, {"CanonicalUser", p.CanonicalUser}} {
		for _, v := range e.vals {
			if v == "" || (v != "*" && strings.ContainsAny(v, "*?")) {
				return invalidPrincipal(`"` + e.name + `":"` + v + `"`)
			}
		}
	}
	return nil
}

// principalForm is what an "AWS" principal value names.
type principalForm uint8

const (
	formAccount  principalForm = iota + 1 // 123456789012 or arn:...:iam::123456789012:root
	formEntity                            // user, role, federated-user or assumed-role ARN
	formUniqueID                          // AIDA.../AROA... unique id (a deleted principal)
)

// principalARNKind classifies an "AWS" principal value and reports whether
// it is well formed. Principal ARNs may not contain wildcards.
func principalARNKind(v string) (principalForm, bool) {
	if isAccountID(v) {
		return formAccount, true
	}
	if strings.ContainsAny(v, "*?") {
		return 0, false
	}
	if len(v) >= 16 && v[0] == 'A' && strings.IndexByte(v, ':') < 0 {
		for i := 0; i < len(v); i++ {
			if c := v[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return 0, false
			}
		}
		return formUniqueID, true
	}
	parts := strings.SplitN(v, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !isPartition(parts[1]) || parts[3] != "" || !isAccountID(parts[4]) {
		return 0, false
	}
	res := parts[5]
	switch parts[2] {
	case "iam":
		if res == "root" {
			return formAccount, true
		}
		if strings.HasPrefix(res, "user/") || strings.HasPrefix(res, "role/") {
			return formEntity, true
		}
	case "sts":
		if strings.HasPrefix(res, "assumed-role/") || strings.HasPrefix(res, "federated-user/") {
			return formEntity, true
		}
	}
	return 0, false
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < 12; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validateRCPStatement applies the rules of resource control policies: they
// name every principal ("*"), and only the AWS-managed RCPFullAWSAccess may
// allow (RCPs restrict; they never grant).
func validateRCPStatement(s *Statement) error {
	if s.NotPrincipal != nil || s.Principal == nil || !s.Principal.All {
		return malformed(`Resource control policies support only "Principal": "*".`)
	}
	if s.Effect == "Allow" {
		full := len(s.Action) == 1 && s.Action[0] == "*" && len(s.Resource) == 1 && s.Resource[0] == "*" && len(s.Condition) == 0
		if !full {
			return malformed("Resource control policies support only Deny statements, except RCPFullAWSAccess.")
		}
	}
	return nil
}

// validateCondition checks the operator and key and returns the parsed
// operator; compileCondition checks the values as it parses them.
func validateCondition(c *Condition, last *lastOperator) (operator, error) {
	op := last.op
	if c.Operator != last.name || last.name == "" {
		var ok bool
		if op, ok = parseOperator(c.Operator); !ok {
			return op, malformed("Invalid Condition type : " + c.Operator)
		}
		last.name, last.op = c.Operator, op
	}
	if strings.IndexByte(c.Key, ':') <= 0 {
		return op, errVendor
	}
	return op, nil
}
