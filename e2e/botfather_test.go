package e2e

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

// botFatherChat is a user's private chat with @BotFather.
type botFatherChat struct {
	t    *testing.T
	ctx  context.Context
	user *liveClient
	peer tg.InputPeerClass
}

func openBotFather(ctx context.Context, t *testing.T, user *liveClient) *botFatherChat {
	t.Helper()
	r, err := user.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "BotFather"})
	if err != nil {
		t.Fatalf("resolve @BotFather: %v", err)
	}
	id := r.Peer.(*tg.PeerUser).UserID
	if u, ok := r.Users[0].(*tg.User); !ok || !u.Bot || u.ID != id {
		t.Fatalf("@BotFather resolves to %+v", r.Users[0])
	}
	return &botFatherChat{t: t, ctx: ctx, user: user, peer: userPeer(t, r.Users, id)}
}

// say sends text to BotFather and waits for its reply starting with want.
func (c *botFatherChat) say(text, want string) *tg.Message {
	c.t.Helper()
	if _, err := c.user.api.MessagesSendMessage(c.ctx, &tg.MessagesSendMessageRequest{
		Peer: c.peer, Message: text, RandomID: randomID()}); err != nil {
		c.t.Fatalf("send %q: %v", text, err)
	}
	return c.reply(want)
}

// reply waits for BotFather's next message starting with want.
func (c *botFatherChat) reply(want string) *tg.Message {
	c.t.Helper()
	u := c.user.next("BotFather's "+want, func(u tg.UpdateClass) bool {
		n, ok := u.(*tg.UpdateNewMessage)
		if !ok {
			return false
		}
		m, ok := n.Message.(*tg.Message)
		return ok && !m.Out && strings.HasPrefix(m.Message, want)
	})
	return u.(*tg.UpdateNewMessage).Message.(*tg.Message)
}

// button finds the callback button labelled text on msg.
func (c *botFatherChat) button(msg *tg.Message, text string) *tg.InlineButtonTypeCallback {
	c.t.Helper()
	if m, ok := msg.ReplyMarkup.(*tg.ReplyInlineMarkup); ok {
		for _, r := range m.Rows {
			for _, b := range r.Buttons {
				if cb, ok := b.Type.(*tg.InlineButtonTypeCallback); ok && b.Text == text {
					return cb
				}
			}
		}
	}
	c.t.Fatalf("no button %q on %q", text, msg.Message)
	return nil
}

// press presses the button labelled text on msg (with a 2FA proof when pw
// is not nil) and returns BotFather's answer.
func (c *botFatherChat) press(msg *tg.Message, text string, pw tg.InputCheckPasswordSRPClass) (*tg.MessagesBotCallbackAnswer, error) {
	c.t.Helper()
	req := &tg.MessagesGetBotCallbackAnswerRequest{Peer: c.peer, MsgID: msg.ID, Data: c.button(msg, text).Data}
	if pw != nil {
		req.SetPassword(pw)
	}
	return c.user.api.MessagesGetBotCallbackAnswer(c.ctx, req)
}

// pressEdit presses a button and waits for msg to be edited in place into
// text starting with want.
func (c *botFatherChat) pressEdit(msg *tg.Message, text, want string) (*tg.Message, *tg.MessagesBotCallbackAnswer) {
	c.t.Helper()
	ans, err := c.press(msg, text, nil)
	if err != nil {
		c.t.Fatalf("press %q: %v", text, err)
	}
	return c.edited(msg.ID, want), ans
}

// edited waits for message id to be edited into text starting with want.
func (c *botFatherChat) edited(id int, want string) *tg.Message {
	c.t.Helper()
	u := c.user.next("edit into "+want, func(u tg.UpdateClass) bool {
		e, ok := u.(*tg.UpdateEditMessage)
		if !ok {
			return false
		}
		m, ok := e.Message.(*tg.Message)
		return ok && m.ID == id && strings.HasPrefix(m.Message, want)
	})
	return u.(*tg.UpdateEditMessage).Message.(*tg.Message)
}

var tokenPattern = regexp.MustCompile(`\d+:AA[A-Za-z0-9_-]{33}`)

// botOwner reads a bot's owner from the server's database.
func (s *testServer) botOwner(username string) int64 {
	s.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.dataDir, sqlite.FileName)+"?mode=ro")
	if err != nil {
		s.t.Fatal(err)
	}
	defer db.Close()
	var owner int64
	if err := db.QueryRow(`SELECT bot_owner FROM users WHERE username = ?`, username).Scan(&owner); err != nil {
		s.t.Fatal(err)
	}
	return owner
}

// TestBotFather: a user makes a bot with /newbot, the bot logs in with the
// token, /mybots edits one message in place through the bot's menu, revoking
// the token logs the bot out at once, and the bot is handed to another user
// behind a requires_password button: refused without 2FA and with a wrong
// password, done with the right one; the old owner is then refused, and the
// new one deletes the bot after a confirmation.
func TestBotFather(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	srv := startServer(t)
	alice := srv.signUpUser("15550300001", "Alice")
	bob := srv.signUpUser("15550300002", "Bob")
	if _, err := bob.api.AccountUpdateUsername(ctx, "bob_heir"); err != nil {
		t.Fatal(err)
	}
	srv.createBot("taken_test_bot") // as `buttonflow bot create` makes it: no owner
	bf := openBotFather(ctx, t, alice)

	// /newbot, with a wrong and a taken username on the way.
	bf.say("hello", "I don't understand")
	bf.say("/newbot", "Alright, a new bot")
	bf.say("Tetris Test", "Good. Now let's choose a username")
	bf.say("tetris", "Sorry, the username must end in 'bot'")
	bf.say("Taken_Test_Bot", "Sorry, this username is already taken")
	done := bf.say("tetris_test_bot", "Done! Congratulations")
	token := tokenPattern.FindString(done.Message)
	if token == "" {
		t.Fatalf("no token in %q", done.Message)
	}
	bf.say("/cancel", "No active command to cancel")

	// The token logs the bot in (auth.importBotAuthorization).
	bot := srv.loginBot(token)
	if bot.self.Username != "tetris_test_bot" || !bot.self.Bot || bot.self.FirstName != "Tetris Test" {
		t.Fatalf("bot logged in as %+v", bot.self)
	}
	if owner := srv.botOwner("tetris_test_bot"); owner != alice.self.ID {
		t.Fatalf("owner %d, want alice %d", owner, alice.self.ID)
	}

	// /mybots: every press edits the same message in place.
	list := bf.say("/mybots", "Choose a bot")
	menu, _ := bf.pressEdit(list, "@tetris_test_bot", "Here it is: Tetris Test @tetris_test_bot")
	tok, ans := bf.pressEdit(menu, "API Token", "Here is the token")
	if !strings.Contains(tok.Message, token) || tok.ID != list.ID || ans.Alert {
		t.Fatalf("token view %q (id %d, list %d), answer %+v", tok.Message, tok.ID, list.ID, ans)
	}
	menu, _ = bf.pressEdit(tok, "« Back to @tetris_test_bot", "Here it is")
	menu, ans = bf.pressEdit(menu, "Inline mode: off", "Here it is")
	if ans.Message != "Inline mode on" || ans.Alert {
		t.Fatalf("inline toggle answer %+v", ans)
	}
	bf.button(menu, "Edit placeholder")

	// Revoke: the old token's session is logged out at once.
	revoked, ans := bf.pressEdit(menu, "Revoke token", "Token revoked")
	newToken := tokenPattern.FindString(revoked.Message)
	if !ans.Alert || newToken == "" || newToken == token {
		t.Fatalf("revoke: answer %+v, message %q", ans, revoked.Message)
	}
	_, err := bot.api.UpdatesGetState(ctx)
	wantRPCError(t, err, "AUTH_KEY_UNREGISTERED")
	_, err = bot.api.AuthImportBotAuthorization(ctx, &tg.AuthImportBotAuthorizationRequest{APIID: 17349, APIHash: "x", BotAuthToken: token})
	wantRPCError(t, err, "ACCESS_TOKEN_INVALID")
	if _, err := bot.api.AuthImportBotAuthorization(ctx, &tg.AuthImportBotAuthorizationRequest{
		APIID: 17349, APIHash: "x", BotAuthToken: newToken}); err != nil {
		t.Fatalf("log in with the new token: %v", err)
	}

	// Transfer: the new owner must have talked to BotFather.
	menu, _ = bf.pressEdit(revoked, "« Back to @tetris_test_bot", "Here it is")
	if ans, err := bf.press(menu, "Transfer ownership", nil); err != nil || ans.Message == "" {
		t.Fatalf("transfer: %+v, %v", ans, err)
	}
	bf.reply("OK. Send me the @username of the new owner")
	bf.say("@bob_heir", "@bob_heir has never talked to me")
	openBotFather(ctx, t, bob).say("/start", "I can help you create and manage bots")
	confirm := bf.say("@bob_heir", "You are about to transfer @tetris_test_bot to Bob @bob_heir")
	if !bf.button(confirm, "Yes, transfer @tetris_test_bot").RequiresPassword {
		t.Fatal("the transfer button does not require the password")
	}

	// No 2FA, then a wrong password: the server refuses before BotFather hears.
	_, err = bf.press(confirm, "Yes, transfer @tetris_test_bot", nil)
	wantRPCError(t, err, "PASSWORD_MISSING")
	if err := alice.client.Auth().UpdatePassword(ctx, "hunter2", auth.UpdatePasswordOptions{}); err != nil {
		t.Fatal(err)
	}
	proof := func(pw string) *tg.InputCheckPasswordSRP { return alice.passwordProof(ctx, pw) }
	_, err = bf.press(confirm, "Yes, transfer @tetris_test_bot", proof("hunter3"))
	wantRPCError(t, err, "PASSWORD_HASH_INVALID")
	if owner := srv.botOwner("tetris_test_bot"); owner != alice.self.ID {
		t.Fatalf("owner after a wrong password: %d", owner)
	}

	ans, err = bf.press(confirm, "Yes, transfer @tetris_test_bot", proof("hunter2"))
	if err != nil || !ans.Alert || !strings.Contains(ans.Message, "now belongs to Bob @bob_heir") {
		t.Fatalf("transfer with the right password: %+v, %v", ans, err)
	}
	bf.edited(confirm.ID, "Done! @tetris_test_bot now belongs to Bob")
	if owner := srv.botOwner("tetris_test_bot"); owner != bob.self.ID {
		t.Fatalf("owner after the transfer: %d, want bob %d", owner, bob.self.ID)
	}
	bobChat := &botFatherChat{t: t, ctx: ctx, user: bob, peer: openBotFather(ctx, t, bob).peer}
	bobChat.reply("Alice transferred the bot @tetris_test_bot to you")

	// The old owner's buttons are refused now; the new owner's list has the bot.
	ans, err = bf.press(menu, "API Token", nil)
	if err != nil || !ans.Alert || !strings.Contains(ans.Message, "not yours") {
		t.Fatalf("old owner's press: %+v, %v", ans, err)
	}
	bf.say("/token", "You have no bots yet")
	bobList := bobChat.say("/mybots", "Choose a bot")

	// Deleting asks first; then the username is free and the token dead.
	bobMenu, _ := bobChat.pressEdit(bobList, "@tetris_test_bot", "Here it is")
	sure, _ := bobChat.pressEdit(bobMenu, "Delete bot", "You are about to delete your bot @tetris_test_bot")
	gone, ans := bobChat.pressEdit(sure, "Yes, delete the bot", "Done! The bot @tetris_test_bot is gone")
	if !ans.Alert {
		t.Fatalf("delete answer %+v", ans)
	}
	bobChat.pressEdit(gone, "« Back to bots list", "You have no bots yet")
	_, err = bot.api.UpdatesGetState(ctx)
	wantRPCError(t, err, "AUTH_KEY_UNREGISTERED")
	_, err = bot.api.AuthImportBotAuthorization(ctx, &tg.AuthImportBotAuthorizationRequest{APIID: 17349, APIHash: "x", BotAuthToken: newToken})
	wantRPCError(t, err, "ACCESS_TOKEN_INVALID")
	_, err = bob.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "tetris_test_bot"})
	wantRPCError(t, err, "USERNAME_NOT_OCCUPIED")
}
