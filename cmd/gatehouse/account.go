package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/gatehouse/gatehouse/internal/compliance"
	"io"
	"text/tabwriter"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/store"
)

// `gatehouse account` is the operator's hand on accounts. root-credentials
// is the counterpart of AWS's root password recovery: an account created
// by CreateAccount has a root user without credentials, and its owner gets
// them from whoever runs gatehouse (an account leaving its organization
// needs them). list shows every account with its organization.

func accountUsage(w io.Writer) {
	fmt.Fprint(w, `usage: gatehouse account root-credentials --account ID [--output text|json] [--data DIR]
       gatehouse account list [--output text|json] [--data DIR]
       gatehouse account enable-root-mfa [--account ID] --serial-number ARN --code1 CODE --code2 CODE [--data DIR]

root-credentials  create an access key for the root user of an account (at
                  most 2 per root user, as on AWS) and print it once
list              list every account: id, name, email, organization and
                  its status there
enable-root-mfa   assign a virtual MFA device to a root user (default: the
                  management account's) after checking two consecutive
                  codes; AWS allows this only from the console
`)
}

func accountCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		accountUsage(stderr)
		return errors.New("account: no subcommand given")
	}
	switch args[0] {
	case "root-credentials":
		return accountRootCredentials(args[1:], stdout, stderr)
	case "list":
		return accountList(args[1:], stdout, stderr)
	case "enable-root-mfa":
		return accountEnableRootMFA(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		accountUsage(stdout)
		return nil
	}
	accountUsage(stderr)
	return fmt.Errorf("account: unknown subcommand %q", args[0])
}

// accountOutputFlag adds --output and checks its value after parsing.
func accountOutputFlag(fs *flag.FlagSet) *string {
	return fs.String("output", "text", "output format: text or json")
}

func accountCheckOutput(output string) error {
	if output != "text" && output != "json" {
		return fmt.Errorf("account: --output must be text or json, not %q", output)
	}
	return nil
}

// rootCredentialsOutput is root-credentials' JSON output; its member names
// are those of the aws CLI's credential outputs.
type rootCredentialsOutput struct {
	AccountID       string `json:"AccountId"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
}

func accountRootCredentials(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("account root-credentials", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := addDataFlags(fs)
	acct := fs.String("account", "", "the 12-digit id of the account whose root user gets the key")
	output := accountOutputFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("account: unexpected argument %q", fs.Arg(0))
	}
	if err := accountCheckOutput(*output); err != nil {
		return err
	}
	if !account.ValidAccountID(*acct) {
		return fmt.Errorf("account: --account must be a 12-digit account id, not %q", *acct)
	}
	ctx := context.Background()
	d, err := data.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	id, secret, err := organizations.CreateRootAccessKey(ctx, d.Store, d.Credentials, *acct, time.Now().UTC())
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("account: there is no account %s", *acct)
	}
	if err != nil {
		return fmt.Errorf("account: %w", err)
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "    ")
		return enc.Encode(rootCredentialsOutput{AccountID: *acct, AccessKeyID: id, SecretAccessKey: secret})
	}
	_, err = fmt.Fprintf(stdout, "Root access key of account %s (the secret is shown only now):\nAccessKeyId      %s\nSecretAccessKey  %s\n", *acct, id, secret)
	return err
}

// accountListEntry is one account of `gatehouse account list`.
type accountListEntry struct {
	ID           string `json:"Id"`
	Name         string `json:"Name"`
	Email        string `json:"Email"`
	Organization string `json:"OrganizationId,omitempty"`
	Management   bool   `json:"Management"`
	Status       string `json:"Status,omitempty"`
}

func accountList(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("account list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := addDataFlags(fs)
	output := accountOutputFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("account: unexpected argument %q", fs.Arg(0))
	}
	if err := accountCheckOutput(*output); err != nil {
		return err
	}
	ctx := context.Background()
	d, err := data.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	var entries []accountListEntry
	now := time.Now().UTC()
	err = d.Organizations.View(ctx, func(tx *organizations.Tx) error {
		all, err := account.List(tx)
		if err != nil {
			return err
		}
		for _, a := range all {
			e := accountListEntry{ID: a.ID, Name: a.Name, Email: a.Email}
			org, err := tx.OrganizationOfAccount(a.ID)
			switch {
			case errors.Is(err, organizations.ErrNotFound):
			case err != nil:
				return err
			default:
				e.Organization = org.ID
				e.Management = org.ManagementAccountID == a.ID
				if m, err := tx.Member(org.ID, a.ID); err == nil {
					e.Status, _ = organizations.EffectiveStatus(m, now)
				} else if !errors.Is(err, organizations.ErrNotFound) {
					return err
				}
			}
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "    ")
		return enc.Encode(map[string][]accountListEntry{"Accounts": entries})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tNAME\tEMAIL\tORGANIZATION\tSTATUS")
	for _, e := range entries {
		org := e.Organization
		if org == "" {
			org = "-"
		} else if e.Management {
			org += " (management)"
		}
		status := e.Status
		if status == "" {
			status = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ID, e.Name, e.Email, org, status)
	}
	return tw.Flush()
}

// accountEnableRootMFA assigns a virtual MFA device (created by the root
// user with aws iam create-virtual-mfa-device) to an account's root user
// after checking two consecutive codes: what AWS lets a root user do only
// from the console, and the remediation of the audit's control 1.5.
func accountEnableRootMFA(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("account enable-root-mfa", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := addDataFlags(fs)
	acct := fs.String("account", "", "account id whose root user gets the device; default the management account")
	serial := fs.String("serial-number", "", "the virtual MFA device's serial number (its ARN)")
	code1 := fs.String("code1", "", "a code from the device")
	code2 := fs.String("code2", "", "the code that follows code1")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *serial == "" || *code1 == "" || *code2 == "" {
		return errors.New("account enable-root-mfa: --serial-number, --code1 and --code2 are required")
	}
	ctx := context.Background()
	d, err := data.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	id := *acct
	if id == "" {
		id = d.ManagementAccountID
	}
	if err := compliance.EnableRootMFA(ctx, d.Directory, id, *serial, *code1, *code2, time.Now()); err != nil {
		return fmt.Errorf("account enable-root-mfa: %w", err)
	}
	fmt.Fprintf(stdout, "MFA device %s is enabled for the root user of account %s\n", *serial, id)
	return nil
}
