package keyring

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// sameKey reports whether two keyrings hold the same current root key, by
// opening with one what the other sealed.
func sameKey(t *testing.T, a, b *Keyring) bool {
	t.Helper()
	blob, err := a.Seal(purpose, []byte("probe"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Open(purpose, blob, nil)
	return err == nil
}

func TestLoadOrCreateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets", "root.key")
	k1, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != RootKeySize {
		t.Errorf("key file is %d bytes, want %d", fi.Size(), RootKeySize)
	}
	if runtime.GOOS != "windows" {
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("key file mode %04o, want 0600", perm)
		}
		di, _ := os.Stat(filepath.Dir(path))
		if perm := di.Mode().Perm(); perm != 0o700 {
			t.Errorf("key directory mode %04o, want 0700", perm)
		}
	}
	// No temporary file is left behind.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("key directory holds %d entries, want only the key file", len(entries))
	}
	k2, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if !sameKey(t, k1, k2) {
		t.Fatal("reloading the key file gave another key")
	}
}

func TestLoadOrCreateConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "root.key")
	const n = 16
	keyrings := make([]*Keyring, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k, err := LoadOrCreate(path)
			if err != nil {
				t.Error(err)
				return
			}
			keyrings[i] = k
		})
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		if keyrings[i] != nil && !sameKey(t, keyrings[0], keyrings[i]) {
			t.Fatalf("concurrent creators ended up with different keys (%d)", i)
		}
	}
}

func TestLoadOrCreateRefusesOpenPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX permissions")
	}
	path := filepath.Join(t.TempDir(), "root.key")
	if _, err := LoadOrCreate(path); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660, 0o644, 0o610, 0o601} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadOrCreate(path)
		if err == nil {
			t.Fatalf("mode %04o accepted", mode)
		}
		if msg := err.Error(); !strings.Contains(msg, "chmod 600") || !strings.Contains(msg, path) {
			t.Errorf("mode %04o: error %q does not say how to fix it", mode, msg)
		}
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(path); err != nil {
		t.Errorf("mode 0400 refused: %v", err)
	}
}

func TestLoadOrCreateBadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := map[string]string{
		"short":  write("short", make([]byte, 31)),
		"long":   write("long", bytes.Repeat([]byte{1}, 33)),
		"base64": write("b64", []byte(base64.StdEncoding.EncodeToString(newKey(t))+"\n")),
		"empty":  write("empty", nil),
		"zero":   write("zero", make([]byte, RootKeySize)),
	}
	sub := filepath.Join(dir, "adir")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	cases["directory"] = sub
	for name, path := range cases {
		if _, err := LoadOrCreate(path); err == nil {
			t.Errorf("%s key file accepted", name)
		} else if !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
	// A bad existing file is never replaced by a new key.
	data, _ := os.ReadFile(cases["short"])
	if len(data) != 31 {
		t.Error("the short key file was overwritten")
	}
}

func TestLoadOrCreateEnv(t *testing.T) {
	key := newKey(t)
	path := filepath.Join(t.TempDir(), "root.key")
	fromKey := newKeyring(t, key)
	for name, value := range map[string]string{
		"std":        base64.StdEncoding.EncodeToString(key),
		"raw":        base64.RawStdEncoding.EncodeToString(key),
		"url":        base64.URLEncoding.EncodeToString(key),
		"whitespace": " " + base64.StdEncoding.EncodeToString(key) + "\n",
	} {
		t.Setenv(EnvRootKey, value)
		k, err := LoadOrCreate(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !sameKey(t, k, fromKey) {
			t.Fatalf("%s: keyring does not hold the key from the environment", name)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("a key file was created although the key came from the environment")
	}

	// The variable wins over an existing file.
	t.Setenv(EnvRootKey, "")
	os.Unsetenv(EnvRootKey)
	fileKeyring, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvRootKey, base64.StdEncoding.EncodeToString(key))
	k, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if !sameKey(t, k, fromKey) || sameKey(t, k, fileKeyring) {
		t.Fatal("the environment variable did not take precedence over the key file")
	}
}

func TestLoadOrCreateBadEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "root.key")
	secretish := base64.StdEncoding.EncodeToString(newKey(t)[:16])
	for name, value := range map[string]string{
		"empty":     "",
		"blank":     "   ",
		"not b64":   "this is not base64 at all!!",
		"too short": secretish,
		"too long":  base64.StdEncoding.EncodeToString(make([]byte, 48)),
		"all zero":  base64.StdEncoding.EncodeToString(make([]byte, RootKeySize)),
	} {
		t.Setenv(EnvRootKey, value)
		_, err := LoadOrCreate(path)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.TrimSpace(value) != "" && strings.Contains(err.Error(), strings.TrimSpace(value)) {
			t.Errorf("%s: error %q repeats the variable's value", name, err)
		}
		if !strings.Contains(err.Error(), EnvRootKey) && name != "all zero" {
			t.Errorf("%s: error %q does not name the variable", name, err)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("a bad variable fell back to creating a key file")
	}
}
