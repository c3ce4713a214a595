package bot

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// mapBackend is a DataBackend in a map.
type mapBackend struct {
	mu sync.Mutex
	m  map[string]dataEntry
}

func (b *mapBackend) Save(_ context.Context, key string, payload []byte, expires time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[key] = dataEntry{key: key, payload: bytes.Clone(payload), expires: expires}
	return nil
}

func (b *mapBackend) Load(_ context.Context, key string) ([]byte, time.Time, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.m[key]
	if !ok {
		return nil, time.Time{}, ErrDataNotFound
	}
	return e.payload, e.expires, nil
}

func TestDataStoreKeys(t *testing.T) {
	s := NewDataStore(DataStoreOptions{})
	ctx := context.Background()
	payload := bytes.Repeat([]byte("x"), 4096)
	b, err := s.Button(ctx, "big", payload)
	if err != nil {
		t.Fatal(err)
	}
	data := b.Type.(*tg.InlineButtonTypeCallback).Data
	if len(data) > MaxCallbackData || !strings.HasPrefix(string(data), DefaultDataPrefix) || !s.IsKey(data) {
		t.Fatalf("key %q", data)
	}
	payload[0] = 'y' // the store keeps its own copy
	got, err := s.Get(ctx, string(data))
	if err != nil || len(got) != 4096 || got[0] != 'x' {
		t.Fatalf("get: %d bytes, %v", len(got), err)
	}
	other, _ := s.Put(ctx, []byte("other"))
	if other == string(data) {
		t.Fatal("two payloads got one key")
	}
	for _, d := range []string{"bf:", "vote:1", string(data) + "x", "xx" + string(data)[2:]} {
		if s.IsKey([]byte(d)) {
			t.Errorf("%q taken for a key", d)
		}
	}
	if _, err := s.Get(ctx, "bf:AAAAAAAAAAAAAAAA"); !errors.Is(err, ErrDataNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestDataStoreExpiry(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	ctx := context.Background()
	s := NewDataStore(DataStoreOptions{Capacity: 2, TTL: time.Hour, Now: clock.Now, Prefix: "big/"})
	a, _ := s.Put(ctx, []byte("a"))
	b, _ := s.Put(ctx, []byte("b"))
	if _, err := s.Get(ctx, a); err != nil { // a is now the most recently used
		t.Fatal(err)
	}
	c, _ := s.Put(ctx, []byte("c"))
	if _, err := s.Get(ctx, b); !errors.Is(err, ErrDataNotFound) {
		t.Fatalf("least recently used survived: %v", err)
	}
	if got, err := s.Get(ctx, a); err != nil || string(got) != "a" {
		t.Fatalf("a: %q, %v", got, err)
	}
	clock.Add(time.Hour)
	if _, err := s.Get(ctx, c); !errors.Is(err, ErrDataNotFound) {
		t.Fatalf("expired payload found: %v", err)
	}
	if n := s.Len(); n != 1 {
		t.Fatalf("%d payloads in memory, want 1", n)
	}
}

func TestDataStoreBackend(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	ctx := context.Background()
	backend := &mapBackend{m: map[string]dataEntry{}}
	first := NewDataStore(DataStoreOptions{Backend: backend, TTL: time.Minute, Now: clock.Now})
	key, err := first.Put(ctx, []byte("survives"))
	if err != nil {
		t.Fatal(err)
	}
	// A new process: memory is empty, the backend is not.
	second := NewDataStore(DataStoreOptions{Backend: backend, Now: clock.Now})
	if got, err := second.Get(ctx, key); err != nil || string(got) != "survives" {
		t.Fatalf("from the backend: %q, %v", got, err)
	}
	clock.Add(time.Minute)
	third := NewDataStore(DataStoreOptions{Backend: backend, Now: clock.Now})
	if _, err := third.Get(ctx, key); !errors.Is(err, ErrDataNotFound) {
		t.Fatalf("expired in the backend: %v", err)
	}
}

func TestRouterResolvesStoreKeys(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	store := NewDataStore(DataStoreOptions{TTL: time.Minute, Now: clock.Now})
	r, f := newTestRouter(t, Options{Store: store})
	got := make(chan *Query, 1)
	r.Callback("order:", HandlerFunc(func(ctx context.Context, q *Query) error {
		got <- q
		return q.Answer(ctx, Answer{Text: "ok"})
	}))
	payload := "order:" + strings.Repeat("item,", 100)
	key, err := store.Put(context.Background(), []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	press(t, r, 1, key)
	q := <-got
	r.Wait()
	if string(q.Data) != payload || string(q.Key) != key {
		t.Fatalf("handler saw data %q, key %q", q.Data, q.Key)
	}
	clock.Add(time.Minute)
	press(t, r, 2, key)
	if a := f.waitAnswers(t, 2)[1]; a.Message != ExpiredAnswer.Text || !a.Alert {
		t.Fatalf("expired button answered %+v", a)
	}
}

func TestKeyboardBuilders(t *testing.T) {
	kb := Inline(
		Row(CallbackButton("Yes", "yes"), PasswordButton("Transfer", "transfer")),
		Row(URLButton("Site", "https://example.com"), SwitchInlineButton("Share", "q"), SwitchInlineHereButton("Here", "h")),
		Row(GameButton("Play")),
	)
	if len(kb.Rows) != 3 || len(kb.Rows[0].Buttons) != 2 || len(kb.Rows[1].Buttons) != 3 {
		t.Fatalf("keyboard %+v", kb)
	}
	if cb := kb.Rows[0].Buttons[1].Type.(*tg.InlineButtonTypeCallback); !cb.RequiresPassword || string(cb.Data) != "transfer" {
		t.Fatalf("password button %+v", cb)
	}
	if sw := kb.Rows[1].Buttons[2].Type.(*tg.InlineButtonTypeSwitchInline); !sw.SamePeer || sw.Query != "h" {
		t.Fatalf("switch inline here %+v", sw)
	}
	if _, ok := kb.Rows[2].Buttons[0].Type.(*tg.InlineButtonTypeGame); !ok {
		t.Fatal("game button")
	}
	if Inline().Rows == nil || Row().Buttons == nil {
		t.Fatal("empty keyboards must encode as empty vectors")
	}
}
