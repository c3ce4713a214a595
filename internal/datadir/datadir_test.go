package datadir

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSecretIsCreatedOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	a, err := Secret(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Secret(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != secretSize || !bytes.Equal(a, b) {
		t.Fatalf("secret changed between starts: %x vs %x", a, b)
	}
	st, err := os.Stat(filepath.Join(dir, secretFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("secret mode %v, want 0600", st.Mode().Perm())
	}
}

func TestSecretRejectsDamagedFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, secretFile), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Secret(dir); err == nil {
		t.Fatal("a 5-byte secret was accepted")
	}
}
