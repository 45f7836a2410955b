package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gatehouse/gatehouse/internal/artifact"
	"github.com/gatehouse/gatehouse/internal/compliance"
)

// auditExitFailed is the exit status of `gatehouse audit` when a control
// failed: like a linter, the audit itself succeeded (exit 0 would say all
// passed) but found problems; 1 stays for errors.
const auditExitFailed = 3

// auditFailedError is returned by auditCommand when controls failed. Its
// ExitCode asks main for exit status 3.
type auditFailedError struct{ failed int }

func (e *auditFailedError) Error() string {
	return fmt.Sprintf("audit: %d control result(s) failed", e.failed)
}

// ExitCode is the process exit status the failure calls for.
func (e *auditFailedError) ExitCode() int { return auditExitFailed }

// Artifact classification of published audit reports.
const (
	auditReportCategory = "Security and Compliance"
	auditReportSeries   = "Compliance audit"
)

func auditUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `usage: gatehouse audit [--data DIR] [--output text|json|pdf] [--out FILE] [--publish]

Checks every account of the organization (or the management account alone)
against the CIS AWS Foundations Benchmark v3.0.0 controls that apply to
gatehouse's services. Output is a text table, AWS Security Finding Format
JSON (a BatchImportFindings body), or a dated PDF report; --publish also
publishes the PDF in Artifact as "gatehouse audit <date>".

Exit status: 0 when no control failed, 3 when at least one failed, 1 on
errors.

The remediation of control 1.5 (MFA for the root user), which AWS allows
only from the console, is gatehouse account enable-root-mfa.

flags:
`)
	fs.PrintDefaults()
}

func auditCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := addDataFlags(fs)
	output := fs.String("output", "text", "output format: text, json (ASFF findings) or pdf")
	outFile := fs.String("out", "", "write the output to this file instead of standard output")
	publish := fs.Bool("publish", false, "publish the PDF report in Artifact (category \""+auditReportCategory+"\", series \""+auditReportSeries+"\")")
	region := fs.String("region", "us-east-1", "region named in the ASFF product ARNs")
	rootDays := fs.Int("root-use-days", 90, "control 1.7 fails when the root user was used within this many days")
	fs.Usage = func() { auditUsage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit: unexpected argument %q", fs.Arg(0))
	}
	switch *output {
	case "text", "json", "pdf":
	default:
		return fmt.Errorf("audit: --output must be text, json or pdf, not %q", *output)
	}
	if *output == "pdf" && *outFile == "" && !*publish {
		if f, ok := stdout.(*os.File); ok && isTerminal(f) {
			return errors.New("audit: refusing to write a PDF to a terminal; use --out FILE")
		}
	}
	if *rootDays < 1 {
		return errors.New("audit: --root-use-days must be at least 1")
	}
	ctx := context.Background()
	d, err := data.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := compliance.Audit(ctx, compliance.Source{
		Directory: d.Directory, Organizations: d.Organizations, ManagementAccountID: d.ManagementAccountID,
	}, compliance.Options{Region: *region, RootUseWindow: time.Duration(*rootDays) * 24 * time.Hour})
	if err != nil {
		return err
	}
	var pdfDoc []byte
	if *output == "pdf" || *publish {
		pdfDoc = rep.PDF()
	}
	w := stdout
	if *outFile != "" {
		f, err := os.OpenFile(*outFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	switch *output {
	case "text":
		err = rep.WriteText(w)
	case "json":
		err = rep.WriteJSON(w)
	case "pdf":
		_, err = w.Write(pdfDoc)
	}
	if err != nil {
		return err
	}
	if *publish {
		s := rep.Summary()
		id, version, err := artifact.New(d.Organizations, artifact.Options{}).PublishReport(ctx, artifact.Publication{
			Name:           compliance.ReportName(rep.GeneratedAt),
			Description:    "CIS AWS Foundations Benchmark v3.0.0 audit of " + auditScope(rep) + ": " + s.String(),
			Category:       auditReportCategory,
			Series:         auditReportSeries,
			CompanyName:    "gatehouse",
			ProductName:    "gatehouse",
			AcceptanceType: "PASSTHROUGH",
			Document:       pdfDoc,
		})
		if err != nil {
			return fmt.Errorf("audit: publish in Artifact: %w", err)
		}
		fmt.Fprintf(stderr, "published %q in Artifact: report %s version %d\n", compliance.ReportName(rep.GeneratedAt), id, version)
	}
	if s := rep.Summary(); s.Failed > 0 {
		return &auditFailedError{failed: s.Failed}
	}
	return nil
}

// auditScope names what an audit covered, for the Artifact description.
func auditScope(rep *compliance.Report) string {
	if rep.OrganizationID == "" {
		return "account " + rep.ManagementAccountID
	}
	return fmt.Sprintf("organization %s (%d accounts)", rep.OrganizationID, len(rep.Accounts))
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
