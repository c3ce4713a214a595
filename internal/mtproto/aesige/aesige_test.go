package aesige

import (
	"bytes"
	"crypto/aes"
	"crypto/rand"
	"testing"

	"github.com/gotd/ige"
)

// reference is what gotd's ige package does with crypto/aes: the
// implementation this package replaces.
func reference(encrypt bool, key, iv *[32]byte, src []byte) []byte {
	b, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err)
	}
	out := make([]byte, len(src))
	if encrypt {
		ige.EncryptBlocks(b, iv[:], out, src)
	} else {
		ige.DecryptBlocks(b, iv[:], out, src)
	}
	return out
}

func random(t testing.TB, b []byte) {
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
}

// TestMatchesCryptoAES checks both directions against crypto/aes with
// gotd's IGE on random keys, ivs and lengths, on the assembly path and on
// the fallback, and that decryption undoes encryption.
func TestMatchesCryptoAES(t *testing.T) {
	for _, asm := range []bool{true, false} {
		if asm && !hasAESNI {
			t.Log("no AES-NI here: only the fallback is tested")
			continue
		}
		t.Run(map[bool]string{true: "asm", false: "fallback"}[asm], func(t *testing.T) {
			saved := hasAESNI
			hasAESNI = asm
			defer func() { hasAESNI = saved }()
			for n := 0; n <= 64*BlockSize; n += BlockSize {
				var key, iv [32]byte
				random(t, key[:])
				random(t, iv[:])
				pt := make([]byte, n)
				random(t, pt)
				ct := make([]byte, n)
				Encrypt(&key, &iv, ct, pt)
				if want := reference(true, &key, &iv, pt); !bytes.Equal(ct, want) {
					t.Fatalf("%d bytes: encryption differs from crypto/aes", n)
				}
				back := make([]byte, n)
				Decrypt(&key, &iv, back, ct)
				if !bytes.Equal(back, pt) {
					t.Fatalf("%d bytes: decryption does not undo encryption", n)
				}
				if want := reference(false, &key, &iv, ct); !bytes.Equal(back, want) {
					t.Fatalf("%d bytes: decryption differs from crypto/aes", n)
				}
				// The output is ciphertext, not the plaintext passed through.
				if n > 0 && bytes.Equal(ct[:BlockSize], pt[:BlockSize]) {
					t.Fatalf("%d bytes: the first block is not encrypted", n)
				}
			}
		})
	}
}

// TestKnownAnswer is FIPS-197's AES-256 example (appendix C.3): with a
// zero iv, IGE's first block is the block cipher alone, so this checks the
// assembly against a fixed answer that no code here computed.
func TestKnownAnswer(t *testing.T) {
	var key, iv [32]byte
	for i := range key {
		key[i] = byte(i)
	}
	pt := []byte{
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	}
	want := []byte{
		0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67, 0x45, 0xbf,
		0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49, 0x60, 0x89,
	}
	got := make([]byte, 16)
	Encrypt(&key, &iv, got, pt)
	if !bytes.Equal(got, want) {
		t.Fatalf("encrypt = %x, want %x", got, want)
	}
	back := make([]byte, 16)
	Decrypt(&key, &iv, back, got)
	if !bytes.Equal(back, pt) {
		t.Fatalf("decrypt = %x, want %x", back, pt)
	}
}

// TestNoAllocations: the point of the package. The key schedule must stay
// on the stack.
func TestNoAllocations(t *testing.T) {
	if !hasAESNI {
		t.Skip("no AES-NI here: the fallback allocates like crypto/aes")
	}
	var key, iv [32]byte
	src := make([]byte, 256)
	dst := make([]byte, 256)
	if n := testing.AllocsPerRun(100, func() {
		Encrypt(&key, &iv, dst, src)
		Decrypt(&key, &iv, src, dst)
	}); n != 0 {
		t.Fatalf("%v allocations per encryption and decryption, want 0", n)
	}
}

func TestBadLengthsPanic(t *testing.T) {
	var key, iv [32]byte
	for name, f := range map[string]func(){
		"partial block": func() { Encrypt(&key, &iv, make([]byte, 32), make([]byte, 17)) },
		"short output":  func() { Decrypt(&key, &iv, make([]byte, 16), make([]byte, 32)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func BenchmarkEncrypt(b *testing.B) {
	var key, iv [32]byte
	src := make([]byte, 256)
	dst := make([]byte, 256)
	b.SetBytes(256)
	b.ReportAllocs()
	for b.Loop() {
		Encrypt(&key, &iv, dst, src)
	}
}

func BenchmarkEncryptCryptoAES(b *testing.B) {
	var key, iv [32]byte
	src := make([]byte, 256)
	dst := make([]byte, 256)
	b.SetBytes(256)
	b.ReportAllocs()
	for b.Loop() {
		c, _ := aes.NewCipher(key[:])
		ige.EncryptBlocks(c, iv[:], dst, src)
	}
}
