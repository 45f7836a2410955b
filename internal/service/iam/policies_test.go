package iam_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/iam/awsmanaged"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/server"
	iamservice "github.com/gatehouse/gatehouse/internal/service/iam"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// These tests drive the managed policy, attachment and inline policy
// operations with aws-sdk-go-v2 against an in-process node. The node is
// assembled here as internal/app assembles it (same store, service,
// server and root-only authorizer), with the AWS managed policies of
// internal/iam/awsmanaged, so that the tests see them whatever the app
// wires; users, groups and roles are created through the directory, so
// that these tests depend on no other family's handlers.

// polNode is a node for policy tests.
type polNode struct {
	client  *awsiam.Client
	dir     *iam.Directory
	account string
}

func startPolicyNode(t *testing.T) *polNode {
	t.Helper()
	ctx := context.Background()
	dataDir := t.TempDir()
	st, err := sqlite.Open(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.LoadOrCreate(filepath.Join(dataDir, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	creds := account.NewCredentials(st, kr)
	acct, root, err := account.Bootstrap(ctx, st, creds, account.BootstrapConfig{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := iam.NewDirectory(st, kr, creds, awsmanaged.Policies())
	registry := call.NewRegistry()
	iamservice.New(dir, log).Register(registry)
	recorder := audit.NewRecorder(st, audit.NewBus(), audit.Options{Logger: log})
	handler := server.New(server.Config{ManagementAccountID: acct, Logger: log}, server.Deps{
		Store: st, Services: model.All(), Registry: registry, Credentials: creds,
		Authorizer: server.RootOnly{}, Recorder: recorder,
	})
	hs := httptest.NewServer(handler)
	t.Cleanup(func() {
		hs.Close()
		if err := recorder.Close(ctx); err != nil {
			t.Error(err)
		}
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	cfg := aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(hs.URL),
		Credentials: credentials.NewStaticCredentialsProvider(root.AccessKeyID, root.SecretAccessKey, ""),
	}
	return &polNode{client: awsiam.NewFromConfig(cfg), dir: dir, account: acct}
}

// update runs fn in a directory transaction.
func (n *polNode) update(t *testing.T, fn func(tx *iam.Tx) error) {
	t.Helper()
	if err := n.dir.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func (n *polNode) addUser(t *testing.T, name, path string) {
	t.Helper()
	n.update(t, func(tx *iam.Tx) error {
		return tx.PutUser(&iam.User{AccountID: n.account, Name: name, Path: path, ID: iam.NewID(iam.PrefixUser)})
	})
}

func (n *polNode) addGroup(t *testing.T, name, path string, members ...string) {
	t.Helper()
	n.update(t, func(tx *iam.Tx) error {
		for _, m := range members {
			u, err := tx.User(n.account, m)
			if err != nil {
				return err
			}
			u.Groups = append(u.Groups, name)
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		return tx.PutGroup(&iam.Group{AccountID: n.account, Name: name, Path: path, ID: iam.NewID(iam.PrefixGroup), Members: members})
	})
}

const polTrustEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func (n *polNode) addRole(t *testing.T, name, path string, serviceLinked bool) {
	t.Helper()
	n.update(t, func(tx *iam.Tx) error {
		return tx.PutRole(&iam.Role{
			AccountID: n.account, Name: name, Path: path, ID: iam.NewID(iam.PrefixRole),
			TrustPolicy: polTrustEC2, MaxSessionDuration: 3600, ServiceLinked: serviceLinked,
		})
	})
}

// polWantErr fails the test unless err is the AWS error code with a
// message containing msg.
func polWantErr(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code {
		t.Fatalf("%s: err = %v, want %s", what, err, code)
	}
	if !strings.Contains(apiErr.ErrorMessage(), msg) {
		t.Fatalf("%s: message %q, want it to contain %q", what, apiErr.ErrorMessage(), msg)
	}
}

func polMust[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// A policy document written the way people write them: indented, so the
// round trip shows that IAM keeps the text as sent.
const polReadS3Doc = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}
  ]
}`

func polDocAllowing(action string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"*"}]}`
}

func (n *polNode) createPolicy(t *testing.T, name, path, doc string) *iamtypes.Policy {
	t.Helper()
	in := &awsiam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}
	if path != "" {
		in.Path = aws.String(path)
	}
	out, err := n.client.CreatePolicy(context.Background(), in)
	if err != nil {
		t.Fatalf("CreatePolicy %s: %v", name, err)
	}
	return out.Policy
}

func TestCreateAndGetPolicy(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	out, err := n.client.CreatePolicy(ctx, &awsiam.CreatePolicyInput{
		PolicyName: aws.String("ReadS3"), Path: aws.String("/team/"), PolicyDocument: aws.String(polReadS3Doc),
		Description: aws.String("read the buckets"), Tags: []iamtypes.Tag{{Key: aws.String("owner"), Value: aws.String("ops")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := out.Policy
	wantARN := "arn:aws:iam::" + n.account + ":policy/team/ReadS3"
	if aws.ToString(p.Arn) != wantARN || aws.ToString(p.Path) != "/team/" || aws.ToString(p.DefaultVersionId) != "v1" ||
		aws.ToInt32(p.AttachmentCount) != 0 || !p.IsAttachable || !strings.HasPrefix(aws.ToString(p.PolicyId), "ANPA") ||
		len(p.Tags) != 1 || p.CreateDate == nil {
		t.Fatalf("CreatePolicy = %+v", p)
	}
	got := polMust[*awsiam.GetPolicyOutput](t, "GetPolicy")(n.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: p.Arn})).Policy
	if aws.ToString(got.PolicyId) != aws.ToString(p.PolicyId) || aws.ToString(got.Description) != "read the buckets" ||
		len(got.Tags) != 1 || aws.ToString(got.Tags[0].Value) != "ops" {
		t.Errorf("GetPolicy = %+v", got)
	}
	// The document comes back URL-encoded, exactly as sent.
	v := polMust[*awsiam.GetPolicyVersionOutput](t, "GetPolicyVersion")(n.client.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: p.Arn, VersionId: aws.String("v1")})).PolicyVersion
	decoded, err := url.QueryUnescape(aws.ToString(v.Document))
	if err != nil || decoded != polReadS3Doc || !strings.HasPrefix(aws.ToString(v.Document), "%7B%0A") || !v.IsDefaultVersion {
		t.Errorf("GetPolicyVersion document = %q (decoded %q, %v)", aws.ToString(v.Document), decoded, err)
	}

	// Names are unique regardless of case.
	_, err = n.client.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("reads3"), PolicyDocument: aws.String(polReadS3Doc)})
	polWantErr(t, "duplicate", err, "EntityAlreadyExists", "A policy called reads3 already exists. Duplicate names are not allowed.")

	// The ARN must match the path.
	_, err = n.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::" + n.account + ":policy/ReadS3")})
	polWantErr(t, "wrong path", err, "NoSuchEntity", "was not found")
	_, err = n.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String("not-an-arn-at-all-really")})
	polWantErr(t, "bad ARN", err, "InvalidInput", "ARN not-an-arn-at-all-really is not valid.")
}

func TestCreatePolicyRejectsBadInput(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	create := func(name, path, doc string) error {
		in := &awsiam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}
		if path != "" {
			in.Path = aws.String(path)
		}
		_, err := n.client.CreatePolicy(ctx, in)
		return err
	}
	polWantErr(t, "no action", create("p", "", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`),
		"MalformedPolicyDocument", "Policy statement must contain actions.")
	polWantErr(t, "principal", create("p", "", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`),
		"MalformedPolicyDocument", "Policy document should not specify a principal.")
	polWantErr(t, "not JSON", create("p", "", `{"Version":`), "MalformedPolicyDocument", "")
	var actions []string
	for i := range 400 {
		actions = append(actions, `"s3:GetObjectVersion`+strings.Repeat("x", i%7)+`"`)
	}
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[` + strings.Join(actions, ",") + `],"Resource":"*"}]}`
	polWantErr(t, "too big", create("p", "", big), "LimitExceeded", "Cannot exceed quota for PolicySize: 6144")
	polWantErr(t, "path", create("p", "/no-trailing-slash", polReadS3Doc), "ValidationError", "path")
	// Nothing was created.
	out := polMust[*awsiam.ListPoliciesOutput](t, "ListPolicies")(n.client.ListPolicies(ctx, &awsiam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal}))
	if len(out.Policies) != 0 {
		t.Errorf("policies after failed creates: %d", len(out.Policies))
	}
}

func TestPolicyVersions(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	arn := n.createPolicy(t, "Versioned", "", polDocAllowing("s3:GetObject")).Arn
	createVersion := func(action string, setDefault bool) (*iamtypes.PolicyVersion, error) {
		out, err := n.client.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{
			PolicyArn: arn, PolicyDocument: aws.String(polDocAllowing(action)), SetAsDefault: setDefault,
		})
		if err != nil {
			return nil, err
		}
		return out.PolicyVersion, nil
	}
	defaultVersion := func() string {
		t.Helper()
		return aws.ToString(polMust[*awsiam.GetPolicyOutput](t, "GetPolicy")(n.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: arn})).Policy.DefaultVersionId)
	}
	v2 := polMust[*iamtypes.PolicyVersion](t, "v2")(createVersion("s3:PutObject", false))
	if aws.ToString(v2.VersionId) != "v2" || v2.IsDefaultVersion || v2.Document != nil {
		t.Fatalf("v2 = %+v", v2)
	}
	if got := defaultVersion(); got != "v1" {
		t.Fatalf("default after v2 = %s", got)
	}
	v3 := polMust[*iamtypes.PolicyVersion](t, "v3")(createVersion("s3:DeleteObject", true))
	if aws.ToString(v3.VersionId) != "v3" || !v3.IsDefaultVersion || defaultVersion() != "v3" {
		t.Fatalf("v3 = %+v, default %s", v3, defaultVersion())
	}
	_, err := createVersion("s3:*", false) // v4
	if err != nil {
		t.Fatal(err)
	}
	if _, err := createVersion("s3:*", false); err != nil { // v5
		t.Fatal(err)
	}
	_, err = createVersion("s3:*", false)
	polWantErr(t, "sixth version", err, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
	_, err = n.client.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(`{"Statement":[]`)})
	polWantErr(t, "malformed version", err, "MalformedPolicyDocument", "")

	list := polMust[*awsiam.ListPolicyVersionsOutput](t, "ListPolicyVersions")(n.client.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: arn}))
	var ids []string
	for _, v := range list.Versions {
		ids = append(ids, aws.ToString(v.VersionId))
		if v.IsDefaultVersion != (aws.ToString(v.VersionId) == "v3") || v.Document != nil {
			t.Errorf("listed %+v", v)
		}
	}
	if strings.Join(ids, ",") != "v5,v4,v3,v2,v1" {
		t.Errorf("ListPolicyVersions = %v", ids)
	}
	// Paginated the same.
	page1 := polMust[*awsiam.ListPolicyVersionsOutput](t, "page 1")(n.client.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: arn, MaxItems: aws.Int32(2)}))
	page2 := polMust[*awsiam.ListPolicyVersionsOutput](t, "page 2")(n.client.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: arn, MaxItems: aws.Int32(10), Marker: page1.Marker}))
	if !page1.IsTruncated || len(page1.Versions) != 2 || page2.IsTruncated || len(page2.Versions) != 3 || aws.ToString(page2.Versions[0].VersionId) != "v3" {
		t.Errorf("pages: %+v / %+v", page1, page2)
	}

	_, err = n.client.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v3")})
	polWantErr(t, "delete default", err, "DeleteConflict", "Cannot delete the default version of a policy.")
	_, err = n.client.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v9")})
	polWantErr(t, "delete missing", err, "NoSuchEntity", "version v9")
	if _, err := n.client.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v5")}); err != nil {
		t.Fatal(err)
	}
	// Ids are never reused: the next version is v6, not v5.
	v6 := polMust[*iamtypes.PolicyVersion](t, "v6")(createVersion("s3:ListBucket", false))
	if aws.ToString(v6.VersionId) != "v6" {
		t.Errorf("version after deleting v5 = %s", aws.ToString(v6.VersionId))
	}
	_, err = n.client.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v5")})
	polWantErr(t, "deleted version", err, "NoSuchEntity", "does not exist")

	if _, err := n.client.SetDefaultPolicyVersion(ctx, &awsiam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")}); err != nil {
		t.Fatal(err)
	}
	if got := defaultVersion(); got != "v2" {
		t.Errorf("default after SetDefaultPolicyVersion = %s", got)
	}
	_, err = n.client.SetDefaultPolicyVersion(ctx, &awsiam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v5")})
	polWantErr(t, "default missing", err, "NoSuchEntity", "v5")

	// The default version is what applies: a user with the policy gets
	// the v2 document.
	n.addUser(t, "alice", "/")
	if _, err := n.client.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	perms, err := n.dir.UserPermissions(ctx, n.account, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(perms.Identity) != 1 || perms.Identity[0].Policy.Statements[0].Action[0] != "s3:PutObject" {
		t.Errorf("alice's policies = %+v", perms.Identity)
	}
}

func TestDeletePolicyConflicts(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	arn := n.createPolicy(t, "Doomed", "", polDocAllowing("s3:GetObject")).Arn
	deletePolicy := func() error {
		_, err := n.client.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: arn})
		return err
	}
	// Another version.
	if _, err := n.client.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(polDocAllowing("s3:*"))}); err != nil {
		t.Fatal(err)
	}
	polWantErr(t, "versions", deletePolicy(), "DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's versions.")
	if _, err := n.client.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")}); err != nil {
		t.Fatal(err)
	}
	// Attached.
	n.addRole(t, "worker", "/", false)
	if _, err := n.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("worker"), PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	polWantErr(t, "attached", deletePolicy(), "DeleteConflict", "Cannot delete a policy attached to entities.")
	if _, err := n.client.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("worker"), PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	// A permissions boundary.
	if _, err := n.client.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: aws.String("worker"), PermissionsBoundary: arn}); err != nil {
		t.Fatal(err)
	}
	polWantErr(t, "boundary", deletePolicy(), "DeleteConflict", "Cannot delete a policy attached to entities.")
	if _, err := n.client.DeleteRolePermissionsBoundary(ctx, &awsiam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("worker")}); err != nil {
		t.Fatal(err)
	}
	if err := deletePolicy(); err != nil {
		t.Fatalf("DeletePolicy when free: %v", err)
	}
	_, err := n.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: arn})
	polWantErr(t, "deleted", err, "NoSuchEntity", "Policy "+aws.ToString(arn)+" was not found.")
	polWantErr(t, "twice", deletePolicy(), "NoSuchEntity", "was not found")
	// The name is free again.
	n.createPolicy(t, "Doomed", "", polDocAllowing("s3:GetObject"))
}

func TestAWSManagedPoliciesAreReadOnly(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	admin := aws.String("arn:aws:iam::aws:policy/AdministratorAccess")
	p := polMust[*awsiam.GetPolicyOutput](t, "GetPolicy")(n.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: admin})).Policy
	if aws.ToString(p.PolicyName) != "AdministratorAccess" || aws.ToString(p.Arn) != *admin || !p.IsAttachable ||
		aws.ToString(p.DefaultVersionId) == "" || !strings.HasPrefix(aws.ToString(p.PolicyId), "ANPA") {
		t.Fatalf("GetPolicy AdministratorAccess = %+v", p)
	}
	v := polMust[*awsiam.GetPolicyVersionOutput](t, "GetPolicyVersion")(n.client.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: admin, VersionId: p.DefaultVersionId})).PolicyVersion
	doc, _ := url.QueryUnescape(aws.ToString(v.Document))
	if doc != `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}` {
		t.Errorf("AdministratorAccess document = %s", doc)
	}
	versions := polMust[*awsiam.ListPolicyVersionsOutput](t, "ListPolicyVersions")(n.client.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: admin}))
	if len(versions.Versions) != 1 || !versions.Versions[0].IsDefaultVersion {
		t.Errorf("versions = %+v", versions.Versions)
	}
	for name, err := range map[string]error{
		"DeletePolicy": func() error {
			_, err := n.client.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: admin})
			return err
		}(),
		"CreatePolicyVersion": func() error {
			_, err := n.client.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: admin, PolicyDocument: aws.String(polDocAllowing("s3:*"))})
			return err
		}(),
		"TagPolicy": func() error {
			_, err := n.client.TagPolicy(ctx, &awsiam.TagPolicyInput{PolicyArn: admin, Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}(),
	} {
		polWantErr(t, name, err, "AccessDenied", "iam:"+name+" on resource: policy "+*admin)
	}
	_, err := n.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchThing")})
	polWantErr(t, "unknown AWS policy", err, "NoSuchEntity", "was not found")
}

func TestPolicyTags(t *testing.T) {
	n := startPolicyNode(t)
	ctx := context.Background()
	arn := n.createPolicy(t, "Tagged", "", polDocAllowing("s3:GetObject")).Arn
	tag := func(kv ...string) error {
		var tags []iamtypes.Tag
		for i := 0; i < len(kv); i += 2 {
			tags = append(tags, iamtypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		_, err := n.client.TagPolicy(ctx, &awsiam.TagPolicyInput{PolicyArn: arn, Tags: tags})
		return err
	}
	listTags := func() string {
		t.Helper()
		out := polMust[*awsiam.ListPolicyTagsOutput](t, "ListPolicyTags")(n.client.ListPolicyTags(ctx, &awsiam.ListPolicyTagsInput{PolicyArn: arn}))
		var kv []string
		for _, tg := range out.Tags {
			kv = append(kv, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
		return strings.Join(kv, ",")
	}
	if err := tag("team", "ops", "env", "dev"); err != nil {
		t.Fatal(err)
	}
	if err := tag("TEAM", "sec"); err != nil { // keys compare without case
		t.Fatal(err)
	}
	if got := listTags(); got != "TEAM=sec,env=dev" {
		t.Errorf("tags = %s", got)
	}
	if _, err := n.client.UntagPolicy(ctx, &awsiam.UntagPolicyInput{PolicyArn: arn, TagKeys: []string{"team", "absent"}}); err != nil {
		t.Fatal(err)
	}
	if got := listTags(); got != "env=dev" {
		t.Errorf("tags after untag = %s", got)
	}
	var many []string
	for i := range 50 {
		many = append(many, "k"+string(rune('A'+i%26))+string(rune('a'+i/26)), "v")
	}
	polWantErr(t, "51 tags", tag(many...), "LimitExceeded", "TagsPerEntity")
	_, err := n.client.ListPolicyTags(ctx, &awsiam.ListPolicyTagsInput{PolicyArn: aws.String("arn:aws:iam::" + n.account + ":policy/Nope")})
	polWantErr(t, "missing policy", err, "NoSuchEntity", "was not found")
}
