package authz

import (
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file fills the condition keys of a request: the AWS global keys
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)
// that gatehouse can know (aws:PrincipalOrgID, aws:PrincipalOrgPaths,
// aws:ResourceOrgID and aws:ResourceOrgPaths from the accounts'
// memberships of AWS Organizations), the request's tags, the service keys the
// catalog lists for the action (from the input members the table found),
// and the resource's tags.
//
// Keys gatehouse never sets, because nothing it serves produces them:
// aws:CalledVia, aws:CalledViaFirst and aws:CalledViaLast (no service
// calls another on a caller's behalf), aws:SourceVpc, aws:SourceVpce and
// aws:VpcSourceIp (no VPC endpoints), aws:SourceOrgID and
// aws:SourceOrgPaths (they describe service principals' source
// resources), aws:SourceArn and aws:SourceAccount (service principals), and
// iam:PassedToService: iam:PassRole is authorized when a service receives
// a role to use, and none of gatehouse's services takes a role yet.

var (
	boolTrue  = policy.Bool(true)
	boolFalse = policy.Bool(false)
)

// clockValues are aws:CurrentTime and aws:EpochTime for one second,
// shared by every request in that second.
type clockValues struct {
	unix           int64
	current, epoch policy.Value
}

var clock atomic.Pointer[clockValues]

func clockAt(t time.Time) *clockValues {
	sec := t.Unix()
	if c := clock.Load(); c != nil && c.unix == sec {
		return c
	}
	c := &clockValues{unix: sec, current: policy.Time(time.Unix(sec, 0)), epoch: policy.Number(float64(sec))}
	clock.Store(c)
	return c
}

// prefixedKeys caches "<prefix><tag key>" strings (aws:PrincipalTag/team),
// so that a request with tags builds its keys without allocating.
type prefixedKeys struct {
	prefix string
	m      sync.Map // tag key → full key
	n      atomic.Int64
}

func (p *prefixedKeys) key(tag string) string {
	if v, ok := p.m.Load(tag); ok {
		return v.(string)
	}
	k := p.prefix + tag
	if p.n.Add(1) > 10000 {
		p.m.Clear()
		p.n.Store(0)
	}
	p.m.Store(tag, k)
	return k
}

// stringValues caches the policy values of strings that recur on every
// request of a principal (its ARN, account, name, the region), so that
// they are not parsed again (policy.String tries each value as a number,
// a date and an IP address).
var stringValues struct {
	m sync.Map // string → policy.Value
	n atomic.Int64
}

// cachedString returns policy.String(s), from the cache when it can.
func cachedString(s string) policy.Value {
	if v, ok := stringValues.m.Load(s); ok {
		return v.(policy.Value)
	}
	v := policy.String(s)
	if stringValues.n.Add(1) > 10000 {
		stringValues.m.Clear()
		stringValues.n.Store(0)
	}
	stringValues.m.Store(s, v)
	return v
}

var (
	principalTagKeys   = &prefixedKeys{prefix: "aws:PrincipalTag/"}
	requestTagKeys     = &prefixedKeys{prefix: "aws:RequestTag/"}
	resourceTagKeys    = &prefixedKeys{prefix: "aws:ResourceTag/"}
	iamResourceTagKeys = &prefixedKeys{prefix: "iam:ResourceTag/"}
)

// requestKeys fills ctx with the keys of the caller and the request that
// do not depend on the resource.
func requestKeys(ctx *policy.Context, c *call.Call, cl *caller, plan *opPlan, chk *actionCheck, in reflect.Value, needs keyNeeds) {
	p := c.Principal
	if needs&needPrincipalArn != 0 {
		ctx.Set("aws:PrincipalArn", cachedString(cl.principalARN))
	}
	if needs&needPrincipalAccount != 0 {
		ctx.Set("aws:PrincipalAccount", cachedString(p.AccountID))
	}
	if m := cl.member; m != nil {
		if needs&needPrincipalOrgID != 0 {
			ctx.Set("aws:PrincipalOrgID", cachedString(m.OrgID))
		}
		if needs&needPrincipalOrgPaths != 0 {
			ctx.Set("aws:PrincipalOrgPaths", cachedString(m.Path))
		}
	}
	if needs&needPrincipalType != 0 {
		ctx.Set("aws:PrincipalType", cachedString(cl.principalType))
	}
	if needs&needUserID != 0 && p.PrincipalID != "" {
		ctx.Set("aws:userid", cachedString(p.PrincipalID))
	}
	if needs&needUsername != 0 && cl.username != "" {
		ctx.Set("aws:username", cachedString(cl.username))
	}
	if needs&needPrincipalIsAWSService != 0 {
		ctx.Set("aws:PrincipalIsAWSService", boolFalse)
	}
	if needs&needViaAWSService != 0 {
		ctx.Set("aws:ViaAWSService", boolFalse)
	}
	if needs&needPrincipalTag != 0 {
		for k, v := range cl.tags {
			ctx.SetString(principalTagKeys.key(k), v)
		}
		for k, v := range cl.sessionTags {
			ctx.SetString(principalTagKeys.key(k), v) // replaces a principal tag of the same key
		}
	}
	if needs&needSourceIP != 0 {
		if a, err := netip.ParseAddr(c.SourceIP); err == nil {
			ctx.Set("aws:SourceIp", policy.IP(a))
		}
	}
	if needs&(needCurrentTime|needEpochTime) != 0 {
		clk := clockAt(c.Time)
		ctx.Set("aws:CurrentTime", clk.current)
		ctx.Set("aws:EpochTime", clk.epoch)
	}
	if needs&needSecureTransport != 0 {
		if c.SecureTransport {
			ctx.Set("aws:SecureTransport", boolTrue)
		} else {
			ctx.Set("aws:SecureTransport", boolFalse)
		}
	}
	if needs&needRequestedRegion != 0 && c.Region != "" {
		ctx.Set("aws:RequestedRegion", cachedString(c.Region))
	}
	if needs&(needMFAPresent|needMFAAge|needTokenIssueTime|needSourceIdentity) != 0 {
		sessionKeys(ctx, c, p, plan, in)
	}
	if needs&(needRequestTag|needTagKeys) != 0 {
		if plan.tags != nil {
			n := 0
			plan.tags.pairs(in, func(k, v string) {
				ctx.SetString(requestTagKeys.key(k), v)
				n++
			})
			if n > 0 {
				setTagKeys(ctx, plan.tags, in)
			}
		} else if plan.tagKeys != nil && plan.tagKeys.count(in) > 0 {
			var buf [8]string
			keys := buf[:0]
			plan.tagKeys.each(in, func(k string) { keys = append(keys, k) })
			ctx.SetString("aws:TagKeys", keys...)
		}
	}
	if needs&needServiceKeys != 0 {
		serviceKeys(ctx, c, chk, in)
	}
}

// setTagKeys sets aws:TagKeys to the keys of a tags member.
func setTagKeys(ctx *policy.Context, tags *field, in reflect.Value) {
	var buf [8]string
	keys := buf[:0]
	tags.pairs(in, func(k, _ string) { keys = append(keys, k) })
	ctx.SetString("aws:TagKeys", keys...)
}

// sessionKeys sets the keys of temporary credentials: whether and when
// MFA authenticated the session, when it was issued, its source identity.
// aws:MultiFactorAuthPresent is absent for long-term keys, as in AWS,
// except on an AssumeRole that itself carries an MFA code.
func sessionKeys(ctx *policy.Context, c *call.Call, p *identity.Principal, plan *opPlan, in reflect.Value) {
	s := p.Session
	mfaInRequest := false
	if plan.assumeRole {
		_, serial := plan.mfaSerial.str(in)
		_, code := plan.mfaCode.str(in)
		mfaInRequest = serial && code
	}
	switch {
	case mfaInRequest:
		ctx.Set("aws:MultiFactorAuthPresent", boolTrue)
		ctx.Set("aws:MultiFactorAuthAge", policy.Number(0))
	case s != nil && s.MFAAuthenticated:
		ctx.Set("aws:MultiFactorAuthPresent", boolTrue)
		age := c.Time.Sub(s.MFAAuthenticatedAt) / time.Second
		if age < 0 {
			age = 0
		}
		ctx.Set("aws:MultiFactorAuthAge", policy.Number(float64(age)))
	case s != nil:
		ctx.Set("aws:MultiFactorAuthPresent", boolFalse)
	}
	if s == nil {
		return
	}
	if !s.IssuedAt.IsZero() {
		ctx.Set("aws:TokenIssueTime", policy.Time(s.IssuedAt))
	}
	if s.SourceIdentity != "" {
		ctx.SetString("aws:SourceIdentity", s.SourceIdentity)
	}
}

// serviceKeys sets the service condition keys the catalog lists for the
// action from the input members the table found.
func serviceKeys(ctx *policy.Context, c *call.Call, chk *actionCheck, in reflect.Value) {
	for i := range chk.keys {
		k := &chk.keys[i]
		switch k.special {
		case "@account":
			ctx.SetString(k.key, c.Principal.AccountID)
			continue
		case "@false":
			ctx.Set(k.key, boolFalse)
			continue
		case "":
		default:
			specialKey(ctx, k, in)
			continue
		}
		switch k.mode {
		case keyValue:
			switch k.member.kind {
			case fkInt, fkFloat:
				if s, ok := k.member.str(in); ok {
					if f, err := strconv.ParseFloat(s, 64); err == nil {
						ctx.Set(k.key, policy.Number(f))
					}
				}
			case fkBool:
				if s, ok := k.member.str(in); ok {
					ctx.Set(k.key, policy.Bool(s == "true"))
				}
			case fkStrings:
				if k.member.count(in) > 0 {
					var buf [8]string
					vals := buf[:0]
					k.member.each(in, func(s string) { vals = append(vals, s) })
					ctx.SetString(k.key, vals...)
				}
			default:
				if s, ok := k.member.str(in); ok {
					ctx.SetString(k.key, s)
				}
			}
		case keyMapKeys:
			if k.member.count(in) > 0 {
				var buf [8]string
				keys := buf[:0]
				k.member.pairs(in, func(key, _ string) { keys = append(keys, key) })
				ctx.SetString(k.key, keys...)
			}
		case keyMapEntries:
			k.member.pairs(in, func(key, v string) { ctx.SetString(k.key+key, v) })
		}
	}
}

// resourceKeys sets the keys of the resource: its account, its account's
// organization and path (member: nil when the account is in none) and its
// tags (aws:ResourceTag/*, and iam:ResourceTag/* for IAM users and roles).
func resourceKeys(ctx *policy.Context, account string, member *organizations.Membership, tags []iam.Tag, iamTags bool, needs keyNeeds) {
	if account != "" && needs&needResourceAccount != 0 {
		ctx.Set("aws:ResourceAccount", cachedString(account))
	}
	if member != nil {
		if needs&needResourceOrgID != 0 {
			ctx.Set("aws:ResourceOrgID", cachedString(member.OrgID))
		}
		if needs&needResourceOrgPaths != 0 {
			ctx.Set("aws:ResourceOrgPaths", cachedString(member.Path))
		}
	}
	if needs&(needResourceTag|needIAMResourceTag) == 0 {
		return
	}
	for _, t := range tags {
		ctx.SetString(resourceTagKeys.key(t.Key), t.Value)
		if iamTags {
			ctx.SetString(iamResourceTagKeys.key(t.Key), t.Value)
		}
	}
}

// specialKey sets a service condition key that no single input member
// supplies as it is (overrides.go: keyMembers and actionKeyMembers).
func specialKey(ctx *policy.Context, k *keyPlan, in reflect.Value) {
	if !in.IsValid() {
		return
	}
	switch k.special {
	case "@requestAlias":
		// kms:RequestAlias is the alias the request names the key by
		// (alias name or alias ARN), as "alias/<name>"; absent when the
		// request names the key itself.
		v, ok := k.member.str(in)
		if !ok {
			return
		}
		if strings.HasPrefix(v, "arn:") {
			i := strings.Index(v, ":alias/")
			if i < 0 {
				return
			}
			v = v[i+1:]
		}
		if strings.HasPrefix(v, "alias/") {
			ctx.SetString(k.key, v)
		}
	case "@validTo":
		// kms:ValidTo is the expiry of imported key material, in seconds
		// since the epoch.
		if t, ok := memberValue(in, "ValidTo").(*time.Time); ok && t != nil {
			ctx.Set(k.key, policy.Number(float64(t.Unix())))
		}
	case "@sameKey":
		src, _ := memberValue(in, "SourceKeyId").(*string)
		dst, _ := memberValue(in, "DestinationKeyId").(*string)
		if src != nil && dst != nil {
			ctx.Set(k.key, policy.Bool(*src == *dst))
		}
	case "@multiRegionKeyType":
		if mr, ok := memberValue(in, "MultiRegion").(*bool); ok && mr != nil && *mr {
			ctx.SetString(k.key, "PRIMARY")
		}
	case "@grantContext", "@grantContextKeys", "@grantConstraintType":
		equals, subset := grantConstraints(in)
		m, typ := equals, "EncryptionContextEquals"
		if m == nil {
			m, typ = subset, "EncryptionContextSubset"
		}
		if m == nil {
			return
		}
		switch k.special {
		case "@grantConstraintType":
			ctx.SetString(k.key, typ)
		case "@grantContextKeys":
			keys := make([]string, 0, len(m))
			for key := range m {
				keys = append(keys, key)
			}
			ctx.SetString(k.key, keys...)
		default:
			for key, v := range m {
				ctx.SetString(k.key+key, v)
			}
		}
	}
}

// memberValue returns the value of the named member of an input struct,
// nil when it has none.
func memberValue(in reflect.Value, name string) any {
	f := in.FieldByName(name)
	if !f.IsValid() || !f.CanInterface() {
		return nil
	}
	return f.Interface()
}

// grantConstraints returns the encryption context constraints of a
// CreateGrant input (its Constraints member).
func grantConstraints(in reflect.Value) (equals, subset map[string]string) {
	c := in.FieldByName("Constraints")
	if !c.IsValid() || c.Kind() != reflect.Pointer || c.IsNil() {
		return nil, nil
	}
	c = c.Elem()
	if c.Kind() != reflect.Struct {
		return nil, nil
	}
	equals, _ = memberValue(c, "EncryptionContextEquals").(map[string]string)
	subset, _ = memberValue(c, "EncryptionContextSubset").(map[string]string)
	return equals, subset
}
