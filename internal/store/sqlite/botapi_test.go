package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/buttonflow/buttonflow/internal/store"
)

func TestBotAPIQueueAndReservedIDsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	bot := &store.User{FirstName: "b", Bot: true, CreatedAt: time.Unix(1700000000, 0)}
	if err := s.Users().Create(ctx, bot); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BotAPI().Bot(ctx, bot.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("state of a new bot: %v, want ErrNotFound", err)
	}
	st := &store.BotAPIBot{BotID: bot.ID, Pts: 3, AllowedUpdates: []string{"message", "callback_query"},
		Webhook: store.Webhook{URL: "http://127.0.0.1:9/hook", SecretToken: "s", MaxConnections: 5}}
	if err := s.BotAPI().PutBot(ctx, st); err != nil {
		t.Fatal(err)
	}
	if r, err := s.BotAPI().ReservedIDs(ctx); err != nil || r != 0 {
		t.Fatalf("reserved ids of a new store: %d, %v", r, err)
	}
	ups := []*store.BotAPIUpdate{{ID: 1, Kind: "message", Payload: []byte(`{"message":{}}`)}, {ID: 2, Kind: "callback_query", Payload: []byte(`{"callback_query":{}}`)}}
	if err := s.BotAPI().Queue(ctx, bot.ID, 7, ups); err != nil {
		t.Fatal(err)
	}
	if err := s.BotAPI().ReserveIDs(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	if err := s.BotAPI().ReserveIDs(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if err := s.BotAPI().Confirm(ctx, bot.ID, ups[1].ID+1); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := openTest(t, dir)
	got, err := s2.BotAPI().Bot(ctx, bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Pts != 7 || len(got.AllowedUpdates) != 2 || got.Webhook.URL != st.Webhook.URL || got.Webhook.MaxConnections != 5 {
		t.Fatalf("state after reopen: %+v", got)
	}
	if r, err := s2.BotAPI().ReservedIDs(ctx); err != nil || r != 1000 {
		t.Fatalf("reserved ids after reopen: %d, %v; want 1000", r, err)
	}
	more := []*store.BotAPIUpdate{{ID: 1001, Kind: "message", Payload: []byte(`{"message":{}}`)}}
	if err := s2.BotAPI().Queue(ctx, bot.ID, 5, more); err != nil {
		t.Fatal(err)
	}
	if r, _ := s2.BotAPI().ReservedIDs(ctx); r != 1001 {
		t.Fatalf("reserved ids below a queued update: %d", r)
	}
	if got, _ := s2.BotAPI().Bot(ctx, bot.ID); got.Pts != 7 {
		t.Fatalf("pts went back to %d", got.Pts)
	}
	stale := *got
	stale.Pts = 2
	stale.Webhook.URL = ""
	if err := s2.BotAPI().PutBot(ctx, &stale); err != nil {
		t.Fatal(err)
	}
	if again, _ := s2.BotAPI().Bot(ctx, bot.ID); again.Pts != 7 || again.Webhook.URL != "" {
		t.Fatalf("after putting a stale state: pts %d, webhook %q", again.Pts, again.Webhook.URL)
	}
	pending, err := s2.BotAPI().Pending(ctx, bot.ID, 0, 10)
	if err != nil || len(pending) != 1 || string(pending[0].Payload) != `{"message":{}}` {
		t.Fatalf("pending = %v, %v", pending, err)
	}
	if err := s2.BotAPI().SetWebhookError(ctx, bot.ID, time.Unix(1700000100, 0), "502 Bad Gateway"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s2.BotAPI().Bot(ctx, bot.ID); got.Webhook.LastErrorMessage != "502 Bad Gateway" || got.Webhook.LastErrorDate.Unix() != 1700000100 {
		t.Fatalf("webhook error not kept: %+v", got.Webhook)
	}
	if err := s2.BotAPI().Drop(ctx, bot.ID); err != nil {
		t.Fatal(err)
	}
	if left, _ := s2.BotAPI().Pending(ctx, bot.ID, 0, 10); len(left) != 0 {
		t.Fatalf("queue kept %d updates after Drop", len(left))
	}
}
