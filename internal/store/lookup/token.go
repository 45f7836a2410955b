package lookup

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrInvalidNextToken is returned for an EventQuery whose NextToken was not
// produced by a previous page of the same query (same account, attribute,
// value and time range). The API layer maps it to InvalidNextTokenException.
var ErrInvalidNextToken = errors.New("store: invalid next token")

// A token is base64url (unpadded) of:
//
//	version  1 byte, tokenVersion
//	check    8 bytes, a hash of the query's filters and of the position
//	time     8 bytes, big-endian Unix nanoseconds of the last event
//	event id the rest, the last event's EventID
//
// The check ties a token to its query, so a token replayed with other
// filters is rejected instead of silently paging through the wrong result,
// and catches a token that was cut short or altered in transit. It is not a
// secret-keyed MAC and need not be: the position is in the clear, it names
// an event the caller has already seen, and every page is filtered by the
// query's own account, so a forged token can only move the starting point
// within what the caller may read anyway.
const (
	tokenVersion   = 1
	checkLen       = 8
	tokenHeaderLen = 1 + checkLen + 8
	// maxEventIDLen bounds the event id in a token; CloudTrail event ids are
	// 36-character UUIDs, the bound only keeps garbage out.
	maxEventIDLen = 1024
)

func encodeToken(pos Position, fp [sha256.Size]byte) string {
	b := make([]byte, tokenHeaderLen, tokenHeaderLen+len(pos.EventID))
	b[0] = tokenVersion
	check := tokenCheck(fp, pos)
	copy(b[1:], check[:])
	binary.BigEndian.PutUint64(b[1+checkLen:], uint64(pos.Time))
	b = append(b, pos.EventID...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(tok string, fp [sha256.Size]byte) (Position, error) {
	if len(tok) > base64.RawURLEncoding.EncodedLen(tokenHeaderLen+maxEventIDLen) {
		return Position{}, fmt.Errorf("%w: too long", ErrInvalidNextToken)
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return Position{}, fmt.Errorf("%w: not base64url", ErrInvalidNextToken)
	}
	if len(b) <= tokenHeaderLen || b[0] != tokenVersion {
		return Position{}, fmt.Errorf("%w: malformed", ErrInvalidNextToken)
	}
	pos := Position{
		Time:    int64(binary.BigEndian.Uint64(b[1+checkLen:])),
		EventID: string(b[tokenHeaderLen:]),
	}
	if check := tokenCheck(fp, pos); !bytes.Equal(check[:], b[1:1+checkLen]) {
		return Position{}, fmt.Errorf("%w: altered, or issued for a different query", ErrInvalidNextToken)
	}
	return pos, nil
}

// tokenCheck hashes a query fingerprint together with a position.
func tokenCheck(fp [sha256.Size]byte, pos Position) [checkLen]byte {
	h := sha256.New()
	h.Write(fp[:])
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(pos.Time))
	h.Write(n[:])
	h.Write([]byte(pos.EventID))
	var check [checkLen]byte
	copy(check[:], h.Sum(nil))
	return check
}

// fingerprint hashes the filters of p, length-prefixing each string so that
// no two different queries hash the same input.
func fingerprint(p Plan) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	writeString := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	writeInt := func(v int64) {
		binary.BigEndian.PutUint64(n[:], uint64(v))
		h.Write(n[:])
	}
	writeBool := func(v bool) {
		if v {
			writeInt(1)
		} else {
			writeInt(0)
		}
	}
	writeString("gatehouse lookup token v1")
	writeString(p.AccountID)
	writeInt(int64(p.Attr))
	writeString(p.Value)
	writeBool(p.HasStart)
	writeInt(p.Start)
	writeBool(p.HasEnd)
	writeInt(p.End)
	var fp [sha256.Size]byte
	h.Sum(fp[:0])
	return fp
}
