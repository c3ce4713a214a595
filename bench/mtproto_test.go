package bench

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgtest"
	"github.com/gotd/td/transport"

	"github.com/buttonflow/buttonflow/internal/app"
)

// server is a running MTProto server the benchmarks talk to.
type server struct {
	key   *rsa.PublicKey
	addr  *net.TCPAddr
	close func()
}

// startButtonflow starts buttonflow in process on loopback ports.
func startButtonflow(b *testing.B) *server {
	b.Helper()
	a, err := app.Start(context.Background(), app.Config{
		DataDir: b.TempDir(),
		Listen:  "127.0.0.1:0",
		HTTP:    "127.0.0.1:0",
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatalf("start buttonflow: %v", err)
	}
	return &server{
		key:   &a.Key.PublicKey,
		addr:  a.MTProtoAddr.(*net.TCPAddr),
		close: func() { _ = a.Close() },
	}
}

// startTgtest starts gotd's test server on a loopback port, answering
// help.getConfig like buttonflow does (this_dc 2, one option pointing at
// itself) and ignoring msgs_ack. Ping and get_future_salts are answered by
// tgtest itself.
func startTgtest(b *testing.B) *server {
	b.Helper()
	key, err := rsa.GenerateKey(rand.Reader, crypto.RSAKeyBits)
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	cfg := &tg.Config{
		ThisDC: 2,
		DCOptions: []tg.DCOption{{
			ID: 2, IPAddress: addr.IP.String(), Port: addr.Port,
		}},
	}
	d := tgtest.NewDispatcher()
	d.HandleFunc(tg.HelpGetConfigRequestTypeID, func(s *tgtest.Server, req *tgtest.Request) error {
		return s.SendResult(req, cfg)
	})
	d.Fallback(tgtest.HandlerFunc(func(_ *tgtest.Server, req *tgtest.Request) error {
		id, err := req.Buf.PeekID()
		if err != nil {
			return err
		}
		if id == mt.MsgsAckTypeID {
			return nil
		}
		return fmt.Errorf("tgtest: unexpected type %#x", id)
	}))
	srv := tgtest.NewServer(tgtest.NewPrivateKey(key), tgtest.UnpackInvoke(d), tgtest.ServerOptions{DC: 2})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ctx, transport.Listen(l))
	}()
	return &server{
		key:  &key.PublicKey,
		addr: addr,
		close: func() {
			cancel()
			<-done
		},
	}
}

// pool is a set of connected gotd clients whose Run loops stay open until
// close is called.
type pool struct {
	clients []*telegram.Client
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func newPool(b *testing.B, srv *server, n int) *pool {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &pool{cancel: cancel}
	ready := make(chan error, n)
	// Key exchanges are CPU bound (RSA, DH, gotd's prime checks); running 64
	// at once on 2 cores makes them time out, so connect a few at a time.
	slots := make(chan struct{}, 4)
	for range n {
		c := telegram.NewClient(17349, "buttonflow-bench", telegram.Options{
			PublicKeys:  []telegram.PublicKey{{RSA: srv.key}},
			DC:          2,
			DCList:      dcs.List{Options: []tg.DCOption{{ID: 2, IPAddress: srv.addr.IP.String(), Port: srv.addr.Port}}},
			Resolver:    dcs.Plain(dcs.PlainOptions{Protocol: transport.Intermediate}),
			DialTimeout: 5 * time.Second,
			NoUpdates:   true,
		})
		p.clients = append(p.clients, c)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			slots <- struct{}{}
			var once sync.Once
			release := func() { once.Do(func() { <-slots }) }
			defer release()
			err := c.Run(ctx, func(ctx context.Context) error {
				// One round trip so the session is fully established.
				if err := c.Ping(ctx); err != nil {
					ready <- err
					return err
				}
				release()
				ready <- nil
				<-ctx.Done()
				return nil
			})
			if err != nil && !errors.Is(err, context.Canceled) {
				select {
				case ready <- err:
				default:
				}
			}
		}()
	}
	timeout := time.After(120 * time.Second)
	for range n {
		select {
		case err := <-ready:
			if err != nil {
				p.close()
				b.Fatalf("connect client: %v", err)
			}
		case <-timeout:
			p.close()
			b.Fatal("timeout connecting clients")
		}
	}
	return p
}

func (p *pool) close() {
	p.cancel()
	p.wg.Wait()
}

// cpuTime returns the user+system CPU time of the whole process.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type rpcMethod struct {
	name string
	call func(ctx context.Context, c *telegram.Client) error
}

var rpcMethods = []rpcMethod{
	{"ping", func(ctx context.Context, c *telegram.Client) error { return c.Ping(ctx) }},
	{"getConfig", func(ctx context.Context, c *telegram.Client) error {
		_, err := c.API().HelpGetConfig(ctx)
		return err
	}},
}

var servers = []struct {
	name  string
	start func(*testing.B) *server
}{
	{"buttonflow", startButtonflow},
	{"tgtest", startTgtest},
}

// BenchmarkRPC measures round trips per second through real gotd clients,
// b.N calls split across the clients, and the CPU time of the whole process
// (clients included) per call.
func BenchmarkRPC(b *testing.B) {
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			srv := s.start(b)
			defer srv.close()
			pools := map[int]*pool{}
			defer func() {
				for _, p := range pools {
					p.close()
				}
			}()
			for _, m := range rpcMethods {
				b.Run(m.name, func(b *testing.B) {
					for _, n := range []int{1, 64} {
						b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
							p, ok := pools[n]
							if !ok {
								p = newPool(b, srv, n)
								pools[n] = p
							}
							runRPC(b, p, m)
						})
					}
				})
			}
		})
	}
}

func runRPC(b *testing.B, p *pool, m rpcMethod) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		callErr error
	)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	start := time.Now()
	for _, c := range p.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := m.call(ctx, c); err != nil {
					errOnce.Do(func() { callErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime(b) - cpu0
	b.StopTimer()
	if callErr != nil {
		b.Fatalf("%s: %v", m.name, callErr)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rtt/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
}

// heap returns HeapInuse+StackInuse after a full collection.
func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// reqPQFrame is an intermediate-transport frame holding an unencrypted
// req_pq_multi.
func reqPQFrame(b *testing.B) []byte {
	b.Helper()
	var nonce bin.Int128
	if _, err := rand.Read(nonce[:]); err != nil {
		b.Fatal(err)
	}
	var body bin.Buffer
	if err := (&mt.ReqPqMultiRequest{Nonce: nonce}).Encode(&body); err != nil {
		b.Fatal(err)
	}
	msgID := (time.Now().UnixNano() / int64(time.Second)) << 32
	var msg bin.Buffer
	if err := (proto.UnencryptedMessage{MessageID: msgID, MessageData: body.Buf}).Encode(&msg); err != nil {
		b.Fatal(err)
	}
	frame := binary.LittleEndian.AppendUint32(nil, uint32(msg.Len()))
	return append(frame, msg.Buf...)
}

// openHandshakes opens n TCP connections to addr, each sending the
// intermediate header and one req_pq_multi; if wantReply, it reads the
// resPQ answer too.
func openHandshakes(b *testing.B, addr net.Addr, n int, wantReply bool) []net.Conn {
	b.Helper()
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			closeAll(conns)
			b.Fatalf("dial: %v", err)
		}
		conns = append(conns, c)
		msg := append([]byte{0xee, 0xee, 0xee, 0xee}, reqPQFrame(b)...)
		if _, err := c.Write(msg); err != nil {
			closeAll(conns)
			b.Fatalf("write: %v", err)
		}
		if !wantReply {
			continue
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		var hdr [4]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			closeAll(conns)
			b.Fatalf("read reply length: %v", err)
		}
		reply := make([]byte, binary.LittleEndian.Uint32(hdr[:]))
		if _, err := io.ReadFull(c, reply); err != nil {
			closeAll(conns)
			b.Fatalf("read reply: %v", err)
		}
		var um proto.UnencryptedMessage
		if err := um.Decode(&bin.Buffer{Buf: reply}); err != nil {
			closeAll(conns)
			b.Fatalf("decode reply: %v", err)
		}
		var res mt.ResPQ
		if err := res.Decode(&bin.Buffer{Buf: um.MessageData}); err != nil {
			closeAll(conns)
			b.Fatalf("decode resPQ: %v", err)
		}
		_ = c.SetReadDeadline(time.Time{})
	}
	return conns
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		_ = c.Close()
	}
}

// baselinePerConn measures the memory of n connections to a listener that
// only accepts and keeps them (no goroutine per connection): the client
// sockets plus the bare accepted sockets.
func baselinePerConn(b *testing.B, n int) float64 {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var (
		mu       sync.Mutex
		accepted []net.Conn
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepted = append(accepted, c)
			mu.Unlock()
		}
	}()
	before := heap()
	conns := openHandshakes(b, l.Addr(), n, false)
	for deadline := time.Now().Add(10 * time.Second); ; {
		mu.Lock()
		got := len(accepted)
		mu.Unlock()
		if got == n || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	after := heap()
	closeAll(conns)
	_ = l.Close()
	<-done
	mu.Lock()
	closeAll(accepted)
	mu.Unlock()
	return (float64(after) - float64(before)) / float64(n)
}

// BenchmarkIdleConnectionMemory measures the heap and stack held per idle
// connection that sent the intermediate header and a req_pq_multi and got
// resPQ back. bytes/conn-gross includes the client sockets living in the same
// process; bytes/conn subtracts a baseline of the same sockets against a
// listener that does nothing with them.
func BenchmarkIdleConnectionMemory(b *testing.B) {
	const n = 1000
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			srv := s.start(b)
			defer srv.close()
			base := baselinePerConn(b, n)
			var gross float64
			for range b.N {
				before := heap()
				conns := openHandshakes(b, srv.addr, n, true)
				after := heap()
				gross = (float64(after) - float64(before)) / float64(n)
				b.StopTimer()
				closeAll(conns)
				time.Sleep(100 * time.Millisecond) // let the server drop them
				b.StartTimer()
			}
			b.ReportMetric(gross, "bytes/conn-gross")
			b.ReportMetric(gross-base, "bytes/conn")
			b.ReportMetric(base, "baseline-bytes/conn")
		})
	}
}
