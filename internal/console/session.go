package console

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/gotd/td/crypto"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store"
)

// cookieName is the cookie holding a browser's auth key.
const cookieName = "buttonflow_console"

// A browser session is a permanent auth key, as an MTProto client's is. The
// browser holds the key itself in an HttpOnly, SameSite=Strict cookie, the
// way an MTProto client holds its key in its session file: the server looks
// the key up by its id and compares it in constant time, so sessions survive
// restarts with nothing but the auth_keys row every client has.

// handler is an API call made by a browser session.
type handler func(w http.ResponseWriter, r *http.Request, sess chat.Session)

// keyFromCookie returns the stored key the request's cookie holds, or nil.
func (s *Server) keyFromCookie(ctx context.Context, r *http.Request) (*store.AuthKey, error) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(raw) != 256 {
		return nil, nil
	}
	var key crypto.Key
	copy(key[:], raw)
	id := key.WithID().IntID()
	k, err := s.keys.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("console session: %w", err)
	}
	if k.Temp() || subtle.ConstantTimeCompare(k.Key[:], raw) != 1 {
		return nil, nil
	}
	return k, nil
}

// newKey makes a fresh permanent auth key for a browser and sets its cookie.
func (s *Server) newKey(ctx context.Context, w http.ResponseWriter, r *http.Request) (*store.AuthKey, error) {
	var key crypto.Key
	if _, err := io.ReadFull(s.rand, key[:]); err != nil {
		return nil, fmt.Errorf("console auth key: %w", err)
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	now := s.now()
	k := &store.AuthKey{ID: key.WithID().IntID(), Key: [256]byte(key), CreatedAt: now, Client: store.ClientInfo{
		APIID: consoleAPIID, DeviceModel: "Browser", SystemVersion: r.UserAgent(), AppVersion: "buttonflow console",
		LangCode: "en", IP: ip, UpdatedAt: now,
	}}
	if err := s.keys.Create(ctx, k); err != nil {
		return nil, fmt.Errorf("console auth key: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: base64.RawURLEncoding.EncodeToString(key[:]), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: 365 * 24 * 3600,
	})
	return k, nil
}

func sessionOf(k *store.AuthKey) chat.Session {
	return chat.Session{AuthKeyID: k.ID, PermAuthKeyID: k.ID, UserID: k.UserID, Bot: k.Bot}
}

// withKey runs h with the browser's auth key, making one if it has none:
// the login steps, and the 2FA parameters a login waiting for its password
// needs.
func (s *Server) withKey(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		k, err := s.keyFromCookie(r.Context(), r)
		if err == nil && k == nil {
			k, err = s.newKey(r.Context(), w, r)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h(w, r, sessionOf(k))
	}
}

// withLogin runs h for a logged-in person; anyone else gets 401
// AUTH_KEY_UNREGISTERED, as an MTProto client without a login does. Bots
// cannot use the console.
func (s *Server) withLogin(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		k, err := s.keyFromCookie(r.Context(), r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if k == nil || k.UserID == 0 || k.Bot {
			s.fail(w, r, chat.ErrAuthKeyUnregistered)
			return
		}
		h(w, r, sessionOf(k))
	}
}
