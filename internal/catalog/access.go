package catalog

// AccessLevel is the access level AWS's service authorization reference
// assigns an action.
type AccessLevel uint8

// The access levels. The zero value is no level; every action in the
// catalog has one of the others.
const (
	AccessList AccessLevel = iota + 1
	AccessRead
	AccessWrite
	AccessPermissionsManagement
	AccessTagging
)

// accessLevelNames are the names the reference (and the catalog text) uses.
var accessLevelNames = [...]string{
	AccessList:                  "List",
	AccessRead:                  "Read",
	AccessWrite:                 "Write",
	AccessPermissionsManagement: "Permissions management",
	AccessTagging:               "Tagging",
}

// String returns the level as the reference spells it: "List", "Read",
// "Write", "Permissions management" or "Tagging".
func (l AccessLevel) String() string {
	if int(l) < len(accessLevelNames) && accessLevelNames[l] != "" {
		return accessLevelNames[l]
	}
	return "AccessLevel(?)"
}

// parseAccessLevel reads a level as String returns it.
func parseAccessLevel(s string) (AccessLevel, bool) {
	for l, name := range accessLevelNames {
		if name != "" && name == s {
			return AccessLevel(l), true
		}
	}
	return 0, false
}
