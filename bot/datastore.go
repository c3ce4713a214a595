package bot

import (
	"bytes"
	"container/list"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gotd/td/tg"
)

// ErrDataNotFound is what a DataStore (and a DataBackend) reports for a key
// it does not have, or no longer has.
var ErrDataNotFound = errors.New("bot: callback data not found or expired")

// DefaultDataPrefix starts the keys a DataStore makes when
// DataStoreOptions.Prefix is empty. Keep other callback data from starting
// with it.
const DefaultDataPrefix = "bf:"

// DefaultDataCapacity is how many payloads a DataStore keeps in memory when
// DataStoreOptions.Capacity is zero.
const DefaultDataCapacity = 10000

// keyIDBytes is how many random bytes name a payload: 96 bits, so keys are
// not guessed and do not collide.
const keyIDBytes = 12

// DataBackend keeps DataStore payloads beyond the process, so buttons keep
// working after a restart or an eviction from memory. Implementations must be
// safe for concurrent use.
type DataBackend interface {
	// Save keeps payload under key until expires (never when zero).
	Save(ctx context.Context, key string, payload []byte, expires time.Time) error
	// Load returns the payload saved under key and when it expires, or
	// ErrDataNotFound.
	Load(ctx context.Context, key string) (payload []byte, expires time.Time, err error)
}

// DataStoreOptions configure a DataStore. The zero options are ready to use.
type DataStoreOptions struct {
	// Capacity is how many payloads are kept in memory; the least recently
	// used go first (DefaultDataCapacity when zero).
	Capacity int
	// TTL is how long a payload lives after it is stored; zero keeps it
	// until evicted.
	TTL time.Duration
	// Prefix starts every key, so the Router tells store buttons from
	// others (DefaultDataPrefix when empty; at most 40 bytes).
	Prefix string
	// Backend, when set, gets every payload too and is asked for keys no
	// longer in memory.
	Backend DataBackend
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Rand makes the keys (crypto/rand when nil).
	Rand io.Reader
}

// DataStore keeps callback payloads of any size in the bot process and
// gives buttons short keys for them, for data beyond Telegram's 64 bytes.
// Give it to the Router (Options.Store) so handlers see the payloads.
// It is safe for concurrent use.
type DataStore struct {
	opts DataStoreOptions

	mu    sync.Mutex
	order *list.List               // *dataEntry, most recently used first
	byKey map[string]*list.Element // key -> element of order
}

type dataEntry struct {
	key     string
	payload []byte
	expires time.Time // zero: never
}

// NewDataStore makes an empty DataStore. It panics if opts.Prefix is longer
// than 40 bytes, which would leave no room for the key in 64 bytes.
func NewDataStore(opts DataStoreOptions) *DataStore {
	if opts.Capacity <= 0 {
		opts.Capacity = DefaultDataCapacity
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultDataPrefix
	}
	if len(opts.Prefix)+base64.RawURLEncoding.EncodedLen(keyIDBytes) > MaxCallbackData {
		panic("bot: DataStore prefix too long for 64 bytes of callback data")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	return &DataStore{opts: opts, order: list.New(), byKey: map[string]*list.Element{}}
}

// Put stores payload and returns the key that stands for it (at most 64
// bytes, starting with the store's prefix).
func (s *DataStore) Put(ctx context.Context, payload []byte) (string, error) {
	id := make([]byte, keyIDBytes)
	if _, err := io.ReadFull(s.opts.Rand, id); err != nil {
		return "", fmt.Errorf("bot: callback data key: %w", err)
	}
	key := s.opts.Prefix + base64.RawURLEncoding.EncodeToString(id)
	e := &dataEntry{key: key, payload: bytes.Clone(payload)}
	if s.opts.TTL > 0 {
		e.expires = s.opts.Now().Add(s.opts.TTL)
	}
	if b := s.opts.Backend; b != nil {
		if err := b.Save(ctx, key, e.payload, e.expires); err != nil {
			return "", fmt.Errorf("bot: save callback data: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remember(e)
	return key, nil
}

// Button stores payload and makes a callback button carrying its key.
func (s *DataStore) Button(ctx context.Context, text string, payload []byte) (tg.KeyboardInlineButton, error) {
	key, err := s.Put(ctx, payload)
	if err != nil {
		return tg.KeyboardInlineButton{}, err
	}
	return CallbackButton(text, key), nil
}

// IsKey reports whether data looks like a key of this store.
func (s *DataStore) IsKey(data []byte) bool {
	return len(data) == len(s.opts.Prefix)+base64.RawURLEncoding.EncodedLen(keyIDBytes) &&
		bytes.HasPrefix(data, []byte(s.opts.Prefix))
}

// Get returns the payload key stands for, or ErrDataNotFound if the store
// never had it, evicted it (and the backend has none) or it expired. The
// caller must not modify the payload.
func (s *DataStore) Get(ctx context.Context, key string) ([]byte, error) {
	now := s.opts.Now()
	s.mu.Lock()
	if el, ok := s.byKey[key]; ok {
		e := el.Value.(*dataEntry)
		if expired(e.expires, now) {
			s.order.Remove(el)
			delete(s.byKey, key)
			s.mu.Unlock()
			return nil, ErrDataNotFound
		}
		s.order.MoveToFront(el)
		s.mu.Unlock()
		return e.payload, nil
	}
	s.mu.Unlock()
	if s.opts.Backend == nil {
		return nil, ErrDataNotFound
	}
	payload, expires, err := s.opts.Backend.Load(ctx, key)
	if err != nil {
		if errors.Is(err, ErrDataNotFound) {
			return nil, ErrDataNotFound
		}
		return nil, fmt.Errorf("bot: load callback data: %w", err)
	}
	if expired(expires, now) {
		return nil, ErrDataNotFound
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remember(&dataEntry{key: key, payload: payload, expires: expires})
	return payload, nil
}

// Len is how many payloads the store holds in memory (expired ones
// included until they are looked up or evicted).
func (s *DataStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}

// remember puts e in memory, evicting the least recently used beyond the
// capacity. s.mu must be held.
func (s *DataStore) remember(e *dataEntry) {
	if el, ok := s.byKey[e.key]; ok {
		el.Value = e
		s.order.MoveToFront(el)
		return
	}
	s.byKey[e.key] = s.order.PushFront(e)
	for s.order.Len() > s.opts.Capacity {
		last := s.order.Back()
		s.order.Remove(last)
		delete(s.byKey, last.Value.(*dataEntry).key)
	}
}

func expired(expires, now time.Time) bool { return !expires.IsZero() && !now.Before(expires) }
