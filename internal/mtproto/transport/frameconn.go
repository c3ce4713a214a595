package transport

import (
	"bufio"
	"context"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/bin"
)

// Buffer sizes. The read buffer lives as long as the connection; the write
// buffer is taken from a pool for each write and returned after the flush, so
// an idle connection holds none.
const (
	readBufferSize  = 4 << 10
	writeBufferSize = 16 << 10
)

var writerPool = sync.Pool{
	New: func() any { return bufio.NewWriterSize(nil, writeBufferSize) },
}

// frameConn is the Conn implementation for every transport.
type frameConn struct {
	nc      net.Conn
	abortFn func() error // closes at once (WebSocket: no close handshake); nil: nc.Close
	abortCB func()       // c.abort, bound once
	// closedBy is a Done channel whose closing already closes the
	// connection (the handler's), so calls with a ctx sharing it need no
	// context.AfterFunc of their own.
	closedBy <-chan struct{}

	proto string
	dc    int // DC from the obfuscated2 init
	hasDC bool
	fr    frameReader // read side, used by one goroutine at a time
	// rdeadline is the read deadline, kept by SetReadDeadline's caller
	// (the reading goroutine).
	rdeadline lazyDeadline

	// Write side, guarded by wmu.
	wmu          sync.Mutex
	framing      framing
	enc          cipher.Stream // nil unless obfuscated2
	bw           *bufio.Writer // nil between writes
	wseq         uint32
	werr         error // sticky: the connection is broken
	writeTimeout time.Duration
	waiting      atomic.Int32 // writers queued on wmu
	wdeadline    lazyDeadline

	closeOnce sync.Once
	closeErr  error
}

// TargetDCer is implemented by every Conn this package passes to a Handler.
type TargetDCer interface {
	// TargetDC reports the DC id an obfuscated2 client put in its init
	// (negative for media DCs); ok is false for unobfuscated transports,
	// which carry none.
	TargetDC() (dc int, ok bool)
}

var (
	_ Conn       = (*frameConn)(nil)
	_ TargetDCer = (*frameConn)(nil)
)

// newFrameConn wraps a detected connection; br is the reader the header was
// read from and must be the only reader of nc from now on.
func newFrameConn(nc net.Conn, br *bufio.Reader, d detection, proto string, writeTimeout time.Duration) *frameConn {
	c := &frameConn{
		nc:           nc,
		proto:        proto,
		fr:           newFrameReader(br, d),
		framing:      d.framing,
		enc:          d.obf.enc,
		writeTimeout: writeTimeout,
		dc:           int(d.obf.dc),
		hasDC:        d.obf.dec != nil,
	}
	c.abortCB = c.abort
	return c
}

// watch arranges for the connection to be aborted when ctx is done during a
// call; the returned func ends the watch.
func (c *frameConn) watch(ctx context.Context) (stop func() bool) {
	if d := ctx.Done(); d == nil || d == c.closedBy {
		return noStop
	}
	return context.AfterFunc(ctx, c.abortCB)
}

func noStop() bool { return true }

// ReadFrame implements Conn. Cancelling ctx closes the connection. After an
// error the frame stream may be out of sync: the connection must be closed.
func (c *frameConn) ReadFrame(ctx context.Context, buf *bin.Buffer) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("read %s frame: %w", c.proto, err)
	}
	defer c.watch(ctx)()
	if err := c.fr.readFrame(buf); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("read %s frame: %w (%w)", c.proto, ctxErr, err)
		}
		return fmt.Errorf("read %s frame: %w", c.proto, err)
	}
	return nil
}

// WriteFrame implements Conn. The payload length must be a positive multiple
// of 4 below 16 MiB. A write that does not complete within the write timeout
// (up to a second more; see lazyDeadline), as for a client that does not
// read, or whose ctx is cancelled closes the connection.
func (c *frameConn) WriteFrame(ctx context.Context, payload []byte) error {
	if err := checkPayload(payload); err != nil {
		return fmt.Errorf("write %s frame: %w", c.proto, err)
	}
	return c.write(ctx, payload)
}

// WriteCode implements Conn.
func (c *frameConn) WriteCode(ctx context.Context, code int32) error {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(code))
	return c.write(ctx, b[:])
}

func (c *frameConn) write(ctx context.Context, payload []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write %s frame: %w", c.proto, err)
	}
	c.waiting.Add(1)
	c.wmu.Lock()
	c.waiting.Add(-1)
	defer c.wmu.Unlock()
	if c.werr != nil {
		return c.werr
	}
	defer c.watch(ctx)()
	if err := c.writeLocked(payload); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		c.werr = fmt.Errorf("write %s frame: %w", c.proto, err)
		c.releaseWriter()
		c.abort()
		return c.werr
	}
	return nil
}

// writeLocked encodes one frame and flushes unless another writer is queued,
// in which case the last writer of the batch flushes.
func (c *frameConn) writeLocked(payload []byte) error {
	if t, rearm := c.wdeadline.arm(time.Now().Add(c.writeTimeout)); rearm {
		if err := c.nc.SetWriteDeadline(t); err != nil {
			c.wdeadline = lazyDeadline{}
			return fmt.Errorf("set write deadline: %w", err)
		}
	}
	if c.bw == nil {
		c.bw = writerPool.Get().(*bufio.Writer)
		c.bw.Reset(c.nc)
	}
	if err := c.encode(payload); err != nil {
		return err
	}
	if c.waiting.Load() > 0 {
		return nil
	}
	err := c.bw.Flush()
	c.releaseWriter()
	return err
}

func (c *frameConn) releaseWriter() {
	if c.bw != nil {
		c.bw.Reset(nil)
		writerPool.Put(c.bw)
		c.bw = nil
	}
}

// encode writes header, payload, padding and checksum into c.bw.
func (c *frameConn) encode(payload []byte) error {
	var scratch [8]byte
	hdr, pad := appendHeader(scratch[:0], c.framing, len(payload), c.wseq)
	if err := c.put(hdr); err != nil {
		return err
	}
	if err := c.put(payload); err != nil {
		return err
	}
	switch c.framing {
	case framingPadded:
		binary.LittleEndian.PutUint32(scratch[:4], rand.Uint32())
		return c.put(scratch[:pad])
	case framingFull:
		c.wseq++
		crc := crc32.Update(crc32.ChecksumIEEE(hdr), crc32.IEEETable, payload)
		return c.put(binary.LittleEndian.AppendUint32(scratch[:0], crc))
	}
	return nil
}

// put buffers p, encrypting it on the way for obfuscated2.
func (c *frameConn) put(p []byte) error {
	if c.enc == nil {
		_, err := c.bw.Write(p)
		return err
	}
	for len(p) > 0 {
		if c.bw.Available() == 0 {
			if err := c.bw.Flush(); err != nil {
				return err
			}
		}
		b := c.bw.AvailableBuffer()
		b = b[:min(cap(b), len(p))]
		c.enc.XORKeyStream(b, p[:len(b)])
		if _, err := c.bw.Write(b); err != nil {
			return err
		}
		p = p[len(b):]
	}
	return nil
}

// SetReadDeadline implements Conn.
func (c *frameConn) SetReadDeadline(t time.Time) error {
	t, rearm := c.rdeadline.arm(t)
	if !rearm {
		return nil
	}
	if err := c.nc.SetReadDeadline(t); err != nil {
		c.rdeadline = lazyDeadline{}
		return fmt.Errorf("set read deadline: %w", err)
	}
	return nil
}

// Close implements Conn.
func (c *frameConn) Close() error {
	c.closeOnce.Do(func() {
		if err := c.nc.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			c.closeErr = fmt.Errorf("close %s connection: %w", c.proto, err)
		}
	})
	return c.closeErr
}

// abort closes the connection without any graceful shutdown.
func (c *frameConn) abort() {
	if c.abortFn != nil {
		_ = c.abortFn()
	}
	_ = c.Close()
}

// RemoteAddr implements Conn.
func (c *frameConn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// TargetDC implements TargetDCer.
func (c *frameConn) TargetDC() (int, bool) { return c.dc, c.hasDC }

// Protocol implements Conn.
func (c *frameConn) Protocol() string { return c.proto }
