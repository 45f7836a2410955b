package session

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strconv"
)

// Access key ids carry the account that owns them, as AWS's do, so that
// GetAccessKeyInfo can name the account of a temporary key without its
// session token and without any lookup.
//
// After the four-letter prefix, an id is 16 Base32 characters (RFC 4648
// alphabet, A-Z and 2-7): 80 bits. The first 48 of them, read as a
// big-endian number, hold the account id in bits 46 to 7 (40 bits hold
// every 12-digit number); bit 47 is zero and the other 39 bits are random.

// KeyIDPrefix is the prefix of temporary access key ids.
const KeyIDPrefix = "ASIA"

// keyIDEncoding is the Base32 alphabet of access key ids, without padding:
// 10 bytes encode to exactly 16 characters.
var keyIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

const (
	accountShift = 7
	accountMask  = uint64(1)<<40 - 1
	// maxAccountID is the largest 12-digit account id.
	maxAccountID = 999_999_999_999
)

// NewAccessKeyID returns a new random access key id with the given
// four-letter prefix that carries accountID (12 decimal digits).
func NewAccessKeyID(prefix, accountID string) (string, error) {
	acct, err := parseAccountID(accountID)
	if err != nil {
		return "", err
	}
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session: generate access key id: %w", err)
	}
	// Keep the 7 low random bits of the 48-bit head; the account fills the
	// 40 bits above them and the top bit stays clear.
	var head [8]byte
	copy(head[2:], b[:6])
	z := binary.BigEndian.Uint64(head[:])&(1<<accountShift-1) | acct<<accountShift
	binary.BigEndian.PutUint64(head[:], z)
	copy(b[:6], head[2:])
	return prefix + keyIDEncoding.EncodeToString(b[:]), nil
}

// AccountOfKeyID returns the account id an access key id carries: the
// 12-digit account of any id made by NewAccessKeyID, and for any other
// well-formed id (a four-character prefix then at least 16 Base32
// characters) whatever account its bits name, as AWS answers for ids it
// did not issue. ok is false for an id that is not well-formed.
func AccountOfKeyID(id string) (accountID string, ok bool) {
	if len(id) < 20 {
		return "", false
	}
	var b [10]byte
	if n, err := keyIDEncoding.Decode(b[:], []byte(id[4:20])); err != nil || n != len(b) {
		return "", false
	}
	var head [8]byte
	copy(head[2:], b[:6])
	acct := binary.BigEndian.Uint64(head[:]) >> accountShift & accountMask
	if acct > maxAccountID {
		// Forty bits reach 1,099,511,627,775; AWS's account ids stop at
		// twelve digits, so such an id was not made by an account.
		return "", false
	}
	return formatAccountID(acct), true
}

func parseAccountID(s string) (uint64, error) {
	if len(s) != 12 {
		return 0, fmt.Errorf("session: account id %q is not 12 digits", s)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("session: account id %q is not 12 digits", s)
	}
	return n, nil
}

func formatAccountID(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for len(s) < 12 {
		s = "0" + s
	}
	return s
}
