package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/proto"

	"github.com/buttonflow/buttonflow/internal/mtproto/keyexchange"
	"github.com/buttonflow/buttonflow/internal/mtproto/seal"
	"github.com/buttonflow/buttonflow/internal/mtproto/transport"
	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// Transport error codes, sent as a bare negative int32 frame.
const (
	codeAuthKeyNotFound = -404
	codeFlood           = -429
)

// conn is one client connection being served.
type conn struct {
	srv    *Server
	tc     transport.Conn
	remote string // tc.RemoteAddr(), formatted once: every request carries it

	cancel context.CancelFunc
	hs     *keyexchange.Handshake // key exchange in progress, if any

	mu       sync.Mutex
	sessions []*Session // sessions this connection carries

	noUpdates atomic.Bool  // every request so far came in invokeWithoutUpdates
	gotAPI    atomic.Bool  // at least one API request came
	pingLimit atomic.Int64 // unix nanos by which the next ping must come (ping_delay_disconnect), 0 = none
}

func (c *conn) wantsUpdates() bool { return c.gotAPI.Load() && !c.noUpdates.Load() }

func (c *conn) close() { c.cancel() }

// ServeConn serves one client connection until it ends; it is a transport.Handler.
func (s *Server) ServeConn(ctx context.Context, tc transport.Conn) {
	ctx, cancel := context.WithCancel(ctx)
	c := &conn{srv: s, tc: tc, remote: tc.RemoteAddr().String(), cancel: cancel}
	c.noUpdates.Store(true)
	defer func() {
		cancel()
		_ = tc.Close()
		c.mu.Lock()
		sessions := c.sessions
		c.sessions = nil
		c.mu.Unlock()
		for _, sess := range sessions {
			sess.detach(c, s.now())
		}
	}()
	stop := context.AfterFunc(ctx, func() { _ = tc.Close() })
	defer stop()

	buf := &bin.Buffer{}
	for {
		deadline := s.now().Add(s.opts.IdleTimeout)
		if lim := c.pingLimit.Load(); lim != 0 && time.Unix(0, lim).Before(deadline) {
			deadline = time.Unix(0, lim)
		}
		if err := tc.SetReadDeadline(deadline); err != nil {
			return
		}
		// ctx's end closes tc (the AfterFunc above), which ends the read:
		// no per-frame watch of ctx is needed.
		if err := tc.ReadFrame(context.Background(), buf); err != nil {
			if ctx.Err() == nil {
				s.log.Debug("connection ended", "remote", tc.RemoteAddr(), "protocol", tc.Protocol(), "err", err)
			}
			return
		}
		if err := c.handleFrame(ctx, buf); err != nil {
			s.log.Debug("closing connection", "remote", tc.RemoteAddr(), "err", err)
			return
		}
		if cap(buf.Buf) > 64<<10 {
			buf = &bin.Buffer{} // don't keep a big frame's buffer on an idle connection
		}
	}
}

// handleFrame handles one transport frame; an error closes the connection.
func (c *conn) handleFrame(ctx context.Context, buf *bin.Buffer) error {
	if buf.Len() < 8 {
		return fmt.Errorf("frame of %d bytes", buf.Len())
	}
	keyID := int64(binary.LittleEndian.Uint64(buf.Buf[:8]))
	if keyID == 0 {
		return c.handleUnencrypted(ctx, buf)
	}
	return c.handleEncrypted(ctx, keyID, buf)
}

func (c *conn) handleUnencrypted(ctx context.Context, buf *bin.Buffer) error {
	var msg proto.UnencryptedMessage
	if err := msg.Decode(buf); err != nil {
		return fmt.Errorf("decode unencrypted message: %w", err)
	}
	if c.hs == nil {
		c.hs = c.srv.kx.NewHandshake()
	}
	reply, res, err := c.hs.Handle(msg.MessageData)
	if err != nil {
		c.hs = nil
		var kxErr *keyexchange.Error
		if errors.As(err, &kxErr) && kxErr.Code != 0 {
			_ = c.tc.WriteCode(ctx, kxErr.Code)
		}
		return fmt.Errorf("key exchange: %w", err)
	}
	if reply != nil {
		out := proto.UnencryptedMessage{MessageID: c.srv.unencryptedMsgID(), MessageData: reply}
		b, err := tlenc.Encode(&out)
		if err != nil {
			return fmt.Errorf("exchange reply: %w", err)
		}
		if err := c.tc.WriteFrame(ctx, b); err != nil {
			return fmt.Errorf("write exchange reply: %w", err)
		}
	}
	if res != nil {
		c.hs = nil
		if _, err := c.srv.keys.add(ctx, res.Key, res.ExpiresAt); err != nil {
			return err
		}
		c.srv.log.Info("auth key created", "key_id", fmt.Sprintf("%016x", uint64(res.Key.IntID())),
			"temp", res.Temp, "remote", c.tc.RemoteAddr(), "protocol", c.tc.Protocol())
	}
	return nil
}

// unencryptedMsgID numbers the server's unencrypted (key exchange) messages.
func (s *Server) unencryptedMsgID() int64 {
	s.plainMu.Lock()
	defer s.plainMu.Unlock()
	return s.plainIDs.NextID(s.now(), true)
}

func (c *conn) handleEncrypted(ctx context.Context, keyID int64, buf *bin.Buffer) error {
	key, err := c.srv.keys.get(ctx, keyID)
	if errors.Is(err, errKeyUnknown) {
		_ = c.tc.WriteCode(ctx, codeAuthKeyNotFound)
		return fmt.Errorf("auth key %016x: %w", uint64(keyID), err)
	}
	if err != nil {
		return err
	}
	m, err := seal.Open(crypto.Client, key.key, buf.Raw())
	if err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	now := c.srv.now()
	sess, created := key.sessionFor(m.SessionID, now)
	c.bind(ctx, sess, created)
	return c.srv.handleMessage(ctx, c, sess, inMsg{
		id:    m.MsgID,
		seqNo: m.SeqNo,
		salt:  m.Salt,
		body:  m.Body,
	})
}

// bind attaches the connection to sess the first time a message of sess
// arrives on it, and sends again what the client has not acknowledged.
func (c *conn) bind(ctx context.Context, sess *Session, created bool) {
	c.mu.Lock()
	for _, x := range c.sessions {
		if x == sess {
			c.mu.Unlock()
			return
		}
	}
	c.sessions = append(c.sessions, sess)
	c.mu.Unlock()
	pending := sess.attach(c)
	if created || len(pending) == 0 {
		return
	}
	msgs := make([]outMsg, len(pending))
	for i := range pending {
		msgs[i] = outMsg{resend: &pending[i]}
	}
	if err := c.srv.send(ctx, sess, c, msgs...); err != nil {
		c.srv.log.Debug("resend unacked", "err", err)
	}
}
