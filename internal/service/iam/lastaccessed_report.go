package iam

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/catalog"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/policy"
	"github.com/gatehouse/gatehouse/internal/store"
)

// This file computes service last accessed reports from gatehouse's own
// audit trail. Every call gatehouse serves is a trail event, allowed or
// denied, so "the last attempt to access a service" is the newest event of
// the entity (an IAM user, or a session of a role) whose event source is
// that service. The services listed are those the entity's permissions
// policies allow (lastaccessed_allow.go).

// trackingPeriod is how far back reports look: AWS reports at least the
// last 400 days.
const trackingPeriod = 400 * 24 * time.Hour

// actionTrackedServices are the services whose management actions AWS
// reports at action level (ACTION_LEVEL granularity).
var actionTrackedServices = []string{"ec2", "iam", "lambda", "s3"}

// accessEntity is a user or role whose activity a report covers.
type accessEntity struct {
	ARN  string                    `json:"arn"`
	Name string                    `json:"name"`
	Type api.PolicyOwnerEntityType `json:"type"`
	ID   string                    `json:"id"`
	Path string                    `json:"path"`
	// account is the entity's account, for matching role sessions.
	account string
}

// accessReport is a generated report, stored until it expires.
type accessReport struct {
	JobID       string                                `json:"job"`
	AccountID   string                                `json:"account"`
	Creator     string                                `json:"creator"`
	EntityARN   string                                `json:"entity"`
	Granularity api.AccessAdvisorUsageGranularityType `json:"granularity"`
	Created     time.Time                             `json:"created"`
	Completed   time.Time                             `json:"completed"`
	// Entities are the users and roles covered, in the order
	// GetServiceLastAccessedDetailsWithEntities needs none of (each
	// service sorts its own list).
	Entities []accessEntity  `json:"entities,omitempty"`
	Services []serviceAccess `json:"services"`
}

// serviceAccess is one allowed service of a report.
type serviceAccess struct {
	Namespace string `json:"ns"`
	Name      string `json:"name"`
	// Last is the newest attempt by any covered entity (zero: none), by
	// Entity (an ARN) from Region.
	Last   time.Time `json:"last,omitzero"`
	Entity string    `json:"entity,omitempty"`
	Region string    `json:"region,omitempty"`
	// Count is how many covered entities attempted to use the service.
	Count int `json:"count,omitempty"`
	// ByEntity is each covered entity's newest attempt, indexed like
	// accessReport.Entities (zero: none); nil when none attempted.
	ByEntity []time.Time `json:"byEntity,omitempty"`
	// Actions are the tracked actions attempted, by name (ACTION_LEVEL).
	Actions []actionAccess `json:"actions,omitempty"`
}

// actionAccess is the newest attempt of one tracked action.
type actionAccess struct {
	Name   string    `json:"name"`
	Last   time.Time `json:"last"`
	Entity string    `json:"entity"`
	Region string    `json:"region"`
}

// accessSubject is what a report is about, resolved from its ARN: the
// permissions policies that decide the services listed, and the entities
// whose activity counts.
type accessSubject struct {
	policies []*policy.Policy
	entities []accessEntity
}

// resolveSubject loads the user, group, role or managed policy arn names in
// the caller's account.
func (s *Service) resolveSubject(ctx context.Context, accountID, arn string) (*accessSubject, error) {
	acct, typ, _, name, ok := splitAccessEntityARN(arn)
	if !ok {
		return nil, invalidInput("The ARN %s is not the ARN of an IAM user, group, role or policy.", arn)
	}
	if typ != "policy" && acct != accountID || typ == "policy" && acct != accountID && acct != "aws" {
		return nil, noSuchEntity(typ, name)
	}
	sub := &accessSubject{}
	switch typ {
	case "user":
		perms, err := s.dir.UserPermissions(ctx, accountID, name)
		if err != nil {
			return nil, notFound(err, "user", name)
		}
		if perms.ARN != arn {
			return nil, noSuchEntity("user", name) // same name, other path
		}
		sub.policies = accessAttachedPolicies(perms.Identity)
		err = s.dir.View(ctx, func(tx *iam.Tx) error {
			u, err := tx.User(accountID, name)
			if err != nil {
				return err
			}
			sub.entities = append(sub.entities, accessUserEntity(u))
			return nil
		})
		if err != nil {
			return nil, notFound(err, "user", name)
		}
	case "role":
		perms, err := s.dir.RolePermissions(ctx, accountID, name)
		if err != nil {
			return nil, notFound(err, "role", name)
		}
		if perms.ARN != arn {
			return nil, noSuchEntity("role", name)
		}
		sub.policies = accessAttachedPolicies(perms.Identity)
		err = s.dir.View(ctx, func(tx *iam.Tx) error {
			r, err := tx.Role(accountID, name)
			if err != nil {
				return err
			}
			sub.entities = append(sub.entities, accessRoleEntity(r))
			return nil
		})
		if err != nil {
			return nil, notFound(err, "role", name)
		}
	case "group":
		err := s.dir.View(ctx, func(tx *iam.Tx) error {
			g, err := tx.Group(accountID, name)
			if err != nil {
				return err
			}
			if g.ARN() != arn {
				return iam.ErrNoSuchEntity
			}
			if sub.policies, err = accessGroupPolicies(tx, accountID, g.Inline, policy.KindGroupInline, g.Attached); err != nil {
				return err
			}
			for _, m := range g.Members {
				u, err := tx.User(accountID, m)
				if errors.Is(err, iam.ErrNoSuchEntity) {
					continue
				}
				if err != nil {
					return err
				}
				sub.entities = append(sub.entities, accessUserEntity(u))
			}
			return nil
		})
		if err != nil {
			return nil, notFound(err, "group", name)
		}
	case "policy":
		err := s.dir.View(ctx, func(tx *iam.Tx) error {
			mp, err := tx.Policy(accountID, arn)
			if err != nil {
				return err
			}
			if v := mp.Default(); v != nil {
				if p, err := policy.Parse([]byte(iam.DecodeDocument(v.Document)), policy.KindManaged); err == nil {
					sub.policies = append(sub.policies, p)
				}
			}
			sub.entities, err = accessPolicyEntities(tx, accountID, arn)
			return err
		})
		if errors.Is(err, iam.ErrNoSuchEntity) {
			return nil, api.NewNoSuchEntityException("Policy %s does not exist or is not attachable.", arn)
		}
		if err != nil {
			return nil, err
		}
	}
	return sub, nil
}

// accessPolicyEntities returns the users and roles a managed policy applies to:
// those it is attached to and the members of the groups it is attached to.
func accessPolicyEntities(tx *iam.Tx, accountID, arn string) ([]accessEntity, error) {
	var out []accessEntity
	seen := map[string]bool{}
	addUser := func(u *iam.User) {
		if !seen[u.ARN()] {
			seen[u.ARN()] = true
			out = append(out, accessUserEntity(u))
		}
	}
	users, err := tx.Users(accountID)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*iam.User, len(users))
	for _, u := range users {
		byName[strings.ToLower(u.Name)] = u
		if slices.Contains(u.Attached, arn) {
			addUser(u)
		}
	}
	groups, err := tx.Groups(accountID)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if !slices.Contains(g.Attached, arn) {
			continue
		}
		for _, m := range g.Members {
			if u := byName[strings.ToLower(m)]; u != nil {
				addUser(u)
			}
		}
	}
	roles, err := tx.Roles(accountID)
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		if slices.Contains(r.Attached, arn) {
			out = append(out, accessRoleEntity(r))
		}
	}
	return out, nil
}

// accessGroupPolicies compiles a group's inline and attached managed policies.
// Documents that no longer parse (stored before a stricter parser) are
// skipped rather than failing the report.
func accessGroupPolicies(tx *iam.Tx, accountID string, inline []iam.InlinePolicy, kind policy.Kind, attached []string) ([]*policy.Policy, error) {
	var out []*policy.Policy
	for _, ip := range inline {
		if p, err := policy.Parse([]byte(iam.DecodeDocument(ip.Document)), kind); err == nil {
			out = append(out, p)
		}
	}
	for _, arn := range attached {
		mp, err := tx.Policy(accountID, arn)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if v := mp.Default(); v != nil {
			if p, err := policy.Parse([]byte(iam.DecodeDocument(v.Document)), policy.KindManaged); err == nil {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

func accessAttachedPolicies(list []policy.Attached) []*policy.Policy {
	out := make([]*policy.Policy, 0, len(list))
	for _, a := range list {
		out = append(out, a.Policy)
	}
	return out
}

func accessUserEntity(u *iam.User) accessEntity {
	return accessEntity{ARN: u.ARN(), Name: u.Name, Type: api.PolicyOwnerEntityTypeUser, ID: u.ID, Path: u.Path, account: u.AccountID}
}

func accessRoleEntity(r *iam.Role) accessEntity {
	return accessEntity{ARN: r.ARN(), Name: r.Name, Type: api.PolicyOwnerEntityTypeRole, ID: r.ID, Path: r.Path, account: r.AccountID}
}

// splitAccessEntityARN splits arn:aws:iam::ACCOUNT:TYPE/PATH/NAME for the types
// a last accessed report accepts.
func splitAccessEntityARN(arn string) (accountID, typ, path, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "iam" || parts[3] != "" || parts[4] == "" {
		return "", "", "", "", false
	}
	typ, rest, found := strings.Cut(parts[5], "/")
	if !found || rest == "" {
		return "", "", "", "", false
	}
	switch typ {
	case "user", "group", "role", "policy":
	default:
		return "", "", "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	path, name = "/"+rest[:i+1], rest[i+1:]
	if name == "" || strings.Contains(path, "//") {
		return "", "", "", "", false
	}
	return parts[4], typ, path, name, true
}

// accessTrailIdentity is the part of a trail event that says who made it.
type accessTrailIdentity struct {
	UserIdentity struct {
		Type           string `json:"type"`
		ARN            string `json:"arn"`
		AccountID      string `json:"accountId"`
		SessionContext struct {
			SessionIssuer struct {
				Type string `json:"type"`
				ARN  string `json:"arn"`
			} `json:"sessionIssuer"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
	AWSRegion string `json:"awsRegion"`
}

// accessEntityIndex finds the covered entity that made an event.
type accessEntityIndex struct {
	users map[string]int // by ARN
	roles map[string]int // by "account/lower-cased name": session issuers may omit the path
}

func newAccessEntityIndex(entities []accessEntity) *accessEntityIndex {
	ix := &accessEntityIndex{users: map[string]int{}, roles: map[string]int{}}
	for i, e := range entities {
		switch e.Type {
		case api.PolicyOwnerEntityTypeUser:
			ix.users[e.ARN] = i
		case api.PolicyOwnerEntityTypeRole:
			ix.roles[iam.Key(e.account, e.Name)] = i
		}
	}
	return ix
}

// lookup returns the index of the entity that made the event, if covered.
func (ix *accessEntityIndex) lookup(id *accessTrailIdentity) (int, bool) {
	ui := &id.UserIdentity
	switch ui.Type {
	case "IAMUser":
		i, ok := ix.users[ui.ARN]
		return i, ok
	case "AssumedRole":
		issuer := ui.SessionContext.SessionIssuer.ARN
		acct, _, name, ok := iam.ParseRoleARN(issuer)
		if !ok {
			return 0, false
		}
		i, ok := ix.roles[iam.Key(acct, name)]
		return i, ok
	}
	return 0, false
}

// scanTrail calls fn with every event of the covered entities in the
// tracking period, newest first. Users' events are found through the
// trail's Username index; role sessions are named by their session, not
// their role, so covering a role reads the account's whole period.
func (s *Service) scanTrail(ctx context.Context, accountID string, entities []accessEntity, since time.Time, fn func(rec *store.EventRecord, entity int, id *accessTrailIdentity)) error {
	ix := newAccessEntityIndex(entities)
	scan := func(q store.EventQuery) error {
		q.AccountID, q.StartTime, q.Limit = accountID, since, 50
		for {
			recs, next, err := s.dir.Store().QueryEvents(ctx, q)
			if err != nil {
				return err
			}
			for i := range recs {
				var id accessTrailIdentity
				if json.Unmarshal(recs[i].JSON, &id) != nil {
					continue
				}
				if e, ok := ix.lookup(&id); ok {
					fn(&recs[i], e, &id)
				}
			}
			if next == "" {
				return nil
			}
			q.NextToken = next
		}
	}
	if len(ix.roles) > 0 {
		return scan(store.EventQuery{})
	}
	names := map[string]bool{}
	for _, e := range entities {
		if names[e.Name] {
			continue
		}
		names[e.Name] = true
		if err := scan(store.EventQuery{Attribute: "Username", Value: e.Name}); err != nil {
			return err
		}
	}
	return nil
}

// buildReport computes a report's services from the subject's policies and
// the trail.
func (s *Service) buildReport(ctx context.Context, accountID string, sub *accessSubject, granularity api.AccessAdvisorUsageGranularityType, now time.Time) ([]serviceAccess, error) {
	allow := newAllowance(sub.policies)
	allowed := allow.services()
	services := make([]serviceAccess, len(allowed))
	byPrefix := make(map[string]*serviceAccess, len(allowed))
	for i, svc := range allowed {
		services[i] = serviceAccess{Namespace: svc.Prefix, Name: svc.Name}
		byPrefix[svc.Prefix] = &services[i]
	}
	actionLevel := granularity == api.AccessAdvisorUsageGranularityTypeActionLevel
	err := s.scanTrail(ctx, accountID, sub.entities, now.Add(-trackingPeriod), func(rec *store.EventRecord, entity int, id *accessTrailIdentity) {
		prefix := strings.TrimSuffix(rec.EventSource, ".amazonaws.com")
		sa := byPrefix[prefix]
		if sa == nil {
			return
		}
		who := sub.entities[entity].ARN
		// Second precision, as the trail's eventTime.
		t := rec.EventTime.UTC().Truncate(time.Second)
		if sa.ByEntity == nil {
			sa.ByEntity = make([]time.Time, len(sub.entities))
		}
		if sa.ByEntity[entity].IsZero() {
			sa.Count++
		}
		if t.After(sa.ByEntity[entity]) {
			sa.ByEntity[entity] = t
		}
		if t.After(sa.Last) {
			sa.Last, sa.Entity, sa.Region = t, who, id.AWSRegion
		}
		if !actionLevel || !slices.Contains(actionTrackedServices, prefix) {
			return
		}
		act, ok := catalog.Action(prefix + ":" + rec.EventName)
		if !ok || !allow.allowsAction(act.String()) {
			return
		}
		j := slices.IndexFunc(sa.Actions, func(a actionAccess) bool { return a.Name == act.Name })
		if j < 0 {
			sa.Actions = append(sa.Actions, actionAccess{Name: act.Name})
			j = len(sa.Actions) - 1
		}
		if a := &sa.Actions[j]; t.After(a.Last) {
			a.Last, a.Entity, a.Region = t, who, id.AWSRegion
		}
	})
	if err != nil {
		return nil, err
	}
	for i := range services {
		slices.SortFunc(services[i].Actions, func(a, b actionAccess) int { return strings.Compare(a.Name, b.Name) })
	}
	return services, nil
}
