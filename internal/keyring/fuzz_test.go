package keyring

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzKey is a fixed root key so that the seed corpus stays meaningful.
var fuzzKey = bytes.Repeat([]byte{0x5a}, RootKeySize)

// FuzzOpen feeds arbitrary blobs, purposes and additional data to Open. It
// must never panic, must fail with ErrDecrypt (or a purpose error) for
// anything it did not seal, and must open what it sealed.
func FuzzOpen(f *testing.F) {
	k, err := New(fuzzKey)
	if err != nil {
		f.Fatal(err)
	}
	valid, err := k.Seal(purpose, []byte("secret"), []byte("aad"))
	if err != nil {
		f.Fatal(err)
	}
	empty, _ := k.Seal(purpose, nil, nil)
	f.Add(valid, purpose, []byte("aad"))
	f.Add(empty, purpose, []byte(nil))
	f.Add(valid[:Overhead-1], purpose, []byte("aad"))
	f.Add(valid[:Overhead], purpose, []byte("aad"))
	f.Add([]byte{}, purpose, []byte{})
	f.Add([]byte{blobVersion}, purpose, []byte{})
	f.Add(append([]byte{2}, valid[1:]...), purpose, []byte("aad"))
	f.Add(valid, "other-purpose", []byte("aad"))
	f.Add(valid, "", []byte("aad"))
	f.Add(bytes.Repeat([]byte{0xff}, 64), purpose, []byte("aad"))

	f.Fuzz(func(t *testing.T, blob []byte, p string, aad []byte) {
		pt, err := k.Open(p, blob, aad)
		if err != nil {
			if pt != nil {
				t.Fatal("Open returned plaintext with an error")
			}
			if validPurpose(p) == nil && !errors.Is(err, ErrDecrypt) {
				t.Fatalf("Open failed with %v, not ErrDecrypt", err)
			}
			return
		}
		// Open succeeded: the input must be an authentic blob, which for
		// fuzzed input means one of the seeds with its own purpose and aad.
		// (Each fuzz worker seals its seeds afresh, with other nonces, so
		// the check is on what they hold rather than on their bytes.)
		isValid := p == purpose && string(pt) == "secret" && string(aad) == "aad"
		isEmpty := p == purpose && len(pt) == 0 && len(aad) == 0
		if !isValid && !isEmpty {
			t.Fatalf("Open accepted a blob it never sealed: %x", blob)
		}
		// And sealing works for any valid purpose and aad.
		sealed, err := k.Seal(p, blob, aad)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := k.Open(p, sealed, aad); err != nil || !bytes.Equal(back, blob) {
			t.Fatalf("round trip failed: %v", err)
		}
	})
}
