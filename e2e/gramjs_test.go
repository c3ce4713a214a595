package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/buttonflow/buttonflow/internal/serverkey"
)

var npmOnce sync.Once

// gramjsDir returns the folder of the GramJS scripts, installing their npm
// packages (telegram@2.26.22, pinned by package-lock.json) on first use.
func gramjsDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("gramjs")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is needed for the GramJS tests: install Node.js (see README)")
	}
	var installErr error
	npmOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "telegram")); err == nil {
			return
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			installErr = fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
		}
	})
	if installErr != nil {
		t.Fatal(installErr)
	}
	return dir
}

// runGramJS runs a GramJS script against srv and decodes the JSON it prints.
func runGramJS(t *testing.T, srv *testServer, script, transport string, extraEnv map[string]string, out any) {
	t.Helper()
	dir := gramjsDir(t)
	host, port, _ := net.SplitHostPort(srv.listen)
	_, httpPort, _ := net.SplitHostPort(srv.http)
	pub := srv.key()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, script))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"BF_HOST="+host, "BF_PORT="+port, "BF_HTTP_PORT="+httpPort,
		"BF_KEY_N="+pub.N.String(), fmt.Sprintf("BF_KEY_E=%d", pub.E),
		fmt.Sprintf("BF_KEY_FP=%d", serverkey.Fingerprint(pub)),
		"BF_TRANSPORT="+transport,
	)
	for k, v := range extraEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s (%s): %v\nstderr:\n%s\nstdout:\n%s", script, transport, err, stderr.String(), stdout.String())
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), out); err != nil {
		t.Fatalf("node %s printed %q: %v\nstderr:\n%s", script, stdout.String(), err, stderr.String())
	}
}

type gramjsConfig struct {
	ThisDC    int `json:"thisDc"`
	DCOptions []struct {
		IP   string `json:"ip"`
		Port int    `json:"port"`
	} `json:"dcOptions"`
	PingID  string `json:"pingId"`
	Session string `json:"session"`
}

func TestGramJSGetConfig(t *testing.T) {
	srv := startServer(t)
	for _, transport := range []string{"full", "abridged", "obfuscated", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			var got gramjsConfig
			runGramJS(t, srv, "getconfig.js", transport, nil, &got)
			if got.ThisDC != 2 || len(got.DCOptions) != 1 {
				t.Fatalf("config from layer 198: %+v", got)
			}
			if addr := net.JoinHostPort(got.DCOptions[0].IP, fmt.Sprint(got.DCOptions[0].Port)); addr != srv.listen {
				t.Fatalf("dc_options[0] = %s, want %s", addr, srv.listen)
			}
			if got.PingID != "12345" {
				t.Fatalf("pong ping_id %q, want 12345", got.PingID)
			}
		})
	}
}

func TestGramJSSessionSurvivesRestart(t *testing.T) {
	srv := startServer(t)
	var first gramjsConfig
	runGramJS(t, srv, "getconfig.js", "full", nil, &first)
	if first.Session == "" {
		t.Fatal("GramJS saved no session")
	}
	srv.restart()
	var second gramjsConfig
	runGramJS(t, srv, "getconfig.js", "full", map[string]string{"BF_SESSION": first.Session}, &second)
	if second.ThisDC != 2 {
		t.Fatalf("config after restart: %+v", second)
	}
	if n := srv.authKeyCount(); n != 1 {
		t.Fatalf("%d auth keys, want 1: GramJS ran a new key exchange instead of reusing its session", n)
	}
}
