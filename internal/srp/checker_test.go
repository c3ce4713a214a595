package srp

import (
	"bytes"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"
)

const accountID = 42

// env is one Checker with a test clock and an account with a password.
type env struct {
	t     *testing.T
	clock *testClock
	c     *Checker
	acc   *account
}

func newEnv(t *testing.T) *env {
	clock := newTestClock()
	return &env{
		t:     t,
		clock: clock,
		c:     NewChecker(Options{Clock: clock.Now}),
		acc:   testAccount(t, "correct horse battery staple"),
	}
}

func (e *env) challenge() (int64, []byte) {
	e.t.Helper()
	id, srpB, err := e.c.Challenge(accountID, e.acc.verifier)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(srpB) != 256 {
		e.t.Fatalf("srp_B has %d bytes", len(srpB))
	}
	if B := new(big.Int).SetBytes(srpB); B.Cmp(safeLow) < 0 || B.Cmp(safeHigh) > 0 {
		e.t.Fatal("srp_B out of the safe range")
	}
	return id, srpB
}

// right answers with the right password, fast.
func (e *env) right(id int64, srpB []byte) *tg.InputCheckPasswordSRP {
	return fastProof(e.acc.x, e.acc.verifier, id, srpB, randomA(e.t))
}

// wrong answers with a well-formed A and a wrong M1.
func (e *env) wrong(id int64, srpB []byte) *tg.InputCheckPasswordSRP {
	in := e.right(id, srpB)
	in.M1[0] ^= 1
	return in
}

func (e *env) check(in *tg.InputCheckPasswordSRP) error {
	return e.c.Check(accountID, e.acc.verifier, in)
}

func withA(a []byte) func(*tg.InputCheckPasswordSRP) {
	return func(in *tg.InputCheckPasswordSRP) { in.A = a }
}

func TestCheck(t *testing.T) {
	num := func(x *big.Int) []byte { b := pad256(x); return b[:] }
	pMinus1 := new(big.Int).Sub(p, big.NewInt(1))
	tests := []struct {
		name string
		run  func(e *env) error
		want string
	}{
		{"right password (gotd)", func(e *env) error {
			id, srpB := e.challenge()
			return e.check(gotdProof(e.t, e.acc.password, e.acc.verifier, id, srpB))
		}, ""},
		{"wrong password (gotd)", func(e *env) error {
			id, srpB := e.challenge()
			return e.check(gotdProof(e.t, []byte("correct horse battery stapler"), e.acc.verifier, id, srpB))
		}, "PASSWORD_HASH_INVALID"},
		{"reused srp_id after success", func(e *env) error {
			id, srpB := e.challenge()
			if err := e.check(e.right(id, srpB)); err != nil {
				e.t.Fatal(err)
			}
			return e.check(e.right(id, srpB))
		}, "SRP_ID_INVALID"},
		{"reused srp_id after failure", func(e *env) error {
			id, srpB := e.challenge()
			if err := e.check(e.wrong(id, srpB)); errType(err) != "PASSWORD_HASH_INVALID" {
				e.t.Fatal(err)
			}
			return e.check(e.right(id, srpB))
		}, "SRP_ID_INVALID"},
		{"older srp_id after a newer challenge", func(e *env) error {
			id, srpB := e.challenge()
			e.challenge()
			return e.check(e.right(id, srpB))
		}, "SRP_ID_INVALID"},
		{"newer srp_id survives a try with the older", func(e *env) error {
			oldID, oldB := e.challenge()
			id, srpB := e.challenge()
			if err := e.check(e.right(oldID, oldB)); errType(err) != "SRP_ID_INVALID" {
				e.t.Fatal(err)
			}
			return e.check(e.right(id, srpB))
		}, ""},
		{"unknown srp_id", func(e *env) error {
			id, srpB := e.challenge()
			return e.check(e.right(id+1, srpB))
		}, "SRP_ID_INVALID"},
		{"no challenge", func(e *env) error {
			return e.check(&tg.InputCheckPasswordSRP{SRPID: 1, A: num(big.NewInt(2)), M1: make([]byte, 32)})
		}, "SRP_ID_INVALID"},
		{"another account's challenge", func(e *env) error {
			id, srpB := e.challenge()
			return e.c.Check(accountID+1, e.acc.verifier, e.right(id, srpB))
		}, "SRP_ID_INVALID"},
		{"just before the TTL", func(e *env) error {
			id, srpB := e.challenge()
			e.clock.Advance(DefaultTTL - time.Nanosecond)
			return e.check(e.right(id, srpB))
		}, ""},
		{"expired", func(e *env) error {
			id, srpB := e.challenge()
			e.clock.Advance(DefaultTTL)
			return e.check(e.right(id, srpB))
		}, "SRP_ID_INVALID"},
		{"password changed since the challenge", func(e *env) error {
			id, srpB := e.challenge()
			other := testAccount(e.t, "hunter2")
			return e.c.Check(accountID, other.verifier, fastProof(other.x, other.verifier, id, srpB, randomA(e.t)))
		}, "SRP_PASSWORD_CHANGED"},
		{"nil input", func(e *env) error { return e.check(nil) }, "PASSWORD_HASH_INVALID"},
		{"corrupt verifier", func(e *env) error {
			_, _, err := e.c.Challenge(accountID, Verifier{V: make([]byte, 256)})
			return err
		}, "non-RPC: " + errVerifierInvalid.Error()},
	}
	// A and M1 out of range or malformed: the right proof, edited.
	for _, bad := range []struct {
		name string
		edit func(*tg.InputCheckPasswordSRP)
	}{
		{"A empty", withA(nil)},
		{"A=0", withA(num(big.NewInt(0)))},
		{"A=1", withA(num(big.NewInt(1)))},
		{"A=p-1", withA(num(pMinus1))},
		{"A=p", withA(bytes.Clone(pBytes))},
		{"A=p+2", withA(num(new(big.Int).Add(p, big.NewInt(2))))},
		{"A 257 bytes", func(in *tg.InputCheckPasswordSRP) { in.A = append([]byte{0}, in.A...) }},
		{"M1 short", func(in *tg.InputCheckPasswordSRP) { in.M1 = in.M1[:31] }},
		{"M1 empty", func(in *tg.InputCheckPasswordSRP) { in.M1 = nil }},
	} {
		tests = append(tests, struct {
			name string
			run  func(e *env) error
			want string
		}{bad.name, func(e *env) error {
			id, srpB := e.challenge()
			in := e.right(id, srpB)
			bad.edit(in)
			return e.check(in)
		}, "PASSWORD_HASH_INVALID"})
	}
	// Unpadded A is accepted: the value counts, not its encoding.
	tests = append(tests, struct {
		name string
		run  func(e *env) error
		want string
	}{"A unpadded", func(e *env) error {
		id, srpB := e.challenge()
		in := fastProof(e.acc.x, e.acc.verifier, id, srpB, []byte{1, 0}) // A = 3^256
		in.A = new(big.Int).SetBytes(in.A).Bytes()
		if len(in.A) >= 256 {
			e.t.Fatal("A is padded")
		}
		return e.check(in)
	}, ""})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errType(tt.run(newEnv(t))); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSweep(t *testing.T) {
	e := newEnv(t)
	for id := range int64(100) {
		if _, _, err := e.c.Challenge(id, e.acc.verifier); err != nil {
			t.Fatal(err)
		}
		e.c.Challenge(id, e.acc.verifier) // replaces, one entry per account
		e.c.mu.Lock()
		e.c.addFailure(id, e.clock.Now())
		e.c.mu.Unlock()
	}
	if n := len(e.c.pending); n != 100 {
		t.Fatalf("%d pending", n)
	}
	e.clock.Advance(DefaultTTL)
	e.challenge()
	e.c.mu.Lock()
	defer e.c.mu.Unlock()
	if len(e.c.pending) != 1 || len(e.c.failures) != 0 {
		t.Fatalf("after sweep: %d pending, %d failures", len(e.c.pending), len(e.c.failures))
	}
}

func TestConcurrent(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for range 3 {
				id, srpB, err := e.c.Challenge(int64(w), e.acc.verifier)
				if err != nil {
					t.Error(err)
					return
				}
				e.c.Challenge(accountID, e.acc.verifier) // contended account
				if err := e.c.Check(int64(w), e.acc.verifier, e.right(id, srpB)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkChallengeCheck(b *testing.B) {
	acc := testAccount(b, "correct horse battery staple")
	c := NewChecker(Options{})
	a := randomA(b)
	for b.Loop() {
		id, srpB, err := c.Challenge(1, acc.verifier)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		in := fastProof(acc.x, acc.verifier, id, srpB, a)
		b.StartTimer()
		if err := c.Check(1, acc.verifier, in); err != nil {
			b.Fatal(err)
		}
	}
}
