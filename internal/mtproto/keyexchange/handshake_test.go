package keyexchange

import (
	"bytes"
	"errors"
	"io"
	"math/big"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
)

func TestHandshakeKinds(t *testing.T) {
	tests := []struct {
		name      string
		kind      uint32
		dc        int
		expiresIn int
		wantTemp  bool
		wantTTL   time.Duration
		wantDC    int
	}{
		{name: "p_q_inner_data", kind: mt.PQInnerDataTypeID, wantDC: 0},
		{name: "p_q_inner_data_dc", kind: mt.PQInnerDataDCTypeID, dc: testDC, wantDC: testDC},
		{name: "test DC", kind: mt.PQInnerDataDCTypeID, dc: testDC + 10000, wantDC: testDC + 10000},
		{name: "media DC", kind: mt.PQInnerDataDCTypeID, dc: -testDC, wantDC: -testDC},
		{name: "media test DC", kind: mt.PQInnerDataDCTypeID, dc: -testDC - 10000, wantDC: -testDC - 10000},
		{name: "temp", kind: mt.PQInnerDataTempDCTypeID, dc: testDC, expiresIn: 3600,
			wantTemp: true, wantTTL: time.Hour, wantDC: testDC},
		{name: "temp 1s", kind: mt.PQInnerDataTempDCTypeID, dc: -testDC, expiresIn: 1,
			wantTemp: true, wantTTL: time.Second, wantDC: -testDC},
		{name: "temp clamped", kind: mt.PQInnerDataTempDCTypeID, dc: testDC, expiresIn: 31 * 86400,
			wantTemp: true, wantTTL: MaxTempKeyLifetime, wantDC: testDC},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, newTestServer(byte(i), nil).NewHandshake())
			c.reqPQ()
			reply, _ := c.handle(c.dhBody(tt.kind, func(d *dhCase) {
				d.inner.DC, d.inner.ExpiresIn = tt.dc, tt.expiresIn
			}))
			c.acceptDH(reply)
			reply, res := c.handle(c.setBody(nil))
			c.checkOK(reply, res)
			if res.Temp != tt.wantTemp || res.DC != tt.wantDC {
				t.Errorf("Temp, DC = %v, %d; want %v, %d", res.Temp, res.DC, tt.wantTemp, tt.wantDC)
			}
			var wantExp time.Time
			if tt.wantTemp {
				wantExp = testNow.Add(tt.wantTTL)
			}
			if !res.ExpiresAt.Equal(wantExp) {
				t.Errorf("ExpiresAt = %v, want %v", res.ExpiresAt, wantExp)
			}
		})
	}
}

func TestResPQ(t *testing.T) {
	s := newTestServer(1, nil)
	c := newTestClient(t, s.NewHandshake())
	reply, _ := c.handle(c.reqPQBody())
	var res mt.ResPQ
	if err := res.Decode(&bin.Buffer{Buf: reply}); err != nil {
		t.Fatal(err)
	}
	if len(res.ServerPublicKeyFingerprints) != 1 || res.ServerPublicKeyFingerprints[0] != s.Fingerprint() {
		t.Errorf("fingerprints %v, want only %d", res.ServerPublicKeyFingerprints, s.Fingerprint())
	}
	if s.Fingerprint() != crypto.RSAFingerprint(&testKey().PublicKey) {
		t.Error("Fingerprint differs from crypto.RSAFingerprint")
	}
	// The legacy req_pq works too.
	reply, _ = c.handle(mustEncode(t, &mt.ReqPqRequest{Nonce: c.nonce}))
	if err := res.Decode(&bin.Buffer{Buf: reply}); err != nil || res.Nonce != c.nonce {
		t.Fatalf("req_pq: %v", err)
	}
}

// TestRestart checks that req_pq_multi at any stage, or after any failure,
// starts a clean exchange that completes.
func TestRestart(t *testing.T) {
	c := newTestClient(t, newTestServer(2, nil).NewHandshake())
	c.reqPQ()
	c.complete(mt.PQInnerDataDCTypeID) // restart after resPQ
	c.toStageDH(mt.PQInnerDataDCTypeID)
	oldServerNonce := c.serverNonce
	c.complete(mt.PQInnerDataDCTypeID) // restart after server_DH_params_ok
	if c.serverNonce == oldServerNonce {
		t.Error("server_nonce reused after a restart")
	}

	// After dh_gen_fail.
	c.toStageDH(mt.PQInnerDataDCTypeID)
	reply, res := c.handle(c.setBody(func(i *mt.ClientDHInnerData) { i.GB = []byte{1} }))
	if _, ok := decodeGen(t, reply).(*mt.DhGenFail); !ok || res != nil {
		t.Fatalf("want dh_gen_fail, got %T", decodeGen(t, reply))
	}
	c.complete(mt.PQInnerDataTempDCTypeID)

	// After an Error.
	c.reqPQ()
	if _, _, err := c.h.Handle(c.dhBody(mt.PQInnerDataDCTypeID, func(d *dhCase) { d.outer.Nonce[0]++ })); err == nil {
		t.Fatal("want an error")
	}
	c.complete(mt.PQInnerDataDCTypeID)
	// And after a completed exchange, on the same handshake.
	c.complete(mt.PQInnerDataTypeID)
}

func TestServerNonceLeadingZeros(t *testing.T) {
	// server_nonce 00 00 ...: TempAESKeys must hash all 16 bytes.
	r := io.MultiReader(bytes.NewReader(make([]byte, 4)), seeded(9))
	c := newTestClient(t, newTestServer(0, func(o *Options) { o.Rand = r }).NewHandshake())
	c.reqPQ()
	if c.serverNonce[0] != 0 {
		t.Fatal("server_nonce does not start with zero")
	}
	reply, _ := c.handle(c.dhBody(mt.PQInnerDataDCTypeID, func(d *dhCase) { d.inner.NewNonce[0] = 0 }))
	c.acceptDH(reply)
	reply, res := c.handle(c.setBody(nil))
	c.checkOK(reply, res)
}

func TestRetry(t *testing.T) {
	var seen [][8]byte
	s := newTestServer(3, func(o *Options) {
		o.KeyExists = func(id [8]byte) bool {
			seen = append(seen, id)
			return len(seen) == 1 // only the first key collides
		}
	})
	c := newTestClient(t, s.NewHandshake())
	c.toStageDH(mt.PQInnerDataDCTypeID)
	reply, res := c.handle(c.setBody(nil))
	retry, ok := decodeGen(t, reply).(*mt.DhGenRetry)
	if !ok || res != nil {
		t.Fatalf("want dh_gen_retry, got %T", decodeGen(t, reply))
	}
	first := c.key()
	if retry.NewNonceHash2 != nonceHash(c.newNonce, 2, first) {
		t.Error("new_nonce_hash2 mismatch")
	}
	c.retryID = auxRetryID(first)
	reply, res = c.handle(c.setBody(nil))
	c.checkOK(reply, res)
}

func TestRetryLimitAndWrongRetryID(t *testing.T) {
	s := newTestServer(4, func(o *Options) { o.KeyExists = func([8]byte) bool { return true } })
	c := newTestClient(t, s.NewHandshake())
	c.toStageDH(mt.PQInnerDataDCTypeID)
	for i := range maxRetries + 1 {
		reply, _ := c.handle(c.setBody(nil))
		ans := decodeGen(t, reply)
		if _, ok := ans.(*mt.DhGenRetry); ok && i < maxRetries {
			c.retryID = auxRetryID(c.key())
			continue
		}
		if _, ok := ans.(*mt.DhGenFail); !ok || i != maxRetries {
			t.Fatalf("attempt %d: got %T", i, ans)
		}
	}

	// A retry_id that is not the aux hash of the previous key fails.
	c.retryID = 0
	c.toStageDH(mt.PQInnerDataDCTypeID)
	c.handle(c.setBody(nil)) // dh_gen_retry
	reply, _ := c.handle(c.setBody(nil))
	if _, ok := decodeGen(t, reply).(*mt.DhGenFail); !ok {
		t.Fatalf("stale retry_id: got %T", decodeGen(t, reply))
	}
}

// auxRetryID returns the retry_id for a retry after key: its aux hash read as
// a TL long.
func auxRetryID(key crypto.Key) int64 {
	aux := key.AuxHash()
	b := bin.Buffer{Buf: aux[:]}
	v, _ := b.Long()
	return v
}

func TestNonceHash(t *testing.T) {
	var key crypto.Key
	copy(key[:], "some key")
	nn := bin.Int256{1, 2, 3}
	if nonceHash(nn, 1, key) != crypto.NonceHash1(nn, key) {
		t.Error("nonceHash(1) differs from crypto.NonceHash1")
	}
}

func TestErrorType(t *testing.T) {
	h := newTestServer(5, nil).NewHandshake()
	_, _, err := h.Handle([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	var e *Error
	if !errors.As(err, &e) || e.Code != 0 || e.Reason == "" {
		t.Fatalf("got %v", err)
	}
	_, _, err = h.Handle([]byte{1})
	if !errors.As(err, &e) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated constructor: %v", err)
	}
}

func TestNewServerPanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	mustPanic("nil key", func() { NewServer(nil, Options{DC: 1}) })
	mustPanic("bad g", func() { NewServer(testKey(), Options{DC: 1, G: 2}) })
	mustPanic("bad prime", func() { NewServer(testKey(), Options{DC: 1, Prime: big.NewInt(23)}) })
	// A custom prime that passes: the default one.
	s := NewServer(testKey(), Options{DC: 1, Prime: DefaultPrime(), G: 3})
	if s.prime.Cmp(DefaultPrime()) != 0 {
		t.Error("prime not kept")
	}
}
