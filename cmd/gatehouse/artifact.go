package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/artifact"
)

const artifactUsage = `usage: gatehouse artifact <command> [flags]

Publish AWS Artifact reports and agreements, and accept or terminate
agreements for accounts, on a node's data directory (also while it serves).

commands:
  publish-report        publish a report PDF, or a new version of a report of the same name
  publish-agreement     publish an agreement that accounts can accept
  accept-agreement      accept an agreement for an account (--organization: for its whole organization)
  terminate-agreement   terminate an account's (or its organization's) acceptance of an agreement
  list                  list reports, agreements and, with --account, the agreements in force for an account

Run gatehouse artifact <command> -h for a command's flags.
`

func artifactCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, artifactUsage)
		return errors.New("gatehouse artifact: no command given")
	}
	cmds := map[string]func([]string, io.Writer, io.Writer) error{
		"publish-report":      artifactPublishReport,
		"publish-agreement":   artifactPublishAgreement,
		"accept-agreement":    artifactAcceptAgreement,
		"terminate-agreement": artifactTerminateAgreement,
		"list":                artifactList,
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, artifactUsage)
		return nil
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprint(stderr, artifactUsage)
		return fmt.Errorf("gatehouse artifact: unknown command %q", args[0])
	}
	return cmd(args[1:], stdout, stderr)
}

// artifactOpen opens the data directory and its Artifact state.
func artifactOpen(ctx context.Context, f dataFlags) (*app.Data, *artifact.Store, error) {
	d, err := f.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	return d, artifact.New(d.Organizations, artifact.Options{}), nil
}

// artifactFlagSet is a flag set that reports errors to stderr and whose
// -h prints the command's flags.
func artifactFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gatehouse artifact "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// artifactNoArgs refuses positional arguments, which usually mean a flag was
// mistyped.
func artifactNoArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q (flags start with --)", fs.Name(), fs.Arg(0))
	}
	return nil
}

func artifactPublishReport(args []string, stdout, stderr io.Writer) error {
	fs := artifactFlagSet("publish-report", stderr)
	data := addDataFlags(fs)
	var p artifact.Publication
	fs.StringVar(&p.Name, "name", "", "report name (letters, digits, spaces, _ and -); publishing an existing name adds a version (required)")
	fs.StringVar(&p.Description, "description", "", "description")
	fs.StringVar(&p.Category, "category", "", "category, e.g. Certifications and Attestations")
	fs.StringVar(&p.Series, "series", "", "series, e.g. SOC")
	fs.StringVar(&p.CompanyName, "company", "", "company name")
	fs.StringVar(&p.ProductName, "product", "", "product name")
	fs.StringVar(&p.AcceptanceType, "acceptance-type", "", "EXPLICIT (readers accept the term) or PASSTHROUGH; default EXPLICIT with --term-file, else PASSTHROUGH")
	fs.StringVar(&p.Filename, "filename", "", "file name of the download; default the --file's name")
	termFile := fs.String("term-file", "", "file with the term readers accept before downloading (text, or a PDF)")
	file := fs.String("file", "", "the report's PDF (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := artifactNoArgs(fs); err != nil {
		return err
	}
	if *file == "" || p.Name == "" {
		return errors.New("publish-report: --name and --file are required")
	}
	doc, err := artifactReadFile(*file)
	if err != nil {
		return fmt.Errorf("publish-report: %w", err)
	}
	p.Document = doc
	if p.Filename == "" {
		p.Filename = *file
	}
	if *termFile != "" {
		term, err := artifactReadFile(*termFile)
		if err != nil {
			return fmt.Errorf("publish-report: %w", err)
		}
		p.Term = string(term)
	}
	p.AcceptanceType = strings.ToUpper(p.AcceptanceType)
	ctx := context.Background()
	d, st, err := artifactOpen(ctx, data)
	if err != nil {
		return err
	}
	defer d.Close()
	id, version, err := st.PublishReport(ctx, p)
	if err != nil {
		return fmt.Errorf("publish-report: %w", err)
	}
	fmt.Fprintf(stdout, "published report %s version %d (%s)\n", id, version, p.Name)
	return nil
}

// artifactReadFile reads a file to publish, refusing one larger than a
// document may be before reading it all.
func artifactReadFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, artifact.MaxDocumentSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > artifact.MaxDocumentSize {
		return nil, fmt.Errorf("%s is larger than the %d MiB a document may have", name, artifact.MaxDocumentSize>>20)
	}
	return b, nil
}

// artifactReadTerms reads agreement terms from a file: paragraphs separated by
// blank lines, each one term, its lines joined by spaces.
func artifactReadTerms(name string) ([]string, error) {
	if name == "" {
		return nil, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var terms []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			terms = append(terms, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, line := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return terms, nil
}

func artifactPublishAgreement(args []string, stdout, stderr io.Writer) error {
	fs := artifactFlagSet("publish-agreement", stderr)
	data := addDataFlags(fs)
	var p artifact.AgreementPublication
	fs.StringVar(&p.Name, "name", "", "agreement name (required)")
	fs.StringVar(&p.Description, "description", "", "description")
	fs.StringVar(&p.Type, "type", "DEFAULT", "agreement type: DEFAULT, CUSTOM or MODIFIED")
	termsFile := fs.String("terms-file", "", "acceptance terms: a text file, one term per paragraph (blank-line separated), at most 10")
	terminateFile := fs.String("terminate-terms-file", "", "termination terms, in the same format")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := artifactNoArgs(fs); err != nil {
		return err
	}
	if p.Name == "" {
		return errors.New("publish-agreement: --name is required")
	}
	var err error
	if p.AcceptanceTerms, err = artifactReadTerms(*termsFile); err != nil {
		return fmt.Errorf("publish-agreement: %w", err)
	}
	if p.TerminateTerms, err = artifactReadTerms(*terminateFile); err != nil {
		return fmt.Errorf("publish-agreement: %w", err)
	}
	p.Type = strings.ToUpper(p.Type)
	ctx := context.Background()
	d, st, err := artifactOpen(ctx, data)
	if err != nil {
		return err
	}
	defer d.Close()
	a, err := st.PublishAgreement(ctx, p)
	if err != nil {
		return fmt.Errorf("publish-agreement: %w", err)
	}
	fmt.Fprintf(stdout, "published agreement %s (%s)\n", a.ID, a.Name)
	return nil
}

func artifactAcceptAgreement(args []string, stdout, stderr io.Writer) error {
	fs := artifactFlagSet("accept-agreement", stderr)
	data := addDataFlags(fs)
	acct := fs.String("account", "", "the accepting account's id (required)")
	agreement := fs.String("agreement", "", "the agreement's id, agreement-... (required)")
	forOrg := fs.Bool("organization", false, "accept for the account's whole organization (the account must be its management account)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := artifactNoArgs(fs); err != nil {
		return err
	}
	if *acct == "" || *agreement == "" {
		return errors.New("accept-agreement: --account and --agreement are required")
	}
	ctx := context.Background()
	d, st, err := artifactOpen(ctx, data)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := artifactRequireAccount(ctx, d, *acct); err != nil {
		return fmt.Errorf("accept-agreement: %w", err)
	}
	ca, err := st.AcceptAgreement(ctx, *acct, *agreement, *forOrg)
	if err != nil {
		return fmt.Errorf("accept-agreement: %w", err)
	}
	if ca.OrganizationID != "" {
		fmt.Fprintf(stdout, "accepted %s for organization %s: customer agreement %s\n", ca.AgreementID, ca.OrganizationID, ca.ID)
	} else {
		fmt.Fprintf(stdout, "accepted %s for account %s: customer agreement %s\n", ca.AgreementID, ca.AccountID, ca.ID)
	}
	return nil
}

func artifactTerminateAgreement(args []string, stdout, stderr io.Writer) error {
	fs := artifactFlagSet("terminate-agreement", stderr)
	data := addDataFlags(fs)
	acct := fs.String("account", "", "the account whose acceptance ends (for an organization's: its management account) (required)")
	agreement := fs.String("agreement", "", "the customer agreement's id, or the accepted agreement's id (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := artifactNoArgs(fs); err != nil {
		return err
	}
	if *acct == "" || *agreement == "" {
		return errors.New("terminate-agreement: --account and --agreement are required")
	}
	ctx := context.Background()
	d, st, err := artifactOpen(ctx, data)
	if err != nil {
		return err
	}
	defer d.Close()
	ca, err := st.TerminateAgreement(ctx, *acct, *agreement)
	if err != nil {
		return fmt.Errorf("terminate-agreement: %w", err)
	}
	fmt.Fprintf(stdout, "terminated customer agreement %s (%s)\n", ca.ID, ca.AgreementID)
	return nil
}

// artifactRequireAccount refuses an account id gatehouse does not have, so that a
// typo does not record an acceptance nobody will see.
func artifactRequireAccount(ctx context.Context, d *app.Data, id string) error {
	ok, err := account.Exists(ctx, d.Store, id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("account %s does not exist", id)
	}
	return nil
}

func artifactList(args []string, stdout, stderr io.Writer) error {
	fs := artifactFlagSet("list", stderr)
	data := addDataFlags(fs)
	acct := fs.String("account", "", "also list the agreements in force for this account")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := artifactNoArgs(fs); err != nil {
		return err
	}
	ctx := context.Background()
	d, st, err := artifactOpen(ctx, data)
	if err != nil {
		return err
	}
	defer d.Close()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REPORT\tVERSION\tNAME\tCATEGORY\tSERIES\tACCEPTANCE\tPUBLISHED")
	after := ""
	for {
		reports, more, err := st.Reports(ctx, after, 100)
		if err != nil {
			return err
		}
		for _, r := range reports {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Version, r.Name, artifactDash(r.Category), artifactDash(r.Series), r.AcceptanceType, r.CreatedAt.Format("2006-01-02T15:04:05Z"))
			after = r.ID
		}
		if !more {
			break
		}
	}
	fmt.Fprintln(tw)
	agreements, err := st.Agreements(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(tw, "AGREEMENT\tTYPE\tNAME")
	for _, a := range agreements {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", a.ID, a.Type, a.Name)
	}
	if *acct != "" {
		active, err := st.ActiveAgreements(ctx, *acct)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw)
		fmt.Fprintf(tw, "IN FORCE FOR %s\tAGREEMENT\tACCEPTED BY\tSINCE\n", *acct)
		for _, a := range active {
			by := "account " + a.AccountID
			if a.OrganizationID != "" {
				by = "organization " + a.OrganizationID
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.ID, a.AgreementID, by, a.EffectiveStart.Format("2006-01-02T15:04:05Z"))
		}
	}
	return tw.Flush()
}

func artifactDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
