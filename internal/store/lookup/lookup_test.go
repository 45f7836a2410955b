package lookup

import (
	"encoding/base64"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)

func TestNewPlanLimits(t *testing.T) {
	for _, c := range []struct{ in, want int }{{0, 50}, {-1, 50}, {1, 1}, {49, 49}, {50, 50}, {51, 50}, {1 << 30, 50}} {
		p, err := NewPlan(store.EventQuery{Limit: c.in})
		if err != nil || p.Limit != c.want {
			t.Errorf("Limit %d: plan limit %d, %v; want %d", c.in, p.Limit, err, c.want)
		}
	}
}

func TestNewPlanAttributes(t *testing.T) {
	for name, attr := range attributeNames {
		value := "v"
		if attr == AttrReadOnly {
			value = "true"
		}
		p, err := NewPlan(store.EventQuery{Attribute: name, Value: value})
		if err != nil || p.Attr != attr || p.Value != value {
			t.Errorf("%s: plan %+v, %v", name, p, err)
		}
	}
	p, err := NewPlan(store.EventQuery{Value: "ignored"})
	if err != nil || p.Attr != AttrNone || p.Value != "" {
		t.Errorf("no attribute: plan %+v, %v", p, err)
	}
	for _, v := range []string{"true", "True", "TRUE", "false", "FaLsE"} {
		p, err := NewPlan(store.EventQuery{Attribute: "ReadOnly", Value: v})
		if err != nil {
			t.Errorf("ReadOnly %q: %v", v, err)
			continue
		}
		want := v[0] == 't' || v[0] == 'T'
		if p.ReadOnly != want || (p.Value != "true" && p.Value != "false") {
			t.Errorf("ReadOnly %q: plan ReadOnly=%v Value=%q", v, p.ReadOnly, p.Value)
		}
	}
	for _, q := range []store.EventQuery{
		{Attribute: "Nope", Value: "x"},
		{Attribute: "eventname", Value: "x"},
		{Attribute: "ReadOnly", Value: "yes"},
		{Attribute: "ReadOnly", Value: ""},
	} {
		if _, err := NewPlan(q); !errors.Is(err, ErrInvalidAttribute) {
			t.Errorf("%+v: %v, want ErrInvalidAttribute", q, err)
		}
	}
}

func TestNewPlanTimeRange(t *testing.T) {
	p, err := NewPlan(store.EventQuery{StartTime: t0, EndTime: t0})
	if err != nil || !p.HasStart || !p.HasEnd || p.Start != t0.UnixNano() || p.End != t0.UnixNano() {
		t.Errorf("equal bounds: plan %+v, %v", p, err)
	}
	if _, err := NewPlan(store.EventQuery{StartTime: t0.Add(1), EndTime: t0}); !errors.Is(err, ErrInvalidTimeRange) {
		t.Errorf("start after end: %v, want ErrInvalidTimeRange", err)
	}
	p, err = NewPlan(store.EventQuery{})
	if err != nil || p.HasStart || p.HasEnd {
		t.Errorf("no bounds: plan %+v, %v", p, err)
	}
}

func TestTokenRoundTrip(t *testing.T) {
	q := store.EventQuery{AccountID: "123456789012", Attribute: "Username", Value: "alice", StartTime: t0, Limit: 5}
	p, err := NewPlan(q)
	if err != nil {
		t.Fatal(err)
	}
	for _, pos := range []Position{
		{Time: t0.UnixNano(), EventID: "6f1c0b9e-0000-4000-8000-000000000000"},
		{Time: math.MinInt64, EventID: "x"},
		{Time: math.MaxInt64, EventID: "\x00\xff odd id"},
	} {
		q.NextToken = p.NextToken(pos)
		p2, err := NewPlan(q)
		if err != nil {
			t.Fatalf("token for %+v: %v", pos, err)
		}
		if !p2.HasAfter || p2.After != pos {
			t.Fatalf("token for %+v decoded to %+v", pos, p2.After)
		}
		// The page size may change between pages.
		q2 := q
		q2.Limit = 50
		if _, err := NewPlan(q2); err != nil {
			t.Errorf("token with another limit: %v", err)
		}
	}
}

func TestTokenRejected(t *testing.T) {
	q := store.EventQuery{AccountID: "123456789012", Attribute: "EventName", Value: "GetUser"}
	p, err := NewPlan(q)
	if err != nil {
		t.Fatal(err)
	}
	tok := p.NextToken(Position{Time: t0.UnixNano(), EventID: "abc"})
	other := []store.EventQuery{
		{AccountID: "999999999999", Attribute: "EventName", Value: "GetUser"},
		{AccountID: "123456789012", Attribute: "EventName", Value: "PutUser"},
		{AccountID: "123456789012", Attribute: "EventSource", Value: "GetUser"},
		{AccountID: "123456789012", Attribute: "EventName", Value: "GetUser", StartTime: t0},
		{AccountID: "123456789012", Attribute: "EventName", Value: "GetUser", EndTime: t0},
		{AccountID: "123456789012"},
	}
	for _, o := range other {
		o.NextToken = tok
		if _, err := NewPlan(o); !errors.Is(err, ErrInvalidNextToken) {
			t.Errorf("token replayed with %+v: %v, want ErrInvalidNextToken", o, err)
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for _, bit := range []byte{0x01, 0x80} {
			b := append([]byte(nil), raw...)
			b[i] ^= bit
			q.NextToken = base64.RawURLEncoding.EncodeToString(b)
			if _, err := NewPlan(q); !errors.Is(err, ErrInvalidNextToken) {
				t.Fatalf("token with byte %d flipped: %v, want ErrInvalidNextToken", i, err)
			}
		}
	}
	for _, bad := range []string{"x", "====", "not base64!", base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1]),
		base64.RawURLEncoding.EncodeToString(append(raw, 'x')), base64.StdEncoding.EncodeToString(raw)} {
		q.NextToken = bad
		if _, err := NewPlan(q); !errors.Is(err, ErrInvalidNextToken) {
			t.Errorf("token %q: %v, want ErrInvalidNextToken", bad, err)
		}
	}
}

func TestUnixNano(t *testing.T) {
	cases := []struct {
		t    time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{t0, t0.UnixNano()},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), math.MinInt64},
		{time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64},
		{time.Date(2262, 4, 11, 0, 0, 0, 0, time.UTC), time.Date(2262, 4, 11, 0, 0, 0, 0, time.UTC).UnixNano()},
	}
	for _, c := range cases {
		if got := UnixNano(c.t); got != c.want {
			t.Errorf("UnixNano(%v) = %d, want %d", c.t, got, c.want)
		}
	}
	// Clamping keeps the order.
	if !(UnixNano(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)) < UnixNano(t0) && UnixNano(t0) < UnixNano(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))) {
		t.Error("clamped times do not keep their order")
	}
}

func FuzzNewPlanToken(f *testing.F) {
	p, _ := NewPlan(store.EventQuery{AccountID: "a"})
	f.Add(p.NextToken(Position{Time: 1, EventID: "e"}))
	f.Add("")
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := NewPlan(store.EventQuery{AccountID: "a", NextToken: tok})
		if err == nil && tok != "" && !p.HasAfter {
			t.Fatal("accepted token without a position")
		}
		if err != nil && !errors.Is(err, ErrInvalidNextToken) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func TestTimeBounds(t *testing.T) {
	q := store.EventQuery{Attribute: "Username", Value: "alice"}
	p, err := NewPlan(q)
	if err != nil {
		t.Fatal(err)
	}
	if lo, hi := p.TimeBounds(); lo != math.MinInt64 || hi != math.MaxInt64 {
		t.Errorf("no range: bounds %d, %d", lo, hi)
	}
	q.StartTime, q.EndTime = t0, t0.Add(time.Hour)
	p, _ = NewPlan(q)
	if lo, hi := p.TimeBounds(); lo != t0.UnixNano() || hi != t0.Add(time.Hour).UnixNano() {
		t.Errorf("range: bounds %d, %d", lo, hi)
	}
	for _, after := range []time.Time{t0.Add(time.Minute), t0.Add(2 * time.Hour)} {
		q.NextToken = p.NextToken(Position{Time: after.UnixNano(), EventID: "x"})
		p2, err := NewPlan(q)
		if err != nil {
			t.Fatal(err)
		}
		want := min(after.UnixNano(), t0.Add(time.Hour).UnixNano())
		if lo, hi := p2.TimeBounds(); lo != t0.UnixNano() || hi != want {
			t.Errorf("continuing after %v: bounds %d, %d; want upper %d", after, lo, hi, want)
		}
	}
}
