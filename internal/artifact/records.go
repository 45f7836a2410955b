// Package artifact keeps AWS Artifact's state: the compliance reports
// operators publish (PDF documents with their terms, categories, series and
// versions), the agreements accounts accept (for themselves or, from an
// organization's management account, for the whole organization), each
// account's Artifact settings, and the presigned, expiring download URLs
// gatehouse itself serves for report and term documents.
//
// The Artifact API (internal/service/artifact) serves this state; the
// `gatehouse artifact` admin command publishes into it; the compliance
// audit publishes its PDF report through PublishReport.
package artifact

import (
	"errors"
	"regexp"
	"strconv"
	"time"
)

// Storage kinds. Every kind is under "artifact/".
const (
	// kindReport: report id → reportHead (name and latest version).
	kindReport = "artifact/report"
	// kindReportName: report name → report id (raw), so that publishing
	// under an existing name adds a version.
	kindReportName = "artifact/report-name"
	// kindReportVersion: "<report id>/<version, 19 digits>" → ReportVersion.
	kindReportVersion = "artifact/report-version"
	// kindTerm: term id → Term.
	kindTerm = "artifact/term"
	// kindTermByHash: hex SHA-256 of a term's content → term id (raw):
	// reports published with the same term share it.
	kindTermByHash = "artifact/term-by-hash"
	// kindDocument: document id → Document (metadata).
	kindDocument = "artifact/document"
	// kindDocumentChunk: "<document id>/<chunk index, 6 digits>" → bytes.
	kindDocumentChunk = "artifact/document-chunk"
	// kindAgreement: agreement id → Agreement.
	kindAgreement = "artifact/agreement"
	// kindCustomerAgreement: "<owner>/<customer agreement id>" →
	// CustomerAgreement, where the owner is the accepting account id, or
	// the organization id for an acceptance on behalf of an organization.
	kindCustomerAgreement = "artifact/customer-agreement"
	// kindSettings: account id → accountSettings.
	kindSettings = "artifact/account-settings"
	// kindSigningKey: "download" → the sealed HMAC key of presigned URLs.
	kindSigningKey = "artifact/signing-key"
)

// Limits.
const (
	// MaxDocumentSize caps a published report or term document. Artifact
	// reports are PDFs of a few megabytes; the cap keeps one publication
	// from filling the store.
	MaxDocumentSize = 50 << 20
	// chunkSize is the size of the stored pieces of a document, so that
	// no single store value is large and a download streams piece by
	// piece.
	chunkSize = 1 << 20
	// maxAgreementTerms is the most acceptance or termination terms an
	// agreement has (the model's list limit).
	maxAgreementTerms = 10
)

// Values the API uses.
const (
	AcceptancePassthrough = "PASSTHROUGH"
	AcceptanceExplicit    = "EXPLICIT"

	StatePublished = "PUBLISHED"

	AgreementCustom   = "CUSTOM"
	AgreementDefault  = "DEFAULT"
	AgreementModified = "MODIFIED"

	CustomerAgreementActive     = "ACTIVE"
	CustomerAgreementTerminated = "CUSTOMER_TERMINATED"

	NotificationSubscribed    = "SUBSCRIBED"
	NotificationNotSubscribed = "NOT_SUBSCRIBED"
)

// Errors returned by the Store. The API maps each to its AWS error.
var (
	ErrReportNotFound            = errors.New("artifact: no such report")
	ErrTermNotFound              = errors.New("artifact: no such term")
	ErrDocumentNotFound          = errors.New("artifact: no such document")
	ErrAgreementNotFound         = errors.New("artifact: no such agreement")
	ErrCustomerAgreementNotFound = errors.New("artifact: no such customer agreement")
	// ErrNotInOrganization: an acceptance for the organization by an
	// account that is in none.
	ErrNotInOrganization = errors.New("artifact: the account is not a member of an organization")
	// ErrNotManagementAccount: an acceptance or termination for the
	// organization by an account other than its management account.
	ErrNotManagementAccount = errors.New("artifact: only the organization's management account can accept or terminate agreements for the organization")
	// ErrNotAllFeatures: the organization has only consolidated billing.
	ErrNotAllFeatures = errors.New("artifact: organization agreements need an organization with all features enabled")
	// ErrAlreadyAccepted: the agreement is already active for the owner.
	ErrAlreadyAccepted = errors.New("artifact: the agreement is already accepted")
	// ErrAlreadyTerminated: the customer agreement is no longer active.
	ErrAlreadyTerminated = errors.New("artifact: the agreement is already terminated")
	// ErrInvalidTermToken: a term token that is malformed, forged, for
	// another account or report version, or expired.
	ErrInvalidTermToken = errors.New("artifact: the term token is not valid")
	// ErrInvalidPresignedURL: a download URL that is malformed, has a
	// wrong signature, or has expired.
	ErrInvalidPresignedURL = errors.New("artifact: the presigned URL is not valid")
)

// InvalidPublicationError is returned by PublishReport and
// PublishAgreement for a publication that breaks a rule; Field names the
// offending field.
type InvalidPublicationError struct {
	Field  string
	Reason string
}

func (e *InvalidPublicationError) Error() string {
	return "artifact: invalid " + e.Field + ": " + e.Reason
}

// reportHead is a report's identity and newest version.
type reportHead struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Latest int64  `json:"latest"`
}

// ReportVersion is one published version of a report: the metadata the
// API returns and where its document and term are.
type ReportVersion struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Description    string `json:"description,omitempty"`
	Category       string `json:"category,omitempty"`
	Series         string `json:"series,omitempty"`
	CompanyName    string `json:"companyName,omitempty"`
	ProductName    string `json:"productName,omitempty"`
	Version        int64  `json:"version"`
	State          string `json:"state"`
	AcceptanceType string `json:"acceptanceType"`
	// TermID is the report's term, "" when it has none (PASSTHROUGH).
	TermID         string    `json:"termId,omitempty"`
	DocumentID     string    `json:"documentId"`
	CreatedAt      time.Time `json:"createdAt"`
	LastModifiedAt time.Time `json:"lastModifiedAt"`
}

// ARN returns the report version's ARN in region, in the format of the
// IAM reference (arn:aws:artifact:<region>::report/<id>:<version>).
func (r *ReportVersion) ARN(region string) string {
	return ReportARN(region, r.ID, r.Version)
}

// ReportARN builds a report version's ARN.
func ReportARN(region, reportID string, version int64) string {
	return "arn:aws:artifact:" + region + "::report/" + reportID + ":" + strconv.FormatInt(version, 10)
}

// Term is the terms and conditions a report's reader accepts.
type Term struct {
	ID         string    `json:"id"`
	DocumentID string    `json:"documentId"`
	CreatedAt  time.Time `json:"createdAt"`
}

// TermARN builds a term's ARN.
func TermARN(termID string) string { return "arn:aws:artifact:::term/" + termID }

// Document is a stored file: a report's PDF or a term's text or PDF.
type Document struct {
	ID          string    `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Chunks      int       `json:"chunks"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Agreement is an agreement accounts can accept.
type Agreement struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Description     string    `json:"description,omitempty"`
	Type            string    `json:"type"`
	AcceptanceTerms []string  `json:"acceptanceTerms,omitempty"`
	TerminateTerms  []string  `json:"terminateTerms,omitempty"`
	CreatedAt       time.Time `json:"createdAt"`
}

// AgreementARN builds an agreement's ARN (arn:aws:artifact:::agreement/<id>).
func AgreementARN(agreementID string) string { return "arn:aws:artifact:::agreement/" + agreementID }

// CustomerAgreement is an account's or an organization's acceptance of an
// agreement.
type CustomerAgreement struct {
	ID          string `json:"id"`
	AgreementID string `json:"agreementId"`
	// AccountID is the account that accepted and owns the acceptance
	// (the management account for an organization's).
	AccountID string `json:"accountId"`
	// OrganizationID and OrganizationARN are set for an acceptance on
	// behalf of an organization; it applies to every account in it.
	OrganizationID  string     `json:"organizationId,omitempty"`
	OrganizationARN string     `json:"organizationArn,omitempty"`
	State           string     `json:"state"`
	EffectiveStart  time.Time  `json:"effectiveStart"`
	EffectiveEnd    *time.Time `json:"effectiveEnd,omitempty"`
}

// ARN returns the customer agreement's ARN
// (arn:aws:artifact::<account>:customer-agreement/<id>).
func (c *CustomerAgreement) ARN() string {
	return "arn:aws:artifact::" + c.AccountID + ":customer-agreement/" + c.ID
}

// owner is the key prefix the acceptance is stored under.
func (c *CustomerAgreement) owner() string {
	if c.OrganizationID != "" {
		return c.OrganizationID
	}
	return c.AccountID
}

// AcceptedAgreement is a customer agreement with the agreement it accepts.
type AcceptedAgreement struct {
	CustomerAgreement
	Agreement *Agreement
}

type accountSettings struct {
	NotificationSubscriptionStatus string `json:"notificationSubscriptionStatus"`
}

// Patterns of the model's string shapes that published values must fit,
// so that every value the API returns is one an AWS client accepts.
var (
	// reportTextPattern is the model's pattern of report names, series,
	// categories, company and product names.
	reportTextPattern = regexp.MustCompile(`^[a-zA-Z0-9_\-\s]+$`)
	// descriptionPattern is the model's pattern of descriptions and
	// agreement names and terms.
	descriptionPattern = regexp.MustCompile(`^[^<>]+$`)
)

// Identifier patterns.
var (
	reportIDPattern            = regexp.MustCompile(`^report-[a-zA-Z0-9]{16}$`)
	agreementIDPattern         = regexp.MustCompile(`^agreement-[a-zA-Z0-9]{16}$`)
	customerAgreementIDPattern = regexp.MustCompile(`^customer-agreement-[a-zA-Z0-9]{16}$`)
	documentIDPattern          = regexp.MustCompile(`^doc-[a-zA-Z0-9]{20}$`)
)

// ValidReportID reports whether id has the form of a report id.
func ValidReportID(id string) bool { return reportIDPattern.MatchString(id) }

// ValidAgreementID reports whether id has the form of an agreement id.
func ValidAgreementID(id string) bool { return agreementIDPattern.MatchString(id) }

// ValidCustomerAgreementID reports whether id has the form of a customer
// agreement id.
func ValidCustomerAgreementID(id string) bool { return customerAgreementIDPattern.MatchString(id) }
