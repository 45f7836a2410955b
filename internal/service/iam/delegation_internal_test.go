package iam

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/keyring"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// These tests drive the delegation handlers directly, to move the clock
// and to act as IAM users of the customer account.

const (
	dgRequestor = "111111111111"
	dgCustomer  = "222222222222"
)

// delegationService returns a Service over a fresh store whose clock reads
// *now, with a template policy in the requestor account.
func delegationService(t *testing.T, now *time.Time) *Service {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	kr, err := keyring.LoadOrCreate(filepath.Join(dir, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	s := New(iam.NewDirectory(st, kr, account.NewCredentials(st, kr), nil), nil)
	s.now = func() time.Time { return *now }
	err = s.dir.Update(context.Background(), func(tx *iam.Tx) error {
		if err := tx.PutPolicy(&iam.ManagedPolicy{
			AccountID: dgRequestor, Name: "tmpl", Path: "/", ID: iam.NewID(iam.PrefixPolicy), DefaultVersion: "v1",
			Versions: []iam.PolicyVersion{{ID: "v1", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::@{BucketName}/*"}]}`}},
		}); err != nil {
			return err
		}
		for _, u := range []string{"alice", "bob"} {
			if err := tx.PutUser(&iam.User{AccountID: dgCustomer, Name: u, Path: "/", ID: iam.NewID(iam.PrefixUser)}); err != nil {
				return err
			}
		}
		return tx.PutPolicy(&iam.ManagedPolicy{
			AccountID: dgCustomer, Name: "s3-read", Path: "/", ID: iam.NewID(iam.PrefixPolicy), DefaultVersion: "v1",
			Versions: []iam.PolicyVersion{{ID: "v1", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}`}},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func dgRoot(acct string) *call.Call {
	return &call.Call{Principal: &identity.Principal{Type: identity.Root, AccountID: acct, ARN: "arn:aws:iam::" + acct + ":root", PrincipalID: acct}}
}

func dgUser(name string) *call.Call {
	return &call.Call{Principal: &identity.Principal{Type: identity.IAMUser, AccountID: dgCustomer, ARN: iam.UserARN(dgCustomer, "/", name), UserName: name}}
}

func dgCreate(t *testing.T, s *Service, workflow string, onlyOwner bool) string {
	t.Helper()
	out, err := s.CreateDelegationRequest(context.Background(), dgRoot(dgRequestor), &api.CreateDelegationRequestInput{
		OwnerAccountId: ptr(dgCustomer), Description: ptr("d"), RequestorWorkflowId: ptr(workflow),
		NotificationChannel: ptr("arn:aws:sns:us-east-1:" + dgRequestor + ":t"), SessionDuration: ptr(int32(3600)),
		OnlySendByOwner: ptr(onlyOwner),
		Permissions: &api.DelegationPermission{
			PolicyTemplateArn: ptr(iam.PolicyARN(dgRequestor, "/", "tmpl")),
			Parameters:        []api.PolicyParameter{{Name: ptr("BucketName"), Values: []string{"data"}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return *out.DelegationRequestId
}

func dgState(t *testing.T, s *Service, c *call.Call, id string) *api.DelegationRequest {
	t.Helper()
	out, err := s.GetDelegationRequest(context.Background(), c, &api.GetDelegationRequestInput{DelegationRequestId: ptr(id)})
	if err != nil {
		t.Fatal(err)
	}
	return out.DelegationRequest
}

func dgWantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	perr, ok := protocol.AsError(err)
	if !ok || perr.Code != code {
		t.Fatalf("%s: err = %v, want %s", what, err, code)
	}
}

// TestDelegationExpiry moves the clock past each state's lifetime: a day
// for UNASSIGNED, a week for the others; an expired request refuses every
// action, and disappears after the retention period.
func TestDelegationExpiry(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := delegationService(t, &now)
	ctx := context.Background()
	id := dgCreate(t, s, "wf-expiry-1", false)

	now = now.Add(24*time.Hour - time.Second)
	if dr := dgState(t, s, dgRoot(dgCustomer), id); dr.State != api.StateTypeUnassigned {
		t.Fatalf("one second before a day: %s", dr.State)
	}
	now = now.Add(time.Second)
	dr := dgState(t, s, dgRoot(dgCustomer), id)
	if dr.State != api.StateTypeExpired || !dr.ExpirationTime.Equal(now) {
		t.Fatalf("after a day: state %s, expiration %v; want EXPIRED at %v", dr.State, dr.ExpirationTime, now)
	}
	_, err := s.AssociateDelegationRequest(ctx, dgRoot(dgCustomer), &api.AssociateDelegationRequestInput{DelegationRequestId: ptr(id)})
	dgWantCode(t, "Associate an expired request", err, "InvalidInput")

	// An associated request lives a week in each state.
	id2 := dgCreate(t, s, "wf-expiry-2", false)
	if _, err := s.AssociateDelegationRequest(ctx, dgUser("alice"), &api.AssociateDelegationRequestInput{DelegationRequestId: ptr(id2)}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(6 * 24 * time.Hour)
	if _, err := s.UpdateDelegationRequest(ctx, dgUser("alice"), &api.UpdateDelegationRequestInput{DelegationRequestId: ptr(id2)}); err != nil {
		t.Fatal(err) // six days in ASSIGNED: still alive
	}
	now = now.Add(6 * 24 * time.Hour)
	if dr := dgState(t, s, dgUser("alice"), id2); dr.State != api.StateTypePendingApproval {
		t.Fatalf("six days in PENDING_APPROVAL: %s", dr.State)
	}
	now = now.Add(24 * time.Hour)
	_, err = s.AcceptDelegationRequest(ctx, dgUser("bob"), &api.AcceptDelegationRequestInput{DelegationRequestId: ptr(id2)})
	dgWantCode(t, "Accept after seven days pending", err, "ConcurrentModification")
	if dr := dgState(t, s, dgUser("alice"), id2); dr.State != api.StateTypeExpired {
		t.Fatalf("seven days in PENDING_APPROVAL: %s", dr.State)
	}
	list, err := s.ListDelegationRequests(ctx, dgUser("alice"), &api.ListDelegationRequestsInput{})
	if err != nil || len(list.DelegationRequests) != 1 || list.DelegationRequests[0].State != api.StateTypeExpired {
		t.Fatalf("list = %+v, %v; want the expired request", list, err)
	}

	// After the retention period the request is gone, and a new create
	// purges it from the store.
	now = now.Add(delegationRetention)
	_, err = s.GetDelegationRequest(ctx, dgUser("alice"), &api.GetDelegationRequestInput{DelegationRequestId: ptr(id2)})
	dgWantCode(t, "Get after retention", err, "NoSuchEntity")
	dgCreate(t, s, "wf-expiry-3", false)
	err = s.dir.View(ctx, func(tx *iam.Tx) error {
		if _, err := tx.DelegationRequest(id); !errors.Is(err, iam.ErrNoSuchEntity) {
			t.Errorf("expired request %s still stored (%v)", id, err)
		}
		_, err := tx.Get(iam.KindDelegationWorkflow, dgRequestor+"/wf-expiry-1")
		if err == nil {
			t.Error("the purged request's workflow id is still taken")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDelegationOwnerAndToken checks that IAM users act as themselves
// (owner, approver), that OnlySendByOwner keeps others from sending, and
// that the released token redeems through iam.Tx.DelegationByToken while
// waiting, sealed, in the outbox.
func TestDelegationOwnerAndToken(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := delegationService(t, &now)
	ctx := context.Background()
	id := dgCreate(t, s, "wf-owner", true)
	if _, err := s.AssociateDelegationRequest(ctx, dgUser("alice"), &api.AssociateDelegationRequestInput{DelegationRequestId: ptr(id)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptDelegationRequest(ctx, dgUser("bob"), &api.AcceptDelegationRequestInput{DelegationRequestId: ptr(id)}); err != nil {
		t.Fatal(err)
	}
	dr := dgState(t, s, dgUser("bob"), id)
	if *dr.OwnerId != iam.UserARN(dgCustomer, "/", "alice") || *dr.ApproverId != iam.UserARN(dgCustomer, "/", "bob") {
		t.Fatalf("owner %s approver %s", *dr.OwnerId, *dr.ApproverId)
	}
	_, err := s.SendDelegationToken(ctx, dgUser("bob"), &api.SendDelegationTokenInput{DelegationRequestId: ptr(id)})
	dgWantCode(t, "Send by the approver of an owner-only request", err, "AccessDenied")
	if _, err := s.SendDelegationToken(ctx, dgUser("alice"), &api.SendDelegationTokenInput{DelegationRequestId: ptr(id)}); err != nil {
		t.Fatal(err)
	}

	var rec *iam.DelegationRequest
	err = s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		rec, err = tx.DelegationRequest(id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	var token string
	for _, n := range rec.Outbox {
		switch n.Type {
		case "StateChange":
			var m map[string]string
			if err := json.Unmarshal([]byte(n.Message), &m); err != nil {
				t.Fatal(err)
			}
			states = append(states, m["State"])
		case "ExchangeToken":
			if n.Message != "" || strings.Contains(string(n.Sealed), id+".") {
				t.Fatal("the exchange token is stored in clear")
			}
			plain, err := s.dir.Keyring().Open(iam.DelegationTokenSealPurpose, n.Sealed, []byte(id))
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]string
			if err := json.Unmarshal(plain, &m); err != nil {
				t.Fatal(err)
			}
			token = m["ExchangeToken"]
			if m["ExpiresAt"] != now.Add(time.Hour).Format(time.RFC3339Nano) {
				t.Errorf("ExpiresAt = %s, want an hour from release", m["ExpiresAt"])
			}
		}
	}
	if strings.Join(states, ",") != "ASSIGNED,ACCEPTED,FINALIZED" || token == "" {
		t.Fatalf("outbox states %v, token %q", states, token)
	}
	err = s.dir.View(ctx, func(tx *iam.Tx) error {
		got, err := tx.DelegationByToken(token)
		if err != nil || got.ID != id || got.ApproverID != iam.UserARN(dgCustomer, "/", "bob") || !got.AccessExpires.Equal(now.Add(time.Hour)) {
			t.Errorf("DelegationByToken = %+v, %v", got, err)
		}
		if _, err := tx.DelegationByToken(token + "x"); !errors.Is(err, iam.ErrDelegationTokenInvalid) {
			t.Errorf("a altered token: %v", err)
		}
		if _, err := tx.DelegationByToken("dr-unknown.abc"); !errors.Is(err, iam.ErrDelegationTokenInvalid) {
			t.Errorf("an unknown request: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDelegationPermissionCheck compares the caller's permissions with the
// request's: root is ALLOWED, a user with s3:Get* on everything ALLOWED
// for s3:GetObject on a bucket, a user without policies DENIED.
func TestDelegationPermissionCheck(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := delegationService(t, &now)
	ctx := context.Background()
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		u, err := tx.User(dgCustomer, "alice")
		if err != nil {
			return err
		}
		u.Attached = []string{iam.PolicyARN(dgCustomer, "/", "s3-read")}
		return tx.PutUser(u)
	})
	if err != nil {
		t.Fatal(err)
	}
	id := dgCreate(t, s, "wf-check", false)
	check := func(c *call.Call) (api.PermissionCheckStatusType, api.PermissionCheckResultType) {
		out, err := s.GetDelegationRequest(ctx, c, &api.GetDelegationRequestInput{DelegationRequestId: ptr(id), DelegationPermissionCheck: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		return out.PermissionCheckStatus, out.PermissionCheckResult
	}
	for _, tc := range []struct {
		who  string
		c    *call.Call
		want api.PermissionCheckResultType
	}{
		{"root", dgRoot(dgCustomer), api.PermissionCheckResultTypeAllowed},
		{"alice (s3:Get*)", dgUser("alice"), api.PermissionCheckResultTypeAllowed},
		{"bob (no policy)", dgUser("bob"), api.PermissionCheckResultTypeDenied},
	} {
		if status, result := check(tc.c); status != api.PermissionCheckStatusTypeComplete || result != tc.want {
			t.Errorf("%s: %s %s, want COMPLETE %s", tc.who, status, result, tc.want)
		}
	}
	out, err := s.GetDelegationRequest(ctx, dgUser("bob"), &api.GetDelegationRequestInput{DelegationRequestId: ptr(id)})
	if err != nil || out.PermissionCheckStatus != "" || out.PermissionCheckResult != "" {
		t.Errorf("without DelegationPermissionCheck: %+v, %v", out, err)
	}
}

// TestRenderPolicyTemplate checks substitution in place, splicing of
// stringList values into arrays, the cross product, and the errors.
func TestRenderPolicyTemplate(t *testing.T) {
	params := []iam.DelegationParameter{
		{Name: "Bucket", Type: "string", Values: []string{`a"b`}},
		{Name: "Prefixes", Type: "stringList", Values: []string{"x", "y"}},
		{Name: "Accounts", Type: "stringList", Values: []string{"1", "2"}},
	}
	cases := []struct{ tmpl, want, err string }{
		{`{"R":"arn:@{Bucket}/*"}`, `{"R":"arn:a\"b/*"}`, ""},
		{`{"R":"@{Prefixes}-z"}`, `{"R":["x-z","y-z"]}`, ""},
		{`{"R":["first","@{Prefixes}"]}`, `{"R":["first","x","y"]}`, ""},
		{`{"R":"@{Accounts}:@{Prefixes}"}`, `{"R":["1:x","1:y","2:x","2:y"]}`, ""},
		{`{"R": "plain", "S": {"k": "@{Bucket}"}}`, `{"R": "plain", "S": {"k": "a\"b"}}`, ""},
		{`{"R":"@{Missing}"}`, "", "Missing"},
		{`{"@{Bucket}":"v"}`, "", "key"},
		{`{"R":"@{Bucket"}`, "", "unterminated"},
		{`{"R":"x`, "", "unterminated"},
		{`{"R":["a"}`, "", ""},
	}
	for _, tc := range cases {
		got, err := renderPolicyTemplate(tc.tmpl, params)
		switch {
		case tc.want != "":
			if err != nil || got != tc.want {
				t.Errorf("render %s = %s, %v; want %s", tc.tmpl, got, err, tc.want)
			}
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("render %s: err = %v, want one mentioning %q", tc.tmpl, err, tc.err)
			}
		default:
			if err == nil && json.Valid([]byte(got)) {
				t.Errorf("render %s = %s: want an error or invalid JSON", tc.tmpl, got)
			}
		}
	}
}

// FuzzRenderPolicyTemplate feeds arbitrary templates: rendering never
// panics, and a template that is valid JSON renders to valid JSON.
func FuzzRenderPolicyTemplate(f *testing.F) {
	for _, seed := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::@{Bucket}/*"}]}`,
		`{"R":["@{Prefixes}","@{Bucket}"]}`,
		`{"R":"@{Prefixes}@{Prefixes}"}`,
		`{"a":{"b":["@{Bucket}",{"c":"@{Prefixes}"}]}}`,
		`"@{Bucket}"`, `["@{`, `{"\"@{":"x"}`, `{"k":"\u0040{Bucket}"}`, ``,
	} {
		f.Add(seed)
	}
	params := []iam.DelegationParameter{
		{Name: "Bucket", Type: "string", Values: []string{"b<&>"}},
		{Name: "Prefixes", Type: "stringList", Values: []string{"p1", "p2", "p3"}},
	}
	f.Fuzz(func(t *testing.T, tmpl string) {
		got, err := renderPolicyTemplate(tmpl, params)
		if err == nil && json.Valid([]byte(tmpl)) && !json.Valid([]byte(got)) {
			t.Fatalf("valid template %q rendered to invalid JSON %q", tmpl, got)
		}
	})
}

// FuzzDelegationRequestIDFromARN checks the EntityArn parser of
// GetHumanReadableSummary: it never panics, and what it accepts is an id
// of the model's shape taken from a delegation-request ARN.
func FuzzDelegationRequestIDFromARN(f *testing.F) {
	for _, seed := range []string{
		"arn:aws:iam::123456789012:delegation-request/dr-0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee",
		"arn:aws:iam:::delegation-request/abcdefghijklmnop",
		"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::12:delegation-request/x", "", "arn:aws:iam::123456789012:delegation-request/",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		id, ok := delegationRequestIDFromARN(arn)
		if !ok {
			return
		}
		if !strings.HasSuffix(arn, ":delegation-request/"+id) || len(id) < 16 || len(id) > 128 || strings.ContainsAny(id, "/:") {
			t.Fatalf("accepted %q with id %q", arn, id)
		}
	})
}
