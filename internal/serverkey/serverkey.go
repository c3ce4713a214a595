// Package serverkey keeps the server's RSA key: the private key that MTProto
// key exchange decrypts p_q_inner_data with, stored as PKCS#1 PEM in
// dir/server_key.pem, and the public form and fingerprint that clients are
// configured with.
//
// MTProto's RSA_PAD works on 256-byte blocks, so the key must be exactly 2048
// bits: shorter keys are weak, longer ones no client can use.
package serverkey

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gotd/td/crypto"
)

// FileName is the name of the key file inside the key directory.
const FileName = "server_key.pem"

// Bits is the size of the key.
const Bits = crypto.RSAKeyBits

const (
	privateType = "RSA PRIVATE KEY"
	publicType  = "RSA PUBLIC KEY"
)

// LoadOrCreate reads the server's RSA private key from dir/server_key.pem
// (PKCS#1 "RSA PRIVATE KEY"), or, if that file does not exist, creates dir
// (0700) and a new 2048-bit key with crypto/rand, written atomically (temp
// file + fsync + rename, mode 0600). Returns created=true when it made a new
// one.
func LoadOrCreate(dir string) (key *rsa.PrivateKey, created bool, err error) {
	key, err = Load(dir)
	if err == nil {
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	key, err = rsa.GenerateKey(rand.Reader, Bits)
	if err != nil {
		return nil, false, fmt.Errorf("serverkey: generate key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("serverkey: create key directory: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: privateType, Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := writeAtomic(filepath.Join(dir, FileName), data); err != nil {
		return nil, false, err
	}
	return key, true, nil
}

// Load reads the server's RSA private key from dir/server_key.pem and fails
// (wrapping fs.ErrNotExist) when it is missing. A malformed file or a key of
// another size than 2048 bits is an error naming the file.
func Load(dir string) (*rsa.PrivateKey, error) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("serverkey: %w", err)
	}
	key, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("serverkey: %s: %w", path, err)
	}
	return key, nil
}

// parse decodes a single PEM "RSA PRIVATE KEY" block of a 2048-bit key.
func parse(data []byte) (*rsa.PrivateKey, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if block.Type != privateType {
		return nil, fmt.Errorf("PEM block %q, want %q", block.Type, privateType)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("data after the PEM block")
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse PKCS#1 key: %w", err)
	}
	if n := key.N.BitLen(); n != Bits {
		return nil, fmt.Errorf("%d-bit key, want %d bits", n, Bits)
	}
	return key, nil
}

// writeAtomic writes data to path through a synced temporary file in the same
// directory, renamed into place, so path never holds a partial key.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+FileName+".*.tmp")
	if err != nil {
		return fmt.Errorf("serverkey: create temporary key file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("serverkey: chmod %s: %w", tmp.Name(), err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("serverkey: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("serverkey: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("serverkey: close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("serverkey: rename into %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("serverkey: open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("serverkey: sync %s: %w", dir, err)
	}
	return nil
}

// PublicPEM encodes the public key as PKCS#1 PEM,
// "-----BEGIN RSA PUBLIC KEY-----", the form Telegram clients embed.
func PublicPEM(pub *rsa.PublicKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: publicType, Bytes: x509.MarshalPKCS1PublicKey(pub)})
}

// Fingerprint is Telegram's fingerprint of pub: the low 64 bits (the last 8
// bytes, read little-endian as a signed integer) of
// SHA1(TL bytes(n) ‖ TL bytes(e)), as computed by crypto.RSAFingerprint.
func Fingerprint(pub *rsa.PublicKey) int64 {
	return crypto.RSAFingerprint(pub)
}
