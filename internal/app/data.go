package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/iam/awsmanaged"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// Data is a node's state opened for an operator's admin command (gatehouse
// audit, gatehouse artifact, ...), without serving requests. It may be
// opened while the server runs on the same data directory: SQLite's WAL
// lets both read, and writes wait for each other.
type Data struct {
	Store               store.Store
	Keyring             *keyring.Keyring
	Credentials         *account.Credentials
	Directory           *iam.Directory
	Organizations       *organizations.Store
	ManagementAccountID string
}

// DataConfig locates a node's state.
type DataConfig struct {
	DataDir string
	// RootKeyFile is the root key's path; "" means <DataDir>/root.key
	// (GATEHOUSE_ROOT_KEY overrides both, as for serve).
	RootKeyFile string
}

// OpenData opens an existing data directory; it never bootstraps one.
func OpenData(ctx context.Context, cfg DataConfig) (*Data, error) {
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "gatehouse.db")); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s holds no gatehouse data; run gatehouse serve with --data-dir %s first", cfg.DataDir, cfg.DataDir)
		}
		return nil, err
	}
	keyFile := cfg.RootKeyFile
	if keyFile == "" {
		keyFile = filepath.Join(cfg.DataDir, "root.key")
	}
	if _, ok := os.LookupEnv("GATEHOUSE_ROOT_KEY"); !ok {
		// Never create a root key here: a new key would not open the
		// secrets sealed under the existing one.
		if _, err := os.Stat(keyFile); err != nil {
			return nil, fmt.Errorf("root key: %w (pass --root-key-file or set GATEHOUSE_ROOT_KEY)", err)
		}
	}
	kr, err := keyring.LoadOrCreate(keyFile)
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	mgmt, err := account.ManagementAccountID(ctx, st)
	if err != nil {
		return nil, errors.Join(err, st.Close())
	}
	creds := account.NewCredentials(st, kr)
	dir := iam.NewDirectory(st, kr, creds, awsmanaged.Policies())
	return &Data{Store: st, Keyring: kr, Credentials: creds, Directory: dir, Organizations: organizations.New(dir), ManagementAccountID: mgmt}, nil
}

// Close closes the store.
func (d *Data) Close() error { return d.Store.Close() }
