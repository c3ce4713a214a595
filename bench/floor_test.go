package bench

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// relayMsgSize is the size of one relayed message: about an encrypted
// MTProto frame for a callback press (intermediate header, auth key id,
// msg_key, one small message).
const relayMsgSize = 96

var relayWork = flag.Duration("relay-work", 0, "BenchmarkRelayFloor: how long the relay busies the CPU for each message it relays (a busy loop), a stand-in for a server's own work: it shows the latency a given CPU cost per round trip leaves on this machine")

// spin keeps the calling goroutine busy for d of wall time.
func spin(d time.Duration) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
	}
}

// relayWorld is the floor under BenchmarkCallbackRoundTrip: the same
// connections and the same path for a press (user → server → bot → server
// → user, over loopback TCP, with Go's netpoller and a goroutine per
// connection on both sides), but the server only relays bytes: no
// encryption, no MTProto, no TL, no lookups. What a round trip costs here is
// what every press costs before any of the server's own work.
type relayWorld struct {
	ln    net.Listener
	users []net.Conn // client side, one per user
	bots  []net.Conn // client side, one per bot
	wg    sync.WaitGroup

	mu       sync.Mutex
	served   []net.Conn // server side of every connection
	userConn []net.Conn // server side, by user index
	botConn  []net.Conn // server side, by bot index
	botWrite []sync.Mutex
	userWmu  []sync.Mutex

	failed atomic.Pointer[error]
}

// fail records the first error of the world.
func (w *relayWorld) fail(err error) { w.failed.CompareAndSwap(nil, &err) }

// startRelayWorld connects nUsers users and nBots bots to a relay server.
// A connection introduces itself with one message: kind ('U' or 'B') and
// index. Then a user's message goes to bot index mod nBots and a bot's
// message (the user index in its first 4 bytes) back to that user.
func startRelayWorld(b *testing.B, nUsers, nBots int) *relayWorld {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	w := &relayWorld{
		ln:       ln,
		userConn: make([]net.Conn, nUsers),
		botConn:  make([]net.Conn, nBots),
		botWrite: make([]sync.Mutex, nBots),
		userWmu:  make([]sync.Mutex, nUsers),
	}
	ready := make(chan struct{}, nUsers+nBots)
	w.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			w.wg.Go(func() { w.serve(c, ready) })
		}
	})
	dial := func(kind byte, i int) net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		var hello [relayMsgSize]byte
		hello[0] = kind
		binary.LittleEndian.PutUint32(hello[4:], uint32(i))
		if _, err := c.Write(hello[:]); err != nil {
			b.Fatal(err)
		}
		return c
	}
	for i := range nBots {
		w.bots = append(w.bots, dial('B', i))
	}
	for i := range nUsers {
		w.users = append(w.users, dial('U', i))
	}
	for range nUsers + nBots {
		<-ready
	}
	for _, c := range w.bots {
		w.wg.Go(func() { w.echo(c) })
	}
	return w
}

// serve is the server's goroutine for one connection.
func (w *relayWorld) serve(c net.Conn, ready chan<- struct{}) {
	w.mu.Lock()
	w.served = append(w.served, c)
	w.mu.Unlock()
	r := bufio.NewReaderSize(c, 4096)
	var msg [relayMsgSize]byte
	if _, err := io.ReadFull(r, msg[:]); err != nil {
		return
	}
	kind, idx := msg[0], int(binary.LittleEndian.Uint32(msg[4:]))
	w.mu.Lock()
	if kind == 'U' {
		w.userConn[idx] = c
	} else {
		w.botConn[idx] = c
	}
	w.mu.Unlock()
	ready <- struct{}{}
	for {
		if _, err := io.ReadFull(r, msg[:]); err != nil {
			return
		}
		var dst net.Conn
		var wmu *sync.Mutex
		if kind == 'U' {
			binary.LittleEndian.PutUint32(msg[:], uint32(idx))
			bot := idx % len(w.botConn)
			dst, wmu = w.botConn[bot], &w.botWrite[bot]
		} else {
			user := int(binary.LittleEndian.Uint32(msg[:]))
			dst, wmu = w.userConn[user], &w.userWmu[user]
		}
		if *relayWork > 0 {
			spin(*relayWork)
		}
		wmu.Lock()
		_, err := dst.Write(msg[:])
		wmu.Unlock()
		if err != nil {
			return
		}
	}
}

// echo is a bot: it sends every message back as it comes.
func (w *relayWorld) echo(c net.Conn) {
	r := bufio.NewReaderSize(c, 4096)
	var msg [relayMsgSize]byte
	for {
		if _, err := io.ReadFull(r, msg[:]); err != nil {
			return
		}
		if _, err := c.Write(msg[:]); err != nil {
			if !errors.Is(err, net.ErrClosed) {
				w.fail(fmt.Errorf("bot write: %w", err))
			}
			return
		}
	}
}

func (w *relayWorld) close() {
	_ = w.ln.Close()
	for _, c := range slices.Concat(w.users, w.bots) {
		_ = c.Close()
	}
	w.mu.Lock()
	for _, c := range w.served {
		_ = c.Close()
	}
	w.mu.Unlock()
	w.wg.Wait()
}

// BenchmarkRelayFloor measures the floor under BenchmarkCallbackRoundTrip on
// this machine: N users each pressing in a closed loop, as there, through a
// server that only relays the bytes to one of 4 bots and the bots' replies
// back (see relayWorld); then, as there, 1000 users pressing open loop at
// -callback-rate presses per second (paced-…), which is the floor under its
// paced latency. It reports round trips per second, latency, and the whole
// process's CPU per round trip (server, users and bots together: the two
// sides cannot be told apart at this level, and both are on the same cores
// in BenchmarkCallbackRoundTrip too).
func BenchmarkRelayFloor(b *testing.B) {
	const nBots = 4
	for _, n := range []int{1, 64, 1000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			w := startRelayWorld(b, n, nBots)
			defer w.close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			var next atomic.Int64
			lat := make([]int64, b.N)
			b.ResetTimer()
			cpu0 := cpuTime(b)
			start := time.Now()
			var users sync.WaitGroup
			for _, c := range w.users {
				users.Go(func() {
					r := bufio.NewReaderSize(c, 4096)
					var msg [relayMsgSize]byte
					for ctx.Err() == nil {
						j := next.Add(1) - 1
						if j >= int64(b.N) {
							return
						}
						t := time.Now()
						if _, err := c.Write(msg[:]); err != nil {
							w.fail(fmt.Errorf("user write: %w", err))
							return
						}
						if _, err := io.ReadFull(r, msg[:]); err != nil {
							w.fail(fmt.Errorf("user read: %w", err))
							return
						}
						lat[j] = int64(time.Since(t))
					}
				})
			}
			users.Wait()
			w.report(ctx, b, lat, time.Since(start), cpuTime(b)-cpu0)
		})
	}
	const paced = 1000
	b.Run(fmt.Sprintf("paced-users=%d-rate=%d", paced, int(*callbackRate)), func(b *testing.B) {
		w := startRelayWorld(b, paced, nBots)
		defer w.close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		lat := make([]int64, b.N)
		sent := make([]time.Time, b.N)
		// Each user's presses come back in the order they went out (one
		// connection each way, one bot per user): a user's reader takes
		// the index of its oldest press from its queue.
		queues := make([]chan int, paced)
		var users sync.WaitGroup
		for u, c := range w.users {
			queues[u] = make(chan int, max(16, b.N/paced+1))
			users.Go(func() {
				r := bufio.NewReaderSize(c, 4096)
				var msg [relayMsgSize]byte
				for j := range queues[u] {
					if _, err := io.ReadFull(r, msg[:]); err != nil {
						w.fail(fmt.Errorf("user read: %w", err))
						return
					}
					lat[j] = int64(time.Since(sent[j]))
				}
			})
		}
		b.ResetTimer()
		cpu0 := cpuTime(b)
		start := time.Now()
		var msg [relayMsgSize]byte
		pace(b.N, *callbackRate, start, func(j int) {
			if ctx.Err() != nil || w.failed.Load() != nil {
				return
			}
			u := j % paced
			sent[j] = time.Now()
			queues[u] <- j
			if _, err := w.users[u].Write(msg[:]); err != nil {
				w.fail(fmt.Errorf("user write: %w", err))
			}
		})
		for _, q := range queues {
			close(q)
		}
		waitOrCancel(ctx, &users)
		w.report(ctx, b, lat, time.Since(start), cpuTime(b)-cpu0)
	})
}

// waitOrCancel waits for wg, or for ctx to end.
func waitOrCancel(ctx context.Context, wg *sync.WaitGroup) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// report stops b's timer, fails b on the world's first error or ctx's end,
// and reports b.N round trips in elapsed with latencies lat and the
// process's CPU time cpu.
func (w *relayWorld) report(ctx context.Context, b *testing.B, lat []int64, elapsed, cpu time.Duration) {
	b.StopTimer()
	if err := w.failed.Load(); err != nil {
		b.Fatal(*err)
	}
	if ctx.Err() != nil {
		b.Fatal("round trips not done in 5 minutes")
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rt/s")
	b.ReportMetric(float64(lat[b.N/2])/1e6, "p50-ms")
	b.ReportMetric(float64(lat[b.N*99/100])/1e6, "p99-ms")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/rt")
}
