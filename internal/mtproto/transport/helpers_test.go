package transport

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mtproxy"
	"github.com/gotd/td/mtproxy/obfuscated2"
	"github.com/gotd/td/proto/codec"
)

// raceEnabled is set by race_test.go when built with -race.
var raceEnabled bool

// testTimeout bounds every blocking step of a test so that a bug fails the
// test instead of hanging it; nothing waits for it to pass.
const testTimeout = 20 * time.Second

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// testCtx returns a context cancelled when the test ends or times out.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// notifyListener reports every accepted connection on accepted.
type notifyListener struct {
	net.Listener
	accepted chan struct{}
}

func (l notifyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		select {
		case l.accepted <- struct{}{}:
		default:
		}
	}
	return c, err
}

func listenLoopback(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// startServe runs Serve on loopback until the test ends and checks that it
// then returns nil.
func startServe(t testing.TB, h Handler, opts ListenerOptions) (addr string, accepted <-chan struct{}) {
	t.Helper()
	l := listenLoopback(t)
	nl := notifyListener{Listener: l, accepted: make(chan struct{}, 16)}
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, nl, h, opts) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().String(), nl.accepted
}

// echoHandler answers the first frame with WriteCode(-404) and echoes every
// later frame. It reports its protocol on protos and its final read error on
// errs (both optional, never blocking).
func echoHandler(protos chan<- string, errs chan<- error) Handler {
	return func(ctx context.Context, c Conn) {
		trySend(protos, c.Protocol())
		var buf bin.Buffer
		for i := 0; ; i++ {
			if err := c.ReadFrame(ctx, &buf); err != nil {
				trySend(errs, err)
				return
			}
			var err error
			if i == 0 {
				err = c.WriteCode(ctx, -404)
			} else {
				err = c.WriteFrame(ctx, buf.Buf)
			}
			if err != nil {
				trySend(errs, err)
				return
			}
		}
	}
}

func trySend[T any](ch chan<- T, v T) {
	if ch == nil {
		return
	}
	select {
	case ch <- v:
	default:
	}
}

// clientKind is one gotd client-side transport.
type clientKind struct {
	proto string // Protocol() the server must report
	dial  func(t testing.TB, addr string) *tdClient
}

func clientKinds() []clientKind {
	return []clientKind{
		{"abridged", plainClient(func() codec.Codec { return codec.Abridged{} })},
		{"intermediate", plainClient(func() codec.Codec { return codec.Intermediate{} })},
		{"padded-intermediate", plainClient(func() codec.Codec { return codec.PaddedIntermediate{} })},
		{"full", plainClient(func() codec.Codec { return &codec.Full{} })},
		{"obfuscated2+abridged", obfuscatedClient(codec.Abridged{})},
		{"obfuscated2+intermediate", obfuscatedClient(codec.Intermediate{})},
		{"obfuscated2+padded-intermediate", obfuscatedClient(codec.PaddedIntermediate{})},
	}
}

func dialTCP(t testing.TB, addr string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return nc
}

// tdClient is the client end of gotd's transport.Conn: gotd's codecs with
// deadlines taken from ctx. (gotd's transport package itself needs modules
// missing from go.sum.)
type tdClient struct {
	nc    net.Conn
	rw    io.ReadWriter // nc, or the obfuscated2 stream over it
	codec codec.Codec
}

func (c *tdClient) Send(ctx context.Context, b *bin.Buffer) error {
	d, _ := ctx.Deadline()
	if err := c.nc.SetWriteDeadline(d); err != nil {
		return err
	}
	return c.codec.Write(c.rw, b)
}

func (c *tdClient) Recv(ctx context.Context, b *bin.Buffer) error {
	d, _ := ctx.Deadline()
	if err := c.nc.SetReadDeadline(d); err != nil {
		return err
	}
	return c.codec.Read(c.rw, b)
}

func plainClient(newCodec func() codec.Codec) func(testing.TB, string) *tdClient {
	return func(t testing.TB, addr string) *tdClient {
		t.Helper()
		c := &tdClient{nc: dialTCP(t, addr), codec: newCodec()}
		c.rw = c.nc
		if err := c.codec.WriteHeader(c.nc); err != nil {
			t.Fatal(err)
		}
		return c
	}
}

// obfuscatedClient dials like gotd's telegram/dcs does for direct
// obfuscated connections: obfuscated2 with an empty secret, codec tag inside
// the init, no plaintext codec header.
func obfuscatedClient(cdc codec.TaggedCodec) func(testing.TB, string) *tdClient {
	return func(t testing.TB, addr string) *tdClient {
		t.Helper()
		nc := dialTCP(t, addr)
		obs := obfuscated2.NewObfuscated2(rand.Reader, nc)
		if err := obs.Handshake(cdc.ObfuscatedTag(), 2, mtproxy.Secret{}); err != nil {
			t.Fatal(err)
		}
		return &tdClient{nc: nc, rw: obs, codec: codec.NoHeader{Codec: cdc}}
	}
}

// expectCode receives one frame and checks it is the transport error 404
// (gotd reports -404 as ProtocolErr{Code: 404}).
func expectCode(t testing.TB, ctx context.Context, c *tdClient) {
	t.Helper()
	var buf bin.Buffer
	err := c.Recv(ctx, &buf)
	var pe *codec.ProtocolErr
	if !errors.As(err, &pe) || pe.Code != codec.CodeAuthKeyNotFound {
		t.Fatalf("Recv = %v, want protocol error 404", err)
	}
}

// roundTrip sends payload and checks that it comes back unchanged.
func roundTrip(t testing.TB, ctx context.Context, c *tdClient, payload []byte) {
	t.Helper()
	if err := c.Send(ctx, &bin.Buffer{Buf: append([]byte(nil), payload...)}); err != nil {
		t.Fatalf("Send %d bytes: %v", len(payload), err)
	}
	var got bin.Buffer
	if err := c.Recv(ctx, &got); err != nil {
		t.Fatalf("Recv %d bytes: %v", len(payload), err)
	}
	if string(got.Buf) != string(payload) {
		t.Fatalf("echo of %d bytes came back as %d different bytes", len(payload), len(got.Buf))
	}
}

// handshake sends a first frame and expects the handler's -404 answer.
func handshake(t testing.TB, ctx context.Context, c *tdClient) {
	t.Helper()
	if err := c.Send(ctx, &bin.Buffer{Buf: []byte("ping")}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	expectCode(t, ctx, c)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// expectClosed reads from nc until the server closes it.
func expectClosed(t testing.TB, nc net.Conn) {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(testTimeout))
	_, err := io.Copy(io.Discard, nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("server did not close the connection: %v", err)
	}
}
