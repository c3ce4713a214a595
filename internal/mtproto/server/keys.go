package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gotd/td/crypto"

	"github.com/buttonflow/buttonflow/internal/store"
)

// authKey is a live auth key: its secret, what it is bound to, and its sessions.
type authKey struct {
	key       crypto.AuthKey
	id        int64
	expiresAt time.Time // temporary keys only

	mu       sync.Mutex
	permID   int64 // id itself for a permanent key; the bound key for a temporary one
	userID   int64 // logged-in account of the permanent key
	bot      bool
	sessions map[int64]*Session
}

func (k *authKey) temp() bool { return !k.expiresAt.IsZero() }

// login returns the permanent key id the key acts for and who is logged in on it.
func (k *authKey) login() (permID, userID int64, bot bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.permID, k.userID, k.bot
}

// keyRegistry caches auth keys in memory in front of the store.
type keyRegistry struct {
	store store.Store
	now   func() time.Time

	mu   sync.RWMutex
	keys map[int64]*authKey
	// byUser indexes the live keys by the account logged in on them, so a
	// push to an account does not walk every key.
	byUser map[int64]map[*authKey]struct{}
}

func newKeyRegistry(s store.Store, now func() time.Time) *keyRegistry {
	return &keyRegistry{store: s, now: now, keys: make(map[int64]*authKey), byUser: make(map[int64]map[*authKey]struct{})}
}

// indexUser moves k from the index of account from to that of to; r.mu must
// be held for writing.
func (r *keyRegistry) indexUser(k *authKey, from, to int64) {
	if from == to {
		return
	}
	if set := r.byUser[from]; set != nil {
		delete(set, k)
		if len(set) == 0 {
			delete(r.byUser, from)
		}
	}
	if to == 0 {
		return
	}
	set := r.byUser[to]
	if set == nil {
		set = make(map[*authKey]struct{})
		r.byUser[to] = set
	}
	set[k] = struct{}{}
}

// errKeyUnknown means the auth key id is not known (or expired): answered with -404.
var errKeyUnknown = errors.New("auth key unknown")

// get returns the live key with this id, loading it from the store when needed.
func (r *keyRegistry) get(ctx context.Context, id int64) (*authKey, error) {
	r.mu.RLock()
	k := r.keys[id]
	r.mu.RUnlock()
	if k == nil {
		rec, err := r.store.AuthKeys().Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errKeyUnknown
		}
		if err != nil {
			return nil, fmt.Errorf("load auth key: %w", err)
		}
		k = r.fromRecord(rec)
		if rec.PermID != 0 {
			perm, err := r.store.AuthKeys().Get(ctx, rec.PermID)
			if err == nil {
				k.userID, k.bot = perm.UserID, perm.Bot
			}
		}
		r.mu.Lock()
		if existing := r.keys[id]; existing != nil {
			k = existing
		} else {
			r.keys[id] = k
			r.indexUser(k, 0, k.userID)
		}
		r.mu.Unlock()
	}
	if k.temp() && !r.now().Before(k.expiresAt) {
		return nil, errKeyUnknown
	}
	return k, nil
}

func (r *keyRegistry) fromRecord(rec *store.AuthKey) *authKey {
	k := &authKey{
		key:       crypto.Key(rec.Key).WithID(),
		id:        rec.ID,
		expiresAt: rec.ExpiresAt,
		permID:    rec.PermID,
		userID:    rec.UserID,
		bot:       rec.Bot,
		sessions:  make(map[int64]*Session),
	}
	if !k.temp() {
		k.permID = rec.ID
	}
	return k
}

// add stores a newly exchanged key and makes it live.
func (r *keyRegistry) add(ctx context.Context, key crypto.AuthKey, expiresAt time.Time) (*authKey, error) {
	rec := &store.AuthKey{ID: key.IntID(), Key: key.Value, CreatedAt: r.now(), ExpiresAt: expiresAt}
	if err := r.store.AuthKeys().Create(ctx, rec); err != nil {
		return nil, fmt.Errorf("store new auth key: %w", err)
	}
	k := r.fromRecord(rec)
	r.mu.Lock()
	r.keys[k.id] = k
	r.mu.Unlock()
	return k, nil
}

// bind makes temporary key temp act for permanent key permID until expiresAt.
func (r *keyRegistry) bind(ctx context.Context, temp *authKey, permID int64, expiresAt time.Time) error {
	perm, err := r.get(ctx, permID)
	if err != nil {
		return err
	}
	if err := r.store.AuthKeys().Bind(ctx, temp.id, permID, expiresAt); err != nil {
		return fmt.Errorf("bind temporary key: %w", err)
	}
	_, userID, bot := perm.login()
	r.mu.Lock()
	temp.mu.Lock()
	old := temp.userID
	temp.permID, temp.userID, temp.bot = permID, userID, bot
	temp.mu.Unlock()
	r.indexUser(temp, old, userID)
	r.mu.Unlock()
	return nil
}

// setUser records the login on a permanent key and on the live temporary keys bound to it.
func (r *keyRegistry) setUser(ctx context.Context, permID, userID int64, bot bool) error {
	if err := r.store.AuthKeys().SetUser(ctx, permID, userID, bot); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.keys {
		k.mu.Lock()
		old := k.userID
		match := k.permID == permID
		if match {
			k.userID, k.bot = userID, bot
		}
		k.mu.Unlock()
		if match {
			r.indexUser(k, old, userID)
		}
	}
	return nil
}

// forget drops a key from memory (after destroy_auth_key or logout).
func (r *keyRegistry) forget(id int64) {
	r.mu.Lock()
	if k := r.keys[id]; k != nil {
		k.mu.Lock()
		old := k.userID
		k.mu.Unlock()
		r.indexUser(k, old, 0)
	}
	delete(r.keys, id)
	r.mu.Unlock()
}

// sweep forgets sessions without connections for longer than ttl, and
// expired temporary keys.
func (r *keyRegistry) sweep(now time.Time, ttl time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, k := range r.keys {
		if k.temp() && !now.Before(k.expiresAt) {
			k.mu.Lock()
			old := k.userID
			k.mu.Unlock()
			r.indexUser(k, old, 0)
			delete(r.keys, id)
			continue
		}
		k.mu.Lock()
		for sid, s := range k.sessions {
			if s.idleSince(now) > ttl {
				delete(k.sessions, sid)
			}
		}
		k.mu.Unlock()
	}
}

// sessionFor returns the session with this id on key k, creating it when new.
func (k *authKey) sessionFor(id int64, now time.Time) (s *Session, created bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if s := k.sessions[id]; s != nil {
		return s, false
	}
	s = newSession(k, id, now)
	k.sessions[id] = s
	return s, true
}

// dropSession removes a session (destroy_session).
func (k *authKey) dropSession(id int64) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.sessions[id]
	if s == nil {
		return false
	}
	delete(k.sessions, id)
	return true
}

// sessionsOf returns the live sessions of every key acting for permID.
func (r *keyRegistry) sessionsOf(permID int64) []*Session {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []*Session
	for _, k := range r.keys {
		k.mu.Lock()
		if k.permID == permID {
			for _, s := range k.sessions {
				out = append(out, s)
			}
		}
		k.mu.Unlock()
	}
	return out
}

// sessionsOfUser returns the live sessions of every key on which userID is
// logged in, leaving out the session except (the one that made the change,
// which gets it in its RPC result).
func (r *keyRegistry) sessionsOfUser(userID int64, except SessionRef) []*Session {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []*Session
	for k := range r.byUser[userID] {
		k.mu.Lock()
		if k.userID == userID {
			for _, s := range k.sessions {
				if s.key.id == except.AuthKeyID && s.id == except.SessionID {
					continue
				}
				out = append(out, s)
			}
		}
		k.mu.Unlock()
	}
	return out
}
