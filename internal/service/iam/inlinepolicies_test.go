package iam_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
)

// inlineOps drives the inline policy operations of one entity kind through
// the same four calls.
type inlineOps struct {
	kind   string // as IAM's messages name it
	put    func(entity, name, doc string) error
	get    func(entity, name string) (holder, policyName, doc string, err error)
	delete func(entity, name string) error
	list   func(entity string, marker *string, maxItems int32) ([]string, *string, error)
}

func inlineOpsFor(c *awsiam.Client, kind string) inlineOps {
	ctx := context.Background()
	s := aws.String
	switch kind {
	case "user":
		return inlineOps{kind,
			func(e, n, d string) error {
				_, err := c.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s(e), PolicyName: s(n), PolicyDocument: s(d)})
				return err
			},
			func(e, n string) (string, string, string, error) {
				out, err := c.GetUserPolicy(ctx, &awsiam.GetUserPolicyInput{UserName: s(e), PolicyName: s(n)})
				if err != nil {
					return "", "", "", err
				}
				return aws.ToString(out.UserName), aws.ToString(out.PolicyName), aws.ToString(out.PolicyDocument), nil
			},
			func(e, n string) error {
				_, err := c.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: s(e), PolicyName: s(n)})
				return err
			},
			func(e string, m *string, max int32) ([]string, *string, error) {
				out, err := c.ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: s(e), Marker: m, MaxItems: aws.Int32(max)})
				if err != nil {
					return nil, nil, err
				}
				return out.PolicyNames, out.Marker, nil
			},
		}
	case "group":
		return inlineOps{kind,
			func(e, n, d string) error {
				_, err := c.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: s(e), PolicyName: s(n), PolicyDocument: s(d)})
				return err
			},
			func(e, n string) (string, string, string, error) {
				out, err := c.GetGroupPolicy(ctx, &awsiam.GetGroupPolicyInput{GroupName: s(e), PolicyName: s(n)})
				if err != nil {
					return "", "", "", err
				}
				return aws.ToString(out.GroupName), aws.ToString(out.PolicyName), aws.ToString(out.PolicyDocument), nil
			},
			func(e, n string) error {
				_, err := c.DeleteGroupPolicy(ctx, &awsiam.DeleteGroupPolicyInput{GroupName: s(e), PolicyName: s(n)})
				return err
			},
			func(e string, m *string, max int32) ([]string, *string, error) {
				out, err := c.ListGroupPolicies(ctx, &awsiam.ListGroupPoliciesInput{GroupName: s(e), Marker: m, MaxItems: aws.Int32(max)})
				if err != nil {
					return nil, nil, err
				}
				return out.PolicyNames, out.Marker, nil
			},
		}
	}
	return inlineOps{kind,
		func(e, n, d string) error {
			_, err := c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: s(e), PolicyName: s(n), PolicyDocument: s(d)})
			return err
		},
		func(e, n string) (string, string, string, error) {
			out, err := c.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: s(e), PolicyName: s(n)})
			if err != nil {
				return "", "", "", err
			}
			return aws.ToString(out.RoleName), aws.ToString(out.PolicyName), aws.ToString(out.PolicyDocument), nil
		},
		func(e, n string) error {
			_, err := c.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: s(e), PolicyName: s(n)})
			return err
		},
		func(e string, m *string, max int32) ([]string, *string, error) {
			out, err := c.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: s(e), Marker: m, MaxItems: aws.Int32(max)})
			if err != nil {
				return nil, nil, err
			}
			return out.PolicyNames, out.Marker, nil
		},
	}
}

// polBigDocument returns an identity policy of about size characters (white
// space outside strings not counted).
func polBigDocument(size int) string {
	head := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::`
	tail := `"}]}`
	return head + strings.Repeat("b", size-len(head)-len(tail)) + tail
}

func TestInlinePolicies(t *testing.T) {
	for _, c := range []struct {
		kind  string
		quota int
	}{{"user", 2048}, {"group", 5120}, {"role", 10240}} {
		t.Run(c.kind, func(t *testing.T) {
			n := startPolicyNode(t)
			ops := inlineOpsFor(n.client, c.kind)
			switch c.kind {
			case "user":
				n.addUser(t, "Ent", "/")
			case "group":
				n.addGroup(t, "Ent", "/")
			default:
				n.addRole(t, "Ent", "/", false)
			}
			// Put, then get the document back URL-encoded as sent.
			if err := ops.put("ent", "ReadS3", polReadS3Doc); err != nil {
				t.Fatal(err)
			}
			holder, name, doc, err := ops.get("ENT", "ReadS3")
			if err != nil {
				t.Fatal(err)
			}
			decoded, _ := url.QueryUnescape(doc)
			if holder != "Ent" || name != "ReadS3" || decoded != polReadS3Doc || doc == polReadS3Doc {
				t.Errorf("get = %q %q %q", holder, name, doc)
			}
			// Same name in another case replaces it.
			if err := ops.put("Ent", "reads3", polDocAllowing("s3:PutObject")); err != nil {
				t.Fatal(err)
			}
			_, name, doc, err = ops.get("Ent", "READS3")
			if err != nil {
				t.Fatal(err)
			}
			if decoded, _ := url.QueryUnescape(doc); name != "reads3" || decoded != polDocAllowing("s3:PutObject") {
				t.Errorf("after replacement: %q %q", name, decoded)
			}
			for _, p := range []string{"b", "a", "C"} {
				if err := ops.put("Ent", p, polDocAllowing("sqs:SendMessage")); err != nil {
					t.Fatal(err)
				}
			}
			names, marker, err := ops.list("Ent", nil, 3)
			if err != nil || marker == nil || !slices.Equal(names, []string{"a", "b", "C"}) {
				t.Fatalf("list page 1 = %v %v %v", names, marker, err)
			}
			names, marker, err = ops.list("Ent", marker, 3)
			if err != nil || marker != nil || !slices.Equal(names, []string{"reads3"}) {
				t.Fatalf("list page 2 = %v %v %v", names, marker, err)
			}

			// Errors.
			polWantErr(t, "malformed", ops.put("Ent", "bad", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`),
				"MalformedPolicyDocument", "Policy statement must contain resources.")
			polWantErr(t, "missing entity", ops.put("nobody", "p", polReadS3Doc), "NoSuchEntity", "The "+c.kind+" with name nobody cannot be found.")
			_, _, _, err = ops.get("Ent", "absent")
			polWantErr(t, "get missing", err, "NoSuchEntity", "The "+c.kind+" policy with name absent cannot be found.")
			polWantErr(t, "delete missing", ops.delete("Ent", "absent"), "NoSuchEntity", "The "+c.kind+" policy with name absent cannot be found.")
			_, _, err = ops.list("nobody", nil, 10)
			polWantErr(t, "list missing entity", err, "NoSuchEntity", "The "+c.kind+" with name nobody cannot be found.")

			// The quota is on all of an entity's inline policies together.
			sizeMsg := "Maximum policy size of "
			polWantErr(t, "one too big", ops.put("Ent", "huge", polBigDocument(c.quota+1)), "LimitExceeded", sizeMsg)
			// Compact documents: their size is their length.
			used := 3*len(polDocAllowing("sqs:SendMessage")) + len(polDocAllowing("s3:PutObject"))
			polWantErr(t, "sum too big", ops.put("Ent", "fill", polBigDocument(c.quota-used+1)), "LimitExceeded",
				"Maximum policy size of "+strconv.Itoa(c.quota)+" bytes exceeded for "+c.kind+" Ent")
			if err := ops.put("Ent", "fill", polBigDocument(c.quota-used)); err != nil {
				t.Fatalf("filling up to the quota exactly: %v", err)
			}
			// Replacing a policy counts the new document instead of the old.
			if err := ops.put("Ent", "fill", polBigDocument(c.quota-used)); err != nil {
				t.Fatalf("replacing at the quota: %v", err)
			}

			for _, p := range []string{"a", "b", "C", "reads3", "fill"} {
				if err := ops.delete("Ent", p); err != nil {
					t.Fatal(err)
				}
			}
			names, _, err = ops.list("Ent", nil, 10)
			if err != nil || len(names) != 0 || names == nil {
				t.Errorf("list after deleting all = %#v, %v", names, err)
			}
		})
	}
}

func TestInlinePoliciesApplyAndServiceLinkedRoles(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	n.addUser(t, "alice", "/")
	n.addRole(t, "AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/", true)
	user, role := inlineOpsFor(n.client, "user"), inlineOpsFor(n.client, "role")
	if err := user.put("alice", "Queues", polDocAllowing("sqs:SendMessage")); err != nil {
		t.Fatal(err)
	}
	perms, err := n.dir.UserPermissions(ctx, n.account, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(perms.Identity) != 1 || perms.Identity[0].Name != "Queues" {
		t.Errorf("alice's policies = %+v", perms.Identity)
	}
	polWantErr(t, "put on service-linked role", role.put("AWSServiceRoleForSupport", "p", polReadS3Doc),
		"UnmodifiableEntity", "Cannot perform the operation on the protected role 'AWSServiceRoleForSupport'")
	polWantErr(t, "delete on service-linked role", role.delete("AWSServiceRoleForSupport", "p"), "UnmodifiableEntity", "protected role")
	// Reading a service-linked role's inline policies is allowed.
	if names, _, err := role.list("AWSServiceRoleForSupport", nil, 10); err != nil || len(names) != 0 {
		t.Errorf("list on service-linked role = %v, %v", names, err)
	}
}
