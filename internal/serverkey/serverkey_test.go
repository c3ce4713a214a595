package serverkey

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotd/td/crypto"
)

func TestLoadOrCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "keys")
	key, created, err := LoadOrCreate(dir)
	if err != nil || !created {
		t.Fatalf("first call: created %v, err %v", created, err)
	}
	if key.N.BitLen() != 2048 {
		t.Errorf("%d-bit key", key.N.BitLen())
	}
	checkMode(t, dir, 0o700)
	checkMode(t, filepath.Join(dir, FileName), 0o600)
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Errorf("directory holds %v (%v), want only %s", entries, err, FileName)
	}

	again, created, err := LoadOrCreate(dir)
	if err != nil || created {
		t.Fatalf("second call: created %v, err %v", created, err)
	}
	if !again.Equal(key) {
		t.Error("reloaded key differs")
	}
	loaded, err := Load(dir)
	if err != nil || !loaded.Equal(key) {
		t.Fatalf("Load: %v", err)
	}

	// The public PEM is PKCS#1 and round-trips.
	pubPEM := PublicPEM(&key.PublicKey)
	if !bytes.HasPrefix(pubPEM, []byte("-----BEGIN RSA PUBLIC KEY-----\n")) {
		t.Errorf("public PEM starts %q", pubPEM[:40])
	}
	block, _ := pem.Decode(pubPEM)
	pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
	if err != nil || !pub.Equal(&key.PublicKey) {
		t.Fatalf("parse public PEM: %v", err)
	}
	if Fingerprint(pub) != crypto.RSAFingerprint(&key.PublicKey) || Fingerprint(pub) != fingerprint(pub) {
		t.Error("fingerprint mismatch")
	}
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", path, got, want)
	}
}

// fingerprint is Telegram's key fingerprint computed from its definition.
func fingerprint(pub *rsa.PublicKey) int64 {
	var tl []byte
	for _, v := range [][]byte{pub.N.Bytes(), big.NewInt(int64(pub.E)).Bytes()} {
		// TL bytes of 254 bytes and more: 0xfe and a 3-byte length.
		if len(v) < 254 {
			tl = append(tl, byte(len(v)))
		} else {
			tl = append(tl, 0xfe, byte(len(v)), byte(len(v)>>8), byte(len(v)>>16))
		}
		tl = append(tl, v...)
		for len(tl)%4 != 0 {
			tl = append(tl, 0)
		}
	}
	sum := sha1.Sum(tl)
	return int64(binary.LittleEndian.Uint64(sum[12:]))
}

func TestFingerprintKnown(t *testing.T) {
	// gotd's test vector for a 1024-bit key.
	const known = `-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCJhOrkbrOi7/fFQRN2+8W5+Inx
bdxo7XH5DDKgFvXPDDe8cQINO3/kFat7KlpC2n2sS8ApZQkmREANg0XpImL9lCHB
v1FgQmL0xtnaURKo7FzaoaL4jCf5556NQr1th9F3oeN67mR4+BF0vPP9Gu6GY5Z1
BSqi+FEREW/2aWSgSwIDAQAB
-----END PUBLIC KEY-----`
	block, _ := pem.Decode([]byte(known))
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub := k.(*rsa.PublicKey)
	if got := Fingerprint(pub); got != 1914007313702140277 || fingerprint(pub) != got {
		t.Errorf("fingerprint %d", got)
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(t.TempDir())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want fs.ErrNotExist", err)
	}
}

func TestBadFiles(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallPEM := pem.EncodeToMemory(&pem.Block{Type: privateType, Bytes: x509.MarshalPKCS1PrivateKey(small)})
	pkcs8, err := x509.MarshalPKCS8PrivateKey(small)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"empty":           nil,
		"garbage":         []byte("not a key\n"),
		"public key":      PublicPEM(&small.PublicKey),
		"1024 bits":       smallPEM,
		"PKCS#8 inside":   pem.EncodeToMemory(&pem.Block{Type: privateType, Bytes: pkcs8}),
		"broken DER":      pem.EncodeToMemory(&pem.Block{Type: privateType, Bytes: []byte{0x30, 0x03, 1}}),
		"two blocks":      append(append([]byte{}, smallPEM...), smallPEM...),
		"truncated PEM":   smallPEM[:len(smallPEM)/2],
		"trailing text":   append(append([]byte{}, smallPEM...), "junk"...),
		"base64 mangled":  bytes.Replace(smallPEM, []byte("\n"), []byte("\n!"), 3),
		"empty PEM block": pem.EncodeToMemory(&pem.Block{Type: privateType}),
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), path) || errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("Load: %v", err)
			}
			// LoadOrCreate must not replace a bad key file.
			if _, created, err := LoadOrCreate(dir); err == nil || created {
				t.Fatalf("LoadOrCreate: created %v, err %v", created, err)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
				t.Error("bad key file was changed")
			}
		})
	}
}

func TestLoadOrCreateUnwritable(t *testing.T) {
	// A regular file where the directory should be.
	dir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreate(dir); err == nil {
		t.Fatal("no error")
	}
}
