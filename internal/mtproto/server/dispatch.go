package server

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"

	"github.com/buttonflow/buttonflow/internal/mtproto/session"
	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// inMsg is a decrypted client message.
type inMsg struct {
	id    int64
	seqNo int32
	salt  int64
	body  []byte
}

// Service constructors not in gotd's mt package.
const (
	msgResendAnsReqID = 0x8610baeb // msg_resend_ans_req msg_ids:Vector<long>
	destroyAuthKeyID  = 0xd1435160 // destroy_auth_key = DestroyAuthKeyRes
	destroyAuthKeyOK  = 0xf660e1d4 // destroy_auth_key_ok
)

// maxPingDelay bounds ping_delay_disconnect's delay (GramJS sends 60000,
// meaning milliseconds, where the spec means seconds).
const maxPingDelay = 10 * time.Minute

// serviceRequests are the MTProto service messages a client may send.
var serviceRequests = map[uint32]bool{
	mt.PingRequestTypeID: true, mt.PingDelayDisconnectRequestTypeID: true, mt.GetFutureSaltsRequestTypeID: true,
	mt.MsgsStateReqTypeID: true, mt.MsgResendReqTypeID: true, msgResendAnsReqID: true,
	mt.DestroySessionRequestTypeID: true, mt.RPCDropAnswerRequestTypeID: true, destroyAuthKeyID: true,
	mt.MsgsAllInfoTypeID: true, mt.MsgDetailedInfoTypeID: true, mt.MsgNewDetailedInfoTypeID: true,
	mt.MsgsStateInfoTypeID: true, proto.GZIPTypeID: true,
}

// seqNoParity is the seq_no parity a message of this type must carry: acks
// and containers are not content-related (even), API requests are (odd).
func seqNoParity(id uint32) session.Parity {
	switch {
	case id == mt.MsgsAckTypeID || id == mt.MsgContainerTypeID || id == mt.HTTPWaitRequestTypeID:
		return session.Even
	case serviceRequests[id]:
		return session.Either
	}
	return session.Odd
}

// handleMessage handles the plaintext of one encrypted message.
func (srv *Server) handleMessage(ctx context.Context, c *conn, s *Session, m inMsg) error {
	arrived := time.Now() // the push window's clock, not srv.now
	now := srv.now()
	if len(m.body) < 4 {
		return fmt.Errorf("message %d of %d bytes", m.id, len(m.body))
	}
	if !srv.salts.Valid(s.key.id, m.salt, now) {
		body := encode(&mt.BadServerSalt{
			BadMsgID: m.id, BadMsgSeqno: int(m.seqNo), ErrorCode: session.BadMsgServerSalt,
			NewServerSalt: srv.salts.Current(s.key.id, now),
		})
		return srv.send(ctx, s, c, outMsg{body: body, response: true})
	}
	s.mu.Lock()
	announce := !s.announced
	s.announced = true
	s.mu.Unlock()
	if announce {
		unique, err := randInt64(srv.opts.Rand)
		if err != nil {
			return err
		}
		body := encode(&mt.NewSessionCreated{
			FirstMsgID: m.id, UniqueID: unique, ServerSalt: srv.salts.Current(s.key.id, now),
		})
		if err := srv.send(ctx, s, c, outMsg{body: body, content: true}); err != nil {
			return err
		}
	}
	if err := srv.processMsg(ctx, c, s, m.id, m.seqNo, m.body, false); err != nil {
		return err
	}
	if s.endPushWindow(arrived, srv.opts.PushDelay) {
		// The client has read on since its last updates: those waiting
		// for it go now, with the acks and held results.
		return srv.send(ctx, s, c)
	}
	return srv.flushAcks(ctx, s, c)
}

// processMsg checks a message's msg_id and seq_no against the session and
// handles it; inner messages of a container come here one by one.
func (srv *Server) processMsg(ctx context.Context, c *conn, s *Session, msgID int64, seqNo int32, body []byte, inContainer bool) error {
	if len(body) < 4 {
		return fmt.Errorf("message %d of %d bytes", msgID, len(body))
	}
	typ := binary.LittleEndian.Uint32(body)
	parity := seqNoParity(typ)
	content := parity != session.Even
	now := srv.now()

	container := typ == mt.MsgContainerTypeID
	s.mu.Lock()
	code, dup := s.inbox.Check(msgID, now)
	if code == 0 && !dup {
		code = session.CheckSeqNo(seqNo, parity)
	}
	if code == 0 && !dup && !container {
		s.inbox.Add(msgID, session.Received)
		if content {
			s.pendingAcks = append(s.pendingAcks, msgID)
		}
	}
	s.mu.Unlock()
	switch {
	case dup && typ == mt.MsgContainerTypeID:
		code = session.BadMsgContainerDup
	case dup:
		return srv.handleDuplicate(ctx, c, s, msgID, content)
	}
	if code != 0 {
		return srv.badMsg(ctx, c, s, msgID, seqNo, code)
	}
	if container {
		err := srv.processContainer(ctx, c, s, msgID, seqNo, body, inContainer)
		// The container's id is recorded after its messages, whose ids
		// are lower. Recorded first, it would be the first of them pushed
		// out of the inbox by a container of more messages than the inbox
		// holds (a bot answering a backlog of updates at once), and the
		// rest of its messages would look too old to verify.
		s.mu.Lock()
		s.inbox.Add(msgID, session.Received)
		s.mu.Unlock()
		return err
	}
	return srv.dispatch(ctx, c, s, msgID, body, false)
}

// processContainer handles the messages of a msg_container, in order.
func (srv *Server) processContainer(ctx context.Context, c *conn, s *Session, msgID int64, seqNo int32, body []byte, inContainer bool) error {
	if inContainer {
		return srv.badMsg(ctx, c, s, msgID, seqNo, session.BadMsgInvalidContainer)
	}
	var cont proto.MessageContainer
	if err := cont.Decode(&bin.Buffer{Buf: body}); err != nil {
		return srv.badMsg(ctx, c, s, msgID, seqNo, session.BadMsgInvalidContainer)
	}
	for _, inner := range cont.Messages {
		if err := srv.processMsg(ctx, c, s, inner.ID, int32(inner.SeqNo), inner.Body, true); err != nil {
			return err
		}
	}
	return nil
}

func (srv *Server) badMsg(ctx context.Context, c *conn, s *Session, msgID int64, seqNo int32, code int) error {
	body := encode(&mt.BadMsgNotification{BadMsgID: msgID, BadMsgSeqno: int(seqNo), ErrorCode: code})
	return srv.send(ctx, s, c, outMsg{body: body, response: true})
}

// handleDuplicate answers a message received again: acked again, and a
// request that was answered gets its answer again if the client has not
// acknowledged it. It is never executed twice.
func (srv *Server) handleDuplicate(ctx context.Context, c *conn, s *Session, msgID int64, content bool) error {
	s.mu.Lock()
	if content {
		s.pendingAcks = append(s.pendingAcks, msgID)
	}
	var again []outMsg
	if st, _, _ := s.inbox.Lookup(msgID); st == session.Answered {
		if kept, ok := s.outbox.ByRequest(msgID); ok {
			again = append(again, outMsg{resend: &kept})
		}
	}
	s.mu.Unlock()
	if len(again) == 0 {
		return nil
	}
	return srv.send(ctx, s, c, again...)
}

// dispatch handles an accepted message by its constructor.
func (srv *Server) dispatch(ctx context.Context, c *conn, s *Session, msgID int64, body []byte, unzipped bool) error {
	b := &bin.Buffer{Buf: body}
	typ := binary.LittleEndian.Uint32(body)
	reply := func(obj bin.Encoder) error {
		return srv.send(ctx, s, c, outMsg{body: encode(obj), content: true, response: true})
	}
	switch typ {
	case proto.GZIPTypeID:
		var gz proto.GZIP
		if unzipped || gz.Decode(b) != nil || len(gz.Data) < 4 {
			return srv.badMsg(ctx, c, s, msgID, 0, session.BadMsgInvalidContainer)
		}
		return srv.dispatch(ctx, c, s, msgID, gz.Data, true)
	case mt.MsgsAckTypeID:
		var ack mt.MsgsAck
		if err := ack.Decode(b); err != nil {
			return fmt.Errorf("decode msgs_ack: %w", err)
		}
		s.mu.Lock()
		s.outbox.Ack(ack.MsgIDs)
		s.mu.Unlock()
		return nil
	case mt.PingRequestTypeID:
		var ping mt.PingRequest
		if err := ping.Decode(b); err != nil {
			return fmt.Errorf("decode ping: %w", err)
		}
		return reply(&mt.Pong{MsgID: msgID, PingID: ping.PingID})
	case mt.PingDelayDisconnectRequestTypeID:
		var ping mt.PingDelayDisconnectRequest
		if err := ping.Decode(b); err != nil {
			return fmt.Errorf("decode ping_delay_disconnect: %w", err)
		}
		delay := min(time.Duration(max(ping.DisconnectDelay, 1))*time.Second, maxPingDelay)
		c.pingLimit.Store(srv.now().Add(delay).UnixNano())
		return reply(&mt.Pong{MsgID: msgID, PingID: ping.PingID})
	case mt.GetFutureSaltsRequestTypeID:
		var req mt.GetFutureSaltsRequest
		if err := req.Decode(b); err != nil {
			return fmt.Errorf("decode get_future_salts: %w", err)
		}
		now := srv.now()
		return reply(&mt.FutureSalts{ReqMsgID: msgID, Now: int(now.Unix()), Salts: srv.salts.Future(s.key.id, now, req.Num)})
	case mt.MsgsStateReqTypeID:
		var req mt.MsgsStateReq
		if err := req.Decode(b); err != nil {
			return fmt.Errorf("decode msgs_state_req: %w", err)
		}
		now := srv.now()
		info := make([]byte, len(req.MsgIDs))
		s.mu.Lock()
		for i, id := range req.MsgIDs {
			info[i] = s.inbox.StateInfo(id, now)
		}
		s.mu.Unlock()
		return reply(&mt.MsgsStateInfo{ReqMsgID: msgID, Info: info})
	case mt.MsgResendReqTypeID, msgResendAnsReqID:
		// msg_resend_ans_req has the layout of msg_resend_req.
		ids, err := longVector(&bin.Buffer{Buf: body[4:]})
		if err != nil {
			return fmt.Errorf("decode msg_resend_req: %w", err)
		}
		return srv.resend(ctx, c, s, ids)
	case mt.DestroySessionRequestTypeID:
		var req mt.DestroySessionRequest
		if err := req.Decode(b); err != nil {
			return fmt.Errorf("decode destroy_session: %w", err)
		}
		if req.SessionID != s.id && s.key.dropSession(req.SessionID) {
			return reply(&mt.DestroySessionOk{SessionID: req.SessionID})
		}
		return reply(&mt.DestroySessionNone{SessionID: req.SessionID})
	case mt.RPCDropAnswerRequestTypeID:
		var req mt.RPCDropAnswerRequest
		if err := req.Decode(b); err != nil {
			return fmt.Errorf("decode rpc_drop_answer: %w", err)
		}
		return srv.dropAnswer(ctx, c, s, msgID, req.ReqMsgID)
	case destroyAuthKeyID:
		return srv.destroyAuthKey(ctx, c, s)
	case mt.HTTPWaitRequestTypeID, mt.MsgsAllInfoTypeID, mt.MsgDetailedInfoTypeID, mt.MsgNewDetailedInfoTypeID,
		mt.MsgsStateInfoTypeID, mt.BadMsgNotificationTypeID, mt.BadServerSaltTypeID:
		return nil // informational; acked like any content message
	}
	return srv.invoke(ctx, c, s, msgID, body)
}

func (srv *Server) resend(ctx context.Context, c *conn, s *Session, ids []int64) error {
	s.mu.Lock()
	var again []outMsg
	for _, id := range ids {
		if kept, ok := s.outbox.Get(id); ok {
			again = append(again, outMsg{resend: &kept})
		}
	}
	s.mu.Unlock()
	if len(again) == 0 {
		return nil
	}
	return srv.send(ctx, s, c, again...)
}

// dropAnswer answers rpc_drop_answer: the answer is dropped if it is still
// to come, and unknown if it was sent or never asked for.
func (srv *Server) dropAnswer(ctx context.Context, c *conn, s *Session, msgID, reqMsgID int64) error {
	s.mu.Lock()
	st, _, ok := s.inbox.Lookup(reqMsgID)
	s.mu.Unlock()
	var res bin.Encoder = &mt.RPCAnswerUnknown{}
	if ok && st == session.Running {
		res = &mt.RPCAnswerDroppedRunning{}
	}
	body := encode(&proto.Result{RequestMessageID: msgID, Result: encode(res)})
	return srv.send(ctx, s, c, outMsg{body: body, content: true, response: true, reqMsgID: msgID})
}

// destroyAuthKey answers destroy_auth_key: the key is forgotten and the
// connection closed.
func (srv *Server) destroyAuthKey(ctx context.Context, c *conn, s *Session) error {
	if err := srv.opts.Store.AuthKeys().Delete(ctx, s.key.id); err != nil {
		return fmt.Errorf("destroy auth key: %w", err)
	}
	srv.keys.forget(s.key.id)
	b := &bin.Buffer{}
	b.PutID(destroyAuthKeyOK)
	if err := srv.send(ctx, s, c, outMsg{body: b.Raw(), response: true}); err != nil {
		return err
	}
	return fmt.Errorf("auth key %016x destroyed by the client", uint64(s.key.id))
}

// encode serializes a TL object; encoding our own well-formed objects cannot fail.
func encode(obj bin.Encoder) []byte {
	b, err := tlenc.Encode(obj)
	if err != nil {
		panic(fmt.Sprintf("server: %v", err))
	}
	return b
}
