package catalog

// ServiceInfo describes an AWS service as IAM sees it.
type ServiceInfo struct {
	// Prefix is the service prefix of its action names: "kms",
	// "elasticloadbalancing".
	Prefix string
	// Name is the service's name: "AWS Key Management Service".
	Name string
	// Actions are the service's actions, sorted by name.
	Actions []*ActionInfo
	// ResourceTypes are the service's resource types, sorted by name.
	ResourceTypes []*ResourceTypeInfo
	// ConditionKeys are the condition keys the service supports, sorted by
	// name, with the types the service gives them. They include the global
	// keys the service documents (aws:RequestTag/${TagKey}, ...), but only
	// the keys the package-level ConditionKey returns carry Global and
	// Category.
	ConditionKeys []*ConditionKeyInfo

	actions   map[string]*ActionInfo       // by lower-cased name
	resources map[string]*ResourceTypeInfo // by lower-cased name
	keys      keyIndex
}

// Action returns the service's action name ("Encrypt", without the
// prefix), compared case-insensitively.
func (s *ServiceInfo) Action(name string) (*ActionInfo, bool) {
	var buf foldBuf
	a, ok := s.actions[string(fold(&buf, name))]
	return a, ok
}

// ResourceType returns the service's resource type name, compared
// case-insensitively.
func (s *ServiceInfo) ResourceType(name string) (*ResourceTypeInfo, bool) {
	var buf foldBuf
	r, ok := s.resources[string(fold(&buf, name))]
	return r, ok
}

// ConditionKey returns the service's condition key name refers to, exactly
// or through a template, as the package-level ConditionKey does but among
// the service's keys only.
func (s *ServiceInfo) ConditionKey(name string) (*ConditionKeyInfo, bool) {
	return s.keys.lookup(name)
}

// ResourceTypesForARN returns the service's resource types whose ARN
// formats arn matches (see ResourceTypeInfo.MatchARN), in name order.
func (s *ServiceInfo) ResourceTypesForARN(arn string) []*ResourceTypeInfo {
	var out []*ResourceTypeInfo
	for _, r := range s.ResourceTypes {
		if r.MatchARN(arn) {
			out = append(out, r)
		}
	}
	return out
}

// Service returns the service with the given prefix, compared
// case-insensitively. The first call for a service parses its data.
func Service(prefix string) (*ServiceInfo, bool) {
	var buf foldBuf
	return loadedService(fold(&buf, prefix))
}

// Services returns the prefixes of all services in the catalog, sorted.
func Services() []string {
	idx := loadIndex()
	out := make([]string, len(idx.services))
	for i, e := range idx.services {
		out[i] = e.prefix
	}
	return out
}
