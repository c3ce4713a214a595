package transport

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mtproxy"
	"github.com/gotd/td/mtproxy/obfuscated2"
	"github.com/gotd/td/proto/codec"
)

// startWebSocket serves WebSocketHandler over httptest until the test ends.
func startWebSocket(t testing.TB, h Handler, opts ListenerOptions) string {
	t.Helper()
	opts.Logger = quietLogger()
	ctx, cancel := context.WithCancel(context.Background())
	srv := httptest.NewServer(WebSocketHandler(ctx, h, opts))
	t.Cleanup(srv.Close)
	t.Cleanup(cancel) // runs first: handlers end, then the server closes
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/apiws"
}

// wsClient is a browser-like client: obfuscated2 (gotd's client side) over
// WebSocket binary messages whose boundaries the test chooses.
type wsClient struct {
	ws    *websocket.Conn
	nc    net.Conn // reads the server's binary messages as a stream
	out   bytes.Buffer
	obs   *obfuscated2.Obfuscated2
	codec codec.Codec
}

func dialWebSocket(t testing.TB, ctx context.Context, url string, subprotocols []string, cdc codec.TaggedCodec) *wsClient {
	t.Helper()
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: subprotocols})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	if resp.Body != nil {
		_ = resp.Body.Close()
	}
	t.Cleanup(func() { _ = ws.CloseNow() })
	c := &wsClient{ws: ws, nc: websocket.NetConn(ctx, ws, websocket.MessageBinary), codec: cdc}
	c.obs = obfuscated2.NewObfuscated2(rand.Reader, struct {
		io.Reader
		io.Writer
	}{c.nc, &c.out})
	if err := c.obs.Handshake(cdc.ObfuscatedTag(), 2, mtproxy.Secret{}); err != nil {
		t.Fatal(err)
	}
	return c
}

// encode appends an encrypted frame to the pending output.
func (c *wsClient) encode(t testing.TB, payload []byte) {
	t.Helper()
	if err := c.codec.Write(c.obs, &bin.Buffer{Buf: append([]byte(nil), payload...)}); err != nil {
		t.Fatal(err)
	}
}

// send writes the pending output as binary messages cut at the given offsets.
func (c *wsClient) send(t testing.TB, ctx context.Context, cuts ...int) {
	t.Helper()
	b := c.out.Bytes()
	prev := 0
	for _, cut := range append(cuts, len(b)) {
		if err := c.ws.Write(ctx, websocket.MessageBinary, b[prev:cut]); err != nil {
			t.Fatal(err)
		}
		prev = cut
	}
	c.out.Reset()
}

func (c *wsClient) recv() ([]byte, error) {
	var buf bin.Buffer
	err := c.codec.Read(c.obs, &buf)
	return buf.Buf, err
}

func (c *wsClient) expectEcho(t testing.TB, ctx context.Context, want []byte) {
	t.Helper()
	got, err := c.recv()
	if err != nil {
		t.Fatalf("recv: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("echo of %d bytes came back as %d different bytes", len(want), len(got))
	}
}

func TestWebSocketEcho(t *testing.T) {
	codecs := []struct {
		name string
		cdc  codec.TaggedCodec
	}{
		{"intermediate", codec.Intermediate{}},
		{"abridged", codec.Abridged{}},
		{"padded-intermediate", codec.PaddedIntermediate{}},
	}
	for _, tc := range codecs {
		for _, sub := range [][]string{{"binary"}, nil} {
			t.Run(tc.name+"/subprotocols="+strings.Join(sub, ","), func(t *testing.T) {
				protos := make(chan string, 1)
				url := startWebSocket(t, echoHandler(protos, nil), ListenerOptions{})
				ctx := testCtx(t)
				c := dialWebSocket(t, ctx, url, sub, tc.cdc)
				testWebSocketSession(t, ctx, c)
				if got, want := <-protos, "ws+obfuscated2+"+tc.name; got != want {
					t.Errorf("Protocol() = %q, want %q", got, want)
				}
			})
		}
	}
}

func testWebSocketSession(t *testing.T, ctx context.Context, c *wsClient) {
	// The init split across two messages, the second also carrying the
	// start of the first frame.
	c.encode(t, []byte("ping"))
	c.send(t, ctx, 10, obfuscatedInitSize+2)
	if _, err := c.recv(); !isCode404(err) {
		t.Fatalf("recv = %v, want protocol error 404", err)
	}
	// One frame split across two messages.
	p := randomBytes(1000)
	c.encode(t, p)
	c.send(t, ctx, 501)
	c.expectEcho(t, ctx, p)
	// Two frames in one message.
	p1, p2 := randomBytes(8), randomBytes(600)
	c.encode(t, p1)
	c.encode(t, p2)
	c.send(t, ctx)
	c.expectEcho(t, ctx, p1)
	c.expectEcho(t, ctx, p2)
	// The largest frame in one message.
	big := randomBytes(1 << 20)
	c.encode(t, big)
	c.send(t, ctx)
	c.expectEcho(t, ctx, big)
}

func isCode404(err error) bool {
	var pe *codec.ProtocolErr
	return errors.As(err, &pe) && pe.Code == codec.CodeAuthKeyNotFound
}

func TestWebSocketRejectsUnknownTag(t *testing.T) {
	protos := make(chan string, 1)
	url := startWebSocket(t, echoHandler(protos, nil), ListenerOptions{})
	ctx := testCtx(t)
	c := dialWebSocket(t, ctx, url, []string{"binary"}, badTagCodec{})
	c.encode(t, []byte("abcdefgh"))
	c.send(t, ctx)
	if _, err := c.recv(); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("recv = %v, want connection closed", err)
	}
	if p := tryRecv(protos); p != "" {
		t.Fatalf("handler ran with %s", p)
	}
}

func TestWebSocketHeaderTimeout(t *testing.T) {
	url := startWebSocket(t, echoHandler(nil, nil), ListenerOptions{HeaderTimeout: 50 * time.Millisecond})
	ctx := testCtx(t)
	c := dialWebSocket(t, ctx, url, []string{"binary"}, codec.Intermediate{})
	// Nothing is sent; the server must give up on its own.
	if _, err := c.nc.Read(make([]byte, 1)); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read = %v, want connection closed", err)
	}
}

// badTagCodec is intermediate with a protocol tag no server knows.
type badTagCodec struct{ codec.Intermediate }

func (badTagCodec) ObfuscatedTag() [4]byte { return [4]byte{1, 2, 3, 4} }
