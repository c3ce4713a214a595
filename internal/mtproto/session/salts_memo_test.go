package session

import (
	"testing"
	"time"
)

func TestSaltMemoAgreesWithDerivation(t *testing.T) {
	s := NewSalts([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Unix(1700000000, 0)
	for key := int64(1); key <= 3; key++ {
		first := s.Current(key, now)
		if again := s.Current(key, now); again != first {
			t.Fatalf("key %d: %d then %d", key, first, again)
		}
		if want := s.derive(key, period(now)); first != want {
			t.Fatalf("key %d: memo %d, derived %d", key, first, want)
		}
		if !s.Valid(key, first, now.Add(SaltPeriod)) || s.Valid(key, first, now.Add(2*SaltPeriod)) {
			t.Fatalf("key %d: validity window wrong", key)
		}
	}
}
