package audit

import (
	"sync"
	"testing"
)

func TestBusDeliversInOrder(t *testing.T) {
	b := NewBus()
	s1 := b.Subscribe("a", 10)
	s2 := b.Subscribe("b", 10)
	evs := []*Event{{EventName: "1"}, {EventName: "2"}, {EventName: "3"}}
	for _, ev := range evs {
		b.Publish(ev)
	}
	for _, s := range []*Subscription{s1, s2} {
		for i, want := range evs {
			if got := <-s.C; got != want {
				t.Fatalf("%s: event %d = %q, want %q", s.Name, i, got.EventName, want.EventName)
			}
		}
	}
	if b.Dropped() != 0 {
		t.Errorf("Dropped = %d", b.Dropped())
	}
}

func TestBusDropsForFullSubscriberOnly(t *testing.T) {
	b := NewBus()
	slow := b.Subscribe("slow", 2)
	fast := b.Subscribe("fast", 100)
	for i := 0; i < 10; i++ {
		b.Publish(&Event{}) // must not block although slow is full
	}
	if got := slow.Dropped(); got != 8 {
		t.Errorf("slow.Dropped = %d, want 8", got)
	}
	if got := fast.Dropped(); got != 0 {
		t.Errorf("fast.Dropped = %d, want 0", got)
	}
	if got := b.Dropped(); got != 8 {
		t.Errorf("bus Dropped = %d, want 8", got)
	}
	if len(slow.C) != 2 || len(fast.C) != 10 {
		t.Errorf("buffered %d and %d, want 2 and 10", len(slow.C), len(fast.C))
	}
}

func TestBusClose(t *testing.T) {
	b := NewBus()
	s := b.Subscribe("s", 4)
	b.Publish(&Event{EventName: "kept"})
	s.Close()
	s.Close() // idempotent
	b.Publish(&Event{EventName: "after close"})
	var got []string
	for ev := range s.C { // buffered events, then closed
		got = append(got, ev.EventName)
	}
	if len(got) != 1 || got[0] != "kept" {
		t.Errorf("received %q, want [kept]", got)
	}
	if b.Subscribers() != 0 {
		t.Errorf("Subscribers = %d after Close", b.Subscribers())
	}
}

func TestBusNilAndZero(t *testing.T) {
	var nilBus *Bus
	nilBus.Publish(&Event{})
	if nilBus.Dropped() != 0 || nilBus.Subscribers() != 0 {
		t.Error("nil bus counts something")
	}
	var zero Bus
	zero.Publish(&Event{})
	s := zero.Subscribe("z", 0) // buffer raised to 1
	zero.Publish(&Event{})
	zero.Publish(&Event{})
	if len(s.C) != 1 || s.Dropped() != 1 {
		t.Errorf("buffer %d, dropped %d; want 1 and 1", len(s.C), s.Dropped())
	}
}

// TestBusConcurrent publishes, subscribes and closes concurrently (run with
// -race): no send on a closed channel, every event delivered or counted.
func TestBusConcurrent(t *testing.T) {
	b := NewBus()
	const publishers, perPublisher = 4, 2000
	keep := b.Subscribe("keep", 16)
	received := make(chan int)
	go func() {
		n := 0
		for range keep.C {
			n++
		}
		received <- n
	}()
	var wg sync.WaitGroup
	for i := 0; i < publishers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < perPublisher; j++ {
				b.Publish(&Event{})
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for j := 0; j < 200; j++ {
			s := b.Subscribe("churn", 1)
			s.Close()
		}
	}()
	wg.Wait()
	keep.Close()
	n := <-received
	if got := uint64(n) + keep.Dropped(); got != publishers*perPublisher {
		t.Errorf("received %d + dropped %d = %d, want %d", n, keep.Dropped(), got, publishers*perPublisher)
	}
}

func BenchmarkPublishNoSubscribers(b *testing.B) {
	bus := NewBus()
	ev := &Event{}
	b.ReportAllocs()
	for b.Loop() {
		bus.Publish(ev)
	}
}

func BenchmarkPublishOneSubscriber(b *testing.B) {
	bus := NewBus()
	s := bus.Subscribe("drain", 1024)
	go func() {
		for range s.C {
		}
	}()
	ev := &Event{}
	b.ReportAllocs()
	for b.Loop() {
		bus.Publish(ev)
	}
	b.StopTimer()
	s.Close()
}
