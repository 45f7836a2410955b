package compliance

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/pdf"
)

// PDF returns the report as a dated PDF document: a title page section with
// the date, the organization and its accounts and the overall summary, then
// one section per account listing every control's result, with the
// remediation and fixing command of each failure.
func (r *Report) PDF() []byte {
	date := r.GeneratedAt.UTC()
	doc := pdf.New(pdf.A4Width, pdf.A4Height, pdf.Info{
		Title:    "gatehouse compliance audit " + date.Format("2006-01-02"),
		Subject:  "CIS AWS Foundations Benchmark v3.0.0",
		Producer: "gatehouse",
		Created:  date,
	})
	f := pdf.NewFlow(doc, 48)
	f.Footer = func(page int) string {
		return fmt.Sprintf("gatehouse compliance audit %s  -  page %d", date.Format("2006-01-02"), page)
	}
	const body = 8.5
	f.Title(20, "gatehouse compliance audit")
	f.Title(12, "CIS AWS Foundations Benchmark v3.0.0")
	f.Space(6)
	f.Paragraph(pdf.Courier, body, 0, "Date: "+date.Format("2006-01-02 15:04:05 UTC"))
	f.Paragraph(pdf.Courier, body, 0, "Scope: "+r.scope())
	s := r.Summary()
	f.Paragraph(pdf.CourierBold, body, 0, "Summary: "+s.String())
	f.Space(4)
	f.Paragraph(pdf.Courier, body, 0, "Status PASSED means the control holds, FAILED that it does not (each failure lists its remediation), NOT_APPLICABLE that the control concerns a service gatehouse does not serve yet.")
	f.Rule()
	f.Paragraph(pdf.CourierBold, body, 0, fmt.Sprintf("%-40s %7s %7s %7s", "ACCOUNT", "PASSED", "FAILED", "N/A"))
	for i := range r.Accounts {
		a := &r.Accounts[i]
		as := a.Summary()
		name := a.AccountID
		if a.Name != "" {
			name += " " + a.Name
		}
		if a.Management {
			name += " (mgmt)"
		}
		if len([]rune(name)) > 40 {
			name = string([]rune(name)[:39]) + "~"
		}
		f.Paragraph(pdf.Courier, body, 0, fmt.Sprintf("%-40s %7d %7d %7d", name, as.Passed, as.Failed, as.NotApplicable))
	}
	for i := range r.Accounts {
		a := &r.Accounts[i]
		f.NewPage()
		f.Paragraph(pdf.CourierBold, 11, 0, "Account "+a.heading())
		f.Paragraph(pdf.Courier, body, 0, "Summary: "+a.Summary().String())
		f.Rule()
		for _, res := range a.Results {
			c := res.Control
			f.Paragraph(pdf.CourierBold, body, 0, fmt.Sprintf("[%s] %s %s (%s)", res.Status, c.label(), c.Title, c.Severity))
			f.Paragraph(pdf.Courier, body, 4, "Resource: "+res.Resource)
			f.Paragraph(pdf.Courier, body, 4, "Finding: "+res.Detail)
			if res.Status == Failed {
				f.Paragraph(pdf.Courier, body, 4, "Remediation: "+c.Remediation)
				if res.Command != "" {
					f.Paragraph(pdf.Courier, body, 4, "Fix: "+res.Command)
				}
			}
			f.Space(4)
		}
	}
	return doc.Bytes()
}

// ReportName is the Artifact report name of an audit made at t.
func ReportName(t time.Time) string { return "gatehouse audit " + t.UTC().Format("2006-01-02") }
