package compliance

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText writes the report as a table grouped by account, each account
// followed by its summary, then the overall summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "gatehouse compliance audit: CIS AWS Foundations Benchmark v3.0.0\n")
	fmt.Fprintf(&b, "generated %s; %s\n\n", r.GeneratedAt.Format(time.RFC3339), r.scope())
	for i := range r.Accounts {
		a := &r.Accounts[i]
		fmt.Fprintf(&b, "account %s\n", a.heading())
		fmt.Fprintf(&b, "  %-14s %-8s %-16s %s\n", "STATUS", "SEVERITY", "CONTROL", "TITLE")
		for _, res := range a.Results {
			fmt.Fprintf(&b, "  %-14s %-8s %-16s %s\n", res.Status, res.Control.Severity, res.Control.label(), res.Control.Title)
			fmt.Fprintf(&b, "  %14s resource: %s\n", "", res.Resource)
			fmt.Fprintf(&b, "  %14s %s\n", "", res.Detail)
			if res.Status == Failed {
				fmt.Fprintf(&b, "  %14s remediation: %s\n", "", res.Control.Remediation)
				if res.Command != "" {
					fmt.Fprintf(&b, "  %14s fix: %s\n", "", res.Command)
				}
			}
		}
		s := a.Summary()
		fmt.Fprintf(&b, "  account %s: %s\n\n", a.AccountID, s)
	}
	fmt.Fprintf(&b, "summary: %s across %s\n", r.Summary(), plural(len(r.Accounts), "account", "accounts"))
	_, err := io.WriteString(w, b.String())
	return err
}

// String formats the counts: "3 passed, 2 failed, 6 not applicable".
func (s Summary) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d not applicable", s.Passed, s.Failed, s.NotApplicable)
}

// label is the control's number with its Security Hub id: "1.4 (IAM.4)".
func (c *Control) label() string {
	if c.SecurityHubID != "" && c.SecurityHubID != c.ID {
		return c.ID + " " + c.SecurityHubID
	}
	return c.ID
}

// scope describes what the audit covered.
func (r *Report) scope() string {
	if r.OrganizationID == "" {
		return "management account " + r.ManagementAccountID + " (no organization)"
	}
	return fmt.Sprintf("organization %s, management account %s, %s", r.OrganizationID, r.ManagementAccountID, plural(len(r.Accounts), "account", "accounts"))
}

// heading names an account: id, name, email and role.
func (a *AccountReport) heading() string {
	parts := []string{a.AccountID}
	if a.Name != "" {
		parts = append(parts, a.Name)
	}
	if a.Email != "" {
		parts = append(parts, "<"+a.Email+">")
	}
	if a.Management {
		parts = append(parts, "(management account)")
	}
	if a.Status != "" && a.Status != "ACTIVE" {
		parts = append(parts, "["+a.Status+"]")
	}
	return strings.Join(parts, " ")
}

// ASFF constants.
const (
	// ASFFSchemaVersion is the ASFF schema version findings declare.
	ASFFSchemaVersion = "2018-10-08"
	// ASFFType is the finding type of CIS benchmark checks.
	ASFFType = "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"
	// asffFSBPType is the finding type of the FSBP checks.
	asffFSBPType = "Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices"
)

// Finding is one result in the AWS Security Finding Format, with the
// attributes Security Hub requires and the compliance ones its control
// findings carry.
type Finding struct {
	SchemaVersion string             `json:"SchemaVersion"`
	ID            string             `json:"Id"`
	ProductARN    string             `json:"ProductArn"`
	GeneratorID   string             `json:"GeneratorId"`
	AwsAccountID  string             `json:"AwsAccountId"`
	Types         []string           `json:"Types"`
	CreatedAt     string             `json:"CreatedAt"`
	UpdatedAt     string             `json:"UpdatedAt"`
	Severity      FindingSeverity    `json:"Severity"`
	Title         string             `json:"Title"`
	Description   string             `json:"Description"`
	Remediation   FindingRemediation `json:"Remediation"`
	ProductFields map[string]string  `json:"ProductFields,omitempty"`
	Resources     []FindingResource  `json:"Resources"`
	Compliance    FindingCompliance  `json:"Compliance"`
	RecordState   string             `json:"RecordState"`
	Workflow      FindingWorkflow    `json:"Workflow"`
}

// FindingSeverity is ASFF's Severity.
type FindingSeverity struct {
	Label    string `json:"Label"`
	Original string `json:"Original,omitempty"`
}

// FindingRemediation is ASFF's Remediation.
type FindingRemediation struct {
	Recommendation struct {
		Text string `json:"Text"`
	} `json:"Recommendation"`
}

// FindingResource is one ASFF Resources entry.
type FindingResource struct {
	Type      string `json:"Type"`
	ID        string `json:"Id"`
	Partition string `json:"Partition"`
	Region    string `json:"Region"`
}

// FindingCompliance is ASFF's Compliance.
type FindingCompliance struct {
	Status            string `json:"Status"`
	SecurityControlID string `json:"SecurityControlId,omitempty"`
}

// FindingWorkflow is ASFF's Workflow.
type FindingWorkflow struct {
	Status string `json:"Status"`
}

// ASFFStatus is the ASFF Compliance.Status of a result status:
// NotApplicable is NOT_AVAILABLE there.
func ASFFStatus(s Status) string {
	if s == NotApplicable {
		return "NOT_AVAILABLE"
	}
	return string(s)
}

// Findings returns the report's results as ASFF findings. Ids are stable
// (a hash of account, control and resource), so importing a later audit
// updates the same findings.
func (r *Report) Findings() []Finding {
	created := r.GeneratedAt.UTC().Format("2006-01-02T15:04:05.000Z")
	var out []Finding
	for _, a := range r.Accounts {
		for _, res := range a.Results {
			c := res.Control
			sum := sha256.Sum256([]byte(res.AccountID + "\x00" + c.ID + "\x00" + res.Resource))
			f := Finding{
				SchemaVersion: ASFFSchemaVersion,
				ID: fmt.Sprintf("arn:aws:securityhub:%s:%s:subscription/%s/finding/%s",
					r.Region, res.AccountID, c.GeneratorID(), hex.EncodeToString(sum[:16])),
				ProductARN:   fmt.Sprintf("arn:aws:securityhub:%s:%s:product/%s/default", r.Region, res.AccountID, res.AccountID),
				GeneratorID:  c.GeneratorID(),
				AwsAccountID: res.AccountID,
				Types:        []string{ASFFType},
				CreatedAt:    created,
				UpdatedAt:    created,
				Severity:     FindingSeverity{Label: string(c.Severity), Original: string(c.Severity)},
				Title:        c.ID + " " + c.Title,
				Description:  c.Description + " Finding: " + res.Detail,
				Resources:    []FindingResource{{Type: res.ResourceType, ID: res.Resource, Partition: "aws", Region: r.Region}},
				Compliance:   FindingCompliance{Status: ASFFStatus(res.Status), SecurityControlID: c.SecurityHubID},
				RecordState:  "ACTIVE",
				Workflow:     FindingWorkflow{Status: "NEW"},
				ProductFields: map[string]string{
					"ControlId": c.ID, "StandardsArn": "arn:aws:securityhub:" + r.Region + "::standards/" + c.Standard,
				},
			}
			if c.Standard == FSBPStandard {
				f.Types = []string{asffFSBPType}
			}
			if res.Status == Passed {
				// Security Hub resolves the workflow of passing control
				// findings.
				f.Workflow.Status = "RESOLVED"
			}
			f.Remediation.Recommendation.Text = c.Remediation
			if res.Command != "" {
				f.Remediation.Recommendation.Text += " Command: " + res.Command
				f.ProductFields["gatehouse/RemediationCommand"] = res.Command
			}
			out = append(out, f)
		}
	}
	return out
}

// WriteJSON writes the findings as a BatchImportFindings request body
// ({"Findings": [...]}), indented, so that
// `aws securityhub batch-import-findings --cli-input-json file://...` takes
// it as it is.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Findings []Finding `json:"Findings"`
	}{r.Findings()})
}
