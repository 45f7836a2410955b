package kms

import (
	"sync"
	"time"
)

// KeyUse is the last cryptographic use of a key (GetKeyLastUsage).
type KeyUse struct {
	// Operation is the API operation (Encrypt, Decrypt, Sign, ...).
	Operation string
	At        time.Time
	// RequestID is the request's id (KmsRequestId).
	RequestID string
}

// usageKey names a key without building its ARN on the hot path.
type usageKey struct{ account, region, id string }

// usageTracker remembers each key's last cryptographic use since the node
// started: it is kept in memory (a use per request would otherwise be a
// write per request), so GetKeyLastUsage reports tracking from the node's
// start.
type usageTracker struct {
	mu    sync.Mutex
	since time.Time
	last  map[usageKey]KeyUse
}

// NoteUse records a cryptographic use of k.
func (s *Store) NoteUse(k *Key, operation, requestID string, at time.Time) {
	t := &s.usage
	t.mu.Lock()
	if t.last == nil {
		t.last = map[usageKey]KeyUse{}
	}
	t.last[usageKey{k.AccountID, k.Region, k.ID}] = KeyUse{Operation: operation, At: at, RequestID: requestID}
	t.mu.Unlock()
}

// LastUse returns k's last cryptographic use since TrackingSince, if any.
func (s *Store) LastUse(k *Key) (KeyUse, bool) {
	t := &s.usage
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.last[usageKey{k.AccountID, k.Region, k.ID}]
	return u, ok
}

// TrackingSince is when this node started tracking key use.
func (s *Store) TrackingSince() time.Time { return s.usage.since }
