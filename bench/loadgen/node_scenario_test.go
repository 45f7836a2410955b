package loadgen_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// nodeScenario is a scenario whose setup ran, as root, against an
// in-process gatehouse node with enforcement on, and whose load is signed
// as the IAM user that setup created.
type nodeScenario struct {
	t     *testing.T
	addr  string
	root  loadgen.Credentials
	sc    loadgen.Scenario
	req   loadgen.Request
	creds loadgen.Credentials
}

// prepareOnNode starts a node and runs scenario name's setup on it. It
// fails the test unless the load would be signed with the created user's
// key rather than root's.
func prepareOnNode(t *testing.T, name string) *nodeScenario {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	n := &nodeScenario{t: t, addr: u.Host, root: loadgen.Credentials{AccessKeyID: srv.Root.AccessKeyID, SecretAccessKey: srv.Root.SecretAccessKey}}
	var ok bool
	if n.sc, ok = loadgen.Lookup(name); !ok {
		t.Fatalf("no %s scenario", name)
	}
	n.req, n.creds = n.prepareAgain()
	return n
}

// prepareAgain runs the setup once more, as a second run would: it
// creates another user, whose credentials it returns with the request.
func (n *nodeScenario) prepareAgain() (loadgen.Request, loadgen.Credentials) {
	n.t.Helper()
	req, creds, err := n.sc.PrepareAs(context.Background(), n.addr, n.root)
	if err != nil {
		n.t.Fatal(err)
	}
	if creds == n.root || !strings.HasPrefix(creds.AccessKeyID, "AKIA") {
		n.t.Fatalf("load would be signed with %s, not the user's key", creds.AccessKeyID)
	}
	return req, creds
}

// probe sends the measured request signed with c and returns the status
// and body of the answer.
func (n *nodeScenario) probe(c loadgen.Credentials) (int, string) {
	n.t.Helper()
	raw, err := n.req.Sign(n.addr, c, time.Now(), "00000000-0000-4000-8000-000000000000")
	if err != nil {
		n.t.Fatal(err)
	}
	status, body, err := loadgen.Probe(context.Background(), n.addr, raw, false)
	if err != nil {
		n.t.Fatal(err)
	}
	return status, string(body)
}
