package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/buttonflow/buttonflow/internal/layer"
	"github.com/buttonflow/buttonflow/internal/rpc"
	"github.com/buttonflow/buttonflow/internal/store"
	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// Results larger than this are sent gzip_packed.
const gzipThreshold = 1024

// errLayerInvalid answers invokeWithLayer with a layer we have no schema for.
var errLayerInvalid = tgerr.New(400, "CONNECTION_LAYER_INVALID")

// errButtonTypeInvalid answers an old-layer button in the wrong kind of
// keyboard (a callback button in a reply keyboard), which the newest layer
// cannot even express.
var errButtonTypeInvalid = tgerr.New(400, "BUTTON_TYPE_INVALID")

// convertError is the RPC error for a request that does not convert to the
// newest layer.
func convertError(err error) *tgerr.Error {
	var ce *layer.ConstructorError
	if errors.As(err, &ce) && strings.Contains(strings.ToLower(ce.Constructor), "keyboardbutton") {
		return errButtonTypeInvalid
	}
	return rpc.ErrInputRequestInvalid
}

// call is an API request after its wrappers are taken off.
type call struct {
	msgID     int64
	layer     int
	body      []byte // the request in the client's layer
	noUpdates bool
	client    *store.ClientInfo // from initConnection
}

// invoke runs an API request: wrappers (invokeWithLayer, initConnection,
// invokeWithoutUpdates, invokeAfterMsg(s)) are taken off and honoured, the
// request is converted to the newest layer and served by the mux.
func (srv *Server) invoke(ctx context.Context, c *conn, s *Session, msgID int64, body []byte) error {
	cl := call{msgID: msgID, layer: s.Layer(), body: body}
	if err := unwrap(&cl); err != nil {
		return srv.replyError(ctx, c, s, msgID, rpc.ErrInputRequestInvalid)
	}
	if !srv.layers.Supported(cl.layer) {
		return srv.replyError(ctx, c, s, msgID, errLayerInvalid)
	}
	s.mu.Lock()
	s.layer = cl.layer
	s.mu.Unlock()
	c.gotAPI.Store(true)
	if !cl.noUpdates {
		c.noUpdates.Store(false)
	}
	if cl.client != nil {
		cl.client.IP = c.remote
		cl.client.UpdatedAt = srv.now()
		if err := srv.opts.Store.AuthKeys().SetClient(ctx, s.key.id, *cl.client); err != nil {
			srv.log.Warn("record initConnection", "err", err)
		}
	}
	latest, err := srv.layers.UpRequest(cl.layer, cl.body)
	if err != nil || len(latest) < 4 {
		srv.log.Debug("request does not convert", "layer", cl.layer, "err", err)
		return srv.replyError(ctx, c, s, msgID, convertError(err))
	}
	permID, userID, bot := s.key.login()
	req := &rpc.Request{
		ID:    binary.LittleEndian.Uint32(latest),
		Body:  &bin.Buffer{Buf: latest},
		MsgID: msgID,
		Session: rpc.Session{
			AuthKeyID: s.key.id, PermAuthKeyID: permID, SessionID: s.id, Layer: cl.layer,
			UserID: userID, Bot: bot, RemoteAddr: c.remote,
		},
	}
	if req.ID == tg.AuthBindTempAuthKeyRequestTypeID {
		return srv.bindTempAuthKey(ctx, c, s, req)
	}
	s.mu.Lock()
	s.inbox.SetRunning(msgID)
	s.mu.Unlock()
	route := srv.opts.Mux.Lookup(req.ID)
	if route != nil && route.Async != nil {
		// The handler's checks run here and its answer is delivered
		// whenever it comes, with no goroutine waiting for it. The ack goes
		// with the answer when that comes soon, else on its own.
		srv.holdAcks(s, c)
		srv.wg.Add(1)
		srv.opts.Mux.ServeAsync(ctx, req, func(res bin.Encoder, rpcErr *tgerr.Error, internal error) {
			defer srv.wg.Done()
			srv.reply(srv.life, s, req, res, rpcErr, internal)
		})
		return nil
	} else if route != nil && route.Slow {
		// Acked soon (with the answer, or on its own), so the client does
		// not resend it while it waits.
		srv.holdAcks(s, c)
		srv.wg.Add(1)
		go func() {
			defer srv.wg.Done()
			srv.serveRPC(srv.life, s, req)
		}()
		return nil
	}
	if route != nil && route.Lazy {
		// Its result waits (with the pending acks, up to LazyDelay) for the
		// next message to the client, and shares its frame.
		res, rpcErr, internal := srv.opts.Mux.Serve(ctx, req)
		srv.holdResult(s, c, srv.resultMsg(req, res, rpcErr, internal))
		return nil
	}
	srv.serveRPC(ctx, s, req)
	return nil
}

// serveRPC runs req through the mux and delivers its rpc_result.
func (srv *Server) serveRPC(ctx context.Context, s *Session, req *rpc.Request) {
	res, rpcErr, internal := srv.opts.Mux.Serve(ctx, req)
	srv.reply(ctx, s, req, res, rpcErr, internal)
}

// reply encodes the outcome of req in the client's layer and delivers it as
// the rpc_result.
func (srv *Server) reply(ctx context.Context, s *Session, req *rpc.Request, res bin.Encoder, rpcErr *tgerr.Error, internal error) {
	srv.deliver(ctx, s, srv.resultMsg(req, res, rpcErr, internal))
}

// resultMsg encodes the outcome of req in the client's layer as its
// rpc_result.
func (srv *Server) resultMsg(req *rpc.Request, res bin.Encoder, rpcErr *tgerr.Error, internal error) outMsg {
	if internal != nil {
		name, _ := srv.layers.MethodName(req.ID)
		srv.log.Error("rpc failed", "method", name, "err", internal)
	}
	var result []byte
	if rpcErr == nil {
		var err error
		if result, err = srv.encodeResult(req, res); err != nil {
			name, _ := srv.layers.MethodName(req.ID)
			srv.log.Error("encode rpc result", "method", name, "err", err)
			rpcErr = rpc.ErrInternal
		}
	}
	if rpcErr != nil {
		result = encode(&mt.RPCError{ErrorCode: rpcErr.Code, ErrorMessage: rpcErr.Message})
	}
	body := encode(&proto.Result{RequestMessageID: req.MsgID, Result: result})
	return outMsg{body: body, content: true, response: true, reqMsgID: req.MsgID}
}

// encodeResult serializes a handler's result in the client's layer, gzip_packed when large.
func (srv *Server) encodeResult(req *rpc.Request, res bin.Encoder) ([]byte, error) {
	if res == nil {
		return nil, errors.New("handler returned no result")
	}
	out, err := tlenc.Encode(res)
	if err != nil {
		return nil, err
	}
	if req.Session.Layer != layer.Latest {
		var err error
		if out, err = srv.layers.DownResult(req.Session.Layer, req.ID, out); err != nil {
			return nil, fmt.Errorf("convert to layer %d: %w", req.Session.Layer, err)
		}
	}
	if len(out) > gzipThreshold {
		z := &bin.Buffer{}
		if err := (proto.GZIP{Data: out}).Encode(z); err == nil && z.Len() < len(out) {
			return z.Raw(), nil
		}
	}
	return out, nil
}

func (srv *Server) replyError(ctx context.Context, c *conn, s *Session, msgID int64, e *tgerr.Error) error {
	body := encode(&proto.Result{
		RequestMessageID: msgID,
		Result:           encode(&mt.RPCError{ErrorCode: e.Code, ErrorMessage: e.Message}),
	})
	return srv.send(ctx, s, c, outMsg{body: body, content: true, response: true, reqMsgID: msgID})
}

// Wrapper constructors; their ids are the same in every layer we support.
const (
	invokeWithLayerID      = 0xda9b0d0d
	initConnectionID       = 0xc1cd5ea9
	invokeWithoutUpdatesID = 0xbf9459b7
	invokeAfterMsgID       = 0xcb9f372d
	invokeAfterMsgsID      = 0x3dc4b4f0
	inputClientProxyID     = 0x75588b3f
)

// unwrap takes the invoke* and initConnection wrappers off cl.body.
func unwrap(cl *call) error {
	for depth := 0; depth < 8; depth++ {
		b := &bin.Buffer{Buf: cl.body}
		id, err := b.ID()
		if err != nil {
			return err
		}
		switch id {
		case invokeWithLayerID:
			l, err := b.Int()
			if err != nil {
				return err
			}
			cl.layer = l
		case initConnectionID:
			info, err := decodeInitConnection(b)
			if err != nil {
				return err
			}
			cl.client = info
		case invokeWithoutUpdatesID:
			cl.noUpdates = true
		case invokeAfterMsgID:
			if _, err := b.Long(); err != nil {
				return err
			}
		case invokeAfterMsgsID:
			if _, err := longVector(b); err != nil {
				return err
			}
		default:
			return nil
		}
		// Requests are served in the order they arrive on a connection, so
		// invokeAfterMsg(s) holds once its wrapper is off.
		cl.body = b.Buf
	}
	return errors.New("wrappers nested too deep")
}

// decodeInitConnection reads initConnection's fields (all but the query) from b.
func decodeInitConnection(b *bin.Buffer) (*store.ClientInfo, error) {
	flags, err := b.Int()
	if err != nil {
		return nil, err
	}
	info := &store.ClientInfo{}
	if info.APIID, err = b.Int(); err != nil {
		return nil, err
	}
	for _, dst := range []*string{&info.DeviceModel, &info.SystemVersion, &info.AppVersion,
		&info.SystemLangCode, &info.LangPack, &info.LangCode} {
		if *dst, err = b.String(); err != nil {
			return nil, err
		}
	}
	if flags&1 != 0 { // proxy:flags.0?InputClientProxy
		if err := b.ConsumeID(inputClientProxyID); err != nil {
			return nil, err
		}
		if _, err := b.String(); err != nil {
			return nil, err
		}
		if _, err := b.Int(); err != nil {
			return nil, err
		}
	}
	if flags&2 != 0 { // params:flags.1?JSONValue
		if _, err := tg.DecodeJSONValue(b); err != nil {
			return nil, err
		}
	}
	return info, nil
}

// longVector reads a boxed Vector<long>.
func longVector(b *bin.Buffer) ([]int64, error) {
	n, err := b.VectorHeader()
	if err != nil {
		return nil, err
	}
	if n < 0 || n > b.Len()/8 {
		return nil, fmt.Errorf("vector of %d longs in %d bytes", n, b.Len())
	}
	out := make([]int64, n)
	for i := range out {
		if out[i], err = b.Long(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func randInt64(r io.Reader) (int64, error) {
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, fmt.Errorf("randomness: %w", err)
	}
	return int64(binary.LittleEndian.Uint64(b[:])), nil
}
