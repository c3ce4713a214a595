package keyexchange

import (
	"crypto/aes"
	"encoding/binary"
	"math/big"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
)

// setClientDHParams checks set_client_DH_params and answers dh_gen_ok,
// dh_gen_retry or dh_gen_fail.
func (h *Handshake) setClientDHParams(b *bin.Buffer) ([]byte, *Result, error) {
	if h.stage != stageDH {
		return nil, nil, failf(CodeAuthKeyNotFound, "set_client_DH_params out of order")
	}
	var req mt.SetClientDHParamsRequest
	if err := req.Decode(b); err != nil {
		return nil, nil, wrapErr(0, "decode set_client_DH_params", err)
	}
	if err := checkEnd(b, 0, "set_client_DH_params"); err != nil {
		return nil, nil, err
	}
	if err := h.checkNonces("set_client_DH_params", req.Nonce, req.ServerNonce); err != nil {
		return nil, nil, err
	}
	inner, err := h.decryptClientInner(req.EncryptedData)
	if err != nil {
		return nil, nil, err
	}

	gB := new(big.Int).SetBytes(inner.GB)
	if !h.s.inSafeRange(gB) {
		// No auth key exists for a g_b out of range: new_nonce_hash3 is made
		// with a zero key rather than leak anything about a.
		reply, err := h.genFail(crypto.Key{})
		return reply, nil, err
	}
	var key crypto.Key
	new(big.Int).Exp(gB, h.a, h.s.prime).FillBytes(key[:])

	if inner.Nonce != h.nonce || inner.ServerNonce != h.serverNonce || inner.RetryID != h.retryID {
		reply, err := h.genFail(key)
		return reply, nil, err
	}
	if h.s.keyExists != nil && h.s.keyExists(key.ID()) {
		reply, err := h.genRetry(key)
		return reply, nil, err
	}
	return h.genOK(key)
}

// decryptClientInner decrypts encrypted_data with the temporary AES key,
// checks its SHA1 and decodes client_DH_inner_data.
func (h *Handshake) decryptClientInner(data []byte) (*mt.ClientDHInnerData, error) {
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, failf(CodeAuthKeyNotFound, "set_client_DH_params: encrypted_data of %d bytes", len(data))
	}
	plain, err := crypto.DecryptExchangeAnswer(data, h.aesKey, h.aesIV)
	if err != nil {
		return nil, wrapErr(CodeAuthKeyNotFound, "set_client_DH_params: decrypt", err)
	}
	if plain == nil {
		// DecryptExchangeAnswer returns no data and no error on a SHA1 mismatch.
		return nil, failf(CodeAuthKeyNotFound, "set_client_DH_params: SHA1 of the inner data mismatch")
	}
	var inner mt.ClientDHInnerData
	b := &bin.Buffer{Buf: plain}
	if err := inner.Decode(b); err != nil {
		return nil, wrapErr(CodeAuthKeyNotFound, "decode client_DH_inner_data", err)
	}
	if err := checkEnd(b, CodeAuthKeyNotFound, "client_DH_inner_data"); err != nil {
		return nil, err
	}
	return &inner, nil
}

// genOK completes the exchange with dh_gen_ok and resets the handshake.
func (h *Handshake) genOK(key crypto.Key) ([]byte, *Result, error) {
	reply, err := encode(&mt.DhGenOk{
		Nonce:         h.nonce,
		ServerNonce:   h.serverNonce,
		NewNonceHash1: crypto.NonceHash1(h.newNonce, key),
	})
	if err != nil {
		return nil, nil, err
	}
	res := &Result{
		Key:        key.WithID(),
		ServerSalt: crypto.ServerSalt(h.newNonce, h.serverNonce),
		Temp:       h.temp,
		DC:         h.dc,
	}
	if h.temp {
		res.ExpiresAt = h.s.clock().Add(h.expiresIn)
	}
	h.reset()
	return reply, res, nil
}

// genRetry answers dh_gen_retry: the client is to send set_client_DH_params
// again with a new g_b and retry_id = auth_key_aux_hash of key. After
// maxRetries it answers dh_gen_fail instead.
func (h *Handshake) genRetry(key crypto.Key) ([]byte, error) {
	if h.retries >= maxRetries {
		return h.genFail(key)
	}
	h.retries++
	aux := key.AuxHash()
	h.retryID = int64(binary.LittleEndian.Uint64(aux[:]))
	return encode(&mt.DhGenRetry{
		Nonce:         h.nonce,
		ServerNonce:   h.serverNonce,
		NewNonceHash2: nonceHash(h.newNonce, 2, key),
	})
}

// genFail answers dh_gen_fail and resets the handshake.
func (h *Handshake) genFail(key crypto.Key) ([]byte, error) {
	reply, err := encode(&mt.DhGenFail{
		Nonce:         h.nonce,
		ServerNonce:   h.serverNonce,
		NewNonceHash3: nonceHash(h.newNonce, 3, key),
	})
	h.reset()
	return reply, err
}
