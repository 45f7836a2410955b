package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestTrailRecordsIntactUnderConcurrentLoad makes many KMS Encrypt calls
// from concurrent clients, each with an encryption context naming the call,
// and checks that every call's trail record is there exactly once, is valid
// JSON, and carries its own request id and its own encryption context.
// Events are recycled once recorded, so a record built from another
// call's event, or from a buffer reused too early, shows up here.
func TestTrailRecordsIntactUnderConcurrentLoad(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	ctx := context.Background()
	client := kms.NewFromConfig(srv.RootConfig())
	key, err := client.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	const workers, calls = 8, 60
	var mu sync.Mutex
	requestOf := make(map[string]string) // call name -> request id
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				name := fmt.Sprintf("w%d-c%03d", w, i)
				out, err := client.Encrypt(ctx, &kms.EncryptInput{
					KeyId:             key.KeyMetadata.KeyId,
					Plaintext:         []byte("plaintext of " + name),
					EncryptionContext: map[string]string{"call": name, "padding": fmt.Sprintf("%0*d", 1+i*7, i)},
				})
				if err != nil {
					errs <- err
					return
				}
				id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
				mu.Lock()
				requestOf[name] = id
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	trail := cloudtrail.NewFromConfig(srv.RootConfig())
	deadline := time.Now().Add(eventWait)
	for {
		seen := make(map[string]int)
		pages := cloudtrail.NewLookupEventsPaginator(trail, &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("Encrypt")}},
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range page.Events {
				var rec struct {
					RequestID         string `json:"requestID"`
					EventName         string `json:"eventName"`
					RequestParameters struct {
						EncryptionContext map[string]string `json:"encryptionContext"`
					} `json:"requestParameters"`
				}
				if err := json.Unmarshal([]byte(aws.ToString(ev.CloudTrailEvent)), &rec); err != nil {
					t.Fatalf("record %s is not valid JSON: %v\n%s", aws.ToString(ev.EventId), err, aws.ToString(ev.CloudTrailEvent))
				}
				name := rec.RequestParameters.EncryptionContext["call"]
				want, ok := requestOf[name]
				if !ok || rec.EventName != "Encrypt" {
					t.Fatalf("record %s names no call of this test (%q, %s)", aws.ToString(ev.EventId), name, rec.EventName)
				}
				if rec.RequestID != want {
					t.Fatalf("the record of call %s has request id %s, want %s: it mixes two events", name, rec.RequestID, want)
				}
				seen[name]++
			}
		}
		complete := len(seen) == len(requestOf)
		for name, n := range seen {
			if n != 1 {
				t.Fatalf("call %s has %d records", name, n)
			}
		}
		if complete {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d calls have a trail record after %v", len(seen), len(requestOf), eventWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
