// Package server is buttonflow's MTProto 2.0 server: it takes connections from
// internal/mtproto/transport, runs the key exchange, decrypts and checks every
// message against the session rules of internal/mtproto/session, answers the
// service messages itself (acks, containers, gzip, pings, salts, resends,
// state requests, destroy_session) and hands API requests, converted to the
// newest layer by internal/layer, to an rpc.Mux. Answers and pushes go back
// encrypted, in the client's own layer, to every live connection of a session.
package server

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/buttonflow/buttonflow/internal/layer"
	"github.com/buttonflow/buttonflow/internal/mtproto/keyexchange"
	"github.com/buttonflow/buttonflow/internal/mtproto/session"
	"github.com/buttonflow/buttonflow/internal/rpc"
	"github.com/buttonflow/buttonflow/internal/store"
)

// Options configure a Server. Key, Store, Mux and SaltSecret are required.
type Options struct {
	// Key is the server's RSA key for the key exchange.
	Key *rsa.PrivateKey
	// Store keeps auth keys.
	Store store.Store
	// Mux serves API requests.
	Mux *rpc.Mux
	// Layers converts between client layers and the newest one; layer.Default() when nil.
	Layers *layer.Transcoder
	// DC is this server's data center id (2 when zero).
	DC int
	// SaltSecret derives server salts (at least 32 random bytes, kept across restarts).
	SaltSecret []byte
	// IdleTimeout closes a connection that sent nothing for this long (3 minutes when zero).
	IdleTimeout time.Duration
	// SessionTTL forgets a session that has had no connection for this long (30 minutes when zero).
	SessionTTL time.Duration
	// AckDelay is how long the ack of a slow request (a callback query
	// waiting for its bot) may wait for the answer to carry it (250 ms when
	// zero): an answer within it costs the server one encrypted write
	// instead of two, and the client one frame. Clients resend an
	// unacknowledged request only after seconds (gotd after 5 s).
	AckDelay time.Duration
	// LazyDelay is how long the result of a lazy method (a bot's
	// setBotCallbackAnswer) may wait for the next message to the client to
	// share its frame (10 ms when zero): the client awaits it.
	LazyDelay time.Duration
	// PushDelay is how long an update pushed to a busy session may wait
	// for the updates after it, to share one encrypted frame and one write
	// with them (1 ms when zero, none when negative). A push after a quiet
	// spell goes at once and opens a window of PushDelay; the pushes within
	// it wait for its end, or for the next frame from the client, whichever
	// comes first. A client that has sent something since its last updates
	// is keeping up, and its next update goes at once, like Nagle's
	// algorithm: a bot that answers each update before the next one comes
	// never waits, and one that falls behind gets its updates a few to a
	// frame, at most a frame every PushDelay. That costs the server, and
	// the bot, a fraction of the writes, wake-ups and encryptions. It
	// applies to sessions with one connection (the usual case).
	PushDelay time.Duration
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
	// Rand is the source of every secret; crypto/rand when nil.
	Rand io.Reader
	// Logger receives the server's logs; slog.Default() when nil.
	Logger *slog.Logger
}

// Server is an MTProto server. Its ServeConn is a transport.Handler.
type Server struct {
	opts   Options
	log    *slog.Logger
	now    func() time.Time
	kx     *keyexchange.Server
	salts  *session.Salts
	layers *layer.Transcoder
	keys   *keyRegistry

	plainMu  sync.Mutex
	plainIDs session.Outbox // msg_ids of unencrypted messages

	// life outlives connections: slow requests run in it, so their answer can
	// reach the client on another connection; Run cancels it at shutdown.
	life context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup // slow requests in flight
}

// New checks opts and returns a Server.
func New(opts Options) (*Server, error) {
	switch {
	case opts.Key == nil:
		return nil, errors.New("server: no RSA key")
	case opts.Store == nil:
		return nil, errors.New("server: no store")
	case opts.Mux == nil:
		return nil, errors.New("server: no rpc mux")
	case len(opts.SaltSecret) < 32:
		return nil, errors.New("server: salt secret shorter than 32 bytes")
	}
	if opts.DC == 0 {
		opts.DC = 2
	}
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = 3 * time.Minute
	}
	if opts.AckDelay == 0 {
		opts.AckDelay = 250 * time.Millisecond
	}
	if opts.LazyDelay == 0 {
		opts.LazyDelay = 10 * time.Millisecond
	}
	if opts.PushDelay == 0 {
		opts.PushDelay = time.Millisecond
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 30 * time.Minute
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
	if opts.Layers == nil {
		opts.Layers = layer.Default()
	}
	s := &Server{
		opts:   opts,
		log:    opts.Logger,
		now:    opts.Clock,
		salts:  session.NewSalts(opts.SaltSecret),
		layers: opts.Layers,
	}
	s.life, s.stop = context.WithCancel(context.Background())
	s.kx = keyexchange.NewServer(opts.Key, keyexchange.Options{DC: opts.DC, Rand: opts.Rand, Clock: opts.Clock})
	s.keys = newKeyRegistry(opts.Store, s.now)
	return s, nil
}

// DC is the data center id the server reports as its own.
func (s *Server) DC() int { return s.opts.DC }

// Run does the server's housekeeping until ctx is done: it forgets sessions
// that have had no connection for SessionTTL and deletes expired temporary
// keys. It waits for slow requests in flight before returning.
func (s *Server) Run(ctx context.Context) error {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			s.stop()
			s.wg.Wait()
			return nil
		case <-tick.C:
			now := s.now()
			s.keys.sweep(now, s.opts.SessionTTL)
			if n, err := s.opts.Store.AuthKeys().DeleteExpired(ctx, now); err != nil && ctx.Err() == nil {
				s.log.Warn("delete expired temporary keys", "err", err)
			} else if n > 0 {
				s.log.Info("deleted expired temporary keys", "count", n)
			}
		}
	}
}

// SetLogin records that userID (a bot when bot is set) is logged in on the
// permanent auth key permKeyID, or logs it out when userID is zero. It takes
// effect at once for every session on that key and the temporary keys bound
// to it.
func (s *Server) SetLogin(ctx context.Context, permKeyID, userID int64, bot bool) error {
	return s.keys.setUser(ctx, permKeyID, userID, bot)
}
