package iam_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
)

func TestListPoliciesGrantingServiceAccess(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	n.addUser(t, "alice", "/")
	n.addGroup(t, "devs", "/", "alice")
	n.addRole(t, "app", "/", false)
	s3Reader := aws.ToString(n.createPolicy(t, "S3Reader", "", polDocAllowing("s3:Get*")).Arn)
	notIAM := aws.ToString(n.createPolicy(t, "EverythingButIAM", "", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`).Arn)
	denyOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`
	noSuchAction := polDocAllowing("s3:NoSuchActionAnywhere")
	for _, step := range []func() error{
		func() error {
			_, err := n.client.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(s3Reader)})
			return err
		},
		func() error {
			_, err := n.client.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("Queues"), PolicyDocument: aws.String(polDocAllowing("sqs:Send*"))})
			return err
		},
		func() error {
			_, err := n.client.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("DenyS3"), PolicyDocument: aws.String(denyOnly)})
			return err
		},
		func() error {
			_, err := n.client.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("Typo"), PolicyDocument: aws.String(noSuchAction)})
			return err
		},
		func() error {
			_, err := n.client.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String(notIAM)})
			return err
		},
		func() error { // attached to both the user and the group: listed once
			_, err := n.client.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String(s3Reader)})
			return err
		},
		func() error {
			_, err := n.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String(polAdminARN)})
			return err
		},
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	report := func(arn string, namespaces ...string) map[string]string {
		t.Helper()
		out, err := n.client.ListPoliciesGrantingServiceAccess(ctx, &awsiam.ListPoliciesGrantingServiceAccessInput{Arn: aws.String(arn), ServiceNamespaces: namespaces})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, e := range out.PoliciesGrantingServiceAccess {
			var parts []string
			for _, p := range e.Policies {
				part := string(p.PolicyType) + ":" + aws.ToString(p.PolicyName)
				if p.PolicyType == "INLINE" {
					part += "@" + string(p.EntityType) + "/" + aws.ToString(p.EntityName)
				} else if aws.ToString(p.PolicyArn) == "" {
					t.Errorf("managed policy %s without ARN", aws.ToString(p.PolicyName))
				}
				parts = append(parts, part)
			}
			got[aws.ToString(e.ServiceNamespace)] = strings.Join(parts, ",")
		}
		if len(got) != len(namespaces) {
			t.Errorf("answered %d namespaces of %d", len(got), len(namespaces))
		}
		return got
	}
	userARN := "arn:aws:iam::" + n.account + ":user/alice"
	got := report(userARN, "s3", "sqs", "iam", "ec2")
	want := map[string]string{
		"s3":  "MANAGED:S3Reader,MANAGED:EverythingButIAM",
		"sqs": "INLINE:Queues@USER/alice,MANAGED:EverythingButIAM",
		"iam": "",
		"ec2": "MANAGED:EverythingButIAM",
	}
	for ns, w := range want {
		if got[ns] != w {
			t.Errorf("user, %s: %q, want %q", ns, got[ns], w)
		}
	}
	// A group's report has its own policies only.
	if got := report("arn:aws:iam::"+n.account+":group/devs", "s3", "sqs"); got["s3"] != "MANAGED:EverythingButIAM,MANAGED:S3Reader" || got["sqs"] != "MANAGED:EverythingButIAM" {
		t.Errorf("group = %v", got)
	}
	if got := report("arn:aws:iam::"+n.account+":role/app", "kms", "iam"); got["kms"] != "MANAGED:AdministratorAccess" || got["iam"] != "MANAGED:AdministratorAccess" {
		t.Errorf("role = %v", got)
	}
	_, err := n.client.ListPoliciesGrantingServiceAccess(ctx, &awsiam.ListPoliciesGrantingServiceAccessInput{Arn: aws.String("arn:aws:iam::" + n.account + ":user/nobody"), ServiceNamespaces: []string{"s3"}})
	polWantErr(t, "missing user", err, "NoSuchEntity", "The user with name nobody cannot be found.")
	_, err = n.client.ListPoliciesGrantingServiceAccess(ctx, &awsiam.ListPoliciesGrantingServiceAccessInput{Arn: aws.String("arn:aws:iam::" + n.account + ":policy/S3Reader"), ServiceNamespaces: []string{"s3"}})
	polWantErr(t, "policy ARN", err, "InvalidInput", "is not valid")
}
