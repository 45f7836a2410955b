package sigv4

import (
	"hash/maphash"
	"strings"
	"sync"
)

// The key cache is bounded: keyCacheShards shards of at most
// keyCacheShardSize entries each.
const (
	keyCacheShards    = 16
	keyCacheShardSize = 256
)

// keyCache keeps derived signing keys so that the hot path derives a key
// (four HMACs) once per access key, secret, day, region and service, and
// afterwards only looks it up.
//
// Entries are keyed by a hash of the secret as well as by the access key
// id, so a rotated or changed secret never reuses a stale key; the hash is
// a process-seeded maphash, which an attacker cannot aim collisions at,
// and the cache never holds the secret itself.
type keyCache struct {
	seed   maphash.Seed
	shards [keyCacheShards]keyCacheShard
}

type keyCacheShard struct {
	mu sync.RWMutex
	m  map[keyCacheKey]*signingKey
}

type keyCacheKey struct {
	accessKeyID, date, region, service string
	secret                             uint64
}

func newKeyCache() *keyCache {
	c := &keyCache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = make(map[keyCacheKey]*signingKey)
	}
	return c
}

// get returns the signing key for the credential scope and secret,
// deriving and caching it on a miss.
func (c *keyCache) get(secret []byte, cred *credential) *signingKey {
	h := maphash.Bytes(c.seed, secret)
	key := keyCacheKey{
		accessKeyID: cred.accessKeyID,
		date:        cred.date,
		region:      cred.region,
		service:     cred.service,
		secret:      h,
	}
	shard := &c.shards[h%keyCacheShards]
	shard.mu.RLock()
	sk, ok := shard.m[key]
	shard.mu.RUnlock()
	if ok {
		return sk
	}
	sk = deriveSigningKey(secret, cred.date, cred.region, cred.service)
	// The strings point into the request's headers or query; copy them so
	// the cache does not keep whole requests alive.
	key.accessKeyID = strings.Clone(key.accessKeyID)
	key.date = strings.Clone(key.date)
	key.region = strings.Clone(key.region)
	key.service = strings.Clone(key.service)
	shard.mu.Lock()
	if len(shard.m) >= keyCacheShardSize {
		// Evict an arbitrary entry; keys expire naturally as days pass,
		// so no recency bookkeeping is worth its cost here.
		for k := range shard.m {
			delete(shard.m, k)
			break
		}
	}
	shard.m[key] = sk
	shard.mu.Unlock()
	return sk
}

// len returns the number of cached keys (for tests).
func (c *keyCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
