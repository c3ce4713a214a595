package srp

import (
	"bytes"
	"crypto/rand"
	"math/big"
	"testing"

	gotdsrp "github.com/gotd/td/crypto/srp"
	"github.com/gotd/td/tg"
)

func TestPrime(t *testing.T) {
	if len(pBytes) != 256 || p.BitLen() != 2048 {
		t.Fatalf("p has %d bytes, %d bits", len(pBytes), p.BitLen())
	}
	// Telegram's p is a safe prime and 3 generates the subgroup of order q.
	q := new(big.Int).Rsh(p, 1)
	if !p.ProbablyPrime(20) || !q.ProbablyPrime(20) {
		t.Fatal("p is not a safe prime")
	}
	if new(big.Int).Exp(g, q, p).Cmp(big.NewInt(1)) != 0 {
		t.Fatal("g^q != 1")
	}
}

func TestNewAlgo(t *testing.T) {
	a1, err := NewAlgo(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := NewAlgo(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(a1.Salt1) != Salt1Len || len(a1.Salt2) != Salt2Len || a1.G != G || !bytes.Equal(a1.P, pBytes) {
		t.Fatalf("bad algo %+v", a1)
	}
	if bytes.Equal(a1.Salt1, a2.Salt1) || bytes.Equal(a1.Salt2, a2.Salt2) {
		t.Fatal("salts repeat")
	}
	// A client appending to salt1 must not write into salt2.
	salt2 := bytes.Clone(a1.Salt2)
	_ = append(a1.Salt1, 0xAA)
	if !bytes.Equal(a1.Salt2, salt2) {
		t.Fatal("salt1 and salt2 share memory")
	}
	if _, err := NewAlgo(bytes.NewReader(make([]byte, 3))); err == nil {
		t.Fatal("short rand: no error")
	}

	s, err := NewSecureAlgo(rand.Reader)
	if err != nil || len(s.Salt) != SecureSaltLen {
		t.Fatalf("NewSecureAlgo: %v, %+v", err, s)
	}
}

func TestVerifierAlgo(t *testing.T) {
	v := testAccount(t, "hunter2").verifier
	a := v.Algo()
	if !bytes.Equal(a.Salt1, v.Salt1) || !bytes.Equal(a.Salt2, v.Salt2) || a.G != G || !bytes.Equal(a.P, pBytes) {
		t.Fatalf("Algo() = %+v", a)
	}
	a.Salt1[0]++
	a.P[0]++
	if bytes.Equal(a.Salt1, v.Salt1) || bytes.Equal(a.P, pBytes) {
		t.Fatal("Algo shares memory with the verifier or the prime")
	}
}

func TestVerifierFromSettings(t *testing.T) {
	serverSalt1 := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	clientSalt1 := append(bytes.Clone(serverSalt1), bytes.Repeat([]byte{9}, 32)...)
	salt2 := bytes.Repeat([]byte{7}, Salt2Len)
	algo := func(edit func(a *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow)) tg.PasswordKdfAlgoClass {
		a := &tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow{
			Salt1: bytes.Clone(clientSalt1), Salt2: bytes.Clone(salt2), G: G, P: bytes.Clone(pBytes),
		}
		if edit != nil {
			edit(a)
		}
		return a
	}
	num := func(x *big.Int) []byte { b := pad256(x); return b[:] }
	pMinus1 := num(new(big.Int).Sub(p, big.NewInt(1)))
	good := num(big.NewInt(2))

	tests := []struct {
		name string
		algo tg.PasswordKdfAlgoClass
		hash []byte
		want string
	}{
		{"ok", algo(nil), good, ""},
		{"ok p-2", algo(nil), num(new(big.Int).Sub(p, big.NewInt(2))), ""},
		{"ok one extra byte", algo(func(a *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow) {
			a.Salt1 = append(bytes.Clone(serverSalt1), 0)
		}), good, ""},
		{"nil algo", nil, good, "NEW_SALT_INVALID"},
		{"unknown algo", &tg.PasswordKdfAlgoUnknown{}, good, "NEW_SALT_INVALID"},
		{"typed nil algo", (*tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow)(nil), good, "NEW_SALT_INVALID"},
		{"g=2", algo(func(a *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow) { a.G = 2 }), good, "NEW_SALT_INVALID"},
		{"other p", algo(func(a *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow) { a.P[255] ^= 2 }), good, "NEW_SALT_INVALID"},
		{"p unpadded", algo(func(a *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow) {
			a.P = append([]byte{0}, a.P...)
		}), good, "NEW_SALT_INVALID"},
		{"salt1 other prefix", algo(func(a *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow) { a.Salt1[0]++ }), good, "NEW_SALT_INVALID"},
		{"salt1 not extended", algo(func(a *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow) {
			a.Salt1 = bytes.Clone(serverSalt1)
		}), good, "NEW_SALT_INVALID"},
		{"salt1 too long", algo(func(a *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow) {
			a.Salt1 = append(a.Salt1, make([]byte, MaxSaltLen)...)
		}), good, "NEW_SALT_INVALID"},
		{"salt2 empty", algo(func(a *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow) { a.Salt2 = nil }), good, "NEW_SALT_INVALID"},
		{"salt2 too long", algo(func(a *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow) {
			a.Salt2 = make([]byte, MaxSaltLen+1)
		}), good, "NEW_SALT_INVALID"},
		{"hash empty", algo(nil), nil, "NEW_SETTINGS_INVALID"},
		{"hash 255 bytes", algo(nil), good[1:], "NEW_SETTINGS_INVALID"},
		{"hash 257 bytes", algo(nil), append([]byte{0}, good...), "NEW_SETTINGS_INVALID"},
		{"v=0", algo(nil), num(big.NewInt(0)), "NEW_SETTINGS_INVALID"},
		{"v=1", algo(nil), num(big.NewInt(1)), "NEW_SETTINGS_INVALID"},
		{"v=p-1", algo(nil), pMinus1, "NEW_SETTINGS_INVALID"},
		{"v=p", algo(nil), bytes.Clone(pBytes), "NEW_SETTINGS_INVALID"},
		{"v=2^2048-1", algo(nil), bytes.Repeat([]byte{0xff}, 256), "NEW_SETTINGS_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := VerifierFromSettings(serverSalt1, tt.algo, tt.hash)
			if got := errType(err); got != tt.want {
				t.Fatalf("error %q, want %q", got, tt.want)
			}
			if err != nil {
				return
			}
			a := tt.algo.(*tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow)
			if !bytes.Equal(v.Salt1, a.Salt1) || !bytes.Equal(v.Salt2, a.Salt2) || !bytes.Equal(v.V, tt.hash) {
				t.Fatalf("verifier %+v", v)
			}
			a.Salt1[0]++
			tt.hash[0]++
			if bytes.Equal(v.Salt1, a.Salt1) || bytes.Equal(v.V, tt.hash) {
				t.Fatal("verifier shares memory with the request")
			}
		})
	}
}

// TestFastProofMatchesGotd checks the tests' own client math against gotd's,
// so that tests and benchmarks may use it to skip PBKDF2.
func TestFastProofMatchesGotd(t *testing.T) {
	acc := testAccount(t, "correct horse battery staple")
	c := NewChecker(Options{})
	id, srpB, err := c.Challenge(1, acc.verifier)
	if err != nil {
		t.Fatal(err)
	}
	a := randomA(t)
	want, err := gotdsrp.NewSRP(rand.Reader).Hash(acc.password, srpB, a, gotdsrp.Input(*acc.verifier.Algo()))
	if err != nil {
		t.Fatal(err)
	}
	got := fastProof(acc.x, acc.verifier, id, srpB, a)
	if !bytes.Equal(got.A, want.A) || !bytes.Equal(got.M1, want.M1) {
		t.Fatal("fastProof differs from gotd")
	}
	if err := c.Check(1, acc.verifier, got); err != nil {
		t.Fatal(err)
	}
}
