package server

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/exchange"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/layer"
	"github.com/buttonflow/buttonflow/internal/mtproto/session"
	"github.com/buttonflow/buttonflow/internal/mtproto/transport"
	"github.com/buttonflow/buttonflow/internal/rpc"
	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

// fakeClock is the injected clock: tests move time instead of sleeping.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var (
	testKeyOnce sync.Once
	testKey     *rsa.PrivateKey
)

func rsaKey(t *testing.T) *rsa.PrivateKey {
	testKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

// bigResultSize is the size of help.getAppConfig's test answer: big enough to be gzip_packed.
const bigResultSize = 8000

// fixture is a server on loopback with test handlers.
type fixture struct {
	t         *testing.T
	srv       *Server
	addr      string
	clock     *fakeClock
	calls     atomic.Int64  // executions of help.getNearestDc
	slowCalls atomic.Int64  // executions of the slow method
	release   chan struct{} // unblocks the slow method (help.getSupport)
	gate      chan struct{} // each send lets one call of the gated slow method (help.getCdnConfig) answer
}

// newFixture starts a server on a fresh store; tune changes its options.
func newFixture(t *testing.T, tune ...func(*Options)) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: &fakeClock{now: time.Now()}, release: make(chan struct{}), gate: make(chan struct{})}
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	layers := layer.Default()
	mux := rpc.NewMux(func(id uint32) bool { _, ok := layers.MethodName(id); return ok })
	mux.Handle(tg.HelpGetNearestDCRequestTypeID, rpc.HandlerFunc(func(context.Context, *rpc.Request) (bin.Encoder, error) {
		f.calls.Add(1)
		return &tg.NearestDC{ThisDC: 2, NearestDC: 2}, nil
	}), rpc.Public())
	mux.Handle(tg.HelpGetSupportRequestTypeID, rpc.HandlerFunc(func(ctx context.Context, _ *rpc.Request) (bin.Encoder, error) {
		f.slowCalls.Add(1)
		select {
		case <-f.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return &tg.NearestDC{ThisDC: 2, NearestDC: 7}, nil
	}), rpc.Public(), rpc.Slow())
	mux.Handle(tg.HelpGetCDNConfigRequestTypeID, rpc.HandlerFunc(func(ctx context.Context, _ *rpc.Request) (bin.Encoder, error) {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return &tg.CDNConfig{}, nil
	}), rpc.Public(), rpc.Slow())
	mux.Handle(tg.HelpGetPremiumPromoRequestTypeID, rpc.HandlerFunc(func(context.Context, *rpc.Request) (bin.Encoder, error) {
		return &tg.BoolTrue{}, nil
	}), rpc.Public(), rpc.Lazy())
	mux.Handle(tg.HelpGetAppConfigRequestTypeID, rpc.HandlerFunc(func(context.Context, *rpc.Request) (bin.Encoder, error) {
		big := make([]byte, bigResultSize)
		for i := range big {
			big[i] = 'a' + byte(i%7)
		}
		return &tg.HelpAppConfig{Hash: 1, Config: &tg.JSONString{Value: string(big)}}, nil
	}), rpc.Public())
	opts := Options{
		Key: rsaKey(t), Store: st, Mux: mux, Layers: layers,
		SaltSecret: make([]byte, 32), Clock: f.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, fn := range tune {
		fn(&opts)
	}
	f.srv, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = l.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = transport.Serve(ctx, l, f.srv.ServeConn, transport.ListenerOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	runDone := make(chan struct{})
	go func() { defer close(runDone); _ = f.srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; <-runDone })
	return f
}

// wire is an intermediate-transport connection to the fixture.
type wire struct {
	t *testing.T
	c net.Conn
}

func (f *fixture) dial() *wire {
	f.t.Helper()
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = c.Close() })
	if _, err := c.Write([]byte{0xee, 0xee, 0xee, 0xee}); err != nil {
		f.t.Fatal(err)
	}
	return &wire{t: f.t, c: c}
}

// Send and Recv make wire a gotd transport.Conn for the key exchange.
func (w *wire) Send(_ context.Context, b *bin.Buffer) error {
	frame := binary.LittleEndian.AppendUint32(nil, uint32(b.Len()))
	_, err := w.c.Write(append(frame, b.Raw()...))
	return err
}

func (w *wire) Recv(_ context.Context, b *bin.Buffer) error {
	_ = w.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var n [4]byte
	if _, err := io.ReadFull(w.c, n[:]); err != nil {
		return err
	}
	buf := make([]byte, binary.LittleEndian.Uint32(n[:]))
	if _, err := io.ReadFull(w.c, buf); err != nil {
		return err
	}
	b.ResetTo(buf)
	return nil
}

func (w *wire) Close() error { return w.c.Close() }

// client is a hand-driven MTProto client: the test chooses every msg_id,
// seq_no and salt.
type client struct {
	f       *fixture
	w       *wire
	key     crypto.AuthKey
	salt    int64
	session int64
	cipher  crypto.Cipher
	lastID  int64
	seqNos  session.Outbox // numbers the client's messages as the server numbers its own
	expires int64
}

// newClient runs a real key exchange (gotd's client side) on a new connection.
func (f *fixture) newClient(tempFor time.Duration) *client {
	f.t.Helper()
	w := f.dial()
	ex := exchange.NewExchanger(w, 2)
	if tempFor > 0 {
		ex = ex.WithTempMode(int(tempFor / time.Second))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := ex.Client([]exchange.PublicKey{{RSA: &rsaKey(f.t).PublicKey}}).Run(ctx)
	if err != nil {
		f.t.Fatalf("key exchange: %v", err)
	}
	return &client{f: f, w: w, key: res.AuthKey, salt: res.ServerSalt, session: res.SessionID,
		cipher: crypto.NewClientCipher(rand.Reader), expires: res.ExpiresAt}
}

// reconnect moves the client to a new connection, keeping key and session.
func (c *client) reconnect() {
	_ = c.w.Close()
	c.w = c.f.dial()
}

// nextID is a fresh client msg_id at the fixture's current time.
func (c *client) nextID() int64 {
	id := int64(proto.NewMessageID(c.f.clock.Now(), proto.MessageFromClient))
	if id <= c.lastID {
		id = c.lastID + 4
	}
	c.lastID = id
	return id
}

func (c *client) seq(content bool) int32 { return c.seqNos.NextSeqNo(content) }

// sendRaw encrypts and sends one message exactly as given.
func (c *client) sendRaw(msgID int64, seqNo int32, salt int64, body []byte) {
	c.f.t.Helper()
	b := &bin.Buffer{}
	data := crypto.EncryptedMessageData{Salt: salt, SessionID: c.session, MessageID: msgID, SeqNo: seqNo,
		MessageDataLen: int32(len(body)), MessageDataWithPadding: body}
	if err := c.cipher.Encrypt(c.key, data, b); err != nil {
		c.f.t.Fatal(err)
	}
	if err := c.w.Send(context.Background(), b); err != nil {
		c.f.t.Fatal(err)
	}
}

// call sends an API or service request with a fresh msg_id and the current salt.
func (c *client) call(obj bin.Encoder) int64 {
	id := c.nextID()
	c.sendRaw(id, c.seq(true), c.salt, encode(obj))
	return id
}

// received is one message from the server, containers unpacked.
type received struct {
	id   int64
	seq  int32
	typ  uint32
	body []byte
}

// recvFrame reads and decrypts one frame; a transport error code comes back as err.
func (c *client) recvFrame() ([]received, error) {
	b := &bin.Buffer{}
	if err := c.w.Recv(context.Background(), b); err != nil {
		return nil, err
	}
	if b.Len() == 4 {
		return nil, errTransportCode(int32(binary.LittleEndian.Uint32(b.Buf)))
	}
	data, err := c.cipher.DecryptFromBuffer(c.key, b)
	if err != nil {
		return nil, err
	}
	if data.SessionID != c.session {
		c.f.t.Fatalf("message for session %x, want %x", data.SessionID, c.session)
	}
	body := data.Data()
	typ := binary.LittleEndian.Uint32(body)
	if typ != mt.MsgContainerTypeID {
		return []received{{id: data.MessageID, seq: data.SeqNo, typ: typ, body: body}}, nil
	}
	var cont proto.MessageContainer
	if err := cont.Decode(&bin.Buffer{Buf: body}); err != nil {
		return nil, err
	}
	out := make([]received, 0, len(cont.Messages))
	for _, m := range cont.Messages {
		out = append(out, received{id: m.ID, seq: int32(m.SeqNo), typ: binary.LittleEndian.Uint32(m.Body), body: m.Body})
	}
	return out, nil
}

type errTransportCode int32

func (e errTransportCode) Error() string { return "transport error " + strconv.Itoa(int(e)) }

// expect reads messages until one of type typ arrives (collecting the rest).
func (c *client) expect(typ uint32) (received, []received) {
	c.f.t.Helper()
	var others []received
	for range 20 {
		msgs, err := c.recvFrame()
		if err != nil {
			c.f.t.Fatalf("waiting for %#x: %v (got so far %v)", typ, err, typesOf(others))
		}
		for i, m := range msgs {
			if m.typ == typ {
				return m, append(others, msgs[i+1:]...)
			}
			others = append(others, m)
		}
	}
	c.f.t.Fatalf("no %#x in 20 frames (got %v)", typ, typesOf(others))
	return received{}, nil
}

func typesOf(ms []received) []uint32 {
	out := make([]uint32, len(ms))
	for i, m := range ms {
		out[i] = m.typ
	}
	return out
}

// result waits for the rpc_result of reqID and returns its inner body.
func (c *client) result(reqID int64) []byte {
	c.f.t.Helper()
	for range 10 {
		m, _ := c.expect(proto.ResultTypeID)
		var res proto.Result
		if err := res.Decode(&bin.Buffer{Buf: m.body}); err != nil {
			c.f.t.Fatal(err)
		}
		if res.RequestMessageID == reqID {
			return res.Result
		}
	}
	c.f.t.Fatalf("no rpc_result for %d", reqID)
	return nil
}

// rpcError decodes an rpc_error result, failing the test if it is something else.
func rpcError(t *testing.T, body []byte) *mt.RPCError {
	t.Helper()
	var e mt.RPCError
	if err := e.Decode(&bin.Buffer{Buf: body}); err != nil {
		t.Fatalf("result is not an rpc_error: %x", body[:min(len(body), 16)])
	}
	return &e
}

// ready sends a first request so the session exists and the salt is right,
// consuming new_session_created.
// ready makes the session usable: a request is sent and, if the salt is not
// (yet) one of ours (the key exchange's salt is not), bad_server_salt is
// followed as real clients do and the request sent again.
func (c *client) ready() {
	c.f.t.Helper()
	for range 2 {
		id := c.call(&tg.HelpGetNearestDCRequest{})
		resend := false
		for range 20 {
			msgs, err := c.recvFrame()
			if err != nil {
				c.f.t.Fatalf("ready: %v", err)
			}
			for _, m := range msgs {
				switch m.typ {
				case mt.BadServerSaltTypeID:
					var bs mt.BadServerSalt
					if err := bs.Decode(&bin.Buffer{Buf: m.body}); err != nil || bs.BadMsgID != id {
						c.f.t.Fatalf("ready: bad_server_salt %+v %v", bs, err)
					}
					c.salt, resend = bs.NewServerSalt, true
				case proto.ResultTypeID:
					return
				}
			}
			if resend {
				break
			}
		}
	}
	c.f.t.Fatal("ready: no answer")
}
