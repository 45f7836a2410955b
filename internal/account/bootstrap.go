package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/store"
)

const (
	kindGatehouse       = "gatehouse"
	keyBootstrap        = "bootstrap"
	passwordSealPurpose = "console-password-hash"
	// CredentialsProfile is the shared-credentials profile of the bootstrap
	// root key.
	CredentialsProfile = "gatehouse-root"
	// DefaultRootEmail is the root user's email when none is configured.
	DefaultRootEmail = "root@gatehouse.local"
)

// BootstrapConfig configures the first start.
type BootstrapConfig struct {
	// AccountID is the management account id; "" means random.
	AccountID string
	// Email is the root user's email; "" means DefaultRootEmail.
	Email string
}

// bootstrapRecord remembers what the first start created.
type bootstrapRecord struct {
	ManagementAccountID string    `json:"managementAccountId"`
	RootAccessKeyID     string    `json:"rootAccessKeyId"`
	CreatedAt           time.Time `json:"createdAt"`
}

// RootCredentials are the secrets the first start creates, shown once.
type RootCredentials struct {
	AccountID       string
	Email           string
	Password        string
	AccessKeyID     string
	SecretAccessKey string
}

// Bootstrap makes sure the management account and its root user exist.
// On the first start it creates them and returns their credentials (the
// only time the secrets exist in plaintext outside memory); on later
// starts it returns nil and the existing management account id.
func Bootstrap(ctx context.Context, st store.Store, creds *Credentials, cfg BootstrapConfig) (managementID string, created *RootCredentials, err error) {
	var existing bootstrapRecord
	err = st.View(ctx, func(tx store.Tx) error {
		raw, err := tx.Get(kindGatehouse, keyBootstrap)
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, &existing)
	})
	switch {
	case err == nil:
		if cfg.AccountID != "" && cfg.AccountID != existing.ManagementAccountID {
			return "", nil, fmt.Errorf("account: the data directory belongs to management account %s, not the configured %s", existing.ManagementAccountID, cfg.AccountID)
		}
		return existing.ManagementAccountID, nil, nil
	case !errors.Is(err, store.ErrNotFound):
		return "", nil, fmt.Errorf("account: read bootstrap record: %w", err)
	}

	id := cfg.AccountID
	if id == "" {
		if id, err = NewAccountID(); err != nil {
			return "", nil, err
		}
	} else if !ValidAccountID(id) {
		return "", nil, fmt.Errorf("account: %q is not a 12-digit account id", id)
	}
	email := cfg.Email
	if email == "" {
		email = DefaultRootEmail
	}
	password, err := NewPassword()
	if err != nil {
		return "", nil, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return "", nil, err
	}
	sealedHash, err := creds.kr.Seal(passwordSealPurpose, []byte(hash), []byte(id))
	if err != nil {
		return "", nil, err
	}
	keyID, secret, err := NewKeyPair("AKIA")
	if err != nil {
		return "", nil, err
	}
	now := time.Now().UTC()
	acct := &Account{ID: id, Name: "management", Email: email, CreatedAt: now, RootPasswordSealed: sealedHash}
	key := &AccessKey{ID: keyID, AccountID: id, PrincipalType: identity.Root, ARN: acct.RootARN(), Status: StatusActive, CreatedAt: now}
	record, err := json.Marshal(bootstrapRecord{ManagementAccountID: id, RootAccessKeyID: keyID, CreatedAt: now})
	if err != nil {
		return "", nil, err
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Insert(kindGatehouse, keyBootstrap, record); err != nil {
			return err
		}
		if err := Put(tx, acct); err != nil {
			return err
		}
		return creds.PutAccessKey(tx, key, secret)
	})
	if err != nil {
		return "", nil, fmt.Errorf("account: store bootstrap: %w", err)
	}
	creds.Invalidate(keyID)
	return id, &RootCredentials{AccountID: id, Email: email, Password: password, AccessKeyID: keyID, SecretAccessKey: secret}, nil
}

// EnsureAccount creates an account with no credentials if it is absent (the
// dev-mode default account, whose root any access key stands for).
func EnsureAccount(ctx context.Context, st store.Store, id, name string) error {
	return st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(kindAccount, id); err == nil || !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return Put(tx, &Account{ID: id, Name: name, Email: DefaultRootEmail, CreatedAt: time.Now().UTC()})
	})
}

// ResetKeepingBootstrap wipes the store but keeps the management account,
// its root user and root access key, so that the root-credentials file stays
// valid after dev mode's reset.
func ResetKeepingBootstrap(ctx context.Context, st store.Store, creds *Credentials) error {
	type kept struct{ kind, key string }
	var keep []kept
	saved := map[kept][]byte{}
	err := st.View(ctx, func(tx store.Tx) error {
		raw, err := tx.Get(kindGatehouse, keyBootstrap)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		var rec bootstrapRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		keep = []kept{{kindGatehouse, keyBootstrap}, {kindAccount, rec.ManagementAccountID}, {kindAccessKey, rec.RootAccessKeyID}}
		for _, k := range keep {
			v, err := tx.Get(k.kind, k.key)
			if err != nil {
				return fmt.Errorf("account: read %s/%s before reset: %w", k.kind, k.key, err)
			}
			saved[k] = v
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := st.Reset(ctx); err != nil {
		return err
	}
	creds.InvalidateAll()
	if len(keep) == 0 {
		return nil
	}
	return st.Update(ctx, func(tx store.Tx) error {
		for _, k := range keep {
			if err := tx.Put(k.kind, k.key, saved[k]); err != nil {
				return err
			}
		}
		return nil
	})
}

// NewPassword returns a random 24-character console password with upper
// and lower case letters, digits and symbols, so that it satisfies any
// password policy IAM allows.
func NewPassword() (string, error) {
	classes := []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!@#$%^&*()-_=+"}
	all := strings.Join(classes, "")
	out := make([]byte, 0, 24)
	for _, class := range classes {
		c, err := pick(class)
		if err != nil {
			return "", err
		}
		out = append(out, c)
	}
	for len(out) < 24 {
		c, err := pick(all)
		if err != nil {
			return "", err
		}
		out = append(out, c)
	}
	// Shuffle so the class order is not predictable.
	for i := len(out) - 1; i > 0; i-- {
		var b [1]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		j := int(b[0]) % (i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

func pick(alphabet string) (byte, error) {
	var b [1]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return 0, err
		}
		// Rejection sampling keeps the choice uniform.
		if limit := 256 - 256%len(alphabet); int(b[0]) < limit {
			return alphabet[int(b[0])%len(alphabet)], nil
		}
	}
}

// argon2id parameters (RFC 9106's second recommended option, scaled to a
// laptop: 64 MiB, 3 passes).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns the argon2id hash of password as a PHC string.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	sum := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(sum)), nil
}

// CheckPassword reports whether password matches a PHC string made by
// HashPassword, comparing in constant time.
func CheckPassword(phc, password string) bool {
	var version, memory, iterations int
	var threads int
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &iterations, &threads); err != nil {
		return false
	}
	if memory <= 0 || memory > 1<<20 || iterations <= 0 || iterations > 16 || threads <= 0 || threads > 255 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, uint32(iterations), uint32(memory), uint8(threads), uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// CheckRootPassword reports whether password is the account's root console
// password.
func CheckRootPassword(kr *keyring.Keyring, a *Account, password string) bool {
	if len(a.RootPasswordSealed) == 0 {
		return false
	}
	phc, err := kr.Open(passwordSealPurpose, a.RootPasswordSealed, []byte(a.ID))
	if err != nil {
		return false
	}
	return CheckPassword(string(phc), password)
}

// WriteCredentialsFile writes the bootstrap root credentials to path in
// the AWS shared-credentials format under profile gatehouse-root, with the
// console email and password as comments, readable by the owner only. It
// refuses to overwrite an existing file.
func WriteCredentialsFile(path string, rc *RootCredentials) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("account: create %s: %w", path, err)
	}
	_, werr := fmt.Fprint(f, CredentialsFileText(rc))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// CredentialsFileText renders the root-credentials file. The region line
// lets the aws CLI and boto3, which merge the credentials file into their
// profiles, work with no other configuration.
func CredentialsFileText(rc *RootCredentials) string {
	return fmt.Sprintf(`# gatehouse root user of management account %s
# Console sign-in: email %s
# Console password: %s
# Use: AWS_SHARED_CREDENTIALS_FILE=<this file> AWS_PROFILE=%s aws --endpoint-url ... sts get-caller-identity
[%s]
aws_access_key_id = %s
aws_secret_access_key = %s
region = us-east-1
`, rc.AccountID, rc.Email, rc.Password, CredentialsProfile, CredentialsProfile, rc.AccessKeyID, rc.SecretAccessKey)
}

// ManagementAccountID returns the management account id the first start
// recorded.
func ManagementAccountID(ctx context.Context, st store.Store) (string, error) {
	var rec bootstrapRecord
	err := st.View(ctx, func(tx store.Tx) error {
		raw, err := tx.Get(kindGatehouse, keyBootstrap)
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, &rec)
	})
	if err != nil {
		return "", fmt.Errorf("account: read bootstrap record: %w", err)
	}
	return rec.ManagementAccountID, nil
}
