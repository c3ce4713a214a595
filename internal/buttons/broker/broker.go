// Package broker pairs a user's messages.getBotCallbackAnswer with the bot's
// messages.setBotCallbackAnswer, in memory.
//
// The domain checks the peer, the message, the button and any SRP proof, then
// calls Begin, which draws a fresh query id and registers the query. The
// domain pushes updateBotCallbackQuery (or updateInlineBotCallbackQuery) with
// that id to the bot's sessions and then calls Pending.Wait, which returns the
// bot's answer, BOT_RESPONSE_TIMEOUT once the timeout passes, or the context's
// error. Because the query is registered before the update leaves, an answer
// that arrives before Wait is called is kept, not lost. Answer checks the
// bot's messages.setBotCallbackAnswer and hands it to the waiter.
//
// Expiry costs no goroutine or timer per query: every query of a Broker has
// the same timeout, so deadlines are ordered as queries begin, and a FIFO
// queue replaces a heap. One goroutine per Broker (Run) wakes when the oldest
// deadline passes; owners that keep their own clock call Tick instead. Ids of
// answered, expired and abandoned queries are remembered for Options.Retain
// after their deadline, so a late answer gets QUERY_ID_INVALID and a new
// query never reuses a recent id; after that they are forgotten and memory
// stays bounded by the query rate. A finished query's record is let go at
// once: what is remembered is its id and deadline, in structures without
// pointers, which the garbage collector does not scan.
//
// The broker does not de-duplicate resent requests: the MTProto session drops
// a repeated msg_id before it reaches the RPC layer, so a resent
// getBotCallbackAnswer never begins a second query and a resent
// setBotCallbackAnswer never answers twice. A bot that calls
// setBotCallbackAnswer twice under different msg_ids gets QUERY_ID_INVALID
// the second time, as from Telegram.
package broker

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/buttonflow/buttonflow/internal/workers"
)

// Errors a client can see, with Telegram's codes and names.
var (
	// ErrBotResponseTimeout is what messages.getBotCallbackAnswer returns when
	// the bot did not answer within the timeout.
	ErrBotResponseTimeout = tgerr.New(400, "BOT_RESPONSE_TIMEOUT")
	// ErrQueryIDInvalid is what messages.setBotCallbackAnswer returns for a
	// query id that is unknown, belongs to another bot, was already answered,
	// or whose wait has ended (timed out, or the user is gone).
	ErrQueryIDInvalid = tgerr.New(400, "QUERY_ID_INVALID")
	// ErrURLInvalid is what messages.setBotCallbackAnswer returns for a url
	// the user's client may not open without asking; see Answer.
	ErrURLInvalid = tgerr.New(400, "URL_INVALID")
	// ErrMessageTooLong is what messages.setBotCallbackAnswer returns for a
	// message longer than MaxMessageLength.
	ErrMessageTooLong = tgerr.New(400, "MESSAGE_TOO_LONG")
)

// ErrClosed is returned by Begin, Wait and Run once the Broker is closed. It
// is not an RPC error: the RPC layer answers it as an internal error.
var ErrClosed = errors.New("broker: closed")

// Defaults for the zero fields of Options, and the limits of answers.
const (
	// DefaultTimeout is how long a user waits for the bot; Telegram answers
	// BOT_RESPONSE_TIMEOUT after about 15 s.
	DefaultTimeout = 15 * time.Second
	// DefaultResolution is the least time between two expiry passes of Run.
	DefaultResolution = 100 * time.Millisecond
	// MaxMessageLength is the longest answer message, in Unicode code
	// points: the Bot API's "0-200 characters".
	MaxMessageLength = 200
	// MaxCacheTime is the longest cache_time, in seconds (30 days); longer
	// ones are clamped to it, as the Bot API does.
	MaxCacheTime = 2592000
)

// maxIDTries bounds the draws of a query id; a draw fails (zero or in use)
// with probability far below 2^-40.
const maxIDTries = 8

// Options configures a Broker. Zero fields take the defaults.
type Options struct {
	// Timeout is how long Wait waits for the bot; default DefaultTimeout.
	Timeout time.Duration
	// Retain is how long the id of a finished query is remembered after its
	// deadline, so late answers get QUERY_ID_INVALID; default Timeout.
	Retain time.Duration
	// Resolution is the least time Run sleeps between expiry passes, so
	// that many deadlines close together cost one wake-up; a query may time
	// out up to Resolution late. Default DefaultResolution.
	Resolution time.Duration
	// Clock returns the current time; default time.Now. It may be called
	// concurrently and should not go backwards (deadlines never do: a query
	// never gets an earlier deadline than the one begun before it).
	Clock func() time.Time
	// After returns a channel that receives once d has passed on Clock; Run
	// uses it to sleep. Default: one reused time.Timer.
	After func(d time.Duration) <-chan time.Time
	// Rand is the source of query ids; default crypto/rand.Reader. Reads from
	// it are serialized.
	Rand io.Reader
	// Logger receives debug records of timeouts; default none.
	Logger *slog.Logger
}

// Query is a callback query the domain has checked and is about to send to a
// bot.
type Query struct {
	// BotID is the bot that must answer; only it may answer the query.
	BotID int64
	// UserID is the user who pressed the button.
	UserID int64
	// BotUsername is the bot's username, without "@": answers may link to
	// t.me/<BotUsername>?start=<parameter>. Empty when the bot has none.
	BotUsername string
	// Game says the pressed button was a keyboardButtonGame (getBotCallbackAnswer
	// with the game flag).
	Game bool
	// GameShortName is the short name of the message's game, for the
	// update's game_short_name; the broker only keeps it.
	GameShortName string
	// GameURLs are the URLs the bot may answer a game query with; see
	// Answer. Ignored unless Game is set.
	GameURLs []string
}

// Broker pairs callback queries with their answers. It is safe for
// concurrent use. Run (or regular calls to Tick) must be going for queries to
// time out.
type Broker struct {
	clock      func() time.Time
	after      func(time.Duration) <-chan time.Time
	log        *slog.Logger
	epoch      time.Time
	timeout    int64 // nanoseconds, like every time below
	retain     int64
	resolution time.Duration

	randMu sync.Mutex
	rand   io.Reader

	callbacks *workers.Pool // runs the functions given to Then

	kick      chan struct{} // Run's wake-up when the first query begins
	closing   chan struct{} // closed by Close
	closeOnce sync.Once

	// The ids and deadlines of finished queries are kept in structures
	// without pointers, and a finished query's record is let go at once:
	// the garbage collector neither keeps nor scans a retention window's
	// worth of records.
	mu       sync.Mutex
	closed   bool
	pending  map[int64]*Pending // queries waiting for their answer, by id
	used     map[int64]struct{} // ids begun and not yet forgotten (pending ones too)
	waiting  fifo               // every query not yet past its deadline, in deadline order
	retained fifo               // queries past their deadline, until deadline+retain
	last     int64              // the latest deadline given
}

// callbackIdle is how long a goroutine that ran a Then function waits for
// the next before it exits. Reused goroutines keep the stack that encoding,
// encrypting and writing an answer grew.
const callbackIdle = 10 * time.Second

// callbackIdlers bounds the goroutines kept for Then functions: a burst (a
// bot's thousands of queries timing out together) leaves no more behind.
const callbackIdlers = 64

// New returns a Broker configured by opts. Start its Run.
func New(opts Options) *Broker {
	b := &Broker{
		clock:      opts.Clock,
		after:      opts.After,
		log:        opts.Logger,
		rand:       opts.Rand,
		resolution: opts.Resolution,
		callbacks:  workers.New(callbackIdle, callbackIdlers),
		kick:       make(chan struct{}, 1),
		closing:    make(chan struct{}),
		pending:    make(map[int64]*Pending),
		used:       make(map[int64]struct{}),
	}
	if b.clock == nil {
		b.clock = time.Now
	}
	if b.rand == nil {
		b.rand = rand.Reader
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.resolution <= 0 {
		b.resolution = DefaultResolution
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	retain := opts.Retain
	if retain <= 0 {
		retain = timeout
	}
	b.timeout, b.retain = int64(timeout), int64(retain)
	b.epoch = b.clock()
	return b
}

// state is where a query is in its life. Only pending queries can be
// answered; the others are remembered until forgotten.
type state uint8

const (
	pending  state = iota
	answered       // the bot answered; answer is set
	expired        // the timeout passed
	canceled       // the waiter's context ended, or Cancel
	closed         // the Broker closed
)

// Pending is a callback query waiting for the bot's answer.
type Pending struct {
	b        *Broker
	id       int64
	q        Query
	deadline int64 // since b.epoch
	done     chan struct{}

	// Guarded by b.mu; fixed once done is closed.
	state  state
	answer *tg.MessagesBotCallbackAnswer
	then   func(*tg.MessagesBotCallbackAnswer, error)
}

// Begin registers q under a fresh random non-zero query id and starts its
// timeout. The caller sends the id to the bot and then calls Wait; it calls
// Cancel instead if the bot cannot be told. Errors are internal: ErrClosed,
// a zero BotID, or unreadable randomness.
func (b *Broker) Begin(q Query) (*Pending, error) {
	if q.BotID == 0 {
		return nil, errors.New("broker: query without a bot")
	}
	p := &Pending{b: b, q: q, done: make(chan struct{})}
	for range maxIDTries {
		id, err := b.drawID()
		if err != nil {
			return nil, err
		}
		ok, err := b.register(p, id)
		if err != nil {
			return nil, err
		}
		if ok {
			return p, nil
		}
	}
	return nil, errors.New("broker: no free query id after repeated draws; is Options.Rand random?")
}

// register adds p under id unless id is zero or in use.
func (b *Broker) register(p *Pending, id int64) (bool, error) {
	now := int64(b.clock().Sub(b.epoch))
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false, ErrClosed
	}
	if _, used := b.used[id]; used || id == 0 {
		return false, nil
	}
	p.id = id
	p.deadline = max(now+b.timeout, b.last)
	b.last = p.deadline
	b.pending[id] = p
	b.used[id] = struct{}{}
	if b.waiting.len() == 0 {
		// Run may be asleep with nothing to wait for.
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
	b.waiting.push(entry{id: id, deadline: p.deadline})
	return true, nil
}

func (b *Broker) drawID() (int64, error) {
	var buf [8]byte
	b.randMu.Lock()
	_, err := io.ReadFull(b.rand, buf[:])
	b.randMu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("broker: draw query id: %w", err)
	}
	return int64(binary.LittleEndian.Uint64(buf[:])), nil
}

// Ask begins q, calls notify with its query id (to push the update to the
// bot), and waits for the answer. If notify fails the query is canceled and
// the error returned, wrapped.
func (b *Broker) Ask(ctx context.Context, q Query, notify func(queryID int64) error) (*tg.MessagesBotCallbackAnswer, error) {
	p, err := b.Begin(q)
	if err != nil {
		return nil, err
	}
	if err := notify(p.ID()); err != nil {
		p.Cancel()
		return nil, fmt.Errorf("broker: notify bot %d of query: %w", q.BotID, err)
	}
	return p.Wait(ctx)
}

// ID is the query id, for updateBotCallbackQuery.query_id.
func (p *Pending) ID() int64 { return p.id }

// Query is the query as begun.
func (p *Pending) Query() Query { return p.q }

// Deadline is when the query times out.
func (p *Pending) Deadline() time.Time { return p.b.epoch.Add(time.Duration(p.deadline)) }

// Wait returns the bot's answer; ErrBotResponseTimeout once the timeout
// passes; ErrClosed if the Broker closes; or ctx's error if ctx ends first,
// after which the bot's answer gets QUERY_ID_INVALID. An answer accepted
// before ctx ended is returned even if ctx has ended since. Wait after Cancel
// or after an earlier Wait ended by its context returns context.Canceled.
func (p *Pending) Wait(ctx context.Context) (*tg.MessagesBotCallbackAnswer, error) {
	select {
	case <-p.done:
	case <-ctx.Done():
		if p.finish(canceled, nil) {
			return nil, ctx.Err()
		}
		// The outcome was settled first; done is closed.
	}
	return p.result()
}

// result is what a settled query comes to.
func (p *Pending) result() (*tg.MessagesBotCallbackAnswer, error) {
	switch p.state {
	case answered:
		return p.answer, nil
	case expired:
		return nil, ErrBotResponseTimeout
	case closed:
		return nil, ErrClosed
	default:
		return nil, context.Canceled
	}
}

// Then has fn called once, with what Wait would return, when the query is
// settled (answered, timed out, canceled or closed), so that nothing has to
// block in Wait meanwhile: a waiting query then costs its record and fn's
// closure, not a goroutine and its stack. fn runs on a goroutine of its own
// (one that ran an earlier fn when one is idle), never on the caller's nor
// under the broker's lock, so a slow fn holds up no other. Use either Then
// or Wait for a query, and Then at most once.
func (p *Pending) Then(fn func(*tg.MessagesBotCallbackAnswer, error)) {
	p.b.mu.Lock()
	if p.state == pending {
		p.then = fn
		p.b.mu.Unlock()
		return
	}
	p.b.mu.Unlock()
	ans, err := p.result()
	p.b.callbacks.Go(func() { fn(ans, err) })
}

// Cancel abandons the query, if still pending: a waiter gets
// context.Canceled and the bot's answer QUERY_ID_INVALID.
func (p *Pending) Cancel() { p.finish(canceled, nil) }

// finish moves p from pending to s, with answer a, and wakes the waiter. It
// reports false if p was no longer pending.
func (p *Pending) finish(s state, a *tg.MessagesBotCallbackAnswer) bool {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return p.finishLocked(s, a)
}

func (p *Pending) finishLocked(s state, a *tg.MessagesBotCallbackAnswer) bool {
	if p.state != pending {
		return false
	}
	p.state, p.answer = s, a
	delete(p.b.pending, p.id)
	close(p.done)
	if fn := p.then; fn != nil {
		p.then = nil
		ans, err := p.result()
		p.b.callbacks.Go(func() { fn(ans, err) })
	}
	return true
}

// Len is the number of queries waiting for an answer.
func (b *Broker) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending)
}

// Close fails every waiting query with ErrClosed, makes Begin fail and Run
// return, and forgets all query ids. It is safe to call more than once.
func (b *Broker) Close() {
	b.closeOnce.Do(func() { close(b.closing) })
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for _, p := range b.pending {
		p.finishLocked(closed, nil)
	}
	b.pending, b.used = nil, nil
	b.waiting, b.retained = fifo{}, fifo{}
	b.callbacks.Close() // the functions just given still run
}
