package audit

import (
	"context"
	"fmt"
	"time"
)

// A server wires the audit trail once: a bus for detectors, a recorder
// writing to the store, and a Record call at the end of every request.
func Example() {
	st := newMemStore() // the server passes its store.Store
	bus := NewBus()
	detector := bus.Subscribe("guardduty", 1024)
	rec := NewRecorder(st, bus, Options{Logger: quietLog})

	// At the end of a request (here, a denied one):
	rec.Record(&Event{
		UserIdentity:    UserIdentityFor(userPrincipal),
		EventSource:     "iam.amazonaws.com",
		EventName:       "DeleteUser",
		AWSRegion:       "us-east-1",
		SourceIPAddress: "203.0.113.64",
		ErrorCode:       "AccessDenied",
		ErrorMessage:    "User: arn:aws:iam::123456789012:user/Alice is not authorized to perform: iam:DeleteUser",
		RequestID:       "4e1b7f0a-1c1d-4b8e-9f3a-2d5c6b7a8e9f",
	})

	ev := <-detector.C // detectors see it at once
	fmt.Println(ev.EventName, ev.ErrorCode, ev.UserIdentity.UserName)

	// At shutdown: everything recorded is written before Close returns.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rec.Close(ctx); err != nil {
		fmt.Println(err)
	}
	q, _ := NewEventQuery("123456789012", LookupRequest{
		LookupAttributes: []LookupAttribute{{AttributeKey: "Username", AttributeValue: "Alice"}},
	})
	events, _, _ := Lookup(context.Background(), st, q)
	fmt.Println(len(events), events[0].EventName, events[0].ReadOnly)
	// Output:
	// DeleteUser AccessDenied Alice
	// 1 DeleteUser false
}
