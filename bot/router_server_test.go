package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
)

// TestRouterOnServer runs a Router as a real bot's update handler against a
// buttonflow server, with a gotd user pressing its buttons.
func TestRouterOnServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and two clients")
	}
	srv := startServer(t)
	token := srv.createBot("router_bot")
	srv.addGame("router_bot", "snake", "https://games.example/snake")

	var mu sync.Mutex
	var handlerErrs []error
	store := NewDataStore(DataStoreOptions{})
	r := NewRouter(Options{AnswerWithin: time.Second, Store: store, OnError: func(_ *Query, err error) {
		mu.Lock()
		defer mu.Unlock()
		handlerErrs = append(handlerErrs, err)
	}})
	t.Cleanup(r.Wait)
	r.CallbackExact("vote:", HandlerFunc(func(ctx context.Context, q *Query) error {
		return q.Answer(ctx, Answer{Text: "exact"})
	}))
	r.Callback("vote:", HandlerFunc(func(ctx context.Context, q *Query) error {
		return q.Answer(ctx, Answer{Text: "prefix " + string(q.Data[len("vote:"):]), CacheTime: 30 * time.Second})
	}))
	r.CallbackExact("silent", HandlerFunc(func(context.Context, *Query) error { return nil }))
	r.CallbackExact("panic", HandlerFunc(func(context.Context, *Query) error { panic("handler bug") }))
	release := make(chan struct{})
	slowAnswer := make(chan error, 1)
	r.CallbackExact("slow", HandlerFunc(func(ctx context.Context, q *Query) error {
		<-release // the work that takes longer than AnswerWithin
		slowAnswer <- q.Answer(ctx, Answer{Text: "too late"})
		return q.Edit(ctx, "slow work done", Inline(Row(CallbackButton("again", "slow"))))
	}))
	bigPayload := bytes.Repeat([]byte("0123456789abcdef"), 64) // 1 KB
	r.Callback("big:", HandlerFunc(func(ctx context.Context, q *Query) error {
		if !bytes.Equal(q.Data[len("big:"):], bigPayload) || len(q.Key) == 0 {
			return fmt.Errorf("payload %q, key %q", q.Data, q.Key)
		}
		return q.Answer(ctx, Answer{Text: fmt.Sprintf("%d bytes", len(q.Data))})
	}))
	r.Game("snake", HandlerFunc(func(ctx context.Context, q *Query) error {
		return q.Answer(ctx, Answer{URL: "https://games.example/snake?user=" + fmt.Sprint(q.UserID)})
	}))
	r.InlineCallback("ivote:", HandlerFunc(func(ctx context.Context, q *Query) error {
		if err := q.Answer(ctx, Answer{Text: "inline " + string(q.Data)}); err != nil {
			return err
		}
		return q.Edit(ctx, "1 vote for "+string(q.Data[len("ivote:"):]), nil)
	}))

	botUpdates := make(chan tg.UpdatesClass, 100)
	handler := telegram.UpdateHandlerFunc(func(ctx context.Context, u tg.UpdatesClass) error {
		select {
		case botUpdates <- u:
		default:
		}
		return r.Handle(ctx, u)
	})
	alice := srv.signUpUser("15550000071", "Alice")
	bot := srv.loginBot(token, handler, r.Bind)
	bot.updates = botUpdates
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// Alice starts the bot; the bot learns her access hash from the /start.
	resolved, err := alice.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "router_bot"})
	if err != nil {
		t.Fatal(err)
	}
	botUser := resolved.Users[0].(*tg.User)
	botPeer := &tg.InputPeerUser{UserID: botUser.ID, AccessHash: botUser.AccessHash}
	if _, err := alice.api.MessagesStartBot(ctx, &tg.MessagesStartBotRequest{
		Bot: &tg.InputUser{UserID: botUser.ID, AccessHash: botUser.AccessHash}, Peer: botPeer, RandomID: randomID()}); err != nil {
		t.Fatal(err)
	}
	alicePeer := func() *tg.InputPeerUser {
		timeout := time.After(testWait)
		for {
			select {
			case u := <-botUpdates:
				c, ok := u.(*tg.Updates)
				if !ok {
					continue
				}
				for _, one := range c.Users {
					if one, ok := one.(*tg.User); ok && one.ID == alice.self.ID {
						return &tg.InputPeerUser{UserID: one.ID, AccessHash: one.AccessHash}
					}
				}
			case <-timeout:
				t.Fatal(errNoUser)
			}
		}
	}()

	big, err := store.Button(ctx, "big", append([]byte("big:"), bigPayload...))
	if err != nil {
		t.Fatal(err)
	}
	keyboard := Inline(
		Row(CallbackButton("exact", "vote:"), CallbackButton("prefix", "vote:42"), big),
		Row(CallbackButton("silent", "silent"), CallbackButton("panic", "panic"), CallbackButton("slow", "slow")),
	)
	if _, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: alicePeer, Message: "press",
		RandomID: randomID(), ReplyMarkup: keyboard}); err != nil {
		t.Fatal(err)
	}
	msg := alice.next("the keyboard", newMessage("press")).(*tg.UpdateNewMessage).Message.(*tg.Message)
	press := func(data []byte) (*tg.MessagesBotCallbackAnswer, time.Duration, error) {
		start := time.Now()
		a, err := alice.api.MessagesGetBotCallbackAnswer(ctx, &tg.MessagesGetBotCallbackAnswerRequest{Peer: botPeer, MsgID: msg.ID, Data: data})
		return a, time.Since(start), err
	}

	t.Run("exact and prefix routes", func(t *testing.T) {
		if a, _, err := press([]byte("vote:")); err != nil || a.Message != "exact" {
			t.Fatalf("exact: %+v, %v", a, err)
		}
		if a, _, err := press([]byte("vote:42")); err != nil || a.Message != "prefix 42" || a.CacheTime != 30 {
			t.Fatalf("prefix: %+v, %v", a, err)
		}
	})
	t.Run("a handler that does not answer gets an empty answer", func(t *testing.T) {
		a, took, err := press([]byte("silent"))
		if err != nil || a.Message != "" || a.HasURL || a.Alert {
			t.Fatalf("silent: %+v, %v", a, err)
		}
		if took >= testCallbackTimeout {
			t.Fatalf("answered after %v", took)
		}
	})
	t.Run("a panicking handler is answered", func(t *testing.T) {
		if a, _, err := press([]byte("panic")); err != nil || a.Message != "" {
			t.Fatalf("panic: %+v, %v", a, err)
		}
		r.Wait()
		mu.Lock()
		defer mu.Unlock()
		var p *PanicError
		if len(handlerErrs) != 1 || !errors.As(handlerErrs[0], &p) || p.Value != "handler bug" {
			t.Fatalf("reported %v", handlerErrs)
		}
	})
	t.Run("large data round trip", func(t *testing.T) {
		data := big.Type.(*tg.InlineButtonTypeCallback).Data
		if len(data) > MaxCallbackData {
			t.Fatalf("key of %d bytes", len(data))
		}
		if a, _, err := press(data); err != nil || a.Message != fmt.Sprintf("%d bytes", len(bigPayload)+4) {
			t.Fatalf("big: %+v, %v", a, err)
		}
	})
	t.Run("a slow handler is answered first and edits after", func(t *testing.T) {
		a, took, err := press([]byte("slow"))
		if err != nil || a.Message != "" {
			t.Fatalf("slow: %+v, %v", a, err)
		}
		if took >= testCallbackTimeout-time.Second {
			t.Fatalf("the router answered after %v, not at its 1 s deadline", took)
		}
		close(release)
		if err := <-slowAnswer; !errors.Is(err, ErrAlreadyAnswered) {
			t.Fatalf("the handler's late answer: %v", err)
		}
		alice.next("the slow handler's edit", editedTo("slow work done"))
	})
	t.Run("game", func(t *testing.T) {
		if _, err := bot.api.MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: alicePeer, RandomID: randomID(),
			Media: &tg.InputMediaGame{ID: &tg.InputGameShortName{BotID: &tg.InputUserSelf{}, ShortName: "snake"}}}); err != nil {
			t.Fatal(err)
		}
		game := alice.next("the game", func(u tg.UpdateClass) bool {
			n, ok := u.(*tg.UpdateNewMessage)
			if !ok {
				return false
			}
			_, ok = n.Message.(*tg.Message).Media.(*tg.MessageMediaGame)
			return ok
		}).(*tg.UpdateNewMessage).Message.(*tg.Message)
		a, err := alice.api.MessagesGetBotCallbackAnswer(ctx, &tg.MessagesGetBotCallbackAnswerRequest{Game: true, Peer: botPeer, MsgID: game.ID})
		if want := fmt.Sprintf("https://games.example/snake?user=%d", alice.self.ID); err != nil || !a.HasURL || a.URL != want {
			t.Fatalf("game answer %+v, %v", a, err)
		}
	})
	t.Run("inline callback", func(t *testing.T) {
		results := make(chan error, 1)
		var res *tg.MessagesBotResults
		go func() {
			var err error
			res, err = alice.api.MessagesGetInlineBotResults(ctx, &tg.MessagesGetInlineBotResultsRequest{
				Bot: &tg.InputUser{UserID: botUser.ID, AccessHash: botUser.AccessHash}, Peer: botPeer, Query: "poll"})
			results <- err
		}()
		iq := bot.next("the inline query", func(u tg.UpdateClass) bool { _, ok := u.(*tg.UpdateBotInlineQuery); return ok }).(*tg.UpdateBotInlineQuery)
		if _, err := bot.api.MessagesSetInlineBotResults(ctx, &tg.MessagesSetInlineBotResultsRequest{QueryID: iq.QueryID,
			Results: []tg.InputBotInlineResultClass{&tg.InputBotInlineResult{ID: "a", Type: "article", Title: "Poll",
				SendMessage: &tg.InputBotInlineMessageText{Message: "inline poll", ReplyMarkup: Inline(Row(CallbackButton("A", "ivote:a")))}}}}); err != nil {
			t.Fatal(err)
		}
		if err := <-results; err != nil {
			t.Fatal(err)
		}
		sent, err := alice.api.MessagesSendInlineBotResult(ctx, &tg.MessagesSendInlineBotResultRequest{
			Peer: botPeer, RandomID: randomID(), QueryID: res.QueryID, ID: "a"})
		if err != nil {
			t.Fatal(err)
		}
		var via *tg.Message
		for _, u := range flatten(sent) {
			if newMessage("inline poll")(u) {
				via = u.(*tg.UpdateNewMessage).Message.(*tg.Message)
			}
		}
		if via == nil || via.ViaBotID != botUser.ID {
			t.Fatalf("sent %+v", sent)
		}
		a, err := alice.api.MessagesGetBotCallbackAnswer(ctx, &tg.MessagesGetBotCallbackAnswerRequest{Peer: botPeer, MsgID: via.ID, Data: []byte("ivote:a")})
		if err != nil || a.Message != "inline ivote:a" {
			t.Fatalf("inline answer %+v, %v", a, err)
		}
		alice.next("the inline edit", editedTo("1 vote for a"))
	})
	r.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(handlerErrs) != 1 {
		t.Fatalf("handler errors %v", handlerErrs)
	}
}
