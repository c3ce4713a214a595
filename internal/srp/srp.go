// Package srp is the server side of Telegram's 2FA password check, SRP 6a
// with the KDF passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow
// over Telegram's standard 2048-bit prime and g = 3
// (https://core.telegram.org/api/srp).
//
// The server never sees the password. An account's password is a Verifier:
// the two salts and v = g^x mod p, which the client computes itself and sends
// as new_password_hash. The methods map onto this package as follows.
//
// account.getPassword: new_algo is NewAlgo (the caller remembers its salt1,
// see VerifierFromSettings), new_secure_algo is NewSecureAlgo, and
// secure_random must be 256 fresh random bytes on every call (some clients,
// gotd among them, use it directly as their SRP secret a). If the account has
// a password, current_algo is Verifier.Algo and srp_id and srp_B come from
// Checker.Challenge; without a password they are left out.
//
// auth.checkPassword and every method taking an InputCheckPasswordSRP:
// Checker.Check. An inputCheckPasswordEmpty, or a check on an account without
// a password, is the caller's to answer (PASSWORD_EMPTY, PASSWORD_MISSING or
// PASSWORD_HASH_INVALID as the method documents); Check only handles
// inputCheckPasswordSRP against a stored Verifier.
//
// account.updatePasswordSettings: after checking the current password,
// VerifierFromSettings validates new_settings and returns what to store.
// Removing the password (passwordKdfAlgoUnknown with an empty hash) is the
// caller's case too.
package srp

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// G is the generator offered in every algo.
const G = 3

// Salt lengths offered by NewAlgo and NewSecureAlgo, as Telegram does. A
// client appends 32 random bytes to the offered salt1 (or secure salt).
const (
	Salt1Len      = 8
	Salt2Len      = 16
	SecureSaltLen = 8
)

// MaxSaltLen bounds each salt VerifierFromSettings accepts, so stored
// verifiers stay small.
const MaxSaltLen = 128

// Errors returned by this package. They are shared values: do not modify.
var (
	// ErrSRPIDInvalid is returned by Checker.Check for an unknown, stale,
	// already used or expired srp_id.
	ErrSRPIDInvalid = tgerr.New(400, "SRP_ID_INVALID")
	// ErrPasswordHashInvalid is returned by Checker.Check for a wrong proof,
	// including an A out of range or a malformed M1.
	ErrPasswordHashInvalid = tgerr.New(400, "PASSWORD_HASH_INVALID")
	// ErrSRPPasswordChanged is returned by Checker.Check when the verifier
	// passed to it is not the one the challenge was made for.
	ErrSRPPasswordChanged = tgerr.New(400, "SRP_PASSWORD_CHANGED")
	// ErrNewSaltInvalid is returned by VerifierFromSettings when new_algo is
	// not the offered one: another type, another p or g, a salt1 that does
	// not extend the offered salt1, or a salt out of bounds.
	ErrNewSaltInvalid = tgerr.New(400, "NEW_SALT_INVALID")
	// ErrNewSettingsInvalid is returned by VerifierFromSettings when
	// new_password_hash is not a usable verifier (not 256 bytes, or not in
	// 1 < v < p-1). PASSWORD_HASH_INVALID is not used for this because
	// clients take it to mean that the current password is wrong.
	ErrNewSettingsInvalid = tgerr.New(400, "NEW_SETTINGS_INVALID")
)

// primeHex is Telegram's standard 2048-bit safe prime.
const primeHex = "c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f" +
	"48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c37" +
	"20fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f64" +
	"2477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4" +
	"a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754" +
	"fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4" +
	"e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f" +
	"0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b"

var (
	pBytes = mustHex(primeHex)
	p      = new(big.Int).SetBytes(pBytes)
	pMinus = new(big.Int).Sub(p, big.NewInt(1))
	g      = big.NewInt(G)
	gPad   = pad256(g)
	// k = H(p | pad(g)).
	k = new(big.Int).SetBytes(hash(pBytes, gPad[:]))
	// hpg = H(p) xor H(pad(g)), the first part of M1.
	hpg = xorHashes(sha256.Sum256(pBytes), sha256.Sum256(gPad[:]))
	// safeLow and safeHigh bound B: 2^(2048-64) <= B <= p - 2^(2048-64).
	safeLow  = new(big.Int).Lsh(big.NewInt(1), 2048-64)
	safeHigh = new(big.Int).Sub(p, safeLow)
)

// Verifier is what is stored for an account with a 2FA password: the
// client's salts and v = g^x mod p, big-endian and 256 bytes long.
type Verifier struct {
	Salt1, Salt2 []byte
	V            []byte
}

// NewAlgo returns fresh parameters for account.password's new_algo: random
// salt1 (Salt1Len bytes) and salt2 (Salt2Len bytes), g and p. It reads from
// rand, typically crypto/rand.Reader.
func NewAlgo(rand io.Reader) (*tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow, error) {
	salts := make([]byte, Salt1Len+Salt2Len)
	if _, err := io.ReadFull(rand, salts); err != nil {
		return nil, fmt.Errorf("srp: read salts: %w", err)
	}
	return algo(salts[:Salt1Len:Salt1Len], salts[Salt1Len:]), nil
}

// NewSecureAlgo returns fresh parameters for account.password's
// new_secure_algo: a random salt of SecureSaltLen bytes.
func NewSecureAlgo(rand io.Reader) (*tg.SecurePasswordKdfAlgoPBKDF2HMACSHA512iter100000, error) {
	salt := make([]byte, SecureSaltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return nil, fmt.Errorf("srp: read secure salt: %w", err)
	}
	return &tg.SecurePasswordKdfAlgoPBKDF2HMACSHA512iter100000{Salt: salt}, nil
}

// VerifierFromSettings validates account.passwordInputSettings' new_algo and
// new_password_hash and returns the Verifier to store. serverSalt1 is the
// salt1 of the new_algo offered to this account (NewAlgo); the client's salt1
// must extend it by at least one byte (clients append 32). The client's salt2
// is taken as sent. Salts longer than MaxSaltLen are refused.
//
// It returns ErrNewSaltInvalid for a bad new_algo and ErrNewSettingsInvalid
// for a bad new_password_hash. Removing the password (no new_algo or
// passwordKdfAlgoUnknown) must be handled before calling it.
func VerifierFromSettings(serverSalt1 []byte, newAlgo tg.PasswordKdfAlgoClass, newPasswordHash []byte) (Verifier, error) {
	a, ok := newAlgo.(*tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow)
	if !ok || a == nil || a.G != G || !bytes.Equal(a.P, pBytes) {
		return Verifier{}, ErrNewSaltInvalid
	}
	if len(a.Salt1) <= len(serverSalt1) || len(a.Salt1) > MaxSaltLen ||
		!bytes.HasPrefix(a.Salt1, serverSalt1) ||
		len(a.Salt2) == 0 || len(a.Salt2) > MaxSaltLen {
		return Verifier{}, ErrNewSaltInvalid
	}
	if _, ok := verifierInt(newPasswordHash); !ok {
		return Verifier{}, ErrNewSettingsInvalid
	}
	return Verifier{
		Salt1: bytes.Clone(a.Salt1),
		Salt2: bytes.Clone(a.Salt2),
		V:     bytes.Clone(newPasswordHash),
	}, nil
}

// Algo returns the verifier's parameters for account.password's
// current_algo. The result shares nothing with v.
func (v Verifier) Algo() *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
	return algo(bytes.Clone(v.Salt1), bytes.Clone(v.Salt2))
}

func algo(salt1, salt2 []byte) *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
	return &tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow{
		Salt1: salt1,
		Salt2: salt2,
		G:     G,
		P:     bytes.Clone(pBytes),
	}
}

// fingerprint identifies a verifier, so that a challenge made for one is not
// checked against another.
func (v Verifier) fingerprint() [sha256.Size]byte {
	h := sha256.New()
	for _, b := range [][]byte{v.Salt1, v.Salt2, v.V} {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(b))))
		h.Write(b)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// verifierInt parses a stored or sent verifier: exactly 256 bytes and
// 1 < v < p-1.
func verifierInt(b []byte) (*big.Int, bool) {
	if len(b) != 256 {
		return nil, false
	}
	v := new(big.Int).SetBytes(b)
	return v, inGroup(v)
}

// inGroup reports whether 1 < x < p-1, which rules out 0, 1 and p-1 (the
// elements of the subgroups of order 1 and 2) and anything not reduced mod p.
func inGroup(x *big.Int) bool {
	return x.Cmp(big.NewInt(1)) > 0 && x.Cmp(pMinus) < 0
}

// hash is H(a | b | ...) with H = SHA-256.
func hash(parts ...[]byte) []byte {
	h := sha256.New()
	for _, b := range parts {
		h.Write(b)
	}
	return h.Sum(nil)
}

// pad256 is x big-endian, padded to 2048 bits. x must be below 2^2048.
func pad256(x *big.Int) [256]byte {
	var b [256]byte
	x.FillBytes(b[:])
	return b
}

func xorHashes(a, b [sha256.Size]byte) [sha256.Size]byte {
	for i := range a {
		a[i] ^= b[i]
	}
	return a
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
