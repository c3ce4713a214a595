package transport

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// wsReadLimit bounds one WebSocket message: a frame, or parts of two.
const wsReadLimit = 2 * MaxFrameSize

// WebSocketHandler returns the http.Handler for /apiws. It accepts WebSocket
// connections with subprotocol "binary" (or none), reads the obfuscated2 init
// from the first binary message(s) within the header timeout and serves the
// stream with h; Protocol() starts with "ws+obfuscated2+". Frames may be split
// across or merged in messages; each write goes out as binary messages.
//
// Any origin is accepted: MTProto authenticates with its own keys, not with
// cookies, so cross-origin requests carry no ambient authority. Handlers run
// in the HTTP server's request goroutine and their ctx is cancelled when ctx
// is done or the request ends.
func WebSocketHandler(ctx context.Context, h Handler, opts ListenerOptions) http.Handler {
	opts = opts.withDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
			Subprotocols:       []string{"binary"},
			InsecureSkipVerify: true,
			CompressionMode:    websocket.CompressionDisabled,
		})
		if err != nil {
			// Accept has written the HTTP error response.
			opts.Logger.DebugContext(r.Context(), "mtproto websocket upgrade failed",
				slog.String("remote", r.RemoteAddr), slog.Any("error", err))
			return
		}
		serveWebSocket(ctx, r, ws, h, opts)
	})
}

// serveWebSocket runs h on an accepted WebSocket until it returns.
func serveWebSocket(ctx context.Context, r *http.Request, ws *websocket.Conn, h Handler, opts ListenerOptions) {
	hctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stopParent := context.AfterFunc(ctx, cancel)
	defer stopParent()
	stop := context.AfterFunc(hctx, func() { _ = ws.CloseNow() })
	defer stop()

	nc := websocket.NetConn(hctx, ws, websocket.MessageBinary)
	ws.SetReadLimit(wsReadLimit)
	c, err := acceptWebSocket(nc, opts)
	if err != nil {
		_ = ws.CloseNow()
		opts.Logger.DebugContext(hctx, "mtproto websocket rejected",
			slog.String("remote", r.RemoteAddr), slog.Any("error", err))
		return
	}
	c.abortFn = ws.CloseNow
	c.closedBy = hctx.Done()
	defer func() { _ = c.Close() }()
	h(hctx, c)
}

// acceptWebSocket reads the obfuscated2 init from a WebSocket stream.
func acceptWebSocket(nc net.Conn, opts ListenerOptions) (*frameConn, error) {
	if err := nc.SetReadDeadline(time.Now().Add(opts.HeaderTimeout)); err != nil {
		return nil, fmt.Errorf("set header deadline: %w", err)
	}
	br := bufio.NewReaderSize(nc, readBufferSize)
	d, err := detectObfuscated(br)
	if err != nil {
		return nil, err
	}
	if err := nc.SetReadDeadline(time.Time{}); err != nil {
		return nil, fmt.Errorf("clear header deadline: %w", err)
	}
	return newFrameConn(nc, br, d, d.protocol("ws+"), opts.WriteTimeout), nil
}
