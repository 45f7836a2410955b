package iam

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/catalog"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
	"github.com/gatehouse/gatehouse/internal/store"
)

// This file serves service last accessed data (IAM's access advisor):
// GenerateServiceLastAccessedDetails computes a report for a user, group,
// role or managed policy from the audit trail (lastaccessed_report.go) and
// stores it; GetServiceLastAccessedDetails and
// GetServiceLastAccessedDetailsWithEntities page through it. Reports are
// computed when they are generated, so a job is COMPLETED as soon as it
// exists; the data is as real as AWS's, only fresher (AWS takes up to four
// hours to show activity, gatehouse shows it once the trail has written the
// event, within a second).
//
// The Organizations access reports (GenerateOrganizationsAccessReport,
// GetOrganizationsAccessReport) need an organization with SCPs: they
// answer as for an account outside any organization until the
// Organizations service installs itself (see orgfeatures.go).

// kindAccessReport holds generated reports, keyed "<account>/<job id>".
// Job ids are version 7 UUIDs, which start with their creation time, so an
// account's reports are listed oldest first.
const kindAccessReport = "iam/access-report"

// reportRetention is how long gatehouse keeps a generated report. AWS does
// not document a lifetime; a month keeps the store from growing without
// bound while leaving any realistic polling loop plenty of time.
const reportRetention = 30 * 24 * time.Hour

// expiredReportsPerGenerate bounds the expired reports one Generate call
// deletes, so that the clean-up cost is spread over calls.
const expiredReportsPerGenerate = 10

func (s *Service) registerLastAccessed(r *call.Registry) {
	r.Handle(api.Service, "GenerateServiceLastAccessedDetails", call.Typed(s.GenerateServiceLastAccessedDetails))
	r.Handle(api.Service, "GetServiceLastAccessedDetails", call.Typed(s.GetServiceLastAccessedDetails))
	r.Handle(api.Service, "GetServiceLastAccessedDetailsWithEntities", call.Typed(s.GetServiceLastAccessedDetailsWithEntities))
	r.Handle(api.Service, "GenerateOrganizationsAccessReport", call.Typed(s.GenerateOrganizationsAccessReport))
	r.Handle(api.Service, "GetOrganizationsAccessReport", call.Typed(s.GetOrganizationsAccessReport))
}

// GenerateServiceLastAccessedDetails computes the report for the entity and
// returns its job id.
func (s *Service) GenerateServiceLastAccessedDetails(ctx context.Context, c *call.Call, in *api.GenerateServiceLastAccessedDetailsInput) (*api.GenerateServiceLastAccessedDetailsOutput, error) {
	acct := c.Principal.AccountID
	arn := deref(in.Arn)
	granularity := in.Granularity
	if granularity == "" {
		granularity = api.AccessAdvisorUsageGranularityTypeServiceLevel
	}
	created := s.now()
	sub, err := s.resolveSubject(ctx, acct, arn)
	if err != nil {
		return nil, err
	}
	services, err := s.buildReport(ctx, acct, sub, granularity, created)
	if err != nil {
		return nil, err
	}
	rep := &accessReport{
		JobID: audit.NewEventID(), AccountID: acct, Creator: c.Principal.ARN, EntityARN: arn,
		Granularity: granularity, Created: created, Completed: s.now(),
		Entities: sub.entities, Services: services,
	}
	raw, err := json.Marshal(rep)
	if err != nil {
		return nil, err
	}
	err = s.dir.Store().Update(ctx, func(tx store.Tx) error {
		if err := deleteExpiredReports(tx, acct, created); err != nil {
			return err
		}
		return tx.Put(kindAccessReport, acct+"/"+rep.JobID, raw)
	})
	if err != nil {
		return nil, err
	}
	return &api.GenerateServiceLastAccessedDetailsOutput{JobId: ptr(rep.JobID)}, nil
}

// deleteExpiredReports removes up to expiredReportsPerGenerate of the
// account's reports older than reportRetention, oldest first.
func deleteExpiredReports(tx store.Tx, acct string, now time.Time) error {
	items, err := tx.List(kindAccessReport, acct+"/", "", expiredReportsPerGenerate)
	if err != nil {
		return err
	}
	for _, it := range items {
		created, ok := uuidV7Time(strings.TrimPrefix(it.Key, acct+"/"))
		if ok && now.Sub(created) < reportRetention {
			return nil
		}
		if err := tx.Delete(kindAccessReport, it.Key); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// uuidV7Time returns the creation time a version 7 UUID carries in its
// first 48 bits.
func uuidV7Time(id string) (time.Time, bool) {
	if len(id) != 36 || id[8] != '-' || id[14] != '7' {
		return time.Time{}, false
	}
	b, err := hex.DecodeString(id[0:8] + id[9:13])
	if err != nil {
		return time.Time{}, false
	}
	var ms int64
	for _, x := range b {
		ms = ms<<8 | int64(x)
	}
	return time.UnixMilli(ms).UTC(), true
}

// loadReport returns the caller's report. AWS lets only the identity that
// generated a report read it (the same user, or the same role session), so
// another caller's job id is unknown to the caller.
func (s *Service) loadReport(ctx context.Context, c *call.Call, jobID string) (*accessReport, error) {
	acct := c.Principal.AccountID
	var rep accessReport
	err := s.dir.Store().View(ctx, func(tx store.Tx) error {
		raw, err := tx.Get(kindAccessReport, acct+"/"+jobID)
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, &rep)
	})
	if errors.Is(err, store.ErrNotFound) || err == nil && (rep.Creator != c.Principal.ARN || s.now().Sub(rep.Created) >= reportRetention) {
		return nil, api.NewNoSuchEntityException("The job with id %s cannot be found.", jobID)
	}
	if err != nil {
		return nil, err
	}
	return &rep, nil
}

// GetServiceLastAccessedDetails returns a page of a report's services,
// sorted by namespace.
func (s *Service) GetServiceLastAccessedDetails(ctx context.Context, c *call.Call, in *api.GetServiceLastAccessedDetailsInput) (*api.GetServiceLastAccessedDetailsOutput, error) {
	rep, err := s.loadReport(ctx, c, deref(in.JobId))
	if err != nil {
		return nil, err
	}
	items, truncated, next, err := page(rep.Services, func(sa serviceAccess) string { return sa.Namespace }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.GetServiceLastAccessedDetailsOutput{
		JobStatus: api.JobStatusTypeCompleted, JobType: rep.Granularity,
		JobCreationDate: ptr(rep.Created), JobCompletionDate: ptr(rep.Completed),
		ServicesLastAccessed: make([]api.ServiceLastAccessed, 0, len(items)),
		IsTruncated:          ptr(truncated), Marker: next,
	}
	for _, sa := range items {
		o := api.ServiceLastAccessed{ServiceName: ptr(sa.Name), ServiceNamespace: ptr(sa.Namespace)}
		if !sa.Last.IsZero() {
			o.LastAuthenticated, o.LastAuthenticatedEntity = ptr(sa.Last), ptr(sa.Entity)
			o.TotalAuthenticatedEntities = ptr(int32(sa.Count))
			if sa.Region != "" {
				o.LastAuthenticatedRegion = ptr(sa.Region)
			}
		}
		for _, a := range sa.Actions {
			o.TrackedActionsLastAccessed = append(o.TrackedActionsLastAccessed, api.TrackedActionLastAccessed{
				ActionName: ptr(a.Name), LastAccessedEntity: ptr(a.Entity), LastAccessedTime: ptr(a.Last), LastAccessedRegion: accessOptional(a.Region),
			})
		}
		out.ServicesLastAccessed = append(out.ServicesLastAccessed, o)
	}
	return out, nil
}

// GetServiceLastAccessedDetailsWithEntities returns, for one service of a
// report, the users and roles the report covers (for a group its members,
// for a policy the users and roles it applies to, for a user or role
// itself) with when each last attempted to use the service, most recent
// first.
func (s *Service) GetServiceLastAccessedDetailsWithEntities(ctx context.Context, c *call.Call, in *api.GetServiceLastAccessedDetailsWithEntitiesInput) (*api.GetServiceLastAccessedDetailsWithEntitiesOutput, error) {
	ns := deref(in.ServiceNamespace)
	if _, ok := catalog.Service(ns); !ok {
		return nil, invalidInput("The service namespace %s is not valid.", ns)
	}
	rep, err := s.loadReport(ctx, c, deref(in.JobId))
	if err != nil {
		return nil, err
	}
	type detail struct {
		key  string
		e    accessEntity
		last time.Time
	}
	var details []detail
	if i := slices.IndexFunc(rep.Services, func(sa serviceAccess) bool { return strings.EqualFold(sa.Namespace, ns) }); i >= 0 {
		sa := &rep.Services[i]
		for j, e := range rep.Entities {
			d := detail{e: e}
			if j < len(sa.ByEntity) {
				d.last = sa.ByEntity[j]
			}
			details = append(details, d)
		}
		slices.SortStableFunc(details, func(a, b detail) int {
			if c := b.last.Compare(a.last); c != 0 {
				return c
			}
			return strings.Compare(a.e.ARN, b.e.ARN)
		})
		for j := range details {
			details[j].key = fmt.Sprintf("%08d", j)
		}
	}
	items, truncated, next, err := page(details, func(d detail) string { return d.key }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.GetServiceLastAccessedDetailsWithEntitiesOutput{
		JobStatus: api.JobStatusTypeCompleted, JobCreationDate: ptr(rep.Created), JobCompletionDate: ptr(rep.Completed),
		EntityDetailsList: make([]api.EntityDetails, 0, len(items)), IsTruncated: ptr(truncated), Marker: next,
	}
	for _, d := range items {
		out.EntityDetailsList = append(out.EntityDetailsList, api.EntityDetails{
			EntityInfo: &api.EntityInfo{
				Arn: ptr(d.e.ARN), Name: ptr(d.e.Name), Type: d.e.Type, Id: ptr(d.e.ID), Path: ptr(d.e.Path),
			},
			LastAuthenticated: timePtr(d.last),
		})
	}
	return out, nil
}

// GenerateOrganizationsAccessReport reports the services SCPs allow to an
// organization entity. It needs the caller to be an organization's
// management account; outside any organization it answers
// OrganizationNotFound.
func (s *Service) GenerateOrganizationsAccessReport(ctx context.Context, c *call.Call, in *api.GenerateOrganizationsAccessReportInput) (*api.GenerateOrganizationsAccessReportOutput, error) {
	acct := c.Principal.AccountID
	org, ok, err := s.organization(ctx, acct)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, organizationNotFound(acct)
	}
	if acct != org.ManagementAccountID {
		return nil, api.NewCallerIsNotManagementAccountException("Organizations access reports can only be generated by the management account of the organization %s.", org.ID)
	}
	path, err := parseOrganizationsEntityPath(deref(in.EntityPath))
	if err != nil {
		return nil, err
	}
	if path.OrganizationID != org.ID {
		return nil, invalidInput("The entity path %s is not in the organization %s.", deref(in.EntityPath), org.ID)
	}
	// Computing the report needs the organization's tree and SCPs, which
	// the Organizations service will supply; until it does, no account is
	// in an organization and this point is never reached.
	return nil, protocol.NotImplemented(c.Operation)
}

// GetOrganizationsAccessReport returns an Organizations access report. No
// such report exists while no account is in an organization.
func (s *Service) GetOrganizationsAccessReport(ctx context.Context, c *call.Call, in *api.GetOrganizationsAccessReportInput) (*api.GetOrganizationsAccessReportOutput, error) {
	return nil, api.NewNoSuchEntityException("The job with id %s cannot be found.", deref(in.JobId))
}

// organizationsEntityPath is a parsed Organizations entity path:
// o-ORG/r-ROOT[/ou-...]*[/ACCOUNT].
type organizationsEntityPath struct {
	OrganizationID string
	RootID         string
	OUs            []string
	// AccountID is the account the path ends at, "" for a root or OU.
	AccountID string
}

// parseOrganizationsEntityPath checks and splits an entity path: the
// organization, the root, any organizational units (each "ou-" then the
// root part and a suffix) and optionally a 12-digit account at the end.
func parseOrganizationsEntityPath(p string) (organizationsEntityPath, error) {
	bad := func() (organizationsEntityPath, error) {
		return organizationsEntityPath{}, invalidInput("The entity path %s is not valid. It must be o-ORGANIZATION/r-ROOT, optionally followed by /ou-... organizational units and a 12-digit account id.", p)
	}
	parts := strings.Split(strings.TrimSuffix(p, "/"), "/")
	if len(parts) < 2 || !orgPathID(parts[0], "o-", 10, 32) || !orgPathID(parts[1], "r-", 4, 32) {
		return bad()
	}
	out := organizationsEntityPath{OrganizationID: parts[0], RootID: parts[1]}
	rest := parts[2:]
	if n := len(rest); n > 0 && isOrgPathAccountID(rest[n-1]) {
		out.AccountID, rest = rest[n-1], rest[:n-1]
	}
	for _, ou := range rest {
		// ou-<root part, 4-32>-<8-32 characters>
		body, ok := strings.CutPrefix(ou, "ou-")
		left, right, found := strings.Cut(body, "-")
		if !ok || !found || !orgPathLowerAlnum(left, 4, 32) || !orgPathLowerAlnum(right, 8, 32) {
			return bad()
		}
		out.OUs = append(out.OUs, ou)
	}
	return out, nil
}

func orgPathID(s, prefix string, minLen, maxLen int) bool {
	body, ok := strings.CutPrefix(s, prefix)
	return ok && orgPathLowerAlnum(body, minLen, maxLen)
}

func orgPathLowerAlnum(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func isOrgPathAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func accessOptional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
