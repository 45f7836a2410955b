package catalog

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// The embedded catalog is decoded lazily: the first lookup indexes the
// sections of catalogText, each service's section is parsed on its first
// use, and the catalog-wide condition-key table on the first ConditionKey
// call. The text is generated and checked by the tests (which parse every
// section), so a parse failure here means a corrupt build and panics.

// catalogIndex locates the sections of the catalog text.
type catalogIndex struct {
	keys     string                   // the condition-key table's records
	services []*serviceEntry          // by prefix
	byPrefix map[string]*serviceEntry // by prefix (prefixes are lower case)
}

// serviceEntry is one service's section and, once parsed, its ServiceInfo.
type serviceEntry struct {
	prefix  string
	name    string
	section string // the service's records, its S record first
	once    sync.Once
	info    *ServiceInfo
}

// load returns the parsed service, parsing it on first use.
func (e *serviceEntry) load() *ServiceInfo {
	e.once.Do(func() {
		info, err := parseService(e.section)
		if err != nil {
			panic(fmt.Sprintf("catalog: embedded data for service %s: %v", e.prefix, err))
		}
		e.info = info
	})
	return e.info
}

// index is the index of the embedded catalog once built; indexOnce builds
// it. Lookups check the pointer first, which is cheaper than a call
// through sync.Once on every lookup.
var (
	index     atomic.Pointer[catalogIndex]
	indexOnce sync.Once
)

// loadIndex returns the index of the embedded catalog.
func loadIndex() *catalogIndex {
	if idx := index.Load(); idx != nil {
		return idx
	}
	return buildIndex()
}

// buildIndex indexes the embedded catalog, once.
func buildIndex() *catalogIndex {
	indexOnce.Do(func() {
		idx, err := indexCatalog(catalogText)
		if err != nil {
			panic("catalog: embedded data: " + err.Error())
		}
		index.Store(idx)
	})
	return index.Load()
}

// loadGlobalKeys returns the catalog-wide condition-key index.
var loadGlobalKeys = sync.OnceValue(func() *keyIndex {
	keys, err := parseKeyTable(loadIndex().keys)
	if err != nil {
		panic("catalog: embedded condition keys: " + err.Error())
	}
	x := newKeyIndex(keys)
	return &x
})

// actionRef locates an action: its service and its position in the
// service's Actions.
type actionRef struct {
	entry *serviceEntry
	i     int
}

// actionIndex maps every full action name, lower-cased ("kms:encrypt"), to
// its action, once built by actionIndexOnce on the first Action call. One
// map lookup per Action call (rather than one for the service and one for
// the action) is what keeps it at a few tens of nanoseconds; building the
// map costs about 15 ms and 2 MB, once.
var (
	actionIndex     atomic.Pointer[map[string]actionRef]
	actionIndexOnce sync.Once
)

// loadActionIndex returns the index of all action names.
func loadActionIndex() map[string]actionRef {
	if m := actionIndex.Load(); m != nil {
		return *m
	}
	actionIndexOnce.Do(func() {
		m := indexActionNames(loadIndex())
		actionIndex.Store(&m)
	})
	return *actionIndex.Load()
}

// loadedService returns the parsed service with the lower-cased prefix.
func loadedService(lowerPrefix []byte) (*ServiceInfo, bool) {
	e, ok := loadIndex().byPrefix[string(lowerPrefix)]
	if !ok {
		return nil, false
	}
	return e.load(), true
}
