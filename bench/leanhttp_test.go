package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"strconv"
	"sync"
)

// leanHTTP is a minimal HTTP/1.1 client for one Bot API token, for load
// generation: keep-alive connections in a pool, each request one write of
// a preformatted head and body, the response read with one bufio.Reader
// (Content-Length or chunked bodies). net/http's client costs a reader and
// a writer goroutine per connection and several allocations per request;
// this costs the syscalls and little else, so that the process's CPU goes
// to the server being measured.
type leanHTTP struct {
	addr   string // host:port
	prefix string // "/bot<token>/"

	mu    sync.Mutex
	idle  []*leanConn
	all   map[*leanConn]struct{}
	close bool
}

// leanConn is one connection of a leanHTTP.
type leanConn struct {
	c   net.Conn
	r   *bufio.Reader
	buf []byte
}

func newLeanHTTP(addr, token string) *leanHTTP {
	return &leanHTTP{addr: addr, prefix: "/bot" + token + "/", all: map[*leanConn]struct{}{}}
}

// errLeanClosed fails requests made after closeAll.
var errLeanClosed = errors.New("lean http: closed")

// get takes an idle connection or dials one.
func (h *leanHTTP) get(ctx context.Context) (*leanConn, error) {
	h.mu.Lock()
	if h.close {
		h.mu.Unlock()
		return nil, errLeanClosed
	}
	if n := len(h.idle); n > 0 {
		c := h.idle[n-1]
		h.idle = h.idle[:n-1]
		h.mu.Unlock()
		return c, nil
	}
	h.mu.Unlock()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", h.addr)
	if err != nil {
		return nil, err
	}
	c := &leanConn{c: nc, r: bufio.NewReaderSize(nc, 16<<10)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.close {
		_ = nc.Close()
		return nil, errLeanClosed
	}
	h.all[c] = struct{}{}
	return c, nil
}

// put returns a connection to the pool, or closes it after a failure.
func (h *leanHTTP) put(c *leanConn, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ok && !h.close {
		h.idle = append(h.idle, c)
		return
	}
	delete(h.all, c)
	_ = c.c.Close()
}

// closeAll closes every connection, which ends the requests in flight.
func (h *leanHTTP) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.close = true
	for c := range h.all {
		_ = c.c.Close()
	}
	h.all = map[*leanConn]struct{}{}
	h.idle = nil
}

// post sends body to the Bot API method and returns the response body,
// which must have status 200.
func (h *leanHTTP) post(ctx context.Context, method, contentType string, body []byte) ([]byte, error) {
	c, err := h.get(ctx)
	if err != nil {
		return nil, err
	}
	res, err := c.roundTrip(h.prefix+method, contentType, body)
	h.put(c, err == nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	return res, nil
}

// roundTrip writes one request and reads its response.
func (c *leanConn) roundTrip(path, contentType string, body []byte) ([]byte, error) {
	b := c.buf[:0]
	b = append(b, "POST "...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: bench\r\nContent-Type: "...)
	b = append(b, contentType...)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	c.buf = b
	if _, err := c.c.Write(b); err != nil {
		return nil, err
	}
	status, err := c.r.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		return nil, fmt.Errorf("status %q", bytes.TrimSpace(status))
	}
	length, chunked := -1, false
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return nil, fmt.Errorf("header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return nil, fmt.Errorf("Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		}
	}
	switch {
	case chunked:
		res, err := io.ReadAll(httputil.NewChunkedReader(c.r))
		if err != nil {
			return nil, err
		}
		// The trailer, ended by an empty line.
		for {
			line, err := c.r.ReadSlice('\n')
			if err != nil {
				return nil, err
			}
			if len(bytes.TrimRight(line, "\r\n")) == 0 {
				return res, nil
			}
		}
	case length >= 0:
		res := make([]byte, length)
		_, err := io.ReadFull(c.r, res)
		return res, err
	default:
		return nil, errors.New("response without a length")
	}
}
