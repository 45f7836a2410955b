package catalog

import "testing"

func TestTemplatedConditionKeys(t *testing.T) {
	for _, c := range []struct {
		name, want string
		typ        ConditionType
	}{
		{"aws:RequestTag/team", "aws:RequestTag/${TagKey}", TypeString},
		{"AWS:requesttag/Team", "aws:RequestTag/${TagKey}", TypeString},
		{"aws:ResourceTag/team/sub:x", "aws:ResourceTag/${TagKey}", TypeString}, // tag keys may hold / and :
		{"aws:PrincipalTag/department", "aws:PrincipalTag/${TagKey}", TypeString},
		{"kms:EncryptionContext:purpose", "kms:EncryptionContext:${EncryptionContextKey}", TypeString},
		{"KMS:ENCRYPTIONCONTEXT:Purpose", "kms:EncryptionContext:${EncryptionContextKey}", TypeString},
		{"s3:ExistingObjectTag/classification", "s3:ExistingObjectTag/<key>", TypeString},
		{"s3:RequestObjectTag/classification", "s3:RequestObjectTag/<key>", TypeString},
		{"iam:ResourceTag/team", "iam:ResourceTag/${TagKey}", TypeString},
		{"token.actions.githubusercontent.com/my-org:actor", "token.actions.githubusercontent.com/${SubPath}:actor", TypeString},
		// The template itself is a key too.
		{"aws:RequestTag/${TagKey}", "aws:RequestTag/${TagKey}", TypeString},
	} {
		k, ok := ConditionKey(c.name)
		if !ok {
			t.Errorf("ConditionKey(%q) not found", c.name)
			continue
		}
		if k.Name != c.want || k.Type != c.typ || !k.IsTemplate() {
			t.Errorf("ConditionKey(%q) = %s %v template=%v, want %s %v", c.name, k.Name, k.Type, k.IsTemplate(), c.want, c.typ)
		}
		if !k.Matches(c.name) {
			t.Errorf("%s.Matches(%q) = false", k.Name, c.name)
		}
	}
	for _, name := range []string{"aws:RequestTag/", "aws:RequestTag", "kms:EncryptionContext:", "s3:ExistingObjectTag/"} {
		if k, ok := ConditionKey(name); ok {
			t.Errorf("ConditionKey(%q) = %s, want none (placeholders take one character or more)", name, k.Name)
		}
	}
}

func TestGlobalConditionKeys(t *testing.T) {
	// Types as AWS's "AWS global condition context keys" page gives them.
	for name, typ := range map[string]ConditionType{
		"aws:PrincipalArn":              TypeARN,
		"aws:PrincipalAccount":          TypeString,
		"aws:PrincipalOrgID":            TypeString,
		"aws:PrincipalOrgPaths":         TypeArrayOfString,
		"aws:PrincipalTag/${TagKey}":    TypeString,
		"aws:PrincipalType":             TypeString,
		"aws:userid":                    TypeString,
		"aws:username":                  TypeString,
		"aws:SourceIp":                  TypeIPAddress,
		"aws:SourceVpc":                 TypeString,
		"aws:SourceVpce":                TypeString,
		"aws:VpcSourceIp":               TypeIPAddress,
		"aws:SecureTransport":           TypeBool,
		"aws:CurrentTime":               TypeDate,
		"aws:EpochTime":                 TypeDate,
		"aws:MultiFactorAuthPresent":    TypeBool,
		"aws:MultiFactorAuthAge":        TypeNumeric,
		"aws:TokenIssueTime":            TypeDate,
		"aws:RequestedRegion":           TypeString,
		"aws:RequestTag/${TagKey}":      TypeString,
		"aws:ResourceTag/${TagKey}":     TypeString,
		"aws:TagKeys":                   TypeArrayOfString,
		"aws:SourceIdentity":            TypeString,
		"aws:ViaAWSService":             TypeBool,
		"aws:CalledVia":                 TypeArrayOfString,
		"aws:CalledViaFirst":            TypeString,
		"aws:CalledViaLast":             TypeString,
		"aws:SourceArn":                 TypeARN,
		"aws:SourceAccount":             TypeString,
		"aws:SourceOrgID":               TypeString,
		"aws:SourceOrgPaths":            TypeArrayOfString,
		"aws:ResourceAccount":           TypeString,
		"aws:ResourceOrgID":             TypeString,
		"aws:ResourceOrgPaths":          TypeArrayOfString,
		"aws:PrincipalIsAWSService":     TypeBool,
		"aws:PrincipalServiceName":      TypeString,
		"aws:PrincipalServiceNamesList": TypeArrayOfString,
		"aws:FederatedProvider":         TypeString,
		"aws:Referer":                   TypeString,
		"aws:UserAgent":                 TypeString,
	} {
		k, ok := ConditionKey(name)
		if !ok {
			t.Errorf("global key %s not found", name)
			continue
		}
		if k.Name != name || k.Type != typ || !k.Global || k.Category == "" {
			t.Errorf("ConditionKey(%s) = %+v, want type %v, global", name, k, typ)
		}
	}
	// Not an AWS key: multi-factor presence is aws:MultiFactorAuthPresent.
	if k, ok := ConditionKey("aws:IsMFAPresent"); ok {
		t.Errorf("aws:IsMFAPresent found: %+v", k)
	}
	if k, ok := ConditionKey("aws:referer"); !ok || k.Name != "aws:Referer" {
		t.Errorf("aws:referer = %+v, %v", k, ok)
	}
}

func TestServiceConditionKeys(t *testing.T) {
	for name, typ := range map[string]ConditionType{
		"kms:CallerAccount":                  TypeString,
		"kms:EncryptionContextKeys":          TypeArrayOfString,
		"kms:BypassPolicyLockoutSafetyCheck": TypeBool,
		"iam:PermissionsBoundary":            TypeARN,
		"s3:object-lock-retain-until-date":   TypeDate,
		"identitystore:UserId":               TypeString, // String in identitystore, ArrayOfString in q: the owner wins
	} {
		k, ok := ConditionKey(name)
		if !ok || k.Type != typ || k.IsTemplate() {
			t.Errorf("ConditionKey(%s) = %+v, %v; want type %v", name, k, ok, typ)
		}
	}
	if k, ok := ConditionKey("kms:Nope"); ok {
		t.Errorf("kms:Nope found: %+v", k)
	}
	if _, ok := ConditionKey(""); ok {
		t.Error("empty key found")
	}

	kms, _ := Service("kms")
	if k, ok := kms.ConditionKey("kms:EncryptionContext:x"); !ok || k.Name != "kms:EncryptionContext:${EncryptionContextKey}" {
		t.Errorf("kms.ConditionKey(kms:EncryptionContext:x) = %+v, %v", k, ok)
	}
	if k, ok := kms.ConditionKey("s3:ExistingObjectTag/x"); ok {
		t.Errorf("kms.ConditionKey(s3 key) = %+v", k)
	}
	if k, ok := kms.ConditionKey("aws:RequestTag/x"); !ok || k.Global {
		t.Errorf("kms.ConditionKey(aws:RequestTag/x) = %+v, %v (service keys carry no global flag)", k, ok)
	}
}

func TestConditionKeyDoesNotAllocate(t *testing.T) {
	ConditionKey("aws:SourceIp") // load the table
	for _, name := range []string{"aws:SourceIp", "aws:RequestTag/cost-center",
		"token.actions.githubusercontent.com/my-org/my-repo:job_workflow_ref"} {
		if n := testing.AllocsPerRun(50, func() { ConditionKey(name) }); n != 0 {
			t.Errorf("ConditionKey(%q) allocates %v times", name, n)
		}
	}
}

func TestConditionTypeNames(t *testing.T) {
	for _, name := range []string{"String", "ARN", "Numeric", "Date", "Bool", "IPAddress", "Binary",
		"ArrayOfString", "ArrayOfARN", "ArrayOfNumeric", "ArrayOfDate", "ArrayOfBool", "ArrayOfIPAddress", "ArrayOfBinary"} {
		typ, ok := parseConditionType(name)
		if !ok || typ.String() != name {
			t.Errorf("parseConditionType(%q) = %v, %v", name, typ, ok)
		}
	}
	if !TypeArrayOfARN.IsArray() || TypeArrayOfARN.Elem() != TypeARN || TypeARN.IsArray() {
		t.Error("array bit wrong")
	}
	if _, ok := parseConditionType("ArrayOfFloat"); ok {
		t.Error("ArrayOfFloat parsed")
	}
}

func TestMostSpecificTemplateWins(t *testing.T) {
	keys := []ConditionKeyInfo{
		{Name: "x:Tag/${K}", Type: TypeString},
		{Name: "x:Tag/${K}/Matcher", Type: TypeBool},
	}
	idx := newKeyIndex(keys)
	if k, ok := idx.lookup("x:tag/a/b/matcher"); !ok || k.Type != TypeBool {
		t.Errorf("lookup = %+v, %v; want the /Matcher template", k, ok)
	}
	if k, ok := idx.lookup("x:tag/a/b"); !ok || k.Type != TypeString {
		t.Errorf("lookup = %+v, %v; want the plain template", k, ok)
	}
}
