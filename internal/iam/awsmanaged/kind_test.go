package awsmanaged_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/iam/awsmanaged"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// TestEveryDocumentCompilesAsAWSManaged: the authorizer compiles attached
// AWS managed policies with iam.AWSManagedKind, so every one of them must
// parse under it, the large ones (over the customer quota) included.
func TestEveryDocumentCompilesAsAWSManaged(t *testing.T) {
	large := 0
	for _, p := range awsmanaged.Policies().All() {
		doc := p.Default().Document
		if len(doc) > policy.ManagedPolicyMaxChars {
			large++
		}
		if _, err := policy.Parse([]byte(doc), iam.AWSManagedKind); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	if large == 0 {
		t.Fatal("no AWS managed policy is over the customer quota: the data looks truncated")
	}
}
