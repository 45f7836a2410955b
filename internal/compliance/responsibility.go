package compliance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// The shared responsibility model, made explicit: what gatehouse itself
// secures (and how to see that it does), and what its users must secure,
// each with the state this node's data shows. The user's side reuses the
// audit's results.

// Party says who is responsible for an item.
type Party string

// Parties.
const (
	Gatehouse Party = "gatehouse"
	User      Party = "user"
)

// Item states. An item's State is one of these; Detail says more.
const (
	StateOK      = "OK"
	StateWarning = "WARNING"
	// StateCheck is an item whose state this command cannot see offline;
	// Check says how to see it.
	StateCheck = "CHECK"
)

// Responsibility is one item of the model.
type Responsibility struct {
	Party Party  `json:"party"`
	Area  string `json:"area"`
	// What says what is secured and how.
	What string `json:"what"`
	// Setting is the setting or control that decides the item.
	Setting string `json:"setting"`
	// State is OK, WARNING or CHECK for gatehouse's items, a control status
	// (PASSED, FAILED, NOT_APPLICABLE) for the user's.
	State  string `json:"state"`
	Detail string `json:"detail"`
	// Check is how to verify the item yourself.
	Check string `json:"check"`
}

// NodeFacts is what the responsibility model knows about a node's files.
type NodeFacts struct {
	// DataDir is the data directory; RootKeyFile the root key's path
	// ("" means DataDir/root.key).
	DataDir, RootKeyFile string
	// RootKeyFromEnv is true when GATEHOUSE_ROOT_KEY supplies the key.
	RootKeyFromEnv bool
	// TLSConfigured reports whether GATEHOUSE_TLS_CERT and _KEY are set in
	// this environment (a hint: serve's flags are not known offline).
	TLSConfigured bool
	// Store holds the audit trail.
	Store store.Store
	// Now is the time of the check; zero means time.Now().
	Now time.Time
}

// trailCountLimit bounds the events counted for the trail item.
const trailCountLimit = 1000

// Responsibilities returns the model: gatehouse's items from the node's
// files and trail, the user's from the audit report.
func Responsibilities(ctx context.Context, node NodeFacts, rep *Report) ([]Responsibility, error) {
	now := node.Now
	if now.IsZero() {
		now = time.Now()
	}
	var out []Responsibility
	out = append(out, rootKeyItem(node), dataFilesItem(node), tlsItem(node))
	trail, err := trailItem(ctx, node.Store, now)
	if err != nil {
		return nil, err
	}
	out = append(out, trail, credentialItem(), enforcementItem())
	out = append(out, userItems(rep)...)
	return out, nil
}

func rootKeyItem(node NodeFacts) Responsibility {
	r := Responsibility{
		Party: Gatehouse, Area: "Encryption at rest",
		What:    "secret access keys, console password hashes, MFA seeds, certificate private keys and KMS key material are sealed with AES-256-GCM under keys derived from one 256-bit root key that is never stored in the database",
		Setting: "--root-key-file / GATEHOUSE_ROOT_KEY_FILE, or GATEHOUSE_ROOT_KEY",
		Check:   "ls -l the key file (mode 0600, owned by the gatehouse user); gatehouse refuses a key file others can read",
	}
	if node.RootKeyFromEnv {
		r.State, r.Detail = StateOK, "the root key comes from GATEHOUSE_ROOT_KEY (not on disk)"
		return r
	}
	path := node.RootKeyFile
	if path == "" {
		path = filepath.Join(node.DataDir, "root.key")
	}
	info, err := os.Stat(path)
	if err != nil {
		r.State, r.Detail = StateWarning, "root key file "+path+": "+err.Error()
		return r
	}
	mode := info.Mode().Perm()
	r.Detail = fmt.Sprintf("root key file %s, mode %04o", path, mode)
	switch {
	case mode&0o077 != 0:
		r.State = StateWarning
		r.Detail += ": readable by others; chmod 600 it"
	case insideDir(path, node.DataDir):
		r.State = StateOK
		r.Detail += "; it sits in the data directory, so a copy of the directory carries the key: on a server keep it elsewhere (--root-key-file) or in GATEHOUSE_ROOT_KEY"
	default:
		r.State = StateOK
		r.Detail += ", kept outside the data directory"
	}
	return r
}

// insideDir reports whether path is inside dir.
func insideDir(path, dir string) bool {
	ap, err1 := filepath.Abs(path)
	ad, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(ad, ap)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func dataFilesItem(node NodeFacts) Responsibility {
	r := Responsibility{
		Party: Gatehouse, Area: "Storage",
		What:    "accounts, IAM entities, policies and the audit trail live in an embedded SQLite database that gatehouse creates private to its user; only secrets are encrypted, names and policy documents are not",
		Setting: "--data / GATEHOUSE_DATA",
		Check:   "ls -ld the data directory (0700) and its gatehouse.db (0600); use disk encryption for the rest",
	}
	var bad []string
	var seen []string
	for _, p := range []string{node.DataDir, filepath.Join(node.DataDir, "gatehouse.db")} {
		info, err := os.Stat(p)
		if err != nil {
			bad = append(bad, p+": "+err.Error())
			continue
		}
		seen = append(seen, fmt.Sprintf("%s %04o", p, info.Mode().Perm()))
		if info.Mode().Perm()&0o077 != 0 {
			bad = append(bad, fmt.Sprintf("%s is mode %04o, open to other users", p, info.Mode().Perm()))
		}
	}
	if len(bad) > 0 {
		r.State, r.Detail = StateWarning, strings.Join(bad, "; ")
	} else {
		r.State, r.Detail = StateOK, strings.Join(seen, ", ")
	}
	return r
}

func tlsItem(node NodeFacts) Responsibility {
	r := Responsibility{
		Party: Gatehouse, Area: "Encryption in transit",
		What:    "gatehouse serves HTTPS when started with a certificate; SigV4 signatures protect requests from tampering either way, but only TLS keeps responses (secret keys, session tokens) private on the network",
		Setting: "gatehouse serve --tls-cert FILE --tls-key FILE (GATEHOUSE_TLS_CERT, GATEHOUSE_TLS_KEY)",
		State:   StateCheck,
		Check:   "the server's log line \"gatehouse listening\" shows url=https://...; curl https://HOST/_gatehouse/health",
	}
	if node.TLSConfigured {
		r.Detail = "GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY are set in this environment; serve's flags are not known offline"
	} else {
		r.Detail = "GATEHOUSE_TLS_CERT is not set in this environment; serve's flags are not known offline. Plain HTTP is fine on loopback only"
	}
	return r
}

func trailItem(ctx context.Context, st store.Store, now time.Time) (Responsibility, error) {
	r := Responsibility{
		Party: Gatehouse, Area: "Audit trail",
		What:    "every call, allowed, denied or failed, becomes a CloudTrail event written durably within a second, without secrets",
		Setting: "always on",
		Check:   "aws cloudtrail lookup-events --max-results 5",
	}
	if st == nil {
		r.State, r.Detail = StateCheck, "no store given"
		return r, nil
	}
	q := store.EventQuery{StartTime: now.Add(-24 * time.Hour), EndTime: now, Limit: 50}
	count, newest := 0, time.Time{}
	for count < trailCountLimit {
		recs, next, err := st.QueryEvents(ctx, q)
		if err != nil {
			return r, fmt.Errorf("compliance: read the audit trail: %w", err)
		}
		for _, rec := range recs {
			if rec.EventTime.After(newest) {
				newest = rec.EventTime
			}
		}
		count += len(recs)
		if next == "" {
			break
		}
		q.NextToken = next
	}
	if newest.IsZero() {
		recs, _, err := st.QueryEvents(ctx, store.EventQuery{Limit: 1})
		if err != nil {
			return r, fmt.Errorf("compliance: read the audit trail: %w", err)
		}
		if len(recs) > 0 {
			newest = recs[0].EventTime
		}
	}
	r.State = StateOK
	counted := fmt.Sprint(count)
	if count >= trailCountLimit {
		counted = fmt.Sprintf("%d or more", trailCountLimit)
	}
	if newest.IsZero() {
		r.Detail = "the trail holds no event yet"
	} else {
		r.Detail = fmt.Sprintf("%s events in the last 24 hours; newest at %s", counted, newest.UTC().Format(time.RFC3339))
	}
	return r, nil
}

func credentialItem() Responsibility {
	return Responsibility{
		Party: Gatehouse, Area: "Credential handling",
		What:    "secret keys are generated from crypto/rand and sealed before storage; console passwords are kept only as argon2id hashes; signatures, passwords and MFA codes are compared in constant time and MFA codes are never accepted twice; no secret is logged or written to a trail event",
		Setting: "built in",
		State:   StateOK,
		Detail:  "no setting can turn these off",
		Check:   "aws cloudtrail lookup-events shows access key ids, never secrets",
	}
}

func enforcementItem() Responsibility {
	return Responsibility{
		Party: Gatehouse, Area: "Authorization",
		What:    "every call is authorized by the policy engine: identity policies, boundaries, session policies, resource policies, SCPs and RCPs, with AWS's evaluation logic",
		Setting: "gatehouse serve --enforce on (the default outside --dev)",
		State:   StateCheck,
		Detail:  "the enforcement mode is a serve flag, not known offline",
		Check:   "the server's log line \"gatehouse listening\" shows enforce=on; a warning is logged otherwise",
	}
}

// userItem is a user responsibility decided by audit controls.
type userItem struct {
	area, what, setting string
	controls            []string
}

var userItemsTable = []userItem{
	{"Least privilege", "grant only the actions each job needs, through groups; no \"*:*\" policies", "IAM policies", []string{"1.16", "1.15", "1.22"}},
	{"Root user", "keep the root user without access keys and out of daily use", "root credentials", []string{"1.4", "1.7"}},
	{"MFA on root", "protect the root user with MFA", "root MFA device", []string{"1.5"}},
	{"MFA for console users", "every IAM user with a console password has MFA", "users' MFA devices", []string{"1.10"}},
	{"Key rotation", "rotate access keys within 90 days, one active key per user, none unused", "access keys", []string{"1.14", "1.13", "1.12", "1.11"}},
	{"Password policy", "minimum length 14, the last 24 passwords remembered", "account password policy", []string{"1.8", "1.9"}},
	{"Incident readiness", "a support role and no expired certificates", "roles, server certificates", []string{"1.17", "1.19"}},
}

// userItems folds the audit's results into the user's side, plus the WAF
// rules, which gatehouse does not serve yet.
func userItems(rep *Report) []Responsibility {
	var out []Responsibility
	for _, it := range userItemsTable {
		r := Responsibility{Party: User, Area: it.area, What: it.what, Setting: it.setting,
			Check: "gatehouse audit (controls " + strings.Join(it.controls, ", ") + ")"}
		if rep == nil {
			r.State, r.Detail = StateCheck, "run gatehouse audit"
			out = append(out, r)
			continue
		}
		failedAccounts := map[string]bool{}
		var failedControls []string
		status := Passed
		for _, id := range it.controls {
			controlFailed := false
			for _, a := range rep.Accounts {
				if rep.ControlStatus(a.AccountID, id) == Failed {
					failedAccounts[a.AccountID], controlFailed = true, true
				}
			}
			if controlFailed {
				failedControls = append(failedControls, id)
				status = Failed
			}
		}
		r.State = string(status)
		if status == Failed {
			r.Detail = fmt.Sprintf("control(s) %s failed in %d of %d account(s): run gatehouse audit", strings.Join(failedControls, ", "), len(failedAccounts), len(rep.Accounts))
		} else {
			r.Detail = fmt.Sprintf("passed in all %d account(s)", len(rep.Accounts))
		}
		out = append(out, r)
	}
	out = append(out, Responsibility{Party: User, Area: "WAF rules",
		What: "filter the traffic of your applications with web ACLs", Setting: "WAFv2 web ACLs",
		State: string(NotApplicable), Detail: "not applicable yet: gatehouse does not serve WAF web ACLs yet",
		Check: "aws wafv2 list-web-acls --scope REGIONAL (once served)"})
	return out
}
