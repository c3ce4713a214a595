package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"
)

// inlineKeyboard is an inline keyboard with one callback button per data.
func inlineKeyboard(data ...string) *tg.ReplyInlineMarkup {
	row := tg.KeyboardInlineButtonRow{}
	for _, d := range data {
		row.Buttons = append(row.Buttons, tg.KeyboardInlineButton{
			Text: "press " + d, Type: &tg.InlineButtonTypeCallback{Data: []byte(d)},
		})
	}
	return &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{row}}
}

// TestBotAndUserTalk walks the world keyboards live in: a user signs up, a
// bot made beside the running server logs in with its token, the user starts
// it with a deep link, the bot answers with an inline keyboard that reaches
// the user pushed, edits its keyboard and deletes the message, and every
// change arrives.
func TestBotAndUserTalk(t *testing.T) {
	srv := startServer(t)
	botID, token := srv.createBot("talk_bot")
	user := srv.signUpUser("+1 555 000 0001", "Alice")
	bot := srv.loginBot(token)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()

	if !bot.self.Bot || bot.self.ID != botID || user.self.Bot || user.self.FirstName != "Alice" {
		t.Fatalf("self: bot %+v, user %+v", bot.self, user.self)
	}

	// The user finds the bot by username and starts it with a parameter.
	resolved, err := user.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "talk_bot"})
	if err != nil {
		t.Fatal(err)
	}
	botUser := resolved.Users[0].(*tg.User)
	botInput := &tg.InputUser{UserID: botUser.ID, AccessHash: botUser.AccessHash}
	if _, err := user.api.MessagesStartBot(ctx, &tg.MessagesStartBotRequest{
		Bot: botInput, Peer: &tg.InputPeerUser{UserID: botUser.ID, AccessHash: botUser.AccessHash},
		RandomID: randomID(), StartParam: "deep-link_1",
	}); err != nil {
		t.Fatalf("startBot: %v", err)
	}
	var start *tg.UpdateNewMessage
	var startUsers []tg.UserClass
	timeout := time.After(e2eWait)
	for start == nil {
		select {
		case u := <-bot.updates:
			for _, one := range flatten(u) {
				if newMessage("/start")(one) {
					start, startUsers = one.(*tg.UpdateNewMessage), containerUsers(u)
				}
			}
		case <-timeout:
			t.Fatal("the bot got no /start")
		}
	}
	if got := start.Message.(*tg.Message).Message; got != "/start deep-link_1" {
		t.Fatalf("bot got %q", got)
	}
	userInput := userPeer(t, startUsers, user.self.ID)

	// A user's access hash is per viewer: the bot's is not the user's own
	// view of a third party, and a made-up one is refused.
	if _, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: &tg.InputPeerUser{UserID: user.self.ID, AccessHash: userInput.AccessHash + 1}, Message: "x", RandomID: randomID(),
	}); err == nil {
		t.Fatal("a wrong access hash was accepted")
	} else {
		wantRPCError(t, err, "PEER_ID_INVALID")
	}

	// The bot answers with an inline keyboard.
	res, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: userInput, Message: "choose", RandomID: randomID(), ReplyMarkup: inlineKeyboard("a", "b"),
	})
	if err != nil {
		t.Fatalf("bot sendMessage: %v", err)
	}
	botCopy := sentMessage(t, res)
	got := user.next("the bot's keyboard", newMessage("choose")).(*tg.UpdateNewMessage).Message.(*tg.Message)
	kb, ok := got.ReplyMarkup.(*tg.ReplyInlineMarkup)
	if !ok || len(kb.Rows) != 1 || len(kb.Rows[0].Buttons) != 2 {
		t.Fatalf("user got markup %#v", got.ReplyMarkup)
	}
	if cb, ok := kb.Rows[0].Buttons[1].Type.(*tg.InlineButtonTypeCallback); !ok || !bytes.Equal(cb.Data, []byte("b")) {
		t.Fatalf("second button %#v", kb.Rows[0].Buttons[1])
	}
	if got.Out || !botCopy.Out {
		t.Fatalf("out flags: user's copy %v, bot's copy %v", got.Out, botCopy.Out)
	}

	// Validation with Telegram's errors.
	for name, tc := range map[string]struct {
		markup tg.ReplyMarkupClass
		err    string
	}{
		"callback data over 64 bytes": {inlineKeyboard(strings.Repeat("x", 65)), "BUTTON_DATA_INVALID"},
		"empty callback data":         {inlineKeyboard(""), "BUTTON_DATA_INVALID"},
		"bad url": {&tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: []tg.KeyboardInlineButton{
			{Text: "go", Type: &tg.InlineButtonTypeURL{URL: "javascript:alert(1)"}}}}}}, "BUTTON_URL_INVALID"},
		"nine buttons in a row": {inlineKeyboard("1", "2", "3", "4", "5", "6", "7", "8", "9"), "REPLY_MARKUP_TOO_LONG"},
	} {
		_, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
			Peer: userInput, Message: name, RandomID: randomID(), ReplyMarkup: tc.markup,
		})
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		wantRPCError(t, err, tc.err)
	}

	// The user's own markup is ignored, as Telegram does.
	userToBot := &tg.InputPeerUser{UserID: botUser.ID, AccessHash: botUser.AccessHash}
	res, err = user.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: userToBot, Message: "my markup", RandomID: randomID(), ReplyMarkup: inlineKeyboard("u"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := sentMessage(t, res); m.ReplyMarkup != nil {
		t.Fatalf("a user's markup was kept: %#v", m.ReplyMarkup)
	}

	// The same random_id twice sends one message.
	rid := randomID()
	first, err := user.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: userToBot, Message: "once", RandomID: rid})
	if err != nil {
		t.Fatal(err)
	}
	again, err := user.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: userToBot, Message: "once", RandomID: rid})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := sentMessage(t, first).ID, sentMessage(t, again).ID; a != b {
		t.Fatalf("a repeated random_id made message %d after %d", b, a)
	}

	// The bot edits its keyboard on the fly.
	if _, err := bot.api.MessagesEditMessage(ctx, &tg.MessagesEditMessageRequest{
		Peer: userInput, ID: botCopy.ID, Message: "chosen", ReplyMarkup: inlineKeyboard("c"),
	}); err != nil {
		t.Fatalf("editMessage: %v", err)
	}
	edit := user.next("the edit", func(u tg.UpdateClass) bool { _, ok := u.(*tg.UpdateEditMessage); return ok }).(*tg.UpdateEditMessage)
	em := edit.Message.(*tg.Message)
	if em.ID != got.ID || em.Message != "chosen" || em.EditDate == 0 {
		t.Fatalf("edited message %+v", em)
	}
	if _, err := bot.api.MessagesEditMessage(ctx, &tg.MessagesEditMessageRequest{
		Peer: userInput, ID: botCopy.ID, Message: "chosen", ReplyMarkup: inlineKeyboard("c"),
	}); err == nil {
		t.Fatal("an edit that changes nothing was accepted")
	} else {
		wantRPCError(t, err, "MESSAGE_NOT_MODIFIED")
	}
	// Only the sender edits.
	if _, err := user.api.MessagesEditMessage(ctx, &tg.MessagesEditMessageRequest{
		Peer: userToBot, ID: got.ID, Message: "mine now",
	}); err == nil {
		t.Fatal("the user edited the bot's message")
	} else {
		wantRPCError(t, err, "MESSAGE_AUTHOR_REQUIRED")
	}

	// The bot deletes it; the user's copy goes too.
	if _, err := bot.api.MessagesDeleteMessages(ctx, &tg.MessagesDeleteMessagesRequest{ID: []int{botCopy.ID}, Revoke: true}); err != nil {
		t.Fatalf("deleteMessages: %v", err)
	}
	del := user.next("the deletion", func(u tg.UpdateClass) bool { _, ok := u.(*tg.UpdateDeleteMessages); return ok }).(*tg.UpdateDeleteMessages)
	if len(del.Messages) != 1 || del.Messages[0] != got.ID {
		t.Fatalf("deleted %v, want [%d]", del.Messages, got.ID)
	}
	msgs, err := user.api.MessagesGetMessages(ctx, []tg.InputMessageClass{&tg.InputMessageID{ID: got.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, empty := msgs.(*tg.MessagesMessages).Messages[0].(*tg.MessageEmpty); !empty {
		t.Fatalf("deleted message still there: %#v", msgs)
	}

	// History holds the rest, newest first.
	hist, err := user.api.MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{Peer: userToBot, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range hist.(*tg.MessagesMessages).Messages {
		texts = append(texts, m.(*tg.Message).Message)
	}
	if want := "once,my markup,/start deep-link_1"; strings.Join(texts, ",") != want {
		t.Fatalf("history %q, want %q", texts, want)
	}
}

// TestOfflineUserCatchesUp has a user go offline while a bot sends, edits
// and deletes; back online, updates.getDifference gives back all of it.
func TestOfflineUserCatchesUp(t *testing.T) {
	srv := startServer(t)
	_, token := srv.createBot("catchup_bot")
	storage := &session.StorageMemory{}
	user, err := srv.connect(storage, func(ctx context.Context, c *telegram.Client) error {
		return auth.NewFlow(signUpAuth{phone: "15550000002", first: "Bob"}, auth.SendCodeOptions{}).Run(ctx, c.Auth())
	})
	if err != nil {
		t.Fatal(err)
	}
	bot := srv.loginBot(token)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()

	resolved, err := user.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "catchup_bot"})
	if err != nil {
		t.Fatal(err)
	}
	b := resolved.Users[0].(*tg.User)
	if _, err := user.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: &tg.InputPeerUser{UserID: b.ID, AccessHash: b.AccessHash}, Message: "hi", RandomID: randomID(),
	}); err != nil {
		t.Fatal(err)
	}
	bot.next("the user's hi", newMessage("hi"))
	state, err := user.api.UpdatesGetState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	user.stop()

	// While the user is away.
	users, err := bot.api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUser{UserID: user.self.ID, AccessHash: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 0 {
		t.Fatal("users.getUsers resolved a user with a zero access hash")
	}
	hash := findAccessHash(t, bot, user.self.ID)
	peer := &tg.InputPeerUser{UserID: user.self.ID, AccessHash: hash}
	var sent []*tg.Message
	for i := range 3 {
		res, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
			Peer: peer, Message: fmt.Sprintf("away %d", i), RandomID: randomID(), ReplyMarkup: inlineKeyboard(fmt.Sprint(i)),
		})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, sentMessage(t, res))
	}
	if _, err := bot.api.MessagesEditMessage(ctx, &tg.MessagesEditMessageRequest{Peer: peer, ID: sent[1].ID, Message: "away 1 edited"}); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.api.MessagesDeleteMessages(ctx, &tg.MessagesDeleteMessagesRequest{ID: []int{sent[2].ID}, Revoke: true}); err != nil {
		t.Fatal(err)
	}

	// Back, with the same session, and nothing pushed while away is lost.
	back, err := srv.connect(storage, nil)
	if err != nil {
		t.Fatal(err)
	}
	diff, err := back.api.UpdatesGetDifference(ctx, &tg.UpdatesGetDifferenceRequest{Pts: state.Pts, Date: state.Date, Qts: state.Qts})
	if err != nil {
		t.Fatal(err)
	}
	d, ok := diff.(*tg.UpdatesDifference)
	if !ok {
		t.Fatalf("difference %T", diff)
	}
	var texts []string
	for _, m := range d.NewMessages {
		texts = append(texts, m.(*tg.Message).Message)
	}
	if strings.Join(texts, ",") != "away 0,away 1,away 2" {
		t.Fatalf("new messages %q", texts)
	}
	var edited, deleted bool
	for _, u := range d.OtherUpdates {
		switch u := u.(type) {
		case *tg.UpdateEditMessage:
			edited = u.Message.(*tg.Message).Message == "away 1 edited"
		case *tg.UpdateDeleteMessages:
			deleted = len(u.Messages) == 1
		}
	}
	if !edited || !deleted {
		t.Fatalf("other updates %#v", d.OtherUpdates)
	}
	if d.State.Pts != state.Pts+5 {
		t.Fatalf("pts %d after %d, want +5 (3 sends, an edit, a deletion)", d.State.Pts, state.Pts)
	}
	if _, ok := d.NewMessages[0].(*tg.Message).ReplyMarkup.(*tg.ReplyInlineMarkup); !ok {
		t.Fatal("the keyboard was lost on the way")
	}
	again, err := back.api.UpdatesGetDifference(ctx, &tg.UpdatesGetDifferenceRequest{Pts: d.State.Pts, Date: d.State.Date})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := again.(*tg.UpdatesDifferenceEmpty); !ok {
		t.Fatalf("caught up, yet the difference is %T", again)
	}
}

// findAccessHash gets the bot's access hash for a user from the history of
// their chat (the user wrote first).
func findAccessHash(t *testing.T, lc *liveClient, userID int64) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	diff, err := lc.api.UpdatesGetDifference(ctx, &tg.UpdatesGetDifferenceRequest{Pts: 0})
	if err != nil {
		t.Fatal(err)
	}
	d, ok := diff.(*tg.UpdatesDifference)
	if !ok {
		t.Fatalf("difference %T", diff)
	}
	for _, u := range d.Users {
		if u, ok := u.(*tg.User); ok && u.ID == userID {
			return u.AccessHash
		}
	}
	t.Fatalf("user %d not in the bot's difference", userID)
	return 0
}
