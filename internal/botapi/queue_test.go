package botapi

import (
	"context"
	"testing"
	"time"

	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

// Ids handed to updates kept only in memory are never handed out again
// after a restart, though nothing but the reservation was stored.
func TestUpdateIDsIncreaseAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var last int64
	for restart := range 3 {
		st, err := sqlite.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		var a idAllocator
		for _, n := range []int{1, 5, idBlock} {
			first, err := a.alloc(ctx, st.BotAPI(), n)
			if err != nil {
				t.Fatal(err)
			}
			if first <= last {
				t.Fatalf("restart %d: id %d after %d", restart, first, last)
			}
			last = first + int64(n) - 1
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// Updates older than a day are forgotten, as the Bot API documents.
func TestUpdatesExpireAfterADay(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	now := time.Unix(1800000000, 0)
	s := &Server{opts: Options{Store: st, Clock: func() time.Time { return now }}}
	b := &bot{s: s, id: 1, queue: []*queued{
		{id: 1, kind: "callback_query", created: now.Add(-25 * time.Hour)},
		{id: 2, kind: "callback_query", created: now.Add(-24*time.Hour - time.Second)},
		{id: 3, kind: "callback_query", created: now.Add(-23 * time.Hour)},
	}}
	if err := b.expire(ctx); err != nil {
		t.Fatal(err)
	}
	if len(b.queue) != 1 || b.queue[0].id != 3 {
		t.Fatalf("left %d updates, first %d; want only update 3", len(b.queue), b.queue[0].id)
	}
	if err := b.expire(ctx); err != nil || len(b.queue) != 1 {
		t.Fatalf("a second pass changed the queue: %d, %v", len(b.queue), err)
	}
}
