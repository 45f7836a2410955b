// Package kms keeps AWS KMS's state and does its cryptography: customer
// managed keys of every key spec with their key material (sealed under
// gatehouse's root key at rest, never logged, never returned except where
// AWS returns it: public keys and data keys), key policies, aliases,
// grants, rotations, multi-Region replicas and imported key material. The
// KMS API (internal/service/kms) is a thin layer over it; the authorizer
// reads key policies and grants through it (resolver.go).
package kms

import "time"

// Storage kinds owned by this package. Keys are regional: the storage
// key starts with "<account>/<region>/".
const (
	// KindKey: account/region/key id → Key.
	KindKey = "kms/key"
	// KindAlias: account/region/alias name → Alias.
	KindAlias = "kms/alias"
	// KindGrant: account/region/key id/grant id → Grant.
	KindGrant = "kms/grant"
	// KindImport: account/region/key id → ImportParameters (the open
	// GetParametersForImport of a key).
	KindImport = "kms/import"
)

// Key states, as the API names them.
const (
	StateCreating               = "Creating"
	StateEnabled                = "Enabled"
	StateDisabled               = "Disabled"
	StatePendingDeletion        = "PendingDeletion"
	StatePendingImport          = "PendingImport"
	StatePendingReplicaDeletion = "PendingReplicaDeletion"
	StateUnavailable            = "Unavailable"
	StateUpdating               = "Updating"
)

// Key is one KMS key in one Region. A multi-Region key has one Key record
// per Region, sharing the id (mrk-...) and the key material.
type Key struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"accountId"`
	Region      string    `json:"region"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"createdAt"`
	// KeySpec is SYMMETRIC_DEFAULT, RSA_2048, ..., ECC_NIST_P256, ...,
	// HMAC_256, ...; KeyUsage ENCRYPT_DECRYPT, SIGN_VERIFY,
	// GENERATE_VERIFY_MAC or KEY_AGREEMENT; Origin AWS_KMS or EXTERNAL.
	KeySpec  string `json:"keySpec"`
	KeyUsage string `json:"keyUsage"`
	Origin   string `json:"origin"`
	// State is one of the State* constants.
	State string `json:"state"`
	// DeletionDate and PendingWindowDays are set while PendingDeletion.
	DeletionDate      *time.Time `json:"deletionDate,omitempty"`
	PendingWindowDays int        `json:"pendingWindowDays,omitempty"`
	// Policy is the key policy (KMS keys have exactly one, "default").
	Policy string `json:"policy"`
	Tags   []Tag  `json:"tags,omitempty"`

	// Rotation of AWS_KMS symmetric keys.
	RotationEnabled    bool       `json:"rotationEnabled,omitempty"`
	RotationPeriodDays int        `json:"rotationPeriodDays,omitempty"`
	NextRotation       *time.Time `json:"nextRotation,omitempty"`
	Rotations          []Rotation `json:"rotations,omitempty"`

	// Materials are the key's key material versions, oldest first; the
	// last one that is CURRENT encrypts. Every version stays usable for
	// decryption (old ciphertexts decrypt after rotation).
	Materials []Material `json:"materials,omitempty"`

	// MultiRegion keys: PRIMARY or REPLICA, the primary's Region and
	// every replica's Region (kept on every copy, as DescribeKey shows
	// them).
	MultiRegion     bool     `json:"multiRegion,omitempty"`
	MultiRegionType string   `json:"multiRegionType,omitempty"`
	PrimaryRegion   string   `json:"primaryRegion,omitempty"`
	ReplicaRegions  []string `json:"replicaRegions,omitempty"`
}

// ARN is arn:aws:kms:<region>:<account>:key/<id>.
func (k *Key) ARN() string { return KeyARN(k.AccountID, k.Region, k.ID) }

// KeyARN is the ARN of a key.
func KeyARN(account, region, id string) string {
	return "arn:aws:kms:" + region + ":" + account + ":key/" + id
}

// Material is one version of a key's key material.
type Material struct {
	// ID is the key material id: 64 lower-case hex characters.
	ID string `json:"id"`
	// Sealed is the key material (a symmetric key, a PKCS#8 private key,
	// an HMAC key) sealed under the keyring with purpose "kms-key-material"
	// and the key ARN + material id as additional data.
	Sealed    []byte    `json:"sealed"`
	CreatedAt time.Time `json:"createdAt"`
	// State is CURRENT, NON_CURRENT or PENDING_ROTATION (imported).
	State string `json:"state"`
	// Imported material: its description, import state (IMPORTED,
	// PENDING_IMPORT), expiration model and expiry.
	Description     string     `json:"description,omitempty"`
	ImportState     string     `json:"importState,omitempty"`
	ExpirationModel string     `json:"expirationModel,omitempty"`
	ValidTo         *time.Time `json:"validTo,omitempty"`
}

// Rotation records one rotation for ListKeyRotations.
type Rotation struct {
	MaterialID string    `json:"materialId"`
	At         time.Time `json:"at"`
	// Type is AUTOMATIC or ON_DEMAND.
	Type string `json:"type"`
}

// Tag is a key and value.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Alias names a key in its account and Region.
type Alias struct {
	// Name is "alias/<name>".
	Name      string    `json:"name"`
	AccountID string    `json:"accountId"`
	Region    string    `json:"region"`
	KeyID     string    `json:"keyId"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// ARN is arn:aws:kms:<region>:<account>:alias/<name>.
func (a *Alias) ARN() string {
	return "arn:aws:kms:" + a.Region + ":" + a.AccountID + ":" + a.Name
}

// Grant lets a principal use a key for some operations.
type Grant struct {
	ID        string    `json:"id"`
	KeyID     string    `json:"keyId"`
	AccountID string    `json:"accountId"`
	Region    string    `json:"region"`
	Name      string    `json:"name,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	// GranteePrincipal and RetiringPrincipal are principal ARNs (or
	// service principals).
	GranteePrincipal  string `json:"granteePrincipal"`
	RetiringPrincipal string `json:"retiringPrincipal,omitempty"`
	// IssuingAccount is the account of the principal that created it
	// (arn:aws:iam::<account>:root).
	IssuingAccount string   `json:"issuingAccount"`
	Operations     []string `json:"operations"`
	// Constraints on the encryption context of the operations.
	EncryptionContextSubset map[string]string `json:"encryptionContextSubset,omitempty"`
	EncryptionContextEquals map[string]string `json:"encryptionContextEquals,omitempty"`
	// TokenHash is the SHA-256 of the grant token CreateGrant returned:
	// a grant token is usable at once, before the grant is visible.
	TokenHash []byte `json:"tokenHash,omitempty"`
}

// ImportParameters is an open GetParametersForImport: the wrapping key
// pair whose public key was handed out, and the import token.
type ImportParameters struct {
	KeyID string `json:"keyId"`
	// WrappingAlgorithm is RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256,
	// RSA_AES_KEY_WRAP_SHA_1, RSA_AES_KEY_WRAP_SHA_256 or SM2PKE;
	// WrappingKeySpec RSA_2048, RSA_3072 or RSA_4096.
	WrappingAlgorithm string `json:"wrappingAlgorithm"`
	WrappingKeySpec   string `json:"wrappingKeySpec"`
	// SealedPrivateKey is the wrapping private key, sealed.
	SealedPrivateKey []byte `json:"sealedPrivateKey"`
	// TokenHash is the SHA-256 of the import token.
	TokenHash []byte    `json:"tokenHash"`
	ExpiresAt time.Time `json:"expiresAt"`
}
