package transport

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/proto/codec"
)

var echoSizes = []int{8, 12, 504, 508, 4096, 64<<10 + 4, 1 << 20}

func TestEchoAllTransports(t *testing.T) {
	for _, k := range clientKinds() {
		t.Run(k.proto, func(t *testing.T) {
			t.Parallel()
			protos := make(chan string, 1)
			addr, _ := startServe(t, echoHandler(protos, nil), ListenerOptions{})
			ctx := testCtx(t)
			c := k.dial(t, addr)
			handshake(t, ctx, c)
			if got := <-protos; got != k.proto {
				t.Errorf("Protocol() = %q, want %q", got, k.proto)
			}
			for _, n := range echoSizes {
				roundTrip(t, ctx, c, randomBytes(n))
			}
			// A 4-byte frame is a transport error code to the client.
			if err := c.Send(ctx, &bin.Buffer{Buf: []byte{0x6c, 0xfe, 0xff, 0xff}}); err != nil {
				t.Fatal(err)
			}
			expectCode(t, ctx, c)
			roundTrip(t, ctx, c, randomBytes(16))
		})
	}
}

func TestTargetDC(t *testing.T) {
	for _, k := range []clientKind{clientKinds()[1], clientKinds()[5]} {
		t.Run(k.proto, func(t *testing.T) {
			dcs := make(chan int, 1)
			h := func(ctx context.Context, c Conn) {
				dc, ok := c.(TargetDCer).TargetDC()
				if !ok {
					dc = -1
				}
				dcs <- dc
			}
			addr, _ := startServe(t, h, ListenerOptions{})
			k.dial(t, addr)
			want := -1 // none
			if strings.HasPrefix(k.proto, "obfuscated2+") {
				want = 2 // what obfuscatedClient sends
			}
			if got := <-dcs; got != want {
				t.Fatalf("TargetDC = %d, want %d", got, want)
			}
		})
	}
}

func TestHandlerPanicEndsOnlyItsConnection(t *testing.T) {
	h := func(ctx context.Context, c Conn) {
		if c.Protocol() == "abridged" {
			panic("handler bug")
		}
		echoHandler(nil, nil)(ctx, c)
	}
	addr, _ := startServe(t, h, ListenerOptions{})
	ctx := testCtx(t)
	nc := dialTCP(t, addr)
	if _, err := nc.Write([]byte{0xef}); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, nc)
	c := plainClient(func() codec.Codec { return codec.Intermediate{} })(t, addr)
	handshake(t, ctx, c)
}

func TestConcurrentWritesDoNotInterleave(t *testing.T) {
	for _, k := range []clientKind{clientKinds()[3], clientKinds()[6]} {
		t.Run(k.proto, func(t *testing.T) {
			const writers, perWriter = 8, 50
			h := func(ctx context.Context, c Conn) {
				var buf bin.Buffer
				if err := c.ReadFrame(ctx, &buf); err != nil {
					return
				}
				var wg sync.WaitGroup
				for w := range writers {
					wg.Go(func() {
						p := make([]byte, 64+4*w)
						for i := range p {
							p[i] = byte(w)
						}
						for range perWriter {
							if err := c.WriteFrame(ctx, p); err != nil {
								t.Errorf("WriteFrame: %v", err)
								return
							}
						}
					})
				}
				wg.Wait()
				_ = c.ReadFrame(ctx, &buf) // until the client leaves
			}
			addr, _ := startServe(t, h, ListenerOptions{})
			ctx := testCtx(t)
			c := k.dial(t, addr)
			if err := c.Send(ctx, &bin.Buffer{Buf: []byte("start!!!")}); err != nil {
				t.Fatal(err)
			}
			var buf bin.Buffer
			for range writers * perWriter {
				if err := c.Recv(ctx, &buf); err != nil {
					t.Fatal(err)
				}
				w := buf.Buf[0]
				if len(buf.Buf) != 64+4*int(w) || bytes.Count(buf.Buf, []byte{w}) != len(buf.Buf) {
					t.Fatalf("garbled frame of %d bytes from writer %d", len(buf.Buf), w)
				}
			}
		})
	}
}

func TestSilentClientDoesNotStallOthers(t *testing.T) {
	addr, accepted := startServe(t, echoHandler(nil, nil), ListenerOptions{})
	silent := dialTCP(t, addr)
	<-accepted // the silent connection is in the server's hands
	ctx := testCtx(t)
	c := plainClient(func() codec.Codec { return codec.Intermediate{} })(t, addr)
	handshake(t, ctx, c)
	roundTrip(t, ctx, c, randomBytes(64))
	_ = silent.Close()
}

func TestHeaderTimeoutClosesSilentClient(t *testing.T) {
	addr, _ := startServe(t, echoHandler(nil, nil), ListenerOptions{HeaderTimeout: 50 * time.Millisecond})
	expectClosed(t, dialTCP(t, addr))
	partial := dialTCP(t, addr)
	if _, err := partial.Write([]byte{0xee, 0xee}); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, partial)
}

func TestReadFrameCancel(t *testing.T) {
	errs := make(chan error, 1)
	ready := make(chan struct{})
	rctx, cancel := context.WithCancel(context.Background())
	h := func(ctx context.Context, c Conn) {
		close(ready)
		errs <- c.ReadFrame(rctx, &bin.Buffer{})
	}
	addr, _ := startServe(t, h, ListenerOptions{})
	nc := dialTCP(t, addr)
	if _, err := nc.Write([]byte{0xef}); err != nil {
		t.Fatal(err)
	}
	<-ready
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadFrame = %v, want context.Canceled", err)
	}
	expectClosed(t, nc)
}

func TestServeShutdownEndsHandlers(t *testing.T) {
	for _, name := range []string{"handler-ctx", "background-ctx"} {
		t.Run(name, func(t *testing.T) {
			l := listenLoopback(t)
			started := make(chan struct{})
			ended := make(chan error, 1)
			h := func(ctx context.Context, c Conn) {
				if name == "background-ctx" {
					ctx = context.Background()
				}
				close(started)
				ended <- c.ReadFrame(ctx, &bin.Buffer{})
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- Serve(ctx, l, h, ListenerOptions{Logger: quietLogger()}) }()
			nc := dialTCP(t, l.Addr().String())
			if _, err := nc.Write([]byte{0xee, 0xee, 0xee, 0xee}); err != nil {
				t.Fatal(err)
			}
			<-started
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Serve = %v", err)
			}
			select {
			case err := <-ended: // Serve waited for the handler
				if err == nil {
					t.Fatal("ReadFrame succeeded after shutdown")
				}
			default:
				t.Fatal("Serve returned before its handler")
			}
			expectClosed(t, nc)
		})
	}
}

func TestServeReturnsWhenListenerCloses(t *testing.T) {
	l := listenLoopback(t)
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), l, echoHandler(nil, nil), ListenerOptions{}) }()
	_ = l.Close()
	if err := <-done; err == nil {
		t.Fatal("Serve = nil after listener closed, want error")
	}
}

func TestSlowConsumerIsDisconnected(t *testing.T) {
	errs := make(chan error, 1)
	h := func(ctx context.Context, c Conn) {
		p := make([]byte, 1<<20)
		for {
			if err := c.WriteFrame(ctx, p); err != nil {
				errs <- err
				return
			}
		}
	}
	addr, _ := startServe(t, h, ListenerOptions{WriteTimeout: 100 * time.Millisecond})
	nc := dialTCP(t, addr)
	if _, err := nc.Write([]byte{0xef}); err != nil {
		t.Fatal(err)
	}
	// The client never reads.
	if err := <-errs; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("WriteFrame = %v, want deadline exceeded", err)
	}
}
