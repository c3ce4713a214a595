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

var (
	npmMu   sync.Mutex
	npmDone = map[string]error{}
)

// npmDir returns the absolute path of a folder of Node scripts under e2e/,
// installing its npm packages (pinned by its package-lock.json) on first
// use; probe is a package whose presence shows they are installed.
func npmDir(t *testing.T, name, probe string) string {
	t.Helper()
	dir, err := filepath.Abs(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node is needed for the %s tests: install Node.js (see README)", name)
	}
	npmMu.Lock()
	defer npmMu.Unlock()
	installErr, done := npmDone[dir]
	if !done {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", probe)); err != nil {
			cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				installErr = fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
			}
		}
		npmDone[dir] = installErr
	}
	if installErr != nil {
		t.Fatal(installErr)
	}
	return dir
}

// gramjsDir returns the folder of the GramJS scripts (telegram@2.26.22).
func gramjsDir(t *testing.T) string { return npmDir(t, "gramjs", "telegram") }

// runGramJS runs a GramJS script against srv and decodes the JSON it prints.
func runGramJS(t *testing.T, srv *testServer, script, transport string, extraEnv map[string]string, out any) {
	t.Helper()
	startGramJS(t, srv, script, transport, extraEnv).wait(t, out)
}

// gramjsProc is a GramJS script running in the background.
type gramjsProc struct {
	script, transport string
	cancel            context.CancelFunc
	done              chan struct{}
	err               error
	stdout, stderr    readyWriter
}

// readyWriter collects a script's output, safe to read while the script
// runs, and closes ready when the script prints the line "ready" to stdout
// (lib.js signalReady).
type readyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if b := w.buf.Bytes(); bytes.HasPrefix(b, []byte("ready\n")) || bytes.Contains(b, []byte("\nready\n")) {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func (w *readyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitReady waits until the script signals it is ready (see lib.js
// signalReady), failing the test if it ends or takes 30 s first.
func (p *gramjsProc) waitReady(t *testing.T) {
	t.Helper()
	select {
	case <-p.stdout.ready:
	case <-p.done:
		var out any
		p.wait(t, &out)
		t.Fatalf("node %s ended without signalling ready; it printed %v", p.script, out)
	case <-time.After(e2eWait):
		t.Fatalf("node %s not ready within %v\nstderr:\n%s", p.script, e2eWait, p.stderr.String())
	}
}

// startGramJS starts a GramJS script against srv; wait collects its output.
// The script gets the server's address and key, the transport and the login
// code in its environment, and 60 s to finish.
func startGramJS(t *testing.T, srv *testServer, script, transport string, extraEnv map[string]string) *gramjsProc {
	t.Helper()
	host, port, _ := net.SplitHostPort(srv.listen)
	_, httpPort, _ := net.SplitHostPort(srv.http)
	pub := srv.key()
	env := map[string]string{
		"BF_HOST": host, "BF_PORT": port, "BF_HTTP_PORT": httpPort,
		"BF_KEY_N": pub.N.String(), "BF_KEY_E": fmt.Sprint(pub.E),
		"BF_KEY_FP":    fmt.Sprint(serverkey.Fingerprint(pub)),
		"BF_TRANSPORT": transport, "BF_LOGIN_CODE": testLoginCode,
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	p := startNode(t, gramjsDir(t), script, env)
	p.transport = transport
	return p
}

// startNode starts a Node script of dir with env added to its environment;
// it has e2eLong to finish.
func startNode(t *testing.T, dir, script string, env map[string]string) *gramjsProc {
	t.Helper()
	p := &gramjsProc{script: script, done: make(chan struct{})}
	p.stdout.ready, p.stderr.ready = make(chan struct{}), make(chan struct{})
	var ctx context.Context
	ctx, p.cancel = context.WithTimeout(context.Background(), e2eLong)
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, script))
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
	if err := cmd.Start(); err != nil {
		p.cancel()
		t.Fatalf("node %s: %v", script, err)
	}
	go func() {
		defer close(p.done)
		p.err = cmd.Wait()
	}()
	t.Cleanup(func() { p.cancel(); <-p.done })
	return p
}

// waitAll waits for scripts running together, each decoding into the out at
// the same index; the first to fail fails the test (the others are then
// stopped), so a script stuck waiting for a failed one does not hide the cause.
func waitAll(t *testing.T, procs []*gramjsProc, outs []any) {
	t.Helper()
	ended := make(chan int, len(procs))
	for i, p := range procs {
		go func() { <-p.done; ended <- i }()
	}
	for range procs {
		i := <-ended
		procs[i].wait(t, outs[i])
	}
}

// wait waits for the script to end and decodes the JSON it printed into out.
func (p *gramjsProc) wait(t *testing.T, out any) {
	t.Helper()
	<-p.done
	p.cancel()
	if p.err != nil {
		t.Fatalf("node %s (%s): %v\nstderr:\n%s\nstdout:\n%s", p.script, p.transport, p.err, p.stderr.String(), p.stdout.String())
	}
	// The JSON is the last line: anything before it is stray console output.
	lines := bytes.Split(bytes.TrimSpace([]byte(p.stdout.String())), []byte("\n"))
	if err := json.Unmarshal(lines[len(lines)-1], out); err != nil {
		t.Fatalf("node %s printed %q: %v\nstderr:\n%s", p.script, p.stdout.String(), err, p.stderr.String())
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
