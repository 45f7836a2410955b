package kms

import (
	"github.com/gatehouse/gatehouse/internal/kms"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
)

// keyStateOutcome is what a key state does to an operation on the key.
type keyStateOutcome uint8

const (
	// stateOK: the operation proceeds.
	stateOK keyStateOutcome = iota
	// stateDisabled: DisabledException.
	stateDisabled
	// stateInvalid: KMSInvalidStateException.
	stateInvalid
)

// keyStateIndex orders the key states in a keyStateRow.
var keyStateIndex = map[string]int{
	kms.StateEnabled:                0,
	kms.StateDisabled:               1,
	kms.StatePendingDeletion:        2,
	kms.StatePendingReplicaDeletion: 3,
	kms.StatePendingImport:          4,
	kms.StateUnavailable:            5,
	kms.StateCreating:               6,
	kms.StateUpdating:               7,
}

// keyStateRow is one row of the key state table: the outcome per state,
// in keyStateIndex order (Enabled, Disabled, PendingDeletion,
// PendingReplicaDeletion, PendingImport, Unavailable, Creating,
// Updating).
type keyStateRow [8]keyStateOutcome

// Rows shared by families of operations.
var (
	// Cryptographic operations need an Enabled key; a Disabled one
	// answers DisabledException, every other state
	// KMSInvalidStateException. (Updating is transient and leaves the
	// key usable.)
	keyStateCrypto = keyStateRow{stateOK, stateDisabled, stateInvalid, stateInvalid, stateInvalid, stateInvalid, stateInvalid, stateOK}
	// Reads succeed whatever the state.
	keyStateAnyState = keyStateRow{}
	// Management of a key's attributes is refused only while the key is
	// on its way out (or not yet created).
	keyStateManage = keyStateRow{stateOK, stateOK, stateInvalid, stateInvalid, stateOK, stateOK, stateInvalid, stateOK}
	// Enabling and disabling need a key that has material and is not
	// pending deletion.
	keyStateEnableDisable = keyStateRow{stateOK, stateOK, stateInvalid, stateInvalid, stateInvalid, stateOK, stateInvalid, stateInvalid}
	// Rotation settings and on-demand rotation need an Enabled key.
	keyStateRotation = keyStateRow{stateOK, stateDisabled, stateInvalid, stateInvalid, stateInvalid, stateInvalid, stateInvalid, stateInvalid}
	// CancelKeyDeletion wants a key pending deletion.
	keyStateCancelDeletion = keyStateRow{stateInvalid, stateInvalid, stateOK, stateOK, stateInvalid, stateInvalid, stateInvalid, stateInvalid}
	// ScheduleKeyDeletion refuses a key already pending deletion.
	keyStateScheduleDeletion = keyStateRow{stateOK, stateOK, stateInvalid, stateInvalid, stateOK, stateOK, stateInvalid, stateInvalid}
	// Imported key material operations (keys in custom key stores are
	// never EXTERNAL, so Unavailable does not arise).
	keyStateImport = keyStateRow{stateOK, stateOK, stateInvalid, stateInvalid, stateOK, stateInvalid, stateInvalid, stateInvalid}
	// Multi-Region operations on the primary key.
	keyStateMultiRegion = keyStateRow{stateOK, stateOK, stateInvalid, stateInvalid, stateOK, stateInvalid, stateInvalid, stateInvalid}
)

// keyStateTable is AWS's "Key states of AWS KMS keys" table as data: for
// each operation that uses an existing key, what each key state does to
// it. An operation absent from the table is treated as cryptographic
// (only an Enabled key serves it), the safe default.
var keyStateTable = map[string]keyStateRow{
	// Cryptographic operations.
	"Decrypt":                             keyStateCrypto,
	"Encrypt":                             keyStateCrypto,
	"ReEncrypt":                           keyStateCrypto,
	"ReEncryptFrom":                       keyStateCrypto,
	"ReEncryptTo":                         keyStateCrypto,
	"GenerateDataKey":                     keyStateCrypto,
	"GenerateDataKeyWithoutPlaintext":     keyStateCrypto,
	"GenerateDataKeyPair":                 keyStateCrypto,
	"GenerateDataKeyPairWithoutPlaintext": keyStateCrypto,
	"Sign":                                keyStateCrypto,
	"Verify":                              keyStateCrypto,
	"GenerateMac":                         keyStateCrypto,
	"VerifyMac":                           keyStateCrypto,
	"GetPublicKey":                        keyStateCrypto,
	"DeriveSharedSecret":                  keyStateCrypto,

	// Reads and the operations AWS allows in every state.
	"DescribeKey":          keyStateAnyState,
	"GetKeyLastUsage":      keyStateAnyState,
	"GetKeyPolicy":         keyStateAnyState,
	"ListKeyPolicies":      keyStateAnyState,
	"PutKeyPolicy":         keyStateAnyState,
	"GetKeyRotationStatus": keyStateAnyState,
	"ListKeyRotations":     keyStateAnyState,
	"ListResourceTags":     keyStateAnyState,
	"ListAliases":          keyStateAnyState,
	"DeleteAlias":          keyStateAnyState,
	"ListGrants":           keyStateAnyState,
	"ListRetirableGrants":  keyStateAnyState,
	"RetireGrant":          keyStateAnyState,
	"RevokeGrant":          keyStateAnyState,

	// Management.
	"CreateAlias":          keyStateManage,
	"UpdateAlias":          keyStateManage,
	"TagResource":          keyStateManage,
	"UntagResource":        keyStateManage,
	"UpdateKeyDescription": keyStateManage,
	"CreateGrant":          keyStateManage,
	"EnableKey":            keyStateEnableDisable,
	"DisableKey":           keyStateEnableDisable,
	"EnableKeyRotation":    keyStateRotation,
	"DisableKeyRotation":   keyStateRotation,
	"RotateKeyOnDemand":    keyStateRotation,
	"ScheduleKeyDeletion":  keyStateScheduleDeletion,
	"CancelKeyDeletion":    keyStateCancelDeletion,

	// Imported key material.
	"GetParametersForImport":    keyStateImport,
	"ImportKeyMaterial":         keyStateImport,
	"DeleteImportedKeyMaterial": keyStateImport,

	// Multi-Region keys.
	"ReplicateKey":        keyStateMultiRegion,
	"UpdatePrimaryRegion": keyStateMultiRegion,
}

// keyStatePhrase is how AWS's messages describe a key that cannot serve a
// request because of its state.
var keyStatePhrase = map[string]string{
	kms.StateEnabled:                "is enabled",
	kms.StateDisabled:               "is disabled",
	kms.StatePendingDeletion:        "is pending deletion",
	kms.StatePendingReplicaDeletion: "is pending replica deletion",
	kms.StatePendingImport:          "is pending import",
	kms.StateUnavailable:            "is unavailable",
	kms.StateCreating:               "is being created",
	kms.StateUpdating:               "is being updated",
}

// keyStateError returns nil when operation (an API operation name such as
// "Encrypt") may proceed on k in its current key state, and otherwise
// AWS's error: DisabledException for a cryptographic operation on a
// Disabled key, KMSInvalidStateException for the other refusals, with a
// message naming the key ARN and its state ("<arn> is pending deletion.").
func keyStateError(k *kms.Key, operation string) error {
	row, ok := keyStateTable[operation]
	if !ok {
		row = keyStateCrypto
	}
	idx, known := keyStateIndex[k.State]
	if !known {
		return api.NewKMSInvalidStateException("%s is in an unknown key state %q.", k.ARN(), k.State)
	}
	switch row[idx] {
	case stateOK:
		return nil
	case stateDisabled:
		return api.NewDisabledException("%s is disabled.", k.ARN())
	}
	if operation == "CancelKeyDeletion" {
		return api.NewKMSInvalidStateException("%s is not pending deletion.", k.ARN())
	}
	return api.NewKMSInvalidStateException("%s %s.", k.ARN(), keyStatePhrase[k.State])
}
