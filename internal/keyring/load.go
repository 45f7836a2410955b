package keyring

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// EnvRootKey is the environment variable that carries the root key, base64
// of RootKeySize bytes, for deployments that inject secrets through the
// environment. When it is set it takes precedence over the key file.
const EnvRootKey = "GATEHOUSE_ROOT_KEY"

// LoadOrCreate returns a keyring with the root key from the environment
// variable GATEHOUSE_ROOT_KEY if it is set, and otherwise from the file at
// path: RootKeySize raw bytes, which it creates (mode 0600, in a directory
// created with mode 0700) with a fresh random key if the file does not exist.
//
// A key file that group or other may access is refused, with an error that
// says how to fix it: the root key protects every secret in the database,
// and a key readable by other users is a key that was shared. A variable that
// is set but empty is refused too, rather than quietly falling back to (or
// creating) a key file that would not be the intended key.
//
// Error messages never contain key material.
func LoadOrCreate(path string) (*Keyring, error) {
	if v, ok := os.LookupEnv(EnvRootKey); ok {
		key, err := decodeEnvKey(v)
		if err != nil {
			return nil, err
		}
		defer clear(key)
		return New(key)
	}
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(path)
	}
	if err != nil {
		return nil, err
	}
	defer clear(key)
	k, err := New(key)
	if err != nil {
		return nil, fmt.Errorf("keyring: root key file %s: %w", path, err)
	}
	return k, nil
}

// decodeEnvKey decodes the variable's value: standard or URL-safe base64,
// padded or not, surrounding whitespace ignored. The value itself never
// appears in an error.
func decodeEnvKey(v string) ([]byte, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, fmt.Errorf("keyring: %s is set but empty; set it to the base64 of %d random bytes (openssl rand -base64 %d) or unset it to use the key file",
			EnvRootKey, RootKeySize, RootKeySize)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		key, err := enc.DecodeString(v)
		if err != nil {
			continue
		}
		if len(key) != RootKeySize {
			clear(key)
			return nil, fmt.Errorf("keyring: %s decodes to %d bytes, want %d", EnvRootKey, len(key), RootKeySize)
		}
		return key, nil
	}
	return nil, fmt.Errorf("keyring: %s is not valid base64", EnvRootKey)
}

// readKeyFile reads the key file, checking its type and permissions on the
// open file so that what is checked is what is read.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("keyring: open root key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keyring: stat root key file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("keyring: root key file %s is not a regular file", path)
	}
	if err := checkPrivate(path, fi.Mode()); err != nil {
		return nil, err
	}
	// One byte more than a key, to tell a longer file from a key.
	key, err := io.ReadAll(io.LimitReader(f, RootKeySize+1))
	if err != nil {
		return nil, fmt.Errorf("keyring: read root key file %s: %w", path, err)
	}
	if len(key) != RootKeySize {
		size := fmt.Sprint(len(key))
		if len(key) > RootKeySize {
			size = "more than " + fmt.Sprint(RootKeySize)
		}
		clear(key)
		return nil, fmt.Errorf("keyring: root key file %s holds %s bytes, want exactly %d raw bytes", path, size, RootKeySize)
	}
	return key, nil
}

// checkPrivate refuses a key file that group or other may read, write or
// execute. Windows has no such mode bits (Go reports 0666 or 0444 from the
// read-only attribute), and access there is governed by ACLs, so the check
// does not apply.
func checkPrivate(path string, mode fs.FileMode) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	if perm := mode.Perm(); perm&0o077 != 0 {
		return fmt.Errorf("keyring: root key file %s has mode %04o, so group or other users may access it; "+
			"the root key must be private to gatehouse's user: run chmod 600 %s (and check who may have copied it)",
			path, perm, path)
	}
	return nil
}

// createKeyFile writes a new random key to path without ever exposing a
// partial file there: the key goes to a temporary file in the same directory
// that is synced and then hard-linked into place. Linking fails if path
// exists, so when two processes race, one key wins and both use it.
func createKeyFile(path string) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("keyring: create directory for root key file: %w", err)
	}
	key := make([]byte, RootKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("keyring: generate root key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".gatehouse-root-key-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("keyring: create root key file: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	_, err = tmp.Write(key)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		clear(key)
		return nil, fmt.Errorf("keyring: write root key file: %w", err)
	}
	if err := os.Link(tmpName, path); err != nil {
		clear(key)
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path) // another process created it first
		}
		return nil, fmt.Errorf("keyring: create root key file: %w", err)
	}
	syncDir(dir)
	return key, nil
}

// syncDir makes a new directory entry durable. It is best effort: some
// platforms cannot sync a directory, and the key file itself is synced.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}
