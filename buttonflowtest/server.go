// Package buttonflowtest runs a real buttonflow server inside a Go test and
// hands out clients connected to it over MTProto on the loopback interface:
// logged-in users (*client.Client) and bots (a gotd client and the bot's
// token). Everything stops when the test ends.
//
//	srv := buttonflowtest.New(t)
//	bot := srv.NewBot(t, "demo_bot")
//	alice := srv.NewUser(t, buttonflowtest.WithName("Alice", ""))
//
// Each client costs a key exchange (about a second of CPU, more under the
// race detector), so tests are quickest with few clients each.
package buttonflowtest

import (
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"

	"github.com/buttonflow/buttonflow/internal/app"
)

// TB is the part of testing.TB the package needs; *testing.T and
// *testing.B satisfy it.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
	TempDir() string
}

// LoginCode is the login code the server accepts for every phone.
const LoginCode = "13579"

// DefaultCallbackTimeout is how long a callback query waits for the bot
// unless WithCallbackTimeout says otherwise: shorter than Telegram's 15 s so
// tests of BOT_RESPONSE_TIMEOUT stay quick.
const DefaultCallbackTimeout = 5 * time.Second

// WaitTimeout bounds each wait of the package (a client connecting and
// logging in): generous, because a key exchange under the race detector on
// a busy machine takes seconds.
const WaitTimeout = 2 * time.Minute

// Server is a running buttonflow server.
type Server struct {
	app     *app.App
	dataDir string
	phones  atomic.Int64
}

// Option configures New.
type Option func(*options)

type options struct {
	callbackTimeout time.Duration
	logger          *slog.Logger
}

// WithCallbackTimeout is how long a callback query waits for the bot
// before the user gets BOT_RESPONSE_TIMEOUT (DefaultCallbackTimeout when
// not given).
func WithCallbackTimeout(d time.Duration) Option {
	return func(o *options) { o.callbackTimeout = d }
}

// WithLogger receives the server's logs (discarded when not given).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// New starts a server with an empty data folder in t.TempDir() on free
// loopback ports; it stops when the test ends.
func New(t TB, opts ...Option) *Server {
	t.Helper()
	o := options{callbackTimeout: DefaultCallbackTimeout, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range opts {
		f(&o)
	}
	s := &Server{dataDir: filepath.Join(t.TempDir(), "buttonflow")}
	a, err := app.Start(context.Background(), app.Config{
		DataDir: s.dataDir, Listen: "127.0.0.1:0", HTTP: "127.0.0.1:0", LoginCode: LoginCode,
		CallbackTimeout: o.callbackTimeout, Logger: o.logger,
	})
	if err != nil {
		t.Fatalf("buttonflowtest: start server: %v", err)
	}
	s.app = a
	t.Cleanup(func() { _ = a.Close() })
	return s
}

// Addr is the MTProto TCP address (every TCP transport on one port).
func (s *Server) Addr() string { return s.app.MTProtoAddr.String() }

// PublicKey is the server's RSA public key, which clients must know.
func (s *Server) PublicKey() *rsa.PublicKey { return &s.app.Key.PublicKey }

// TelegramOptions are gotd options that reach this server: its public key,
// DC 2 at Addr over the intermediate transport, a 60 s dial timeout (it
// bounds the key exchange too) and an in-memory session. Set UpdateHandler
// and anything else before passing them to telegram.NewClient.
func (s *Server) TelegramOptions() telegram.Options {
	addr := s.app.MTProtoAddr.(*net.TCPAddr)
	return telegram.Options{
		PublicKeys:     []telegram.PublicKey{{RSA: s.PublicKey()}},
		DC:             2,
		DCList:         dcs.List{Options: []tg.DCOption{{ID: 2, IPAddress: addr.IP.String(), Port: addr.Port}}},
		Resolver:       dcs.Plain(dcs.PlainOptions{Protocol: transport.Intermediate}),
		SessionStorage: &session.StorageMemory{},
		DialTimeout:    60 * time.Second,
	}
}

// nextPhone is a phone number no account of this server has yet.
func (s *Server) nextPhone() string {
	return fmt.Sprintf("1555%07d", s.phones.Add(1))
}

// App ids for the clients the package makes; buttonflow accepts any.
const (
	appID   = 17349
	appHash = "buttonflowtest"
)
