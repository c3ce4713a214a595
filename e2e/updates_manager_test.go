package e2e

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/telegram/updates"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"
)

// diffCounter is the API gotd's updates manager uses, counting how often it
// had to fall back to updates.getDifference (which it does on any gap).
type diffCounter struct {
	*tg.Client
	diffs atomic.Int32
}

func (c *diffCounter) UpdatesGetDifference(ctx context.Context, r *tg.UpdatesGetDifferenceRequest) (tg.UpdatesDifferenceClass, error) {
	c.diffs.Add(1)
	return c.Client.UpdatesGetDifference(ctx, r)
}

// TestGotdUpdatesManagerSeesNoGaps runs gotd's updates manager (the
// pts/seq gap detector of telegram/updates) as a user while a bot sends it
// messages and the user sends its own (feeding its RPC results to the
// manager as gotd intends): every message arrives once, in order, and the
// manager never finds a gap to fill with getDifference.
func TestGotdUpdatesManagerSeesNoGaps(t *testing.T) {
	srv := startServer(t)
	_, token := srv.createBot("gaps_bot")
	bot := srv.loginBot(token)
	const phone = "15550000004"
	// Sign the user up first, then come back with gotd's manager.
	storage := &session.StorageMemory{}
	first, err := srv.connect(storage, func(ctx context.Context, c *telegram.Client) error {
		return auth.NewFlow(signUpAuth{phone: phone, first: "Dan"}, auth.SendCodeOptions{}).Run(ctx, c.Auth())
	})
	if err != nil {
		t.Fatal(err)
	}
	userID := first.self.ID
	first.stop()

	var (
		mu   sync.Mutex
		got  []string
		done = make(chan struct{})
	)
	const fromBot = 40
	dispatcher := tg.NewUpdateDispatcher()
	dispatcher.OnNewMessage(func(ctx context.Context, e tg.Entities, u *tg.UpdateNewMessage) error {
		m := u.Message.(*tg.Message)
		if m.Out {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		got = append(got, m.Message)
		if len(got) == fromBot {
			close(done)
		}
		return nil
	})
	manager := updates.New(updates.Config{Handler: dispatcher})
	host, port := srv.hostPort()
	client := telegram.NewClient(17349, "buttonflow-test", telegram.Options{
		PublicKeys: []telegram.PublicKey{{RSA: srv.key()}}, DC: 2, DCList: dcList(host, port),
		Resolver: plainResolver(transport.Intermediate), SessionStorage: storage,
		UpdateHandler: manager, DialTimeout: 60 * time.Second,
	})
	api := &diffCounter{Client: client.API()}
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	err = client.Run(ctx, func(ctx context.Context) error {
		started := make(chan struct{})
		runErr := make(chan error, 1)
		go func() {
			runErr <- manager.Run(ctx, api, userID, updates.AuthOptions{Forget: true, OnStart: func(context.Context) { close(started) }})
		}()
		select {
		case <-started:
		case err := <-runErr:
			return fmt.Errorf("manager: %w", err)
		}
		hash := findAccessHashFromUser(t, bot, userID, client.API(), "gaps_bot", func(u tg.UpdatesClass) error { return manager.Handle(ctx, u) })
		peer := &tg.InputPeerUser{UserID: userID, AccessHash: hash}
		botPeer := resolvePeer(ctx, t, client.API(), "gaps_bot")
		for i := range fromBot {
			if _, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
				Peer: peer, Message: fmt.Sprintf("m%02d", i), RandomID: randomID(),
			}); err != nil {
				return err
			}
			if i%10 == 0 {
				res, err := client.API().MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
					Peer: botPeer, Message: fmt.Sprintf("reply %d", i), RandomID: randomID(),
				})
				if err != nil {
					return err
				}
				if err := manager.Handle(ctx, res); err != nil {
					return err
				}
			}
		}
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("got %d of %d messages", len(got), fromBot)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range got {
		if want := fmt.Sprintf("m%02d", i); m != want {
			t.Fatalf("message %d is %q, want %q (all: %v)", i, m, want, got)
		}
	}
	// gotd asks for the difference once at startup; any more is a gap.
	if n := api.diffs.Load(); n != 1 {
		t.Fatalf("the updates manager called getDifference %d times, want 1 (at startup): it saw a gap", n)
	}
}

// resolvePeer resolves a username to an InputPeer with api.
func resolvePeer(ctx context.Context, t *testing.T, api *tg.Client, username string) *tg.InputPeerUser {
	t.Helper()
	r, err := api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: username})
	if err != nil {
		t.Fatal(err)
	}
	u := r.Users[0].(*tg.User)
	return &tg.InputPeerUser{UserID: u.ID, AccessHash: u.AccessHash}
}

// findAccessHashFromUser has the user start the bot (through api) and returns
// the access hash the bot got for the user.
func findAccessHashFromUser(t *testing.T, bot *liveClient, userID int64, api *tg.Client, username string, result func(tg.UpdatesClass) error) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	p := resolvePeer(ctx, t, api, username)
	res, err := api.MessagesStartBot(ctx, &tg.MessagesStartBotRequest{
		Bot: &tg.InputUser{UserID: p.UserID, AccessHash: p.AccessHash}, Peer: p, RandomID: randomID(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := result(res); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(e2eWait)
	for {
		select {
		case u := <-bot.updates:
			for _, one := range flatten(u) {
				if newMessage("/start")(one) {
					return userPeer(t, containerUsers(u), userID).AccessHash
				}
			}
		case <-timeout:
			t.Fatal("the bot got no /start")
		}
	}
}
