package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/buttonflow/buttonflow/internal/store"
)

// TestBotAdministration: what BotFather changes of a bot, each in one step:
// owners list their bots, a hand-over needs the current owner, tokens and
// commands are replaced, and a deleted bot frees its username and games.
func TestBotAdministration(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	owner := &store.User{Phone: "15550001", FirstName: "Owner", CreatedAt: time.Unix(1, 0)}
	other := &store.User{Phone: "15550002", FirstName: "Other", CreatedAt: time.Unix(1, 0)}
	for _, u := range []*store.User{owner, other} {
		if err := s.Users().Create(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	a := &store.User{FirstName: "A", Username: "a_bot", Bot: true, BotToken: "t1", BotOwner: owner.ID, CreatedAt: time.Unix(2, 0)}
	b := &store.User{FirstName: "B", Username: "b_bot", Bot: true, BotToken: "t2", BotOwner: owner.ID, CreatedAt: time.Unix(3, 0)}
	for _, u := range []*store.User{a, b} {
		if err := s.Users().Create(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	bots, err := s.Users().BotsOf(ctx, owner.ID)
	if err != nil || len(bots) != 2 || bots[0].ID != a.ID || bots[1].ID != b.ID {
		t.Fatalf("bots of owner: %v, %v", bots, err)
	}

	if err := s.Users().SetBotOwner(ctx, a.ID, other.ID, other.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("hand-over by someone else: %v, want ErrNotFound", err)
	}
	if err := s.Users().SetBotOwner(ctx, a.ID, owner.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	if bots, _ := s.Users().BotsOf(ctx, other.ID); len(bots) != 1 || bots[0].ID != a.ID {
		t.Fatalf("bots of the new owner: %v", bots)
	}

	if err := s.Users().SetBotToken(ctx, a.ID, "t3"); err != nil {
		t.Fatal(err)
	}
	cmds := []store.BotCommand{{Command: "start", Description: "Start"}, {Command: "help", Description: "Help"}}
	if err := s.Users().SetBotCommands(ctx, a.ID, cmds); err != nil {
		t.Fatal(err)
	}
	got, err := s.Users().Get(ctx, a.ID)
	if err != nil || got.BotToken != "t3" || len(got.BotCommands) != 2 || got.BotCommands[1] != cmds[1] {
		t.Fatalf("bot after token and commands: %+v, %v", got, err)
	}
	if err := s.Users().SetBotToken(ctx, owner.ID, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("token for a person: %v, want ErrNotFound", err)
	}

	if err := s.Games().Add(ctx, &store.Game{BotID: a.ID, ShortName: "snake", Title: "Snake", URL: "https://x.example"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AuthKeys().Create(ctx, &store.AuthKey{ID: 7, CreatedAt: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	if err := s.AuthKeys().SetUser(ctx, 7, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if keys, err := s.AuthKeys().OfUser(ctx, a.ID); err != nil || len(keys) != 1 || keys[0] != 7 {
		t.Fatalf("keys of the bot: %v, %v", keys, err)
	}
	if err := s.Users().DeleteBot(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	got, err = s.Users().Get(ctx, a.ID)
	if err != nil || got.Username != "" || got.BotToken != "" || got.BotOwner != 0 || got.BotCommands != nil {
		t.Fatalf("deleted bot: %+v, %v", got, err)
	}
	if games, _ := s.Games().List(ctx, a.ID); len(games) != 0 {
		t.Fatalf("deleted bot's games: %v", games)
	}
	if _, err := s.Users().ByUsername(ctx, "a_bot"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted bot's username still taken: %v", err)
	}
}
