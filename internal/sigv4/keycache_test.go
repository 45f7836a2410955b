package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
)

// The signing key of AWS's documented example (secret
// wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830/us-east-1/iam).
func TestDeriveSigningKey(t *testing.T) {
	sk := deriveSigningKey([]byte("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), "20150830", "us-east-1", "iam")
	if got := hex.EncodeToString(sk.key[:]); got != "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9" {
		t.Errorf("kSigning = %s", got)
	}
	if sk.inner == nil || sk.outer == nil {
		t.Error("no saved HMAC states")
	}
	k := sk.key

	// sign agrees with crypto/hmac.
	msg := "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
	got := sk.sign(newStateHash(), nil, []byte(msg))
	m := hmac.New(sha256.New, k[:])
	m.Write([]byte(msg))
	if !hmac.Equal(got[:], m.Sum(nil)) {
		t.Error("sign disagrees with crypto/hmac")
	}
	// So does the fallback without a restorable hash.
	if fb := sk.sign(nil, nil, []byte(msg)); fb != got {
		t.Error("fallback disagrees")
	}
	if hex.EncodeToString(got[:]) != "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7" {
		t.Errorf("signature = %x", got)
	}
}

func TestKeyCache(t *testing.T) {
	c := newKeyCache()
	cred := credential{accessKeyID: "AKID", date: "20261127", region: "us-east-1", service: "sts"}
	a := c.get([]byte("secret1"), &cred)
	if c.get([]byte("secret1"), &cred) != a {
		t.Error("second lookup missed the cache")
	}
	// A changed secret for the same key id must not reuse the old key.
	b := c.get([]byte("secret2"), &cred)
	if b == a || b.key == a.key {
		t.Error("rotated secret reused the cached key")
	}
	cred2 := cred
	cred2.date = "20261128"
	if c.get([]byte("secret1"), &cred2) == a {
		t.Error("another day reused the cached key")
	}

	// The cache stays bounded.
	for i := range 2 * keyCacheShards * keyCacheShardSize {
		c.get(fmt.Appendf(nil, "s%d", i), &cred)
	}
	if n := c.len(); n > keyCacheShards*keyCacheShardSize {
		t.Errorf("cache holds %d keys", n)
	}
}

func TestKeyCacheConcurrent(t *testing.T) {
	c := newKeyCache()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				cred := credential{accessKeyID: fmt.Sprint("AKID", i%50), date: "20261127", region: "us-east-1", service: fmt.Sprint("svc", g%2)}
				secret := []byte(cred.accessKeyID)
				want := deriveSigningKey(secret, cred.date, cred.region, cred.service)
				if got := c.get(secret, &cred); got.key != want.key {
					t.Error("wrong key")
					return
				}
			}
		}()
	}
	wg.Wait()
}
