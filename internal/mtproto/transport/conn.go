package transport

import (
	"context"
	"net"
	"time"

	"github.com/gotd/td/bin"
)

// MaxFrameSize is the largest MTProto frame a client may send. Larger frames end
// the connection (the payload of a TL request is at most 1 MiB plus framing).
const MaxFrameSize = 1<<20 + 1024

// Conn is one client connection that carries whole MTProto frames, whatever
// transport and obfuscation the client chose.
//
// ReadFrame is called from one goroutine only; WriteFrame and WriteCode are
// safe for concurrent use and never interleave two frames.
type Conn interface {
	// ReadFrame reads the next frame's payload into buf, replacing its contents.
	// It returns an error when the connection ends, the deadline passes or the
	// frame is malformed (too large, bad length, bad CRC, bad sequence number).
	ReadFrame(ctx context.Context, buf *bin.Buffer) error
	// WriteFrame sends payload as one frame and flushes it.
	WriteFrame(ctx context.Context, payload []byte) error
	// WriteCode sends a transport error: a frame holding only the negative
	// 32-bit code (-404 auth key not found, -429 flood, -444 wrong DC).
	WriteCode(ctx context.Context, code int32) error
	// SetReadDeadline bounds the next ReadFrame; the zero time removes it.
	// The deadline may fall up to a second late: a busy connection re-arms
	// its timer about once a second, not once a frame.
	SetReadDeadline(t time.Time) error
	// Close closes the connection; it is safe to call more than once.
	Close() error
	// RemoteAddr is the client's address.
	RemoteAddr() net.Addr
	// Protocol names the transport: "abridged", "intermediate",
	// "padded-intermediate", "full", with "obfuscated2+" in front when obfuscated
	// and "ws+" in front for WebSocket.
	Protocol() string
}

// Handler serves one connection until it ends. The connection is closed after
// Handler returns.
type Handler func(ctx context.Context, c Conn)
