package keyexchange

import (
	"math/big"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
)

// stage is where a Handshake is in the exchange.
type stage uint8

const (
	// stageStart waits for req_pq or req_pq_multi.
	stageStart stage = iota
	// stagePQ has sent resPQ and waits for req_DH_params.
	stagePQ
	// stageDH has sent server_DH_params_ok and waits for set_client_DH_params.
	stageDH
)

// Handshake is the state of one key exchange on one connection. It is not
// safe for concurrent use. After a completed exchange, a dh_gen_fail or an
// Error it is back at its start, and a new req_pq_multi begins another
// exchange; a req_pq or req_pq_multi at any point restarts from scratch.
type Handshake struct {
	s     *Server
	stage stage

	nonce       bin.Int128
	serverNonce bin.Int128
	p, q, pq    *big.Int

	newNonce  bin.Int256
	temp      bool
	expiresIn time.Duration
	dc        int

	aesKey, aesIV []byte
	a             *big.Int
	retryID       int64
	retries       int
}

// Handle takes the message_data of one unencrypted message (a TL object:
// req_pq, req_pq_multi, req_DH_params, set_client_DH_params) and returns the
// TL-encoded reply to send back in an unencrypted message (nil when nothing is
// to be sent), and a non-nil *Result when the exchange completed with
// dh_gen_ok.
//
// A failed check returns an *Error and no reply; the caller sends its Code
// when non-zero and closes the connection. A client whose
// client_DH_inner_data fails the checks (nonces, retry_id, range of g_b) gets
// a dh_gen_fail reply with a nil error, and may start over on the same
// connection.
func (h *Handshake) Handle(body []byte) (reply []byte, res *Result, err error) {
	reply, res, err = h.handle(body)
	if err != nil {
		h.reset()
		return nil, nil, err
	}
	return reply, res, nil
}

// handle dispatches body on its constructor.
func (h *Handshake) handle(body []byte) ([]byte, *Result, error) {
	b := &bin.Buffer{Buf: body}
	id, err := b.PeekID()
	if err != nil {
		return nil, nil, wrapErr(0, "read constructor", err)
	}
	switch id {
	case mt.ReqPqRequestTypeID, mt.ReqPqMultiRequestTypeID:
		reply, err := h.reqPQ(b, id)
		return reply, nil, err
	case mt.ReqDHParamsRequestTypeID:
		reply, err := h.reqDHParams(b)
		return reply, nil, err
	case mt.SetClientDHParamsRequestTypeID:
		return h.setClientDHParams(b)
	default:
		return nil, nil, failf(0, "unexpected constructor %#08x", id)
	}
}

// reset forgets everything but the server.
func (h *Handshake) reset() {
	*h = Handshake{s: h.s}
}

// reqPQ answers req_pq and req_pq_multi with resPQ, starting a new exchange.
func (h *Handshake) reqPQ(b *bin.Buffer, id uint32) ([]byte, error) {
	h.reset()
	var nonce bin.Int128
	if id == mt.ReqPqRequestTypeID {
		var req mt.ReqPqRequest
		if err := req.Decode(b); err != nil {
			return nil, wrapErr(0, "decode req_pq", err)
		}
		nonce = req.Nonce
	} else {
		var req mt.ReqPqMultiRequest
		if err := req.Decode(b); err != nil {
			return nil, wrapErr(0, "decode req_pq_multi", err)
		}
		nonce = req.Nonce
	}
	if err := checkEnd(b, 0, "req_pq"); err != nil {
		return nil, err
	}

	serverNonce, err := crypto.RandInt128(h.s.rand)
	if err != nil {
		return nil, wrapErr(0, "generate server_nonce", err)
	}
	p, q, err := newPQ(h.s.rand)
	if err != nil {
		return nil, wrapErr(0, "generate pq", err)
	}
	h.nonce, h.serverNonce = nonce, serverNonce
	h.p, h.q, h.pq = p, q, new(big.Int).Mul(p, q)
	h.stage = stagePQ

	return encode(&mt.ResPQ{
		Nonce:                       nonce,
		ServerNonce:                 serverNonce,
		Pq:                          h.pq.Bytes(),
		ServerPublicKeyFingerprints: []int64{h.s.fingerprint},
	})
}

// checkNonces checks the nonce and server_nonce of a message against ours.
func (h *Handshake) checkNonces(what string, nonce, serverNonce bin.Int128) error {
	if nonce != h.nonce {
		return failf(CodeAuthKeyNotFound, "%s: nonce mismatch", what)
	}
	if serverNonce != h.serverNonce {
		return failf(CodeAuthKeyNotFound, "%s: server_nonce mismatch", what)
	}
	return nil
}

// checkEnd fails with code when b has bytes left after the message what.
func checkEnd(b *bin.Buffer, code int32, what string) error {
	if n := b.Len(); n != 0 {
		return failf(code, "%d trailing bytes after %s", n, what)
	}
	return nil
}

// encode returns the TL encoding of v.
func encode(v bin.Encoder) ([]byte, error) {
	var b bin.Buffer
	if err := v.Encode(&b); err != nil {
		return nil, wrapErr(0, "encode reply", err)
	}
	return b.Buf, nil
}

// sameInt reports whether the big-endian number b equals x.
func sameInt(b []byte, x *big.Int) bool {
	return new(big.Int).SetBytes(b).Cmp(x) == 0
}
