package keyexchange

import (
	"crypto/rand"
	"errors"
	"math/big"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
)

func TestNewPQ(t *testing.T) {
	lo := new(big.Int).Lsh(big.NewInt(1), 61)
	hi := new(big.Int).Lsh(big.NewInt(1), 63)
	seen := make(map[string]bool)
	for range 500 {
		p, q, err := newPQ(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pq := new(big.Int).Mul(p, q)
		if pq.Cmp(lo) <= 0 || pq.Cmp(hi) >= 0 {
			t.Fatalf("pq = %v out of (2^61, 2^63)", pq)
		}
		if p.Cmp(q) >= 0 || !p.ProbablyPrime(20) || !q.ProbablyPrime(20) {
			t.Fatalf("p = %v, q = %v: want primes p < q", p, q)
		}
		seen[pq.String()] = true
	}
	if len(seen) < 490 {
		t.Errorf("only %d distinct pq in 500", len(seen))
	}
}

func TestRandomPrimeBrokenSource(t *testing.T) {
	// From zeros the only candidate of 31 bits is 0x60000001 = 79 * 20387503.
	if _, err := randomPrime(zeroReader{}, pBits); !errors.Is(err, errNoPrime) {
		t.Errorf("got %v, want errNoPrime", err)
	}
	if _, _, err := newPQ(zeroReader{}); !errors.Is(err, errNoPrime) {
		t.Errorf("newPQ: got %v, want errNoPrime", err)
	}
	// And g_a from a = 0 is 1: never in the safe range.
	s := newTestServer(0, func(o *Options) { o.Rand = zeroReader{} })
	if _, _, err := s.newA(); err == nil {
		t.Error("newA from zeros succeeded")
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestResPQRandom checks that two handshakes with the real random source get
// different pq that a client can factor.
func TestResPQRandom(t *testing.T) {
	s := NewServer(testKey(), Options{DC: testDC})
	var pqs [2]*big.Int
	for i := range pqs {
		reply, _, err := s.NewHandshake().Handle(mustEncode(t, &mt.ReqPqMultiRequest{Nonce: bin.Int128{byte(i)}}))
		if err != nil {
			t.Fatal(err)
		}
		var res mt.ResPQ
		if err := res.Decode(&bin.Buffer{Buf: reply}); err != nil {
			t.Fatal(err)
		}
		pqs[i] = new(big.Int).SetBytes(res.Pq)
		if !pqs[i].IsInt64() || len(res.Pq) != 8 {
			t.Errorf("pq %x is not a positive int64 in 8 bytes", res.Pq)
		}
	}
	if pqs[0].Cmp(pqs[1]) == 0 {
		t.Error("two handshakes got the same pq")
	}
	p, q, err := crypto.DecomposePQ(pqs[0], rand.Reader)
	if err != nil || new(big.Int).Mul(p, q).Cmp(pqs[0]) != 0 || p.Cmp(q) >= 0 {
		t.Errorf("DecomposePQ: %v * %v, %v", p, q, err)
	}
}
