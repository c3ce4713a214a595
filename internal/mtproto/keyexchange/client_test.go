package keyexchange

import (
	crand "crypto/rand"
	"crypto/rsa"
	"io"
	"math/big"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
)

// testDC is the DC of the servers under test.
const testDC = 2

// testKey is one 2048-bit RSA key shared by all tests: making one is slow.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(crand.Reader, crypto.RSAKeyBits)
	if err != nil {
		panic(err)
	}
	return k
})

// testNow is the fixed time of testClock.
var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func testClock() time.Time { return testNow }

// seeded returns a deterministic random source.
func seeded(seed byte) io.Reader {
	return rand.NewChaCha8([32]byte{seed})
}

// newTestServer returns a server for testDC with a deterministic source and
// clock; mod, if not nil, adjusts the options first.
func newTestServer(seed byte, mod func(*Options)) *Server {
	opts := Options{DC: testDC, Rand: seeded(seed), Clock: testClock}
	if mod != nil {
		mod(&opts)
	}
	return NewServer(testKey(), opts)
}

// testClient is a hand-made MTProto client driving a Handshake directly, so
// tests can tamper with every field it sends.
type testClient struct {
	t    testing.TB
	h    *Handshake
	rand io.Reader

	nonce, serverNonce bin.Int128
	pq                 []byte
	p, q               *big.Int
	newNonce           bin.Int256
	aesKey, aesIV      []byte
	g                  *big.Int
	prime, gA          *big.Int
	b                  *big.Int
	retryID            int64
}

func newTestClient(t testing.TB, h *Handshake) *testClient {
	return &testClient{t: t, h: h, rand: seeded(0xC1)}
}

// handle feeds body to the handshake and fails the test on an error.
func (c *testClient) handle(body []byte) ([]byte, *Result) {
	c.t.Helper()
	reply, res, err := c.h.Handle(body)
	if err != nil {
		c.t.Fatalf("Handle: %v", err)
	}
	return reply, res
}

// mustEncode returns the TL encoding of v.
func mustEncode(t testing.TB, v bin.Encoder) []byte {
	t.Helper()
	var b bin.Buffer
	if err := v.Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Buf
}

// reqPQBody returns a req_pq_multi with a new client nonce.
func (c *testClient) reqPQBody() []byte {
	c.t.Helper()
	nonce, err := crypto.RandInt128(c.rand)
	if err != nil {
		c.t.Fatal(err)
	}
	c.nonce = nonce
	return mustEncode(c.t, &mt.ReqPqMultiRequest{Nonce: nonce})
}

// reqPQ runs step 1 and learns the factors of pq.
func (c *testClient) reqPQ() {
	c.t.Helper()
	reply, _ := c.handle(c.reqPQBody())
	var res mt.ResPQ
	if err := res.Decode(&bin.Buffer{Buf: reply}); err != nil {
		c.t.Fatal(err)
	}
	if res.Nonce != c.nonce {
		c.t.Fatal("resPQ nonce mismatch")
	}
	c.serverNonce, c.pq = res.ServerNonce, res.Pq
	// gotd's DecomposePQ takes about 0.2 s: TestPQ and the gotd client tests
	// run it; here the test peeks at the factors.
	c.p, c.q = c.h.p, c.h.q
	if !sameInt(res.Pq, new(big.Int).Mul(c.p, c.q)) {
		c.t.Fatal("pq is not p*q")
	}
}

// dhCase is a req_DH_params about to be sent; inner holds the fields of every
// kind of p_q_inner_data, of which kind picks one.
type dhCase struct {
	kind  uint32
	outer mt.ReqDHParamsRequest
	inner mt.PQInnerDataTempDC
}

// dhBody builds a valid req_DH_params with inner data of kind, lets mutate
// tamper with it, and encrypts and encodes it.
func (c *testClient) dhBody(kind uint32, mutate func(*dhCase)) []byte {
	c.t.Helper()
	newNonce, err := crypto.RandInt256(c.rand)
	if err != nil {
		c.t.Fatal(err)
	}
	d := &dhCase{
		kind: kind,
		outer: mt.ReqDHParamsRequest{
			Nonce: c.nonce, ServerNonce: c.serverNonce, P: c.p.Bytes(), Q: c.q.Bytes(),
			PublicKeyFingerprint: crypto.RSAFingerprint(&testKey().PublicKey),
		},
		inner: mt.PQInnerDataTempDC{
			Pq: c.pq, P: c.p.Bytes(), Q: c.q.Bytes(), Nonce: c.nonce, ServerNonce: c.serverNonce,
			NewNonce: newNonce, DC: testDC, ExpiresIn: 3600,
		},
	}
	if mutate != nil {
		mutate(d)
	}
	c.newNonce = d.inner.NewNonce
	if d.outer.EncryptedData == nil {
		data, err := crypto.RSAPad(mustEncode(c.t, innerOf(d)), &testKey().PublicKey, c.rand)
		if err != nil {
			c.t.Fatal(err)
		}
		d.outer.EncryptedData = data
	}
	return mustEncode(c.t, &d.outer)
}

// innerOf returns the inner data of d as its kind.
func innerOf(d *dhCase) bin.Encoder {
	i := d.inner
	switch d.kind {
	case mt.PQInnerDataTypeID:
		return &mt.PQInnerData{Pq: i.Pq, P: i.P, Q: i.Q, Nonce: i.Nonce, ServerNonce: i.ServerNonce, NewNonce: i.NewNonce}
	case mt.PQInnerDataDCTypeID:
		return &mt.PQInnerDataDC{Pq: i.Pq, P: i.P, Q: i.Q, Nonce: i.Nonce, ServerNonce: i.ServerNonce,
			NewNonce: i.NewNonce, DC: i.DC}
	default:
		return &i
	}
}

// acceptDH reads server_DH_params_ok and its inner data.
func (c *testClient) acceptDH(reply []byte) {
	c.t.Helper()
	var ok mt.ServerDHParamsOk
	if err := ok.Decode(&bin.Buffer{Buf: reply}); err != nil {
		c.t.Fatal(err)
	}
	if ok.Nonce != c.nonce || ok.ServerNonce != c.serverNonce {
		c.t.Fatal("server_DH_params_ok nonce mismatch")
	}
	c.aesKey, c.aesIV = crypto.TempAESKeys(c.newNonce.BigInt(), c.serverNonce.BigInt())
	data, err := crypto.DecryptExchangeAnswer(ok.EncryptedAnswer, c.aesKey, c.aesIV)
	if err != nil || data == nil {
		c.t.Fatalf("decrypt answer: %v", err)
	}
	var inner mt.ServerDHInnerData
	if err := inner.Decode(&bin.Buffer{Buf: data}); err != nil {
		c.t.Fatal(err)
	}
	c.g, c.prime = big.NewInt(int64(inner.G)), new(big.Int).SetBytes(inner.DhPrime)
	c.gA = new(big.Int).SetBytes(inner.GA)
	if err := crypto.CheckDHParams(c.prime, c.g, c.gA, c.gA); err != nil {
		c.t.Fatal(err)
	}
}

// toStageDH runs steps 1 to 5 with valid inner data of kind.
func (c *testClient) toStageDH(kind uint32) {
	c.t.Helper()
	c.reqPQ()
	reply, _ := c.handle(c.dhBody(kind, nil))
	c.acceptDH(reply)
}

// setBody builds a valid set_client_DH_params with a new b and lets mutate
// tamper with the inner data before encryption.
func (c *testClient) setBody(mutate func(*mt.ClientDHInnerData)) []byte {
	c.t.Helper()
	b, err := crypto.RandInt256(c.rand) // 256 random bits are plenty here
	if err != nil {
		c.t.Fatal(err)
	}
	c.b = new(big.Int).SetBytes(b[:])
	inner := mt.ClientDHInnerData{
		Nonce: c.nonce, ServerNonce: c.serverNonce, RetryID: c.retryID,
		GB: new(big.Int).Exp(c.g, c.b, c.prime).Bytes(),
	}
	if mutate != nil {
		mutate(&inner)
	}
	enc, err := crypto.EncryptExchangeAnswer(c.rand, mustEncode(c.t, &inner), c.aesKey, c.aesIV)
	if err != nil {
		c.t.Fatal(err)
	}
	return mustEncode(c.t, &mt.SetClientDHParamsRequest{
		Nonce: c.nonce, ServerNonce: c.serverNonce, EncryptedData: enc,
	})
}

// key returns the auth key for the last b sent.
func (c *testClient) key() crypto.Key {
	var k crypto.Key
	new(big.Int).Exp(c.gA, c.b, c.prime).FillBytes(k[:])
	return k
}

// decodeGen decodes a Set_client_DH_params_answer.
func decodeGen(t testing.TB, reply []byte) mt.SetClientDHParamsAnswerClass {
	t.Helper()
	v, err := mt.DecodeSetClientDHParamsAnswer(&bin.Buffer{Buf: reply})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// complete runs a whole valid exchange with inner data of kind, checks the
// dh_gen_ok and returns the result.
func (c *testClient) complete(kind uint32) *Result {
	c.t.Helper()
	c.toStageDH(kind)
	reply, res := c.handle(c.setBody(nil))
	c.checkOK(reply, res)
	return res
}

// checkOK checks a dh_gen_ok reply and result against the client's view.
func (c *testClient) checkOK(reply []byte, res *Result) {
	c.t.Helper()
	ok, isOK := decodeGen(c.t, reply).(*mt.DhGenOk)
	if !isOK || res == nil {
		c.t.Fatalf("want dh_gen_ok and a result, got %T, %v", decodeGen(c.t, reply), res)
	}
	key := c.key()
	if ok.NewNonceHash1 != crypto.NonceHash1(c.newNonce, key) {
		c.t.Error("new_nonce_hash1 mismatch")
	}
	if res.Key != key.WithID() {
		c.t.Error("auth key mismatch")
	}
	if res.ServerSalt != crypto.ServerSalt(c.newNonce, c.serverNonce) {
		c.t.Error("server salt mismatch")
	}
}
