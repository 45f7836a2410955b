package catalog

// ActionInfo describes an IAM action.
type ActionInfo struct {
	// Service is the prefix of the action's service: "kms".
	Service string
	// Name is the action's name without the prefix: "Encrypt".
	Name string
	// AccessLevel is the level the service authorization reference gives
	// the action.
	AccessLevel AccessLevel
	// ResourceTypes are the resource types the action takes, in the
	// reference's order. An action with none supports no resource-level
	// permissions: a policy can grant it only on "*".
	ResourceTypes []ResourceRef
	// ConditionKeys are the condition keys the action supports besides
	// those of its resource types.
	ConditionKeys []string
	// DependentActions are the further actions a caller needs for this one
	// to succeed (such as iam:PassRole), as "service:Action" names. The
	// pinned data lists none: AWS's machine-readable reference it is built
	// from does not carry them.
	DependentActions []string
	// SupportsResourceLevel reports whether the action takes any resource
	// type, that is whether a policy can scope it to particular resources.
	SupportsResourceLevel bool
	// Scenarios are, for the few actions whose resources depend on how they
	// are called (ec2:RunInstances, cloudwatch:TagResource, ...), the named
	// alternative sets of resource types.
	Scenarios []Scenario
}

// String returns the full action name: "kms:Encrypt".
func (a *ActionInfo) String() string { return a.Service + ":" + a.Name }

// ResourceRef is a resource type an action takes.
type ResourceRef struct {
	// Name is the resource type's name within the action's service.
	Name string
	// Required reports whether a request for the action always involves a
	// resource of this type.
	Required bool
	// ConditionKeys are the condition keys that apply when the action is
	// performed on a resource of this type (beyond the type's own).
	ConditionKeys []string
	// DependentActions are the further actions needed when the action is
	// performed on a resource of this type. The pinned data lists none.
	DependentActions []string
	// ResourceType is the type itself, or nil in the unlikely case that
	// the data names a type the service does not define.
	ResourceType *ResourceTypeInfo
}

// Scenario is a named alternative set of resource types of an action.
type Scenario struct {
	Name string
	// ResourceTypes carry Name, Required and ResourceType only.
	ResourceTypes []ResourceRef
}

// Action returns the action with the full name "service:Action", such as
// "kms:Encrypt"; service prefix and action name compare case-insensitively.
// It does not allocate unless name is unusually long. The first call
// indexes every action name of the catalog (see actionIndex).
func Action(name string) (*ActionInfo, bool) {
	var buf foldBuf
	r, ok := loadActionIndex()[string(fold(&buf, name))]
	if !ok {
		return nil, false
	}
	return r.entry.load().Actions[r.i], true
}

// Actions returns the actions of the service with prefix service, sorted by
// name, or nil for an unknown service.
func Actions(service string) []*ActionInfo {
	s, ok := Service(service)
	if !ok {
		return nil
	}
	return s.Actions
}
