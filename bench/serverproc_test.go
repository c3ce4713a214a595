package bench

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var serverProcess = flag.Bool("server-process", false,
	"BenchmarkCallbackRoundTrip, BenchmarkBotAPICallbacks: run buttonflow as its own process (the buttonflow serve binary), "+
		"so that its CPU (from /proc) and its garbage collector are its own; by default it runs in the benchmark's process, "+
		"where a CPU profile splits server and client goroutines")

// serverProc is `buttonflow serve` running in a process of its own.
type serverProc struct {
	cmd         *exec.Cmd
	mtprotoAddr string
	httpAddr    string
	stderr      bytes.Buffer
	done        chan struct{}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// buttonflowBinary builds cmd/buttonflow once per benchmark binary.
func buttonflowBinary() (string, error) {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "buttonflow-bench-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "buttonflow")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/buttonflow")
		cmd.Dir = ".." // the module root, from bench/
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/buttonflow: %w\n%s", err, out)
		}
	})
	return binPath, buildErr
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startServerProc runs `buttonflow serve` on the data folder dir and waits
// until both its ports accept connections.
func startServerProc(dir string, callbackTimeout time.Duration) (*serverProc, error) {
	bin, err := buttonflowBinary()
	if err != nil {
		return nil, err
	}
	p := &serverProc{done: make(chan struct{})}
	if p.mtprotoAddr, err = freeAddr(); err != nil {
		return nil, err
	}
	if p.httpAddr, err = freeAddr(); err != nil {
		return nil, err
	}
	gc := strconv.Itoa(*callbackGC)
	if *callbackGC < 0 {
		gc = "off"
	}
	args := []string{"serve", "--data", dir, "--listen", p.mtprotoAddr, "--http", p.httpAddr, "--log-level", "error", "--gc-percent", gc}
	if *callbackMemMiB > 0 {
		args = append(args, "--memory-limit", strconv.Itoa(*callbackMemMiB)+"MiB")
	}
	if callbackTimeout > 0 {
		args = append(args, "--callback-timeout", callbackTimeout.String())
	}
	args = append(args, "--push-delay", callbackPushDelay.String())
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(time.Minute)
	for _, addr := range []string{p.mtprotoAddr, p.httpAddr} {
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				_ = c.Close()
				break
			}
			select {
			case <-p.done:
				return nil, fmt.Errorf("buttonflow serve exited: %s", p.stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				_ = p.close()
				return nil, fmt.Errorf("buttonflow serve not listening on %s after a minute: %w", addr, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return p, nil
}

// cpu is the CPU time (user and system, every thread) the process has used,
// from /proc/<pid>/stat.
func (p *serverProc) cpu() (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count fields after its ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc stat format")
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("unexpected /proc stat format")
	}
	// utime and stime are fields 14 and 15 of the line, 12 and 13 after ')'.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil // USER_HZ is 100 on Linux
}

// syscalls is how many read and write system calls (read, recv, readv and
// the like; write, send, writev and the like) the process has made, from
// /proc/<pid>/io.
func (p *serverProc) syscalls() (reads, writes int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	found := 0
	for _, line := range strings.Split(string(data), "\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok || (name != "syscr" && name != "syscw") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc io %s: %w", name, err)
		}
		if name == "syscr" {
			reads = n
		} else {
			writes = n
		}
		found++
	}
	if found != 2 {
		return 0, 0, errors.New("no syscr and syscw in /proc io")
	}
	return reads, writes, nil
}

// close stops the server (SIGTERM, as an operator would) and waits for it.
func (p *serverProc) close() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return errors.New("buttonflow serve did not stop within 30 s of SIGTERM")
	}
	return nil
}

// cpuOrFail is cpu, failing b on an error.
func (p *serverProc) cpuOrFail(b *testing.B) time.Duration {
	d, err := p.cpu()
	if err != nil {
		b.Fatalf("server CPU time: %v", err)
	}
	return d
}
