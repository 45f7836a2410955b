package artifact

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TermTokenLifetime is how long the token GetTermForReport returns lets
// GetReport download the report. AWS does not document the lifetime; the
// token stands for "the term was just accepted", so it is short, like the
// URLs.
const TermTokenLifetime = 15 * time.Minute

// A term token records that an account accepted a report version's term:
// the account, report id, version and expiry, sealed by the keyring (so
// no one without the root key can make or alter one), base64url-encoded
// (the model's token pattern allows letters, digits, "_" and "-"). Every
// token is different, because sealing uses a random nonce.
const (
	termTokenPurpose = "artifact/term-token"
	termTokenAAD     = "artifact term token v1"
	termTokenVersion = "1"
	// maxTermTokenLen is the model's maximum length of a term token.
	maxTermTokenLen = 256
)

// IssueTermToken returns a token that lets accountID download the given
// report version until TermTokenLifetime has passed.
func (s *Store) IssueTermToken(accountID, reportID string, version int64) (string, error) {
	exp := s.now().Add(TermTokenLifetime).Unix()
	plain := strings.Join([]string{termTokenVersion, accountID, reportID, strconv.FormatInt(version, 10), strconv.FormatInt(exp, 10)}, "\n")
	sealed, err := s.kr.Seal(termTokenPurpose, []byte(plain), []byte(termTokenAAD))
	if err != nil {
		return "", fmt.Errorf("artifact: seal a term token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(sealed)
	if len(tok) > maxTermTokenLen {
		return "", fmt.Errorf("artifact: a term token of %d characters exceeds the model's %d", len(tok), maxTermTokenLen)
	}
	return tok, nil
}

// CheckTermToken returns nil if token was issued to accountID for the
// given report version and has not expired, and ErrInvalidTermToken
// (wrapped with the reason) otherwise.
func (s *Store) CheckTermToken(token, accountID, reportID string, version int64) error {
	if len(token) > maxTermTokenLen {
		return fmt.Errorf("%w: it is too long", ErrInvalidTermToken)
	}
	sealed, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return fmt.Errorf("%w: it is not a token GetTermForReport returned", ErrInvalidTermToken)
	}
	plain, err := s.kr.Open(termTokenPurpose, sealed, []byte(termTokenAAD))
	if err != nil {
		return fmt.Errorf("%w: it is not a token GetTermForReport returned", ErrInvalidTermToken)
	}
	f := strings.Split(string(plain), "\n")
	if len(f) != 5 || f[0] != termTokenVersion {
		return fmt.Errorf("%w: it is not a token GetTermForReport returned", ErrInvalidTermToken)
	}
	exp, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil {
		return fmt.Errorf("%w: it is not a token GetTermForReport returned", ErrInvalidTermToken)
	}
	switch {
	case f[1] != accountID:
		return fmt.Errorf("%w: it was issued to another account", ErrInvalidTermToken)
	case f[2] != reportID || f[3] != strconv.FormatInt(version, 10):
		return fmt.Errorf("%w: it was issued for another report or report version", ErrInvalidTermToken)
	case s.now().Unix() >= exp:
		return fmt.Errorf("%w: it has expired; call GetTermForReport again", ErrInvalidTermToken)
	}
	return nil
}
