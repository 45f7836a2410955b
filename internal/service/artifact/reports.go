package artifact

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/artifact"
	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/artifact"
)

// Token kinds of the report lists.
const (
	tokenReports  = "reports"
	tokenVersions = "versions"
)

func (s *Service) listReports(ctx context.Context, c *call.Call, in *api.ListReportsInput) (*api.ListReportsOutput, error) {
	after, err := decodeToken(tokenReports, in.NextToken)
	if err != nil {
		return nil, err
	}
	reports, more, err := s.store.Reports(ctx, after, pageSize(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &api.ListReportsOutput{Reports: make([]api.ReportSummary, 0, len(reports))}
	for _, r := range reports {
		out.Reports = append(out.Reports, reportSummary(r, c.Region))
	}
	if more {
		out.NextToken = encodeToken(tokenReports, reports[len(reports)-1].ID)
	}
	return out, nil
}

func (s *Service) listReportVersions(ctx context.Context, c *call.Call, in *api.ListReportVersionsInput) (*api.ListReportVersionsOutput, error) {
	after, err := decodeIntToken(tokenVersions+"/"+*in.ReportId, in.NextToken)
	if err != nil {
		return nil, err
	}
	versions, more, err := s.store.ReportVersions(ctx, *in.ReportId, after, pageSize(in.MaxResults))
	if err != nil {
		return nil, reportError(err, *in.ReportId, nil)
	}
	out := &api.ListReportVersionsOutput{Reports: make([]api.ReportSummary, 0, len(versions))}
	for _, r := range versions {
		out.Reports = append(out.Reports, reportSummary(r, c.Region))
	}
	if more {
		out.NextToken = encodeToken(tokenVersions+"/"+*in.ReportId, strconv.FormatInt(versions[len(versions)-1].Version, 10))
	}
	return out, nil
}

func (s *Service) getReportMetadata(ctx context.Context, c *call.Call, in *api.GetReportMetadataInput) (*api.GetReportMetadataOutput, error) {
	r, err := s.report(ctx, c, *in.ReportId, in.ReportVersion)
	if err != nil {
		return nil, err
	}
	d := &api.ReportDetail{
		Id: &r.ID, Name: &r.Name, Description: nonEmpty(r.Description), State: api.PublishedState(r.State),
		Arn: ptr(r.ARN(c.Region)), Series: nonEmpty(r.Series), Category: nonEmpty(r.Category),
		CompanyName: nonEmpty(r.CompanyName), ProductName: nonEmpty(r.ProductName), Version: &r.Version,
		AcceptanceType: api.AcceptanceType(r.AcceptanceType), SequenceNumber: &r.Version,
		UploadState: api.UploadStateComplete, CreatedAt: ptr(r.CreatedAt), LastModifiedAt: ptr(r.LastModifiedAt),
	}
	if r.TermID != "" {
		d.TermArn = ptr(artifact.TermARN(r.TermID))
	}
	return &api.GetReportMetadataOutput{ReportDetails: d}, nil
}

// getTermForReport is the term acceptance: it returns the term's document
// and the token that lets the caller's account download the report.
func (s *Service) getTermForReport(ctx context.Context, c *call.Call, in *api.GetTermForReportInput) (*api.GetTermForReportOutput, error) {
	r, err := s.report(ctx, c, *in.ReportId, in.ReportVersion)
	if err != nil {
		return nil, err
	}
	out := &api.GetTermForReportOutput{}
	if r.TermID != "" {
		term, err := s.store.Term(ctx, r.TermID)
		if err != nil {
			return nil, err
		}
		u, err := s.presign(ctx, c, term.DocumentID)
		if err != nil {
			return nil, err
		}
		out.DocumentPresignedUrl = &u
	}
	tok, err := s.store.IssueTermToken(c.Principal.AccountID, r.ID, r.Version)
	if err != nil {
		return nil, err
	}
	out.TermToken = &tok
	return out, nil
}

func (s *Service) getReport(ctx context.Context, c *call.Call, in *api.GetReportInput) (*api.GetReportOutput, error) {
	r, err := s.report(ctx, c, *in.ReportId, in.ReportVersion)
	if err != nil {
		return nil, err
	}
	if err := s.store.CheckTermToken(*in.TermToken, c.Principal.AccountID, r.ID, r.Version); err != nil {
		if !errors.Is(err, artifact.ErrInvalidTermToken) {
			return nil, err
		}
		why := strings.TrimPrefix(err.Error(), artifact.ErrInvalidTermToken.Error()+": ")
		return nil, validationError(api.ValidationExceptionReasonInvalidToken, "termToken",
			"The term token is not valid for report %s version %d (%s). Accept the report's term with GetTermForReport and use the token it returns.", r.ID, r.Version, why)
	}
	u, err := s.presign(ctx, c, r.DocumentID)
	if err != nil {
		return nil, err
	}
	return &api.GetReportOutput{DocumentPresignedUrl: &u}, nil
}

// report loads the version of a report a call names (nil: the latest)
// and records it as the call's resource.
func (s *Service) report(ctx context.Context, c *call.Call, id string, version *int64) (*artifact.ReportVersion, error) {
	v := int64(0)
	if version != nil {
		v = *version
	}
	r, err := s.store.Report(ctx, id, v)
	if err != nil {
		return nil, reportError(err, id, version)
	}
	c.AddResource(call.Resource{ARN: r.ARN(c.Region), Type: "AWS::Artifact::Report"})
	return r, nil
}

// reportError maps a store error about a report to its AWS error.
func reportError(err error, id string, version *int64) error {
	if !errors.Is(err, artifact.ErrReportNotFound) {
		return err
	}
	if version != nil {
		return notFound("report", id, "Report %s has no version %d.", id, *version)
	}
	return notFound("report", id, "Report %s does not exist.", id)
}

// presign returns a document's presigned URL on the host and scheme the
// client addressed gatehouse by.
func (s *Service) presign(ctx context.Context, c *call.Call, docID string) (string, error) {
	if c.Host == "" {
		return "", fmt.Errorf("artifact: the request has no Host to point a presigned URL at")
	}
	scheme := "http"
	if c.SecureTransport {
		scheme = "https"
	}
	return s.store.Presign(ctx, scheme, c.Host, docID, s.now().Add(artifact.PresignedURLLifetime))
}

func reportSummary(r *artifact.ReportVersion, region string) api.ReportSummary {
	return api.ReportSummary{
		Id: ptr(r.ID), Name: ptr(r.Name), State: api.PublishedState(r.State), Arn: ptr(r.ARN(region)),
		Version: ptr(r.Version), UploadState: api.UploadStateComplete, Description: nonEmpty(r.Description),
		Series: nonEmpty(r.Series), Category: nonEmpty(r.Category), CompanyName: nonEmpty(r.CompanyName),
		ProductName: nonEmpty(r.ProductName), AcceptanceType: api.AcceptanceType(r.AcceptanceType),
	}
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
