package tap

import (
	"context"
	"testing"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/chat"
)

type recordPusher struct{ got []int64 }

func (r *recordPusher) PushUser(_ context.Context, userID int64, _ chat.Session, _ tg.UpdatesClass) error {
	r.got = append(r.got, userID)
	return nil
}

func TestWatchSeesOnlyItsAccountUntilStopped(t *testing.T) {
	next := &recordPusher{}
	p := &Pusher{Next: next}
	var seen []tg.UpdatesClass
	stop := p.Watch(7, func(_ context.Context, u tg.UpdatesClass) { seen = append(seen, u) })
	ctx := context.Background()
	u := &tg.Updates{Date: 42, Updates: []tg.UpdateClass{}, Users: []tg.UserClass{}, Chats: []tg.ChatClass{}}
	if err := p.PushUser(ctx, 7, chat.Session{}, u); err != nil {
		t.Fatal(err)
	}
	if err := p.PushUser(ctx, 8, chat.Session{}, u); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 {
		t.Fatalf("watcher of 7 saw %v, want one push", seen)
	}
	if c, ok := seen[0].(*tg.Updates); !ok || c == u || c.Date != 42 {
		t.Fatalf("watcher saw %#v, want its own copy of the push", seen[0])
	}
	stop()
	if err := p.PushUser(ctx, 7, chat.Session{}, u); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 {
		t.Fatalf("watcher saw a push after stop")
	}
	if len(p.watchers) != 0 {
		t.Fatalf("watchers left after stop: %v", p.watchers)
	}
	if want := []int64{7, 8, 7}; len(next.got) != 3 || next.got[0] != 7 || next.got[1] != 8 || next.got[2] != 7 {
		t.Fatalf("next got %v, want %v", next.got, want)
	}
}
