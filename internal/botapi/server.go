// Package botapi serves Telegram's HTTP Bot API (/bot<token>/<method>) on
// top of the same domain MTProto clients use, so bots written with grammY,
// telegraf, go-telegram-bot-api and the like run unchanged against
// buttonflow while users press their buttons over MTProto.
//
// A bot's updates come from its account's update log (read with
// getDifference from a stored pts) and from what is pushed to it without a
// pts (callback and inline queries, channel posts), seen through a tap. They
// are queued in the store, so none is lost between polls or across a
// restart, and handed out by getUpdates or posted to a webhook.
package botapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store"
	"github.com/buttonflow/buttonflow/internal/tap"
)

// Options configure a Server. Service, Store and Taps are required.
type Options struct {
	// Service is the domain the Bot API acts on.
	Service *chat.Service
	// Store keeps bots' update queues and webhooks.
	Store store.Store
	// Taps shows the server what is pushed to bots' accounts.
	Taps *tap.Pusher
	// Client posts webhooks; a client with a 60 s timeout when nil.
	Client *http.Client
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
	// Logger receives logs; slog.Default() when nil.
	Logger *slog.Logger
}

// Server serves the Bot API. Run must be running for it to answer.
type Server struct {
	opts Options
	log  *slog.Logger

	ids idAllocator

	mu   sync.Mutex
	ctx  context.Context // Run's, which owns every bot's goroutines
	bots map[int64]*bot

	wgMu    sync.Mutex
	wg      sync.WaitGroup // every bot's goroutines
	stopped bool           // Run is ending: nothing more may be spawned
	running chan struct{}  // closed once Run has started
}

// New returns a Server.
func New(opts Options) (*Server, error) {
	switch {
	case opts.Service == nil:
		return nil, errors.New("botapi: no service")
	case opts.Store == nil:
		return nil, errors.New("botapi: no store")
	case opts.Taps == nil:
		return nil, errors.New("botapi: no taps")
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Server{opts: opts, log: opts.Logger, bots: map[int64]*bot{}, running: make(chan struct{})}, nil
}

// Run starts the bots that used the Bot API before (so their updates are
// queued even before they poll again) and serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	close(s.running)
	states, err := s.opts.Store.BotAPI().Bots(ctx)
	if err != nil {
		return fmt.Errorf("botapi: %w", err)
	}
	for _, st := range states {
		if _, err := s.start(ctx, st.BotID); err != nil {
			s.log.Warn("bot api: start bot", "bot", st.BotID, "err", err)
		}
	}
	<-ctx.Done()
	// Nothing is spawned from now on, so nothing adds to s.wg while it is
	// waited for.
	s.wgMu.Lock()
	s.stopped = true
	s.wgMu.Unlock()
	s.wg.Wait()
	return nil
}

// spawn runs fn on a goroutine Run waits for; false when Run is ending.
func (s *Server) spawn(fn func()) bool {
	s.wgMu.Lock()
	defer s.wgMu.Unlock()
	if s.stopped {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
	return true
}

// ServeHTTP answers /bot<token>/<method>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || token == "" || method == "" || strings.Contains(method, "/") {
		writeError(w, errNotFound)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeError(w, errNotFound)
		return
	}
	select {
	case <-s.running:
	default:
		writeError(w, &Error{Code: 502, Description: "Bad Gateway"})
		return
	}
	usr, err := s.opts.Service.BotByToken(r.Context(), token)
	if err != nil {
		writeError(w, errUnauthorized)
		return
	}
	p, err := parseParams(r)
	if err != nil {
		writeError(w, badRequest("%v", err))
		return
	}
	b, err := s.start(r.Context(), usr.ID)
	if err != nil {
		s.log.Error("bot api: start bot", "bot", usr.ID, "err", err)
		writeError(w, fromRPC(err))
		return
	}
	res, err := s.call(r.Context(), b, usr, method, p)
	if err != nil {
		e := fromRPC(err)
		if e.Code >= 500 && r.Context().Err() == nil {
			s.log.Error("bot api call", "bot", usr.ID, "method", method, "err", err)
		}
		writeError(w, e)
		return
	}
	writeResult(w, res)
}

// call runs one method for a bot.
func (s *Server) call(ctx context.Context, b *bot, usr *store.User, method string, p *params) (any, error) {
	m, ok := methods[strings.ToLower(method)]
	if !ok {
		return nil, errNotFound
	}
	return m(ctx, &request{s: s, b: b, usr: usr, p: p})
}

// described is a result that comes with a description (setWebhook's
// "Webhook was set").
type described struct {
	result      any
	description string
}

// rawResult is a result already encoded as JSON.
type rawResult []byte

func writeResult(w http.ResponseWriter, res any) {
	desc := ""
	if d, ok := res.(described); ok {
		res, desc = d.result, d.description
	}
	body, ok := res.(rawResult)
	if !ok {
		var err error
		if body, err = json.Marshal(res); err != nil {
			writeError(w, &Error{Code: 500, Description: "Internal Server Error"})
			return
		}
	}
	const head = `{"ok":true,"result":`
	var tail []byte
	if desc != "" {
		d, _ := json.Marshal(desc)
		tail = append([]byte(`,"description":`), d...)
	}
	// Written in pieces with the length known: no copy into one buffer, and
	// no chunked encoding for results past net/http's buffer.
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(head)+len(body)+len(tail)+1))
	_, _ = io.WriteString(w, head)
	_, _ = w.Write(body)
	_, _ = w.Write(tail)
	_, _ = io.WriteString(w, "}")
}

func writeError(w http.ResponseWriter, e *Error) {
	w.Header().Set("Content-Type", "application/json")
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(e.RetryAfter))
	}
	w.WriteHeader(e.Code)
	resp := response{ErrorCode: e.Code, Description: e.Description}
	if e.RetryAfter > 0 {
		resp.Parameters = &responseParameters{RetryAfter: e.RetryAfter}
	}
	_ = json.NewEncoder(w).Encode(resp)
}
