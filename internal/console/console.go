// Package console is the browser console's server side: the page in web/ and
// a small JSON API with a Server-Sent Events stream under /console/api/,
// through which a person logs in, reads their chats live, sends messages and
// presses bots' buttons.
//
// The API acts through chat.Service exactly as an MTProto client would: a
// browser session is a real permanent auth key, logged in by the same
// auth.sendCode / auth.signIn / auth.signUp / auth.checkPassword path, and
// every call runs as that login. Passwords never reach the server: the page
// computes the SRP proofs (and new verifiers) itself.
package console

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store"
	"github.com/buttonflow/buttonflow/internal/tap"
)

// Options configure a Server. Service, Keys, Taps and Assets are required.
type Options struct {
	// Service is the domain the console acts through.
	Service *chat.Service
	// Keys stores the browser sessions' auth keys.
	Keys store.AuthKeys
	// Taps shows the console what is pushed to its users' accounts.
	Taps *tap.Pusher
	// Assets are the page's files (index.html at the root).
	Assets fs.FS
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
	// Rand is the source of auth keys and random ids; crypto/rand when nil.
	Rand io.Reader
	// Logger receives logs; slog.Default() when nil.
	Logger *slog.Logger
}

// Server serves the console's page and API. It is an http.Handler meant to
// be mounted at "/".
type Server struct {
	svc  *chat.Service
	keys store.AuthKeys
	taps *tap.Pusher
	now  func() time.Time
	rand io.Reader
	log  *slog.Logger
	mux  *http.ServeMux
}

// New returns a Server.
func New(opts Options) (*Server, error) {
	switch {
	case opts.Service == nil:
		return nil, errors.New("console: no service")
	case opts.Keys == nil:
		return nil, errors.New("console: no auth key store")
	case opts.Taps == nil:
		return nil, errors.New("console: no taps")
	case opts.Assets == nil:
		return nil, errors.New("console: no assets")
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
	s := &Server{svc: opts.Service, keys: opts.Keys, taps: opts.Taps,
		now: opts.Clock, rand: opts.Rand, log: opts.Logger, mux: http.NewServeMux()}
	files := http.FileServerFS(opts.Assets)
	s.mux.Handle("/", noCache(files))

	// Before login: these make (or reuse) the browser's auth key.
	s.mux.HandleFunc("POST /console/api/login/code", s.withKey(s.sendCode))
	s.mux.HandleFunc("POST /console/api/login/signin", s.withKey(s.signIn))
	s.mux.HandleFunc("POST /console/api/login/signup", s.withKey(s.signUp))
	s.mux.HandleFunc("POST /console/api/login/password", s.withKey(s.checkPassword))
	s.mux.HandleFunc("GET /console/api/password", s.withKey(s.getPassword))

	// After login.
	s.mux.HandleFunc("GET /console/api/me", s.withLogin(s.me))
	s.mux.HandleFunc("POST /console/api/logout", s.withLogin(s.logout))
	s.mux.HandleFunc("POST /console/api/password", s.withLogin(s.updatePassword))
	s.mux.HandleFunc("GET /console/api/chats", s.withLogin(s.chats))
	s.mux.HandleFunc("GET /console/api/history", s.withLogin(s.history))
	s.mux.HandleFunc("POST /console/api/send", s.withLogin(s.send))
	s.mux.HandleFunc("POST /console/api/media", s.withLogin(s.sendMedia))
	s.mux.HandleFunc("POST /console/api/start", s.withLogin(s.start))
	s.mux.HandleFunc("POST /console/api/press", s.withLogin(s.press))
	s.mux.HandleFunc("GET /console/api/events", s.withLogin(s.events))
	s.mux.HandleFunc("/console/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "METHOD_INVALID", "no such console API call")
	})
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// noCache serves the page's files to GET and HEAD and makes browsers revalidate the page's files, so a new server
// version is never paired with an old script.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// apiError is what every failed call answers: Telegram's error name when
// there is one.
type apiError struct {
	Error   string `json:"error"`
	Code    int    `json:"code"`
	Message string `json:"message,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, name, msg string) {
	writeJSON(w, status, apiError{Error: name, Code: status, Message: msg})
}

// fail answers err: an RPC error with its code and name, anything else as
// an internal error (logged, not shown).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var rpc *tgerr.Error
	if errors.As(err, &rpc) {
		writeError(w, rpcStatus(rpc.Code), rpc.Type, "")
		return
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the browser went away
	}
	s.log.Error("console call", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "INTERNAL", "the server failed; see its log")
}

// rpcStatus maps an RPC error code to an HTTP status (FLOOD_WAIT's 420 to 429).
func rpcStatus(code int) int {
	switch {
	case code == 420:
		return http.StatusTooManyRequests
	case code >= 400 && code < 600:
		return code
	}
	return http.StatusBadRequest
}

// maxBody bounds a request body: the largest call carries an SRP proof.
const maxBody = 64 << 10

// decode reads a JSON request body into v. Only application/json bodies are
// accepted, which keeps cross-site forms (that cannot set it without a CORS
// preflight) from calling the API.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "CONTENT_TYPE_INVALID", "send application/json")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "INPUT_REQUEST_INVALID", err.Error())
		return false
	}
	return true
}

// parsePeer reads a peer as the page names it: user<id>, chat<id> or channel<id>.
func parsePeer(s string) (tg.PeerClass, error) {
	for _, p := range []struct {
		prefix string
		make   func(int64) tg.PeerClass
	}{
		{"user", func(id int64) tg.PeerClass { return &tg.PeerUser{UserID: id} }},
		{"chat", func(id int64) tg.PeerClass { return &tg.PeerChat{ChatID: id} }},
		{"channel", func(id int64) tg.PeerClass { return &tg.PeerChannel{ChannelID: id} }},
	} {
		if rest, ok := strings.CutPrefix(s, p.prefix); ok {
			id, err := strconv.ParseInt(rest, 10, 64)
			if err != nil || id <= 0 {
				break
			}
			return p.make(id), nil
		}
	}
	return nil, chat.ErrPeerIDInvalid
}

// peerName is how the page names a peer.
func peerName(p tg.PeerClass) string {
	switch p := p.(type) {
	case *tg.PeerUser:
		return "user" + strconv.FormatInt(p.UserID, 10)
	case *tg.PeerChat:
		return "chat" + strconv.FormatInt(p.ChatID, 10)
	case *tg.PeerChannel:
		return "channel" + strconv.FormatInt(p.ChannelID, 10)
	}
	return ""
}

// randomID is a random_id for a message.
func (s *Server) randomID() (int64, error) {
	var b [8]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return 0, fmt.Errorf("random id: %w", err)
	}
	var v int64
	for _, x := range b {
		v = v<<8 | int64(x)
	}
	return v | 1, nil
}
