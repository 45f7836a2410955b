package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/identity"
	kmsapi "github.com/gatehouse/gatehouse/internal/model/kms"
	"github.com/gatehouse/gatehouse/internal/store"
)

// kmsEncryptExchange is the exchange of a successful KMS Encrypt by an IAM
// user, as the kms-encrypt load scenario makes it.
func kmsEncryptExchange(tb testing.TB) (*http.Request, *exchange) {
	tb.Helper()
	op := kmsapi.Service.Operations["Encrypt"]
	if op == nil {
		tb.Fatal("no KMS Encrypt operation")
	}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.RemoteAddr = "127.0.0.1:50000"
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.48.0 ua/2.1 os/linux lang/go#1.26.8 md/GOOS#linux md/GOARCH#amd64 m/E gatehouse-bench")
	p := &identity.Principal{
		Type:        identity.IAMUser,
		PrincipalID: "AIDALPHL7ZFCVQANOMNNN",
		ARN:         "arn:aws:iam::352955990112:user/gatehouse-bench-kms-c0583fd8",
		AccountID:   "352955990112",
		AccessKeyID: "AKIAJVHAECUFUALF3MGG",
		UserName:    "gatehouse-bench-kms-c0583fd8",
	}
	keyID := "d9041342-28e3-4c90-abda-1bb4f0d44a3b"
	c := &call.Call{RequestID: "01a21f8c-3b73-77e9-ba3f-0774deed80b9", Principal: p, Region: "us-east-1", Operation: op,
		SourceIP: "127.0.0.1", UserAgent: r.UserAgent(), Time: time.Now()}
	c.AddResource(call.Resource{ARN: "arn:aws:kms:us-east-1:352955990112:key/" + keyID, AccountID: "352955990112", Type: "AWS::KMS::Key"})
	x := &exchange{
		start: c.Time, requestID: c.RequestID, op: op, svc: op.Service, principal: p,
		keyID: p.AccessKeyID, region: "us-east-1", call: c,
		input: &kmsapi.EncryptInput{
			KeyId:             &keyID,
			Plaintext:         make([]byte, 256),
			EncryptionContext: map[string]string{"tenant": "acme", "purpose": "bench"},
		},
		output: &kmsapi.EncryptOutput{CiphertextBlob: make([]byte, 300), KeyId: &keyID, EncryptionAlgorithm: "SYMMETRIC_DEFAULT"},
	}
	return r, x
}

// BenchmarkTrailEvent is the request path's share of the trail: building
// the event of a KMS Encrypt call (its requestParameters rendered by the
// audit encoder). Events are not recycled here (nothing records them).
func BenchmarkTrailEvent(b *testing.B) {
	s := &Server{}
	r, x := kmsEncryptExchange(b)
	b.ReportAllocs()
	for b.Loop() {
		s.trailEvent(r, x)
	}
}

// BenchmarkTrail is the whole trail of a KMS Encrypt call but the store:
// building the event, Record, and the recorder's encoding of the record.
// cpu-ns/op is the process's CPU per event, the recorder's goroutine
// included.
func BenchmarkTrail(b *testing.B) {
	s := &Server{}
	r, x := kmsEncryptExchange(b)
	rec := audit.NewRecorder(discardStore{}, nil, audit.Options{Logger: slog.New(slog.DiscardHandler)})
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU(b)
	for i := 0; i < b.N; i++ {
		rec.Record(s.trailEvent(r, x))
	}
	if err := rec.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
}

// discardStore accepts event batches and drops them.
type discardStore struct{ store.Store }

func (discardStore) AppendEvents(context.Context, []store.EventRecord) error { return nil }

// processCPU returns the process's user and system CPU time in nanoseconds.
func processCPU(tb testing.TB) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
