package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/buttonflow/buttonflow/internal/app"
	"github.com/buttonflow/buttonflow/internal/serverkey"
	"github.com/buttonflow/buttonflow/internal/store"
	"github.com/buttonflow/buttonflow/internal/store/sqlite"
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

func TestGCTarget(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		gogc    string
		want    int
		applies bool
	}{
		{nil, "", app.DefaultGCPercent, true}, // serve's default
		{nil, "150", 0, false},                // GOGC chose
		{nil, "off", 0, false},                // GOGC chose
		{[]string{"--gc-percent", "250"}, "", 250, true},
		{[]string{"--gc-percent", "250"}, "off", 250, true}, // the flag wins
		{[]string{"--gc-percent", "off"}, "150", -1, true},  // the flag wins
	} {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		percent := gcPercentFlag(app.DefaultGCPercent)
		fs.Var(&percent, "gc-percent", "")
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		got, applies := gcTarget(fs, int(percent), tc.gogc)
		if got != tc.want || applies != tc.applies {
			t.Errorf("args %v GOGC %q: got %d, %v; want %d, %v", tc.args, tc.gogc, got, applies, tc.want, tc.applies)
		}
	}
}

func TestMemoryLimitFlag(t *testing.T) {
	for in, want := range map[string]int64{
		"1":       1,
		"4096B":   4096,
		"64KiB":   64 << 10,
		"512MiB":  512 << 20,
		"2GiB":    2 << 30,
		"1TiB":    1 << 40,
		"1536MiB": 1536 << 20,
	} {
		var m memoryLimitFlag
		if err := m.Set(in); err != nil || int64(m) != want {
			t.Errorf("Set(%q): %d, %v; want %d", in, m, err, want)
		}
	}
	for in, want := range map[int64]string{2 << 30: "2GiB", 1536 << 20: "1536MiB", 1000: "1000B"} {
		if m := memoryLimitFlag(in); m.String() != want {
			t.Errorf("String of %d: %q, want %q", in, m.String(), want)
		}
	}
	for _, in := range []string{"", "0", "-1GiB", "2GB", "2 GiB", "1.5GiB", "GiB", "off", "99999999TiB"} {
		var m memoryLimitFlag
		if err := m.Set(in); err == nil {
			t.Errorf("Set(%q) = %d, want an error", in, m)
		}
	}
}

func TestServeRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		gomemlimit string
		want       string
	}{
		{[]string{"--gc-percent", "0"}, "", `invalid value "0" for flag -gc-percent: want a percentage of at least 1, or off`},
		{[]string{"--gc-percent", "lots"}, "", `invalid value "lots" for flag -gc-percent: want a percentage of at least 1, or off`},
		{[]string{"--memory-limit", "2GB"}, "", `invalid value "2GB" for flag -memory-limit: want a size such as 512MiB or 2GiB`},
		{[]string{"--gc-percent", "off"}, "", "--gc-percent off needs --memory-limit (or GOMEMLIMIT)"},
		{[]string{"--gc-percent", "off"}, "off", "--gc-percent off needs --memory-limit (or GOMEMLIMIT)"},
		{[]string{"--push-delay", "-1ms"}, "", "--push-delay -1ms: must not be negative"},
		{[]string{"--push-delay", "soon"}, "", `invalid value "soon" for flag -push-delay`},
	} {
		t.Setenv("GOMEMLIMIT", tc.gomemlimit)
		var out, errOut bytes.Buffer
		code := run(append([]string{"serve", "--data", t.TempDir()}, tc.args...), &out, &errOut)
		if code == 0 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("serve %v (GOMEMLIMIT %q): exit %d, stderr %q; want an error with %q", tc.args, tc.gomemlimit, code, errOut.String(), tc.want)
		}
	}
}

func TestCheckGCOff(t *testing.T) {
	for _, tc := range []struct {
		percent    gcPercentFlag
		limit      memoryLimitFlag
		gomemlimit string
		ok         bool
	}{
		{400, 0, "", true},
		{-1, 2 << 30, "", true},
		{-1, 0, "2GiB", true},
		{-1, 0, "", false},
		{-1, 0, "off", false},
	} {
		if err := checkGCOff(tc.percent, tc.limit, tc.gomemlimit); (err == nil) != tc.ok {
			t.Errorf("checkGCOff(%v, %v, %q) = %v; want ok %v", tc.percent, tc.limit, tc.gomemlimit, err, tc.ok)
		}
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

// TestBotCreateAndGameAdd: bot create prints the token (<id>:<secret>) as
// its last line, refuses a username taken or not ending in "bot", and bot
// game add registers a game once.
func TestBotCreateAndGameAdd(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	var out, errOut bytes.Buffer
	if code := run([]string{"bot", "create", "--data", data, "--username", "cli_bot", "--name", "CLI"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	token := lines[len(lines)-1]
	id, secret, ok := strings.Cut(token, ":")
	if !ok || len(secret) < 30 || strings.TrimLeft(id, "0123456789") != "" {
		t.Fatalf("last line %q is not a token", token)
	}
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"bot", "create", "--data", data, "--username", "cli_bot"}, "already taken"},
		{[]string{"bot", "create", "--data", data, "--username", "plain_user"}, `ending in "bot"`},
		{[]string{"bot", "create", "--data", data}, "--username is required"},
		{[]string{"bot", "game", "add", "--data", data, "--username", "cli_bot", "--short-name", "snake", "--title", "Snake", "--url", "ftp://x"}, "http or https"},
		{[]string{"bot", "game", "add", "--data", data, "--username", "nobody_bot", "--short-name", "snake", "--title", "Snake", "--url", "https://x.example"}, "no bot"},
		{[]string{"bot", "fly"}, "usage"},
		{[]string{"bot", "create", "--data", data, "--username", "owned_bot", "--owner", "@nobody_here"}, "no such user"},
	} {
		out.Reset()
		errOut.Reset()
		if code := run(tc.args, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), tc.err) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut.String(), tc.err)
		}
	}
	add := []string{"bot", "game", "add", "--data", data, "--username", "cli_bot", "--short-name", "snake", "--title", "Snake", "--url", "https://games.example/snake"}
	if code := run(add, &out, &errOut); code != 0 || !strings.Contains(out.String(), `added game "snake"`) {
		t.Fatalf("game add: exit %d, %q %q", code, out.String(), errOut.String())
	}
	errOut.Reset()
	if code := run(add, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "already has a game") {
		t.Fatalf("game added twice: exit %d, %q", code, errOut.String())
	}
}

// TestBotCreateWithOwner: --owner makes the bot the user's, as if made with
// @BotFather, so BotFather's /mybots lists it.
func TestBotCreateWithOwner(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	owner := &store.User{Phone: "15550009999", FirstName: "Owner", Username: "bot_owner", CreatedAt: time.Now()}
	if err := st.Users().Create(ctx, owner); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	var out, errOut bytes.Buffer
	if code := run([]string{"bot", "create", "--data", data, "--username", "owned_bot", "--owner", "@bot_owner"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	st, err = sqlite.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bots, err := st.Users().BotsOf(ctx, owner.ID)
	if err != nil || len(bots) != 1 || bots[0].Username != "owned_bot" {
		t.Fatalf("bots of the owner: %v, %v", bots, err)
	}
}
