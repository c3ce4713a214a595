package keyexchange

import (
	"crypto/rand"
	"crypto/sha1" // #nosec G505: MTProto defines its nonce hashes with SHA1.
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
)

// Bit lengths of the pq factors: p has 31 bits and q 32, each with its two
// top bits set, so p < q and 2^62 < 1.125*2^62 <= pq < 2^63: pq fits a signed
// 64-bit integer (GramJS reads it as one) and is as hard as Telegram's.
const (
	pBits = 31
	qBits = 32
)

// maxGAAttempts bounds the draws of a whose g_a falls outside the safe range,
// which for a working random source happens with probability about 2^-63.
const maxGAAttempts = 16

// errNoPrime is returned when a random source never yields a prime.
var errNoPrime = errors.New("no prime found: is the random source broken?")

// newPQ returns two random primes p < q of pBits and qBits bits.
func newPQ(r io.Reader) (p, q *big.Int, err error) {
	if p, err = randomPrime(r, pBits); err != nil {
		return nil, nil, fmt.Errorf("p: %w", err)
	}
	if q, err = randomPrime(r, qBits); err != nil {
		return nil, nil, fmt.Errorf("q: %w", err)
	}
	return p, q, nil
}

// randomPrime returns a random prime of exactly bits bits (at most 62) whose
// two top bits are set.
func randomPrime(r io.Reader, bits uint) (*big.Int, error) {
	var buf [8]byte
	// Primes near 2^32 have a density of about 1/22; 10000 tries without one
	// means the source is not random.
	for range 10000 {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return nil, fmt.Errorf("read random: %w", err)
		}
		v := binary.BigEndian.Uint64(buf[:]) >> (64 - bits)
		v |= 3<<(bits-2) | 1
		n := new(big.Int).SetUint64(v)
		// ProbablyPrime is exact below 2^64.
		if n.ProbablyPrime(1) {
			return n, nil
		}
	}
	return nil, errNoPrime
}

// newA returns a random 2048-bit exponent a with g_a = g^a mod p in the safe
// range.
func (s *Server) newA() (a, gA *big.Int, err error) {
	limit := new(big.Int).Lsh(big.NewInt(1), crypto.RSAKeyBits)
	for range maxGAAttempts {
		a, err = rand.Int(s.rand, limit)
		if err != nil {
			return nil, nil, fmt.Errorf("generate a: %w", err)
		}
		gA = new(big.Int).Exp(s.gBig, a, s.prime)
		if s.inSafeRange(gA) {
			return a, gA, nil
		}
	}
	return nil, nil, errors.New("generate a: g_a never in the safe range: is the random source broken?")
}

// nonceHash returns new_nonce_hash1, 2 or 3 (n) for key:
// substr(SHA1(new_nonce + n + auth_key_aux_hash), 4, 16).
func nonceHash(newNonce bin.Int256, n byte, key crypto.Key) bin.Int128 {
	aux := key.AuxHash()
	buf := make([]byte, 0, len(newNonce)+1+len(aux))
	buf = append(buf, newNonce[:]...)
	buf = append(buf, n)
	buf = append(buf, aux[:]...)
	sum := sha1.Sum(buf) // #nosec G401
	var r bin.Int128
	copy(r[:], sum[4:20])
	return r
}
