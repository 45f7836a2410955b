package policy

import "strings"

// This file turns a validated Policy into the form Evaluate reads: patterns
// pre-split at wildcards and variables, conditions with parsed numbers, dates
// and CIDRs, and statements indexed by the service prefix of their actions
// so a request looks at only the statements that can apply to it.
//
// Compiling allocates per policy, not per element: the statements' patterns,
// conditions and values come from blocks sized for the whole document, and
// small sets (a statement's variables, the services a policy names) are
// built in scratch space and copied out once.

// compiled is the evaluation form of a Policy.
type compiled struct {
	vars  bool // Version 2012-10-17: policy variables are interpreted
	stmts []cstmt
	// byService lists, for each lower-cased service prefix the policy names,
	// the indices of the statements that can match its actions, in document
	// order. An action pattern records its service as an index into
	// byService, so once Evaluate has found the entry it compares integers,
	// not strings.
	byService []serviceStatements
	// serviceSlots is an open-addressing table over byService: slot
	// hash&(len-1) onward holds the serviceKey and 1+index of an entry, 0
	// ending the probe. Evaluate computes the request's key once, so finding
	// a policy's entry compares integers rather than hashing the service
	// again for every policy as a map would.
	serviceSlots []serviceSlot
	// named and denied hold the serviceKey.bit of each service byService
	// names, and of each whose list has a Deny: a request for a service
	// whose bit is clear skips the lookup, and when only Deny statements
	// matter, perhaps the policy.
	named, denied uint64
	// other lists the statements that can match a service that byService
	// does not name (Action "*" or NotAction).
	other candidateLists
}

// candidateLists splits candidate statements by effect, so that a policy
// type that already has an Allow only evaluates its Deny statements.
type candidateLists struct {
	denies, allows []int32
}

type serviceStatements struct {
	service string
	candidateLists
}

type serviceSlot struct {
	key   serviceKey
	entry int32 // 1+index in byService; 0 for an empty slot
}

// serviceKey identifies a lower-cased service prefix for lookups: its
// FNV-1a hash, its length and its first eight bytes. Service prefixes are
// short, so for most the key alone decides equality without comparing
// strings.
type serviceKey struct {
	hash uint64
	head uint64 // the first eight bytes, little-endian, zero-padded
	n    int
}

// bit returns the key's bit in a 64-bit set of services.
func (k serviceKey) bit() uint64 { return 1 << (k.hash >> 58) }

// serviceKeyOf returns the key of svc, given as a string or bytes.
func serviceKeyOf[S string | []byte](svc S) serviceKey {
	k := serviceKey{hash: 14695981039346656037, n: len(svc)}
	for i := 0; i < len(svc); i++ {
		k.hash ^= uint64(svc[i])
		k.hash *= 1099511628211
		if i < 8 {
			k.head |= uint64(svc[i]) << (8 * i)
		}
	}
	return k
}

// cstmt is a compiled statement.
type cstmt struct {
	allow       bool
	notAction   bool
	notResource bool
	noResource  bool // trust policies: the statement applies to the role itself
	notPrinc    bool
	// anyResource: one of the resource patterns is "*", which is all that
	// can match a request without a resource (WildcardOnly).
	anyResource bool
	// universal: the statement may match an action of any service (it has
	// Action "*" or uses NotAction).
	universal bool
	actions   []actionPattern
	resources []resourcePattern
	principal *principals
	conds     []condition
	// vars lists the context keys of variables without defaults; when one
	// has no single value the statement does not apply.
	vars []ctxKey
}

// resourcePattern is a compiled Resource or NotResource pattern.
type resourcePattern struct {
	pattern
	// pairs is the pairSet of the pattern's literal text: a resource that
	// lacks one of these byte pairs cannot match, which Evaluate tests
	// before it runs the pattern (see evaluator.resourcePairs).
	pairs pairSet
}

// literalPairs returns the pairSet of the literal text of p, which a
// matching text must contain verbatim: literal and prefix text, and the
// literal tokens of case-sensitive patterns (variables vary).
func (p *pattern) literalPairs() pairSet {
	var m pairSet
	if p.kind == patAny || p.fold {
		return m
	}
	m.add(p.text)
	for i := range p.toks {
		if t := &p.toks[i]; t.kind == tLit {
			m.add(t.text)
		}
	}
	return m
}

// pairSet is a set of the adjacent byte pairs of a text: a Bloom filter
// that hashes each pair to one bit in each of two words. If s occurs in t,
// the pairs of s are a subset of those of t: a cheap proof that a literal
// is absent from a text, with no false negatives. A text as long as an ARN
// sets about half the bits of each word, so a literal with a few pairs of
// its own seldom passes by chance.
type pairSet [2]uint64

// add adds the pairs of s.
func (m *pairSet) add(s string) {
	a, b := m[0], m[1]
	for i := 1; i < len(s); i++ {
		h := (uint64(s[i-1])<<8 | uint64(s[i])) * 0x9E3779B97F4A7C15
		a |= 1 << (h >> 58)
		b |= 1 << (h >> 52 & 63)
	}
	m[0], m[1] = a, b
}

// within reports whether every pair of m is in t.
func (m *pairSet) within(t *pairSet) bool {
	return m[0]&^t[0]|m[1]&^t[1] == 0
}

// ctxKey is a lower-cased context key with its keyHash, which Context
// lookups compare before the key itself.
type ctxKey struct {
	name string
	hash uint32
}

// compile builds p's evaluation form. r is the parser state that read p: it
// holds the operators validate parsed and scratch space.
func compile(p *Policy, r *jreader) error {
	p.vars = p.Version == Version2012
	p.stmts = make([]cstmt, len(p.Statements))
	// Carve every statement's slices from one block per kind.
	var nAct, nRes, nCond, nVal int
	for i := range p.Statements {
		s := &p.Statements[i]
		nAct += len(s.Action) + len(s.NotAction)
		nRes += len(s.Resource) + len(s.NotResource)
		nCond += len(s.Condition)
		for _, c := range s.Condition {
			nVal += len(c.Values)
		}
	}
	actSlab := make([]actionPattern, nAct)
	resSlab := make([]resourcePattern, nRes)
	var condSlab []condition
	var valSlab []condValue
	if nCond > 0 {
		condSlab = make([]condition, nCond)
		valSlab = make([]condValue, nVal)
	}
	ar := &patternArena{scratch: &r.toks, pats: &r.pats}
	// The lower-cased service of each action, in order, for indexServices.
	r.svcs = r.svcs[:0]
	lastSvc, lastLower := "", ""
	var keys keyCache
	// The statements' variable keys, end to end. Each statement's vars is a
	// capped slice of it; one taken before a later append moved the array
	// still reads the same keys, as elements are never changed.
	allVars := make([]ctxKey, 0, len(p.Statements))
	ops := r.ops
	resOpts := patternOpts{wildcards: true, arn: true, vars: p.vars}
	for i := range p.Statements {
		s := &p.Statements[i]
		c := &p.stmts[i]
		c.allow = s.Effect == "Allow"
		acts := s.Action
		if s.hasNotAction {
			acts, c.notAction = s.NotAction, true
		}
		c.universal = c.notAction
		c.actions, actSlab = actSlab[:len(acts):len(acts)], actSlab[len(acts):]
		for j, a := range acts {
			svc := compileAction(&c.actions[j], a, ar)
			c.universal = c.universal || c.actions[j].all
			// Lower-case each service once: statements repeat them.
			if svc != lastSvc {
				lastSvc, lastLower = svc, strings.ToLower(svc)
			}
			r.svcs = append(r.svcs, lastLower)
		}
		res := s.Resource
		if s.hasNotResource {
			res, c.notResource = s.NotResource, true
		}
		c.noResource = !s.hasResource && !s.hasNotResource
		c.resources, resSlab = resSlab[:len(res):len(res)], resSlab[len(res):]
		start := len(allVars)
		for j, rs := range res {
			rp := &c.resources[j]
			ar.compile(&rp.pattern, rs, resOpts)
			rp.pairs = rp.literalPairs()
			c.anyResource = c.anyResource || rp.kind == patAny
			allVars = requiredVars(allVars, start, &rp.pattern)
		}
		switch {
		case s.Principal != nil:
			c.principal = compilePrincipals(s.Principal)
		case s.NotPrincipal != nil:
			c.principal, c.notPrinc = compilePrincipals(s.NotPrincipal), true
		}
		n := len(s.Condition)
		c.conds, condSlab = condSlab[:n:n], condSlab[n:]
		for j := range s.Condition {
			cond := &s.Condition[j]
			var vals []condValue
			vals, valSlab = valSlab[:len(cond.Values):len(cond.Values)], valSlab[len(cond.Values):]
			if err := compileCondition(&c.conds[j], cond, ops[0], p.vars, vals, ar, &keys); err != nil {
				return err
			}
			ops = ops[1:]
			for k := range vals {
				allVars = requiredVars(allVars, start, &vals[k].pat)
			}
		}
		if end := len(allVars); end > start {
			c.vars = allVars[start:end:end]
		}
	}
	ar.finish()
	p.indexServices(r.svcs)
	return nil
}

// requiredVars appends to vars the keys of variables without defaults in p
// that vars[start:] does not hold yet.
func requiredVars(vars []ctxKey, start int, p *pattern) []ctxKey {
	for i := range p.toks {
		t := &p.toks[i]
		if t.kind != tVar || t.hasDef {
			continue
		}
		seen := false
		for _, k := range vars[start:] {
			if k.name == t.text {
				seen = true
				break
			}
		}
		if !seen {
			vars = append(vars, ctxKey{name: t.text, hash: t.hash})
		}
	}
	return vars
}

// indexServices builds byService, serviceSlots and other, and records in
// each action pattern the index of its service in byService. services
// holds the lower-cased service of each action pattern, in order.
func (p *Policy) indexServices(services []string) {
	// Number the distinct services in first-seen order. Policies name a few
	// services, so a linear search beats a map; one that names many (AWS's
	// read-only policies list hundreds) switches to a map.
	var nameBuf [16]string
	names := nameBuf[:0]
	var index map[string]int32
	for i := range p.stmts {
		c := &p.stmts[i]
		for j := range c.actions {
			a, service := &c.actions[j], services[0]
			services = services[1:]
			if a.all {
				continue
			}
			k := int32(-1)
			if index != nil {
				if v, ok := index[service]; ok {
					k = v
				}
			} else {
				for n, s := range names {
					if s == service {
						k = int32(n)
						break
					}
				}
			}
			if k < 0 {
				k = int32(len(names))
				names = append(names, service)
				if index != nil {
					index[service] = k
				} else if len(names) > len(nameBuf) {
					index = make(map[string]int32, 2*len(names))
					for n, s := range names {
						index[s] = int32(n)
					}
				}
			}
			a.svc = k
		}
	}

	// Count each list, then carve them all from one block. A statement
	// goes into the list of every service it names, once, and a universal
	// statement into every list and into other.
	if len(names) > 0 {
		p.byService = make([]serviceStatements, len(names))
	}
	lists := func(k int) *candidateLists {
		if k == len(names) {
			return &p.other
		}
		return &p.byService[k].candidateLists
	}
	type counts struct {
		denies, allows int32
		last           int32 // 1+the last statement counted
	}
	var perBuf [len(nameBuf) + 1]counts
	per := perBuf[:0]
	if len(names) < len(perBuf) {
		per = perBuf[:len(names)+1] // the last one counts other
	} else {
		per = make([]counts, len(names)+1)
	}
	// forEach calls f with each list statement i belongs in.
	forEach := func(i int, f func(k int)) {
		c := &p.stmts[i]
		if c.universal {
			for k := range per {
				f(k)
			}
			return
		}
		for j := range c.actions {
			if k := c.actions[j].svc; per[k].last != int32(i+1) {
				per[k].last = int32(i + 1)
				f(int(k))
			}
		}
	}
	total := 0
	for i := range p.stmts {
		allow := p.stmts[i].allow
		forEach(i, func(k int) {
			if allow {
				per[k].allows++
			} else {
				per[k].denies++
			}
			total++
		})
	}
	slab := make([]int32, total)
	for k := range per {
		l := lists(k)
		d, a := int(per[k].denies), int(per[k].allows)
		l.denies, slab = slab[:0:d], slab[d:]
		l.allows, slab = slab[:0:a], slab[a:]
		per[k].last = 0
	}
	for i := range p.stmts {
		allow := p.stmts[i].allow
		forEach(i, func(k int) {
			if l := lists(k); allow {
				l.allows = append(l.allows, int32(i))
			} else {
				l.denies = append(l.denies, int32(i))
			}
		})
	}
	if len(names) == 0 {
		return
	}
	size := 4
	for size < 2*len(names) {
		size *= 2
	}
	p.serviceSlots = make([]serviceSlot, size)
	for i, svc := range names {
		p.byService[i].service = svc
		k := serviceKeyOf(svc)
		j := k.hash & uint64(size-1)
		for p.serviceSlots[j].entry != 0 {
			j = (j + 1) & uint64(size-1)
		}
		p.serviceSlots[j] = serviceSlot{key: k, entry: int32(i + 1)}
		p.named |= k.bit()
		if len(p.byService[i].denies) > 0 {
			p.denied |= k.bit()
		}
	}
}

// candidates returns the statements that may match an action of the given
// lower-cased service, whose key is k, and the index of the service in
// byService, -1 when the policy does not name it. (Evaluate first tests
// named, which saves the call for most services a policy does not name.)
func (p *Policy) candidates(svc []byte, k *serviceKey) (*candidateLists, int32) {
	slots := p.serviceSlots
	for j := k.hash; len(slots) > 0; j++ {
		sl := &slots[j&uint64(len(slots)-1)]
		if sl.entry == 0 {
			break
		}
		if sl.key == *k && (k.n <= 8 || p.sameTail(sl.entry-1, svc)) {
			return &p.byService[sl.entry-1].candidateLists, sl.entry - 1
		}
	}
	return &p.other, -1
}

// sameTail reports whether the service of byService[i] ends like svc after
// the eight bytes its key holds.
func (p *Policy) sameTail(i int32, svc []byte) bool {
	return string(svc[8:]) == p.byService[i].service[8:]
}

// keyCache remembers the condition keys a policy has lower-cased and
// hashed: policies repeat the same few keys in statement after statement.
type keyCache struct {
	keys [8]struct {
		orig string
		key  ctxKey
	}
	n, next int
}

// get returns the lower-cased form of key and its hash.
func (kc *keyCache) get(key string) ctxKey {
	for i := 0; i < kc.n; i++ {
		if e := &kc.keys[i]; e.orig == key {
			return e.key
		}
	}
	lower := lowerKey(key)
	k := ctxKey{name: lower, hash: keyHash(lower)}
	e := &kc.keys[kc.next]
	e.orig, e.key = key, k
	kc.next = (kc.next + 1) % len(kc.keys)
	if kc.n < len(kc.keys) {
		kc.n++
	}
	return k
}
