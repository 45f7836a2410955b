package iam

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/policy"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file serves managed policies: customer managed policies with their
// versions and tags, the AWS managed policies (read-only), and the reports
// of who uses a policy. Attachments are in policies_attach.go.

// maxPolicyVersions is IAM's quota of versions per managed policy.
const maxPolicyVersions = 5

func (s *Service) registerPolicies(r *call.Registry) {
	r.Handle(api.Service, "CreatePolicy", call.Typed(s.CreatePolicy))
	r.Handle(api.Service, "GetPolicy", call.Typed(s.GetPolicy))
	r.Handle(api.Service, "DeletePolicy", call.Typed(s.DeletePolicy))
	r.Handle(api.Service, "ListPolicies", call.Typed(s.ListPolicies))
	r.Handle(api.Service, "CreatePolicyVersion", call.Typed(s.CreatePolicyVersion))
	r.Handle(api.Service, "GetPolicyVersion", call.Typed(s.GetPolicyVersion))
	r.Handle(api.Service, "ListPolicyVersions", call.Typed(s.ListPolicyVersions))
	r.Handle(api.Service, "DeletePolicyVersion", call.Typed(s.DeletePolicyVersion))
	r.Handle(api.Service, "SetDefaultPolicyVersion", call.Typed(s.SetDefaultPolicyVersion))
	r.Handle(api.Service, "TagPolicy", call.Typed(s.TagPolicy))
	r.Handle(api.Service, "UntagPolicy", call.Typed(s.UntagPolicy))
	r.Handle(api.Service, "ListPolicyTags", call.Typed(s.ListPolicyTags))
	r.Handle(api.Service, "ListEntitiesForPolicy", call.Typed(s.ListEntitiesForPolicy))
	r.Handle(api.Service, "ListPoliciesGrantingServiceAccess", call.Typed(s.ListPoliciesGrantingServiceAccess))
	s.registerPolicyAttachments(r)
}

// policyResource is a managed policy as trail events name it.
func policyResource(p *iam.ManagedPolicy) call.Resource {
	return call.Resource{ARN: p.ARN(), AccountID: p.AccountID, Type: "AWS::IAM::Policy"}
}

// policyNotFound is IAM's NoSuchEntity for a policy ARN naming nothing.
func policyNotFound(arn string) *protocol.Error {
	return api.NewNoSuchEntityException("Policy %s was not found.", arn)
}

// versionNotFound is IAM's NoSuchEntity for a missing policy version.
func versionNotFound(arn, versionID string) *protocol.Error {
	return api.NewNoSuchEntityException("Policy %s version %s does not exist or is not attachable.", arn, versionID)
}

// invalidARN is IAM's InvalidInput for a malformed ARN.
func invalidARN(arn string) *protocol.Error {
	return invalidInput("ARN %s is not valid.", arn)
}

// readPolicy returns the customer or AWS managed policy arn names. AWS
// managed policies come with the account's usage counts.
func readPolicy(tx *iam.Tx, accountID, arn string) (*iam.ManagedPolicy, error) {
	if _, _, _, ok := iam.ParsePolicyARN(arn); !ok {
		return nil, invalidARN(arn)
	}
	mp, err := tx.Policy(accountID, arn)
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return nil, policyNotFound(arn)
	}
	if err != nil {
		return nil, err
	}
	if mp.AccountID == "aws" {
		return withAWSUsage(tx, accountID, mp)
	}
	return mp, nil
}

// withAWSUsage returns a copy of an AWS managed policy carrying the
// account's attachment and boundary counts.
func withAWSUsage(tx *iam.Tx, accountID string, mp *iam.ManagedPolicy) (*iam.ManagedPolicy, error) {
	a, b, err := tx.AWSPolicyUsage(accountID, mp.Name)
	if err != nil {
		return nil, err
	}
	cp := *mp
	cp.AttachmentCount, cp.BoundaryCount = a, b
	return &cp, nil
}

// writablePolicy returns the caller's customer managed policy arn names,
// for an operation that changes it. AWS managed policies belong to AWS:
// changing one is refused as AWS refuses it, with AccessDenied.
func writablePolicy(tx *iam.Tx, c *call.Call, arn string) (*iam.ManagedPolicy, error) {
	mp, err := readPolicy(tx, c.Principal.AccountID, arn)
	if err != nil {
		return nil, err
	}
	if mp.AccountID == "aws" {
		return nil, protocol.Errorf(http.StatusForbidden, "AccessDenied",
			"User: %s is not authorized to perform: iam:%s on resource: policy %s", c.Principal.ARN, c.Operation.Name, arn)
	}
	return mp, nil
}

// parseManagedDocument validates a customer managed policy document:
// MalformedPolicyDocument with the policy language's reason, or
// LimitExceeded over the 6,144-character quota.
func parseManagedDocument(doc string) error {
	if _, err := policy.Parse([]byte(iam.DecodeDocument(doc)), policy.KindManaged); err != nil {
		return malformedPolicy(err)
	}
	return nil
}

// CreatePolicy creates a customer managed policy with its first version,
// v1, as the default.
func (s *Service) CreatePolicy(ctx context.Context, c *call.Call, in *api.CreatePolicyInput) (*api.CreatePolicyOutput, error) {
	acct := c.Principal.AccountID
	path, perr := validPath(in.Path)
	if perr != nil {
		return nil, perr
	}
	doc := deref(in.PolicyDocument)
	if err := parseManagedDocument(doc); err != nil {
		return nil, err
	}
	tags, err := addTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	now := s.now()
	mp := &iam.ManagedPolicy{
		AccountID: acct, Name: deref(in.PolicyName), Path: path, ID: iam.NewID(iam.PrefixPolicy),
		Description: deref(in.Description), CreateDate: now, UpdateDate: now,
		DefaultVersion: "v1", Versions: []iam.PolicyVersion{{ID: "v1", Document: doc, CreateDate: now}},
		NextVersion: 2, Tags: tags,
	}
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		_, err := tx.PolicyByName(acct, mp.Name)
		if err == nil {
			return api.NewEntityAlreadyExistsException("A policy called %s already exists. Duplicate names are not allowed.", mp.Name)
		}
		if !errors.Is(err, iam.ErrNoSuchEntity) {
			return err
		}
		return tx.PutPolicy(mp)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(policyResource(mp))
	out := apiPolicy(mp, true)
	return &api.CreatePolicyOutput{Policy: &out}, nil
}

// GetPolicy returns a customer or AWS managed policy (without its
// document: see GetPolicyVersion).
func (s *Service) GetPolicy(ctx context.Context, c *call.Call, in *api.GetPolicyInput) (*api.GetPolicyOutput, error) {
	var mp *iam.ManagedPolicy
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		mp, err = readPolicy(tx, c.Principal.AccountID, deref(in.PolicyArn))
		return err
	})
	if err != nil {
		return nil, err
	}
	out := apiPolicy(mp, true)
	return &api.GetPolicyOutput{Policy: &out}, nil
}

// DeletePolicy deletes a customer managed policy with its default
// version. As on AWS, the policy must first be detached from every user,
// group and role, be no entity's permissions boundary, and have no other
// version.
func (s *Service) DeletePolicy(ctx context.Context, c *call.Call, in *api.DeletePolicyInput) (*struct{}, error) {
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		mp, err := writablePolicy(tx, c, deref(in.PolicyArn))
		if err != nil {
			return err
		}
		if mp.AttachmentCount > 0 || mp.BoundaryCount > 0 {
			return api.NewDeleteConflictException("Cannot delete a policy attached to entities.")
		}
		if len(mp.Versions) > 1 {
			return api.NewDeleteConflictException("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		c.AddResource(policyResource(mp))
		return tx.DeletePolicy(mp.AccountID, mp.Name)
	})
	return nil, err
}

// policyOrderKey orders ListPolicies: by name regardless of case, then
// customer managed before AWS managed of the same name.
func policyOrderKey(p *iam.ManagedPolicy) string {
	owner := "0"
	if p.AccountID == "aws" {
		owner = "1"
	}
	return strings.ToLower(p.Name) + "\x00" + owner
}

// ListPolicies lists the customer managed policies of the account and the
// AWS managed policies, with the account's usage counts, filtered by scope,
// path prefix and usage.
func (s *Service) ListPolicies(ctx context.Context, c *call.Call, in *api.ListPoliciesInput) (*api.ListPoliciesOutput, error) {
	acct := c.Principal.AccountID
	scope := in.Scope
	if scope == "" {
		scope = api.PolicyScopeTypeAll
	}
	keep := func(p *iam.ManagedPolicy) bool {
		if !pathMatches(p.Path, in.PathPrefix) {
			return false
		}
		switch in.PolicyUsageFilter {
		case api.PolicyUsageTypePermissionsPolicy:
			return p.AttachmentCount > 0
		case api.PolicyUsageTypePermissionsBoundary:
			return p.BoundaryCount > 0
		}
		return !deref(in.OnlyAttached) || p.AttachmentCount > 0
	}
	var items []*iam.ManagedPolicy
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		if scope != api.PolicyScopeTypeAws {
			local, err := tx.Policies(acct)
			if err != nil {
				return err
			}
			for _, p := range local {
				if keep(p) {
					items = append(items, p)
				}
			}
		}
		if aws := tx.Directory().AWSManaged(); scope != api.PolicyScopeTypeLocal && aws != nil {
			usage, err := tx.AWSPolicyUsages(acct)
			if err != nil {
				return err
			}
			for _, p := range aws.All() {
				u := usage[p.Name]
				if u != (iam.PolicyUsage{}) {
					cp := *p
					cp.AttachmentCount, cp.BoundaryCount = u.Attachments, u.Boundaries
					p = &cp
				}
				if keep(p) {
					items = append(items, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(items, func(a, b *iam.ManagedPolicy) int { return strings.Compare(policyOrderKey(a), policyOrderKey(b)) })
	pageItems, truncated, marker, err := page(items, policyOrderKey, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.ListPoliciesOutput{Policies: make([]api.Policy, len(pageItems)), IsTruncated: ptr(truncated), Marker: marker}
	for i, p := range pageItems {
		out.Policies[i] = apiPolicy(p, false)
		out.Policies[i].Description = nil // listings leave it out, as AWS's do
	}
	return out, nil
}

// versionNumber returns N of a version id "vN" (0 if malformed).
func versionNumber(id string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "v"))
	if err != nil || !strings.HasPrefix(id, "v") {
		return 0
	}
	return n
}

// nextVersionNumber returns the number the policy's next version gets:
// version ids are never reused.
func nextVersionNumber(mp *iam.ManagedPolicy) int {
	n := mp.NextVersion
	for _, v := range mp.Versions {
		n = max(n, versionNumber(v.ID)+1)
	}
	return n
}

func apiVersion(mp *iam.ManagedPolicy, v *iam.PolicyVersion, withDocument bool) api.PolicyVersion {
	out := api.PolicyVersion{VersionId: ptr(v.ID), IsDefaultVersion: ptr(v.ID == mp.DefaultVersion), CreateDate: ptr(v.CreateDate)}
	if withDocument {
		out.Document = ptr(encodeDocument(v.Document))
	}
	return out
}

// findVersion returns the version of mp with the given id (compared as
// IAM compares them, without case), or nil.
func findVersion(mp *iam.ManagedPolicy, id string) *iam.PolicyVersion {
	for i := range mp.Versions {
		if strings.EqualFold(mp.Versions[i].ID, id) {
			return &mp.Versions[i]
		}
	}
	return nil
}

// CreatePolicyVersion adds a version to a customer managed policy,
// optionally making it the default. A policy keeps at most five versions.
func (s *Service) CreatePolicyVersion(ctx context.Context, c *call.Call, in *api.CreatePolicyVersionInput) (*api.CreatePolicyVersionOutput, error) {
	doc := deref(in.PolicyDocument)
	var out api.PolicyVersion
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		mp, err := writablePolicy(tx, c, deref(in.PolicyArn))
		if err != nil {
			return err
		}
		if err := parseManagedDocument(doc); err != nil {
			return err
		}
		if len(mp.Versions) >= maxPolicyVersions {
			return api.NewLimitExceededException("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		n := nextVersionNumber(mp)
		now := s.now()
		v := iam.PolicyVersion{ID: "v" + strconv.Itoa(n), Document: doc, CreateDate: now}
		mp.Versions = append(mp.Versions, v)
		mp.NextVersion = n + 1
		mp.UpdateDate = now
		if deref(in.SetAsDefault) {
			mp.DefaultVersion = v.ID
		}
		c.AddResource(policyResource(mp))
		out = apiVersion(mp, &v, false)
		return tx.PutPolicy(mp)
	})
	if err != nil {
		return nil, err
	}
	return &api.CreatePolicyVersionOutput{PolicyVersion: &out}, nil
}

// GetPolicyVersion returns one version of a managed policy with its
// document, URL-encoded as IAM returns documents.
func (s *Service) GetPolicyVersion(ctx context.Context, c *call.Call, in *api.GetPolicyVersionInput) (*api.GetPolicyVersionOutput, error) {
	arn, id := deref(in.PolicyArn), deref(in.VersionId)
	var out api.PolicyVersion
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		mp, err := readPolicy(tx, c.Principal.AccountID, arn)
		var pe *protocol.Error
		if errors.As(err, &pe) && pe.Code == "NoSuchEntity" {
			return versionNotFound(arn, id)
		}
		if err != nil {
			return err
		}
		v := findVersion(mp, id)
		if v == nil {
			return versionNotFound(arn, id)
		}
		out = apiVersion(mp, v, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.GetPolicyVersionOutput{PolicyVersion: &out}, nil
}

// ListPolicyVersions lists a managed policy's versions, newest first,
// without their documents. Of an AWS managed policy gatehouse knows only
// the default version.
func (s *Service) ListPolicyVersions(ctx context.Context, c *call.Call, in *api.ListPolicyVersionsInput) (*api.ListPolicyVersionsOutput, error) {
	var mp *iam.ManagedPolicy
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		mp, err = readPolicy(tx, c.Principal.AccountID, deref(in.PolicyArn))
		return err
	})
	if err != nil {
		return nil, err
	}
	versions := slices.Clone(mp.Versions)
	slices.SortFunc(versions, func(a, b iam.PolicyVersion) int { return cmp.Compare(versionNumber(b.ID), versionNumber(a.ID)) })
	// Keys descend as the numbers do, so that page's ascending order holds.
	key := func(v iam.PolicyVersion) string { return fmt.Sprintf("%010d", 1<<30-versionNumber(v.ID)) }
	pageItems, truncated, marker, err := page(versions, key, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.ListPolicyVersionsOutput{Versions: make([]api.PolicyVersion, len(pageItems)), IsTruncated: ptr(truncated), Marker: marker}
	for i := range pageItems {
		out.Versions[i] = apiVersion(mp, &pageItems[i], false)
	}
	return out, nil
}

// DeletePolicyVersion deletes a version of a customer managed policy
// other than its default one.
func (s *Service) DeletePolicyVersion(ctx context.Context, c *call.Call, in *api.DeletePolicyVersionInput) (*struct{}, error) {
	arn, id := deref(in.PolicyArn), deref(in.VersionId)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		mp, err := writablePolicy(tx, c, arn)
		if err != nil {
			return err
		}
		v := findVersion(mp, id)
		if v == nil {
			return versionNotFound(arn, id)
		}
		if v.ID == mp.DefaultVersion {
			return api.NewDeleteConflictException("Cannot delete the default version of a policy.")
		}
		deleted := v.ID
		mp.Versions = slices.DeleteFunc(mp.Versions, func(v iam.PolicyVersion) bool { return v.ID == deleted })
		mp.NextVersion = nextVersionNumber(mp)
		c.AddResource(policyResource(mp))
		return tx.PutPolicy(mp)
	})
	return nil, err
}

// SetDefaultPolicyVersion makes a version the one that applies wherever
// the customer managed policy is attached.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, c *call.Call, in *api.SetDefaultPolicyVersionInput) (*struct{}, error) {
	arn, id := deref(in.PolicyArn), deref(in.VersionId)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		mp, err := writablePolicy(tx, c, arn)
		if err != nil {
			return err
		}
		v := findVersion(mp, id)
		if v == nil {
			return versionNotFound(arn, id)
		}
		mp.DefaultVersion = v.ID
		mp.NextVersion = nextVersionNumber(mp)
		c.AddResource(policyResource(mp))
		return tx.PutPolicy(mp)
	})
	return nil, err
}

// TagPolicy adds tags to a customer managed policy, replacing the values
// of keys it already has.
func (s *Service) TagPolicy(ctx context.Context, c *call.Call, in *api.TagPolicyInput) (*struct{}, error) {
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		mp, err := writablePolicy(tx, c, deref(in.PolicyArn))
		if err != nil {
			return err
		}
		if mp.Tags, err = addTags(mp.Tags, in.Tags); err != nil {
			return err
		}
		c.AddResource(policyResource(mp))
		return tx.PutPolicy(mp)
	})
	return nil, err
}

// UntagPolicy removes tags from a customer managed policy; keys it does
// not have are ignored.
func (s *Service) UntagPolicy(ctx context.Context, c *call.Call, in *api.UntagPolicyInput) (*struct{}, error) {
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		mp, err := writablePolicy(tx, c, deref(in.PolicyArn))
		if err != nil {
			return err
		}
		mp.Tags = removeTags(mp.Tags, in.TagKeys)
		c.AddResource(policyResource(mp))
		return tx.PutPolicy(mp)
	})
	return nil, err
}

// ListPolicyTags lists a managed policy's tags (AWS managed policies have
// none).
func (s *Service) ListPolicyTags(ctx context.Context, c *call.Call, in *api.ListPolicyTagsInput) (*api.ListPolicyTagsOutput, error) {
	var tags []iam.Tag
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		mp, err := readPolicy(tx, c.Principal.AccountID, deref(in.PolicyArn))
		if err == nil {
			tags = mp.Tags
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out, truncated, marker, err := pageTags(tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListPolicyTagsOutput{Tags: out, IsTruncated: ptr(truncated), Marker: marker}, nil
}

// policyEntity is a user, group or role that uses a managed policy.
type policyEntity struct {
	kind     api.EntityType
	name, id string
}

func (e policyEntity) key() string {
	return string(e.kind) + "/" + strings.ToLower(e.name)
}

// ListEntitiesForPolicy lists the users, groups and roles of the account
// that have a managed policy attached or use it as their permissions
// boundary.
func (s *Service) ListEntitiesForPolicy(ctx context.Context, c *call.Call, in *api.ListEntitiesForPolicyInput) (*api.ListEntitiesForPolicyOutput, error) {
	acct, arn := c.Principal.AccountID, deref(in.PolicyArn)
	usage := in.PolicyUsageFilter
	uses := func(attached []string, boundary string) bool {
		switch usage {
		case api.PolicyUsageTypePermissionsPolicy:
			return slices.Contains(attached, arn)
		case api.PolicyUsageTypePermissionsBoundary:
			return boundary == arn
		}
		return slices.Contains(attached, arn) || boundary == arn
	}
	want := func(kind api.EntityType) bool { return in.EntityFilter == "" || in.EntityFilter == kind }
	var entities []policyEntity
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		if _, err := readPolicy(tx, acct, arn); err != nil {
			return err
		}
		if want(api.EntityTypeGroup) {
			groups, err := tx.Groups(acct)
			if err != nil {
				return err
			}
			for _, g := range groups {
				if pathMatches(g.Path, in.PathPrefix) && uses(g.Attached, "") {
					entities = append(entities, policyEntity{api.EntityTypeGroup, g.Name, g.ID})
				}
			}
		}
		if want(api.EntityTypeRole) {
			roles, err := tx.Roles(acct)
			if err != nil {
				return err
			}
			for _, r := range roles {
				if pathMatches(r.Path, in.PathPrefix) && uses(r.Attached, r.Boundary) {
					entities = append(entities, policyEntity{api.EntityTypeRole, r.Name, r.ID})
				}
			}
		}
		if want(api.EntityTypeUser) {
			users, err := tx.Users(acct)
			if err != nil {
				return err
			}
			for _, u := range users {
				if pathMatches(u.Path, in.PathPrefix) && uses(u.Attached, u.Boundary) {
					entities = append(entities, policyEntity{api.EntityTypeUser, u.Name, u.ID})
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(entities, func(a, b policyEntity) int { return strings.Compare(a.key(), b.key()) })
	pageItems, truncated, marker, err := page(entities, policyEntity.key, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.ListEntitiesForPolicyOutput{
		PolicyGroups: []api.PolicyGroup{}, PolicyUsers: []api.PolicyUser{}, PolicyRoles: []api.PolicyRole{},
		IsTruncated: ptr(truncated), Marker: marker,
	}
	for _, e := range pageItems {
		switch e.kind {
		case api.EntityTypeGroup:
			out.PolicyGroups = append(out.PolicyGroups, api.PolicyGroup{GroupName: ptr(e.name), GroupId: ptr(e.id)})
		case api.EntityTypeRole:
			out.PolicyRoles = append(out.PolicyRoles, api.PolicyRole{RoleName: ptr(e.name), RoleId: ptr(e.id)})
		default:
			out.PolicyUsers = append(out.PolicyUsers, api.PolicyUser{UserName: ptr(e.name), UserId: ptr(e.id)})
		}
	}
	return out, nil
}

// attachBoundary moves an entity's permissions boundary from oldARN to
// newARN ("" for none) and keeps the policies' boundary usage counts right:
// BoundaryCount on customer managed policies, the account's usage record
// for AWS managed ones. newARN must name a managed policy of accountID or
// an AWS managed policy (else InvalidInput for a malformed ARN,
// NoSuchEntity for a missing policy); oldARN may name one deleted since.
// Callers store the entity's new Boundary themselves, in the same
// transaction; deleting an entity that has a boundary calls it with newARN
// "".
func attachBoundary(tx *iam.Tx, accountID, oldARN, newARN string) error {
	if newARN != "" {
		mp, err := attachablePolicy(tx, accountID, newARN)
		if err != nil {
			return err
		}
		if oldARN == newARN {
			return nil
		}
		if err := addPolicyUsage(tx, accountID, mp, 0, 1); err != nil {
			return err
		}
	}
	if oldARN != "" && oldARN != newARN {
		mp, err := tx.Policy(accountID, oldARN)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			return nil // deleted since: nothing to count
		}
		if err != nil {
			return err
		}
		return addPolicyUsage(tx, accountID, mp, 0, -1)
	}
	return nil
}

// attachablePolicy returns the managed policy arn names, for attaching it
// or making it a permissions boundary: InvalidInput for a malformed ARN,
// NoSuchEntity "does not exist or is not attachable" for a policy that is
// not there.
func attachablePolicy(tx *iam.Tx, accountID, arn string) (*iam.ManagedPolicy, error) {
	if _, _, _, ok := iam.ParsePolicyARN(arn); !ok {
		return nil, invalidARN(arn)
	}
	mp, err := tx.Policy(accountID, arn)
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return nil, api.NewNoSuchEntityException("Policy %s does not exist or is not attachable.", arn)
	}
	return mp, err
}

// addPolicyUsage adds to a managed policy's attachment and boundary
// counts: on the record of a customer managed policy, in the account's
// usage record of an AWS managed one.
func addPolicyUsage(tx *iam.Tx, accountID string, mp *iam.ManagedPolicy, attachments, boundaries int) error {
	if mp.AccountID == "aws" {
		return tx.AddAWSPolicyUsage(accountID, mp.Name, attachments, boundaries)
	}
	mp.AttachmentCount = max(0, mp.AttachmentCount+attachments)
	mp.BoundaryCount = max(0, mp.BoundaryCount+boundaries)
	return tx.PutPolicy(mp)
}
