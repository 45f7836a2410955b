package policy

import (
	"bytes"
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
)

// This file implements the Condition element: every operator of "IAM JSON
// policy elements: Condition operators", the ...IfExists suffix and the
// ForAnyValue / ForAllValues set qualifiers.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
//
// Rules, per that page and "Multivalued context keys":
//   - keys in one condition and operators in one statement are AND'ed;
//   - a key's policy values are OR'ed; for negated operators (StringNotEquals,
//     NotIpAddress, ...) the result is true when the request value matches
//     none of them;
//   - a key missing from the request makes a positive operator false and a
//     negated one true; ...IfExists makes it true; Null tests presence;
//   - ForAnyValue is true when some request value satisfies the operator,
//     false when the key is missing or empty; ForAllValues is true when every
//     request value does, and true when the key is missing or empty.

type baseOp uint8

const (
	opStringEquals baseOp = iota + 1
	opStringNotEquals
	opStringEqualsIgnoreCase
	opStringNotEqualsIgnoreCase
	opStringLike
	opStringNotLike
	opNumericEquals
	opNumericNotEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateNotEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opNotIPAddress
	opArnEquals
	opArnLike
	opArnNotEquals
	opArnNotLike
	opNull
)

// lookupBaseOp returns the operator a lower-cased name without set
// qualifier or IfExists suffix names, 0 if none. A switch on the string
// compiles to a search on length and content: cheaper than hashing for a
// map, and converting b does not allocate.
func lookupBaseOp(b []byte) baseOp {
	switch string(b) {
	case "stringequals":
		return opStringEquals
	case "stringnotequals":
		return opStringNotEquals
	case "stringequalsignorecase":
		return opStringEqualsIgnoreCase
	case "stringnotequalsignorecase":
		return opStringNotEqualsIgnoreCase
	case "stringlike":
		return opStringLike
	case "stringnotlike":
		return opStringNotLike
	case "numericequals":
		return opNumericEquals
	case "numericnotequals":
		return opNumericNotEquals
	case "numericlessthan":
		return opNumericLessThan
	case "numericlessthanequals":
		return opNumericLessThanEquals
	case "numericgreaterthan":
		return opNumericGreaterThan
	case "numericgreaterthanequals":
		return opNumericGreaterThanEquals
	case "dateequals":
		return opDateEquals
	case "datenotequals":
		return opDateNotEquals
	case "datelessthan":
		return opDateLessThan
	case "datelessthanequals":
		return opDateLessThanEquals
	case "dategreaterthan":
		return opDateGreaterThan
	case "dategreaterthanequals":
		return opDateGreaterThanEquals
	case "bool":
		return opBool
	case "binaryequals":
		return opBinaryEquals
	case "ipaddress":
		return opIPAddress
	case "notipaddress":
		return opNotIPAddress
	case "arnequals":
		return opArnEquals
	case "arnlike":
		return opArnLike
	case "arnnotequals":
		return opArnNotEquals
	case "arnnotlike":
		return opArnNotLike
	case "null":
		return opNull
	}
	return 0
}

// negated reports whether the operator is a "not" operator, whose policy
// values are NOR'ed and which is true for a missing key.
func (o baseOp) negated() bool {
	switch o {
	case opStringNotEquals, opStringNotEqualsIgnoreCase, opStringNotLike, opNumericNotEquals,
		opDateNotEquals, opNotIPAddress, opArnNotEquals, opArnNotLike:
		return true
	}
	return false
}

type setQualifier uint8

const (
	setNone setQualifier = iota
	setAnyValue
	setAllValues
)

// operator is a parsed condition operator name.
type operator struct {
	base     baseOp
	set      setQualifier
	ifExists bool
}

// parseOperator reads names like "ForAllValues:StringLikeIfExists". Names
// are matched without regard to case.
func parseOperator(name string) (operator, bool) {
	var op operator
	var buf [64]byte
	if len(name) > len(buf) {
		return op, false
	}
	b := buf[:len(name)]
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	switch {
	case len(b) > len("foranyvalue:") && string(b[:len("foranyvalue:")]) == "foranyvalue:":
		op.set, b = setAnyValue, b[len("foranyvalue:"):]
	case len(b) > len("forallvalues:") && string(b[:len("forallvalues:")]) == "forallvalues:":
		op.set, b = setAllValues, b[len("forallvalues:"):]
	}
	if base := lookupBaseOp(b); base != 0 {
		op.base = base
		return op, true
	}
	if n := len(b) - len("ifexists"); n > 0 && string(b[n:]) == "ifexists" {
		if base := lookupBaseOp(b[:n]); base != 0 && base != opNull {
			op.base, op.ifExists = base, true
			return op, true
		}
	}
	return op, false
}

// condValue is one compiled policy value of a condition. Each operator
// uses one field (two for BinaryEquals, kept apart as rare).
type condValue struct {
	pat    pattern      // string, ARN and Bool operators
	num    float64      // Numeric*
	nanos  int64        // Date*
	prefix netip.Prefix // IpAddress, NotIpAddress
	bin    *binaryValue // BinaryEquals
	null   bool         // Null: true means "the key must be absent"
}

// binaryValue is a BinaryEquals policy value.
type binaryValue struct {
	bin []byte // decoded
	b64 string // canonical base64, for text request values
}

// condition is one compiled (operator, key, values) triple.
type condition struct {
	op     operator
	key    ctxKey // lower-cased
	values []condValue
}

// compileCondition compiles one condition, whose operator validate parsed
// as op, into *cc (zero) and values (zero, len(c.Values) long), carving
// patterns from ar. It rejects values that could never match: a malformed
// number, date, CIDR or base64 value.
func compileCondition(cc *condition, c *Condition, op operator, vars bool, values []condValue, ar *patternArena, keys *keyCache) error {
	cc.op, cc.key, cc.values = op, keys.get(c.Key), values
	for i, v := range c.Values {
		cv := &cc.values[i]
		ok := true
		switch op.base {
		case opStringEquals, opStringNotEquals:
			ar.compile(&cv.pat, v, patternOpts{vars: vars})
		case opStringEqualsIgnoreCase, opStringNotEqualsIgnoreCase, opBool:
			ar.compile(&cv.pat, v, patternOpts{vars: vars, fold: true})
		case opStringLike, opStringNotLike:
			ar.compile(&cv.pat, v, patternOpts{vars: vars, wildcards: true})
		case opArnEquals, opArnLike, opArnNotEquals, opArnNotLike:
			ar.compile(&cv.pat, v, patternOpts{vars: vars, wildcards: true, arn: true})
		case opNumericEquals, opNumericNotEquals, opNumericLessThan, opNumericLessThanEquals,
			opNumericGreaterThan, opNumericGreaterThanEquals:
			var err error
			cv.num, err = strconv.ParseFloat(v, 64)
			ok = err == nil
		case opDateEquals, opDateNotEquals, opDateLessThan, opDateLessThanEquals,
			opDateGreaterThan, opDateGreaterThanEquals:
			cv.nanos, ok = parseDate(v)
		case opIPAddress, opNotIPAddress:
			cv.prefix, ok = parseCIDR(v)
		case opBinaryEquals:
			bin, err := base64.StdEncoding.DecodeString(v)
			cv.bin, ok = &binaryValue{bin: bin, b64: base64.StdEncoding.EncodeToString(bin)}, err == nil
		case opNull:
			cv.null = strings.EqualFold(v, "true")
		}
		if !ok {
			return malformed("Invalid value for condition operator " + c.Operator + ": " + v)
		}
	}
	return nil
}

// commonKeys maps global condition keys, as the AWS documentation spells
// them, to their lower-cased form, so compiling the usual policies does not
// allocate a lower-cased copy of each key.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"aws:CalledVia", "aws:CurrentTime", "aws:EpochTime", "aws:MultiFactorAuthAge",
		"aws:MultiFactorAuthPresent", "aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalIsAWSService",
		"aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalServiceName", "aws:PrincipalType",
		"aws:RequestedRegion", "aws:SecureTransport", "aws:SourceAccount", "aws:SourceArn", "aws:SourceIp",
		"aws:SourceOrgID", "aws:SourceVpc", "aws:SourceVpce", "aws:TagKeys", "aws:TokenIssueTime",
		"aws:userid", "aws:username", "aws:ViaAWSService", "aws:ResourceAccount", "aws:ResourceOrgID",
		"s3:prefix", "s3:delimiter", "s3:max-keys", "s3:x-amz-acl", "s3:x-amz-server-side-encryption",
		"sts:ExternalId", "sts:RoleSessionName", "sts:SourceIdentity", "iam:PassedToService", "iam:PermissionsBoundary",
		"kms:CallerAccount", "kms:ViaService", "kms:EncryptionContextKeys", "ec2:InstanceType", "ec2:Region",
	} {
		m[k] = strings.ToLower(k)
	}
	return m
}()

// lowerKey lower-cases a condition key.
func lowerKey(k string) string {
	if l, ok := commonKeys[k]; ok {
		return l
	}
	return strings.ToLower(k)
}

// parseCIDR reads an IPv4 or IPv6 CIDR block, or a single address.
func parseCIDR(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// eval evaluates the condition against the request context.
func (c *condition) eval(ctx *Context) bool {
	vals, present := ctx.lookupKey(c.key.name, c.key.hash)
	if c.op.base == opNull {
		absent := !present || len(vals) == 0
		for i := range c.values {
			if c.values[i].null == absent {
				return true
			}
		}
		return false
	}
	if !present || len(vals) == 0 {
		switch {
		case c.op.ifExists:
			return true
		case c.op.set == setAllValues:
			return true
		case c.op.set == setAnyValue:
			return false
		}
		return c.op.base.negated()
	}
	neg := c.op.base.negated()
	switch c.op.set {
	case setAllValues:
		for i := range vals {
			if !c.satisfied(&vals[i], neg, ctx) {
				return false
			}
		}
		return true
	case setAnyValue:
		for i := range vals {
			if c.satisfied(&vals[i], neg, ctx) {
				return true
			}
		}
		return false
	}
	// A plain operator on a multivalued key: a positive operator is true
	// when any request value matches a policy value; a negated one when no
	// request value matches any policy value.
	if neg {
		for i := range vals {
			if c.anyMatch(&vals[i], ctx) {
				return false
			}
		}
		return true
	}
	for i := range vals {
		if c.anyMatch(&vals[i], ctx) {
			return true
		}
	}
	return false
}

// satisfied reports whether one request value satisfies the operator.
func (c *condition) satisfied(v *Value, neg bool, ctx *Context) bool {
	m := c.anyMatch(v, ctx)
	if neg {
		return !m
	}
	return m
}

// anyMatch reports whether the request value matches any policy value under
// the operator's positive form.
func (c *condition) anyMatch(v *Value, ctx *Context) bool {
	for i := range c.values {
		if c.matchOne(v, &c.values[i], ctx) {
			return true
		}
	}
	return false
}

func (c *condition) matchOne(v *Value, pv *condValue, ctx *Context) bool {
	switch c.op.base {
	case opStringEquals, opStringNotEquals, opStringEqualsIgnoreCase, opStringNotEqualsIgnoreCase,
		opStringLike, opStringNotLike, opArnEquals, opArnLike, opArnNotEquals, opArnNotLike:
		return pv.pat.match(v.s, ctx)
	case opBool:
		return v.flags&hasBool != 0 && pv.pat.match(v.s, ctx)
	case opNumericEquals, opNumericNotEquals:
		return v.flags&hasNum != 0 && v.num == pv.num
	case opNumericLessThan:
		return v.flags&hasNum != 0 && v.num < pv.num
	case opNumericLessThanEquals:
		return v.flags&hasNum != 0 && v.num <= pv.num
	case opNumericGreaterThan:
		return v.flags&hasNum != 0 && v.num > pv.num
	case opNumericGreaterThanEquals:
		return v.flags&hasNum != 0 && v.num >= pv.num
	case opDateEquals, opDateNotEquals:
		return v.flags&hasTime != 0 && v.nanos == pv.nanos
	case opDateLessThan:
		return v.flags&hasTime != 0 && v.nanos < pv.nanos
	case opDateLessThanEquals:
		return v.flags&hasTime != 0 && v.nanos <= pv.nanos
	case opDateGreaterThan:
		return v.flags&hasTime != 0 && v.nanos > pv.nanos
	case opDateGreaterThanEquals:
		return v.flags&hasTime != 0 && v.nanos >= pv.nanos
	case opIPAddress, opNotIPAddress:
		return v.flags&hasIP != 0 && pv.prefix.Contains(v.ip)
	case opBinaryEquals:
		if v.flags&hasBinary != 0 {
			return bytes.Equal(v.bin, pv.bin.bin)
		}
		return v.s == pv.bin.b64
	}
	return false
}
