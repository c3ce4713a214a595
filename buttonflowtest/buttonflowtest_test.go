package buttonflowtest_test

import (
	"context"
	"testing"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/buttonflowtest"
)

// TestServerHandsOutClients: a user with a name, username and 2FA
// password, and a bot made by CreateBot (inline, with a game) that a plain
// gotd client logs in with its token, as a bot framework would, and that
// hears the user start it. (The Example covers NewBot.)
func TestServerHandsOutClients(t *testing.T) {
	srv := buttonflowtest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), buttonflowtest.WaitTimeout)
	defer cancel()

	token := srv.CreateBot(t, "hello_bot", buttonflowtest.WithBotName("Hello"), buttonflowtest.WithInline("Ask me"),
		buttonflowtest.WithGame("snake", "Snake", "https://games.example/snake"))
	user := srv.NewUser(t, buttonflowtest.WithName("Alice", "Smith"), buttonflowtest.WithUsername("alice_s"), buttonflowtest.WithPassword("pw"))
	self, err := user.Self(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if self.FirstName != "Alice" || self.LastName != "Smith" || self.Username != "alice_s" || self.Phone == "" {
		t.Fatalf("user %+v", self)
	}
	pw, err := user.API().AccountGetPassword(ctx)
	if err != nil || !pw.HasPassword {
		t.Fatalf("2FA password: %+v, %v", pw, err)
	}
	botUser, _, err := user.Resolve(ctx, "hello_bot")
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := botUser.GetBotInlinePlaceholder(); !botUser.Bot || botUser.FirstName != "Hello" || p != "Ask me" {
		t.Fatalf("bot %+v", botUser)
	}

	heard := make(chan string, 10)
	opts := srv.TelegramOptions()
	opts.UpdateHandler = telegram.UpdateHandlerFunc(func(ctx context.Context, u tg.UpdatesClass) error {
		if up, ok := u.(*tg.Updates); ok {
			for _, one := range up.Updates {
				if n, ok := one.(*tg.UpdateNewMessage); ok {
					heard <- n.Message.(*tg.Message).Message
				}
			}
		}
		return nil
	})
	tc := telegram.NewClient(1, "raw", opts)
	if err := tc.Run(ctx, func(ctx context.Context) error {
		if _, err := tc.Auth().Bot(ctx, token); err != nil {
			return err
		}
		if self, err := tc.Self(ctx); err != nil || self.Username != "hello_bot" {
			t.Errorf("logged in as %+v, %v", self, err)
		}
		if err := user.StartBot(ctx, "hello_bot", "x"); err != nil {
			return err
		}
		select {
		case text := <-heard:
			if text != "/start x" {
				t.Errorf("the bot heard %q", text)
			}
		case <-ctx.Done():
			t.Error("the bot did not hear /start")
		}
		return nil
	}); err != nil {
		t.Fatalf("raw gotd bot: %v", err)
	}
}
