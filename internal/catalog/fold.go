package catalog

// Lookups fold names to lower case into a buffer on the caller's stack, so
// that the map lookups that follow (which the compiler performs on
// string(bytes) without converting) allocate nothing. IAM names are ASCII;
// only A-Z are folded, so a non-ASCII name matches nothing instead of
// matching by Unicode case folding.

// foldBufSize is the size of the lookup buffers; longer names still work
// but their folding allocates.
const foldBufSize = 128

// foldBuf is a lookup buffer.
type foldBuf [foldBufSize]byte

// fold returns s with A-Z folded to a-z, in buf when it fits.
func fold(buf *foldBuf, s string) []byte {
	var b []byte
	if len(s) <= len(buf) {
		b = buf[:len(s)]
	} else {
		b = make([]byte, len(s))
	}
	copy(b, s)
	lowerInPlace(b)
	return b
}

// lowerASCII returns s with A-Z folded to a-z, without allocating when s
// has no upper-case letter.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			lowerInPlace(b[i:])
			return string(b)
		}
	}
	return s
}

// lowerInPlace folds A-Z to a-z in b.
func lowerInPlace(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// lowerByte folds one ASCII letter to lower case.
func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
