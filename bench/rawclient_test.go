package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"

	"github.com/buttonflow/buttonflow/internal/mtproto/seal"
)

// rawClient is a minimal MTProto 2.0 client for load generation: one TCP
// connection (intermediate transport) and one session on an existing auth
// key, no key exchange, no layer or initConnection wrappers (the server
// assumes its newest layer, which is gotd's tg.Layer), no updates state.
// It costs a few microseconds of CPU per call where a gotd telegram.Client
// costs ~60 µs, so that the process's CPU goes to the server being measured.
//
// What it does: numbers its messages (msg_id, seq_no), learns the server salt
// from bad_server_salt or new_session_created and resends the refused
// message, pairs rpc_result and pong with the calls waiting for them
// (unpacking gzip_packed), acknowledges every content-related message it
// receives (in front of the next request, in a msg_container, or on its own
// from a rawAcker), and hands everything else (pushed updates) to onUpdate.
type rawClient struct {
	conn io.WriteCloser // a net.Conn, or a rawSock read by a rawPoller
	key  crypto.AuthKey
	sid  int64
	// onUpdate gets the body of every message that is not a service message
	// or an RPC result, on the goroutine that reads the connection (its
	// own, or its rawPoller's); set before start.
	onUpdate func(body []byte)

	wmu    sync.Mutex // guards everything below up to mu, and writes
	salt   int64
	lastID int64
	seq    int32   // content-related messages sent
	acks   []int64 // received content-related msg_ids not yet acknowledged
	enc    bin.Buffer
	frame  []byte
	// corked holds requests back while the reader handles frames that came
	// together; queued are those requests, sent as one container when the
	// reader has handled the last (uncork), as GramJS batches what it has.
	corked bool
	queued []proto.Message

	mu    sync.Mutex
	calls map[int64]*rawCall // by msg_id of the request

	done chan struct{} // closed when the reader stops
	err  error         // why it stopped, once done is closed
}

// rawCall is a request waiting for its answer.
type rawCall struct {
	body []byte
	// done gets the result (gzip unpacked) or the error; it runs on the
	// goroutine that reads the connection, and may call invoke.
	done func(res []byte, err error)
}

// rawRPCError is an rpc_error answer.
type rawRPCError struct {
	code int
	msg  string
}

func (e *rawRPCError) Error() string { return fmt.Sprintf("rpc error %d: %s", e.code, e.msg) }

// errRawClosed fails the calls still waiting when the connection ends.
var errRawClosed = errors.New("raw client: connection closed")

// dialRaw connects to addr with the auth key key, starts the reader and
// makes one round trip (a ping) so that the salt is known and the session
// created. With a poller, the connection is a socket of its own that the
// poller reads with the others; else a goroutine reads a net.Conn.
func dialRaw(ctx context.Context, addr string, key crypto.AuthKey, onUpdate func([]byte), poller *rawPoller) (*rawClient, error) {
	var sid [8]byte
	if _, err := rand.Read(sid[:]); err != nil {
		return nil, err
	}
	c := &rawClient{
		key: key,
		sid: int64(binary.LittleEndian.Uint64(sid[:])), onUpdate: onUpdate,
		calls: make(map[int64]*rawCall), done: make(chan struct{}),
		frame: []byte{0xee, 0xee, 0xee, 0xee}, // the intermediate transport's tag goes out with the first frame
	}
	if poller != nil {
		if err := poller.dial(addr, c); err != nil {
			return nil, err
		}
	} else {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		c.conn = conn
		go c.readLoop(conn)
	}
	if _, err := c.call(ctx, &mt.PingRequest{PingID: 1}); err != nil {
		c.close()
		return nil, fmt.Errorf("first ping: %w", err)
	}
	return c, nil
}

// close ends the connection and waits for the reader.
func (c *rawClient) close() {
	_ = c.conn.Close()
	<-c.done
}

// call sends req and waits for its answer.
func (c *rawClient) call(ctx context.Context, req bin.Encoder) ([]byte, error) {
	type result struct {
		res []byte
		err error
	}
	ch := make(chan result, 1)
	if err := c.invoke(encodeTL(req), func(res []byte, err error) { ch <- result{res, err} }); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		return r.res, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return nil, c.err
	}
}

// invoke sends the serialized request body; done (if not nil) gets the
// answer. With a nil done nothing is kept for the request: its answer is
// dropped, and a bad_server_salt for it is not resent.
func (c *rawClient) invoke(body []byte, done func(res []byte, err error)) error {
	var call *rawCall
	if done != nil {
		call = &rawCall{body: body, done: done}
	}
	return c.send(body, call)
}

// send numbers body as a content-related message and writes it with any
// pending acks (in a msg_container), or queues it while the client is
// corked.
func (c *rawClient) send(body []byte, call *rawCall) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	id := c.nextID()
	c.seq++
	if call != nil {
		// Registered before the write: the answer may come back at once.
		c.mu.Lock()
		c.calls[id] = call
		c.mu.Unlock()
	}
	c.queued = append(c.queued, proto.Message{ID: id, SeqNo: int(c.seq*2 - 1), Bytes: len(body), Body: body})
	if c.corked {
		return nil
	}
	return c.flushLocked()
}

// cork holds requests back until uncork.
func (c *rawClient) cork() {
	c.wmu.Lock()
	c.corked = true
	c.wmu.Unlock()
}

// uncork sends the requests held back.
func (c *rawClient) uncork() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.corked = false
	return c.flushLocked()
}

// flushLocked writes the queued requests, with the pending acks, in one
// frame (a msg_container when there is more than one message); c.wmu must
// be held.
func (c *rawClient) flushLocked() error {
	if len(c.queued) == 0 {
		return nil
	}
	msgs := c.queued
	c.queued = c.queued[:0]
	if len(c.acks) > 0 {
		ack := encodeTL(&mt.MsgsAck{MsgIDs: c.acks})
		c.acks = c.acks[:0]
		msgs = append(msgs, proto.Message{ID: c.nextID(), SeqNo: int(c.seq * 2), Bytes: len(ack), Body: ack})
	}
	if len(msgs) == 1 {
		return c.write(msgs[0].ID, int32(msgs[0].SeqNo), rawTL(msgs[0].Body))
	}
	return c.write(c.nextID(), c.seq*2, &proto.MessageContainer{Messages: msgs})
}

// flushAcks sends the pending acks on their own, if any.
func (c *rawClient) flushAcks() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if len(c.acks) == 0 {
		return
	}
	ack := encodeTL(&mt.MsgsAck{MsgIDs: c.acks})
	c.acks = c.acks[:0]
	_ = c.write(c.nextID(), c.seq*2, rawTL(ack))
}

// nextID is a fresh client msg_id (time-based, divisible by 4, increasing);
// c.wmu must be held.
func (c *rawClient) nextID() int64 {
	now := time.Now()
	id := now.Unix()<<32 | int64(uint32(uint64(now.Nanosecond())<<32/uint64(time.Second)))
	id &^= 3
	if id <= c.lastID {
		id = c.lastID + 4
	}
	c.lastID = id
	return id
}

// write encrypts one message and writes it as one frame; c.wmu must be held.
func (c *rawClient) write(id int64, seq int32, msg bin.Encoder) error {
	// The least padding, as the server does: gotd's client cipher adds up
	// to 240 random bytes against traffic fingerprinting, which a load
	// generator need not pay for.
	if err := seal.Message(crypto.Client, c.key, c.salt, c.sid, id, seq, msg, &c.enc); err != nil {
		return err
	}
	c.frame = binary.LittleEndian.AppendUint32(c.frame, uint32(c.enc.Len()))
	c.frame = append(c.frame, c.enc.Buf...)
	_, err := c.conn.Write(c.frame)
	c.frame = c.frame[:0]
	return err
}

// readLoop reads, decrypts and handles the server's messages from conn
// until the connection ends, then fails the calls still waiting.
func (c *rawClient) readLoop(conn net.Conn) {
	r := bufio.NewReaderSize(conn, 4<<10)
	buf := &bin.Buffer{}
	var hdr [4]byte
	err := func() error {
		for {
			if _, err := io.ReadFull(r, hdr[:]); err != nil {
				return err
			}
			n, err := rawFrameLen(hdr[:])
			if err != nil {
				return err
			}
			if cap(buf.Buf) < n {
				buf.Buf = make([]byte, n)
			}
			buf.Buf = buf.Buf[:n]
			if _, err := io.ReadFull(r, buf.Buf); err != nil {
				return err
			}
			if err := c.frameIn(buf, r.Buffered() > 0); err != nil {
				return err
			}
		}
	}()
	c.stop(err)
}

// rawFrameLen is the length of the frame whose intermediate-transport
// header (4 bytes, little-endian) starts hdr; it refuses a frame past 16
// MiB, which no answer here comes near.
func rawFrameLen(hdr []byte) (int, error) {
	n := int(binary.LittleEndian.Uint32(hdr))
	if n > 1<<24 {
		return 0, fmt.Errorf("frame of %d bytes", n)
	}
	return n, nil
}

// frameIn decrypts and handles one frame from the server; more says that
// more frames came with it, so that what they all ask for goes out in one
// frame after the last.
func (c *rawClient) frameIn(buf *bin.Buffer, more bool) error {
	if buf.Len() == 4 {
		return fmt.Errorf("transport error %d", int32(binary.LittleEndian.Uint32(buf.Buf)))
	}
	m, err := seal.Open(crypto.Server, c.key, buf.Raw())
	if err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	if more {
		c.cork()
	}
	c.handle(m.MsgID, m.SeqNo, m.Body)
	if !more {
		if err := c.uncork(); err != nil {
			return fmt.Errorf("write held requests: %w", err)
		}
	}
	return nil
}

// stop ends the client after its reader stopped for err: the calls still
// waiting fail.
func (c *rawClient) stop(err error) {
	c.mu.Lock()
	calls := c.calls
	c.calls = map[int64]*rawCall{}
	c.mu.Unlock()
	if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
		err = errRawClosed
	}
	c.err = err
	close(c.done)
	for _, call := range calls {
		call.done(nil, err)
	}
}

// handle handles one message from the server (the inner ones of a
// container one by one).
func (c *rawClient) handle(msgID int64, seqNo int32, body []byte) {
	if len(body) < 4 {
		return
	}
	if seqNo&1 == 1 {
		c.wmu.Lock()
		c.acks = append(c.acks, msgID)
		c.wmu.Unlock()
	}
	b := &bin.Buffer{Buf: body}
	switch binary.LittleEndian.Uint32(body) {
	case proto.MessageContainerTypeID:
		var cont proto.MessageContainer
		if cont.Decode(b) == nil {
			for _, m := range cont.Messages {
				c.handle(m.ID, int32(m.SeqNo), m.Body)
			}
		}
	case proto.ResultTypeID:
		if len(body) < 16 {
			return
		}
		req := int64(binary.LittleEndian.Uint64(body[4:]))
		res, err := unpackResult(body[12:])
		c.finish(req, res, err)
	case mt.PongTypeID:
		var pong mt.Pong
		if pong.Decode(b) == nil {
			c.finish(pong.MsgID, body, nil)
		}
	case mt.BadServerSaltTypeID:
		var bad mt.BadServerSalt
		if bad.Decode(b) != nil {
			return
		}
		c.wmu.Lock()
		c.salt = bad.NewServerSalt
		c.wmu.Unlock()
		c.mu.Lock()
		call := c.calls[bad.BadMsgID]
		delete(c.calls, bad.BadMsgID)
		c.mu.Unlock()
		if call != nil {
			if err := c.send(call.body, call); err != nil {
				call.done(nil, err)
			}
		}
	case mt.BadMsgNotificationTypeID:
		var bad mt.BadMsgNotification
		if bad.Decode(b) == nil {
			c.finish(bad.BadMsgID, nil, fmt.Errorf("bad_msg_notification %d", bad.ErrorCode))
		}
	case mt.NewSessionCreatedTypeID:
		var ns mt.NewSessionCreated
		if ns.Decode(b) == nil {
			c.wmu.Lock()
			c.salt = ns.ServerSalt
			c.wmu.Unlock()
		}
	case mt.MsgsAckTypeID:
	case proto.GZIPTypeID:
		var gz proto.GZIP
		if gz.Decode(b) == nil {
			c.handle(msgID, 0, gz.Data)
		}
	default:
		if c.onUpdate != nil {
			c.onUpdate(body)
		}
	}
}

// finish hands a result to the call waiting for it, if any.
func (c *rawClient) finish(reqMsgID int64, res []byte, err error) {
	c.mu.Lock()
	call := c.calls[reqMsgID]
	delete(c.calls, reqMsgID)
	c.mu.Unlock()
	if call != nil {
		call.done(res, err)
	}
}

// unpackResult takes gzip_packed off an rpc_result's result and turns
// rpc_error into an error.
func unpackResult(res []byte) ([]byte, error) {
	if len(res) < 4 {
		return nil, fmt.Errorf("result of %d bytes", len(res))
	}
	if binary.LittleEndian.Uint32(res) == proto.GZIPTypeID {
		var gz proto.GZIP
		if err := gz.Decode(&bin.Buffer{Buf: res}); err != nil {
			return nil, err
		}
		res = gz.Data
	}
	if len(res) >= 4 && binary.LittleEndian.Uint32(res) == mt.RPCErrorTypeID {
		var e mt.RPCError
		if err := e.Decode(&bin.Buffer{Buf: res}); err != nil {
			return nil, err
		}
		return nil, &rawRPCError{code: e.ErrorCode, msg: e.ErrorMessage}
	}
	return res, nil
}

// rawAcker flushes the pending acks of idle clients: a client that sends
// requests acks in front of them, one that only receives (a bot that does
// not answer) would otherwise never ack.
type rawAcker struct {
	mu      sync.Mutex
	clients []*rawClient
	stop    chan struct{}
	done    chan struct{}
}

// ackSlices is how many slices the acker spreads each interval's flushes
// over: real clients ack on their own clocks, not all in the same
// millisecond, and a burst of a thousand ack frames at once would queue
// every press behind it.
const ackSlices = 16

// newRawAcker starts flushing every client once per interval, a slice of
// them at a time. Its goroutine counts as the clients' (label side=client).
func newRawAcker(interval time.Duration) *rawAcker {
	a := &rawAcker{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("side", "client")))
		t := time.NewTicker(interval / ackSlices)
		defer t.Stop()
		for tick := 0; ; tick = (tick + 1) % ackSlices {
			select {
			case <-a.stop:
				return
			case <-t.C:
			}
			a.mu.Lock()
			clients := a.clients
			a.mu.Unlock()
			for i := tick; i < len(clients); i += ackSlices {
				clients[i].flushAcks()
			}
		}
	}()
	return a
}

func (a *rawAcker) add(c *rawClient) {
	a.mu.Lock()
	a.clients = append(a.clients, c)
	a.mu.Unlock()
}

func (a *rawAcker) close() {
	close(a.stop)
	<-a.done
}

// rawTL encodes pre-serialized bytes as they are.
type rawTL []byte

func (r rawTL) Encode(b *bin.Buffer) error { b.Put(r); return nil }

// encodeTL serializes a TL object.
func encodeTL(obj bin.Encoder) []byte {
	b := &bin.Buffer{}
	if err := obj.Encode(b); err != nil {
		panic(fmt.Sprintf("encode %T: %v", obj, err))
	}
	return b.Raw()
}
