package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"

	"github.com/buttonflow/buttonflow/internal/layer"
	"github.com/buttonflow/buttonflow/internal/mtproto/seal"
	"github.com/buttonflow/buttonflow/internal/mtproto/session"
	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// Session is one MTProto session: an auth key and a client-chosen session id,
// with the msg_ids seen, the messages sent and not yet acknowledged, the
// client's layer, and the connections it is live on.
type Session struct {
	key *authKey
	id  int64

	mu          sync.Mutex
	inbox       session.Inbox
	outbox      session.Outbox
	layer       int
	announced   bool // new_session_created sent
	pendingAcks []int64
	// acksHeld says a slow request's ack waits (at most Options.AckDelay) for its
	// answer to carry it, and held results (of lazy methods) wait with
	// it (at most Options.LazyDelay); ackHold numbers the holds, so that
	// the timer of a hold that an outgoing message already ended, or that a
	// sooner one replaced, does not cut a later one short. holdEnd is when
	// the current hold's timer fires.
	acksHeld bool
	ackHold  uint64
	holdEnd  time.Time
	held     []outMsg
	// pushEnd ends the current push window (on the timer's clock): pushes
	// before it wait for it and share a frame. pushHeld says some did, so
	// that frame went out at pushEnd and the next window follows on.
	pushEnd  time.Time
	pushHeld bool
	conns    []*conn
	lastSeen time.Time
}

func newSession(k *authKey, id int64, now time.Time) *Session {
	return &Session{key: k, id: id, layer: layer.Latest, lastSeen: now}
}

// Layer is the TL layer the client speaks in this session.
func (s *Session) Layer() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.layer
}

func (s *Session) idleSince(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) > 0 {
		return 0
	}
	return now.Sub(s.lastSeen)
}

// attach makes c a live connection of the session and returns the messages
// the client has not acknowledged, to be sent again on it.
func (s *Session) attach(c *conn) []session.OutMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.conns {
		if x == c {
			return nil
		}
	}
	s.conns = append(s.conns, c)
	return s.outbox.Unacked()
}

func (s *Session) detach(c *conn, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.conns {
		if x == c {
			s.conns = append(s.conns[:i], s.conns[i+1:]...)
			break
		}
	}
	if len(s.conns) == 0 {
		s.conns = nil
	}
	s.lastSeen = now
}

// liveConns returns the connections the session can be reached on; with
// updatesOnly, only those that have not opted out of updates.
func (s *Session) liveConns(updatesOnly bool) []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		if !updatesOnly || c.wantsUpdates() {
			out = append(out, c)
		}
	}
	return out
}

// outMsg is a message to send: its serialized body (in the client's layer).
type outMsg struct {
	body     []byte
	content  bool  // content-related: numbered odd and kept until acked
	response bool  // answers a client message: msg_id 1 mod 4
	reqMsgID int64 // the request an rpc_result answers
	resend   *session.OutMsg
}

// frame numbers msgs (with pending acks and held results in front) and
// builds the plaintext to encrypt: one message, or a msg_container of
// several; body is nil when there is nothing to send.
func (s *Session) frame(now time.Time, msgs []outMsg) (msgID int64, seqNo int32, body bin.Encoder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.held) > 0 {
		msgs = append(s.held, msgs...)
		s.held = nil
		s.acksHeld = false
	}
	acks := len(s.pendingAcks) > 0
	n := len(msgs)
	if acks {
		n++
	}
	switch n {
	case 0:
		return 0, 0, nil
	case 1: // the usual frame: no container, no list
		var m proto.Message
		if acks {
			m = s.ackLocked(now)
		} else {
			m = s.numberLocked(now, msgs[0])
		}
		return m.ID, int32(m.SeqNo), rawBody(m.Body)
	}
	list := make([]proto.Message, 0, n)
	if acks {
		list = append(list, s.ackLocked(now))
	}
	for _, m := range msgs {
		list = append(list, s.numberLocked(now, m))
	}
	return s.outbox.NextID(now, false), s.outbox.NextSeqNo(false), &proto.MessageContainer{Messages: list}
}

// ackLocked numbers a msgs_ack of the pending acks, which it clears.
func (s *Session) ackLocked(now time.Time) proto.Message {
	ack := encode(&mt.MsgsAck{MsgIDs: s.pendingAcks})
	s.pendingAcks = nil
	s.acksHeld = false
	return proto.Message{
		ID: s.outbox.NextID(now, false), SeqNo: int(s.outbox.NextSeqNo(false)),
		Bytes: len(ack), Body: ack,
	}
}

// numberLocked gives m its msg_id and seqno (a resend keeps its own), keeps
// a content-related message until it is acked and marks the request it
// answers as answered.
func (s *Session) numberLocked(now time.Time, m outMsg) proto.Message {
	if r := m.resend; r != nil {
		return proto.Message{ID: r.ID, SeqNo: int(r.SeqNo), Bytes: len(r.Body), Body: r.Body}
	}
	id := s.outbox.NextID(now, m.response)
	seq := s.outbox.NextSeqNo(m.content)
	if m.content {
		s.outbox.Keep(session.OutMsg{ID: id, SeqNo: seq, ReqMsgID: m.reqMsgID, Body: m.body})
	}
	if m.reqMsgID != 0 {
		s.inbox.SetAnswered(m.reqMsgID, id)
	}
	return proto.Message{ID: id, SeqNo: int(seq), Bytes: len(m.body), Body: m.body}
}

// rawBody encodes pre-serialized bytes as they are.
type rawBody []byte

func (r rawBody) Encode(b *bin.Buffer) error { b.Put(r); return nil }

// send encrypts msgs (and pending acks) for the session and writes them on c.
func (srv *Server) send(ctx context.Context, s *Session, c *conn, msgs ...outMsg) error {
	now := srv.now()
	msgID, seqNo, body := s.frame(now, msgs)
	if body == nil {
		return nil // what was pending went out in another frame
	}
	return srv.write(ctx, s, c, msgID, seqNo, body)
}

// write encrypts one frame for s and writes it on c, unless ctx has ended.
// Once begun, the write is bounded by the transport's write timeout and by
// c's life, not by ctx: ctx is often another connection's request (a user's
// press pushed to its bot), whose end must not cut the frame off half-way
// and close c.
func (srv *Server) write(ctx context.Context, s *Session, c *conn, msgID int64, seqNo int32, body bin.Encoder) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	buf := tlenc.Buffer()
	defer tlenc.Release(buf)
	if err := seal.Message(crypto.Server, s.key.key, srv.salts.Current(s.key.id, srv.now()), s.id, msgID, seqNo, body, buf); err != nil {
		return fmt.Errorf("encrypt: %w", err)
	}
	if err := c.tc.WriteFrame(context.Background(), buf.Raw()); err != nil {
		c.close()
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// flushAcks sends pending acknowledgments (and held results) on their own,
// unless they are held for a slow request's answer.
func (srv *Server) flushAcks(ctx context.Context, s *Session, c *conn) error {
	s.mu.Lock()
	skip := (len(s.pendingAcks) == 0 && len(s.held) == 0) || s.acksHeld
	s.mu.Unlock()
	if skip {
		return nil
	}
	return srv.send(ctx, s, c)
}

// holdResult holds the result of a lazy method with the pending acks: they
// go out with the next message to the client, or on their own after
// Options.LazyDelay.
func (srv *Server) holdResult(s *Session, c *conn, m outMsg) {
	srv.hold(s, c, &m, time.Now().Add(srv.opts.LazyDelay))
}

// holdAcks lets the pending acks wait up to Options.AckDelay for an outgoing
// message to ride with; then they go out on their own.
func (srv *Server) holdAcks(s *Session, c *conn) {
	srv.hold(s, c, nil, time.Now().Add(srv.opts.AckDelay))
}

// endPushWindow ends the push window of the given length if it opened
// before arrived, when a frame from the client arrived: that frame shows the
// client keeping up, so its next update goes at once (a client that answers
// each update before the next is pushed never waits). A window opened after
// the frame came, by pushes the frame knew nothing of, stays. It reports
// whether pushes are waiting in s.held, to be sent now.
func (s *Session) endPushWindow(arrived time.Time, window time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pushEnd.IsZero() || !s.pushEnd.Add(-window).Before(arrived) {
		return false
	}
	waiting := s.pushHeld && len(s.held) > 0
	s.pushEnd = time.Time{}
	s.pushHeld = false
	return waiting
}

// pushWait says how long a push to s must wait to share a frame with the
// pushes after it (see Options.PushDelay), and starts the window it falls
// in. After a quiet spell the first push goes at once and opens a window;
// the pushes within it wait for its end and go in one frame, and the
// windows follow one another as long as each has a push waiting. A frame
// from the client ends the window (endPushWindow).
func (s *Session) pushWait(now time.Time, window time.Duration) time.Duration {
	if window <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Before(s.pushEnd) {
		s.pushHeld = true
		return s.pushEnd.Sub(now)
	}
	if s.pushHeld && now.Before(s.pushEnd.Add(window)) {
		// The last window's pushes went out at its end: this one opens
		// the next window there.
		s.pushEnd = s.pushEnd.Add(window)
		return s.pushEnd.Sub(now)
	}
	s.pushEnd = now.Add(window)
	s.pushHeld = false
	return 0
}

// hold starts a hold that ends at end (on the timer's clock, not srv.now),
// unless one runs that ends no later, and adds result (if any) to it, in
// one step: a frame sent in between cannot end the hold before the result
// joins it. The pushes of one push window all end at the window's end, so
// they share its hold and its timer.
func (srv *Server) hold(s *Session, c *conn, result *outMsg, end time.Time) {
	s.mu.Lock()
	if result != nil {
		s.held = append(s.held, *result)
	}
	if s.acksHeld && !end.Before(s.holdEnd) {
		s.mu.Unlock()
		return // the running hold ends first
	}
	s.acksHeld = true
	s.ackHold++
	s.holdEnd = end
	hold := s.ackHold
	s.mu.Unlock()
	time.AfterFunc(time.Until(end), func() {
		s.mu.Lock()
		current := s.acksHeld && s.ackHold == hold
		if current {
			s.acksHeld = false
		}
		s.mu.Unlock()
		if !current {
			return // the acks went out with a message
		}
		if srv.life.Err() != nil {
			return
		}
		// The newest connection, as deliver does: the client may have moved.
		target := c
		if live := s.liveConns(false); len(live) > 0 {
			target = live[len(live)-1]
		}
		if err := srv.flushAcks(srv.life, s, target); err != nil {
			srv.log.Debug("send held acks", "err", err)
		}
	})
}

// deliver sends m on the session's newest live connection, or the next
// newest if that fails; a content message with no live connection waits in
// the outbox until the client comes back.
func (srv *Server) deliver(ctx context.Context, s *Session, m outMsg) {
	// Newest connection first: a client that reconnected while a slow
	// request ran has moved on, and a write to the connection it left can
	// still succeed before the server notices it closed, losing the answer.
	// With one connection (the usual case) that is the request's own.
	targets := s.liveConns(false)
	ordered := make([]*conn, 0, len(targets))
	for i := len(targets) - 1; i >= 0; i-- {
		ordered = append(ordered, targets[i])
	}
	for _, x := range ordered {
		if err := srv.send(ctx, s, x, m); err == nil {
			return
		}
		m = resendOf(s, m)
	}
	if len(ordered) == 0 {
		srv.keep(s, m)
	}
}

// keep stores a content message for a session with no live connection; it
// goes out when the client comes back to the session.
func (srv *Server) keep(s *Session, m outMsg) {
	if !m.content || m.resend != nil {
		return
	}
	now := srv.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.outbox.NextID(now, m.response)
	s.outbox.Keep(session.OutMsg{ID: id, SeqNo: s.outbox.NextSeqNo(true), ReqMsgID: m.reqMsgID, Body: m.body})
	if m.reqMsgID != 0 {
		s.inbox.SetAnswered(m.reqMsgID, id)
	}
}

// resendOf turns a message that failed to go out into a resend of the copy
// the outbox kept, so it keeps its msg_id on the next connection.
func resendOf(s *Session, m outMsg) outMsg {
	if !m.content || m.reqMsgID == 0 || m.resend != nil {
		return m
	}
	s.mu.Lock()
	kept, ok := s.outbox.ByRequest(m.reqMsgID)
	s.mu.Unlock()
	if ok {
		return outMsg{resend: &kept}
	}
	return m
}
