package server

import (
	"bytes"
	"context"
	"crypto/aes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/gotd/ige"
	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/buttonflow/buttonflow/internal/rpc"
)

// Errors of auth.bindTempAuthKey, as Telegram names them.
var (
	errEncryptedMessageInvalid = tgerr.New(400, "ENCRYPTED_MESSAGE_INVALID")
	errTempAuthKeyEmpty        = tgerr.New(400, "TEMP_AUTH_KEY_EMPTY")
	errTempAuthKeyBound        = tgerr.New(400, "TEMP_AUTH_KEY_ALREADY_BOUND")
)

// bindTempAuthKey serves auth.bindTempAuthKey: sent with a temporary key, it
// carries a bind_auth_key_inner encrypted with the permanent key (MTProto v1
// KDF) that names both keys, the session and the request's own msg_id.
func (srv *Server) bindTempAuthKey(ctx context.Context, c *conn, s *Session, req *rpc.Request) error {
	var r tg.AuthBindTempAuthKeyRequest
	if err := r.Decode(req.Body); err != nil {
		return srv.replyError(ctx, c, s, req.MsgID, rpc.ErrInputRequestInvalid)
	}
	if !s.key.temp() {
		return srv.replyError(ctx, c, s, req.MsgID, errTempAuthKeyEmpty)
	}
	if permID, _, _ := s.key.login(); permID != 0 && permID != r.PermAuthKeyID {
		return srv.replyError(ctx, c, s, req.MsgID, errTempAuthKeyBound)
	}
	perm, err := srv.keys.get(ctx, r.PermAuthKeyID)
	if err != nil || perm.temp() {
		return srv.replyError(ctx, c, s, req.MsgID, errEncryptedMessageInvalid)
	}
	inner, err := decryptBindMessage(perm.key, r.EncryptedMessage, req.MsgID)
	if err != nil {
		srv.log.Debug("bindTempAuthKey", "err", err)
		return srv.replyError(ctx, c, s, req.MsgID, errEncryptedMessageInvalid)
	}
	if inner.Nonce != r.Nonce || inner.TempAuthKeyID != s.key.id || inner.PermAuthKeyID != r.PermAuthKeyID ||
		inner.TempSessionID != s.id || inner.ExpiresAt != r.ExpiresAt {
		return srv.replyError(ctx, c, s, req.MsgID, errEncryptedMessageInvalid)
	}
	until := time.Unix(int64(r.ExpiresAt), 0)
	if until.After(s.key.expiresAt) {
		until = s.key.expiresAt
	}
	if !until.After(srv.now()) {
		return srv.replyError(ctx, c, s, req.MsgID, errEncryptedMessageInvalid)
	}
	if err := srv.keys.bind(ctx, s.key, r.PermAuthKeyID, until); err != nil {
		srv.log.Error("bind temporary key", "err", err)
		return srv.replyError(ctx, c, s, req.MsgID, rpc.ErrInternal)
	}
	body := encode(&proto.Result{RequestMessageID: req.MsgID, Result: encode(&tg.BoolTrue{})})
	return srv.send(ctx, s, c, outMsg{body: body, content: true, response: true, reqMsgID: req.MsgID})
}

// decryptBindMessage opens auth.bindTempAuthKey's encrypted_message:
// perm_auth_key_id ‖ msg_key ‖ AES-IGE(random:int128 msg_id:long seq_no:int
// msg_len:int bind_auth_key_inner padding), with msg_key = SHA1(all but the
// padding)[4:20] and the v1 key derivation.
func decryptBindMessage(perm crypto.AuthKey, msg []byte, msgID int64) (*crypto.BindAuthKeyInner, error) {
	const head = 8 + 16
	if len(msg) < head+48 || (len(msg)-head)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("encrypted message of %d bytes", len(msg))
	}
	if !bytes.Equal(msg[:8], perm.ID[:]) {
		return nil, fmt.Errorf("encrypted for another key")
	}
	var msgKey bin.Int128
	copy(msgKey[:], msg[8:head])
	key, iv := crypto.KeysV1(perm.Value, msgKey)
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	plain := make([]byte, len(msg)-head)
	ige.DecryptBlocks(block, iv[:], plain, msg[head:])

	gotMsgID := int64(binary.LittleEndian.Uint64(plain[16:24]))
	seqNo := int32(binary.LittleEndian.Uint32(plain[24:28]))
	n := int(binary.LittleEndian.Uint32(plain[28:32]))
	if n < 0 || 32+n > len(plain) {
		return nil, fmt.Errorf("message length %d", n)
	}
	if crypto.MessageKeyV1(plain[:32+n]) != msgKey {
		return nil, fmt.Errorf("msg_key mismatch")
	}
	if gotMsgID != msgID || seqNo != 0 {
		return nil, fmt.Errorf("msg_id %d seq_no %d, want %d and 0", gotMsgID, seqNo, msgID)
	}
	var inner crypto.BindAuthKeyInner
	if err := inner.Decode(&bin.Buffer{Buf: plain[32 : 32+n]}); err != nil {
		return nil, fmt.Errorf("decode bind_auth_key_inner: %w", err)
	}
	return &inner, nil
}
