package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"hash"
	"sync"
)

// This file computes signatures: signing keys, the string to sign and the
// reusable buffers of the hot path.

// signingKey is a derived SigV4 signing key (kSigning). Besides the key
// itself it keeps the SHA-256 states after absorbing the HMAC inner and
// outer pad blocks, so that signing a string skips those two blocks and
// does not allocate.
type signingKey struct {
	key          [sha256.Size]byte
	inner, outer []byte // marshaled SHA-256 states; nil if unavailable
}

// stateHash is a SHA-256 hash whose state can be saved and restored.
type stateHash interface {
	hash.Hash
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

// deriveSigningKey runs the SigV4 key derivation chain:
// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
func deriveSigningKey(secret []byte, date, region, service string) *signingKey {
	seed := make([]byte, 0, 4+len(secret))
	seed = append(seed, "AWS4"...)
	seed = append(seed, secret...)
	k := hmacSHA256(seed, date)
	clear(seed)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, terminator)
	sk := new(signingKey)
	copy(sk.key[:], k)
	sk.inner = padState(k, 0x36)
	sk.outer = padState(k, 0x5c)
	if sk.inner == nil || sk.outer == nil {
		sk.inner, sk.outer = nil, nil
	}
	return sk
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// padState returns the marshaled SHA-256 state after absorbing the HMAC
// pad block of key (shorter than a block, so zero-padded) XORed with x.
func padState(key []byte, x byte) []byte {
	var pad [sha256.BlockSize]byte
	copy(pad[:], key)
	for i := range pad {
		pad[i] ^= x
	}
	h, ok := sha256.New().(stateHash)
	if !ok {
		return nil
	}
	h.Write(pad[:])
	state, err := h.MarshalBinary()
	if err != nil {
		return nil
	}
	return state
}

// sign returns HMAC-SHA256(kSigning, msg). h is a scratch hash (from
// newStateHash, possibly nil); sum is scratch room for the inner digest.
func (k *signingKey) sign(h stateHash, sum []byte, msg []byte) (mac [sha256.Size]byte) {
	if h == nil || k.inner == nil || h.UnmarshalBinary(k.inner) != nil {
		m := hmac.New(sha256.New, k.key[:])
		m.Write(msg)
		copy(mac[:], m.Sum(nil))
		return mac
	}
	h.Write(msg)
	sum = h.Sum(sum[:0])
	if h.UnmarshalBinary(k.outer) != nil {
		panic("sigv4: restoring a SHA-256 state failed")
	}
	h.Write(sum)
	copy(mac[:], h.Sum(sum[:0]))
	h.Reset() // do not leave key-derived state in a pooled hash
	return mac
}

// newStateHash returns a SHA-256 hash whose state can be restored, or nil.
func newStateHash() stateHash {
	h, _ := sha256.New().(stateHash)
	return h
}

// payloadHash is one candidate for the last line of the canonical request.
type payloadHash struct {
	hex      [2 * sha256.Size]byte
	unsigned bool
}

func (p *payloadHash) set(s string) { copy(p.hex[:], s) }

func (p *payloadHash) append(dst []byte) []byte {
	if p.unsigned {
		return append(dst, unsignedPayload...)
	}
	return append(dst, p.hex[:]...)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if unhex(s[i]) < 0 {
			return false
		}
	}
	return true
}

// decodeSignature decodes a hex signature of exactly 32 bytes without
// allocating.
func decodeSignature(s string) (sig [sha256.Size]byte, ok bool) {
	if len(s) != 2*sha256.Size {
		return sig, false
	}
	for i := range sig {
		h, l := unhex(s[2*i]), unhex(s[2*i+1])
		if h < 0 || l < 0 {
			return sig, false
		}
		sig[i] = byte(h<<4 | l)
	}
	return sig, true
}

// scratch holds the buffers of one verification, reused through
// scratchPool so that the hot path does not allocate.
type scratch struct {
	mid   []byte // canonical query, headers and signed headers
	uri   []byte // canonical URI
	creq  []byte // canonical request
	sts   []byte // string to sign
	qbuf  []byte // encoded query components, for sorting
	pairs []queryPair
	h     stateHash // for the HMAC
	sum   []byte    // HMAC inner digest
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		mid:  make([]byte, 0, 512),
		uri:  make([]byte, 0, 64),
		creq: make([]byte, 0, 1024),
		sts:  make([]byte, 0, 256),
		h:    newStateHash(),
		sum:  make([]byte, 0, sha256.Size),
	}
}}

// maxPooledBuffer bounds what goes back to the pool, so one huge request
// does not pin memory.
const maxPooledBuffer = 64 << 10

func (s *scratch) release() {
	if cap(s.mid) > maxPooledBuffer || cap(s.creq) > maxPooledBuffer || cap(s.qbuf) > maxPooledBuffer || len(s.pairs) > 1024 {
		return
	}
	scratchPool.Put(s)
}

// sign builds the canonical request from s.uri, s.mid and the payload
// hash, then the string to sign, and returns its HMAC under key.
func (s *scratch) sign(key *signingKey, method string, sr *signedRequest, cred *credential, payload *payloadHash) [sha256.Size]byte {
	c := append(s.creq[:0], method...)
	c = append(c, '\n')
	c = append(c, s.uri...)
	c = append(c, '\n')
	c = append(c, s.mid...)
	c = payload.append(c)
	s.creq = c
	sum := sha256.Sum256(c)

	t := append(s.sts[:0], algorithm...)
	t = append(t, '\n')
	t = append(t, sr.amzDate...)
	t = append(t, '\n')
	t = append(t, cred.scope...)
	t = append(t, '\n')
	t = hex.AppendEncode(t, sum[:])
	s.sts = t
	return key.sign(s.h, s.sum[:0], t)
}
