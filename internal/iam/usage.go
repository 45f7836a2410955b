package iam

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// This file tracks when access keys and roles were last used. Use happens
// on every request, so it is noted in memory and written to the store in
// batches (FlushUsage, run periodically and at shutdown): a request never
// waits for a write, and readers see the newest use at once because they
// consult memory first.

// KindAccessKeyUsage is keyed by access key id.
const KindAccessKeyUsage = "iam/key-usage"

// KeyUse is an access key's last use, as GetAccessKeyLastUsed reports it.
type KeyUse struct {
	Time    time.Time `json:"time"`
	Service string    `json:"service"`
	Region  string    `json:"region"`
}

type roleUse struct {
	accountID, name, region string
	time                    time.Time
}

type usageTracker struct {
	mu    sync.Mutex
	keys  map[string]KeyUse // unflushed key uses
	roles map[string]roleUse
}

// NoteAccessKeyUse records that a long-term access key was used.
func (d *Directory) NoteAccessKeyUse(keyID, service, region string, t time.Time) {
	u := &d.usage
	u.mu.Lock()
	if u.keys == nil {
		u.keys = make(map[string]KeyUse)
	}
	u.keys[keyID] = KeyUse{Time: t, Service: service, Region: region}
	u.mu.Unlock()
}

// NoteRoleUse records that a role was assumed (RoleLastUsed).
func (d *Directory) NoteRoleUse(accountID, roleName, region string, t time.Time) {
	u := &d.usage
	u.mu.Lock()
	if u.roles == nil {
		u.roles = make(map[string]roleUse)
	}
	u.roles[Key(accountID, roleName)] = roleUse{accountID: accountID, name: roleName, region: region, time: t}
	u.mu.Unlock()
}

// AccessKeyLastUsed returns the key's last use; found is false when it was
// never used.
func (d *Directory) AccessKeyLastUsed(ctx context.Context, keyID string) (use KeyUse, found bool, err error) {
	d.usage.mu.Lock()
	use, found = d.usage.keys[keyID]
	d.usage.mu.Unlock()
	if found {
		return use, true, nil
	}
	err = d.View(ctx, func(tx *Tx) error { return getJSON(tx, KindAccessKeyUsage, keyID, &use) })
	if errors.Is(err, ErrNoSuchEntity) {
		return KeyUse{}, false, nil
	}
	return use, err == nil, err
}

// RoleLastUsed returns the role's unflushed last use, if any; the stored
// Role record holds older ones.
func (d *Directory) RoleLastUsed(accountID, roleName string) (t time.Time, region string, ok bool) {
	d.usage.mu.Lock()
	defer d.usage.mu.Unlock()
	r, ok := d.usage.roles[Key(accountID, roleName)]
	return r.time, r.region, ok
}

// FlushUsage writes the noted uses to the store in one transaction. Uses
// noted while it runs are kept for the next flush.
func (d *Directory) FlushUsage(ctx context.Context) error {
	u := &d.usage
	u.mu.Lock()
	keys, roles := u.keys, u.roles
	u.keys, u.roles = nil, nil
	u.mu.Unlock()
	if len(keys) == 0 && len(roles) == 0 {
		return nil
	}
	// Role records change, so this is an IAM write (Update bumps the
	// generation); key usage is not, but shares the transaction.
	err := d.Update(ctx, func(tx *Tx) error {
		for id, use := range keys {
			if err := store.PutJSON(tx, KindAccessKeyUsage, id, use); err != nil {
				return err
			}
		}
		for _, use := range roles {
			r, err := tx.Role(use.accountID, use.name)
			if errors.Is(err, ErrNoSuchEntity) {
				continue // deleted since
			}
			if err != nil {
				return err
			}
			if use.time.After(r.LastUsedDate) {
				r.LastUsedDate, r.LastUsedRegion = use.time, use.region
				if err := tx.PutRole(r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		// Put them back (unless newer ones arrived) for the next attempt.
		u.mu.Lock()
		for id, use := range keys {
			if u.keys == nil {
				u.keys = make(map[string]KeyUse)
			}
			if _, newer := u.keys[id]; !newer {
				u.keys[id] = use
			}
		}
		for k, use := range roles {
			if u.roles == nil {
				u.roles = make(map[string]roleUse)
			}
			if _, newer := u.roles[k]; !newer {
				u.roles[k] = use
			}
		}
		u.mu.Unlock()
	}
	return err
}
