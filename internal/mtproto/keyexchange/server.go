package keyexchange

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/gotd/td/crypto"
)

// MaxTempKeyLifetime is the longest lifetime given to a temporary key.
//
// A p_q_inner_data_temp_dc asking for more gets a key that expires after
// MaxTempKeyLifetime anyway (like Telegram, which keeps PFS keys for about a
// day); clients notice with -404 on the expired key and make a new one. An
// expires_in of zero or less is rejected.
const MaxTempKeyLifetime = 24 * time.Hour

// maxRetries bounds the dh_gen_retry answers given within one exchange.
const maxRetries = 3

// telegramPrime is the 2048-bit safe prime Telegram servers send as dh_prime;
// g = 3 generates its subgroup of order (p-1)/2.
const telegramPrime = "C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F" +
	"48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C37" +
	"20FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F64" +
	"2477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4" +
	"A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754" +
	"FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4" +
	"E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F" +
	"0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B"

// DefaultPrime returns Telegram's standard 2048-bit safe DH prime, the one
// used when Options.Prime is nil. Each call returns a new copy.
func DefaultPrime() *big.Int {
	p, ok := new(big.Int).SetString(telegramPrime, 16)
	if !ok {
		panic("keyexchange: bad built-in prime")
	}
	return p
}

// Options configures a Server. The zero value is usable apart from DC.
type Options struct {
	// DC is our data center id (positive). Inner data naming another DC is
	// refused with CodeWrongDC; test DCs (dc+10000) and media DCs (negative
	// ids) of this DC are accepted: abs(dc) % 10000 must equal DC.
	DC int
	// Rand is the source of every secret and nonce; crypto/rand.Reader when
	// nil. It must be safe for concurrent use when handshakes run in parallel.
	Rand io.Reader
	// Clock gives server_time and the start of a temporary key's lifetime;
	// time.Now when nil.
	Clock func() time.Time
	// Prime is the DH prime: a 2048-bit safe prime for which G generates the
	// subgroup of order (p-1)/2. Telegram's standard prime when nil.
	Prime *big.Int
	// G is the DH generator, 3 when zero.
	G int
	// KeyExists reports whether an auth key id is already in use. When it
	// returns true the exchange answers dh_gen_retry and the client retries
	// with a new g_b. Nil means no id is ever taken. It must be safe for
	// concurrent use.
	KeyExists func(id [8]byte) bool
}

// Server is the server side of MTProto key exchange for one RSA key. It is
// immutable and safe for concurrent use; each connection runs its own
// Handshake made by NewHandshake.
type Server struct {
	key         *rsa.PrivateKey
	fingerprint int64
	dc          int
	rand        io.Reader
	clock       func() time.Time
	prime       *big.Int
	primeBytes  []byte
	g           int
	gBig        *big.Int
	safeMin     *big.Int // 2^{2048-64}
	safeMax     *big.Int // prime - 2^{2048-64}
	keyExists   func(id [8]byte) bool
}

// NewServer returns a Server answering with key, whose modulus must be
// exactly 2048 bits as RSA_PAD requires. It panics when key is nil or of
// another size, or when a custom Options.Prime and Options.G fail
// crypto.CheckDH: those are programming or configuration errors that no
// client could work with.
func NewServer(key *rsa.PrivateKey, opts Options) *Server {
	if key == nil || key.N.BitLen() != crypto.RSAKeyBits {
		panic("keyexchange: the RSA key must be 2048 bits")
	}
	s := &Server{
		key:         key,
		fingerprint: crypto.RSAFingerprint(&key.PublicKey),
		dc:          opts.DC,
		rand:        opts.Rand,
		clock:       opts.Clock,
		prime:       opts.Prime,
		g:           opts.G,
		keyExists:   opts.KeyExists,
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.g == 0 {
		s.g = 3
	}
	if s.prime == nil {
		s.prime = DefaultPrime()
		if err := crypto.CheckGP(s.g, s.prime); err != nil {
			panic(fmt.Sprintf("keyexchange: g=%d with the default prime: %v", s.g, err))
		}
	} else {
		s.prime = new(big.Int).Set(s.prime)
		if err := crypto.CheckDH(s.g, s.prime); err != nil {
			panic(fmt.Sprintf("keyexchange: bad DH parameters: %v", err))
		}
	}
	s.primeBytes = s.prime.Bytes()
	s.gBig = big.NewInt(int64(s.g))
	s.safeMin = new(big.Int).Lsh(big.NewInt(1), crypto.RSAKeyBits-64)
	s.safeMax = new(big.Int).Sub(s.prime, s.safeMin)
	return s
}

// Fingerprint returns the fingerprint of the server's RSA key, the only one
// listed in resPQ.
func (s *Server) Fingerprint() int64 {
	return s.fingerprint
}

// NewHandshake starts the state of one exchange on one connection.
func (s *Server) NewHandshake() *Handshake {
	return &Handshake{s: s}
}

// inSafeRange reports whether x (g_a or g_b) satisfies 1 < x < p-1 and
// 2^{2048-64} <= x <= p - 2^{2048-64}.
func (s *Server) inSafeRange(x *big.Int) bool {
	if x.Cmp(big.NewInt(1)) <= 0 || x.Cmp(new(big.Int).Sub(s.prime, big.NewInt(1))) >= 0 {
		return false
	}
	return x.Cmp(s.safeMin) >= 0 && x.Cmp(s.safeMax) <= 0
}

// dcAllowed reports whether the DC named in inner data is ours, counting its
// test (+10000) and media (negative) variants.
func (s *Server) dcAllowed(dc int) bool {
	if dc < 0 {
		dc = -dc
	}
	return dc%10000 == s.dc
}
