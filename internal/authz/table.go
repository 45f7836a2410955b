package authz

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/gatehouse/gatehouse/internal/catalog"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file builds the authorization table: for every operation of every
// served model, the IAM action(s) it is authorized as, how to build the
// ARN of each resource it acts on from its input, and which input members
// supply the service's condition keys. It is derived once, at start-up,
// from internal/catalog (actions, resource types with their ARN formats,
// condition keys) and the generated input types, completed by the data in
// overrides.go. A request then only reads the members the plan names.

// Table holds the plan of every operation.
type Table struct {
	plans map[*protocol.Operation]*opPlan
}

// opPlan is how one operation is authorized.
type opPlan struct {
	op     *protocol.Operation
	prefix string // the action prefix: "iam", "elasticloadbalancing"
	checks []*actionCheck
	// tags supplies aws:RequestTag/* and aws:TagKeys; tagKeys the
	// aws:TagKeys of Untag operations.
	tags, tagKeys *field
	// assumeRole marks sts:AssumeRole: the role's trust policy is the
	// resource-based policy and must allow.
	assumeRole bool
	// roleARN, mfaSerial and mfaCode are AssumeRole's RoleArn,
	// SerialNumber and TokenCode.
	roleARN, mfaSerial, mfaCode *field
	// keyOwner is the AccessKeyId member whose owning user is the
	// resource (GetAccessKeyLastUsed).
	keyOwner *field
}

// actionCheck is one action an operation needs.
type actionCheck struct {
	action string
	info   *catalog.ActionInfo
	// wildcardOnly: the action takes no resource types, so only "*"
	// grants it.
	wildcardOnly bool
	resources    []*resourcePlan
	// fallbackARNs are ResourceArn(s) members used as the resources when
	// no resource type of the action matched.
	fallbackARNs []*field
	keys         []keyPlan
	// boundaryOfResource: the action lists iam:PermissionsBoundary but
	// the input does not carry one, so the key is the boundary of the
	// user or role the action changes (AttachUserPolicy, DeleteRole, ...).
	boundaryOfResource bool
	// when, if set, makes the check conditional on the presence of one
	// of its members.
	when []*field
	// identityOnly: see opOverride.identityOnly.
	identityOnly bool
	// grant locates the members a grant reads (grants.go).
	grant grantFields
}

// resourcePlan builds the ARNs of one resource type of an action.
type resourcePlan struct {
	typ *catalog.ResourceTypeInfo
	// arnMembers are the members that may hold whole ARNs of this type.
	arnMembers []*field
	// templates build the ARN from members (one per ARN format that could
	// be filled; extra ones for renames).
	templates []*arnTemplate
}

// segKind is the kind of one piece of an ARN template.
type segKind uint8

const (
	segLiteral segKind = iota
	segPartition
	segRegion
	segAccount
	segMember   // a member's value
	segWithPath // an IAM entity's path and name
	segWildcard // an id the service has not assigned yet (Create*)
)

// arnSegment is one piece of an ARN template.
type arnSegment struct {
	kind      segKind
	lit       string
	member    *field
	transform func(string) string
	// For segWithPath: the entity kind, and the Path member if the
	// operation has one.
	entity entityKind
	path   *field
	// callerDefault: an absent name means the calling user (IAM
	// operations whose UserName defaults to the caller).
	callerDefault bool
	// special is "@account" or "@region" for placeholder values that
	// come from the request rather than the input.
	special string
}

// arnTemplate is an ARN format compiled against an input type.
type arnTemplate struct {
	segs []arnSegment
	// entity is the IAM entity the ARN names (for its tags), if any.
	entity entityKind
	// plain: the template is arn:aws:iam::<account>:<type>/<entity>, so
	// an existing entity's own ARN is the result.
	plain bool
}

// keyPlan sets one service condition key from the input.
type keyPlan struct {
	key     string // as the catalog spells it; for map entries, the prefix up to the placeholder
	member  *field
	mode    keyMode
	special string // "@account", "@false"
}

type keyMode uint8

const (
	keyValue      keyMode = iota // the member's value(s)
	keyMapKeys                   // the keys of a map member
	keyMapEntries                // key+mapKey = value, for templated keys
)

// ActionPrefix returns the IAM action prefix of a service: its signing
// name, except Elastic Load Balancing, whose actions are
// elasticloadbalancing:* whichever API version.
func ActionPrefix(svc *protocol.Service) string {
	if svc.EndpointPrefix == "elasticloadbalancing" {
		return "elasticloadbalancing"
	}
	return svc.SigningName
}

// BuildTable derives the plan of every operation of services.
func BuildTable(services []*protocol.Service) (*Table, error) {
	t := &Table{plans: map[*protocol.Operation]*opPlan{}}
	for _, svc := range services {
		prefix := ActionPrefix(svc)
		for _, op := range svc.Operations {
			p, err := buildPlan(prefix, op)
			if err != nil {
				return nil, fmt.Errorf("authz: %s.%s: %w", svc.ID, op.Name, err)
			}
			t.plans[op] = p
		}
	}
	return t, nil
}

// plan returns the plan of op, or nil for an operation the table does
// not know.
func (t *Table) plan(op *protocol.Operation) *opPlan { return t.plans[op] }

// Actions returns the IAM actions an operation is authorized as.
func (t *Table) Actions(op *protocol.Operation) []string {
	p := t.plans[op]
	if p == nil {
		return nil
	}
	var out []string
	for _, c := range p.checks {
		if c.when == nil {
			out = append(out, c.action)
		}
	}
	return out
}

func buildPlan(prefix string, op *protocol.Operation) (*opPlan, error) {
	var inType reflect.Type
	if op.NewInput != nil {
		inType = reflect.TypeOf(op.NewInput()).Elem()
	}
	fs := indexInput(inType)
	p := &opPlan{op: op, prefix: prefix}
	full := prefix + ":" + op.Name
	ov := overrides[full]
	if ov.ownerOnly {
		return p, nil
	}
	actions := ov.actions
	if len(actions) == 0 {
		actions = []string{full}
	}
	for _, a := range actions {
		c, err := buildCheck(a, op, fs)
		if err != nil {
			return nil, err
		}
		p.checks = append(p.checks, c)
	}
	for _, ca := range ov.also {
		c, err := buildCheck(ca.action, op, fs)
		if err != nil {
			return nil, err
		}
		for _, m := range ca.members {
			f := fs.lookup(m)
			if !f.valid() {
				return nil, fmt.Errorf("override names member %s, which the input lacks", m)
			}
			c.when = append(c.when, f)
		}
		p.checks = append(p.checks, c)
	}
	for _, name := range []string{"Tags", "TagsList"} {
		if f := fs.lookup(name); f.valid() && (f.kind == fkTagList || f.kind == fkStringMap) {
			p.tags = f
			break
		}
	}
	if f := fs.lookup("TagKeys"); f.valid() && f.kind == fkStrings && p.tags == nil {
		p.tagKeys = f
	}
	if full == "sts:AssumeRole" {
		p.assumeRole = true
		p.roleARN, p.mfaSerial, p.mfaCode = fs.lookup("RoleArn"), fs.lookup("SerialNumber"), fs.lookup("TokenCode")
	}
	if ov.resourceFromKeyOwner {
		p.keyOwner = fs.lookup("AccessKeyId")
		if !p.keyOwner.valid() {
			return nil, fmt.Errorf("override wants AccessKeyId, which the input lacks")
		}
	}
	return p, nil
}

// buildCheck plans one action of op.
func buildCheck(action string, op *protocol.Operation, fs *inputFields) (*actionCheck, error) {
	info, ok := catalog.Action(action)
	if !ok {
		return nil, fmt.Errorf("the catalog has no action %s (add an override)", action)
	}
	c := &actionCheck{action: info.String(), info: info, wildcardOnly: !info.SupportsResourceLevel}
	// Overrides of the action (ReEncryptFrom's key member) and of the
	// operation (a rename's second resource) both apply.
	actOv := overrides[action]
	opOv := overrides[info.Service+":"+op.Name]
	// Organizations' resources belong to the management account, and its
	// members reach them by the organization's own rules (delegated
	// administrators), not through a resource policy of another account:
	// their policies decide as within the caller's account.
	c.identityOnly = actOv.identityOnly || opOv.identityOnly || info.Service == "organizations"
	ov := opOverride{members: map[string][]string{}}
	for k, v := range opOv.members {
		ov.members[k] = v
	}
	for k, v := range actOv.members {
		ov.members[k] = v
	}
	arnMembers := fs.strs
	if names := firstNonEmpty(actOv.arnMembers, opOv.arnMembers); names != nil {
		arnMembers = nil
		for _, n := range names {
			if f := fs.lookup(n); f.valid() {
				arnMembers = append(arnMembers, f)
			}
		}
	}
	// IAM's user operations default to the calling user when they take
	// no UserName, unless the user is named by an ARN member instead.
	callerDefault := fs.lookup("UserName").valid() || len(arnMembers) == 0
	if opOv.resourceFromKeyOwner {
		callerDefault = false
	}
	for _, ref := range info.ResourceTypes {
		if ref.ResourceType == nil {
			continue
		}
		rp := &resourcePlan{typ: ref.ResourceType, arnMembers: arnMembers}
		for _, format := range ref.ResourceType.ARNFormats {
			if tpl := compileTemplate(info.Service, ref.ResourceType.Name, format, op, fs, ov, nil, callerDefault); tpl != nil {
				rp.templates = append(rp.templates, tpl)
			}
			for _, extra := range opOv.extraResources {
				if tpl := compileTemplate(info.Service, ref.ResourceType.Name, format, op, fs, ov, extra, false); tpl != nil {
					rp.templates = append(rp.templates, tpl)
				}
			}
		}
		c.resources = append(c.resources, rp)
	}
	pickTemplates(c.resources, op.Name)
	for _, name := range []string{"ResourceArn", "ResourceArns", "ResourceARN", "ResourceArnList"} {
		if f := fs.lookup(name); f.valid() && (f.kind == fkString || f.kind == fkStrings) {
			c.fallbackARNs = append(c.fallbackARNs, f)
		}
	}
	c.keys = planKeys(info, fs, actionKeyMembers[strings.ToLower(c.action)])
	c.grant = planGrantFields(c.action, fs)
	for _, k := range info.ConditionKeys {
		if strings.EqualFold(k, "iam:PermissionsBoundary") && !fs.lookup("PermissionsBoundary").valid() {
			c.boundaryOfResource = true
		}
	}
	return c, nil
}

func firstNonEmpty(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}

// compileTemplate compiles one ARN format against the input; nil when a
// placeholder has no source. extra, for rename overrides, maps a member
// name to the member that replaces it.
func compileTemplate(service, typeName, format string, op *protocol.Operation, fs *inputFields, ov opOverride, extra map[string]string, callerDefault bool) *arnTemplate {
	tpl := &arnTemplate{}
	usedExtra := extra == nil
	member := func(name string) *field {
		if extra != nil {
			if repl, ok := extra[name]; ok {
				usedExtra = true
				return fs.lookup(repl)
			}
		}
		return fs.lookup(name)
	}
	for rest := format; rest != ""; {
		i := strings.Index(rest, "${")
		if i < 0 {
			tpl.segs = append(tpl.segs, arnSegment{kind: segLiteral, lit: rest})
			break
		}
		if i > 0 {
			tpl.segs = append(tpl.segs, arnSegment{kind: segLiteral, lit: rest[:i]})
		}
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return nil
		}
		ph := rest[i+2 : i+end]
		rest = rest[i+end+1:]
		last := !strings.Contains(rest, "${")
		seg, ok := placeholderSegment(service, typeName, ph, last, op, ov, member, callerDefault)
		if !ok {
			return nil
		}
		if seg.kind == segWithPath {
			tpl.entity = seg.entity
		}
		tpl.segs = append(tpl.segs, seg)
	}
	if !usedExtra {
		return nil // the rename override does not concern this format
	}
	if tpl.entity == entityNone && service == "iam" {
		tpl.entity = entityForIAMType(typeName)
	}
	segs := tpl.segs
	tpl.plain = service == "iam" && len(segs) == 6 && segs[0].lit == "arn:" && segs[1].kind == segPartition &&
		segs[2].lit == ":iam::" && segs[3].kind == segAccount && segs[4].kind == segLiteral && segs[5].kind == segWithPath
	return tpl
}

// placeholderSegment finds the source of one ARN placeholder.
func placeholderSegment(service, typeName, ph string, last bool, op *protocol.Operation, ov opOverride, member func(string) *field, callerDefault bool) (arnSegment, bool) {
	switch ph {
	case "Partition":
		return arnSegment{kind: segPartition}, true
	case "Region":
		return arnSegment{kind: segRegion}, true
	case "Account":
		// The caller's account, unless the operation names another
		// (sts:AssumeRoot acts on the root user of its TargetPrincipal).
		for _, name := range ov.members[ph] {
			if f := member(name); f.valid() && f.kind == fkString {
				return arnSegment{kind: segMember, member: f}, true
			}
		}
		for _, name := range placeholderMembers[service][ph] {
			if strings.HasPrefix(name, "@") {
				return arnSegment{kind: segMember, special: name}, true
			}
		}
		return arnSegment{kind: segAccount}, true
	}
	transform := placeholderTransforms[service][ph]
	// Names this operation's override gives, then the service's, then
	// the placeholder's own name.
	var candidates []string
	candidates = append(candidates, ov.members[ph]...)
	candidates = append(candidates, placeholderMembers[service][typeName+"/"+ph]...)
	candidates = append(candidates, placeholderMembers[service][ph]...)
	if wp, ok := withPathPlaceholders[ph]; ok && service == "iam" {
		seg := arnSegment{kind: segWithPath, entity: wp.kind, member: member(wp.member), transform: transform}
		if p := member("Path"); p.valid() && p.kind == fkString {
			seg.path = p
		}
		if wp.kind == entityUser && callerDefault {
			// IAM's user operations default to the caller when UserName
			// is absent (GetUser, ListAccessKeys, ChangePassword, ...).
			seg.callerDefault = true
			return seg, true
		}
		if seg.member.valid() {
			return seg, true
		}
		return arnSegment{}, false
	}
	candidates = append(candidates, ph)
	for _, name := range candidates {
		if strings.HasPrefix(name, "@") {
			return arnSegment{kind: segMember, special: name}, true
		}
		if f := member(name); f.valid() && (f.kind == fkString || f.kind == fkEnum || f.kind == fkInt) {
			return arnSegment{kind: segMember, member: f, transform: transform}, true
		}
	}
	// An id the service assigns when it creates the resource: the ARN
	// of a resource that does not exist yet holds a wildcard there, so
	// that policies naming the resource's other parts apply.
	if last && strings.HasPrefix(op.Name, "Create") && strings.HasSuffix(ph, "Id") {
		return arnSegment{kind: segWildcard}, true
	}
	return arnSegment{}, false
}

// planKeys finds the input members of the action's service condition keys.
//
// actionKeys maps, for this action only, a lower-cased key to the member
// (or "@" value) that supplies it (actionKeyMembers).
func planKeys(info *catalog.ActionInfo, fs *inputFields, actionKeys map[string]string) []keyPlan {
	seen := map[string]bool{}
	var keys []string
	add := func(list []string) {
		for _, k := range list {
			lk := strings.ToLower(k)
			if !seen[lk] {
				seen[lk] = true
				keys = append(keys, k)
			}
		}
	}
	add(info.ConditionKeys)
	for _, ref := range info.ResourceTypes {
		add(ref.ConditionKeys)
	}
	sort.Strings(keys)
	var out []keyPlan
	for _, k := range keys {
		svc, name, ok := strings.Cut(k, ":")
		if !ok || !strings.EqualFold(svc, info.Service) {
			continue // global keys are set for every request; other services' keys do not apply
		}
		lk := strings.ToLower(k)
		if i := strings.Index(name, "${"); i >= 0 {
			// A templated key: a map member's entries
			// (kms:EncryptionContext:${EncryptionContextKey}).
			base := strings.TrimRight(name[:i], ":/")
			if alias, ok := actionKeys[lk]; ok {
				if strings.HasPrefix(alias, "@") {
					out = append(out, keyPlan{key: k[:len(svc)+1+i], special: alias, mode: keyMapEntries})
					continue
				}
				base = alias
			}
			if f := fs.lookup(base); f.valid() && f.kind == fkStringMap {
				out = append(out, keyPlan{key: k[:len(svc)+1+i], member: f, mode: keyMapEntries})
			}
			continue
		}
		src := name
		if alias, ok := keyMembers[lk]; ok {
			src = alias
		}
		if alias, ok := actionKeys[lk]; ok {
			src = alias
		}
		if strings.HasPrefix(src, "@") {
			kp := keyPlan{key: k, special: src}
			if src == "@requestAlias" {
				// The member naming the key, as the action reads it.
				for _, m := range []string{"KeyId", "SourceKeyId", "DestinationKeyId", "TargetKeyId"} {
					if f := fs.lookup(m); f.valid() && f.kind == fkString {
						kp.member = f
						break
					}
				}
				if a, ok := actionKeys["@keymember"]; ok {
					kp.member = fs.lookup(a)
				}
				if !kp.member.valid() {
					continue
				}
			}
			out = append(out, kp)
			continue
		}
		f := fs.lookup(src)
		if !f.valid() {
			continue
		}
		switch f.kind {
		case fkStringMap:
			out = append(out, keyPlan{key: k, member: f, mode: keyMapKeys})
		case fkString, fkEnum, fkStrings, fkInt, fkFloat, fkBool:
			out = append(out, keyPlan{key: k, member: f, mode: keyValue})
		}
	}
	return out
}

// pickTemplates keeps, among the templates of an action's resource types
// that are built from the same members, those of the type the operation
// is named after. wafv2:CreateRuleGroup lists ipset, regexpatternset and
// rulegroup, all named by Scope, Name and Id: the rule group's Name makes
// a rule group ARN, not an IP set's. Templates from different members
// (KMS's alias and its target key) all stay.
func pickTemplates(resources []*resourcePlan, opName string) {
	groups := map[string][]*resourcePlan{}
	for _, rp := range resources {
		if len(rp.templates) > 0 {
			sig := rp.templates[0].signature()
			groups[sig] = append(groups[sig], rp)
		}
	}
	op := normalizeName(opName)
	for _, group := range groups {
		if len(group) < 2 {
			continue
		}
		var named []*resourcePlan
		for _, rp := range group {
			if strings.Contains(op, normalizeName(rp.typ.Name)) {
				named = append(named, rp)
			}
		}
		if len(named) == 0 {
			continue
		}
		for _, rp := range group {
			if !slices.Contains(named, rp) {
				rp.templates = nil
			}
		}
	}
}

// signature names the members a template reads.
func (t *arnTemplate) signature() string {
	var b strings.Builder
	for _, s := range t.segs {
		if s.member != nil {
			b.WriteString(s.member.name)
			b.WriteByte(',')
		}
	}
	return b.String()
}

// normalizeName lower-cases a name and drops what is not a letter or
// digit, so that "loadbalancer/app/" and "LoadBalancer" compare.
func normalizeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
