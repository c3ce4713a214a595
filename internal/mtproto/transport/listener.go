package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"time"
)

// Defaults for ListenerOptions.
const (
	// DefaultHeaderTimeout is the default ListenerOptions.HeaderTimeout.
	DefaultHeaderTimeout = 10 * time.Second
	// DefaultWriteTimeout is the default ListenerOptions.WriteTimeout.
	DefaultWriteTimeout = 30 * time.Second
)

// ListenerOptions configures Serve and WebSocketHandler.
type ListenerOptions struct {
	// HeaderTimeout is how long a new connection may take to send its
	// transport header (default DefaultHeaderTimeout).
	HeaderTimeout time.Duration
	// WriteTimeout bounds each frame write; a client that does not read for
	// that long is disconnected (default DefaultWriteTimeout).
	WriteTimeout time.Duration
	// Logger receives connection-level events (default slog.Default()).
	Logger *slog.Logger
}

func (o ListenerOptions) withDefaults() ListenerOptions {
	if o.HeaderTimeout <= 0 {
		o.HeaderTimeout = DefaultHeaderTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Serve accepts MTProto connections on l, every TCP transport on one port,
// until ctx is done or l is closed. Each connection is detected and served by
// h in its own goroutine, so a client that sends nothing stalls no one.
//
// When ctx is done Serve closes l and every connection, waits for all
// handlers (whose ctx is cancelled too) to return, and returns nil. If l fails
// or is closed first, Serve also cancels and waits for the handlers, and
// returns the accept error.
func Serve(ctx context.Context, l net.Listener, h Handler, opts ListenerOptions) error {
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	stop := context.AfterFunc(ctx, func() { _ = l.Close() })
	defer stop()

	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("accept on %s: %w", l.Addr(), err)
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			opts.Logger.WarnContext(ctx, "mtproto accept failed; retrying",
				slog.String("addr", l.Addr().String()), slog.Any("error", err),
				slog.Duration("backoff", backoff))
			if !waitCtx(ctx, backoff) {
				return nil
			}
			continue
		}
		backoff = 0
		wg.Go(func() { serveConn(ctx, nc, h, opts) })
	}
}

// waitCtx waits for d and reports whether ctx is still alive.
func waitCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// serveConn detects the transport of nc and runs h on it.
func serveConn(ctx context.Context, nc net.Conn, h Handler, opts ListenerOptions) {
	stop := context.AfterFunc(ctx, func() { _ = nc.Close() })
	defer stop()
	defer func() { _ = nc.Close() }()
	defer func() {
		// As net/http does: one client's handler panic must not end the
		// server and every other connection with it.
		if r := recover(); r != nil {
			opts.Logger.ErrorContext(ctx, "mtproto handler panic",
				slog.String("remote", nc.RemoteAddr().String()), slog.Any("panic", r),
				slog.String("stack", string(debug.Stack())))
		}
	}()

	c, err := accept(nc, opts)
	if err != nil {
		opts.Logger.DebugContext(ctx, "mtproto connection rejected",
			slog.String("remote", nc.RemoteAddr().String()), slog.Any("error", err))
		return
	}
	c.closedBy = ctx.Done()
	h(ctx, c)
}

// accept reads the transport header of a TCP connection within the header
// timeout and wraps the connection.
func accept(nc net.Conn, opts ListenerOptions) (*frameConn, error) {
	if err := nc.SetReadDeadline(time.Now().Add(opts.HeaderTimeout)); err != nil {
		return nil, fmt.Errorf("set header deadline: %w", err)
	}
	br := bufio.NewReaderSize(nc, readBufferSize)
	d, err := detect(br)
	if err != nil {
		return nil, err
	}
	if err := nc.SetReadDeadline(time.Time{}); err != nil {
		return nil, fmt.Errorf("clear header deadline: %w", err)
	}
	return newFrameConn(nc, br, d, d.protocol(""), opts.WriteTimeout), nil
}
