package keyexchange

import (
	"math/big"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
)

// rsaPadLen is the length of RSA_PAD's encrypted_data.
const rsaPadLen = crypto.RSAKeyBits / 8

// reqDHParams checks req_DH_params and its RSA-encrypted inner data and
// answers server_DH_params_ok.
func (h *Handshake) reqDHParams(b *bin.Buffer) ([]byte, error) {
	if h.stage != stagePQ {
		return nil, failf(CodeAuthKeyNotFound, "req_DH_params out of order")
	}
	var req mt.ReqDHParamsRequest
	if err := req.Decode(b); err != nil {
		return nil, wrapErr(0, "decode req_DH_params", err)
	}
	if err := checkEnd(b, 0, "req_DH_params"); err != nil {
		return nil, err
	}
	if err := h.checkNonces("req_DH_params", req.Nonce, req.ServerNonce); err != nil {
		return nil, err
	}
	if !sameInt(req.P, h.p) || !sameInt(req.Q, h.q) {
		return nil, failf(CodeAuthKeyNotFound, "req_DH_params: p or q is not our factor")
	}
	if req.PublicKeyFingerprint != h.s.fingerprint {
		return nil, failf(CodeAuthKeyNotFound, "req_DH_params: unknown key fingerprint %#016x",
			uint64(req.PublicKeyFingerprint))
	}
	inner, err := h.s.decryptInner(req.EncryptedData)
	if err != nil {
		return nil, err
	}
	if err := h.acceptInner(inner); err != nil {
		return nil, err
	}
	return h.serverDHParams()
}

// decryptInner decrypts and decodes the RSA_PAD encrypted p_q_inner_data*.
func (s *Server) decryptInner(data []byte) (mt.PQInnerDataClass, error) {
	if len(data) != rsaPadLen {
		return nil, failf(CodeAuthKeyNotFound, "encrypted_data of %d bytes", len(data))
	}
	if new(big.Int).SetBytes(data).Cmp(s.key.N) >= 0 {
		return nil, failf(CodeAuthKeyNotFound, "encrypted_data not below the RSA modulus")
	}
	plain, err := crypto.DecodeRSAPad(data, s.key)
	if err != nil {
		return nil, wrapErr(CodeAuthKeyNotFound, "decrypt encrypted_data", err)
	}
	// The inner data is followed by random padding up to 192 bytes.
	inner, err := mt.DecodePQInnerData(&bin.Buffer{Buf: plain})
	if err != nil {
		return nil, wrapErr(CodeAuthKeyNotFound, "decode inner data", err)
	}
	return inner, nil
}

// acceptInner checks the inner data against the outer request and our state
// and records new_nonce and what kind of key is asked for.
func (h *Handshake) acceptInner(inner mt.PQInnerDataClass) error {
	if err := h.checkNonces("inner data", inner.GetNonce(), inner.GetServerNonce()); err != nil {
		return err
	}
	if !sameInt(inner.GetPq(), h.pq) || !sameInt(inner.GetP(), h.p) || !sameInt(inner.GetQ(), h.q) {
		return failf(CodeAuthKeyNotFound, "inner data: pq, p or q mismatch")
	}
	switch v := inner.(type) {
	case *mt.PQInnerData:
		// Permanent key naming no DC.
	case *mt.PQInnerDataDC:
		if !h.s.dcAllowed(v.DC) {
			return failf(CodeWrongDC, "inner data names DC %d, we are DC %d", v.DC, h.s.dc)
		}
		h.dc = v.DC
	case *mt.PQInnerDataTempDC:
		if !h.s.dcAllowed(v.DC) {
			return failf(CodeWrongDC, "inner data names DC %d, we are DC %d", v.DC, h.s.dc)
		}
		if v.ExpiresIn <= 0 {
			return failf(CodeAuthKeyNotFound, "temporary key with expires_in %d", v.ExpiresIn)
		}
		h.dc = v.DC
		h.temp = true
		h.expiresIn = min(time.Duration(v.ExpiresIn)*time.Second, MaxTempKeyLifetime)
	default:
		return failf(CodeAuthKeyNotFound, "unexpected inner data %T", inner)
	}
	h.newNonce = inner.GetNewNonce()
	return nil
}

// serverDHParams draws a and answers server_DH_params_ok carrying the
// encrypted server_DH_inner_data.
func (h *Handshake) serverDHParams() ([]byte, error) {
	a, gA, err := h.s.newA()
	if err != nil {
		return nil, wrapErr(0, "server_DH_params", err)
	}
	inner, err := encode(&mt.ServerDHInnerData{
		Nonce:       h.nonce,
		ServerNonce: h.serverNonce,
		G:           h.s.g,
		DhPrime:     h.s.primeBytes,
		GA:          gA.Bytes(),
		ServerTime:  int(h.s.clock().Unix()),
	})
	if err != nil {
		return nil, err
	}
	key, iv := crypto.TempAESKeys(h.newNonce.BigInt(), h.serverNonce.BigInt())
	answer, err := crypto.EncryptExchangeAnswer(h.s.rand, inner, key, iv)
	if err != nil {
		return nil, wrapErr(0, "encrypt server_DH_inner_data", err)
	}
	h.a, h.aesKey, h.aesIV = a, key, iv
	h.stage = stageDH
	return encode(&mt.ServerDHParamsOk{
		Nonce:           h.nonce,
		ServerNonce:     h.serverNonce,
		EncryptedAnswer: answer,
	})
}
