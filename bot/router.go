package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/tg"
)

// DefaultAnswerWithin is how long a handler has to answer before the Router
// answers for it, when Options.AnswerWithin is zero: well under the 15 s a
// server waits before telling the user BOT_RESPONSE_TIMEOUT.
const DefaultAnswerWithin = 2 * time.Second

// settleTimeout bounds an answer the Router sends on its own.
const settleTimeout = 10 * time.Second

// A Handler serves the callback queries routed to it. It may answer the
// query with q.Answer; if it does not, the Router answers for it.
type Handler interface {
	ServeQuery(ctx context.Context, q *Query) error
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, q *Query) error

// ServeQuery calls f(ctx, q).
func (f HandlerFunc) ServeQuery(ctx context.Context, q *Query) error { return f(ctx, q) }

// PanicError is what Options.OnError gets when a handler panics.
type PanicError struct {
	// Value is what the handler panicked with.
	Value any
	// Stack is the panicking goroutine's stack.
	Stack []byte
}

// Error describes the panic.
func (e *PanicError) Error() string { return fmt.Sprintf("bot: handler panicked: %v", e.Value) }

// ExpiredAnswer is how the Router answers, by default, a DataStore button
// whose payload is gone. Set Options.Expired to answer otherwise rather than
// changing it.
var ExpiredAnswer = Answer{Text: "This button has expired", Alert: true}

// Options configure a Router. The zero Options are ready to use.
type Options struct {
	// AnswerWithin is how long a handler has before the Router answers its
	// query with DefaultAnswer (DefaultAnswerWithin when zero). The handler
	// keeps running; its own Answer then reports ErrAlreadyAnswered.
	AnswerWithin time.Duration
	// DefaultAnswer is what the Router answers with for a handler that did
	// not answer in time, returned without answering, or panicked. The zero
	// Answer (an empty answer) by default.
	DefaultAnswer Answer
	// Fallback serves queries no route matches; nil answers them with
	// DefaultAnswer.
	Fallback Handler
	// Store resolves the keys of DataStore buttons back to their payloads
	// before routing; nil routes every button by its data as it is.
	Store *DataStore
	// Expired serves presses of DataStore buttons whose payload the store
	// no longer has (Query.Data is nil, Query.Key the key); nil answers
	// them with ExpiredAnswer.
	Expired Handler
	// OnError hears what went wrong while serving a query: a handler's
	// error, a *PanicError, or a failed answer. Nil logs to slog.Default().
	OnError func(q *Query, err error)
}

// prefixRoute is a handler for data starting with prefix.
type prefixRoute struct {
	prefix string
	h      Handler
}

// routes is one table of callback routes.
type routes struct {
	exact    map[string]Handler
	prefixes []prefixRoute // longest prefix first
}

func (t *routes) add(pattern string, prefix bool, h Handler) {
	if h == nil {
		panic("bot: nil handler for " + pattern)
	}
	if !prefix {
		if _, dup := t.exact[pattern]; dup {
			panic("bot: two handlers for data " + pattern)
		}
		if t.exact == nil {
			t.exact = map[string]Handler{}
		}
		t.exact[pattern] = h
		return
	}
	for _, p := range t.prefixes {
		if p.prefix == pattern {
			panic("bot: two handlers for prefix " + pattern)
		}
	}
	t.prefixes = append(t.prefixes, prefixRoute{pattern, h})
	sort.SliceStable(t.prefixes, func(i, j int) bool { return len(t.prefixes[i].prefix) > len(t.prefixes[j].prefix) })
}

func (t *routes) match(data string) Handler {
	if h, ok := t.exact[data]; ok {
		return h
	}
	for _, p := range t.prefixes {
		if strings.HasPrefix(data, p.prefix) {
			return p.h
		}
	}
	return nil
}

// Router sends callback queries to handlers by their data or game and sees
// that each is answered in time. Register routes before the bot starts
// receiving updates, or at any time: the Router is safe for concurrent use.
//
// Routes for data: an exact route wins over a prefix route, and a longer
// prefix over a shorter one. Queries from messages sent via the bot in inline
// mode try the InlineCallback routes first, then the Callback ones.
type Router struct {
	opts Options
	api  atomic.Pointer[tg.Client]

	mu     sync.RWMutex
	all    routes             // Callback and CallbackExact
	inline routes             // InlineCallback and InlineCallbackExact
	games  map[string]Handler // by game short name

	dispatcher tg.UpdateDispatcher
	running    sync.WaitGroup // handlers and the Router's own answers
}

// NewRouter makes a Router with no routes.
func NewRouter(opts Options) *Router {
	if opts.AnswerWithin <= 0 {
		opts.AnswerWithin = DefaultAnswerWithin
	}
	r := &Router{opts: opts, games: map[string]Handler{}, dispatcher: tg.NewUpdateDispatcher()}
	r.Register(r.dispatcher)
	return r
}

// Bind sets the bot's client the Router answers with and hands to handlers
// (Query.API). Call it before the client runs, e.g. with client.API() right
// after telegram.NewClient.
func (r *Router) Bind(api *tg.Client) { r.api.Store(api) }

// Callback routes the queries whose data starts with prefix to h; the
// empty prefix takes any data no other route takes.
func (r *Router) Callback(prefix string, h Handler) { r.add(&r.all, prefix, true, h) }

// CallbackExact routes the queries whose data is exactly data to h.
func (r *Router) CallbackExact(data string, h Handler) { r.add(&r.all, data, false, h) }

// InlineCallback routes the queries from messages sent via the bot in inline
// mode whose data starts with prefix to h.
func (r *Router) InlineCallback(prefix string, h Handler) { r.add(&r.inline, prefix, true, h) }

// InlineCallbackExact routes the queries from messages sent via the bot in
// inline mode whose data is exactly data to h.
func (r *Router) InlineCallbackExact(data string, h Handler) { r.add(&r.inline, data, false, h) }

// Game routes the presses of the game button of the game shortName to h,
// which usually answers with the game's URL: q.Answer(ctx, Answer{URL: url}).
func (r *Router) Game(shortName string, h Handler) {
	if h == nil {
		panic("bot: nil handler for game " + shortName)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.games[shortName]; dup {
		panic("bot: two handlers for game " + shortName)
	}
	r.games[shortName] = h
}

func (r *Router) add(t *routes, pattern string, prefix bool, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t.add(pattern, prefix, h)
}

// Handle serves the callback queries among updates, so that a Router can be
// a gotd client's telegram.UpdateHandler (or an updates.Manager's handler).
// It returns at once: handlers run on their own goroutines, under a context
// derived from ctx.
func (r *Router) Handle(ctx context.Context, updates tg.UpdatesClass) error {
	return r.dispatcher.Handle(ctx, updates)
}

// Register makes d hand its callback queries (OnBotCallbackQuery and
// OnInlineBotCallbackQuery) to the Router, for a bot that dispatches its
// other updates with d. It replaces any handlers d had for those two.
func (r *Router) Register(d tg.UpdateDispatcher) {
	d.OnBotCallbackQuery(func(ctx context.Context, e tg.Entities, u *tg.UpdateBotCallbackQuery) error {
		q := &Query{ID: u.QueryID, UserID: u.UserID, Peer: u.Peer, MsgID: u.MsgID, ChatInstance: u.ChatInstance,
			Data: u.Data, GameShortName: u.GameShortName, Update: u, Entities: e}
		return r.dispatch(ctx, q)
	})
	d.OnInlineBotCallbackQuery(func(ctx context.Context, e tg.Entities, u *tg.UpdateInlineBotCallbackQuery) error {
		q := &Query{ID: u.QueryID, UserID: u.UserID, InlineMessageID: u.MsgID, ChatInstance: u.ChatInstance,
			Data: u.Data, GameShortName: u.GameShortName, Update: u, Entities: e}
		return r.dispatch(ctx, q)
	})
}

// Wait blocks until every handler started so far has returned and every
// answer the Router sent on its own is done.
func (r *Router) Wait() { r.running.Wait() }

// dispatch starts serving q on its own goroutine.
func (r *Router) dispatch(ctx context.Context, q *Query) error {
	api := r.api.Load()
	if api == nil {
		return errors.New("bot: the Router has no client: call Bind")
	}
	q.API, q.router = api, r
	r.running.Add(1)
	go func() {
		defer r.running.Done()
		r.serve(ctx, q)
	}()
	return nil
}

// serve runs q's handler, answering for it at the deadline and after it
// returns if it did not.
func (r *Router) serve(parent context.Context, q *Query) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	r.running.Add(1)
	deadline := time.AfterFunc(r.opts.AnswerWithin, func() {
		defer r.running.Done()
		r.settle(parent, q)
	})
	if err := r.call(ctx, r.route(ctx, q), q); err != nil {
		r.report(q, err)
	}
	if deadline.Stop() {
		r.running.Done()
	}
	r.settle(parent, q)
}

// call runs h, turning a panic into a *PanicError.
func (r *Router) call(ctx context.Context, h Handler, q *Query) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return h.ServeQuery(ctx, q)
}

// route resolves a DataStore key and picks q's handler.
func (r *Router) route(ctx context.Context, q *Query) Handler {
	if s := r.opts.Store; s != nil && q.GameShortName == "" && s.IsKey(q.Data) {
		q.Key = q.Data
		payload, err := s.Get(ctx, string(q.Key))
		if err != nil {
			if !errors.Is(err, ErrDataNotFound) {
				r.report(q, err)
			}
			q.Data = nil
			if r.opts.Expired != nil {
				return r.opts.Expired
			}
			return answerWith(ExpiredAnswer)
		}
		q.Data = payload
	}
	r.mu.RLock()
	h := r.match(q)
	r.mu.RUnlock()
	if h != nil {
		return h
	}
	if r.opts.Fallback != nil {
		return r.opts.Fallback
	}
	return answerWith(r.opts.DefaultAnswer)
}

func (r *Router) match(q *Query) Handler {
	if q.GameShortName != "" {
		return r.games[q.GameShortName]
	}
	if q.Inline() {
		if h := r.inline.match(string(q.Data)); h != nil {
			return h
		}
	}
	return r.all.match(string(q.Data))
}

// answerWith is a handler answering a.
func answerWith(a Answer) Handler {
	return HandlerFunc(func(ctx context.Context, q *Query) error {
		err := q.Answer(ctx, a)
		if errors.Is(err, ErrAlreadyAnswered) {
			return nil
		}
		return err
	})
}

// settle answers q with the default answer unless it is answered already.
func (r *Router) settle(ctx context.Context, q *Query) {
	if ctx.Err() != nil {
		return // the client is stopping: no answer can go out
	}
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	if sent, err := q.settle(ctx, r.opts.DefaultAnswer); sent && err != nil {
		r.report(q, fmt.Errorf("bot: default answer: %w", err))
	}
}

func (r *Router) report(q *Query, err error) {
	if r.opts.OnError != nil {
		r.opts.OnError(q, err)
		return
	}
	slog.Default().Warn("callback query", "query_id", q.ID, "data", string(q.Data), "error", err)
}
