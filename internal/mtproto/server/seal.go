package server

import (
	"crypto/aes"
	"crypto/rand"
	"encoding/binary"
	"fmt"

	"github.com/gotd/ige"
	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
)

// aesBlock is AES's block size: an encrypted message's plaintext, padding
// included, is a whole number of blocks.
const aesBlock = 16

// sealMessage encrypts one server-to-client message into out: auth_key_id,
// msg_key and the AES-IGE ciphertext of salt, session_id, msg_id, seq_no,
// the body's length, the body and 12 to 27 random padding bytes.
//
// It is gotd's crypto.Cipher.Encrypt (whose key derivation it uses) with
// two differences. The padding is what the protocol requires: gotd adds up
// to 240 random bytes more, against fingerprinting of a client's traffic,
// which doubles the hashing, encryption and random bytes of a small
// server message. And nothing is copied: the plaintext is built in a pooled
// buffer and encrypted straight into out.
func sealMessage(k crypto.AuthKey, salt, sessionID, msgID int64, seqNo int32, body bin.Encoder, out *bin.Buffer) error {
	pt := bufPool.Get().(*bin.Buffer)
	defer putBuf(pt)
	pt.PutLong(salt)
	pt.PutLong(sessionID)
	pt.PutLong(msgID)
	pt.PutInt32(seqNo)
	pt.PutInt32(0) // message_data_length, once the body is in
	const header = 32
	if err := body.Encode(pt); err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	binary.LittleEndian.PutUint32(pt.Buf[header-4:], uint32(pt.Len()-header))
	padStart := pt.Len()
	pt.Expand(minPadding + (aesBlock-(padStart+minPadding)%aesBlock)%aesBlock)
	_, _ = rand.Read(pt.Buf[padStart:]) // never fails (crypto/rand)

	msgKey := crypto.MessageKey(k.Value, pt.Buf, crypto.Server)
	key, iv := crypto.Keys(k.Value, msgKey, crypto.Server)
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
