package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"

	"github.com/gotd/td/mt"
)

// SaltPeriod is how long one server salt is current. A salt stays accepted for
// one more period after it stops being current, so a client always has time to
// switch.
const SaltPeriod = time.Hour

// Salts derives server salts from a server secret: the salt of an auth key in
// a period is HMAC-SHA256(secret, auth_key_id ‖ period). Nothing is stored,
// every node of a cluster with the same secret agrees, and salts survive a
// restart.
type Salts struct {
	secret []byte

	// memo keeps salts already derived: every message checks one, and an
	// HMAC per message is measurable.
	mu   sync.RWMutex
	memo map[saltKey]int64
}

type saltKey struct{ authKeyID, period int64 }

// maxMemoSalts bounds the memo; past it the memo starts over.
const maxMemoSalts = 100_000

// NewSalts returns salts derived from secret (at least 32 random bytes).
func NewSalts(secret []byte) *Salts {
	return &Salts{secret: append([]byte(nil), secret...), memo: make(map[saltKey]int64)}
}

func period(t time.Time) int64 { return t.Unix() / int64(SaltPeriod/time.Second) }

func (s *Salts) at(authKeyID, p int64) int64 {
	k := saltKey{authKeyID, p}
	s.mu.RLock()
	salt, ok := s.memo[k]
	s.mu.RUnlock()
	if ok {
		return salt
	}
	salt = s.derive(authKeyID, p)
	s.mu.Lock()
	if len(s.memo) >= maxMemoSalts {
		s.memo = make(map[saltKey]int64)
	}
	s.memo[k] = salt
	s.mu.Unlock()
	return salt
}

// derive computes the salt of an auth key in period p.
func (s *Salts) derive(authKeyID, p int64) int64 {
	var msg [16]byte
	binary.LittleEndian.PutUint64(msg[:8], uint64(authKeyID))
	binary.LittleEndian.PutUint64(msg[8:], uint64(p))
	m := hmac.New(sha256.New, s.secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	return int64(binary.LittleEndian.Uint64(sum[:8]))
}

// Current returns the salt the client should use now.
func (s *Salts) Current(authKeyID int64, now time.Time) int64 {
	return s.at(authKeyID, period(now))
}

// Valid reports whether salt is accepted now: the current salt or the previous one.
func (s *Salts) Valid(authKeyID, salt int64, now time.Time) bool {
	p := period(now)
	return salt == s.at(authKeyID, p) || salt == s.at(authKeyID, p-1)
}

// Future lists n salts starting with the current one, for get_future_salts.
// Each is valid from the start of its period until the end of the next.
func (s *Salts) Future(authKeyID int64, now time.Time, n int) []mt.FutureSalt {
	n = min(max(n, 1), 64)
	p := period(now)
	step := int64(SaltPeriod / time.Second)
	out := make([]mt.FutureSalt, n)
	for i := range out {
		q := p + int64(i)
		out[i] = mt.FutureSalt{
			ValidSince: int(q * step),
			ValidUntil: int((q + 2) * step),
			Salt:       s.at(authKeyID, q),
		}
	}
	return out
}
