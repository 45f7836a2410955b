// Package store is gatehouse's one storage interface. Every service keeps its
// state through it, so the embedded SQLite default and a later PostgreSQL
// implementation (several nodes behind a load balancer) are interchangeable
// without touching services.
//
// The model is deliberately small: named kinds of items (a kind is a table of
// sorts, such as "iam/user" or "kms/key"), each a map from a string key to an
// opaque value (services store JSON), changed only inside transactions; plus an
// append-only audit event log with the indexes CloudTrail's LookupEvents needs.
// Secondary indexes are items too, written in the same transaction as the item
// they point at.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by Tx.Get and Tx.Delete when the key is absent.
var ErrNotFound = errors.New("store: item not found")

// ErrExists is returned by Tx.Insert when the key is already present.
var ErrExists = errors.New("store: item already exists")

// Store is a transactional item store plus the audit event log.
//
// Update runs fn in a read-write transaction and commits it durably before it
// returns nil: an acknowledged write survives a crash (SIGKILL, power loss on a
// synced disk). If fn returns an error the transaction is rolled back and that
// error is returned unchanged. View runs fn in a read-only snapshot.
type Store interface {
	View(ctx context.Context, fn func(Tx) error) error
	Update(ctx context.Context, fn func(Tx) error) error

	// AppendEvents writes audit events durably, in one transaction.
	AppendEvents(ctx context.Context, events []EventRecord) error
	// QueryEvents returns events matching q, newest first, at most q.Limit of
	// them, and a token for the next page ("" when there is none).
	QueryEvents(ctx context.Context, q EventQuery) (events []EventRecord, nextToken string, err error)

	// Reset deletes every item and every event (dev mode's /moto-api/reset).
	Reset(ctx context.Context) error
	// Close flushes and closes the store; the store is unusable afterwards.
	Close() error
}

// Tx is one transaction. Its methods must not be used after the function given
// to View or Update has returned.
type Tx interface {
	// Get returns the value stored under kind/key or ErrNotFound.
	Get(kind, key string) ([]byte, error)
	// Put creates or replaces kind/key.
	Put(kind, key string, value []byte) error
	// Insert creates kind/key, or returns ErrExists if it is present.
	Insert(kind, key string, value []byte) error
	// Delete removes kind/key, or returns ErrNotFound if it is absent.
	Delete(kind, key string) error
	// List returns the items of kind whose keys start with prefix and sort
	// strictly after startAfter (byte order), in key order, at most limit of
	// them (limit <= 0 means no limit).
	List(kind, prefix, startAfter string, limit int) ([]Item, error)
}

// Item is one stored key and value.
type Item struct {
	Key   string
	Value []byte
}

// EventRecord is one audit event as stored: the indexed attributes that
// LookupEvents filters on, and the full CloudTrail event JSON.
type EventRecord struct {
	EventID     string
	EventTime   time.Time
	EventName   string
	EventSource string
	Username    string
	AccessKeyID string
	ReadOnly    bool
	AccountID   string
	Resources   []EventResource
	// JSON is the whole CloudTrail record (the CloudTrailEvent string).
	JSON []byte
}

// EventResource is one resource an event touched.
type EventResource struct {
	Type string
	Name string
}

// EventQuery selects audit events. Zero fields do not filter. At most one
// attribute filter is used, as in CloudTrail LookupEvents.
type EventQuery struct {
	// AccountID restricts events to those recorded for one account.
	AccountID string
	StartTime time.Time // inclusive
	EndTime   time.Time // inclusive
	// Attribute is one of EventId, EventName, ReadOnly, Username,
	// ResourceType, ResourceName, EventSource, AccessKeyId.
	Attribute string
	Value     string
	Limit     int
	// NextToken continues a previous query; it is opaque to callers.
	NextToken string
}
