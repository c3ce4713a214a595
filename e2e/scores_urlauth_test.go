package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/tg"
)

// scoreTable is a messages.highScores as "user:score" in position order,
// checking that positions count from 1.
func scoreTable(t *testing.T, hs *tg.MessagesHighScores) []string {
	t.Helper()
	var out []string
	for i, h := range hs.Scores {
		if h.Pos != i+1 {
			t.Fatalf("score %d at position %d: %+v", i, h.Pos, hs.Scores)
		}
		found := false
		for _, u := range hs.Users {
			found = found || u.(*tg.User).ID == h.UserID
		}
		if !found {
			t.Fatalf("user %d of the scores missing from users", h.UserID)
		}
		out = append(out, strconv.FormatInt(h.UserID, 10)+":"+strconv.Itoa(h.Score))
	}
	return out
}

// TestGameHighScores: a bot keeps scores of its game per chat
// (chat_instance): higher scores replace lower ones, force allows lower ones,
// edit_message tells the chat with a service message, and the private chat's
// board is not the group's.
func TestGameHighScores(t *testing.T) {
	srv := startServer(t)
	_, token := srv.createBot("score_bot")
	srv.addGame("score_bot", "snake", "Snake", "https://games.example/snake")
	alice := srv.signUpUser("15550000071", "Alice")
	bob := srv.signUpUser("15550000072", "Bob")
	bot := srv.loginBot(token)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	botPeer := resolvePeer(ctx, t, alice.api, "score_bot")
	alicePeer := &tg.InputPeerUser{UserID: alice.self.ID, AccessHash: findAccessHashFromUser(t, bot, alice.self.ID, alice.api, "score_bot",
		func(tg.UpdatesClass) error { return nil })}
	aliceUser := &tg.InputUser{UserID: alice.self.ID, AccessHash: alicePeer.AccessHash}
	bobUser := &tg.InputUser{UserID: bob.self.ID, AccessHash: findAccessHashFromUser(t, bot, bob.self.ID, bob.api, "score_bot",
		func(tg.UpdatesClass) error { return nil })}
	aliceID, bobID := strconv.FormatInt(alice.self.ID, 10), strconv.FormatInt(bob.self.ID, 10)

	sendGame := func(peer tg.InputPeerClass) *tg.Message {
		t.Helper()
		res, err := bot.api.MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: peer, RandomID: randomID(),
			Media: &tg.InputMediaGame{ID: &tg.InputGameShortName{BotID: &tg.InputUserSelf{}, ShortName: "snake"}}})
		if err != nil {
			t.Fatalf("send game: %v", err)
		}
		return sentMessage(t, res)
	}
	isGame := func(u tg.UpdateClass) bool {
		n, ok := u.(*tg.UpdateNewMessage)
		if !ok {
			return false
		}
		m, ok := n.Message.(*tg.Message)
		if !ok {
			return false
		}
		_, ok = m.Media.(*tg.MessageMediaGame)
		return ok
	}
	set := func(peer tg.InputPeerClass, id int, user tg.InputUserClass, score int, force bool) (tg.UpdatesClass, error) {
		return bot.api.MessagesSetGameScore(ctx, &tg.MessagesSetGameScoreRequest{Peer: peer, ID: id, UserID: user, Score: score, Force: force})
	}
	table := func(peer tg.InputPeerClass, id int, user tg.InputUserClass) []string {
		t.Helper()
		hs, err := bot.api.MessagesGetGameHighScores(ctx, &tg.MessagesGetGameHighScoresRequest{Peer: peer, ID: id, UserID: user})
		if err != nil {
			t.Fatalf("getGameHighScores: %v", err)
		}
		return scoreTable(t, hs)
	}
	wantTable := func(got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("high scores %v, want %v", got, want)
		}
	}

	// The private chat.
	game := sendGame(alicePeer)
	aliceGame := alice.next("the game", isGame).(*tg.UpdateNewMessage).Message.(*tg.Message)
	wantTable(table(alicePeer, game.ID, aliceUser))
	res, err := set(alicePeer, game.ID, aliceUser, 10, false)
	if err != nil {
		t.Fatalf("first score: %v", err)
	}
	if u, ok := res.(*tg.Updates); !ok || len(u.Updates) != 0 {
		t.Fatalf("setGameScore without edit_message: %#v", res)
	}
	_, err = set(alicePeer, game.ID, aliceUser, 10, false)
	wantRPCError(t, err, "BOT_SCORE_NOT_MODIFIED")
	_, err = set(alicePeer, game.ID, aliceUser, 5, false)
	wantRPCError(t, err, "BOT_SCORE_NOT_MODIFIED")
	wantTable(table(alicePeer, game.ID, aliceUser), aliceID+":10")
	if _, err := set(alicePeer, game.ID, aliceUser, 5, true); err != nil {
		t.Fatalf("forced lower score: %v", err)
	}
	wantTable(table(alicePeer, game.ID, aliceUser), aliceID+":5")

	// edit_message: the chat is told with a service message from the player
	// replying to the game, in the bot's result and on Alice's side.
	res, err = bot.api.MessagesSetGameScore(ctx, &tg.MessagesSetGameScoreRequest{Peer: alicePeer, ID: game.ID, UserID: aliceUser, Score: 50, EditMessage: true})
	if err != nil {
		t.Fatalf("score with edit_message: %v", err)
	}
	checkScoreMessage := func(u tg.UpdateClass, gameID int, player int64, score int) bool {
		n, ok := u.(*tg.UpdateNewMessage)
		if !ok {
			return false
		}
		m, ok := n.Message.(*tg.MessageService)
		if !ok {
			return false
		}
		a, ok := m.Action.(*tg.MessageActionGameScore)
		if !ok {
			return false
		}
		reply, _ := m.ReplyTo.(*tg.MessageReplyHeader)
		from, _ := m.FromID.(*tg.PeerUser)
		if a.Score != score || a.GameID == 0 || reply == nil || reply.ReplyToMsgID != gameID || from == nil || from.UserID != player {
			t.Fatalf("score message %+v (action %+v)", m, a)
		}
		return true
	}
	if !slices.ContainsFunc(flatten(res), func(u tg.UpdateClass) bool { return checkScoreMessage(u, game.ID, alice.self.ID, 50) }) {
		t.Fatalf("no score message in the bot's result %#v", res)
	}
	alice.next("the score message", func(u tg.UpdateClass) bool { return checkScoreMessage(u, aliceGame.ID, alice.self.ID, 50) })
	wantTable(table(alicePeer, game.ID, aliceUser), aliceID+":50")

	// Checks.
	_, err = set(alicePeer, 999999, aliceUser, 60, false)
	wantRPCError(t, err, "MESSAGE_ID_INVALID")
	text, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: alicePeer, Message: "not a game", RandomID: randomID()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = set(alicePeer, sentMessage(t, text).ID, aliceUser, 60, false)
	wantRPCError(t, err, "MESSAGE_ID_INVALID")
	_, err = set(&tg.InputPeerUser{UserID: alicePeer.UserID, AccessHash: alicePeer.AccessHash ^ 1}, game.ID, aliceUser, 60, false)
	wantRPCError(t, err, "PEER_ID_INVALID")
	_, err = set(alicePeer, game.ID, &tg.InputUser{UserID: aliceUser.UserID, AccessHash: aliceUser.AccessHash ^ 1}, 60, false)
	wantRPCError(t, err, "USER_ID_INVALID")
	_, err = set(alicePeer, game.ID, bobUser, 60, false) // Bob is not in Alice's chat
	wantRPCError(t, err, "USER_ID_INVALID")
	_, err = set(alicePeer, game.ID, aliceUser, -1, false)
	wantRPCError(t, err, "SCORE_INVALID")
	_, err = alice.api.MessagesSetGameScore(ctx, &tg.MessagesSetGameScoreRequest{Peer: botPeer, ID: aliceGame.ID,
		UserID: &tg.InputUserSelf{}, Score: 1000})
	wantRPCError(t, err, "USER_BOT_REQUIRED")
	_, err = alice.api.MessagesGetGameHighScores(ctx, &tg.MessagesGetGameHighScoresRequest{Peer: botPeer, ID: aliceGame.ID, UserID: &tg.InputUserSelf{}})
	wantRPCError(t, err, "USER_BOT_REQUIRED")
	inlineID := &tg.InputBotInlineMessageID{DCID: 2, ID: 1, AccessHash: 1}
	_, err = bot.api.MessagesSetInlineGameScore(ctx, &tg.MessagesSetInlineGameScoreRequest{ID: inlineID, UserID: aliceUser, Score: 1})
	wantRPCError(t, err, "MESSAGE_ID_INVALID")
	_, err = bot.api.MessagesGetInlineGameHighScores(ctx, &tg.MessagesGetInlineGameHighScoresRequest{ID: inlineID, UserID: aliceUser})
	wantRPCError(t, err, "MESSAGE_ID_INVALID")

	// A group: a board of its own (another chat_instance), ordered by score.
	created, err := alice.api.MessagesCreateChat(ctx, &tg.MessagesCreateChatRequest{Title: "arcade", Users: []tg.InputUserClass{
		&tg.InputUser{UserID: bob.self.ID, AccessHash: publicHash(ctx, t, bob, alice, "bob_scores")},
		&tg.InputUser{UserID: botPeer.UserID, AccessHash: botPeer.AccessHash}}})
	if err != nil {
		t.Fatal(err)
	}
	group := &tg.InputPeerChat{ChatID: chatIn[*tg.Chat](t, created.Updates).ID}
	groupGame := sendGame(group)
	bobGame := bob.next("the group's game", isGame).(*tg.UpdateNewMessage).Message.(*tg.Message)
	wantTable(table(group, groupGame.ID, aliceUser))
	for _, s := range []struct {
		user  *tg.InputUser
		score int
	}{{aliceUser, 30}, {bobUser, 20}, {bobUser, 40}} {
		if _, err := set(group, groupGame.ID, s.user, s.score, false); err != nil {
			t.Fatalf("group score %d: %v", s.score, err)
		}
	}
	wantTable(table(group, groupGame.ID, aliceUser), bobID+":40", aliceID+":30")
	// Every member is told, with a reply to their own copy of the game.
	if _, err := bot.api.MessagesSetGameScore(ctx, &tg.MessagesSetGameScoreRequest{Peer: group, ID: groupGame.ID, UserID: bobUser, Score: 45, EditMessage: true}); err != nil {
		t.Fatalf("group score with edit_message: %v", err)
	}
	bob.next("the group's score message", func(u tg.UpdateClass) bool { return checkScoreMessage(u, bobGame.ID, bob.self.ID, 45) })
	wantTable(table(group, groupGame.ID, bobUser), bobID+":45", aliceID+":30")
	wantTable(table(alicePeer, game.ID, aliceUser), aliceID+":50")
	// A second game message in the same chat shares its board.
	wantTable(table(alicePeer, sendGame(alicePeer).ID, aliceUser), aliceID+":50")
	// A forced score of 0 takes the user off the board.
	if _, err := set(group, groupGame.ID, bobUser, 0, true); err != nil {
		t.Fatalf("forced zero: %v", err)
	}
	wantTable(table(group, groupGame.ID, bobUser), aliceID+":30")
}

// loginDataValid checks the authorization data of a url-auth login the way
// a website does with Telegram's login widget: the hash is the hex
// HMAC-SHA-256 of the data-check-string (the other fields as key=value,
// sorted, joined by line feeds) keyed with SHA-256 of the bot's token. The
// site's own query parameters (own) are not part of it.
func loginDataValid(q url.Values, token string, own ...string) bool {
	var lines []string
	for k := range q {
		if k != "hash" && !slices.Contains(own, k) {
			lines = append(lines, k+"="+q.Get(k))
		}
	}
	slices.Sort(lines)
	key := sha256.Sum256([]byte(token))
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(strings.Join(lines, "\n")))
	return hmac.Equal([]byte(q.Get("hash")), []byte(hex.EncodeToString(m.Sum(nil))))
}

// TestURLAuthAndBuy: a url-auth button asks the user to confirm the bot and
// the domain once, then logs the user in with data the website can check
// with the bot's token; a plain link is not a login; a buy button has no
// invoice behind it.
func TestURLAuthAndBuy(t *testing.T) {
	srv := startServer(t)
	_, token := srv.createBot("login_bot")
	alice := srv.signUpUser("15550000081", "Alice")
	bot := srv.loginBot(token)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	botPeer := resolvePeer(ctx, t, alice.api, "login_bot")
	alicePeer := &tg.InputPeerUser{UserID: alice.self.ID, AccessHash: findAccessHashFromUser(t, bot, alice.self.ID, alice.api, "login_bot",
		func(tg.UpdatesClass) error { return nil })}

	markup := &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: []tg.KeyboardInlineButton{
		{Text: "Log in", Type: &tg.InputInlineButtonTypeURLAuth{URL: "https://Login.Example/auth?from=tg", Bot: &tg.InputUserSelf{}}},
		{Text: "Site", Type: &tg.InlineButtonTypeURL{URL: "https://example.com/"}},
	}}}}
	if _, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: alicePeer, Message: "log in", RandomID: randomID(), ReplyMarkup: markup}); err != nil {
		t.Fatal(err)
	}
	msg := alice.next("the login keyboard", newMessage("log in")).(*tg.UpdateNewMessage).Message.(*tg.Message)
	btn, ok := msg.ReplyMarkup.(*tg.ReplyInlineMarkup).Rows[0].Buttons[0].Type.(*tg.InlineButtonTypeURLAuth)
	if !ok || btn.ButtonID != 1 {
		t.Fatalf("stored url-auth button %#v", msg.ReplyMarkup.(*tg.ReplyInlineMarkup).Rows[0].Buttons[0].Type)
	}
	request := func(peer tg.InputPeerClass, msgID, buttonID int) (tg.URLAuthResultClass, error) {
		req := &tg.MessagesRequestURLAuthRequest{}
		req.SetPeer(peer)
		req.SetMsgID(msgID)
		req.SetButtonID(buttonID)
		return alice.api.MessagesRequestURLAuth(ctx, req)
	}

	r, err := request(botPeer, msg.ID, btn.ButtonID)
	if err != nil {
		t.Fatalf("requestUrlAuth: %v", err)
	}
	ask, ok := r.(*tg.URLAuthResultRequest)
	if !ok || ask.Domain != "login.example" || ask.RequestWriteAccess || ask.Bot.(*tg.User).ID != botPeer.UserID {
		t.Fatalf("first requestUrlAuth %#v", r)
	}
	_, err = request(botPeer, msg.ID, 2) // the plain URL button has no button_id
	wantRPCError(t, err, "BUTTON_ID_INVALID")
	_, err = request(botPeer, 999999, 1)
	wantRPCError(t, err, "MESSAGE_ID_INVALID")
	_, err = bot.api.MessagesRequestURLAuth(ctx, &tg.MessagesRequestURLAuthRequest{URL: "https://example.com/"})
	wantRPCError(t, err, "BOT_METHOD_INVALID")

	// A link, not a button: nothing to authorize, the client opens it.
	link := func(u string) (tg.URLAuthResultClass, error) {
		req := &tg.MessagesRequestURLAuthRequest{}
		req.SetURL(u)
		return alice.api.MessagesRequestURLAuth(ctx, req)
	}
	if r, err := link("https://example.com/page"); err != nil {
		t.Fatalf("plain link: %v", err)
	} else if _, ok := r.(*tg.URLAuthResultDefault); !ok {
		t.Fatalf("plain link %#v", r)
	}
	_, err = link("ftp://example.com/")
	wantRPCError(t, err, "URL_INVALID")

	// Accept, then the login URL, and from now on no question.
	accept := &tg.MessagesAcceptURLAuthRequest{WriteAllowed: true}
	accept.SetPeer(botPeer)
	accept.SetMsgID(msg.ID)
	accept.SetButtonID(btn.ButtonID)
	r, err = alice.api.MessagesAcceptURLAuth(ctx, accept)
	if err != nil {
		t.Fatalf("acceptUrlAuth: %v", err)
	}
	checkAccepted := func(r tg.URLAuthResultClass) {
		t.Helper()
		acc, ok := r.(*tg.URLAuthResultAccepted)
		if !ok {
			t.Fatalf("result %#v, want accepted", r)
		}
		raw, _ := acc.GetURL()
		u, err := url.Parse(raw)
		if err != nil || u.Host != "Login.Example" || u.Path != "/auth" {
			t.Fatalf("login URL %q", raw)
		}
		q := u.Query()
		if q.Get("from") != "tg" || q.Get("id") != strconv.FormatInt(alice.self.ID, 10) ||
			q.Get("first_name") != "Alice" || q.Get("last_name") != "Tester" {
			t.Fatalf("login data %v", q)
		}
		if !loginDataValid(q, token, "from") {
			t.Fatalf("login data %v do not check with the bot's token", q)
		}
		if date, err := strconv.ParseInt(q.Get("auth_date"), 10, 64); err != nil || time.Since(time.Unix(date, 0)) > time.Minute {
			t.Fatalf("auth_date %q", q.Get("auth_date"))
		}
		if loginDataValid(q, token+"x", "from") {
			t.Fatal("login data check with another token")
		}
		q.Set("id", "1")
		if loginDataValid(q, token, "from") {
			t.Fatal("forged login data check")
		}
	}
	checkAccepted(r)
	r, err = request(botPeer, msg.ID, btn.ButtonID)
	if err != nil {
		t.Fatalf("requestUrlAuth after accepting: %v", err)
	}
	checkAccepted(r)

	// A buy button: the client asks for the payment form, and there is no
	// invoice (a bot cannot even send one).
	invoice := &tg.PaymentsGetPaymentFormRequest{Invoice: &tg.InputInvoiceMessage{Peer: botPeer, MsgID: msg.ID}}
	_, err = alice.api.PaymentsGetPaymentForm(ctx, invoice)
	wantRPCError(t, err, "MESSAGE_ID_INVALID")
	_, err = alice.api.PaymentsGetPaymentForm(ctx, &tg.PaymentsGetPaymentFormRequest{Invoice: &tg.InputInvoiceMessage{
		Peer: &tg.InputPeerUser{UserID: botPeer.UserID, AccessHash: botPeer.AccessHash ^ 1}, MsgID: msg.ID}})
	wantRPCError(t, err, "PEER_ID_INVALID")
	_, err = alice.api.PaymentsGetPaymentForm(ctx, &tg.PaymentsGetPaymentFormRequest{Invoice: &tg.InputInvoiceSlug{Slug: "abc"}})
	wantRPCError(t, err, "SLUG_INVALID")
	_, err = bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: alicePeer, Message: "pay", RandomID: randomID(),
		ReplyMarkup: &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: []tg.KeyboardInlineButton{{Text: "Pay", Type: &tg.InlineButtonTypeBuy{}}}}}}})
	wantRPCError(t, err, "BUTTON_TYPE_INVALID")
}
