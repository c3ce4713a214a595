package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/buttonflow/buttonflow/internal/store"
)

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestAuthKeysPersistAcrossReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	k := &store.AuthKey{ID: -42, CreatedAt: time.Unix(1700000000, 5)}
	for i := range k.Key {
		k.Key[i] = byte(i)
	}
	if err := s.AuthKeys().Create(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := s.AuthKeys().Create(ctx, k); err == nil {
		t.Fatal("creating the same key id twice succeeded")
	}
	info := store.ClientInfo{Layer: 198, DeviceModel: "node", AppVersion: "2.26.22"}
	if err := s.AuthKeys().SetClient(ctx, k.ID, info); err != nil {
		t.Fatal(err)
	}
	if err := s.AuthKeys().SetUser(ctx, k.ID, 777, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := openTest(t, dir)
	got, err := s2.AuthKeys().Get(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Key != k.Key || !got.CreatedAt.Equal(k.CreatedAt) || got.UserID != 777 || got.Client.Layer != 198 ||
		got.Client.AppVersion != "2.26.22" || got.Temp() {
		t.Fatalf("reloaded key differs: %+v", got)
	}
}

func TestAuthKeysTempBindAndExpiry(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	now := time.Unix(1700000000, 0)
	perm := &store.AuthKey{ID: 1, CreatedAt: now}
	temp := &store.AuthKey{ID: 2, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	for _, k := range []*store.AuthKey{perm, temp} {
		if err := s.AuthKeys().Create(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AuthKeys().Bind(ctx, 2, 1, now.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := s.AuthKeys().Get(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got.PermID != 1 || !got.ExpiresAt.Equal(now.Add(30*time.Minute)) {
		t.Fatalf("binding not stored: %+v", got)
	}
	if err := s.AuthKeys().Bind(ctx, 99, 1, now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("binding a missing key: %v, want ErrNotFound", err)
	}
	n, err := s.AuthKeys().DeleteExpired(ctx, now.Add(31*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v; want 1", n, err)
	}
	if _, err := s.AuthKeys().Get(ctx, 2); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired key still there: %v", err)
	}
	if _, err := s.AuthKeys().Get(ctx, 1); err != nil {
		t.Fatalf("permanent key removed: %v", err)
	}
}

// TestStatementCacheIsBounded: queries with a varying number of
// placeholders (users.GetMany) keep working once the statement cache is full.
func TestStatementCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	u := &store.User{FirstName: "A", Phone: "15550009999", CreatedAt: time.Unix(1700000000, 0)}
	if err := s.Users().Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= maxCachedStatements+50; n++ {
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = u.ID + int64(i)
		}
		got, err := s.Users().GetMany(ctx, ids)
		if err != nil || len(got) != 1 || got[u.ID] == nil {
			t.Fatalf("GetMany of %d ids: %v, %v", n, got, err)
		}
	}
	if n := s.r.count.Load(); n > maxCachedStatements {
		t.Fatalf("%d statements cached, more than %d", n, maxCachedStatements)
	}
}

func TestUserCacheSeesEveryWrite(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	u := &store.User{FirstName: "Old", Bot: true, BotToken: "t1", CreatedAt: time.Unix(1700000000, 0)}
	if err := s.Users().Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	get := func() *store.User {
		t.Helper()
		got, err := s.Users().Get(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := get()
	first.FirstName = "mutated by a caller"
	if get().FirstName != "Old" {
		t.Fatal("a caller's change to a returned user reached the cache")
	}
	if err := s.Users().SetProfile(ctx, u.ID, "New", "", ""); err != nil {
		t.Fatal(err)
	}
	if got := get(); got.FirstName != "New" {
		t.Fatalf("after SetProfile: %q", got.FirstName)
	}
	if err := s.Users().SetBotToken(ctx, u.ID, "t2"); err != nil {
		t.Fatal(err)
	}
	many, err := s.Users().GetMany(ctx, []int64{u.ID})
	if err != nil || many[u.ID].BotToken != "t2" || get().BotToken != "t2" {
		t.Fatalf("after SetBotToken: %+v %v", many[u.ID], err)
	}
	if err := s.Users().DeleteBot(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if got := get(); got.BotToken != "" {
		t.Fatalf("a deleted bot's token is still cached: %q", got.BotToken)
	}
}

func TestMessageCacheSeesEditsAndDeletes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	u := &store.User{FirstName: "A", CreatedAt: time.Unix(1700000000, 0)}
	if err := s.Users().Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	put := func(body string) {
		t.Helper()
		err := s.Write(ctx, func(tx store.Tx) error {
			return tx.PutMessage(&store.Message{Owner: u.ID, ID: 1, Peer: store.Peer{Type: store.PeerUser, ID: u.ID},
				FromID: u.ID, Ref: 9, Date: time.Unix(1700000000, 0), Body: []byte(body)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	body := func() string {
		t.Helper()
		m, err := s.Boxes().Message(ctx, u.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		return string(m.Body)
	}
	put("one")
	if got := body(); got != "one" {
		t.Fatalf("body %q", got)
	}
	put("two")
	if got := body(); got != "two" {
		t.Fatalf("after an edit the box still says %q", got)
	}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.DeleteMessage(u.ID, 1) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Boxes().Message(ctx, u.ID, 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted message is still found: %v", err)
	}
	// A rolled-back write leaves the cache right too.
	put("three")
	_ = body()
	_ = s.Write(ctx, func(tx store.Tx) error {
		_ = tx.PutMessage(&store.Message{Owner: u.ID, ID: 1, Peer: store.Peer{Type: store.PeerUser, ID: u.ID},
			FromID: u.ID, Ref: 9, Date: time.Unix(1700000000, 0), Body: []byte("never")})
		return errors.New("roll back")
	})
	if got := body(); got != "three" {
		t.Fatalf("after a rolled-back edit: %q", got)
	}
}

func TestCopyIDCacheForgetsDeletedCopies(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	u := &store.User{FirstName: "A", CreatedAt: time.Unix(1700000000, 0)}
	if err := s.Users().Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	err := s.Write(ctx, func(tx store.Tx) error {
		return tx.PutMessage(&store.Message{Owner: u.ID, ID: 5, Peer: store.Peer{Type: store.PeerUser, ID: u.ID},
			FromID: u.ID, Ref: 77, Date: time.Unix(1700000000, 0), Body: []byte("x")})
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if id, err := s.Boxes().CopyID(ctx, 77, u.ID); err != nil || id != 5 {
			t.Fatalf("copy id %d, %v", id, err)
		}
	}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.DeleteMessage(u.ID, 5) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Boxes().CopyID(ctx, 77, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted copy is still found: %v", err)
	}
}
