package srp

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// Defaults for the zero fields of Options.
const (
	DefaultTTL           = 10 * time.Minute
	DefaultMaxFailures   = 5
	DefaultFailureWindow = 5 * time.Minute
)

// sweepInterval is how often, at most, Checker drops expired state.
const sweepInterval = time.Minute

// maxChallengeTries bounds the draws of b needed for B to land in the safe
// range; a single draw fails with probability about 2^-61.
const maxChallengeTries = 8

var errVerifierInvalid = errors.New("srp: stored verifier is not 256 bytes in 1 < v < p-1")

// Options configures a Checker. Zero fields take the defaults.
type Options struct {
	// Clock returns the current time; default time.Now. It may be called
	// concurrently.
	Clock func() time.Time
	// Rand is the source of b and srp_id; default crypto/rand.Reader. Reads
	// from it are serialized.
	Rand io.Reader
	// TTL is how long a challenge stays valid; default DefaultTTL.
	TTL time.Duration
	// MaxFailures wrong proofs of one account within FailureWindow make
	// further checks answer FLOOD_WAIT_N; defaults DefaultMaxFailures and
	// DefaultFailureWindow.
	MaxFailures   int
	FailureWindow time.Duration
}

// Checker issues SRP challenges (srp_id, srp_B) and checks the proofs
// answering them. An account has at most one pending challenge: a new one
// replaces the old, a check attempt consumes it, and it expires after the
// TTL. It also limits wrong proofs per account. It is safe for concurrent
// use; its state lives in memory and expired state is dropped lazily.
type Checker struct {
	clock       func() time.Time
	ttl, window time.Duration
	maxFailures int

	randMu sync.Mutex
	rand   io.Reader

	mu        sync.Mutex
	pending   map[int64]*challenge
	failures  map[int64][]time.Time // times of recent wrong proofs, oldest first, at most maxFailures
	nextSweep time.Time
}

type challenge struct {
	id       int64
	b        *big.Int
	B        [256]byte
	verifier [sha256.Size]byte // Verifier.fingerprint of the verifier B was made from
	expires  time.Time
}

// NewChecker returns a Checker configured by opts.
func NewChecker(opts Options) *Checker {
	c := &Checker{
		clock:       opts.Clock,
		rand:        opts.Rand,
		ttl:         opts.TTL,
		window:      opts.FailureWindow,
		maxFailures: opts.MaxFailures,
		pending:     make(map[int64]*challenge),
		failures:    make(map[int64][]time.Time),
	}
	if c.clock == nil {
		c.clock = time.Now
	}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	if c.ttl <= 0 {
		c.ttl = DefaultTTL
	}
	if c.window <= 0 {
		c.window = DefaultFailureWindow
	}
	if c.maxFailures <= 0 {
		c.maxFailures = DefaultMaxFailures
	}
	return c
}

// Challenge makes a new challenge for accountID, whose stored verifier is v,
// replacing any pending one, and returns account.password's srp_id and srp_B
// (256 bytes, B = (k*v + g^b) mod p with a fresh random 2048-bit b). It fails
// only if v is corrupt or randomness cannot be read; those errors are not RPC
// errors.
func (c *Checker) Challenge(accountID int64, v Verifier) (srpID int64, srpB []byte, err error) {
	vi, ok := verifierInt(v.V)
	if !ok {
		return 0, nil, errVerifierInvalid
	}
	kv := new(big.Int).Mul(k, vi)
	kv.Mod(kv, p)

	var buf [8 + 256]byte
	ch := &challenge{verifier: v.fingerprint()}
	for try := 0; ; try++ {
		if try == maxChallengeTries {
			return 0, nil, errors.New("srp: no B in the safe range")
		}
		if err := c.read(buf[:]); err != nil {
			return 0, nil, fmt.Errorf("srp: read random: %w", err)
		}
		b := new(big.Int).SetBytes(buf[8:])
		B := new(big.Int).Exp(g, b, p)
		B.Add(B, kv).Mod(B, p)
		if B.Cmp(safeLow) >= 0 && B.Cmp(safeHigh) <= 0 {
			ch.b, ch.B = b, pad256(B)
			break
		}
	}
	ch.id = int64(binary.LittleEndian.Uint64(buf[:8]))
	if ch.id == 0 {
		ch.id = 1 // keep srp_id distinguishable from an unset field
	}

	c.mu.Lock()
	now := c.clock()
	c.sweep(now)
	ch.expires = now.Add(c.ttl)
	c.pending[accountID] = ch
	c.mu.Unlock()

	return ch.id, ch.B[:], nil
}

// Check checks in against the pending challenge of accountID, whose stored
// verifier is v, and returns nil if the client knows the password. Errors:
//
//   - FLOOD_WAIT_N (420) after MaxFailures wrong proofs within FailureWindow,
//     N being the seconds until one more attempt is allowed; nothing is
//     evaluated and the challenge stays pending, so the same request can be
//     retried after the wait.
//   - ErrSRPIDInvalid if in.SRPID is not the account's pending, unexpired
//     challenge (a newer one replaced it, it was used, or it expired).
//   - ErrSRPPasswordChanged if v is not the verifier the challenge was made
//     for.
//   - ErrPasswordHashInvalid for a wrong proof: A out of 1 < A < p-1, M1
//     not 32 bytes, or M1 not matching. It counts toward the flood limit.
//
// Every attempt past the flood check with the right srp_id consumes the
// challenge. A right proof clears the account's failures. A nil in gives
// ErrPasswordHashInvalid; an inputCheckPasswordEmpty is the caller's to
// handle. A corrupt v gives a non-RPC error.
func (c *Checker) Check(accountID int64, v Verifier, in *tg.InputCheckPasswordSRP) error {
	if in == nil {
		return ErrPasswordHashInvalid
	}
	vi, ok := verifierInt(v.V)
	if !ok {
		return errVerifierInvalid
	}

	c.mu.Lock()
	now := c.clock()
	c.sweep(now)
	if n := c.floodWait(accountID, now); n > 0 {
		c.mu.Unlock()
		return tgerr.New(420, fmt.Sprintf("%s_%d", tgerr.ErrFloodWait, n))
	}
	ch := c.pending[accountID]
	if ch == nil || ch.id != in.SRPID {
		c.mu.Unlock()
		return ErrSRPIDInvalid
	}
	delete(c.pending, accountID)
	if !now.Before(ch.expires) {
		c.mu.Unlock()
		return ErrSRPIDInvalid
	}
	if ch.verifier != v.fingerprint() {
		c.mu.Unlock()
		return ErrSRPPasswordChanged
	}
	// Count the attempt as a failure before evaluating it, so that
	// concurrent attempts cannot overshoot the limit; success clears it.
	c.addFailure(accountID, now)
	c.mu.Unlock()

	if !ch.verify(v, vi, in) {
		return ErrPasswordHashInvalid
	}
	c.mu.Lock()
	delete(c.failures, accountID)
	c.mu.Unlock()
	return nil
}

// verify computes the server's M1 for the proof in and compares it.
func (ch *challenge) verify(v Verifier, vi *big.Int, in *tg.InputCheckPasswordSRP) bool {
	if len(in.A) > 256 || len(in.M1) != sha256.Size {
		return false
	}
	A := new(big.Int).SetBytes(in.A)
	if !inGroup(A) {
		return false
	}
	ga := pad256(A)
	// u = H(g_a | g_b)
	u := new(big.Int).SetBytes(hash(ga[:], ch.B[:]))
	if u.Sign() == 0 {
		return false
	}
	// S = (A * v^u)^b mod p, equal to the client's (B - k*v)^(a + u*x).
	s := new(big.Int).Exp(vi, u, p)
	s.Mul(s, A).Mod(s, p)
	s.Exp(s, ch.b, p)
	sPad := pad256(s)
	ka := sha256.Sum256(sPad[:])
	// M1 = H(H(p) xor H(g) | H(salt1) | H(salt2) | g_a | g_b | k_a)
	m1 := hash(hpg[:], hash(v.Salt1), hash(v.Salt2), ga[:], ch.B[:], ka[:])
	return subtle.ConstantTimeCompare(m1, in.M1) == 1
}

func (c *Checker) read(b []byte) error {
	c.randMu.Lock()
	defer c.randMu.Unlock()
	_, err := io.ReadFull(c.rand, b)
	return err
}

// floodWait prunes the account's failures outside the window and returns
// the whole seconds to wait before another check, or 0. c.mu must be held.
func (c *Checker) floodWait(accountID int64, now time.Time) int {
	ts := c.prune(accountID, now)
	if len(ts) < c.maxFailures {
		return 0
	}
	wait := ts[len(ts)-c.maxFailures].Add(c.window).Sub(now)
	return int((wait + time.Second - 1) / time.Second)
}

// addFailure records a failure at now, keeping the last maxFailures. c.mu
// must be held.
func (c *Checker) addFailure(accountID int64, now time.Time) {
	ts := append(c.failures[accountID], now)
	if len(ts) > c.maxFailures {
		ts = append(ts[:0], ts[len(ts)-c.maxFailures:]...)
	}
	c.failures[accountID] = ts
}

// prune drops the account's failures older than the window. c.mu must be
// held.
func (c *Checker) prune(accountID int64, now time.Time) []time.Time {
	ts := c.failures[accountID]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= c.window {
		i++
	}
	switch {
	case i == len(ts):
		delete(c.failures, accountID)
		return nil
	case i > 0:
		ts = append(ts[:0], ts[i:]...)
		c.failures[accountID] = ts
	}
	return ts
}

// sweep drops expired challenges and failures, at most once per
// sweepInterval, so that state for idle accounts does not accumulate. c.mu
// must be held.
func (c *Checker) sweep(now time.Time) {
	if now.Before(c.nextSweep) {
		return
	}
	c.nextSweep = now.Add(sweepInterval)
	for id, ch := range c.pending {
		if !now.Before(ch.expires) {
			delete(c.pending, id)
		}
	}
	for id := range c.failures {
		c.prune(id, now)
	}
}
