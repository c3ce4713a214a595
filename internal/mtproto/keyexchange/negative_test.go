package keyexchange

import (
	"errors"
	"math/big"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
)

// wantError checks that err is an *Error with code and that the handshake
// went back to its start.
func wantError(t *testing.T, h *Handshake, err error, code int32) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *Error, got %v", err)
	}
	if e.Code != code {
		t.Errorf("code %d, want %d (%v)", e.Code, code, err)
	}
	if h.stage != stageStart || h.a != nil || h.p != nil {
		t.Error("state survived the error")
	}
}

func TestReqDHParamsRejected(t *testing.T) {
	const (
		notFound = CodeAuthKeyNotFound
		wrongDC  = CodeWrongDC
	)
	one := []byte{1}
	tests := []struct {
		name   string
		kind   uint32
		mutate func(*dhCase)
		code   int32
	}{
		{"nonce", 0, func(d *dhCase) { d.outer.Nonce[3] ^= 1 }, notFound},
		{"server_nonce", 0, func(d *dhCase) { d.outer.ServerNonce[15] ^= 1 }, notFound},
		{"p", 0, func(d *dhCase) { d.outer.P = one }, notFound},
		{"q", 0, func(d *dhCase) { d.outer.Q = one }, notFound},
		{"p and q swapped", 0, func(d *dhCase) { d.outer.P, d.outer.Q = d.outer.Q, d.outer.P }, notFound},
		{"fingerprint", 0, func(d *dhCase) { d.outer.PublicKeyFingerprint++ }, notFound},
		{"short encrypted_data", 0, func(d *dhCase) { d.outer.EncryptedData = make([]byte, 255) }, notFound},
		{"encrypted_data above modulus", 0, func(d *dhCase) { d.outer.EncryptedData = allFF(256) }, notFound},
		{"encrypted_data garbage", 0, func(d *dhCase) { d.outer.EncryptedData = make([]byte, 256) }, notFound},
		{"inner nonce", 0, func(d *dhCase) { d.inner.Nonce[0] ^= 1 }, notFound},
		{"inner server_nonce", 0, func(d *dhCase) { d.inner.ServerNonce[0] ^= 1 }, notFound},
		{"inner pq", 0, func(d *dhCase) { d.inner.Pq = one }, notFound},
		{"inner p", 0, func(d *dhCase) { d.inner.P = one }, notFound},
		{"inner q", 0, func(d *dhCase) { d.inner.Q = one }, notFound},
		{"inner pq plain", mt.PQInnerDataTypeID, func(d *dhCase) { d.inner.Pq = one }, notFound},
		{"wrong DC", 0, func(d *dhCase) { d.inner.DC = testDC + 1 }, wrongDC},
		{"DC 0", 0, func(d *dhCase) { d.inner.DC = 0 }, wrongDC},
		{"wrong test DC", 0, func(d *dhCase) { d.inner.DC = 10003 }, wrongDC},
		{"temp wrong DC", mt.PQInnerDataTempDCTypeID, func(d *dhCase) { d.inner.DC = -3 }, wrongDC},
		{"temp expires_in 0", mt.PQInnerDataTempDCTypeID, func(d *dhCase) { d.inner.ExpiresIn = 0 }, notFound},
		{"temp expires_in -1", mt.PQInnerDataTempDCTypeID, func(d *dhCase) { d.inner.ExpiresIn = -1 }, notFound},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind := tt.kind
			if kind == 0 {
				kind = mt.PQInnerDataDCTypeID
			}
			c := newTestClient(t, newTestServer(byte(i), nil).NewHandshake())
			c.reqPQ()
			reply, res, err := c.h.Handle(c.dhBody(kind, tt.mutate))
			if reply != nil || res != nil {
				t.Error("reply or result with an error")
			}
			wantError(t, c.h, err, tt.code)
			c.complete(mt.PQInnerDataDCTypeID)
		})
	}
}

func allFF(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 0xff
	}
	return b
}

func TestSetClientDHParamsFails(t *testing.T) {
	prime := DefaultPrime()
	safeMin := new(big.Int).Lsh(big.NewInt(1), 2048-64)
	sub := func(x, y *big.Int) []byte { return new(big.Int).Sub(x, y).Bytes() }
	add := func(x, y *big.Int) []byte { return new(big.Int).Add(x, y).Bytes() }
	tests := []struct {
		name   string
		mutate func(*mt.ClientDHInnerData)
	}{
		{"g_b 0", func(i *mt.ClientDHInnerData) { i.GB = nil }},
		{"g_b 1", func(i *mt.ClientDHInnerData) { i.GB = []byte{1} }},
		{"g_b p-1", func(i *mt.ClientDHInnerData) { i.GB = sub(prime, big.NewInt(1)) }},
		{"g_b p", func(i *mt.ClientDHInnerData) { i.GB = prime.Bytes() }},
		{"g_b p+2", func(i *mt.ClientDHInnerData) { i.GB = add(prime, big.NewInt(2)) }},
		{"g_b below 2^1984", func(i *mt.ClientDHInnerData) { i.GB = sub(safeMin, big.NewInt(1)) }},
		{"g_b above p-2^1984", func(i *mt.ClientDHInnerData) { i.GB = add(new(big.Int).Sub(prime, safeMin), big.NewInt(1)) }},
		{"g_b huge", func(i *mt.ClientDHInnerData) { i.GB = allFF(1000) }},
		{"inner nonce", func(i *mt.ClientDHInnerData) { i.Nonce[1] ^= 1 }},
		{"inner server_nonce", func(i *mt.ClientDHInnerData) { i.ServerNonce[1] ^= 1 }},
		{"retry_id on first try", func(i *mt.ClientDHInnerData) { i.RetryID = 1 }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, newTestServer(byte(i), nil).NewHandshake())
			c.toStageDH(mt.PQInnerDataDCTypeID)
			reply, res := c.handle(c.setBody(tt.mutate))
			fail, ok := decodeGen(t, reply).(*mt.DhGenFail)
			if !ok || res != nil {
				t.Fatalf("want dh_gen_fail, got %T", decodeGen(t, reply))
			}
			if fail.Nonce != c.nonce || fail.ServerNonce != c.serverNonce {
				t.Error("dh_gen_fail nonces")
			}
			if c.h.stage != stageStart {
				t.Error("state survived dh_gen_fail")
			}
			c.complete(mt.PQInnerDataDCTypeID)
		})
	}
}

func TestSetClientDHParamsRejected(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*testClient, *mt.SetClientDHParamsRequest)
	}{
		{"nonce", func(_ *testClient, r *mt.SetClientDHParamsRequest) { r.Nonce[0] ^= 1 }},
		{"server_nonce", func(_ *testClient, r *mt.SetClientDHParamsRequest) { r.ServerNonce[0] ^= 1 }},
		{"empty", func(_ *testClient, r *mt.SetClientDHParamsRequest) { r.EncryptedData = nil }},
		{"not blocks", func(_ *testClient, r *mt.SetClientDHParamsRequest) { r.EncryptedData = r.EncryptedData[1:] }},
		{"flipped bit", func(_ *testClient, r *mt.SetClientDHParamsRequest) { r.EncryptedData[40] ^= 1 }},
		{"wrong AES key", func(c *testClient, r *mt.SetClientDHParamsRequest) {
			key, iv := crypto.TempAESKeys(big.NewInt(1), big.NewInt(2))
			r.EncryptedData = mustEncrypt(c, []byte{1, 2, 3, 4}, key, iv)
		}},
		{"not client_DH_inner_data", func(c *testClient, r *mt.SetClientDHParamsRequest) {
			r.EncryptedData = mustEncrypt(c, mustEncode(c.t, &mt.ReqPqRequest{}), c.aesKey, c.aesIV)
		}},
		{"trailing inner data", func(c *testClient, r *mt.SetClientDHParamsRequest) {
			inner := mustEncode(c.t, &mt.ClientDHInnerData{Nonce: c.nonce, ServerNonce: c.serverNonce, GB: []byte{2}})
			r.EncryptedData = mustEncrypt(c, append(inner, 0, 0, 0, 0), c.aesKey, c.aesIV)
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, newTestServer(byte(i), nil).NewHandshake())
			c.toStageDH(mt.PQInnerDataDCTypeID)
			var req mt.SetClientDHParamsRequest
			if err := req.Decode(&bin.Buffer{Buf: c.setBody(nil)}); err != nil {
				t.Fatal(err)
			}
			tt.mutate(c, &req)
			_, _, err := c.h.Handle(mustEncode(t, &req))
			wantError(t, c.h, err, CodeAuthKeyNotFound)
			c.complete(mt.PQInnerDataDCTypeID)
		})
	}
}

func mustEncrypt(c *testClient, data, key, iv []byte) []byte {
	enc, err := crypto.EncryptExchangeAnswer(c.rand, data, key, iv)
	if err != nil {
		c.t.Fatal(err)
	}
	return enc
}

func TestOutOfOrder(t *testing.T) {
	c := newTestClient(t, newTestServer(1, nil).NewHandshake())
	// Build a valid req_DH_params and set_client_DH_params on another
	// handshake, then replay them out of order on a fresh one.
	c.reqPQ()
	dh := c.dhBody(mt.PQInnerDataDCTypeID, nil)
	reply, _ := c.handle(dh)
	c.acceptDH(reply)
	set := c.setBody(nil)

	h := newTestServer(1, nil).NewHandshake()
	for _, body := range [][]byte{set, dh} {
		_, _, err := h.Handle(body)
		wantError(t, h, err, CodeAuthKeyNotFound)
	}
	// req_DH_params twice: the second is out of order.
	c2 := newTestClient(t, h)
	c2.toStageDH(mt.PQInnerDataDCTypeID)
	_, _, err := h.Handle(c2.dhBody(mt.PQInnerDataDCTypeID, nil))
	wantError(t, h, err, CodeAuthKeyNotFound)
	// set_client_DH_params after the exchange completed.
	c2.complete(mt.PQInnerDataDCTypeID)
	_, _, err = h.Handle(c2.setBody(nil))
	wantError(t, h, err, CodeAuthKeyNotFound)
}

func TestGarbage(t *testing.T) {
	h := newTestServer(1, nil).NewHandshake()
	multi := mustEncode(t, &mt.ReqPqMultiRequest{Nonce: bin.Int128{1}})
	bodies := map[string][]byte{
		"nil":                  nil,
		"unknown constructor":  {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4},
		"resPQ":                mustEncode(t, &mt.ResPQ{}),
		"trailing after multi": append(multi, 0, 0, 0, 0),
		"dh_gen_ok":            mustEncode(t, &mt.DhGenOk{}),
	}
	for name, body := range bodies {
		_, _, err := h.Handle(body)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		wantError(t, h, err, 0)
	}
}

// TestTruncations feeds every proper prefix of each valid message to a
// handshake in the stage expecting it.
func TestTruncations(t *testing.T) {
	c := newTestClient(t, newTestServer(7, nil).NewHandshake())
	start := *c.h
	multi := c.reqPQBody()
	legacy := mustEncode(t, &mt.ReqPqRequest{Nonce: c.nonce})
	c.h.Handle(multi)
	c.reqPQ()
	atPQ := *c.h
	dh := c.dhBody(mt.PQInnerDataTempDCTypeID, nil)
	reply, _ := c.handle(dh)
	c.acceptDH(reply)
	atDH := *c.h
	set := c.setBody(nil)

	msgs := []struct {
		name  string
		state Handshake
		body  []byte
	}{
		{"req_pq_multi", start, multi},
		{"req_pq", start, legacy},
		{"req_DH_params", atPQ, dh},
		{"set_client_DH_params", atDH, set},
	}
	for _, m := range msgs {
		for n := range len(m.body) {
			*c.h = m.state
			reply, res, err := c.h.Handle(m.body[:n])
			if err == nil || reply != nil || res != nil {
				t.Fatalf("%s[:%d]: reply %x, result %v, err %v", m.name, n, reply, res, err)
			}
		}
		*c.h = m.state
		if _, _, err := c.h.Handle(m.body); err != nil {
			t.Fatalf("%s untruncated: %v", m.name, err)
		}
	}
}
