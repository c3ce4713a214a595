// Package datadir owns the layout of buttonflow's data folder: the server's
// RSA key (server_key.pem), the secret that server salts are derived from
// (server_secret) and the embedded database (buttonflow.db). Everything the
// server must keep across restarts lives there.
package datadir

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Default is the data folder used when none is given.
const Default = "./buttonflow-data"

const (
	secretFile = "server_secret"
	secretSize = 32
)

// Secret returns the server secret stored in dir, creating dir and the secret
// (32 random bytes, mode 0600, written atomically) on first use.
func Secret(dir string) ([]byte, error) {
	path := filepath.Join(dir, secretFile)
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) != secretSize {
			return nil, fmt.Errorf("datadir: %s holds %d bytes, want %d", path, len(b), secretSize)
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("datadir: read %s: %w", path, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("datadir: create %s: %w", dir, err)
	}
	b = make([]byte, secretSize)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("datadir: generate secret: %w", err)
	}
	if err := WriteFileAtomic(path, b, 0o600); err != nil {
		return nil, err
	}
	return b, nil
}

// WriteFileAtomic writes data to path so that a crash leaves either the old
// file or the whole new one: a temporary file in the same folder, synced,
// then renamed over path, and the folder synced.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("datadir: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return fmt.Errorf("datadir: write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("datadir: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("datadir: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("datadir: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("datadir: write %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
