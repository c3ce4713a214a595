package e2e

import (
	"context"
	"testing"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

// setInline turns a bot's inline mode on, as `bot create --inline` does.
func (s *testServer) setInline(botID int64) {
	s.t.Helper()
	st, err := sqlite.Open(context.Background(), s.dataDir)
	if err != nil {
		s.t.Fatal(err)
	}
	defer st.Close()
	if err := st.Users().SetBotInline(context.Background(), botID, true, "Search..."); err != nil {
		s.t.Fatal(err)
	}
}

// TestInlineMode: a user asks an inline bot for results in a chat with
// another user, sends one "via" the bot, the other user presses its button,
// the bot gets updateInlineBotCallbackQuery with an inline message id it
// answers and edits the message with; both users see the edit.
func TestInlineMode(t *testing.T) {
	srv := startServer(t)
	botID, token := srv.createBot("inline_bot")
	srv.setInline(botID)
	_, plainToken := srv.createBot("plain_bot")
	alice := srv.signUpUser("15550000061", "Alice")
	bob := srv.signUpUser("15550000062", "Bob")
	bot := srv.loginBot(token)
	plain := srv.loginBot(plainToken)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	bobHash := publicHash(ctx, t, bob, alice, "bob_inline")
	bobPeer := &tg.InputPeerUser{UserID: bob.self.ID, AccessHash: bobHash}
	botUser := resolvePeer(ctx, t, alice.api, "inline_bot")
	botInput := &tg.InputUser{UserID: botUser.UserID, AccessHash: botUser.AccessHash}
	if u := resolvedUser(ctx, t, alice, "inline_bot"); u.BotInlinePlaceholder != "Search..." {
		t.Fatalf("inline bot's placeholder %q", u.BotInlinePlaceholder)
	}

	type results struct {
		res *tg.MessagesBotResults
		err error
	}
	ask := func(q string) chan results {
		ch := make(chan results, 1)
		go func() {
			r, err := alice.api.MessagesGetInlineBotResults(ctx, &tg.MessagesGetInlineBotResultsRequest{Bot: botInput, Peer: bobPeer, Query: q})
			ch <- results{r, err}
		}()
		return ch
	}
	pending := ask("pick")
	iq := bot.next("the inline query", func(u tg.UpdateClass) bool { _, ok := u.(*tg.UpdateBotInlineQuery); return ok }).(*tg.UpdateBotInlineQuery)
	if iq.Query != "pick" || iq.UserID != alice.self.ID {
		t.Fatalf("inline query %+v", iq)
	}
	if pt, _ := iq.GetPeerType(); pt == nil || pt.TypeID() != (&tg.InlineQueryPeerTypePM{}).TypeID() {
		t.Fatalf("peer type %#v", pt)
	}
	result := func(id, text string) tg.InputBotInlineResultClass {
		return &tg.InputBotInlineResult{ID: id, Type: "article", Title: text, SendMessage: &tg.InputBotInlineMessageText{
			Message: text, ReplyMarkup: inlineKeyboard("vote:" + id)}}
	}
	_, err := bot.api.MessagesSetInlineBotResults(ctx, &tg.MessagesSetInlineBotResultsRequest{QueryID: iq.QueryID,
		Results: []tg.InputBotInlineResultClass{result("a", "Option A"), result("a", "dup")}})
	wantRPCError(t, err, "RESULT_ID_DUPLICATE")
	if _, err := bot.api.MessagesSetInlineBotResults(ctx, &tg.MessagesSetInlineBotResultsRequest{QueryID: iq.QueryID, CacheTime: 60,
		Results: []tg.InputBotInlineResultClass{result("a", "Option A"), result("b", "Option B")}}); err != nil {
		t.Fatalf("setInlineBotResults: %v", err)
	}
	got := <-pending
	if got.err != nil || len(got.res.Results) != 2 || got.res.CacheTime != 60 {
		t.Fatalf("results %+v, %v", got.res, got.err)
	}
	_, err = alice.api.MessagesSendInlineBotResult(ctx, &tg.MessagesSendInlineBotResultRequest{Peer: bobPeer, RandomID: randomID(), QueryID: 12345, ID: "a"})
	wantRPCError(t, err, "QUERY_ID_INVALID")
	if _, err := alice.api.MessagesSendInlineBotResult(ctx, &tg.MessagesSendInlineBotResultRequest{
		Peer: bobPeer, RandomID: randomID(), QueryID: got.res.QueryID, ID: "b"}); err != nil {
		t.Fatalf("sendInlineBotResult: %v", err)
	}
	via := bob.next("the message via the bot", newMessage("Option B")).(*tg.UpdateNewMessage).Message.(*tg.Message)
	if via.ViaBotID != botUser.UserID {
		t.Fatalf("via_bot_id %d, want %d", via.ViaBotID, botUser.UserID)
	}

	// Bob presses its button: the bot, not in the chat, gets an inline callback.
	aliceForBob := resolvedPeerFromMessage(t, via)
	answered := make(chan error, 1)
	go func() {
		a, err := bob.api.MessagesGetBotCallbackAnswer(ctx, &tg.MessagesGetBotCallbackAnswerRequest{Peer: aliceForBob(ctx, bob), MsgID: via.ID, Data: []byte("vote:b")})
		if err == nil && a.Message != "counted" {
			t.Errorf("answer %+v", a)
		}
		answered <- err
	}()
	icq := bot.next("the inline callback", func(u tg.UpdateClass) bool { _, ok := u.(*tg.UpdateInlineBotCallbackQuery); return ok }).(*tg.UpdateInlineBotCallbackQuery)
	if string(icq.Data) != "vote:b" || icq.UserID != bob.self.ID || icq.ChatInstance == 0 {
		t.Fatalf("inline callback %+v", icq)
	}
	if _, err := bot.api.MessagesSetBotCallbackAnswer(ctx, &tg.MessagesSetBotCallbackAnswerRequest{QueryID: icq.QueryID, Message: "counted"}); err != nil {
		t.Fatal(err)
	}
	if err := <-answered; err != nil {
		t.Fatalf("press: %v", err)
	}
	if _, err := bot.api.MessagesEditInlineBotMessage(ctx, &tg.MessagesEditInlineBotMessageRequest{ID: icq.MsgID, Message: "1 vote for B", ReplyMarkup: inlineKeyboard("vote:b")}); err != nil {
		t.Fatalf("editInlineBotMessage: %v", err)
	}
	for _, who := range []*liveClient{alice, bob} {
		e := who.next("the inline edit", func(u tg.UpdateClass) bool { _, ok := u.(*tg.UpdateEditMessage); return ok }).(*tg.UpdateEditMessage)
		if m := e.Message.(*tg.Message); m.Message != "1 vote for B" {
			t.Fatalf("edited to %q", m.Message)
		}
	}
	_, err = plain.api.MessagesEditInlineBotMessage(ctx, &tg.MessagesEditInlineBotMessageRequest{ID: icq.MsgID, Message: "hijack"})
	wantRPCError(t, err, "MESSAGE_ID_INVALID")

	// No answer in time; a bot without inline mode.
	pending = ask("slow")
	bot.next("the slow query", func(u tg.UpdateClass) bool { _, ok := u.(*tg.UpdateBotInlineQuery); return ok })
	wantRPCError(t, (<-pending).err, "BOT_RESPONSE_TIMEOUT")
	plainUser := resolvePeer(ctx, t, alice.api, "plain_bot")
	_, err = alice.api.MessagesGetInlineBotResults(ctx, &tg.MessagesGetInlineBotResultsRequest{
		Bot: &tg.InputUser{UserID: plainUser.UserID, AccessHash: plainUser.AccessHash}, Peer: bobPeer, Query: "x"})
	wantRPCError(t, err, "BOT_INLINE_DISABLED")
	switchInline := &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: []tg.KeyboardInlineButton{
		{Text: "share", Type: &tg.InlineButtonTypeSwitchInline{Query: "hi"}}}}}}
	alicePlain := &tg.InputPeerUser{UserID: alice.self.ID, AccessHash: findAccessHashFromUser(t, plain, alice.self.ID, alice.api, "plain_bot", func(tg.UpdatesClass) error { return nil })}
	_, err = plain.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: alicePlain, Message: "share me", RandomID: randomID(), ReplyMarkup: switchInline})
	wantRPCError(t, err, "BOT_INLINE_DISABLED")
}

// resolvedUser returns the user a username names.
func resolvedUser(ctx context.Context, t *testing.T, lc *liveClient, username string) *tg.User {
	t.Helper()
	r, err := lc.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: username})
	if err != nil {
		t.Fatal(err)
	}
	return r.Users[0].(*tg.User)
}

// resolvedPeerFromMessage returns a function giving the InputPeer of the
// private chat a received message is in, with the access hash from the
// receiver's history.
func resolvedPeerFromMessage(t *testing.T, m *tg.Message) func(context.Context, *liveClient) tg.InputPeerClass {
	return func(ctx context.Context, lc *liveClient) tg.InputPeerClass {
		p := m.PeerID.(*tg.PeerUser)
		res, err := lc.api.MessagesGetMessages(ctx, []tg.InputMessageClass{&tg.InputMessageID{ID: m.ID}})
		if err != nil {
			t.Error(err)
			return nil
		}
		for _, u := range res.(*tg.MessagesMessages).Users {
			if u, ok := u.(*tg.User); ok && u.ID == p.UserID {
				return &tg.InputPeerUser{UserID: u.ID, AccessHash: u.AccessHash}
			}
		}
		t.Error("peer not in getMessages users")
		return nil
	}
}
