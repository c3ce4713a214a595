// Package rpc routes decoded MTProto API requests to handlers, the way net/http
// routes requests: a Handler interface, a HandlerFunc adapter, a Mux keyed by
// the request's TL constructor id, and middleware as plain wrapping.
//
// Requests reach the mux already converted to the newest TL layer (see
// internal/layer); handlers decode them with gotd/td's tg types and return a
// bin.Encoder or a *tgerr.Error with Telegram's error code and name.
package rpc

import (
	"context"
	"errors"
	"fmt"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tgerr"
)

// Session describes who sent a request: the MTProto session and what is
// logged in on its auth key.
type Session struct {
	// AuthKeyID is the id of the auth key the request was encrypted with.
	AuthKeyID int64
	// PermAuthKeyID is the permanent key the session acts for: AuthKeyID itself,
	// or the key a temporary key is bound to. Zero for an unbound temporary key.
	PermAuthKeyID int64
	// SessionID is the client's session id.
	SessionID int64
	// Layer is the TL layer the client speaks.
	Layer int
	// UserID is the logged-in account, zero when none.
	UserID int64
	// Bot reports whether UserID is a bot.
	Bot bool
	// RemoteAddr is the client's network address.
	RemoteAddr string
}

// Request is one API call.
type Request struct {
	// ID is the TL constructor id of the method.
	ID uint32
	// Body holds the serialized request in the newest layer, constructor id
	// included; handlers decode it.
	Body *bin.Buffer
	// MsgID is the client's msg_id of the request.
	MsgID int64
	// Session is who sent it.
	Session Session
}

// Handler serves one API method.
type Handler interface {
	ServeRPC(ctx context.Context, req *Request) (bin.Encoder, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Request) (bin.Encoder, error)

// ServeRPC calls f.
func (f HandlerFunc) ServeRPC(ctx context.Context, req *Request) (bin.Encoder, error) {
	return f(ctx, req)
}

// Typed adapts a handler of a concrete tg request type: the request body is
// decoded into a new Req before fn is called, and a body that does not decode
// is answered with 400 INPUT_REQUEST_INVALID.
func Typed[Req any, PReq interface {
	*Req
	bin.Decoder
}, Res bin.Encoder](fn func(ctx context.Context, s Session, req PReq) (Res, error)) Handler {
	return HandlerFunc(func(ctx context.Context, r *Request) (bin.Encoder, error) {
		req := PReq(new(Req))
		if err := req.Decode(r.Body); err != nil {
			return nil, ErrInputRequestInvalid
		}
		return fn(ctx, r.Session, req)
	})
}

// Errors every method may return.
var (
	// ErrMethodInvalid answers a method the server does not implement.
	ErrMethodInvalid = tgerr.New(400, "METHOD_INVALID")
	// ErrInputMethodInvalid answers a constructor id that is no method at all.
	ErrInputMethodInvalid = tgerr.New(400, "INPUT_METHOD_INVALID")
	// ErrInputRequestInvalid answers a request whose body does not decode.
	ErrInputRequestInvalid = tgerr.New(400, "INPUT_REQUEST_INVALID")
	// ErrAuthKeyUnregistered answers a method that needs a login on a key with none.
	ErrAuthKeyUnregistered = tgerr.New(401, "AUTH_KEY_UNREGISTERED")
	// ErrUserBotRequired answers a bot-only method called by a user.
	ErrUserBotRequired = tgerr.New(400, "USER_BOT_REQUIRED")
	// ErrBotMethodInvalid answers a user-only method called by a bot.
	ErrBotMethodInvalid = tgerr.New(400, "BOT_METHOD_INVALID")
	// ErrInternal answers a failure inside the server; details go to the log.
	ErrInternal = tgerr.New(500, "INTERNAL")
)

// AsyncHandler serves a method whose answer may come long after the call
// returns (a callback query waits for its bot): it does its checks, then
// calls reply exactly once, now or later, from any goroutine. Nothing has to
// block meanwhile, so a waiting call holds no goroutine.
type AsyncHandler func(ctx context.Context, req *Request, reply func(bin.Encoder, error))

// Route is a registered method: its handler and how the session must run it.
type Route struct {
	Handler Handler
	// Async, when set instead of Handler, serves the method asynchronously;
	// the session acks such calls at once.
	Async AsyncHandler
	// Public methods work without a login (help.getConfig, auth.sendCode…).
	Public bool
	// Slow methods may wait long (a callback answer waits for the bot): the
	// session acks them at once and runs them outside the connection's read loop.
	Slow bool
	// Lazy methods have results their callers rarely wait for (a bot's
	// setBotCallbackAnswer): the session may hold the result briefly, so
	// that it shares a frame with the next message to the client.
	Lazy bool
}

// Option changes how a method is registered.
type Option func(*Route)

// Public marks a method as callable without a login.
func Public() Option { return func(r *Route) { r.Public = true } }

// Slow marks a method as one that may wait long.
func Slow() Option { return func(r *Route) { r.Slow = true } }

// Lazy marks a method whose result may wait briefly for company.
func Lazy() Option { return func(r *Route) { r.Lazy = true } }

// Mux routes requests by TL constructor id.
type Mux struct {
	routes   map[uint32]*Route
	isMethod func(id uint32) bool
}

// NewMux returns an empty Mux. isMethod tells a method the server does not
// implement (METHOD_INVALID) from a constructor id that names no method
// (INPUT_METHOD_INVALID); nil treats every id as a method.
func NewMux(isMethod func(id uint32) bool) *Mux {
	return &Mux{routes: make(map[uint32]*Route), isMethod: isMethod}
}

// Handle registers h for the method with constructor id; registering an id twice panics.
func (m *Mux) Handle(id uint32, h Handler, opts ...Option) {
	if _, dup := m.routes[id]; dup {
		panic(fmt.Sprintf("rpc: method %#x registered twice", id))
	}
	r := &Route{Handler: h}
	for _, o := range opts {
		o(r)
	}
	m.routes[id] = r
}

// HandleAsync registers h for the method with constructor id, like Handle.
func (m *Mux) HandleAsync(id uint32, h AsyncHandler, opts ...Option) {
	if _, dup := m.routes[id]; dup {
		panic(fmt.Sprintf("rpc: method %#x registered twice", id))
	}
	r := &Route{Async: h}
	for _, o := range opts {
		o(r)
	}
	m.routes[id] = r
}

// Lookup returns the route for a method, or nil.
func (m *Mux) Lookup(id uint32) *Route { return m.routes[id] }

// Serve runs the request through its route with the login checks, and turns
// any error that is not a *tgerr.Error into ErrInternal (the caller logs the
// original, which Serve returns as internal).
func (m *Mux) Serve(ctx context.Context, req *Request) (res bin.Encoder, rpcErr *tgerr.Error, internal error) {
	route, gate := m.gate(req)
	if gate != nil {
		return nil, gate, nil
	}
	if route.Async != nil {
		// Served here too, by waiting for the reply (tests and callers that
		// do not run async routes themselves).
		done := make(chan struct{})
		route.Async(ctx, req, func(r bin.Encoder, err error) {
			res, rpcErr, internal = outcome(r, err)
			close(done)
		})
		<-done
		return res, rpcErr, internal
	}
	return outcome(route.Handler.ServeRPC(ctx, req))
}

// ServeAsync runs req through an async route with the login checks, and
// calls done once with the outcome (as Serve returns it), possibly later and
// from another goroutine. It reports false, calling nothing, when req's
// route is an ordinary one; a request the gates refuse (no route, no login)
// is answered through done.
func (m *Mux) ServeAsync(ctx context.Context, req *Request, done func(res bin.Encoder, rpcErr *tgerr.Error, internal error)) bool {
	route, gate := m.gate(req)
	switch {
	case gate != nil:
		done(nil, gate, nil)
		return true
	case route.Async == nil:
		return false
	}
	route.Async(ctx, req, func(r bin.Encoder, err error) { done(outcome(r, err)) })
	return true
}

// gate finds req's route and checks that the caller may call it.
func (m *Mux) gate(req *Request) (*Route, *tgerr.Error) {
	route := m.routes[req.ID]
	switch {
	case route == nil && m.isMethod != nil && !m.isMethod(req.ID):
		return nil, ErrInputMethodInvalid
	case route == nil && req.Session.UserID == 0:
		return nil, ErrAuthKeyUnregistered
	case route == nil:
		return nil, ErrMethodInvalid
	case !route.Public && req.Session.UserID == 0:
		return nil, ErrAuthKeyUnregistered
	}
	return route, nil
}

// outcome sorts a handler's result: an answer, a Telegram error, or an
// internal error (answered with ErrInternal, the original returned for the log).
func outcome(res bin.Encoder, err error) (bin.Encoder, *tgerr.Error, error) {
	if err == nil {
		return res, nil, nil
	}
	var te *tgerr.Error
	if errors.As(err, &te) {
		return nil, te, nil
	}
	return nil, ErrInternal, err
}

// BotsOnly wraps h so that users calling it get USER_BOT_REQUIRED.
func BotsOnly(h Handler) Handler {
	return HandlerFunc(func(ctx context.Context, req *Request) (bin.Encoder, error) {
		if !req.Session.Bot {
			return nil, ErrUserBotRequired
		}
		return h.ServeRPC(ctx, req)
	})
}

// UsersOnly wraps h so that bots calling it get BOT_METHOD_INVALID.
func UsersOnly(h Handler) Handler {
	return HandlerFunc(func(ctx context.Context, req *Request) (bin.Encoder, error) {
		if req.Session.Bot {
			return nil, ErrBotMethodInvalid
		}
		return h.ServeRPC(ctx, req)
	})
}
