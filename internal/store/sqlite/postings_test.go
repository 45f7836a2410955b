package sqlite

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

func TestRunCodec(t *testing.T) {
	for _, run := range [][]posting{
		nil,
		{{1, 0}},
		{{5, math.MaxInt64}, {6, math.MinInt64}, {7, math.MaxInt64}, {1 << 40, -1}},
		{{100, 1700000000000000000}, {101, 1700000000000000500}, {103, 1699999999000000000}},
	} {
		for _, base := range [][2]int64{{0, 0}, {1, math.MinInt64}, {run0Seq(run), math.MaxInt64}} {
			enc := appendRun(nil, run, base[0], base[1])
			enc = append(enc, "rest"...)
			got, rest, err := decodeRun(nil, enc, base[0], base[1])
			if err != nil || !slices.Equal(got, run) || string(rest) != "rest" {
				t.Errorf("run %v, bases %v: decoded %v, rest %q, %v", run, base, got, rest, err)
			}
		}
	}
	// Seqs must strictly increase.
	bad := appendRun(nil, []posting{{5, 0}, {5, 1}}, 0, 0)
	if _, _, err := decodeRun(nil, bad, 0, 0); err == nil {
		t.Error("a run repeating a seq decoded")
	}
}

func run0Seq(run []posting) int64 {
	if len(run) == 0 {
		return 0
	}
	return run[0].seq
}

func FuzzDecodeRun(f *testing.F) {
	f.Add(appendRun(nil, []posting{{1, 2}, {3, 4}}, 0, 0), int64(0), int64(0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, int64(1), int64(-1))
	f.Add([]byte{2, 0, 0, 0x80}, int64(math.MaxInt64), int64(math.MinInt64))
	f.Fuzz(func(t *testing.T, b []byte, baseSeq, baseTime int64) {
		run, _, err := decodeRun(nil, b, baseSeq, baseTime)
		if err != nil {
			return
		}
		for i := 1; i < len(run); i++ {
			if run[i].seq <= run[i-1].seq {
				t.Fatalf("decoded seqs not ascending: %v", run)
			}
		}
		again, _, err := decodeRun(nil, appendRun(nil, run, baseSeq, baseTime), baseSeq, baseTime)
		if err != nil || !slices.Equal(again, run) {
			t.Fatalf("re-encoded run decodes to %v, %v; want %v", again, err, run)
		}
	})
}

// testBatch is a batch with repeated values and resources, across two
// accounts.
func testBatch() []store.EventRecord {
	var evs []store.EventRecord
	for i := range 40 {
		e := store.EventRecord{
			EventID:     fmt.Sprintf("e%02d", i),
			EventTime:   time.Unix(1700000000, int64(i%7)*1000),
			EventName:   []string{"A", "B", "C"}[i%3],
			EventSource: "s",
			Username:    fmt.Sprintf("u%d", i%5),
			AccessKeyID: "",
			ReadOnly:    i%2 == 0,
			AccountID:   []string{"111", "222"}[i%2],
		}
		if i%4 == 0 {
			e.Resources = []store.EventResource{{Type: "T", Name: "x"}, {Type: "T", Name: "y"}, {Type: "T", Name: "x"}}
		}
		evs = append(evs, e)
	}
	return evs
}

// TestBatchIndex builds a batch index and finds every group in it, each
// with exactly the events of its value, and no group that is not there.
func TestBatchIndex(t *testing.T) {
	evs := testBatch()
	const first = 1000
	b := newPostingBuilder()
	var maxTime int64 = math.MinInt64
	for i := range evs {
		t := evs[i].EventTime.UnixNano()
		maxTime = max(maxTime, t)
		b.addEvent(&evs[i], posting{first + int64(i), t})
	}
	index, _ := appendBatchIndex(nil, b, first, maxTime, nil)
	x, err := parseBatchIndex(index)
	if err != nil {
		t.Fatal(err)
	}
	if x.n != len(b.groups) {
		t.Fatalf("%d groups in the index, %d built", x.n, len(b.groups))
	}
	want := func(key groupKey) []posting {
		var out []posting
		for i, e := range evs {
			if e.AccountID != key.account {
				continue
			}
			match := false
			switch key.code {
			case codeAll:
				match = true
			case codeEventName:
				match = e.EventName == key.value
			case codeEventSource:
				match = e.EventSource == key.value
			case codeUsername:
				match = e.Username == key.value
			case codeAccessKeyID:
				match = e.AccessKeyID == key.value
			case codeReadOnly:
				match = fmt.Sprint(e.ReadOnly) == key.value
			case codeResourceType:
				match = slices.ContainsFunc(e.Resources, func(r store.EventResource) bool { return r.Type == key.value })
			case codeResourceName:
				match = slices.ContainsFunc(e.Resources, func(r store.EventResource) bool { return r.Name == key.value })
			}
			if match {
				out = append(out, posting{first + int64(i), e.EventTime.UnixNano()})
			}
		}
		return out
	}
	var prev groupKey
	for i := range x.n {
		account, code, value, _, err := x.entry(i)
		if err != nil {
			t.Fatal(err)
		}
		key := groupKey{string(account), code, string(value)}
		if i > 0 && compareGroupKeys(prev, key) >= 0 {
			t.Fatalf("groups out of order: %v then %v", prev, key)
		}
		prev = key
		run, err := x.find(key)
		if err != nil || run == nil {
			t.Fatalf("find %v: %v", key, err)
		}
		got, _, err := decodeRun(nil, run, first, maxTime)
		if err != nil || !slices.Equal(got, want(key)) {
			t.Fatalf("group %v: %v, %v; want %v", key, got, err, want(key))
		}
	}
	for _, key := range []groupKey{{"111", codeEventName, "D"}, {"333", codeAll, ""}, {"", 0, ""}, {"222", codeResourceName, "zzz"}} {
		if run, err := x.find(key); run != nil || err != nil {
			t.Errorf("find %v = %v, %v; want nothing", key, run, err)
		}
	}
}

func FuzzBatchIndex(f *testing.F) {
	evs := testBatch()
	b := newPostingBuilder()
	for i := range evs {
		b.addEvent(&evs[i], posting{int64(i), int64(i)})
	}
	index, _ := appendBatchIndex(nil, b, 0, 0, nil)
	f.Add(index)
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Add([]byte{2, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := parseBatchIndex(b)
		if err != nil {
			return
		}
		for i := range x.n {
			if _, _, _, run, err := x.entry(i); err == nil {
				decodeRun(nil, run, 0, 0)
			}
		}
		for _, key := range []groupKey{{"111", codeEventName, "A"}, {"", 0, ""}, {"\xff", 7, "\xff"}} {
			if run, err := x.find(key); err == nil && run != nil {
				decodeRun(nil, run, 0, 0)
			}
		}
	})
}

func TestSplitRuns(t *testing.T) {
	const shift = 10 // buckets of 1024 ns
	var list []posting
	for i := range 100 {
		tm := int64(i * 37)
		if i%9 == 0 {
			tm = -5000 - int64(i) // late events, in buckets far back
		}
		list = append(list, posting{int64(i + 1), tm})
	}
	for _, maxLen := range []int{1, 7, 1000} {
		var all []posting
		err := splitRuns(list, shift, maxLen, func(run []posting) error {
			if len(run) == 0 || len(run) > maxLen {
				t.Fatalf("run of %d entries, max %d", len(run), maxLen)
			}
			lo, hi := timeBounds(run)
			if lo>>shift != hi>>shift {
				t.Fatalf("run spans buckets: %v", run)
			}
			for i := 1; i < len(run); i++ {
				if run[i].seq <= run[i-1].seq {
					t.Fatalf("run not in seq order: %v", run)
				}
			}
			all = append(all, run...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(all, func(a, b posting) int { return int(a.seq - b.seq) })
		if !slices.Equal(all, list) {
			t.Fatalf("maxLen %d: runs hold %v, want %v", maxLen, all, list)
		}
	}
	if list[0].time != -5000 || list[9].time != -5009 {
		t.Fatal("splitRuns reordered its input")
	}
}

func TestRecordCodec(t *testing.T) {
	for _, e := range []store.EventRecord{
		{EventID: "a", EventTime: time.Unix(1700000000, 123).UTC(), JSON: []byte{}},
		{
			EventID: "b", EventTime: time.Unix(0, math.MinInt64).UTC(), EventName: "CreateUser", EventSource: "iam.amazonaws.com",
			Username: "alice", AccessKeyID: "AKIA", ReadOnly: true, AccountID: "123456789012",
			Resources: []store.EventResource{{Type: "T", Name: "N"}, {Type: "T", Name: "N"}, {Type: "", Name: ""}},
			JSON:      []byte(`{"x":"\u0000é"}`),
		},
	} {
		rec, ns, err := decodeRecord(e.EventID, appendRecord(nil, &e))
		if err != nil || ns != e.EventTime.UnixNano() || !rec.EventTime.Equal(e.EventTime) ||
			rec.EventName != e.EventName || rec.EventSource != e.EventSource || rec.Username != e.Username ||
			rec.AccessKeyID != e.AccessKeyID || rec.ReadOnly != e.ReadOnly || rec.AccountID != e.AccountID ||
			!slices.Equal(rec.Resources, e.Resources) || !bytes.Equal(rec.JSON, e.JSON) || rec.EventID != e.EventID {
			t.Errorf("round trip of %+v = %+v, %d, %v", e, rec, ns, err)
		}
	}
	if _, _, err := decodeRecord("x", []byte{recordFormat + 1}); err == nil {
		t.Error("a record of an unknown format decoded")
	}
}

func FuzzDecodeRecord(f *testing.F) {
	e := testBatch()[0]
	e.JSON = []byte(`{}`)
	f.Add(appendRecord(nil, &e))
	f.Add([]byte{recordFormat, 0, 0, 0, 0, 0, 0, 2, 0})
	f.Add([]byte{recordFormat, 2, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, _, err := decodeRecord("id", b)
		if err != nil {
			return
		}
		again, _, err := decodeRecord("id", appendRecord(nil, &rec))
		if err != nil || !slices.Equal(again.Resources, rec.Resources) || !bytes.Equal(again.JSON, rec.JSON) ||
			again.AccountID != rec.AccountID || !again.EventTime.Equal(rec.EventTime) {
			t.Fatalf("decode/encode/decode differs: %+v vs %+v (%v)", rec, again, err)
		}
	})
}

// TestPostingLevels follows the posting lists through the levels: batches
// collect in level 0 until it is full, then move to level 1 in the same
// transaction, and lookups see every event throughout.
func TestPostingLevels(t *testing.T) {
	s := openTuned(t, eventTuning{compactEvents: 100, compactBatches: 4, bucketShift: 32, maxRunLen: 16})
	defer s.Close()
	levels := func() (level0, level1 int) {
		t.Helper()
		err := s.read(ctx, func(c *conn) error {
			if err := c.c.QueryRowContext(ctx, "SELECT count(*) FROM event_batches").Scan(&level0); err != nil {
				return err
			}
			return c.c.QueryRowContext(ctx, "SELECT count(*) FROM event_postings").Scan(&level1)
		})
		if err != nil {
			t.Fatal(err)
		}
		return level0, level1
	}
	var all []string
	for b := range 9 {
		var batch []store.EventRecord
		for i := range 10 {
			id := fmt.Sprintf("b%d-%02d", b, i)
			batch = append(batch, store.EventRecord{EventID: id, EventTime: time.Unix(1700000000+int64(b*10+i), 0),
				AccountID: "111111111111", Username: "u", JSON: []byte("{}")})
			all = append(all, id)
		}
		if err := s.AppendEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
		level0, level1 := levels()
		// 4 batches fill level 0; the fourth moves them to level 1.
		if wantLevel0 := (b + 1) % 4; level0 != wantLevel0 || (b >= 3) != (level1 > 0) {
			t.Fatalf("after batch %d: %d level 0 rows, %d level 1 rows; want %d and some from batch 3 on", b, level0, level1, wantLevel0)
		}
		for _, attr := range []string{"", "Username"} {
			var got []string
			q := store.EventQuery{AccountID: "111111111111", Attribute: attr, Value: "u", Limit: 7}
			for {
				evs, next, err := s.QueryEvents(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range evs {
					got = append(got, e.EventID)
				}
				if next == "" {
					break
				}
				q.NextToken = next
			}
			want := slices.Clone(all)
			slices.Reverse(want)
			if !slices.Equal(got, want) {
				t.Fatalf("after batch %d, attribute %q: %v, want %v", b, attr, got, want)
			}
		}
	}
	// Level 1 holds the 80 events of the first 8 batches in runs of at
	// most maxRunLen: at least 5 for the account and 5 for the username.
	if _, level1 := levels(); level1 < 2*80/16 {
		t.Errorf("%d level 1 runs, want at least %d", level1, 2*80/16)
	}
}
