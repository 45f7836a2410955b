package catalog

import (
	"strings"
	"testing"
)

// mustResourceType returns a resource type the pinned data has.
func mustResourceType(t *testing.T, service, name string) *ResourceTypeInfo {
	t.Helper()
	r, ok := ResourceType(service, name)
	if !ok {
		t.Fatalf("ResourceType(%q, %q) not found", service, name)
	}
	return r
}

func TestMatchARN(t *testing.T) {
	for _, c := range []struct {
		service, typ, arn string
		want              bool
	}{
		{"kms", "key", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", true},
		{"kms", "key", "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1", true},
		{"kms", "key", "arn:aws:kms::123456789012:key/1234", false},                // no region
		{"kms", "key", "arn:aws:kms:us-east-1:123456789012:alias/my", false},       // an alias
		{"kms", "key", "arn:aws:kms:us-east-1:123456789012:key/", false},           // empty id
		{"kms", "key", "arn:aws:kmsx:us-east-1:123456789012:key/1234", false},      // other service
		{"kms", "key", "arn:aws:kms:us-east-1:123456789012:key/1234:extra", false}, // extra field
		{"kms", "alias", "arn:aws:kms:us-east-1:123456789012:alias/aws/s3", true},  // aliases hold "/"
		{"s3", "bucket", "arn:aws:s3:::my-bucket", true},
		{"s3", "bucket", "arn:aws:s3:::my-bucket/key", false},      // an object
		{"s3", "bucket", "arn:aws:s3:us-east-1::my-bucket", false}, // region set
		{"s3", "object", "arn:aws:s3:::my-bucket/photos/2024/cat.jpg", true},
		{"s3", "object", "arn:aws-cn:s3:::b/k", true},
		{"s3", "object", "arn:aws:s3:::my-bucket", false},  // a bucket
		{"s3", "object", "arn:aws:s3:::my-bucket/", false}, // empty key
		{"iam", "user", "arn:aws:iam::123456789012:user/alice", true},
		{"iam", "user", "arn:aws:iam::123456789012:user/division/team/alice", true}, // path
		{"iam", "user", "arn:aws:iam::123456789012:user/", false},
		{"iam", "user", "arn:aws:iam::123456789012:role/alice", false},
		{"iam", "role", "arn:aws:iam::123456789012:role/service-role/my-role", true},
		{"lambda", "function", "arn:aws:lambda:us-east-1:123456789012:function:my-fn", true},
		{"lambda", "function", "arn:aws:lambda:us-east-1:123456789012:function:my-fn:1", false},
		{"lambda", "function version", "arn:aws:lambda:us-east-1:123456789012:function:my-fn:1", true},
		{"lambda", "function version", "arn:aws:lambda:us-east-1:123456789012:function:my-fn", false},
		{"dynamodb", "table", "arn:aws:dynamodb:us-east-1:123456789012:table/Books", true},
		{"dynamodb", "table", "arn:aws:dynamodb:us-east-1:123456789012:table/Books/index/ByAuthor", false},
		{"dynamodb", "index", "arn:aws:dynamodb:us-east-1:123456789012:table/Books/index/ByAuthor", true},
		{"sqs", "queue", "arn:aws:sqs:us-east-1:123456789012:my-queue", true},
		{"sqs", "queue", "arn:aws:sqs:us-east-1:123456789012:my-queue:x", false},
		{"sns", "topic", "arn:aws:sns:eu-west-1:123456789012:alerts", true},
		{"elasticloadbalancing", "loadbalancer/app/", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-lb/50dc6c495c0c9188", true},
		{"elasticloadbalancing", "loadbalancer", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-lb/50dc6c495c0c9188", false},
		{"elasticloadbalancing", "loadbalancer", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/classic-lb", true},
		{"artifact", "agreement", "arn:aws:artifact:::agreement/agreement-abc", true}, // "*" in the format
		{"artifact", "agreement", "arn:aws:artifact:::agreement/", true},
		{"artifact", "agreement", "arn:aws:artifact:us-east-1::agreement/x", false},
		{"apigateway", "RestApi", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3", true},
		{"apigateway", "RestApi", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod", false},
		{"apigateway", "Stage", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod", true}, // second format
		{"apigateway", "Stage", "arn:aws:apigateway:us-east-1::/apis/a1b2c3/stages/prod", true},     // first format
		{"logs", "log-group", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn", true},
		{"logs", "log-stream", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:log-stream:2024/01/01/[$LATEST]abc", true},
		{"kms", "key", "", false},
		{"s3", "object", "arn:aws:s3:::b/" + strings.Repeat("k", maxARNLength), false}, // too long
		{"kms", "key", "not an arn", false},
	} {
		r := mustResourceType(t, c.service, c.typ)
		if got := r.MatchARN(c.arn); got != c.want {
			t.Errorf("%s %s MatchARN(%q) = %v, want %v (formats %q)", c.service, c.typ, c.arn, got, c.want, r.ARNFormats)
		}
	}
}

func TestResourceTypeLookup(t *testing.T) {
	r := mustResourceType(t, "ELASTICLOADBALANCING", "LoadBalancer/App/")
	if r.Name != "loadbalancer/app/" || r.Service != "elasticloadbalancing" {
		t.Errorf("got %+v", r)
	}
	if _, ok := ResourceType("kms", "nope"); ok {
		t.Error("ResourceType(kms, nope) found")
	}
	if _, ok := ResourceType("nope", "key"); ok {
		t.Error("ResourceType(nope, key) found")
	}
	key := mustResourceType(t, "kms", "key")
	if len(key.ConditionKeys) == 0 || key.ConditionKeys[0] != "aws:ResourceTag/${TagKey}" {
		t.Errorf("kms key condition keys = %q", key.ConditionKeys)
	}
}

func TestResourceTypesForARN(t *testing.T) {
	s, _ := Service("s3")
	got := s.ResourceTypesForARN("arn:aws:s3:::my-bucket/a/b")
	if len(got) != 1 || got[0].Name != "object" {
		t.Errorf("ResourceTypesForARN(object ARN) = %v", got)
	}
	got = s.ResourceTypesForARN("arn:aws:s3:::my-bucket")
	if len(got) != 1 || got[0].Name != "bucket" {
		t.Errorf("ResourceTypesForARN(bucket ARN) = %v", got)
	}
}

func TestCompileARNFormat(t *testing.T) {
	if _, err := compileARNFormat("arn:${Partition:x"); err == nil {
		t.Error("unterminated placeholder compiled")
	}
	f, err := compileARNFormat("arn:${Partition}:codeartifact:${Region}:${Account}:package-group/${DomainName}${Pattern}")
	if err != nil {
		t.Fatal(err)
	}
	// Adjacent placeholders split the value between them.
	if !f.match("arn:aws:codeartifact:us-east-1:123456789012:package-group/dompat") {
		t.Error("adjacent placeholders did not match")
	}
	if f.match("arn:aws:codeartifact:us-east-1:123456789012:package-group/d") {
		t.Error("adjacent placeholders matched a one-character value")
	}
}
