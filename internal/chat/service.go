// Package chat is buttonflow's domain: accounts and login (by phone, 2FA and
// bot tokens), users as each viewer sees them, private chats, messages with
// their reply markups, and the update log (pts, seq) that clients follow with
// updates.getState and updates.getDifference.
//
// It speaks the newest TL layer (gotd/td's tg types), keeps everything through
// the store.Store interface, and hands pushes to a Pusher (the MTProto server).
// Time and randomness are injected.
package chat

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/buttons/broker"
	"github.com/buttonflow/buttonflow/internal/srp"
	"github.com/buttonflow/buttonflow/internal/store"
)

// Pusher delivers unsolicited updates to an account's live sessions.
type Pusher interface {
	// PushUser sends u to every session of userID except the one named by
	// except (zero for none).
	PushUser(ctx context.Context, userID int64, except Session, u tg.UpdatesClass) error
}

// Logins records who is logged in on a permanent auth key.
type Logins interface {
	// SetLogin logs userID (a bot when bot is set) in on permKeyID, or out
	// when userID is zero.
	SetLogin(ctx context.Context, permKeyID, userID int64, bot bool) error
}

// Session is who makes a call: the MTProto session and its login.
type Session struct {
	// AuthKeyID and SessionID name the MTProto session.
	AuthKeyID, SessionID int64
	// PermAuthKeyID is the permanent key the session acts for.
	PermAuthKeyID int64
	// UserID is the logged-in account, zero when none.
	UserID int64
	// Bot reports whether UserID is a bot.
	Bot bool
}

// Options configure a Service. Store, Pusher, Logins and Secret are required.
type Options struct {
	Store  store.Store
	Pusher Pusher
	Logins Logins
	// Secret keys the per-viewer access hashes (at least 32 bytes, kept across restarts).
	Secret []byte
	// LoginCode, when set, is accepted for every phone (development and tests).
	LoginCode string
	// CallbackTimeout is how long a callback (or inline) query waits for the
	// bot's answer before BOT_RESPONSE_TIMEOUT (15 s when zero).
	CallbackTimeout time.Duration
	// DC is the data center id in inline message ids (2 when zero).
	DC int
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
	// Rand is the source of codes, ids and secrets; crypto/rand when nil.
	Rand io.Reader
	// Logger receives logs (login codes among them); slog.Default() when nil.
	Logger *slog.Logger
}

// Service is the domain. Its methods are safe for concurrent use.
type Service struct {
	st     store.Store
	push   Pusher
	logins Logins
	secret []byte
	now    func() time.Time
	rand   io.Reader
	log    *slog.Logger
	srp    *srp.Checker
	// callbacks pairs callback queries with bots' answers.
	callbacks       *broker.Broker
	callbackTimeout time.Duration
	dc              int

	inlineMu sync.Mutex
	inline   map[int64]*inlineQuery // inline queries by query id

	hashes    memo[hashKey]     // access hashes already derived
	instances memo[instanceKey] // chat instances already derived
	decoded   decodedMessages   // pressed messages already decoded

	loginCode string
	codesMu   sync.Mutex
	codes     map[string]*sentCode // by phone_code_hash
	pending   map[int64]int64      // permanent key -> account waiting for its 2FA check
}

// New returns a Service.
func New(opts Options) (*Service, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.New("chat: no store")
	case opts.Pusher == nil:
		return nil, errors.New("chat: no pusher")
	case opts.Logins == nil:
		return nil, errors.New("chat: no logins")
	case len(opts.Secret) < 32:
		return nil, errors.New("chat: secret shorter than 32 bytes")
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.CallbackTimeout == 0 {
		opts.CallbackTimeout = broker.DefaultTimeout
	}
	if opts.DC == 0 {
		opts.DC = 2
	}
	return &Service{
		callbackTimeout: opts.CallbackTimeout, dc: opts.DC, inline: make(map[int64]*inlineQuery),
		st: opts.Store, push: opts.Pusher, logins: opts.Logins, secret: opts.Secret,
		now: opts.Clock, rand: opts.Rand, log: opts.Logger, loginCode: opts.LoginCode,
		srp:   srp.NewChecker(srp.Options{Clock: opts.Clock, Rand: opts.Rand}),
		codes: make(map[string]*sentCode), pending: make(map[int64]int64),
		callbacks: broker.New(broker.Options{Timeout: opts.CallbackTimeout, Clock: opts.Clock, Rand: opts.Rand, Logger: opts.Logger}),
	}, nil
}
