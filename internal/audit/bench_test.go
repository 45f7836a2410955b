package audit

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
)

// benchEvent is a realistic record: a role session creating a role, with a
// policy document among the parameters, a resource and TLS details; about
// 1.5 KB of JSON.
func benchEvent() *Event {
	ev := apiEvent(rolePrincipal)
	ev.EventName = "CreateRole"
	ev.ReadOnly = false
	ev.RequestParameters = json.RawMessage(`{"roleName":"app-backend","path":"/service/","assumeRolePolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}","maxSessionDuration":3600}`)
	ev.ResponseElements = json.RawMessage(`{"role":{"path":"/service/","roleName":"app-backend","roleId":"AROACKCEVSQ6C2EXAMPLE","arn":"arn:aws:iam::123456789012:role/service/app-backend","createDate":"May 1, 2024, 12:34:56 PM"}}`)
	ev.Resources = []Resource{{ARN: "arn:aws:iam::123456789012:role/service/app-backend", AccountID: "123456789012", Type: "AWS::IAM::Role"}}
	ev.TLSDetails = &TLSDetails{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ClientProvidedHostHeader: "iam.amazonaws.com"}
	return ev
}

// BenchmarkRecord measures Record, the request path's cost. The event is
// already complete and shared (the recorder only reads a complete event), and
// the store is held shut with a queue big enough for the whole run, so that
// neither the pipeline's work nor its backpressure is counted: only the
// enqueue.
func BenchmarkRecord(b *testing.B) {
	for _, bc := range []struct {
		name     string
		parallel bool
	}{{"serial", false}, {"parallel", true}} {
		b.Run(bc.name, func(b *testing.B) {
			st := &countStore{gate: make(chan struct{})} // never opened
			r := NewRecorder(st, nil, Options{QueueSize: b.N + 4*DefaultMaxBatch, Logger: quietLog})
			ev := benchEvent()
			// Let the pipeline fill up and stop before timing.
			for i := 0; i < 4*DefaultMaxBatch; i++ {
				r.Record(ev)
			}
			for r.QueueLen() > 2*DefaultMaxBatch {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(10 * time.Millisecond)
			b.ReportAllocs()
			b.ResetTimer()
			if bc.parallel {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						r.Record(ev)
					}
				})
			} else {
				for i := 0; i < b.N; i++ {
					r.Record(ev)
				}
			}
			b.StopTimer()
			// Discard the backlog rather than encode it all.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := r.Close(ctx); err == nil {
				b.Fatal("Close wrote a backlog through a closed store")
			}
		})
	}
}

// BenchmarkRecorderThroughput measures events per second end to end: as many
// producers as CPUs build fresh events (UserIdentityFor included) and record
// them; the clock stops when Close has written the last one to the store.
func BenchmarkRecorderThroughput(b *testing.B) {
	st := &countStore{}
	r := NewRecorder(st, nil, Options{Logger: quietLog})
	template := benchEvent()
	producers := runtime.GOMAXPROCS(0)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		n := b.N / producers
		if p < b.N%producers {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				ev := new(Event)
				*ev = *template
				ev.EventID = ""
				ev.EventTime = time.Time{}
				ev.UserIdentity = UserIdentityFor(rolePrincipal)
				r.Record(ev)
			}
		}()
	}
	wg.Wait()
	if err := r.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if st.n != b.N {
		b.Fatalf("stored %d of %d events", st.n, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}

// BenchmarkAppendJSON is the encoder alone; BenchmarkEncodingJSON is
// encoding/json on the same struct (through its tags) for comparison.
func BenchmarkAppendJSON(b *testing.B) {
	ev := benchEvent()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = ev.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkEncodingJSON(b *testing.B) {
	type plain Event // no MarshalJSON: reflection over the tags
	ev := (*plain)(benchEvent())
	b.ReportAllocs()
	var n int
	for b.Loop() {
		out, err := json.Marshal(ev)
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.SetBytes(int64(n))
}

// BenchmarkRedactJSONClean is the recorder's secret check on a document with
// nothing to hide, the common case.
func BenchmarkRedactJSONClean(b *testing.B) {
	doc := benchEvent().RequestParameters
	b.ReportAllocs()
	for b.Loop() {
		if _, changed := RedactJSON(doc); changed {
			b.Fatal("redacted a clean document")
		}
	}
}

// kmsBenchEvent is the record of the kms-encrypt load scenario's call, as
// the server builds it: an IAM user's Encrypt with an encryption context,
// naming the key among its resources; about 1 KB of JSON.
func kmsBenchEvent() *Event {
	p := &identity.Principal{Type: identity.IAMUser, PrincipalID: "AIDALPHL7ZFCVQANOMNNN",
		ARN: "arn:aws:iam::352955990112:user/gatehouse-bench-kms-c0583fd8", AccountID: "352955990112",
		AccessKeyID: "AKIAJVHAECUFUALF3MGG", UserName: "gatehouse-bench-kms-c0583fd8"}
	return &Event{
		UserIdentity:       UserIdentityFor(p),
		EventTime:          testTime,
		EventSource:        "kms.amazonaws.com",
		EventName:          "Encrypt",
		AWSRegion:          "us-east-1",
		SourceIPAddress:    "127.0.0.1",
		UserAgent:          "aws-sdk-go-v2/1.48.0 ua/2.1 os/linux lang/go#1.26.8 md/GOOS#linux md/GOARCH#amd64 m/E gatehouse-bench",
		RequestParameters:  json.RawMessage(`{"keyId":"d9041342-28e3-4c90-abda-1bb4f0d44a3b","encryptionContext":{"purpose":"bench","tenant":"acme"}}`),
		RequestID:          "01a21f8c-3b73-77e9-ba3f-0774deed80b9",
		ReadOnly:           true,
		Resources:          []Resource{{ARN: "arn:aws:kms:us-east-1:352955990112:key/d9041342-28e3-4c90-abda-1bb4f0d44a3b", AccountID: "352955990112", Type: "AWS::KMS::Key"}},
		EventType:          EventTypeAPICall,
		EventCategory:      CategoryManagement,
		RecipientAccountID: "352955990112",
	}
}

// BenchmarkEncodeStage is the recorder's first stage per event (complete,
// publish, encode into the batch), without the queue, for the kms-encrypt
// event: with its requestParameters scanned for secrets, and marked clean
// as the server marks it.
func BenchmarkEncodeStage(b *testing.B) {
	for _, marked := range []bool{false, true} {
		name := "scanned"
		if marked {
			name = "marked"
		}
		b.Run(name, func(b *testing.B) {
			r := &Recorder{opts: Options{}.withDefaults(), log: quietLog}
			var ids idSource
			bt := newBatch(1, r.opts.MaxBatch)
			ev := kmsBenchEvent()
			ev.MarkDocsClean(marked, marked)
			b.ReportAllocs()
			for b.Loop() {
				ev.EventID = ""
				r.complete(ev, &ids)
				r.bus.publish(ev)
				bt.add(ev)
				if len(bt.recs) >= r.opts.MaxBatch {
					bt = newBatch(1, r.opts.MaxBatch)
				}
			}
		})
	}
}
