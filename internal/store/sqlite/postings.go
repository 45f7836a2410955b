package sqlite

import (
	"cmp"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/lookup"
)

// Posting lists are how the event log is searched (see the package
// documentation for the whole design). A posting list names the events of
// one account that have one value of one attribute (a group), each by its
// row number (seq) and its time, so that a lookup picks the events of a page
// without reading any event it does not return. Lists are written in two
// levels:
//
//   - Level 0: each batch adds one row to event_batches holding the lists
//     of all its groups (a batch index, see appendBatchIndex). That is one
//     row and a page or two per batch, appended at the end of the table.
//   - Level 1: when level 0 holds enough events, its lists are merged per
//     group, cut into runs (splitRuns) and appended to event_postings, and
//     level 0 is emptied, all in the transaction of the batch that filled
//     it. The table's index orders the runs by (account, attribute, value,
//     max time), so a lookup reads a group's newest runs by one range scan;
//     adding to it dirties an index page per group, which a merge pays once
//     for all the batches it merges instead of every batch.
//
// One row per group per batch in a table keyed by group, the obvious
// layout, was measured first: it dirties a page per group per batch, some
// 150 pages for 256 events, and nearly tripled the cost of appending.

// The attribute codes of posting lists, as stored in batch indexes and in
// event_postings.attr. They are part of the file format: never renumber
// them.
const (
	codeAll          = 0 // every event of the account; value ""
	codeEventName    = 1
	codeEventSource  = 2
	codeUsername     = 3
	codeAccessKeyID  = 4
	codeReadOnly     = 5 // value "true" or "false"
	codeResourceType = 6
	codeResourceName = 7
	numCodes         = 8
)

// attrCode is the code of the posting lists of each lookup attribute but
// AttrEventID: event ids are unique, and have an index of their own.
var attrCode = map[lookup.Attribute]int{
	lookup.AttrNone:         codeAll,
	lookup.AttrEventName:    codeEventName,
	lookup.AttrEventSource:  codeEventSource,
	lookup.AttrUsername:     codeUsername,
	lookup.AttrAccessKeyID:  codeAccessKeyID,
	lookup.AttrReadOnly:     codeReadOnly,
	lookup.AttrResourceType: codeResourceType,
	lookup.AttrResourceName: codeResourceName,
}

var errCorruptPostings = errors.New("corrupt posting list")

// posting is one entry of a posting list: an event's row number and time
// (Unix nanoseconds).
type posting struct {
	seq, time int64
}

// groupKey names one posting list.
type groupKey struct {
	account string
	code    int
	value   string
}

func compareGroupKeys(a, b groupKey) int {
	if c := strings.Compare(a.account, b.account); c != 0 {
		return c
	}
	if c := cmp.Compare(a.code, b.code); c != 0 {
		return c
	}
	return strings.Compare(a.value, b.value)
}

// A run is a posting list, or a piece of one, with its entries in
// ascending seq order:
//
//	uvarint count
//	per entry: uvarint seq - previous seq, varint time - previous time
//
// where the first entry's "previous" values are a base seq and a base time
// stored beside the run (the batch's or the row's). Time deltas are taken
// with wrap-around, which the decoder undoes, so any int64 times encode.
// Events are mostly appended in time order, so a delta takes a byte or
// two for the seq and two or three for the time.

// appendRun appends the encoding of run (seqs ascending, all >= baseSeq).
func appendRun(dst []byte, run []posting, baseSeq, baseTime int64) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(run)))
	prevSeq, prevTime := baseSeq, baseTime
	for _, p := range run {
		dst = binary.AppendUvarint(dst, uint64(p.seq-prevSeq))
		dst = binary.AppendVarint(dst, p.time-prevTime)
		prevSeq, prevTime = p.seq, p.time
	}
	return dst
}

// decodeRun appends the entries of the run at the start of src to dst and
// returns them with the rest of src. Seqs must come out strictly ascending
// (the first may equal baseSeq).
func decodeRun(dst []posting, src []byte, baseSeq, baseTime int64) ([]posting, []byte, error) {
	n, k := binary.Uvarint(src)
	// An entry takes at least two bytes.
	if k <= 0 || n > uint64(len(src)-k)/2 {
		return dst, nil, errCorruptPostings
	}
	src = src[k:]
	dst = slices.Grow(dst, int(n))
	seq, t := baseSeq, baseTime
	for i := range n {
		var d uint64
		if len(src) > 0 && src[0] < 0x80 {
			d, src = uint64(src[0]), src[1:] // most seq deltas are one byte
		} else if d, k = binary.Uvarint(src); k > 0 {
			src = src[k:]
		} else {
			return dst, nil, errCorruptPostings
		}
		if (d == 0 && i > 0) || d > math.MaxInt64-uint64(seq) {
			return dst, nil, errCorruptPostings
		}
		dt, k := binary.Varint(src)
		if k <= 0 {
			return dst, nil, errCorruptPostings
		}
		src = src[k:]
		seq += int64(d)
		t += dt
		dst = append(dst, posting{seq, t})
	}
	return dst, src, nil
}

// postingBuilder groups postings in memory: a batch's entries before its
// batch index is written (addEvent), or the runs of level 0 when they are
// merged into level 1 (addRun). It keeps its memory from one use to the
// next, since it runs for every batch.
type postingBuilder struct {
	groups []postingGroup
	// entries holds the postings of all groups, each group's chained
	// through next in the order they were added.
	entries []chainedPosting
	// refs holds, when merging level 0, the encoded runs of all groups,
	// chained the same way.
	refs []runRef

	accounts map[string]*accountGroups
	used     []*accountGroups // the accounts of groups, in order of first use
	last     *accountGroups   // the account of the previous call, usually the next one's
	order    []int32
}

type postingGroup struct {
	key        groupKey
	head, tail int32 // first and last of the group's chain, -1 when empty
	n          int   // length of the chain
	lastSeq    int64 // of the last entry added
}

type chainedPosting struct {
	posting
	next int32
}

// runRef is an encoded run of a batch index with the bases it is
// relative to.
type runRef struct {
	run               []byte
	baseSeq, baseTime int64
	next              int32
}

// accountGroups indexes the groups of one account by attribute and value.
type accountGroups struct {
	account  string
	inUse    bool
	all      int32 // index of the account's codeAll group, or -1
	readOnly [2]int32
	byValue  [numCodes]map[string]int32
}

func newPostingBuilder() *postingBuilder {
	return &postingBuilder{accounts: make(map[string]*accountGroups)}
}

// reset empties b, keeping its memory.
func (b *postingBuilder) reset() {
	clear(b.groups)
	b.groups = b.groups[:0]
	b.entries = b.entries[:0]
	clear(b.refs)
	b.refs = b.refs[:0]
	for _, a := range b.used {
		a.inUse = false
		a.all, a.readOnly = -1, [2]int32{-1, -1}
		for _, m := range a.byValue {
			clear(m)
		}
	}
	b.used = b.used[:0]
	if len(b.accounts) > 64 {
		// Do not keep every account ever seen.
		clear(b.accounts)
	}
	b.last = nil
}

// account returns the groups of account, which are new if it is.
func (b *postingBuilder) account(account string) *accountGroups {
	if b.last != nil && b.last.account == account {
		return b.last
	}
	a := b.accounts[account]
	if a == nil {
		a = &accountGroups{account: account, all: -1, readOnly: [2]int32{-1, -1}}
		b.accounts[account] = a
	}
	if !a.inUse {
		a.inUse = true
		b.used = append(b.used, a)
	}
	b.last = a
	return a
}

// accountBytes is account for a name read from a batch index.
func (b *postingBuilder) accountBytes(account []byte) *accountGroups {
	if b.last != nil && b.last.account == string(account) {
		return b.last
	}
	if a := b.accounts[string(account)]; a != nil && a.inUse {
		b.last = a
		return a
	}
	return b.account(string(account))
}

// group returns the index of the group (a, code, value), adding it if it
// is new. valueBytes, if not nil, is value as bytes read from a batch index,
// and value is then ignored: a group is looked up without converting it.
func (b *postingBuilder) group(a *accountGroups, code int, value string, valueBytes []byte) int32 {
	var slot *int32
	switch code {
	case codeAll:
		slot = &a.all
	case codeReadOnly:
		if valueBytes != nil {
			value = string(valueBytes)
		}
		i := 0
		if value == "true" {
			i = 1
		}
		slot = &a.readOnly[i]
	default:
		m := a.byValue[code]
		if m == nil {
			m = make(map[string]int32)
			a.byValue[code] = m
		}
		var i int32
		var ok bool
		if valueBytes != nil {
			i, ok = m[string(valueBytes)]
			value = string(valueBytes)
		} else {
			i, ok = m[value]
		}
		if !ok {
			i = b.newGroup(groupKey{a.account, code, value})
			m[value] = i
		}
		return i
	}
	if *slot < 0 {
		if valueBytes != nil {
			value = string(valueBytes)
		}
		*slot = b.newGroup(groupKey{a.account, code, value})
	}
	return *slot
}

func (b *postingBuilder) newGroup(key groupKey) int32 {
	b.groups = append(b.groups, postingGroup{key: key, head: -1, tail: -1, lastSeq: -1})
	return int32(len(b.groups) - 1)
}

// add appends p to a group. An event that names the same resource type or
// name twice is listed once: its entries arrive one after the other.
func (b *postingBuilder) add(a *accountGroups, code int, value string, p posting) {
	g := &b.groups[b.group(a, code, value, nil)]
	if g.n > 0 && g.lastSeq == p.seq {
		return
	}
	i := int32(len(b.entries))
	b.entries = append(b.entries, chainedPosting{p, -1})
	if g.tail >= 0 {
		b.entries[g.tail].next = i
	} else {
		g.head = i
	}
	g.tail = i
	g.n++
	g.lastSeq = p.seq
}

// addEvent lists an event under each of its attributes. Events must be
// added in ascending seq order.
func (b *postingBuilder) addEvent(e *store.EventRecord, p posting) {
	a := b.account(e.AccountID)
	b.add(a, codeAll, "", p)
	b.add(a, codeEventName, e.EventName, p)
	b.add(a, codeEventSource, e.EventSource, p)
	b.add(a, codeUsername, e.Username, p)
	b.add(a, codeAccessKeyID, e.AccessKeyID, p)
	ro := "false"
	if e.ReadOnly {
		ro = "true"
	}
	b.add(a, codeReadOnly, ro, p)
	for _, r := range e.Resources {
		b.add(a, codeResourceType, r.Type, p)
	}
	for _, r := range e.Resources {
		b.add(a, codeResourceName, r.Name, p)
	}
}

// addRun appends an encoded run to the group named by account, code and
// value (as read from a batch index); runs of a group must be added in
// ascending seq order.
func (b *postingBuilder) addRun(account []byte, code int, value []byte, run []byte, baseSeq, baseTime int64) {
	g := &b.groups[b.group(b.accountBytes(account), code, "", value)]
	i := int32(len(b.refs))
	b.refs = append(b.refs, runRef{run: run, baseSeq: baseSeq, baseTime: baseTime, next: -1})
	if g.tail >= 0 {
		b.refs[g.tail].next = i
	} else {
		g.head = i
	}
	g.tail = i
	g.n++
}

// list appends the entries of g (built by addEvent) to dst.
func (b *postingBuilder) list(dst []posting, g *postingGroup) []posting {
	for i := g.head; i >= 0; i = b.entries[i].next {
		dst = append(dst, b.entries[i].posting)
	}
	return dst
}

// decodeRuns appends the entries of g's runs (added by addRun) to dst.
func (b *postingBuilder) decodeRuns(dst []posting, g *postingGroup) ([]posting, error) {
	var err error
	for i := g.head; i >= 0; i = b.refs[i].next {
		r := &b.refs[i]
		if dst, _, err = decodeRun(dst, r.run, r.baseSeq, r.baseTime); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// sorted returns the indexes of the groups in key order: accounts in
// order, each account's attribute codes in order, and the values of each in
// order, so that only values of one attribute are ever compared.
func (b *postingBuilder) sorted() []int32 {
	b.order = b.order[:0]
	accounts := slices.Clone(b.used)
	slices.SortFunc(accounts, func(x, y *accountGroups) int { return strings.Compare(x.account, y.account) })
	var values []string
	for _, a := range accounts {
		for code := range numCodes {
			switch code {
			case codeAll:
				if a.all >= 0 {
					b.order = append(b.order, a.all)
				}
			case codeReadOnly: // "false" < "true"
				for _, i := range a.readOnly {
					if i >= 0 {
						b.order = append(b.order, i)
					}
				}
			default:
				m := a.byValue[code]
				values = values[:0]
				for v := range m {
					values = append(values, v)
				}
				slices.Sort(values)
				for _, v := range values {
					b.order = append(b.order, m[v])
				}
			}
		}
	}
	return b.order
}

// A batch index (the postings column of event_batches) holds every posting
// list of one batch, sorted by group so that a lookup finds its group by
// binary search:
//
//	uvarint group count n
//	n little-endian uint32 offsets of the groups' entries, counted from
//	  the end of the offset table
//	per group: string account, uvarint attribute code, string value, run
//
// The runs are relative to the batch's first seq and maximum time (columns
// of the row).

// appendBatchIndex appends the batch index of the groups of b (built by
// addEvent), using list as scratch space, which it returns.
func appendBatchIndex(dst []byte, b *postingBuilder, firstSeq, maxTime int64, list []posting) ([]byte, []posting) {
	order := b.sorted()
	dst = binary.AppendUvarint(dst, uint64(len(order)))
	table := len(dst)
	dst = append(dst, make([]byte, 4*len(order))...)
	start := len(dst)
	for i, gi := range order {
		g := &b.groups[gi]
		binary.LittleEndian.PutUint32(dst[table+4*i:], uint32(len(dst)-start))
		dst = appendString(dst, g.key.account)
		dst = binary.AppendUvarint(dst, uint64(g.key.code))
		dst = appendString(dst, g.key.value)
		list = b.list(list[:0], g)
		dst = appendRun(dst, list, firstSeq, maxTime)
	}
	return dst, list
}

// batchIndex is a decoded view of a batch index.
type batchIndex struct {
	n       int
	offsets []byte // n uint32s
	body    []byte
}

func parseBatchIndex(src []byte) (batchIndex, error) {
	r := recordReader{b: src}
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)/4) {
		return batchIndex{}, errCorruptPostings
	}
	return batchIndex{n: int(n), offsets: r.b[:4*n], body: r.b[4*n:]}, nil
}

// entry returns the key of group i and the bytes from its run on.
func (x batchIndex) entry(i int) (account []byte, code int, value, run []byte, err error) {
	off := binary.LittleEndian.Uint32(x.offsets[4*i:])
	if uint64(off) > uint64(len(x.body)) {
		return nil, 0, nil, nil, errCorruptPostings
	}
	r := recordReader{b: x.body[off:]}
	account = r.bytes()
	c := r.uvarint()
	value = r.bytes()
	if r.bad || c >= numCodes {
		return nil, 0, nil, nil, errCorruptPostings
	}
	return account, int(c), value, r.b, nil
}

// compareEntryKey compares the key of a batch index entry with key.
func compareEntryKey(account []byte, code int, value []byte, key groupKey) int {
	if c := strings.Compare(string(account), key.account); c != 0 {
		return c
	}
	if c := cmp.Compare(code, key.code); c != 0 {
		return c
	}
	return strings.Compare(string(value), key.value)
}

// find returns the run bytes of the group key (and what follows them), or
// nil if the batch has no such group.
func (x batchIndex) find(key groupKey) ([]byte, error) {
	lo, hi := 0, x.n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		account, code, value, _, err := x.entry(mid)
		if err != nil {
			return nil, err
		}
		if compareEntryKey(account, code, value, key) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == x.n {
		return nil, nil
	}
	account, code, value, run, err := x.entry(lo)
	if err != nil || compareEntryKey(account, code, value, key) != 0 {
		return nil, err
	}
	return run, nil
}

// splitRuns cuts a group's list (seqs ascending) into the runs stored in
// level 1: each run's times lie within one bucket of 2^shift nanoseconds,
// which bounds how far before a run's max time its events can be (see
// queryPostings), and a run has at most maxLen entries, which bounds what
// a lookup decodes to find a page. Within a run seqs stay ascending.
func splitRuns(list []posting, shift uint, maxLen int, emit func(run []posting) error) error {
	bucket := func(t int64) int64 { return t >> shift }
	mixed := false
	for _, p := range list[1:] {
		if bucket(p.time) != bucket(list[0].time) {
			mixed = true
			break
		}
	}
	if mixed {
		list = slices.Clone(list)
		slices.SortStableFunc(list, func(a, b posting) int { return cmp.Compare(bucket(a.time), bucket(b.time)) })
	}
	for len(list) > 0 {
		n := 1
		for n < len(list) && n < maxLen && bucket(list[n].time) == bucket(list[0].time) {
			n++
		}
		if err := emit(list[:n]); err != nil {
			return err
		}
		list = list[n:]
	}
	return nil
}

// timeBounds returns the least and greatest time in run.
func timeBounds(run []posting) (lo, hi int64) {
	lo, hi = math.MaxInt64, math.MinInt64
	for _, p := range run {
		lo, hi = min(lo, p.time), max(hi, p.time)
	}
	return lo, hi
}
