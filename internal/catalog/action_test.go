package catalog

import (
	"slices"
	"testing"
)

// mustAction returns an action the pinned data has.
func mustAction(t *testing.T, name string) *ActionInfo {
	t.Helper()
	a, ok := Action(name)
	if !ok {
		t.Fatalf("Action(%q) not found", name)
	}
	return a
}

func TestKMSEncrypt(t *testing.T) {
	a := mustAction(t, "kms:Encrypt")
	if a.Service != "kms" || a.Name != "Encrypt" || a.String() != "kms:Encrypt" {
		t.Errorf("names = %q %q %q", a.Service, a.Name, a.String())
	}
	if a.AccessLevel != AccessWrite {
		t.Errorf("access level = %v, want Write", a.AccessLevel)
	}
	if !a.SupportsResourceLevel || len(a.ResourceTypes) != 1 {
		t.Fatalf("resource types = %+v", a.ResourceTypes)
	}
	ref := a.ResourceTypes[0]
	if ref.Name != "key" || !ref.Required || ref.ResourceType == nil {
		t.Errorf("resource ref = %+v", ref)
	} else if want := []string{"arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}"}; !slices.Equal(ref.ResourceType.ARNFormats, want) {
		t.Errorf("key ARN formats = %q, want %q", ref.ResourceType.ARNFormats, want)
	}
	for _, k := range []string{"kms:EncryptionContext:${EncryptionContextKey}", "kms:EncryptionAlgorithm", "kms:ViaService"} {
		if !slices.Contains(a.ConditionKeys, k) {
			t.Errorf("condition keys %q lack %s", a.ConditionKeys, k)
		}
	}
}

func TestIAMListUsersHasNoResourceLevel(t *testing.T) {
	// The data lists no resource type for iam:ListUsers: a policy can only
	// grant it on "*".
	a := mustAction(t, "iam:ListUsers")
	if a.SupportsResourceLevel || len(a.ResourceTypes) != 0 {
		t.Errorf("iam:ListUsers resource types = %+v", a.ResourceTypes)
	}
	if a.AccessLevel != AccessList {
		t.Errorf("access level = %v, want List", a.AccessLevel)
	}
}

func TestS3GetObject(t *testing.T) {
	a := mustAction(t, "s3:GetObject")
	if a.AccessLevel != AccessRead {
		t.Errorf("access level = %v, want Read", a.AccessLevel)
	}
	i := slices.IndexFunc(a.ResourceTypes, func(r ResourceRef) bool { return r.Name == "object" })
	if i < 0 {
		t.Fatalf("resource types %+v lack object", a.ResourceTypes)
	}
	obj := a.ResourceTypes[i].ResourceType
	if want := []string{"arn:${Partition}:s3:::${BucketName}/${ObjectName}"}; obj == nil || !slices.Equal(obj.ARNFormats, want) {
		t.Errorf("object type = %+v, want formats %q", obj, want)
	}
	if !slices.Contains(a.ConditionKeys, "s3:ExistingObjectTag/<key>") {
		t.Errorf("condition keys %q lack s3:ExistingObjectTag/<key>", a.ConditionKeys)
	}
}

func TestIAMCreateUser(t *testing.T) {
	a := mustAction(t, "iam:CreateUser")
	if a.AccessLevel != AccessWrite || len(a.ResourceTypes) != 1 || a.ResourceTypes[0].Name != "user" || !a.ResourceTypes[0].Required {
		t.Errorf("iam:CreateUser = %+v", a)
	}
	for _, k := range []string{"aws:RequestTag/${TagKey}", "aws:TagKeys", "iam:PermissionsBoundary"} {
		if !slices.Contains(a.ConditionKeys, k) {
			t.Errorf("condition keys %q lack %s", a.ConditionKeys, k)
		}
	}
}

func TestAccessLevels(t *testing.T) {
	for name, want := range map[string]AccessLevel{
		"kms:TagResource":       AccessTagging,               // "Tagging, Write" in the package
		"iam:PutRolePolicy":     AccessPermissionsManagement, // "Permissions management, Write"
		"kms:PutKeyPolicy":      AccessPermissionsManagement,
		"sts:GetCallerIdentity": AccessRead,
		"s3:ListAllMyBuckets":   AccessList,
		"wafv2:CreateWebACL":    AccessWrite,
	} {
		if a := mustAction(t, name); a.AccessLevel != want {
			t.Errorf("%s access level = %v, want %v", name, a.AccessLevel, want)
		}
	}
	if got := AccessPermissionsManagement.String(); got != "Permissions management" {
		t.Errorf("String() = %q", got)
	}
	if got := AccessLevel(0).String(); got != "AccessLevel(?)" {
		t.Errorf("zero String() = %q", got)
	}
}

func TestActionCaseInsensitive(t *testing.T) {
	a := mustAction(t, "kms:Encrypt")
	for _, name := range []string{"KMS:ENCRYPT", "kms:encrypt", "Kms:EnCrYpT"} {
		if b, ok := Action(name); !ok || b != a {
			t.Errorf("Action(%q) = %v, %v; want the kms:Encrypt entry", name, b, ok)
		}
	}
}

func TestActionUnknown(t *testing.T) {
	for _, name := range []string{"", "kms", "kms:", ":Encrypt", "kms:Nope", "nope:Encrypt", "kms Encrypt", "kms:Encrypt2", "kms:*"} {
		if a, ok := Action(name); ok {
			t.Errorf("Action(%q) = %v, want none", name, a)
		}
	}
	long := "kms:" + string(make([]byte, 2*foldBufSize))
	if _, ok := Action(long); ok {
		t.Error("Action(long name) found something")
	}
}

func TestActionsOfService(t *testing.T) {
	acts := Actions("KMS")
	if len(acts) < 50 {
		t.Fatalf("Actions(kms) = %d actions", len(acts))
	}
	for i, a := range acts {
		if a.Service != "kms" {
			t.Errorf("%s in Actions(kms)", a)
		}
		if i > 0 && lowerASCII(acts[i-1].Name) >= lowerASCII(a.Name) {
			t.Errorf("Actions(kms) not sorted at %s, %s", acts[i-1].Name, a.Name)
		}
	}
	if Actions("nope") != nil {
		t.Error("Actions(nope) is not nil")
	}
}

func TestScenarios(t *testing.T) {
	a := mustAction(t, "ec2:RunInstances")
	if len(a.Scenarios) == 0 {
		t.Fatal("ec2:RunInstances has no scenarios")
	}
	for _, sc := range a.Scenarios {
		if sc.Name == "" || len(sc.ResourceTypes) == 0 {
			t.Errorf("scenario %+v", sc)
		}
		for _, r := range sc.ResourceTypes {
			if r.ResourceType == nil {
				t.Errorf("scenario %s: resource type %s unresolved", sc.Name, r.Name)
			}
		}
	}
}

func TestService(t *testing.T) {
	s, ok := Service("ElasticLoadBalancing")
	if !ok || s.Prefix != "elasticloadbalancing" || s.Name == "" {
		t.Fatalf("Service(ElasticLoadBalancing) = %+v, %v", s, ok)
	}
	if a, ok := s.Action("describeloadbalancers"); !ok || a.Name != "DescribeLoadBalancers" {
		t.Errorf("ServiceInfo.Action = %v, %v", a, ok)
	}
	if _, ok := Service("nope"); ok {
		t.Error("Service(nope) found")
	}
	// The services gatehouse serves or builds on.
	for _, p := range []string{"iam", "sts", "organizations", "kms", "wafv2", "shield", "guardduty", "inspector2",
		"artifact", "cloudtrail", "elasticloadbalancing", "s3", "ec2", "dynamodb", "lambda", "sqs", "sns"} {
		if s, ok := Service(p); !ok || len(s.Actions) == 0 {
			t.Errorf("service %s missing or empty", p)
		}
	}
}
