package server

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/mtproto/session"
)

func decodeAs[T any, P interface {
	*T
	bin.Decoder
}](t *testing.T, body []byte) *T {
	t.Helper()
	v := P(new(T))
	if err := v.Decode(&bin.Buffer{Buf: body}); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
	return (*T)(v)
}

// barrier sends a ping and waits for its pong: everything sent before it on
// this connection has been handled by then.
func (c *client) barrier() []received {
	c.f.t.Helper()
	c.call(&mt.PingRequest{PingID: 99})
	_, others := c.expect(mt.PongTypeID)
	return others
}

func TestFirstMessageWithSaltZeroGetsBadServerSalt(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	bad := c.nextID()
	c.sendRaw(bad, c.seq(true), 0, encode(&tg.HelpGetNearestDCRequest{}))
	m, _ := c.expect(mt.BadServerSaltTypeID)
	bs := decodeAs[mt.BadServerSalt](t, m.body)
	if bs.BadMsgID != bad || bs.ErrorCode != session.BadMsgServerSalt {
		t.Fatalf("bad_server_salt %+v", bs)
	}
	if f.calls.Load() != 0 {
		t.Fatal("a message with a wrong salt was executed")
	}
	c.salt = bs.NewServerSalt
	id := c.call(&tg.HelpGetNearestDCRequest{})
	res := decodeAs[tg.NearestDC](t, c.result(id))
	if res.ThisDC != 2 || f.calls.Load() != 1 {
		t.Fatalf("after the new salt: %+v, %d calls", res, f.calls.Load())
	}
}

func TestNewSessionCreatedComesFirst(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.sendRaw(c.nextID(), c.seq(true), 0, encode(&tg.HelpGetNearestDCRequest{}))
	bad, _ := c.expect(mt.BadServerSaltTypeID)
	c.salt = decodeAs[mt.BadServerSalt](t, bad.body).NewServerSalt
	// The session starts with the first message the server accepts.
	id := c.call(&tg.HelpGetNearestDCRequest{})
	m, _ := c.expect(mt.NewSessionCreatedTypeID)
	nsc := decodeAs[mt.NewSessionCreated](t, m.body)
	if nsc.FirstMsgID != id || m.seq%2 != 1 {
		t.Fatalf("new_session_created %+v seq %d", nsc, m.seq)
	}
	_ = c.result(id)
}

func TestMsgIDRules(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.ready()
	now := f.clock.Now()
	tests := []struct {
		name string
		id   int64
		code int
	}{
		{"not divisible by four", c.nextID() + 1, session.BadMsgIDParity},
		{"older than 300 s", int64(proto.NewMessageID(now.Add(-301*time.Second), proto.MessageFromClient)), session.BadMsgIDTooLow},
		{"more than 30 s ahead", int64(proto.NewMessageID(now.Add(31*time.Second), proto.MessageFromClient)), session.BadMsgIDTooHigh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.calls.Load()
			c.sendRaw(tt.id, c.seq(true), c.salt, encode(&tg.HelpGetNearestDCRequest{}))
			m, _ := c.expect(mt.BadMsgNotificationTypeID)
			bn := decodeAs[mt.BadMsgNotification](t, m.body)
			if bn.BadMsgID != tt.id || bn.ErrorCode != tt.code {
				t.Fatalf("bad_msg_notification %+v, want code %d", bn, tt.code)
			}
			if f.calls.Load() != before {
				t.Fatal("the rejected message was executed")
			}
		})
	}
}

func TestAPIRequestWithEvenSeqNoIsRejected(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.ready()
	id := c.nextID()
	c.sendRaw(id, c.seq(false), c.salt, encode(&tg.HelpGetNearestDCRequest{}))
	m, _ := c.expect(mt.BadMsgNotificationTypeID)
	if bn := decodeAs[mt.BadMsgNotification](t, m.body); bn.ErrorCode != session.BadMsgSeqNoOdd {
		t.Fatalf("code %d, want %d", bn.ErrorCode, session.BadMsgSeqNoOdd)
	}
}

func TestDuplicateRequestIsNeverExecutedTwice(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.ready()
	before := f.calls.Load()
	id := c.nextID()
	seq := c.seq(true)
	body := encode(&tg.HelpGetNearestDCRequest{})
	c.sendRaw(id, seq, c.salt, body)
	first := c.result(id)
	// The client lost the answer and sends the same message again.
	c.sendRaw(id, seq, c.salt, body)
	again := c.result(id)
	if string(first) != string(again) {
		t.Fatal("the answer sent again differs from the first")
	}
	if n := f.calls.Load() - before; n != 1 {
		t.Fatalf("request executed %d times, want 1", n)
	}
}

func TestContainerWithGzipPackedRequest(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.ready()
	before := f.calls.Load()
	plainID, zipID := c.nextID(), c.nextID()
	zipped := encode(proto.GZIP{Data: encode(&tg.HelpGetNearestDCRequest{})})
	cont := &proto.MessageContainer{Messages: []proto.Message{
		{ID: plainID, SeqNo: int(c.seq(true)), Body: encode(&tg.HelpGetNearestDCRequest{})},
		{ID: zipID, SeqNo: int(c.seq(true)), Body: zipped},
	}}
	for i := range cont.Messages {
		cont.Messages[i].Bytes = len(cont.Messages[i].Body)
	}
	c.sendRaw(c.nextID(), c.seq(false), c.salt, encode(cont))
	_ = c.result(plainID)
	_ = c.result(zipID)
	if n := f.calls.Load() - before; n != 2 {
		t.Fatalf("%d executions, want 2", n)
	}
}

// TestContainerLargerThanTheInbox: a container of more messages than the
// inbox remembers (a bot answering a backlog of updates in one frame) has
// every message served, none refused as too old to verify.
func TestContainerLargerThanTheInbox(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.ready()
	n := session.InboxSize + 44
	cont := &proto.MessageContainer{}
	for i := range n {
		ping := encode(&mt.PingRequest{PingID: int64(i)})
		cont.Messages = append(cont.Messages, proto.Message{ID: c.nextID(), SeqNo: int(c.seq(true)), Bytes: len(ping), Body: ping})
	}
	c.sendRaw(c.nextID(), c.seq(false), c.salt, encode(cont))
	pongs := map[int64]bool{}
	for len(pongs) < n {
		msgs, err := c.recvFrame()
		if err != nil {
			t.Fatalf("after %d pongs: %v", len(pongs), err)
		}
		for _, m := range msgs {
			switch m.typ {
			case mt.PongTypeID:
				pongs[decodeAs[mt.Pong](t, m.body).PingID] = true
			case mt.BadMsgNotificationTypeID:
				bad := decodeAs[mt.BadMsgNotification](t, m.body)
				t.Fatalf("after %d pongs: bad_msg_notification %d for message %d", len(pongs), bad.ErrorCode, bad.BadMsgID)
			}
		}
	}
}

func TestSlowRequestIsAckedAtOnce(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.ready()
	id := c.call(&tg.HelpGetSupportRequest{})
	m, _ := c.expect(mt.MsgsAckTypeID)
	if ack := decodeAs[mt.MsgsAck](t, m.body); !containsID(ack.MsgIDs, id) {
		t.Fatalf("ack %v does not name the request %d", ack.MsgIDs, id)
	}
	// While it waits, the connection still serves other requests.
	other := c.call(&tg.HelpGetNearestDCRequest{})
	_ = c.result(other)
	close(f.release)
	res := decodeAs[tg.NearestDC](t, c.result(id))
	if res.NearestDC != 7 {
		t.Fatalf("slow result %+v", res)
	}
}

// TestSlowAnswerCarriesItsAck: a slow request answered within AckDelay
// gets its ack in the answer's frame, and the hold of one request ends with
// its answer, so it does not cut the next request's hold short.
func TestSlowAnswerCarriesItsAck(t *testing.T) {
	const delay = 300 * time.Millisecond
	f := newFixture(t, func(o *Options) { o.AckDelay = delay })
	c := f.newClient(0)
	c.ready()
	// oneFrame calls the gated method, lets it answer after wait, and
	// checks that the next frame holds both the ack and the answer.
	oneFrame := func(wait time.Duration) {
		t.Helper()
		id := c.call(&tg.HelpGetCDNConfigRequest{})
		time.Sleep(wait)
		f.gate <- struct{}{}
		msgs, err := c.recvFrame()
		if err != nil {
			t.Fatal(err)
		}
		var acked, answered bool
		for _, m := range msgs {
			switch m.typ {
			case mt.MsgsAckTypeID:
				acked = acked || containsID(decodeAs[mt.MsgsAck](t, m.body).MsgIDs, id)
			case proto.ResultTypeID:
				answered = true
			}
		}
		if !acked || !answered {
			t.Fatalf("after %v the frame holds %v, want the ack of %d and its answer", wait, typesOf(msgs), id)
		}
	}
	oneFrame(delay / 2)
	// The first hold's timer fires during this wait; the second request's
	// ack must still wait for its own answer.
	oneFrame(delay * 2 / 3)
}

// TestLazyResultRidesWithTheNextMessage: a lazy method's result waits for
// the next message to the client and shares its frame; with nothing else to
// send it goes out on its own after LazyDelay, with its ack.
func TestLazyResultRidesWithTheNextMessage(t *testing.T) {
	const delay = 300 * time.Millisecond
	f := newFixture(t, func(o *Options) { o.LazyDelay = delay; o.AckDelay = time.Hour })
	c := f.newClient(0)
	c.ready()
	results := func(msgs []received) map[int64]bool {
		out := map[int64]bool{}
		for _, m := range msgs {
			if m.typ == proto.ResultTypeID {
				var r proto.Result
				if err := r.Decode(&bin.Buffer{Buf: m.body}); err != nil {
					t.Fatal(err)
				}
				out[r.RequestMessageID] = true
			}
		}
		return out
	}

	// Alone: one frame after the delay, with the ack and the result.
	start := time.Now()
	lazy := c.call(&tg.HelpGetPremiumPromoRequest{})
	msgs, err := c.recvFrame()
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < delay/2 {
		t.Fatalf("the lazy result came after %v, not held", waited)
	}
	acked := false
	for _, m := range msgs {
		acked = acked || m.typ == mt.MsgsAckTypeID && containsID(decodeAs[mt.MsgsAck](t, m.body).MsgIDs, lazy)
	}
	if !acked || !results(msgs)[lazy] {
		t.Fatalf("the held frame holds %v, want the ack and the result of %d", typesOf(msgs), lazy)
	}

	// With company: the next answer carries it, long before the delay.
	start = time.Now()
	lazy = c.call(&tg.HelpGetPremiumPromoRequest{})
	fast := c.call(&tg.HelpGetNearestDCRequest{})
	msgs, err = c.recvFrame()
	if err != nil {
		t.Fatal(err)
	}
	if got := results(msgs); !got[lazy] || !got[fast] {
		t.Fatalf("the frame holds %v, want both results", typesOf(msgs))
	}
	if waited := time.Since(start); waited >= delay {
		t.Fatalf("the results came after %v", waited)
	}
}

// TestLazyResultCutsAnAckHoldShort: a lazy result that joins a long ack
// hold (a slow request waiting) goes out after LazyDelay, with the acks,
// not after AckDelay.
func TestLazyResultCutsAnAckHoldShort(t *testing.T) {
	const lazyDelay = 100 * time.Millisecond
	f := newFixture(t, func(o *Options) { o.LazyDelay = lazyDelay; o.AckDelay = time.Hour })
	c := f.newClient(0)
	c.ready()
	slow := c.call(&tg.HelpGetCDNConfigRequest{}) // held: its answer waits for the gate
	start := time.Now()
	lazy := c.call(&tg.HelpGetPremiumPromoRequest{})
	msgs, err := c.recvFrame()
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited > 10*lazyDelay {
		t.Fatalf("the lazy result came after %v", waited)
	}
	var acks []int64
	result := false
	for _, m := range msgs {
		switch m.typ {
		case mt.MsgsAckTypeID:
			acks = append(acks, decodeAs[mt.MsgsAck](t, m.body).MsgIDs...)
		case proto.ResultTypeID:
			result = true
		}
	}
	if !result || !containsID(acks, slow) || !containsID(acks, lazy) {
		t.Fatalf("the frame holds %v with acks %v, want the result and the acks of %d and %d", typesOf(msgs), acks, slow, lazy)
	}
	f.gate <- struct{}{}
	_ = c.result(slow)
}

// TestSlowRequestResentWhileWaitingRunsOnce: a client that resends a slow
// request (a callback query waiting for its bot) before the answer comes must
// not make the server run it twice; the one answer still arrives.
func TestSlowRequestResentWhileWaitingRunsOnce(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.ready()
	id := c.nextID()
	seq := c.seq(true)
	body := encode(&tg.HelpGetSupportRequest{})
	c.sendRaw(id, seq, c.salt, body)
	c.expect(mt.MsgsAckTypeID)
	c.sendRaw(id, seq, c.salt, body)
	c.barrier()
	close(f.release)
	res := decodeAs[tg.NearestDC](t, c.result(id))
	if res.NearestDC != 7 {
		t.Fatalf("slow result %+v", res)
	}
	if n := f.slowCalls.Load(); n != 1 {
		t.Fatalf("the slow request ran %d times, want 1", n)
	}
}

func TestSlowAnswerReachesTheClientAfterReconnect(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.ready()
	id := c.call(&tg.HelpGetSupportRequest{})
	c.expect(mt.MsgsAckTypeID)
	c.reconnect()
	c.barrier() // the session is live on the new connection
	close(f.release)
	res := decodeAs[tg.NearestDC](t, c.result(id))
	if res.NearestDC != 7 {
		t.Fatalf("slow result %+v", res)
	}
}

func TestMsgsStateReq(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.ready()
	answered := c.call(&tg.HelpGetNearestDCRequest{})
	_ = c.result(answered)
	unknown := c.nextID() + 400
	req := c.call(&mt.MsgsStateReq{MsgIDs: []int64{answered, unknown}})
	m, _ := c.expect(mt.MsgsStateInfoTypeID)
	info := decodeAs[mt.MsgsStateInfo](t, m.body)
	if info.ReqMsgID != req || len(info.Info) != 2 || info.Info[0] != 4|32|64 || info.Info[1] != 2 {
		t.Fatalf("msgs_state_info %+v", info)
	}
}

func TestFutureSaltsAndRotation(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.ready()
	c.call(&mt.GetFutureSaltsRequest{Num: 3})
	m, _ := c.expect(mt.FutureSaltsTypeID)
	fs := decodeAs[mt.FutureSalts](t, m.body)
	if len(fs.Salts) != 3 {
		t.Fatalf("%d salts, want 3", len(fs.Salts))
	}
	// Two hours later the old salt is refused and the second future salt works.
	f.clock.Advance(2 * session.SaltPeriod)
	old := c.nextID()
	c.sendRaw(old, c.seq(true), c.salt, encode(&tg.HelpGetNearestDCRequest{}))
	bad, _ := c.expect(mt.BadServerSaltTypeID)
	if bs := decodeAs[mt.BadServerSalt](t, bad.body); bs.NewServerSalt != fs.Salts[2].Salt {
		t.Fatalf("new salt %d, want the third future salt %d", bs.NewServerSalt, fs.Salts[2].Salt)
	}
	c.salt = fs.Salts[1].Salt // the previous period's salt is still accepted
	_ = c.result(c.call(&tg.HelpGetNearestDCRequest{}))
}

func TestLoginGatesMethods(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.ready()
	id := c.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}})
	if e := rpcError(t, c.result(id)); e.ErrorCode != 401 || e.ErrorMessage != "AUTH_KEY_UNREGISTERED" {
		t.Fatalf("before login: %+v", e)
	}
	if err := f.srv.SetLogin(context.Background(), c.key.IntID(), 1000, false); err != nil {
		t.Fatal(err)
	}
	id = c.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}})
	if e := rpcError(t, c.result(id)); e.ErrorCode != 400 || e.ErrorMessage != "METHOD_INVALID" {
		t.Fatalf("after login, an unimplemented method: %+v", e)
	}
	b := &bin.Buffer{}
	b.PutID(0x12345678)
	id = c.nextID()
	c.sendRaw(id, c.seq(true), c.salt, b.Raw())
	if e := rpcError(t, c.result(id)); e.ErrorMessage != "INPUT_METHOD_INVALID" {
		t.Fatalf("a constructor that is no method: %+v", e)
	}
}

func TestUnknownLayerIsRefused(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.ready()
	b := &bin.Buffer{}
	b.PutID(invokeWithLayerID)
	b.PutInt(5)
	b.Put(encode(&tg.HelpGetNearestDCRequest{}))
	id := c.nextID()
	c.sendRaw(id, c.seq(true), c.salt, b.Raw())
	if e := rpcError(t, c.result(id)); e.ErrorMessage != "CONNECTION_LAYER_INVALID" {
		t.Fatalf("layer 5: %+v", e)
	}
}

func TestDestroySession(t *testing.T) {
	f := newFixture(t)
	a := f.newClient(0)
	a.ready()
	// A second session on the same key.
	b := &client{f: f, w: f.dial(), key: a.key, salt: a.salt, session: a.session + 1, cipher: a.cipher}
	b.ready()
	a.call(&mt.DestroySessionRequest{SessionID: b.session})
	m, _ := a.expect(mt.DestroySessionOkTypeID)
	if ok := decodeAs[mt.DestroySessionOk](t, m.body); ok.SessionID != b.session {
		t.Fatalf("destroy_session_ok %+v", ok)
	}
	a.call(&mt.DestroySessionRequest{SessionID: 424242})
	a.expect(mt.DestroySessionNoneTypeID)
}

func TestUnknownAuthKeyGets404(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	var fake crypto.Key
	_, _ = rand.Read(fake[:])
	c.key = fake.WithID()
	c.sendRaw(c.nextID(), c.seq(true), 0, encode(&tg.HelpGetNearestDCRequest{}))
	if _, err := c.recvFrame(); err != errTransportCode(-404) {
		t.Fatalf("got %v, want transport error -404", err)
	}
}

func TestBrokenMessageClosesOnlyItsConnection(t *testing.T) {
	f := newFixture(t)
	good := f.newClient(0)
	good.ready()
	bad := &client{f: f, w: f.dial(), key: good.key, salt: good.salt, session: good.session + 7, cipher: good.cipher}
	frame := &bin.Buffer{}
	frame.PutLong(good.key.IntID())
	frame.Put(make([]byte, 16+48)) // msg_key and data that do not decrypt
	if err := bad.w.Send(context.Background(), frame); err != nil {
		t.Fatal(err)
	}
	if _, err := bad.recvFrame(); err == nil {
		t.Fatal("the broken connection got an answer")
	}
	_ = good.result(good.call(&tg.HelpGetNearestDCRequest{}))
}

func TestBindTempAuthKey(t *testing.T) {
	f := newFixture(t)
	perm := f.newClient(0)
	perm.ready()
	if err := f.srv.SetLogin(context.Background(), perm.key.IntID(), 1000, false); err != nil {
		t.Fatal(err)
	}
	temp := f.newClient(time.Hour)
	temp.ready()
	expires := int(f.clock.Now().Add(30 * time.Minute).Unix())
	bindMsg := func(nonce int64) (int64, []byte) {
		id := temp.nextID()
		enc, err := crypto.EncryptBindMessage(rand.Reader, perm.key, id, &crypto.BindAuthKeyInner{
			Nonce: 77, TempAuthKeyID: temp.key.IntID(), PermAuthKeyID: perm.key.IntID(),
			TempSessionID: temp.session, ExpiresAt: expires,
		})
		if err != nil {
			t.Fatal(err)
		}
		return id, encode(&tg.AuthBindTempAuthKeyRequest{
			PermAuthKeyID: perm.key.IntID(), Nonce: nonce, ExpiresAt: expires, EncryptedMessage: enc,
		})
	}
	id, body := bindMsg(78) // the outer nonce differs from the inner one
	temp.sendRaw(id, temp.seq(true), temp.salt, body)
	if e := rpcError(t, temp.result(id)); e.ErrorMessage != "ENCRYPTED_MESSAGE_INVALID" {
		t.Fatalf("mismatched nonce: %+v", e)
	}
	id, body = bindMsg(77)
	temp.sendRaw(id, temp.seq(true), temp.salt, body)
	if res := temp.result(id); len(res) != 4 || string(res) != string(encode(&tg.BoolTrue{})) {
		t.Fatalf("bind answered %x, want boolTrue", res)
	}
	// The temporary key now acts for the logged-in permanent key.
	id = temp.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}})
	if e := rpcError(t, temp.result(id)); e.ErrorMessage != "METHOD_INVALID" {
		t.Fatalf("after binding: %+v, want the logged-in METHOD_INVALID", e)
	}
	// Once the temporary key expires it is unknown.
	f.clock.Advance(time.Hour + time.Minute)
	temp.call(&tg.HelpGetNearestDCRequest{})
	if _, err := temp.recvFrame(); err != errTransportCode(-404) {
		t.Fatalf("expired temporary key: %v, want -404", err)
	}
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func TestPushReachesEveryLiveConnectionOfTheSession(t *testing.T) {
	f := newFixture(t)
	a := f.newClient(0)
	a.ready()
	// The same session on a second connection, and a third connection that
	// opted out of updates with invokeWithoutUpdates.
	b := &client{f: f, w: f.dial(), key: a.key, salt: a.salt, session: a.session, cipher: a.cipher, lastID: a.lastID, seqNos: a.seqNos}
	b.barrier()
	b.ready()
	quiet := &client{f: f, w: f.dial(), key: a.key, salt: a.salt, session: a.session + 1, cipher: a.cipher}
	wrapped := &bin.Buffer{}
	wrapped.PutID(invokeWithoutUpdatesID)
	wrapped.Put(encode(&tg.HelpGetNearestDCRequest{}))
	id := quiet.nextID()
	quiet.sendRaw(id, quiet.seq(true), quiet.salt, wrapped.Raw())
	_ = quiet.result(id)

	update := &tg.UpdateShort{Update: &tg.UpdateConfig{}, Date: 1700000000}
	n, err := f.srv.Push(context.Background(), a.key.IntID(), update)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("push reached %d connections, want 2", n)
	}
	for _, c := range []*client{a, b} {
		m, _ := c.expect(tg.UpdateShortTypeID)
		if got := decodeAs[tg.UpdateShort](t, m.body); got.Date != 1700000000 || m.seq%2 != 1 {
			t.Fatalf("pushed %+v seq %d", got, m.seq)
		}
	}
}

// A push is written under the caller's context, often another connection's
// request (a user's press pushed to its bot). When that context ends while
// the frame is being written, the frame must still go out whole and the
// target connection stay open.
func TestPushOutlivesItsCallersContext(t *testing.T) {
	f := newFixture(t)
	a := f.newClient(0)
	a.ready()
	// The client stops reading: big pushes fill the socket buffers until
	// one blocks in the write.
	big := strings.Repeat("a", 1<<20)
	var pushed []int
	var blockedCancel context.CancelFunc
	for i := 0; blockedCancel == nil; i++ {
		if i == 200 {
			t.Fatal("200 MiB of pushes never blocked")
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := f.srv.Push(ctx, a.key.IntID(), &tg.UpdateShortMessage{ID: i + 1, Message: big, Date: 1700000000})
			done <- err
		}()
		pushed = append(pushed, i+1)
		select {
		case err := <-done:
			cancel()
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(300 * time.Millisecond):
			blockedCancel = cancel // this push is stuck in its write
		}
	}
	blockedCancel()
	time.Sleep(50 * time.Millisecond)
	// Every push arrives whole, the one in flight when its context ended too.
	for _, want := range pushed {
		m, _ := a.expect(tg.UpdateShortMessageTypeID)
		if got := decodeAs[tg.UpdateShortMessage](t, m.body); got.ID != want || len(got.Message) != len(big) {
			t.Fatalf("push %d arrived as id %d with %d bytes", want, got.ID, len(got.Message))
		}
	}
	// And the connection still serves requests.
	a.result(a.call(&tg.HelpGetNearestDCRequest{}))
}

// ping_delay_disconnect closes the connection when no ping follows within
// the delay (up to a second late: read deadlines are re-armed lazily), and
// a ping within the delay puts the disconnect off.
func TestPingDelayDisconnect(t *testing.T) {
	f := newFixture(t)
	a := f.newClient(0)
	a.ready()
	ping := func(id int64) {
		msgID := a.nextID()
		a.sendRaw(msgID, a.seq(true), a.salt, encode(&mt.PingDelayDisconnectRequest{PingID: id, DisconnectDelay: 2}))
		m, _ := a.expect(mt.PongTypeID)
		if got := decodeAs[mt.Pong](t, m.body); got.PingID != id {
			t.Fatalf("pong for ping %d, want %d", got.PingID, id)
		}
	}
	// The server's clock is the fixture's, which stands still unless
	// advanced, so real time and server time run together from here.
	f.clock.Advance(time.Since(f.clock.Now()))
	start := time.Now()
	ping(1)
	time.Sleep(1500 * time.Millisecond)
	f.clock.Advance(time.Since(f.clock.Now()))
	ping(2) // 1.5 s in: the 2 s start again
	if _, err := a.recvFrame(); err == nil {
		t.Fatal("a frame came where the connection should close")
	}
	// Closed 2 s after the second ping (3.5 s in), up to a second late.
	// Without the second ping it would have closed by 3 s.
	if took := time.Since(start); took < 3300*time.Millisecond || took > 6*time.Second {
		t.Fatalf("connection closed %v after the first ping, want 3.5 to 4.5 s", took)
	}
}

func TestLargeResultIsGzipPackedAndResendReqWorks(t *testing.T) {
	f := newFixture(t)
	c := f.newClient(0)
	c.ready()
	id := c.call(&tg.HelpGetAppConfigRequest{})
	m, _ := c.expect(proto.ResultTypeID)
	res := decodeAs[proto.Result](t, m.body)
	if res.RequestMessageID != id {
		t.Fatalf("result for %d, want %d", res.RequestMessageID, id)
	}
	var gz proto.GZIP
	if err := gz.Decode(&bin.Buffer{Buf: res.Result}); err != nil {
		t.Fatalf("a %d-byte result was not gzip_packed: %v", bigResultSize, err)
	}
	cfg := decodeAs[tg.HelpAppConfig](t, gz.Data)
	if len(cfg.Config.(*tg.JSONString).Value) != bigResultSize {
		t.Fatal("decompressed result differs")
	}
	// The client asks for the answer again by its msg_id: the same message comes back.
	c.call(&mt.MsgResendReq{MsgIDs: []int64{m.id}})
	again, _ := c.expect(proto.ResultTypeID)
	if again.id != m.id || string(again.body) != string(m.body) {
		t.Fatal("msg_resend_req did not send the same message again")
	}
}
