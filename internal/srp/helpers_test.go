package srp

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"math/big"
	"sync"
	"testing"
	"time"

	gotdsrp "github.com/gotd/td/crypto/srp"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// testClock is a settable Clock, safe for concurrent use.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// account is a password set up exactly as a client does it: the server
// offers NewAlgo, gotd's client side derives the verifier, and the server
// accepts it with VerifierFromSettings.
type account struct {
	password []byte
	verifier Verifier
	x        *big.Int // the client's secret, for fastClient
}

var (
	accountsMu sync.Mutex
	accounts   = map[string]*account{}
)

// testAccount returns the (cached, since PBKDF2 is slow) account for
// password.
func testAccount(t testing.TB, password string) *account {
	t.Helper()
	accountsMu.Lock()
	defer accountsMu.Unlock()
	if a, ok := accounts[password]; ok {
		return a
	}
	offered, err := NewAlgo(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serverSalt1 := offered.Salt1
	hash, newSalt1, err := gotdsrp.NewSRP(rand.Reader).NewHash([]byte(password), gotdsrp.Input(*offered))
	if err != nil {
		t.Fatal(err)
	}
	sent := *offered
	sent.Salt1 = newSalt1
	v, err := VerifierFromSettings(serverSalt1, &sent, hash)
	if err != nil {
		t.Fatalf("VerifierFromSettings: %v", err)
	}
	a := &account{password: []byte(password), verifier: v, x: clientX(t, []byte(password), v.Salt1, v.Salt2)}
	accounts[password] = a
	return a
}

// gotdProof answers a challenge with gotd's client code (one PBKDF2 run).
func gotdProof(t testing.TB, password []byte, v Verifier, srpID int64, srpB []byte) *tg.InputCheckPasswordSRP {
	t.Helper()
	a := make([]byte, 256)
	if _, err := rand.Read(a); err != nil {
		t.Fatal(err)
	}
	ans, err := gotdsrp.NewSRP(rand.Reader).Hash(password, srpB, a, gotdsrp.Input(*v.Algo()))
	if err != nil {
		t.Fatal(err)
	}
	return &tg.InputCheckPasswordSRP{SRPID: srpID, A: ans.A, M1: ans.M1}
}

// clientX is PH2(password, salt1, salt2) of the SRP page, written
// independently of gotd so that fastProof can skip PBKDF2.
func clientX(t testing.TB, password, salt1, salt2 []byte) *big.Int {
	t.Helper()
	sh := func(data, salt []byte) []byte { return hash(salt, data, salt) }
	ph1 := sh(sh(password, salt1), salt2)
	dk, err := pbkdf2.Key(sha512.New, string(ph1), salt1, 100000, 64)
	if err != nil {
		t.Fatal(err)
	}
	return new(big.Int).SetBytes(sh(dk, salt2))
}

// fastProof answers a challenge like a client knowing x, with the client's
// secret a. TestFastProofMatchesGotd checks it against gotd.
func fastProof(x *big.Int, v Verifier, srpID int64, srpB, a []byte) *tg.InputCheckPasswordSRP {
	ai := new(big.Int).SetBytes(a)
	ga := pad256(new(big.Int).Exp(g, ai, p))
	gb := make([]byte, 256)
	copy(gb[256-len(srpB):], srpB)
	u := new(big.Int).SetBytes(hash(ga[:], gb))
	kv := new(big.Int).Mul(k, new(big.Int).Exp(g, x, p))
	t := new(big.Int).SetBytes(gb)
	t.Sub(t, kv).Mod(t, p)
	e := new(big.Int).Mul(u, x)
	e.Add(e, ai)
	s := pad256(t.Exp(t, e, p))
	ka := hash(s[:])
	m1 := hash(hpg[:], hash(v.Salt1), hash(v.Salt2), ga[:], gb, ka)
	return &tg.InputCheckPasswordSRP{SRPID: srpID, A: ga[:], M1: m1}
}

func randomA(t testing.TB) []byte {
	t.Helper()
	a := make([]byte, 256)
	if _, err := rand.Read(a); err != nil {
		t.Fatal(err)
	}
	return a
}

// errType is the RPC error type of err, "" for nil.
func errType(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := tgerr.As(err); ok {
		return e.Type
	}
	return "non-RPC: " + err.Error()
}
