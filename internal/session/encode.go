package session

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
)

// A token is the URL-safe Base64 (no padding) of
//
//	byte     tokenVersion
//	[]byte   keyring blob (see keyring.Seal) of the plaintext below
//
// and the plaintext is one flags byte followed by the claims, deflated when
// flagDeflate is set (when that makes them smaller: long session policies
// compress well). The claims are a compact binary record, in this order:
//
//	string   access key id
//	string   secret access key
//	varint   issued at, Unix seconds
//	varint   expiration, Unix seconds
//	byte     principal type (see principalTypes)
//	string   account id, ARN, principal id, user name
//	byte     session flags (flagMFA, flagRoleChained)
//	varint   MFA authentication time, Unix seconds (0: none)
//	string   source identity
//	uvarint  number of tags, then each key and value as strings
//	uvarint  number of transitive tag keys, then each as a string
//	string   issuer ARN, issuer principal id, issuer type
//	string   inline session policy
//	uvarint  number of policy ARNs, then each as a string
//
// where a string is a uvarint length and that many bytes. A new layout
// gets a new tokenVersion; tokens of an unknown version do not open.
const tokenVersion = 1

// Plaintext flags.
const flagDeflate = 1

// Session flags.
const (
	flagMFA = 1 << iota
	flagRoleChained
)

// Decoding limits: far above what STS issues, low enough that a token
// cannot make the decoder allocate much.
const (
	maxListLen    = 256
	maxPlainBytes = 64 << 10
)

// principalTypes numbers the principal types a token can carry; the index
// is the encoded byte.
var principalTypes = [...]identity.Type{"", identity.Root, identity.IAMUser, identity.AssumedRole, identity.FederatedUser}

var errCorrupt = errors.New("session: corrupt claims")

func encodeClaims(c *Claims) ([]byte, error) {
	p := &c.Principal
	s := p.Session
	if s == nil {
		return nil, errors.New("session: claims without a session")
	}
	typ := -1
	for i, t := range principalTypes {
		if i > 0 && t == p.Type {
			typ = i
		}
	}
	if typ < 0 {
		return nil, errors.New("session: principal type " + string(p.Type) + " cannot hold temporary credentials")
	}
	var e encoder
	e.buf = append(e.buf, 0) // flags, set below
	e.str(c.AccessKeyID)
	e.str(string(c.Secret))
	e.varint(c.IssuedAt.Unix())
	e.varint(c.Expiration.Unix())
	e.buf = append(e.buf, byte(typ))
	e.str(p.AccountID)
	e.str(p.ARN)
	e.str(p.PrincipalID)
	e.str(p.UserName)
	var flags byte
	if s.MFAAuthenticated {
		flags |= flagMFA
	}
	if s.RoleChained {
		flags |= flagRoleChained
	}
	e.buf = append(e.buf, flags)
	var mfaAt int64
	if !s.MFAAuthenticatedAt.IsZero() {
		mfaAt = s.MFAAuthenticatedAt.Unix()
	}
	e.varint(mfaAt)
	e.str(s.SourceIdentity)
	e.uvarint(uint64(len(s.Tags)))
	for _, k := range sortedKeys(s.Tags) {
		e.str(k)
		e.str(s.Tags[k])
	}
	e.strs(s.TransitiveTagKeys)
	e.str(s.IssuerARN)
	e.str(s.IssuerPrincipalID)
	e.str(s.IssuerType)
	e.str(s.Policy)
	e.strs(s.PolicyARNs)

	// Deflate when it pays: a session policy or many tags shrink to well
	// under half; a plain role session does not shrink at all.
	if len(e.buf) > 256 {
		var z bytes.Buffer
		z.WriteByte(flagDeflate)
		w, _ := flate.NewWriter(&z, flate.BestCompression)
		_, _ = w.Write(e.buf[1:])
		if err := w.Close(); err == nil && z.Len() < len(e.buf) {
			return z.Bytes(), nil
		}
	}
	return e.buf, nil
}

func decodeClaims(plain []byte) (*Claims, error) {
	if len(plain) < 1 {
		return nil, errCorrupt
	}
	body := plain[1:]
	switch plain[0] {
	case 0:
	case flagDeflate:
		r := flate.NewReader(bytes.NewReader(body))
		inflated, err := io.ReadAll(io.LimitReader(r, maxPlainBytes+1))
		if err != nil || len(inflated) > maxPlainBytes {
			return nil, errCorrupt
		}
		body = inflated
	default:
		return nil, errCorrupt
	}
	d := decoder{buf: body}
	c := &Claims{}
	s := &identity.Session{}
	c.AccessKeyID = d.str()
	c.Secret = []byte(d.str())
	c.IssuedAt = unixTime(d.varint())
	c.Expiration = unixTime(d.varint())
	typ := d.byte()
	if int(typ) >= len(principalTypes) || typ == 0 {
		return nil, errCorrupt
	}
	p := &c.Principal
	p.Type = principalTypes[typ]
	p.AccountID = d.str()
	p.ARN = d.str()
	p.PrincipalID = d.str()
	p.UserName = d.str()
	p.AccessKeyID = c.AccessKeyID
	flags := d.byte()
	s.MFAAuthenticated = flags&flagMFA != 0
	s.RoleChained = flags&flagRoleChained != 0
	if at := d.varint(); at != 0 {
		s.MFAAuthenticatedAt = unixTime(at)
	}
	s.SourceIdentity = d.str()
	if n := d.count(); n > 0 {
		s.Tags = make(map[string]string, n)
		for range n {
			k, v := d.str(), d.str()
			if _, dup := s.Tags[k]; dup {
				d.err = errCorrupt
			}
			s.Tags[k] = v
		}
	}
	s.TransitiveTagKeys = d.strs()
	s.IssuerARN = d.str()
	s.IssuerPrincipalID = d.str()
	s.IssuerType = d.str()
	s.Policy = d.str()
	s.PolicyARNs = d.strs()
	if d.err != nil || len(d.buf) != 0 || c.AccessKeyID == "" || len(c.Secret) == 0 {
		return nil, errCorrupt
	}
	s.IssuedAt = c.IssuedAt
	s.Expiration = c.Expiration
	p.Session = s
	return c, nil
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func unixTime(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

type encoder struct{ buf []byte }

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) varint(v int64)   { e.buf = binary.AppendVarint(e.buf, v) }
func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}
func (e *encoder) strs(list []string) {
	e.uvarint(uint64(len(list)))
	for _, s := range list {
		e.str(s)
	}
}

// decoder reads the claims record; the first error sticks and every later
// read returns a zero value.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail() { d.err, d.buf = errCorrupt, nil }

func (d *decoder) byte() byte {
	if d.err != nil || len(d.buf) < 1 {
		d.fail()
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.buf)) {
		d.fail()
		return ""
	}
	s := string(d.buf[:n])
	d.buf = d.buf[n:]
	return s
}

// count reads a list length, refusing lengths past maxListLen.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > maxListLen {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for range n {
		out = append(out, d.str())
	}
	return out
}
