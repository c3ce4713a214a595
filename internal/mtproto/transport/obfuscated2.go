package transport

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"io"
)

// obfuscatedInitSize is the size of the obfuscated2 init packet.
const obfuscatedInitSize = 64

// obfuscation is the server side of an obfuscated2 stream without a secret
// (the variant clients use when connecting directly, and always over
// WebSocket).
type obfuscation struct {
	dec, enc cipher.Stream
	tag      [4]byte // protocol tag from the decrypted init
	dc       int16   // DC the client asked for (negative for media DCs)
}

// acceptObfuscated2 derives the stream ciphers from a client's init packet
// and decrypts its protocol tag. It matches gotd's obfuscated2.Accept with a
// nil secret, without its per-write copy.
func acceptObfuscated2(init *[obfuscatedInitSize]byte) (obfuscation, error) {
	var o obfuscation
	dec, err := newCTR(init[8:40], init[40:56])
	if err != nil {
		return o, fmt.Errorf("obfuscated2 decrypt key: %w", err)
	}
	var rev [48]byte
	for i := range rev {
		rev[i] = init[55-i]
	}
	enc, err := newCTR(rev[:32], rev[32:48])
	if err != nil {
		return o, fmt.Errorf("obfuscated2 encrypt key: %w", err)
	}
	var plain [obfuscatedInitSize]byte
	dec.XORKeyStream(plain[:], init[:])
	o.dec, o.enc = dec, enc
	copy(o.tag[:], plain[56:60])
	o.dc = int16(binary.LittleEndian.Uint16(plain[60:62]))
	return o, nil
}

func newCTR(key, iv []byte) (cipher.Stream, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewCTR(block, iv), nil
}

// framingForTag maps a decrypted obfuscated2 protocol tag to its framing.
func framingForTag(tag [4]byte) (framing, error) {
	switch tag {
	case [4]byte{0xef, 0xef, 0xef, 0xef}:
		return framingAbridged, nil
	case [4]byte{0xee, 0xee, 0xee, 0xee}:
		return framingIntermediate, nil
	case [4]byte{0xdd, 0xdd, 0xdd, 0xdd}:
		return framingPadded, nil
	default:
		return 0, fmt.Errorf("%w: obfuscated2 tag %x", ErrUnknownTransport, tag)
	}
}

// cipherReader decrypts what it reads from r in place.
type cipherReader struct {
	r io.Reader
	s cipher.Stream
}

// Read implements io.Reader.
func (c *cipherReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.s.XORKeyStream(p[:n], p[:n])
	}
	return n, err
}
