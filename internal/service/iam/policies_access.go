package iam

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/catalog"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
)

// This file serves ListPoliciesGrantingServiceAccess: which of an
// identity's permissions policies allow any action of a service. As AWS
// documents, only the identity's own policies count (and, for a user,
// those of its groups); boundaries, resource-based policies and SCPs do
// not, and conditions are not evaluated. The service's actions come from
// the service authorization catalog, so that "s3:Get*" or a NotAction
// statement are judged against the actions the service really has.

// grantingPolicy is one permissions policy of the identity.
type grantingPolicy struct {
	entry    api.PolicyGrantingServiceAccess
	document string
}

// ListPoliciesGrantingServiceAccess lists, for each service namespace
// asked about, the policies of a user, group or role that allow some
// action of that service.
func (s *Service) ListPoliciesGrantingServiceAccess(ctx context.Context, c *call.Call, in *api.ListPoliciesGrantingServiceAccessInput) (*api.ListPoliciesGrantingServiceAccessOutput, error) {
	acct, arn := c.Principal.AccountID, deref(in.Arn)
	kind, arnAccount, name, ok := parseEntityARN(arn)
	if !ok {
		return nil, invalidARN(arn)
	}
	if arnAccount != acct {
		return nil, noSuchEntity(kind, name)
	}
	var policies []grantingPolicy
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		h, err := loadHolder(tx, acct, kind, name)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		if policies, err = appendGrantingPolicies(tx, acct, h, policies, seen); err != nil {
			return err
		}
		if kind != holderUser {
			return nil
		}
		u, err := tx.User(acct, name)
		if err != nil {
			return err
		}
		for _, g := range u.Groups {
			if _, err := tx.Group(acct, g); errors.Is(err, iam.ErrNoSuchEntity) {
				continue // a group deleted since grants nothing
			}
			gh, err := loadHolder(tx, acct, holderGroup, g)
			if err != nil {
				return err
			}
			if policies, err = appendGrantingPolicies(tx, acct, gh, policies, seen); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	statements := make([][]grantStatement, len(policies))
	for i, p := range policies {
		statements[i] = parseGrantStatements(p.document)
	}
	out := &api.ListPoliciesGrantingServiceAccessOutput{
		PoliciesGrantingServiceAccess: make([]api.ListPoliciesGrantingServiceAccessEntry, 0, len(in.ServiceNamespaces)),
		IsTruncated:                   ptr(false),
	}
	for _, ns := range in.ServiceNamespaces {
		entry := api.ListPoliciesGrantingServiceAccessEntry{ServiceNamespace: ptr(ns), Policies: []api.PolicyGrantingServiceAccess{}}
		actions := serviceActionNames(ns)
		for i, p := range policies {
			if grantsService(statements[i], ns, actions) {
				entry.Policies = append(entry.Policies, p.entry)
			}
		}
		out.PoliciesGrantingServiceAccess = append(out.PoliciesGrantingServiceAccess, entry)
	}
	return out, nil
}

// appendGrantingPolicies appends a holder's inline policies, then its
// attached managed policies not seen yet.
func appendGrantingPolicies(tx *iam.Tx, accountID string, h *policyHolder, out []grantingPolicy, seen map[string]bool) ([]grantingPolicy, error) {
	owner := map[string]api.PolicyOwnerEntityType{
		holderUser: api.PolicyOwnerEntityTypeUser, holderGroup: api.PolicyOwnerEntityTypeGroup, holderRole: api.PolicyOwnerEntityTypeRole,
	}[h.kind]
	for _, ip := range *h.inline {
		out = append(out, grantingPolicy{
			entry: api.PolicyGrantingServiceAccess{
				PolicyName: ptr(ip.Name), PolicyType: api.PolicyTypeInline, EntityType: owner, EntityName: ptr(h.name),
			},
			document: ip.Document,
		})
	}
	for _, arn := range *h.attached {
		if seen[arn] {
			continue
		}
		seen[arn] = true
		mp, err := tx.Policy(accountID, arn)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			continue
		}
		if err != nil {
			return nil, err
		}
		v := mp.Default()
		if v == nil {
			continue
		}
		out = append(out, grantingPolicy{
			entry:    api.PolicyGrantingServiceAccess{PolicyName: ptr(mp.Name), PolicyType: api.PolicyTypeManaged, PolicyArn: ptr(arn)},
			document: v.Document,
		})
	}
	return out, nil
}

// parseEntityARN splits the ARN of a user, group or role into its kind
// (holderUser, holderGroup, holderRole), account and name.
func parseEntityARN(arn string) (kind, accountID, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "iam" || parts[3] != "" || parts[4] == "" {
		return "", "", "", false
	}
	kind, rest, found := strings.Cut(parts[5], "/")
	if !found || (kind != holderUser && kind != holderGroup && kind != holderRole) {
		return "", "", "", false
	}
	name = rest[strings.LastIndexByte(rest, '/')+1:]
	if name == "" {
		return "", "", "", false
	}
	return kind, parts[4], name, true
}

// grantStatement is what matters of a statement here.
type grantStatement struct {
	Effect    string     `json:"Effect"`
	Action    stringList `json:"Action"`
	NotAction stringList `json:"NotAction"`
}

// stringList is a policy element that is a string or a list of strings.
type stringList []string

// UnmarshalJSON accepts a string or an array of strings.
func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// parseGrantStatements reads the statements of a stored (so already
// validated) policy document; a document it cannot read grants nothing.
func parseGrantStatements(doc string) []grantStatement {
	var d struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(iam.DecodeDocument(doc)), &d); err != nil {
		return nil
	}
	var list []grantStatement
	if err := json.Unmarshal(d.Statement, &list); err == nil {
		return list
	}
	var one grantStatement
	if err := json.Unmarshal(d.Statement, &one); err == nil {
		return []grantStatement{one}
	}
	return nil
}

// serviceActionNames returns the names of a service's actions, or nil
// when the catalog does not know the service.
func serviceActionNames(ns string) []string {
	actions := catalog.Actions(ns)
	if actions == nil {
		return nil
	}
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = a.Name
	}
	return names
}

// grantsService reports whether an Allow statement covers some action of
// service ns, whose action names are actions (nil when unknown: then a
// pattern naming the service covers it).
func grantsService(statements []grantStatement, ns string, actions []string) bool {
	for _, st := range statements {
		if st.Effect != "Allow" {
			continue
		}
		for _, p := range st.Action {
			if patternCoversSome(p, ns, actions) {
				return true
			}
		}
		if len(st.NotAction) > 0 && !excludesService(st.NotAction, ns, actions) {
			return true
		}
	}
	return false
}

// patternCoversSome reports whether an action pattern matches at least one
// action of service ns.
func patternCoversSome(pattern, ns string, actions []string) bool {
	if pattern == "*" {
		return true
	}
	svc, action, ok := strings.Cut(pattern, ":")
	if !ok || !wildcardMatchFold(svc, ns) {
		return false
	}
	if actions == nil {
		return true
	}
	return slices.ContainsFunc(actions, func(a string) bool { return wildcardMatchFold(action, a) })
}

// excludesService reports whether NotAction patterns leave out every
// action of service ns (for an unknown service: whether one pattern names
// all of it).
func excludesService(notActions []string, ns string, actions []string) bool {
	matches := func(name string) bool {
		for _, p := range notActions {
			if p == "*" {
				return true
			}
			svc, action, ok := strings.Cut(p, ":")
			if ok && wildcardMatchFold(svc, ns) && wildcardMatchFold(action, name) {
				return true
			}
		}
		return false
	}
	if actions == nil {
		return matches("*")
	}
	for _, a := range actions {
		if !matches(a) {
			return false
		}
	}
	return true
}

// wildcardMatchFold matches name against an IAM action pattern: "*" is any
// run of characters, "?" any one, letters compare without case.
func wildcardMatchFold(pattern, name string) bool {
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case p < len(pattern) && (pattern[p] == '?' || lowerASCII(pattern[p]) == lowerASCII(name[n])):
			p++
			n++
		case star >= 0:
			mark++
			p, n = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
