// Package seal encrypts MTProto 2.0 messages with the padding the protocol
// requires and no copies.
//
// It is gotd's crypto.Cipher.Encrypt, whose key derivation it uses, with two
// differences. The padding is the 12 to 27 random bytes that make the
// plaintext whole AES blocks: gotd adds up to 240 random bytes more, against
// fingerprinting of a client's traffic, which doubles the hashing, encryption
// and random bytes of a small message. And the plaintext is built in a pooled
// buffer and encrypted straight into the output, where gotd copies it twice.
package seal

import (
	"crypto/aes"
	"crypto/rand"
	"encoding/binary"
	"fmt"

	"github.com/gotd/ige"
	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"

	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// Sizes of the protocol: the least padding, AES's block, and the plaintext
// header (salt, session_id, msg_id, seq_no, message_data_length).
const (
	minPadding = 12
	aesBlock   = 16
	header     = 32
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
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return fmt.Errorf("aes: %w", err)
	}
	out.Reset()
	out.Put(k.ID[:])
	out.Put(msgKey[:])
	off := out.Len()
	out.Expand(pt.Len())
	ige.EncryptBlocks(block, iv[:], out.Buf[off:], pt.Buf)
	return nil
}
