package keyring

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

func newKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, RootKeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func newKeyring(t testing.TB, key []byte, retired ...[]byte) *Keyring {
	t.Helper()
	k, err := New(key, retired...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const purpose = "access-key-secret"

func TestRoundTrip(t *testing.T) {
	k := newKeyring(t, newKey(t))
	for _, size := range []int{0, 1, 15, 16, 17, 40, 4096, 1 << 20} {
		pt := make([]byte, size)
		rand.Read(pt)
		aad := []byte("iam/access-key/AKIAEXAMPLE")
		blob, err := k.Seal(purpose, pt, aad)
		if err != nil {
			t.Fatal(err)
		}
		if len(blob) != size+Overhead {
			t.Errorf("size %d: blob is %d bytes, want %d", size, len(blob), size+Overhead)
		}
		if blob[0] != blobVersion {
			t.Errorf("blob version byte %d, want %d", blob[0], blobVersion)
		}
		if size >= 16 && bytes.Contains(blob, pt) {
			t.Errorf("size %d: blob contains the plaintext", size)
		}
		got, err := k.Open(purpose, blob, aad)
		if err != nil {
			t.Fatalf("size %d: Open: %v", size, err)
		}
		if !bytes.Equal(got, pt) || got == nil {
			t.Fatalf("size %d: Open returned other bytes", size)
		}
	}
	// nil and empty additional data are the same.
	blob, _ := k.Seal(purpose, []byte("x"), nil)
	if _, err := k.Open(purpose, blob, []byte{}); err != nil {
		t.Errorf("nil vs empty aad: %v", err)
	}
}

// TestTampering flips every bit of a blob, truncates it at every length and
// extends it: each must fail with ErrDecrypt.
func TestTampering(t *testing.T) {
	k := newKeyring(t, newKey(t))
	aad := []byte("kind/key")
	blob, err := k.Seal(purpose, []byte("the secret access key value"), aad)
	if err != nil {
		t.Fatal(err)
	}
	for i := range blob {
		for bit := range 8 {
			b := bytes.Clone(blob)
			b[i] ^= 1 << bit
			if pt, err := k.Open(purpose, b, aad); !errors.Is(err, ErrDecrypt) || pt != nil {
				t.Fatalf("byte %d bit %d flipped: Open = %q, %v; want ErrDecrypt", i, bit, pt, err)
			}
		}
	}
	for n := range len(blob) {
		if _, err := k.Open(purpose, blob[:n], aad); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("truncated to %d bytes: %v, want ErrDecrypt", n, err)
		}
	}
	if _, err := k.Open(purpose, append(bytes.Clone(blob), 0), aad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("extended: %v, want ErrDecrypt", err)
	}
	if _, err := k.Open(purpose, nil, aad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("nil blob: %v, want ErrDecrypt", err)
	}
	// The original still opens: nothing above changed it.
	if _, err := k.Open(purpose, blob, aad); err != nil {
		t.Fatal(err)
	}
}

func TestWrongContext(t *testing.T) {
	k := newKeyring(t, newKey(t))
	blob, err := k.Seal(purpose, []byte("secret"), []byte("user/alice"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func() ([]byte, error){
		"other aad":       func() ([]byte, error) { return k.Open(purpose, blob, []byte("user/bob")) },
		"aad prefix":      func() ([]byte, error) { return k.Open(purpose, blob, []byte("user/alic")) },
		"no aad":          func() ([]byte, error) { return k.Open(purpose, blob, nil) },
		"other purpose":   func() ([]byte, error) { return k.Open("console-password-hash", blob, []byte("user/alice")) },
		"other root key":  func() ([]byte, error) { return newKeyring(t, newKey(t)).Open(purpose, blob, []byte("user/alice")) },
		"purpose changed": func() ([]byte, error) { return k.Open(purpose+"x", blob, []byte("user/alice")) },
	}
	for name, open := range cases {
		if pt, err := open(); !errors.Is(err, ErrDecrypt) || pt != nil {
			t.Errorf("%s: Open = %q, %v; want ErrDecrypt", name, pt, err)
		}
	}
	// A blob whose purpose tag was rewritten to the other purpose still
	// fails: the tag is authenticated and the key differs.
	other := bytes.Clone(blob)
	tag := purposeTag("console-password-hash")
	copy(other[1+keyIDLen:], tag[:])
	if _, err := k.Open("console-password-hash", other, []byte("user/alice")); !errors.Is(err, ErrDecrypt) {
		t.Errorf("retagged blob: %v, want ErrDecrypt", err)
	}
}

func TestPurposeKeysDiffer(t *testing.T) {
	k := newKeyring(t, newKey(t))
	a, err := k.current.aead("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.current.aead("b")
	if err != nil {
		t.Fatal(err)
	}
	// Each AEAD opens only what it sealed.
	sealed := a.Seal(nil, nil, []byte("same"), nil)
	if _, err := b.Open(nil, nil, sealed, nil); err == nil {
		t.Fatal("two purposes derived the same key")
	}
	if _, err := a.Open(nil, nil, sealed, nil); err != nil {
		t.Fatal(err)
	}
	// The derived AEAD is cached.
	a2, _ := k.current.aead("a")
	if a2 != a {
		t.Error("purpose key derived again instead of cached")
	}
}

func TestNonceUniqueness(t *testing.T) {
	k := newKeyring(t, newKey(t))
	const n = 100000
	seen := make(map[[nonceSize]byte]bool, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range n / 4 {
				blob, err := k.Seal(purpose, []byte("same plaintext"), []byte("same aad"))
				if err != nil {
					t.Error(err)
					return
				}
				nonce := [nonceSize]byte(blob[headerSize : headerSize+nonceSize])
				mu.Lock()
				dup := seen[nonce]
				seen[nonce] = true
				mu.Unlock()
				if dup {
					t.Errorf("nonce %x used twice", nonce)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d distinct nonces for %d seals", len(seen), n)
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKeyBytes := newKey(t), newKey(t)
	old := newKeyring(t, oldKey)
	oldBlob, err := old.Seal(purpose, []byte("sealed long ago"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	rotated := newKeyring(t, newKeyBytes, oldKey)
	pt, err := rotated.Open(purpose, oldBlob, []byte("aad"))
	if err != nil || string(pt) != "sealed long ago" {
		t.Fatalf("rotated keyring opening an old blob: %q, %v", pt, err)
	}
	if !rotated.NeedsReseal(oldBlob) {
		t.Error("NeedsReseal(old blob) = false")
	}
	newBlob, err := rotated.Seal(purpose, pt, []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	if rotated.NeedsReseal(newBlob) {
		t.Error("NeedsReseal(new blob) = true")
	}
	// The old keyring cannot open what the new key sealed.
	if _, err := old.Open(purpose, newBlob, []byte("aad")); !errors.Is(err, ErrDecrypt) {
		t.Errorf("old keyring opening a new blob: %v, want ErrDecrypt", err)
	}
	// Once the old key is dropped, old blobs no longer open.
	if _, err := newKeyring(t, newKeyBytes).Open(purpose, oldBlob, []byte("aad")); !errors.Is(err, ErrDecrypt) {
		t.Errorf("after dropping the old key: %v, want ErrDecrypt", err)
	}
	// Listing the current key as retired too is harmless.
	if _, err := New(newKeyBytes, newKeyBytes); err != nil {
		t.Errorf("current key also listed as retired: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, key := range [][]byte{nil, make([]byte, 16), make([]byte, 33), make([]byte, RootKeySize)} {
		if _, err := New(key); err == nil {
			t.Errorf("New accepted a %d-byte key %x", len(key), key)
		}
	}
	if _, err := New(newKey(t), make([]byte, 5)); err == nil {
		t.Error("New accepted a bad retired key")
	}
	// The keyring keeps a copy: changing the caller's slice changes nothing.
	key := newKey(t)
	k := newKeyring(t, key)
	blob, _ := k.Seal(purpose, []byte("x"), nil)
	clear(key)
	if _, err := k.Open(purpose, blob, nil); err != nil {
		t.Errorf("after the caller cleared its key: %v", err)
	}
}

func TestPurposeValidation(t *testing.T) {
	k := newKeyring(t, newKey(t))
	for _, p := range []string{"", "has space", "tab\t", "nul\x00", "é", strings.Repeat("p", 256)} {
		if _, err := k.Seal(p, []byte("x"), nil); err == nil {
			t.Errorf("Seal accepted purpose %q", p)
		}
		if _, err := k.Open(p, make([]byte, 64), nil); err == nil {
			t.Errorf("Open accepted purpose %q", p)
		}
	}
	var zero Keyring
	if _, err := zero.Seal(purpose, nil, nil); err == nil {
		t.Error("zero Keyring sealed")
	}
	var nilKeyring *Keyring
	if _, err := nilKeyring.Open(purpose, nil, nil); err == nil {
		t.Error("nil Keyring opened")
	}
}

// TestNoSecretsInOutput formats the keyring every way a log line might and
// collects every error message, and looks for the key and the plaintext in
// any encoding.
func TestNoSecretsInOutput(t *testing.T) {
	key := newKey(t)
	k := newKeyring(t, key, newKey(t))
	secret := []byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	blob, _ := k.Seal(purpose, secret, []byte("aad"))
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out = append(out, fmt.Sprintf(verb, k))
	}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "keyring", k)
	out = append(out, logged.String())
	errorsOf := func(_ []byte, err error) {
		if err != nil {
			out = append(out, err.Error())
		}
	}
	errorsOf(k.Open(purpose, blob, []byte("wrong")))
	errorsOf(k.Open("other", blob, []byte("aad")))
	errorsOf(k.Open(purpose, blob[:10], []byte("aad")))
	errorsOf(newKeyring(t, newKey(t)).Open(purpose, blob, []byte("aad")))
	for _, s := range out {
		for _, leak := range [][]byte{key, secret, k.current.secret} {
			for _, enc := range []string{string(leak), hex.EncodeToString(leak), base64.StdEncoding.EncodeToString(leak),
				base64.RawStdEncoding.EncodeToString(leak), fmt.Sprint(leak), fmt.Sprintf("%x", leak)} {
				if strings.Contains(s, enc) {
					t.Fatalf("output %q contains secret material", s)
				}
			}
		}
	}
}

func BenchmarkSeal(b *testing.B) {
	k := newKeyring(b, newKey(b))
	pt := make([]byte, 40)
	aad := []byte("iam/access-key/AKIAEXAMPLE")
	for b.Loop() {
		if _, err := k.Seal(purpose, pt, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	k := newKeyring(b, newKey(b))
	aad := []byte("iam/access-key/AKIAEXAMPLE")
	blob, _ := k.Seal(purpose, make([]byte, 40), aad)
	for b.Loop() {
		if _, err := k.Open(purpose, blob, aad); err != nil {
			b.Fatal(err)
		}
	}
}
