package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gatehouse/gatehouse/internal/compliance"
)

// responsibilityCommand prints the shared responsibility model: what
// gatehouse secures and what its users must, each item with the setting
// that decides it and the state this data directory shows (the user's side
// from a fresh compliance audit).
func responsibilityCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("responsibility", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := addDataFlags(fs)
	output := fs.String("output", "text", "output format: text or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("responsibility: unexpected argument %q", fs.Arg(0))
	}
	if *output != "text" && *output != "json" {
		return fmt.Errorf("responsibility: --output must be text or json, not %q", *output)
	}
	ctx := context.Background()
	d, err := data.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := compliance.Audit(ctx, compliance.Source{
		Directory: d.Directory, Organizations: d.Organizations, ManagementAccountID: d.ManagementAccountID,
	}, compliance.Options{})
	if err != nil {
		return err
	}
	_, keyFromEnv := os.LookupEnv("GATEHOUSE_ROOT_KEY")
	items, err := compliance.Responsibilities(ctx, compliance.NodeFacts{
		DataDir: *data.dataDir, RootKeyFile: *data.rootKeyFile, RootKeyFromEnv: keyFromEnv,
		TLSConfigured: os.Getenv("GATEHOUSE_TLS_CERT") != "" && os.Getenv("GATEHOUSE_TLS_KEY") != "",
		Store:         d.Store,
	}, rep)
	if err != nil {
		return err
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Items []compliance.Responsibility `json:"items"`
		}{items})
	}
	var b strings.Builder
	for _, party := range []compliance.Party{compliance.Gatehouse, compliance.User} {
		if party == compliance.Gatehouse {
			b.WriteString("What gatehouse secures\n\n")
		} else {
			b.WriteString("What you must secure\n\n")
		}
		for _, it := range items {
			if it.Party != party {
				continue
			}
			fmt.Fprintf(&b, "  %-22s %s\n", it.Area+":", it.State)
			fmt.Fprintf(&b, "  %-22s %s\n", "", it.Detail)
			fmt.Fprintf(&b, "  %-22s what:    %s\n", "", it.What)
			fmt.Fprintf(&b, "  %-22s setting: %s\n", "", it.Setting)
			fmt.Fprintf(&b, "  %-22s check:   %s\n\n", "", it.Check)
		}
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}
