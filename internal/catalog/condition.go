package catalog

// ConditionKeyInfo describes a condition key.
type ConditionKeyInfo struct {
	// Name is the key as AWS spells it. A templated key keeps its
	// placeholder: "aws:RequestTag/${TagKey}", "s3:ExistingObjectTag/<key>".
	Name string
	// Type is the key's data type.
	Type ConditionType
	// Global is set for the AWS global condition keys (aws:SourceIp,
	// aws:PrincipalTag/${TagKey}, ...) and the cross-service keys AWS lists
	// with them (ec2:SourceInstanceArn, lambda:SourceFunctionArn, ...).
	Global bool
	// Category groups a global key as AWS's "global condition context
	// keys" page does: "principal", "session", "network", "resource" or
	// "request". It is empty for other keys.
	Category string

	lower    string      // Name, lower-cased
	template keyTemplate // compiled when the key is templated
}

// IsTemplate reports whether the key has a placeholder, such as the
// ${TagKey} of "aws:RequestTag/${TagKey}", that concrete keys fill in.
func (k *ConditionKeyInfo) IsTemplate() bool { return len(k.template.segments) > 0 }

// Matches reports whether the concrete key name is this key: the same name,
// case-insensitively, or for a templated key a name that fills in its
// placeholders ("aws:RequestTag/team" matches "aws:RequestTag/${TagKey}").
func (k *ConditionKeyInfo) Matches(name string) bool {
	var buf foldBuf
	lower := fold(&buf, name)
	if string(lower) == k.lower {
		return true
	}
	return k.IsTemplate() && k.template.match(lower)
}

// ConditionKey returns the condition key name refers to: the key of that
// name, or the templated key it fills in ("aws:PrincipalTag/team" returns
// aws:PrincipalTag/${TagKey}; "kms:EncryptionContext:purpose" returns
// kms:EncryptionContext:${EncryptionContextKey}). It knows the keys of
// every service and the AWS global keys. When several templates match, the
// one with the most literal text wins.
func ConditionKey(name string) (*ConditionKeyInfo, bool) {
	return loadGlobalKeys().lookup(name)
}

// keyIndex finds condition keys by name, exactly or through templates.
type keyIndex struct {
	exact     map[string]*ConditionKeyInfo // by lower-cased name, templates included
	templates map[string][]templateGroup   // templated keys by keyNamespace
	unscoped  []templateGroup              // templated keys whose namespace is ""
}

// templateGroup holds the templated keys that begin with the same literal
// text, so that a lookup tries only the templates its name could fill in.
type templateGroup struct {
	lead string // the lower-cased literal text before the first placeholder
	keys []*ConditionKeyInfo
}

// newKeyIndex indexes keys; a later key of the same name replaces an
// earlier one.
func newKeyIndex(keys []ConditionKeyInfo) keyIndex {
	x := keyIndex{exact: make(map[string]*ConditionKeyInfo, len(keys))}
	for i := range keys {
		k := &keys[i]
		lower := lowerASCII(k.Name)
		k.lower = lower
		x.exact[lower] = k
		t, ok := compileKeyTemplate(k.Name)
		if !ok {
			continue
		}
		k.template = t
		if ns := keyNamespace([]byte(lower)); len(ns) == 0 {
			x.unscoped = addToGroup(x.unscoped, k)
		} else {
			if x.templates == nil {
				x.templates = map[string][]templateGroup{}
			}
			x.templates[string(ns)] = addToGroup(x.templates[string(ns)], k)
		}
	}
	return x
}

// addToGroup adds a templated key to the group of its leading literal.
func addToGroup(groups []templateGroup, k *ConditionKeyInfo) []templateGroup {
	lead := k.template.segments[0].lit
	g := 0
	for g < len(groups) && groups[g].lead != lead {
		g++
	}
	if g == len(groups) {
		groups = append(groups, templateGroup{lead: lead})
	}
	groups[g].keys = append(groups[g].keys, k)
	return groups
}

// lookup returns the key name refers to, as ConditionKey describes.
func (x *keyIndex) lookup(name string) (*ConditionKeyInfo, bool) {
	var buf foldBuf
	lower := fold(&buf, name)
	if k, ok := x.exact[string(lower)]; ok {
		return k, true
	}
	if len(x.templates) == 0 && len(x.unscoped) == 0 {
		return nil, false
	}
	best := bestTemplate(nil, x.unscoped, lower)
	if ns := keyNamespace(lower); len(ns) > 0 {
		best = bestTemplate(best, x.templates[string(ns)], lower)
	}
	return best, best != nil
}

// bestTemplate returns the most specific of best and the keys of groups
// that s fills in.
func bestTemplate(best *ConditionKeyInfo, groups []templateGroup, s []byte) *ConditionKeyInfo {
	for _, g := range groups {
		if !hasPrefix(s, g.lead) {
			continue
		}
		for _, k := range g.keys {
			if (best == nil || k.template.literal > best.template.literal) && k.template.match(s) {
				best = k
			}
		}
	}
	return best
}
