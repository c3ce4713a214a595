// Package aesige encrypts and decrypts AES-256 in IGE mode, MTProto 2.0's
// cipher, with the key schedule on the caller's stack.
//
// MTProto derives a new AES key for every message, and crypto/aes
// allocates a key schedule (half a kilobyte) for every key: a third of what
// a callback press allocated on a busy server. On amd64 with AES-NI this
// package expands the key into a value that stays on the stack, using the
// Go distribution's own AES-NI code (aes_amd64.s); elsewhere it falls back
// to crypto/aes.
package aesige

import (
	"crypto/aes"
	"encoding/binary"

	"github.com/gotd/ige"
)

// BlockSize is AES's block size: the length of src must be a multiple of it.
const BlockSize = 16

// rounds is AES-256's number of rounds.
const rounds = 14

// Encrypt encrypts src, whole blocks, into dst with the 32-byte key and
// the 32-byte IGE iv (the previous ciphertext block, then the previous
// plaintext block). dst must be at least as long as src and must not
// overlap it.
func Encrypt(key, iv *[32]byte, dst, src []byte) {
	checkLengths(dst, src)
	if !hasAESNI {
		generic(key, iv, false, dst, src)
		return
	}
	chain(key, false, iv[:BlockSize], iv[BlockSize:], dst, src)
}

// Decrypt decrypts src, whole blocks, into dst with the 32-byte key and
// the 32-byte IGE iv, as Encrypt encrypted it. dst must be at least as long
// as src and must not overlap it.
func Decrypt(key, iv *[32]byte, dst, src []byte) {
	checkLengths(dst, src)
	if !hasAESNI {
		generic(key, iv, true, dst, src)
		return
	}
	chain(key, true, iv[BlockSize:], iv[:BlockSize], dst, src)
}

// chain runs IGE over src into dst, one direction or the other: each output
// block is the cipher (decrypt says which way) of its input block XOR the
// previous output block, XOR the previous input block. Encrypting, the
// inputs are plaintext and the outputs ciphertext; decrypting, the other way
// round, which is why the iv's halves swap roles. prevOut and prevIn are
// the iv's halves for the first block.
func chain(key *[32]byte, decrypt bool, prevOut, prevIn, dst, src []byte) {
	var ks schedule
	expandKey(key, &ks)
	var out, in [BlockSize]byte // the previous output and input blocks
	copy(out[:], prevOut)
	copy(in[:], prevIn)
	var x [BlockSize]byte
	for o := 0; o < len(src); o += BlockSize {
		cur := src[o : o+BlockSize]
		xor16(&x, cur, out[:])
		if decrypt {
			decryptBlock(&ks, &x, &x)
		} else {
			encryptBlock(&ks, &x, &x)
		}
		xor16(&x, x[:], in[:])
		copy(dst[o:o+BlockSize], x[:])
		out = x
		copy(in[:], cur)
	}
}

// checkLengths panics on a misuse that would otherwise corrupt or leak
// memory silently: src not whole blocks, or dst too short.
func checkLengths(dst, src []byte) {
	if len(src)%BlockSize != 0 {
		panic("aesige: input not full blocks")
	}
	if len(dst) < len(src) {
		panic("aesige: output smaller than input")
	}
}

// xor16 sets dst to a XOR b, one block.
func xor16(dst *[BlockSize]byte, a, b []byte) {
	ne := binary.NativeEndian
	ne.PutUint64(dst[:8], ne.Uint64(a[:8])^ne.Uint64(b[:8]))
	ne.PutUint64(dst[8:], ne.Uint64(a[8:16])^ne.Uint64(b[8:16]))
}

// schedule is AES-256's expanded key, for encryption and for decryption,
// in the layout the assembly expects.
type schedule struct {
	enc [60]uint32
	dec [60]uint32
}

// generic runs IGE with crypto/aes, one direction or the other, where the
// assembly cannot run.
func generic(key, iv *[32]byte, decrypt bool, dst, src []byte) {
	b, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	if decrypt {
		ige.DecryptBlocks(b, iv[:], dst, src)
	} else {
		ige.EncryptBlocks(b, iv[:], dst, src)
	}
}
