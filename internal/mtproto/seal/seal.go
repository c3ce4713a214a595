// Package seal encrypts MTProto 2.0 messages with the padding the protocol
// requires and no copies, and decrypts them (Open) with one allocation, the
// plaintext.
//
// It is gotd's crypto.Cipher.Encrypt, whose key derivation it uses, with two
// differences. The padding is the 12 to 27 random bytes that make the
// plaintext whole AES blocks: gotd adds up to 240 random bytes more, against
// fingerprinting of a client's traffic, which doubles the hashing, encryption
// and random bytes of a small message. And the plaintext is built in a pooled
// buffer and encrypted straight into the output, where gotd copies it twice.
package seal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"

	"github.com/buttonflow/buttonflow/internal/mtproto/aesige"
	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// Sizes of the protocol: the least padding, AES's block, and the plaintext
// header (salt, session_id, msg_id, seq_no, message_data_length).
const (
	minPadding = 12
	maxPadding = 1024
	aesBlock   = aesige.BlockSize
	header     = 32
	// prefix is what precedes the ciphertext: auth_key_id and msg_key.
	prefix = 8 + 16
)

// Message encrypts one message from side (crypto.Server for the server's
// messages to clients, crypto.Client for a client's) into out, replacing
// what out held: auth_key_id, msg_key and the AES-IGE ciphertext of salt,
// session_id, msg_id, seq_no, the body's length, the body and its padding.
func Message(side crypto.Side, k crypto.AuthKey, salt, sessionID, msgID int64, seqNo int32, body bin.Encoder, out *bin.Buffer) error {
	pt := tlenc.Buffer()
	defer tlenc.Release(pt)
	pt.PutLong(salt)
	pt.PutLong(sessionID)
	pt.PutLong(msgID)
	pt.PutInt32(seqNo)
	pt.PutInt32(0) // message_data_length, once the body is in
	if err := body.Encode(pt); err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	binary.LittleEndian.PutUint32(pt.Buf[header-4:], uint32(pt.Len()-header))
	padStart := pt.Len()
	pt.Expand(minPadding + (aesBlock-(padStart+minPadding)%aesBlock)%aesBlock)
	_, _ = rand.Read(pt.Buf[padStart:]) // never fails (crypto/rand)

	msgKey := crypto.MessageKey(k.Value, pt.Buf, side)
	key, iv := crypto.Keys(k.Value, msgKey, side)
	out.Reset()
	out.Put(k.ID[:])
	out.Put(msgKey[:])
	off := out.Len()
	out.Expand(pt.Len())
	aesige.Encrypt((*[32]byte)(&key), (*[32]byte)(&iv), out.Buf[off:], pt.Buf)
	return nil
}

// Opened is a decrypted message.
type Opened struct {
	Salt, SessionID, MsgID int64
	SeqNo                  int32
	// Body is the message, without its padding. It is the caller's: Open
	// keeps no reference to it.
	Body []byte
}

// ErrAuthKeyID is Open's error for a frame encrypted with another key.
var ErrAuthKeyID = errors.New("auth key id differs")

// Open decrypts one encrypted message, sent by side (crypto.Client for a
// client's message to the server), from frame: auth_key_id, msg_key and the
// AES-IGE ciphertext. It checks what gotd's crypto.Cipher.Decrypt checks (the
// key id, whole blocks, msg_key against the plaintext, a body length that is
// a multiple of 4 and fits) and the padding MTProto 2.0 requires, 12 to
// 1024 bytes.
func Open(side crypto.Side, k crypto.AuthKey, frame []byte) (Opened, error) {
	if len(frame) < prefix+header+minPadding {
		return Opened{}, fmt.Errorf("encrypted message of %d bytes is too short", len(frame))
	}
	if subtle.ConstantTimeCompare(frame[:8], k.ID[:]) != 1 {
		return Opened{}, ErrAuthKeyID
	}
	ct := frame[prefix:]
	if len(ct)%aesBlock != 0 {
		return Opened{}, fmt.Errorf("ciphertext of %d bytes is not whole blocks", len(ct))
	}
	var msgKey bin.Int128
	copy(msgKey[:], frame[8:prefix])
	key, iv := crypto.Keys(k.Value, msgKey, side)
	pt := make([]byte, len(ct))
	aesige.Decrypt((*[32]byte)(&key), (*[32]byte)(&iv), pt, ct)
	if want := crypto.MessageKey(k.Value, pt, side); subtle.ConstantTimeCompare(want[:], msgKey[:]) != 1 {
		return Opened{}, errors.New("msg_key does not match the plaintext")
	}
	le := binary.LittleEndian
	n := int64(int32(le.Uint32(pt[header-4:])))
	padding := int64(len(pt)-header) - n
	switch {
	case n < 0 || n%4 != 0:
		return Opened{}, fmt.Errorf("message length %d is invalid", n)
	case padding < minPadding || padding > maxPadding:
		return Opened{}, fmt.Errorf("message length %d leaves %d bytes of padding, want %d to %d", n, padding, minPadding, maxPadding)
	}
	return Opened{
		Salt:      int64(le.Uint64(pt[0:])),
		SessionID: int64(le.Uint64(pt[8:])),
		MsgID:     int64(le.Uint64(pt[16:])),
		SeqNo:     int32(le.Uint32(pt[24:])),
		Body:      pt[header : header+int(n) : header+int(n)],
	}, nil
}
