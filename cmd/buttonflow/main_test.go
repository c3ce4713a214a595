package main

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/buttonflow/buttonflow/internal/serverkey"
)

func TestKeyWithoutDataFolderFails(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"key", "--data", filepath.Join(t.TempDir(), "none")}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "run buttonflow serve once") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"fly"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `unknown command "fly"`) {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeThenKey builds the real binary, starts serve, checks that it made
// its data folder and that key prints the matching public key, and stops it
// with SIGTERM.
func TestServeThenKey(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "buttonflow")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(t.TempDir(), "data")
	srv := exec.Command(bin, "serve", "--data", data, "--listen", freeAddr(t), "--http", freeAddr(t))
	stderr, err := srv.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill() })
	lines := bufio.NewScanner(stderr)
	serving := false
	for lines.Scan() {
		if strings.Contains(lines.Text(), "buttonflow serving") {
			serving = true
			break
		}
	}
	if !serving {
		t.Fatal("serve never said it was serving")
	}
	go func() {
		for lines.Scan() {
		}
	}()

	out, err := exec.Command(bin, "key", "--data", data).Output()
	if err != nil {
		t.Fatalf("key: %v", err)
	}
	block, rest := pem.Decode(out)
	if block == nil || block.Type != "RSA PUBLIC KEY" {
		t.Fatalf("key printed no RSA PUBLIC KEY block:\n%s", out)
	}
	pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := serverkey.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(&priv.PublicKey) || pub.N.BitLen() != 2048 {
		t.Fatal("printed key is not the server's 2048-bit key")
	}
	fp := serverkey.Fingerprint(pub)
	if want := fmt.Sprintf("fingerprint: %016x (%d)\n", uint64(fp), fp); string(rest) != want {
		t.Fatalf("fingerprint line %q, want %q", rest, want)
	}

	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s of SIGTERM")
	}
	if _, err := os.Stat(filepath.Join(data, "buttonflow.db")); err != nil {
		t.Fatalf("no database in the data folder: %v", err)
	}
}
