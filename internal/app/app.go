// Package app assembles a whole buttonflow server from its parts: the data
// folder, the store, the MTProto server with its TCP and WebSocket listeners,
// and the RPC handlers. The CLI's serve command and the end-to-end tests both
// start servers through it.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/botapi"
	"github.com/buttonflow/buttonflow/internal/botfather"
	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/console"
	"github.com/buttonflow/buttonflow/internal/datadir"
	"github.com/buttonflow/buttonflow/internal/layer"
	"github.com/buttonflow/buttonflow/internal/mtproto/server"
	"github.com/buttonflow/buttonflow/internal/mtproto/transport"
	"github.com/buttonflow/buttonflow/internal/rpc"
	"github.com/buttonflow/buttonflow/internal/rpc/api"
	"github.com/buttonflow/buttonflow/internal/rpc/help"
	"github.com/buttonflow/buttonflow/internal/serverkey"
	"github.com/buttonflow/buttonflow/internal/store/sqlite"
	"github.com/buttonflow/buttonflow/internal/tap"
	consoleweb "github.com/buttonflow/buttonflow/web"
)

// DefaultGCPercent is the garbage collector target (as GOGC) that
// `buttonflow serve` sets unless told otherwise. The server's live heap is
// small (tens of MB) and every request allocates, so at Go's default of 100
// it collects several times a second; each collection takes one of the
// cores for tens of milliseconds and queues requests behind it. At 400 the
// heap peaks at five times the live heap instead of twice. Start leaves the
// target alone: it belongs to the process.
const DefaultGCPercent = 400

// Config is how to run a server.
type Config struct {
	// DataDir is the data folder (created on first start).
	DataDir string
	// Listen is the MTProto TCP address, e.g. 127.0.0.1:4430 (port 0 picks one).
	Listen string
	// HTTP is the address of the HTTP server (WebSocket MTProto at /apiws,
	// the browser console at /).
	HTTP string
	// Advertise is the address put in help.getConfig's dc_options; the
	// listening address when empty.
	Advertise string
	// DC is the data center id (2 when zero).
	DC int
	// LoginCode, when set, is a login code valid for every phone (development and tests).
	LoginCode string
	// CallbackTimeout is how long a callback query waits for the bot (15 s when zero).
	CallbackTimeout time.Duration
	// PushDelay is how long an update pushed to a busy session may wait
	// to share a frame with the ones after it (server.Options.PushDelay):
	// 1 ms when zero, none when negative.
	PushDelay time.Duration
	// Logger receives logs; slog.Default() when nil.
	Logger *slog.Logger
}

// PushDelayFlag is Config.PushDelay for serve's --push-delay, where 0
// means no delay (negative in Config, where 0 means the default).
func PushDelayFlag(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

// App is a running server.
type App struct {
	// Key is the server's RSA key.
	Key *rsa.PrivateKey
	// MTProtoAddr and HTTPAddr are the bound addresses.
	MTProtoAddr, HTTPAddr net.Addr

	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// Start opens the data folder and starts serving; it returns once the
// listeners are bound. Cancelling ctx or calling Close shuts the server down.
func Start(ctx context.Context, cfg Config) (*App, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.DC == 0 {
		cfg.DC = 2
	}
	key, created, err := serverkey.LoadOrCreate(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("created server key", "data", cfg.DataDir, "fingerprint", serverkey.Fingerprint(&key.PublicKey))
	}
	secret, err := datadir.Secret(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*App, error) { _ = st.Close(); return nil, err }

	tcp, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fail(fmt.Errorf("listen %s: %w", cfg.Listen, err))
	}
	web, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		_ = tcp.Close()
		return fail(fmt.Errorf("listen %s: %w", cfg.HTTP, err))
	}
	advertise := cfg.Advertise
	if advertise == "" {
		advertise = tcp.Addr().String()
	}
	// abort undoes what Start did so far.
	abort := func(err error) (*App, error) {
		_ = tcp.Close()
		_ = web.Close()
		return fail(err)
	}
	addr, err := parseAdvertise(advertise)
	if err != nil {
		return abort(err)
	}

	layers := layer.Default()
	mux := rpc.NewMux(func(id uint32) bool { _, ok := layers.MethodName(id); return ok })
	help.Register(mux, help.Config{DC: cfg.DC, Addresses: []help.Address{addr}})
	srv, err := server.New(server.Options{
		Key: key, Store: st, Mux: mux, Layers: layers, DC: cfg.DC, SaltSecret: secret, PushDelay: cfg.PushDelay, Logger: log,
	})
	if err != nil {
		return abort(err)
	}

	// taps shows in-process consumers (the Bot API, BotFather) what is
	// pushed to the accounts they act for.
	taps := &tap.Pusher{Next: pusher{srv}}
	svc, err := chat.New(chat.Options{
		Store: st, Pusher: taps, Logins: srv, Secret: derive(secret, "access hashes"),
		LoginCode: cfg.LoginCode, CallbackTimeout: cfg.CallbackTimeout, Logger: log,
	})
	if err != nil {
		return abort(err)
	}
	api.Register(mux, svc)
	bots, err := botapi.New(botapi.Options{Service: svc, Store: st, Taps: taps, Logger: log})
	if err != nil {
		return abort(err)
	}
	cons, err := console.New(console.Options{Service: svc, Keys: st.AuthKeys(), Taps: taps, Assets: consoleweb.Assets, Logger: log})
	if err != nil {
		return abort(err)
	}
	bf, err := botfather.New(ctx, botfather.Options{Service: svc, Store: st, Taps: taps, Logger: log})
	if err != nil {
		return abort(err)
	}

	ctx, cancel := context.WithCancel(ctx)
	a := &App{Key: key, MTProtoAddr: tcp.Addr(), HTTPAddr: web.Addr(), cancel: cancel, done: make(chan struct{})}
	httpMux := http.NewServeMux()
	httpMux.Handle("/apiws", transport.WebSocketHandler(ctx, srv.ServeConn, transport.ListenerOptions{Logger: log}))
	httpMux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// The Bot API's paths, /bot<token>/<method>, have no slash after
		// "/bot", so no mux pattern can route them; the rest is the console.
		if strings.HasPrefix(r.URL.Path, "/bot") {
			bots.ServeHTTP(w, r)
			return
		}
		cons.ServeHTTP(w, r)
	})
	// Requests end with the server, so long polls and the console's event
	// streams do not hold up the shutdown.
	hs := &http.Server{Handler: httpMux, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}

	var wg sync.WaitGroup
	errs := make(chan error, 6)
	wg.Add(6)
	go func() {
		defer wg.Done()
		errs <- svc.Run(ctx)
	}()
	go func() {
		defer wg.Done()
		errs <- bots.Run(ctx)
	}()
	go func() {
		defer wg.Done()
		errs <- bf.Run(ctx)
	}()
	go func() {
		defer wg.Done()
		errs <- transport.Serve(ctx, tcp, srv.ServeConn, transport.ListenerOptions{Logger: log})
	}()
	go func() {
		defer wg.Done()
		if err := hs.Serve(web); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http: %w", err)
		}
	}()
	go func() {
		defer wg.Done()
		errs <- srv.Run(ctx)
	}()
	go func() {
		<-ctx.Done()
		shut, cancelShut := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancelShut()
		_ = hs.Shutdown(shut)
	}()
	go func() {
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil && a.err == nil {
				a.err = err
			}
		}
		if err := st.Close(); err != nil && a.err == nil {
			a.err = err
		}
		close(a.done)
	}()
	log.Info("buttonflow serving", "mtproto", tcp.Addr().String(), "http", web.Addr().String(),
		"data", cfg.DataDir, "layers", layers.Layers())
	return a, nil
}

// Close shuts the server down and waits until it has stopped.
func (a *App) Close() error {
	a.cancel()
	<-a.done
	return a.err
}

// Done is closed when the server has stopped.
func (a *App) Done() <-chan struct{} { return a.done }

// Err is why the server stopped, once Done is closed.
func (a *App) Err() error { return a.err }

// pusher adapts the MTProto server to the domain's Pusher.
type pusher struct{ srv *server.Server }

func (p pusher) PushUser(ctx context.Context, userID int64, except chat.Session, u tg.UpdatesClass) error {
	_, err := p.srv.PushUser(ctx, userID, server.SessionRef{AuthKeyID: except.AuthKeyID, SessionID: except.SessionID}, u)
	return err
}

// derive makes a key for one purpose from the data folder's secret.
func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

func parseAdvertise(s string) (help.Address, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return help.Address{}, fmt.Errorf("advertised address %q: %w", s, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p > 65535 {
		return help.Address{}, fmt.Errorf("advertised address %q: bad port", s)
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return help.Address{}, fmt.Errorf("advertised address %q: not an IP address", s)
	}
	if ip.IsUnspecified() {
		return help.Address{}, fmt.Errorf("advertised address %q: %s is not reachable; pass --advertise", s, host)
	}
	return help.Address{IP: ip.String(), Port: p}, nil
}
