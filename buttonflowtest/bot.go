package buttonflowtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

// BotOption configures CreateBot and NewBot.
type BotOption func(*botOptions)

type botOptions struct {
	name        string
	inline      bool
	placeholder string
	games       []game
	handler     func(ctx context.Context, b *Bot, u tg.UpdatesClass) error
}

type game struct{ short, title, url string }

// WithBotName is the bot's display name (its username when not given).
func WithBotName(name string) BotOption {
	return func(o *botOptions) { o.name = name }
}

// WithInline turns the bot's inline mode on with this input placeholder,
// as `buttonflow bot create --inline` does.
func WithInline(placeholder string) BotOption {
	return func(o *botOptions) { o.inline, o.placeholder = true, placeholder }
}

// WithGame registers a game for the bot, as `buttonflow bot game add` does.
func WithGame(shortName, title, url string) BotOption {
	return func(o *botOptions) { o.games = append(o.games, game{shortName, title, url}) }
}

// WithUpdateHandler handles every update pushed to the bot instead of the
// Updates channel. It runs on gotd's update goroutines, after NewBot has
// filled b in.
func WithUpdateHandler(h func(ctx context.Context, b *Bot, u tg.UpdatesClass) error) BotOption {
	return func(o *botOptions) { o.handler = h }
}

// Bot is a bot account logged in over its own gotd client.
type Bot struct {
	// Token is the bot's token, for auth.importBotAuthorization (and any
	// bot framework speaking MTProto to this server).
	Token string
	// Self is the bot's account.
	Self *tg.User
	// Client is the running gotd client; API its raw API.
	Client *telegram.Client
	API    *tg.Client
	// Updates receives every update pushed to the bot unless
	// WithUpdateHandler was given. Keep reading it: a full channel holds
	// the bot's updates back.
	Updates <-chan tg.UpdatesClass
}

// CreateBot registers a bot account without connecting it and returns its
// token, for tests that log bots in themselves (with TelegramOptions, or a
// bot framework). Only the account options (name, inline mode, games) apply.
func (s *Server) CreateBot(t TB, username string, opts ...BotOption) string {
	t.Helper()
	var o botOptions
	for _, f := range opts {
		f(&o)
	}
	token, err := s.createBot(username, o)
	if err != nil {
		t.Fatalf("buttonflowtest: %v", err)
	}
	return token
}

func (s *Server) createBot(username string, o botOptions) (string, error) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, s.dataDir)
	if err != nil {
		return "", fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	name := o.name
	if name == "" {
		name = username
	}
	u, token, err := chat.CreateBot(ctx, st.Users(), rand.Reader, time.Now(), username, name, 0)
	if err != nil {
		return "", err
	}
	if o.inline {
		if err := st.Users().SetBotInline(ctx, u.ID, true, o.placeholder); err != nil {
			return "", fmt.Errorf("inline mode: %w", err)
		}
	}
	for _, g := range o.games {
		if _, err := chat.AddGame(ctx, st, username, g.short, g.title, "", g.url); err != nil {
			return "", err
		}
	}
	return token, nil
}

// NewBot registers a bot (CreateBot) and logs it in with its token over a
// gotd client of its own; the client stops when the test ends.
func (s *Server) NewBot(t TB, username string, opts ...BotOption) *Bot {
	t.Helper()
	var o botOptions
	for _, f := range opts {
		f(&o)
	}
	token, err := s.createBot(username, o)
	if err != nil {
		t.Fatalf("buttonflowtest: %v", err)
	}
	b := &Bot{Token: token}
	updates := make(chan tg.UpdatesClass, 256)
	if o.handler == nil {
		b.Updates = updates
	}
	ready := make(chan struct{})
	topts := s.TelegramOptions()
	topts.UpdateHandler = telegram.UpdateHandlerFunc(func(ctx context.Context, u tg.UpdatesClass) error {
		select {
		case <-ready:
		case <-ctx.Done():
			return ctx.Err()
		}
		if o.handler != nil {
			return o.handler(ctx, b, u)
		}
		select {
		case updates <- u:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	b.Client = telegram.NewClient(appID, appHash, topts)
	b.API = b.Client.API()

	runCtx, cancel := context.WithCancel(context.Background())
	started := make(chan error, 2)
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := b.Client.Run(runCtx, func(ctx context.Context) error {
			if _, err := b.Client.Auth().Bot(ctx, token); err != nil {
				return fmt.Errorf("bot login: %w", err)
			}
			self, err := b.Client.Self(ctx)
			if err != nil {
				return fmt.Errorf("self: %w", err)
			}
			b.Self = self
			close(ready)
			started <- nil
			<-ctx.Done()
			return nil
		})
		started <- err
	}()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	select {
	case err := <-started:
		if err != nil {
			stop()
			t.Fatalf("buttonflowtest: bot @%s: %v", username, err)
		}
	case <-time.After(WaitTimeout):
		stop()
		t.Fatalf("buttonflowtest: bot @%s did not log in within %v", username, WaitTimeout)
	}
	t.Cleanup(stop)
	return b
}

// PeerOf is the InputPeer of a user as the bot sees it, found by username
// (contacts.resolveUsername), the way a bot addresses a user it has not
// heard from.
func (b *Bot) PeerOf(ctx context.Context, username string) (*tg.InputPeerUser, error) {
	r, err := b.API.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: username})
	if err != nil {
		return nil, fmt.Errorf("resolve @%s: %w", username, err)
	}
	for _, u := range r.Users {
		if u, ok := u.(*tg.User); ok && u.Username == username {
			return &tg.InputPeerUser{UserID: u.ID, AccessHash: u.AccessHash}, nil
		}
	}
	return nil, fmt.Errorf("resolve @%s: no such user in the answer", username)
}
