package catalog

import "strings"

// ConditionType is the data type of a condition key: one of the scalar IAM
// condition types, possibly with the TypeArray bit for multivalued keys
// (ArrayOfString and the like).
type ConditionType uint8

// The scalar condition types.
const (
	TypeString ConditionType = iota + 1
	TypeARN
	TypeNumeric
	TypeDate
	TypeBool
	TypeIPAddress
	TypeBinary
)

// TypeArray marks a multivalued key; the other bits give its element type.
const TypeArray ConditionType = 0x80

// The multivalued condition types.
const (
	TypeArrayOfString    = TypeArray | TypeString
	TypeArrayOfARN       = TypeArray | TypeARN
	TypeArrayOfNumeric   = TypeArray | TypeNumeric
	TypeArrayOfDate      = TypeArray | TypeDate
	TypeArrayOfBool      = TypeArray | TypeBool
	TypeArrayOfIPAddress = TypeArray | TypeIPAddress
	TypeArrayOfBinary    = TypeArray | TypeBinary
)

// scalarTypeNames are the names of the scalar types, as AWS spells them.
var scalarTypeNames = [...]string{
	TypeString:    "String",
	TypeARN:       "ARN",
	TypeNumeric:   "Numeric",
	TypeDate:      "Date",
	TypeBool:      "Bool",
	TypeIPAddress: "IPAddress",
	TypeBinary:    "Binary",
}

// IsArray reports whether keys of the type are multivalued.
func (t ConditionType) IsArray() bool { return t&TypeArray != 0 }

// Elem returns the scalar type: the element type of an array type, or t.
func (t ConditionType) Elem() ConditionType { return t &^ TypeArray }

// String returns the type as AWS spells it: "String", "ArrayOfString", ...
func (t ConditionType) String() string {
	e := t.Elem()
	if int(e) >= len(scalarTypeNames) || scalarTypeNames[e] == "" {
		return "ConditionType(?)"
	}
	if t.IsArray() {
		return "ArrayOf" + scalarTypeNames[e]
	}
	return scalarTypeNames[e]
}

// parseConditionType reads a type as String returns it.
func parseConditionType(s string) (ConditionType, bool) {
	var t ConditionType
	if rest, ok := strings.CutPrefix(s, "ArrayOf"); ok {
		t, s = TypeArray, rest
	}
	for e, name := range scalarTypeNames {
		if name != "" && name == s {
			return t | ConditionType(e), true
		}
	}
	return 0, false
}
