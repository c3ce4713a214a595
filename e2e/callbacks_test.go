package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"
)

// testCallbackTimeout is the --callback-timeout of test servers: short, so
// the BOT_RESPONSE_TIMEOUT tests do not wait 15 s.
const testCallbackTimeout = 5 * time.Second

// callbackBot answers the callback queries pushed to a bot with answer(q);
// a nil answer leaves the query unanswered.
type callbackBot struct {
	mu      sync.Mutex
	queries []*tg.UpdateBotCallbackQuery
}

func (cb *callbackBot) serve(ctx context.Context, t *testing.T, bot *liveClient, answer func(*tg.UpdateBotCallbackQuery) *tg.MessagesSetBotCallbackAnswerRequest) {
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-bot.updates:
				for _, one := range flatten(u) {
					q, ok := one.(*tg.UpdateBotCallbackQuery)
					if !ok {
						continue
					}
					cb.mu.Lock()
					cb.queries = append(cb.queries, q)
					cb.mu.Unlock()
					if a := answer(q); a != nil {
						a.QueryID = q.QueryID
						if _, err := bot.api.MessagesSetBotCallbackAnswer(ctx, a); err != nil && ctx.Err() == nil {
							t.Errorf("setBotCallbackAnswer: %v", err)
						}
					}
				}
			}
		}
	}()
}

func (cb *callbackBot) last(t *testing.T) *tg.UpdateBotCallbackQuery {
	t.Helper()
	cb.mu.Lock()
	defer cb.mu.Unlock()
	if len(cb.queries) == 0 {
		t.Fatal("the bot got no callback query")
	}
	return cb.queries[len(cb.queries)-1]
}

// TestCallbackQueries is the round trip of seed 000-004: a user presses
// callback buttons, the bot gets updateBotCallbackQuery and answers, and the
// user gets exactly what the bot set, or Telegram's error.
func TestCallbackQueries(t *testing.T) {
	srv := startServer(t)
	_, token := srv.createBot("answer_bot")
	_, otherToken := srv.createBot("other_bot")
	user := srv.signUpUser("15550000041", "Frank")
	bot := srv.loginBot(token)
	other := srv.loginBot(otherToken)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	botPeer := resolvePeer(ctx, t, user.api, "answer_bot")
	userPeer := &tg.InputPeerUser{UserID: user.self.ID, AccessHash: findAccessHashFromUser(t, bot, user.self.ID, user.api, "answer_bot",
		func(tg.UpdatesClass) error { return nil })}

	markup := &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: []tg.KeyboardInlineButton{
		{Text: "toast", Type: &tg.InlineButtonTypeCallback{Data: []byte("toast")}},
		{Text: "alert", Type: &tg.InlineButtonTypeCallback{Data: []byte("alert")}},
		{Text: "link", Type: &tg.InlineButtonTypeCallback{Data: []byte("link")}},
		{Text: "silent", Type: &tg.InlineButtonTypeCallback{Data: []byte("silent")}},
		{Text: "secret", Type: &tg.InlineButtonTypeCallback{Data: []byte("secret"), RequiresPassword: true}},
	}}}}
	res, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: userPeer, Message: "press", RandomID: randomID(), ReplyMarkup: markup})
	if err != nil {
		t.Fatal(err)
	}
	botMsg := sentMessage(t, res)
	userMsg := user.next("the keyboard", newMessage("press")).(*tg.UpdateNewMessage).Message.(*tg.Message)

	var cb callbackBot
	cb.serve(ctx, t, bot, func(q *tg.UpdateBotCallbackQuery) *tg.MessagesSetBotCallbackAnswerRequest {
		switch string(q.Data) {
		case "toast", "secret":
			return &tg.MessagesSetBotCallbackAnswerRequest{Message: "pressed " + string(q.Data), CacheTime: 30}
		case "alert":
			return &tg.MessagesSetBotCallbackAnswerRequest{Alert: true, Message: "are you sure?"}
		case "link":
			return &tg.MessagesSetBotCallbackAnswerRequest{URL: "https://t.me/answer_bot?start=from_button"}
		}
		return nil // "silent": the bot never answers
	})
	press := func(data string, pw tg.InputCheckPasswordSRPClass) (*tg.MessagesBotCallbackAnswer, error) {
		req := &tg.MessagesGetBotCallbackAnswerRequest{Peer: botPeer, MsgID: userMsg.ID, Data: []byte(data)}
		if pw != nil {
			req.SetPassword(pw)
		}
		return user.api.MessagesGetBotCallbackAnswer(ctx, req)
	}

	ans, err := press("toast", nil)
	if err != nil {
		t.Fatalf("press toast: %v", err)
	}
	if ans.Message != "pressed toast" || ans.Alert || ans.HasURL || ans.CacheTime != 30 {
		t.Fatalf("toast answer %+v", ans)
	}
	q := cb.last(t)
	if q.UserID != user.self.ID || q.MsgID != botMsg.ID || string(q.Data) != "toast" || q.ChatInstance == 0 || q.QueryID == 0 {
		t.Fatalf("query %+v (bot's message id %d)", q, botMsg.ID)
	}
	if p, ok := q.Peer.(*tg.PeerUser); !ok || p.UserID != user.self.ID {
		t.Fatalf("query peer %#v", q.Peer)
	}
	firstInstance := q.ChatInstance
	if ans, err = press("alert", nil); err != nil || !ans.Alert || ans.Message != "are you sure?" {
		t.Fatalf("alert: %+v, %v", ans, err)
	}
	if ans, err = press("link", nil); err != nil || !ans.HasURL || ans.URL != "https://t.me/answer_bot?start=from_button" {
		t.Fatalf("link: %+v, %v", ans, err)
	}
	if cb.last(t).ChatInstance != firstInstance {
		t.Fatal("chat_instance changed within one chat")
	}

	// Checks before the bot hears anything.
	_, err = press("no such button", nil)
	wantRPCError(t, err, "DATA_INVALID")
	_, err = user.api.MessagesGetBotCallbackAnswer(ctx, &tg.MessagesGetBotCallbackAnswerRequest{Peer: botPeer, MsgID: 999999, Data: []byte("toast")})
	wantRPCError(t, err, "MESSAGE_ID_INVALID")
	_, err = user.api.MessagesGetBotCallbackAnswer(ctx, &tg.MessagesGetBotCallbackAnswerRequest{
		Peer: &tg.InputPeerUser{UserID: botPeer.UserID, AccessHash: botPeer.AccessHash ^ 1}, MsgID: userMsg.ID, Data: []byte("toast")})
	wantRPCError(t, err, "PEER_ID_INVALID")
	_, err = bot.api.MessagesGetBotCallbackAnswer(ctx, &tg.MessagesGetBotCallbackAnswerRequest{Peer: userPeer, MsgID: botMsg.ID, Data: []byte("toast")})
	wantRPCError(t, err, "BOT_METHOD_INVALID")
	_, err = user.api.MessagesSetBotCallbackAnswer(ctx, &tg.MessagesSetBotCallbackAnswerRequest{QueryID: 1})
	wantRPCError(t, err, "USER_BOT_REQUIRED")

	// No answer: BOT_RESPONSE_TIMEOUT after --callback-timeout, and a late
	// answer (or one from another bot) is QUERY_ID_INVALID.
	start := time.Now()
	_, err = press("silent", nil)
	wantRPCError(t, err, "BOT_RESPONSE_TIMEOUT")
	if waited := time.Since(start); waited < testCallbackTimeout {
		t.Fatalf("timed out after %v, before the %v timeout", waited, testCallbackTimeout)
	}
	late := cb.last(t)
	_, err = bot.api.MessagesSetBotCallbackAnswer(ctx, &tg.MessagesSetBotCallbackAnswerRequest{QueryID: late.QueryID, Message: "late"})
	wantRPCError(t, err, "QUERY_ID_INVALID")

	// A password button: PASSWORD_MISSING without 2FA, then wrong and right proofs.
	_, err = press("secret", nil)
	wantRPCError(t, err, "PASSWORD_MISSING")
	if err := user.client.Auth().UpdatePassword(ctx, "s3cret", auth.UpdatePasswordOptions{}); err != nil {
		t.Fatal(err)
	}
	proof := func(pw string) *tg.InputCheckPasswordSRP { return user.passwordProof(ctx, pw) }
	before := len(cb.queries)
	_, err = press("secret", proof("wrong"))
	wantRPCError(t, err, "PASSWORD_HASH_INVALID")
	_, err = press("secret", &tg.InputCheckPasswordEmpty{})
	wantRPCError(t, err, "PASSWORD_HASH_INVALID")
	cb.mu.Lock()
	heard := len(cb.queries) - before
	cb.mu.Unlock()
	if heard != 0 {
		t.Fatalf("the bot heard %d password presses that failed the check", heard)
	}
	if ans, err = press("secret", proof("s3cret")); err != nil || ans.Message != "pressed secret" {
		t.Fatalf("password button with the right password: %+v, %v", ans, err)
	}

	// The bot's answers are checked too.
	var rawAnswers sync.WaitGroup
	check := func(set *tg.MessagesSetBotCallbackAnswerRequest, want string) {
		t.Helper()
		// Press a button no handler answers, and answer it by hand.
		rawAnswers.Add(1)
		go func() {
			defer rawAnswers.Done()
			_, _ = press("silent", nil)
		}()
		var id int64
		deadline := time.After(e2eWait)
		for id == 0 {
			select {
			case <-deadline:
				t.Fatal("no query to answer")
			case <-time.After(10 * time.Millisecond):
				cb.mu.Lock()
				if l := cb.queries[len(cb.queries)-1]; l.QueryID != late.QueryID && string(l.Data) == "silent" {
					id = l.QueryID
				}
				cb.mu.Unlock()
			}
		}
		late = &tg.UpdateBotCallbackQuery{QueryID: id}
		set.QueryID = id
		_, err := other.api.MessagesSetBotCallbackAnswer(ctx, set)
		wantRPCError(t, err, "QUERY_ID_INVALID") // not other's query
		_, err = bot.api.MessagesSetBotCallbackAnswer(ctx, set)
		if want == "" {
			if err != nil {
				t.Fatalf("answer %+v: %v", set, err)
			}
			_, err = bot.api.MessagesSetBotCallbackAnswer(ctx, set)
			wantRPCError(t, err, "QUERY_ID_INVALID") // answered already
			return
		}
		wantRPCError(t, err, want)
		// Answer properly so the press ends now.
		_, _ = bot.api.MessagesSetBotCallbackAnswer(ctx, &tg.MessagesSetBotCallbackAnswerRequest{QueryID: id})
	}
	check(&tg.MessagesSetBotCallbackAnswerRequest{URL: "https://example.com/phish"}, "URL_INVALID")
	check(&tg.MessagesSetBotCallbackAnswerRequest{URL: "https://t.me/other_bot?start=x"}, "URL_INVALID")
	check(&tg.MessagesSetBotCallbackAnswerRequest{Message: strings.Repeat("é", 201)}, "MESSAGE_TOO_LONG")
	check(&tg.MessagesSetBotCallbackAnswerRequest{Message: strings.Repeat("é", 200)}, "")
	rawAnswers.Wait()
}

// waitQuery waits for the next callback query pushed to a bot.
func waitQuery(t *testing.T, bot *liveClient) *tg.UpdateBotCallbackQuery {
	t.Helper()
	return bot.next("a callback query", func(u tg.UpdateClass) bool { _, ok := u.(*tg.UpdateBotCallbackQuery); return ok }).(*tg.UpdateBotCallbackQuery)
}

// TestGameGroupAndSessionsCallbacks: a game button sends game_short_name
// and takes the game's URL as the answer; chat_instance is shared by a
// group's members and differs between chats; a bot logged in twice gets every
// query on both sessions and only the first answer counts.
func TestGameGroupAndSessionsCallbacks(t *testing.T) {
	srv := startServer(t)
	_, token := srv.createBot("arcade_bot")
	srv.addGame("arcade_bot", "snake", "Snake", "https://games.example/snake")
	alice := srv.signUpUser("15550000051", "Alice")
	bob := srv.signUpUser("15550000052", "Bob")
	bot := srv.loginBot(token)
	bot2 := srv.loginBot(token)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	botPeer := resolvePeer(ctx, t, alice.api, "arcade_bot")
	alicePeer := &tg.InputPeerUser{UserID: alice.self.ID, AccessHash: findAccessHashFromUser(t, bot, alice.self.ID, alice.api, "arcade_bot",
		func(tg.UpdatesClass) error { return nil })}
	drain := func(lc *liveClient) {
		for {
			select {
			case <-lc.updates:
			default:
				return
			}
		}
	}
	drain(bot2)

	// A game.
	res, err := bot.api.MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: alicePeer, RandomID: randomID(),
		Media: &tg.InputMediaGame{ID: &tg.InputGameShortName{BotID: &tg.InputUserSelf{}, ShortName: "snake"}}})
	if err != nil {
		t.Fatal(err)
	}
	gameMsg := sentMessage(t, res)
	seen := alice.next("the game", func(u tg.UpdateClass) bool {
		n, ok := u.(*tg.UpdateNewMessage)
		if !ok {
			return false
		}
		_, ok = n.Message.(*tg.Message).Media.(*tg.MessageMediaGame)
		return ok
	}).(*tg.UpdateNewMessage).Message.(*tg.Message)
	type result struct {
		ans *tg.MessagesBotCallbackAnswer
		err error
	}
	pressAsync := func(who *liveClient, req *tg.MessagesGetBotCallbackAnswerRequest) chan result {
		ch := make(chan result, 1)
		go func() {
			a, err := who.api.MessagesGetBotCallbackAnswer(ctx, req)
			ch <- result{a, err}
		}()
		return ch
	}
	done := pressAsync(alice, &tg.MessagesGetBotCallbackAnswerRequest{Game: true, Peer: botPeer, MsgID: seen.ID})
	q := waitQuery(t, bot)
	if q2 := waitQuery(t, bot2); q2.QueryID != q.QueryID {
		t.Fatalf("the bot's two sessions got queries %d and %d", q.QueryID, q2.QueryID)
	}
	if name, ok := q.GetGameShortName(); !ok || name != "snake" || q.MsgID != gameMsg.ID {
		t.Fatalf("game query %+v", q)
	}
	if _, ok := q.GetData(); ok {
		t.Fatal("a game query carries data")
	}
	_, err = bot.api.MessagesSetBotCallbackAnswer(ctx, &tg.MessagesSetBotCallbackAnswerRequest{QueryID: q.QueryID, URL: "https://games.example/other"})
	wantRPCError(t, err, "URL_INVALID")
	if _, err := bot2.api.MessagesSetBotCallbackAnswer(ctx, &tg.MessagesSetBotCallbackAnswerRequest{QueryID: q.QueryID, URL: "https://games.example/snake?player=1"}); err != nil {
		t.Fatalf("second session answers: %v", err)
	}
	_, err = bot.api.MessagesSetBotCallbackAnswer(ctx, &tg.MessagesSetBotCallbackAnswerRequest{QueryID: q.QueryID, Message: "me too"})
	wantRPCError(t, err, "QUERY_ID_INVALID")
	r := <-done
	if r.err != nil || !r.ans.HasURL || !r.ans.NativeUI || r.ans.URL != "https://games.example/snake?player=1" {
		t.Fatalf("game answer %+v, %v", r.ans, r.err)
	}
	privateInstance := q.ChatInstance

	// The game flag on a message without a game button.
	if _, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: alicePeer, Message: "no game", RandomID: randomID(), ReplyMarkup: inlineKeyboard("x")}); err != nil {
		t.Fatal(err)
	}
	plain := alice.next("a plain keyboard", newMessage("no game")).(*tg.UpdateNewMessage).Message.(*tg.Message)
	_, err = alice.api.MessagesGetBotCallbackAnswer(ctx, &tg.MessagesGetBotCallbackAnswerRequest{Game: true, Peer: botPeer, MsgID: plain.ID})
	wantRPCError(t, err, "DATA_INVALID")

	// A group: both members' presses share a chat_instance of their own.
	bobHash := publicHash(ctx, t, bob, alice, "bob_gamer")
	created, err := alice.api.MessagesCreateChat(ctx, &tg.MessagesCreateChatRequest{Title: "arcade", Users: []tg.InputUserClass{
		&tg.InputUser{UserID: bob.self.ID, AccessHash: bobHash}, &tg.InputUser{UserID: botPeer.UserID, AccessHash: botPeer.AccessHash}}})
	if err != nil {
		t.Fatal(err)
	}
	group := chatIn[*tg.Chat](t, created.Updates)
	if _, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: &tg.InputPeerChat{ChatID: group.ID},
		Message: "group keyboard", RandomID: randomID(), ReplyMarkup: inlineKeyboard("g")}); err != nil {
		t.Fatal(err)
	}
	var instances []int64
	for _, who := range []*liveClient{alice, bob} {
		m := who.next("the group keyboard", newMessage("group keyboard")).(*tg.UpdateNewMessage).Message.(*tg.Message)
		done := pressAsync(who, &tg.MessagesGetBotCallbackAnswerRequest{Peer: &tg.InputPeerChat{ChatID: group.ID}, MsgID: m.ID, Data: []byte("g")})
		q := waitQuery(t, bot)
		if p, ok := q.Peer.(*tg.PeerChat); !ok || p.ChatID != group.ID || q.UserID != who.self.ID {
			t.Fatalf("group query %+v", q)
		}
		if _, err := bot.api.MessagesSetBotCallbackAnswer(ctx, &tg.MessagesSetBotCallbackAnswerRequest{QueryID: q.QueryID, Message: "ok"}); err != nil {
			t.Fatal(err)
		}
		if r := <-done; r.err != nil || r.ans.Message != "ok" {
			t.Fatalf("group press: %+v, %v", r.ans, r.err)
		}
		instances = append(instances, q.ChatInstance)
	}
	if instances[0] != instances[1] {
		t.Fatal("two members of one group got different chat_instance values")
	}
	if instances[0] == privateInstance {
		t.Fatal("a group and a private chat share a chat_instance")
	}
}
