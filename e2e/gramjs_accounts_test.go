package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"
)

// gramjsLogin is what accounts.js prints.
type gramjsLogin struct {
	Flow struct {
		CodeAsked     int      `json:"codeAsked"`
		PasswordHints []string `json:"passwordHints"`
		NamesAsked    int      `json:"namesAsked"`
		Errors        []string `json:"errors"`
		Failed        string   `json:"failed"`
	} `json:"flow"`
	Me         *gramjsUser `json:"me"`
	Authorized bool        `json:"authorized"`
	Password   *struct {
		HasPassword bool   `json:"hasPassword"`
		Hint        string `json:"hint"`
	} `json:"password"`
	Session string `json:"session"`
}

type gramjsUser struct {
	ID        string `json:"id"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Username  string `json:"username"`
	Phone     string `json:"phone"`
	Bot       bool   `json:"bot"`
	Self      bool   `json:"self"`
}

// gramjsUserLogin runs accounts.js as a user with client.start over the
// GramJS transport given.
func gramjsUserLogin(t *testing.T, srv *testServer, transport, phone string, passwords []string, env map[string]string) gramjsLogin {
	t.Helper()
	if passwords == nil {
		passwords = []string{}
	}
	pw, _ := json.Marshal(passwords)
	all := map[string]string{"BF_ROLE": "user", "BF_PHONE": phone, "BF_PASSWORDS": string(pw)}
	for k, v := range env {
		all[k] = v
	}
	var got gramjsLogin
	runGramJS(t, srv, "accounts.js", transport, all, &got)
	return got
}

// TestGramJSUserSignUpAndPasswordLogin: GramJS's client.start signs a new
// phone up (code, then names, no password), sets a 2FA password with
// updateTwoFaSettings, and on a new session logs in again through
// SESSION_PASSWORD_NEEDED and SRP, retrying after a wrong password.
func TestGramJSUserSignUpAndPasswordLogin(t *testing.T) {
	srv := startServer(t)
	const phone, password = "15550001001", "gramjs horse"

	first := gramjsUserLogin(t, srv, "full", "+1 555 000 1001", nil, map[string]string{
		"BF_FIRST_NAME": "Gram", "BF_LAST_NAME": "Jay",
		"BF_NEW_PASSWORD": password, "BF_HINT": "horse",
	})
	if first.Flow.Failed != "" || len(first.Flow.Errors) != 0 {
		t.Fatalf("sign-up flow failed: %+v", first.Flow)
	}
	if first.Flow.CodeAsked != 1 || first.Flow.NamesAsked != 1 || len(first.Flow.PasswordHints) != 0 {
		t.Fatalf("sign-up asked for code %d times, names %d, password %d: want 1, 1, 0",
			first.Flow.CodeAsked, first.Flow.NamesAsked, len(first.Flow.PasswordHints))
	}
	me := first.Me
	if me == nil || me.FirstName != "Gram" || me.LastName != "Jay" || me.Phone != phone || me.Bot || !me.Self || !first.Authorized {
		t.Fatalf("after sign-up getMe() = %+v, authorized %v", me, first.Authorized)
	}
	if first.Password == nil || !first.Password.HasPassword || first.Password.Hint != "horse" {
		t.Fatalf("account.password after updateTwoFaSettings: %+v", first.Password)
	}

	// A new session: code, SESSION_PASSWORD_NEEDED, a wrong password, the right one.
	second := gramjsUserLogin(t, srv, "full", phone, []string{"wrong horse", password}, nil)
	if second.Flow.Failed != "" {
		t.Fatalf("2FA login failed: %+v", second.Flow)
	}
	if want := []string{"horse", "horse"}; !reflect.DeepEqual(second.Flow.PasswordHints, want) {
		t.Fatalf("password asked with hints %q, want %q", second.Flow.PasswordHints, want)
	}
	if want := []string{"PASSWORD_HASH_INVALID"}; !reflect.DeepEqual(second.Flow.Errors, want) {
		t.Fatalf("errors during the 2FA login: %q, want %q", second.Flow.Errors, want)
	}
	if second.Flow.NamesAsked != 0 || second.Me == nil || second.Me.ID != me.ID || !second.Authorized {
		t.Fatalf("2FA login: flow %+v, me %+v, want %+v", second.Flow, second.Me, me)
	}

	// Without a password to give, the flow stops at the password prompt.
	third := gramjsUserLogin(t, srv, "full", phone, nil, nil)
	if third.Flow.Failed != "AUTH_USER_CANCEL" || third.Me != nil ||
		!reflect.DeepEqual(third.Flow.PasswordHints, []string{"horse"}) ||
		!reflect.DeepEqual(third.Flow.Errors, []string{"no password left to try"}) {
		t.Fatalf("login without the password: %+v", third)
	}
}

// TestGramJSLoginWithPasswordSetByGotd: a password set with gotd's SRP code
// lets GramJS log in with it (over WebSocket, the browser's transport), and
// GramJS's saved session is still logged in after a restart.
func TestGramJSLoginWithPasswordSetByGotd(t *testing.T) {
	srv := startServer(t)
	const phone, password = "15550001002", "set by gotd"
	user := srv.signUpUser(phone, "Dora")
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	if err := user.client.Auth().UpdatePassword(ctx, password, auth.UpdatePasswordOptions{Hint: "gotd"}); err != nil {
		t.Fatalf("set password: %v", err)
	}
	user.stop()

	got := gramjsUserLogin(t, srv, "websocket", phone, []string{password}, nil)
	if got.Flow.Failed != "" || len(got.Flow.Errors) != 0 {
		t.Fatalf("2FA login failed: %+v", got.Flow)
	}
	if !reflect.DeepEqual(got.Flow.PasswordHints, []string{"gotd"}) || got.Flow.NamesAsked != 0 {
		t.Fatalf("flow %+v: want one password prompt with hint gotd, no names", got.Flow)
	}
	if got.Me == nil || got.Me.ID != fmt.Sprint(user.self.ID) || got.Me.FirstName != "Dora" || got.Session == "" {
		t.Fatalf("logged in as %+v (session %q), want user %d", got.Me, got.Session, user.self.ID)
	}

	// The saved session is still logged in after a restart: start() asks nothing.
	srv.restart()
	again := gramjsUserLogin(t, srv, "obfuscated", phone, nil, map[string]string{"BF_SESSION": got.Session})
	if again.Flow.Failed != "" || again.Flow.CodeAsked != 0 || len(again.Flow.PasswordHints) != 0 {
		t.Fatalf("start() with a saved session: %+v", again.Flow)
	}
	if again.Me == nil || again.Me.ID != got.Me.ID {
		t.Fatalf("saved session is %+v, want %+v", again.Me, got.Me)
	}
}

// TestGramJSBotLogin: client.start({botAuthToken}) logs a bot in, and a
// wrong token fails with ACCESS_TOKEN_INVALID.
func TestGramJSBotLogin(t *testing.T) {
	srv := startServer(t)
	id, token := srv.createBot("gramjs_login_bot")
	var got gramjsLogin
	runGramJS(t, srv, "accounts.js", "abridged", map[string]string{"BF_ROLE": "bot", "BF_BOT_TOKEN": token}, &got)
	if got.Flow.Failed != "" {
		t.Fatalf("bot login failed: %s", got.Flow.Failed)
	}
	if me := got.Me; me == nil || me.ID != fmt.Sprint(id) || !me.Bot || !me.Self || me.Username != "gramjs_login_bot" || !got.Authorized {
		t.Fatalf("bot getMe() = %+v, authorized %v", me, got.Authorized)
	}

	var wrong gramjsLogin
	runGramJS(t, srv, "accounts.js", "full", map[string]string{"BF_ROLE": "bot", "BF_BOT_TOKEN": token + "x"}, &wrong)
	if wrong.Flow.Failed != "ACCESS_TOKEN_INVALID" || wrong.Me != nil {
		t.Fatalf("wrong token: %+v", wrong)
	}
}

// gramjsMessage is lib.js's messageJSON.
type gramjsMessage struct {
	ID             int           `json:"id"`
	Out            bool          `json:"out"`
	Text           string        `json:"text"`
	SenderID       string        `json:"senderId"`
	SenderUsername string        `json:"senderUsername"`
	Markup         *gramjsMarkup `json:"markup"`
}

// gramjsMarkup is a reply markup as GramJS decoded it from layer 198.
type gramjsMarkup struct {
	ClassName string `json:"className"`
	Rows      []struct {
		ClassName string         `json:"className"`
		Buttons   []gramjsButton `json:"buttons"`
	} `json:"rows"`
	Resize      bool   `json:"resize"`
	SingleUse   bool   `json:"singleUse"`
	Placeholder string `json:"placeholder"`
}

type gramjsButton struct {
	ClassName string `json:"className"`
	Text      string `json:"text"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
	// RequiresPassword is keyboardButtonCallback's requires_password.
	RequiresPassword bool `json:"requiresPassword,omitempty"`
}

// buttons lists the markup's buttons row by row as "className text [data|url]".
func (m *gramjsMarkup) buttons() [][]string {
	if m == nil {
		return nil
	}
	var rows [][]string
	for _, r := range m.Rows {
		var row []string
		for _, b := range r.Buttons {
			s := b.ClassName + " " + b.Text
			if b.Data != "" {
				s += " data=" + b.Data
			}
			if b.URL != "" {
				s += " url=" + b.URL
			}
			row = append(row, s)
		}
		rows = append(rows, row)
	}
	return rows
}

// gramjsKeyboardRun is what keyboard.js prints.
type gramjsKeyboardRun struct {
	Me       *gramjsUser    `json:"me"`
	Keyboard *gramjsMessage `json:"keyboard"`
	ByID     *gramjsMessage `json:"byId"`
	Clicked  *gramjsMessage `json:"clicked"`
	Answer   *gramjsMessage `json:"answer"`
}

// gramjsBotRun is what bot.js prints.
type gramjsBotRun struct {
	Me    *gramjsUser    `json:"me"`
	Start *gramjsMessage `json:"start"`
	Sent  *gramjsMessage `json:"sent"`
	Got   *gramjsMessage `json:"got"`
}

// waitMessage waits for a message with this exact text pushed to lc, and
// returns it with the users of its container. If the GramJS script p ends
// first, its failure is reported instead.
func waitMessage(t *testing.T, lc *liveClient, p *gramjsProc, text string) (*tg.Message, []tg.UserClass) {
	t.Helper()
	timeout := time.After(e2eWait)
	for {
		select {
		case u := <-lc.updates:
			for _, one := range flatten(u) {
				if n, ok := one.(*tg.UpdateNewMessage); ok {
					if m, ok := n.Message.(*tg.Message); ok && !m.Out && m.Message == text {
						return m, containerUsers(u)
					}
				}
			}
		case <-p.done:
			var out any
			p.wait(t, &out)
			t.Fatalf("%s ended before %q reached the gotd client; it printed %v", p.script, text, out)
		case <-timeout:
			t.Fatalf("no %q pushed within %v", text, e2eWait)
		}
	}
}

// TestGramJSUserClicksReplyKeyboard: a GramJS user signs up and starts a gotd
// bot; the bot answers with a layer-229 reply keyboard, which the user reads
// with getMessages (history and by id) as layer 198's keyboardButton rows;
// message.click on "Red"
// sends the text "Red", which reaches the bot pushed; the bot's answer
// removes the keyboard.
func TestGramJSUserClicksReplyKeyboard(t *testing.T) {
	srv := startServer(t)
	botID, token := srv.createBot("color_bot")
	bot := srv.loginBot(token)
	user := startGramJS(t, srv, "keyboard.js", "full", map[string]string{
		"BF_PHONE": "15550001003", "BF_FIRST_NAME": "Gram", "BF_BOT": "color_bot",
		"BF_MODE": "reply", "BF_CLICK": "Red",
	})
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()

	start, users := waitMessage(t, bot, user, "/start")
	from, ok := start.FromID.(*tg.PeerUser)
	if !ok {
		t.Fatalf("/start from %#v", start.FromID)
	}
	peer := userPeer(t, users, from.UserID)
	if _, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: peer, Message: "pick a color", RandomID: randomID(),
		ReplyMarkup: &tg.ReplyKeyboardMarkup{Resize: true, Placeholder: "a color", Rows: []tg.KeyboardButtonRow{
			{Buttons: []tg.KeyboardButton{{Text: "Red", Type: &tg.ButtonTypeDefault{}}, {Text: "Green", Type: &tg.ButtonTypeDefault{}}}},
			{Buttons: []tg.KeyboardButton{{Text: "Blue", Type: &tg.ButtonTypeDefault{}}}},
		}},
	}); err != nil {
		t.Fatalf("bot sends the keyboard: %v", err)
	}

	red, _ := waitMessage(t, bot, user, "Red")
	if f, ok := red.FromID.(*tg.PeerUser); !ok || f.UserID != from.UserID {
		t.Fatalf("the click came from %#v, want user %d", red.FromID, from.UserID)
	}
	if _, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: peer, Message: "you chose Red", RandomID: randomID(), ReplyMarkup: &tg.ReplyKeyboardHide{},
	}); err != nil {
		t.Fatalf("bot answers the click: %v", err)
	}

	var got gramjsKeyboardRun
	user.wait(t, &got)
	if got.Me == nil || got.Me.ID != fmt.Sprint(from.UserID) {
		t.Fatalf("GramJS user %+v, the bot saw %d", got.Me, from.UserID)
	}
	kb := got.Keyboard
	if kb == nil || kb.Text != "pick a color" || kb.SenderID != fmt.Sprint(botID) || kb.Out || kb.Markup == nil {
		t.Fatalf("the user read %+v", kb)
	}
	if kb.Markup.ClassName != "ReplyKeyboardMarkup" || !kb.Markup.Resize || kb.Markup.Placeholder != "a color" {
		t.Fatalf("markup in layer 198: %+v", kb.Markup)
	}
	want := [][]string{{"KeyboardButton Red", "KeyboardButton Green"}, {"KeyboardButton Blue"}}
	if b := kb.Markup.buttons(); !reflect.DeepEqual(b, want) {
		t.Fatalf("buttons in layer 198: %q, want %q", b, want)
	}
	if !reflect.DeepEqual(got.ByID, kb) {
		t.Fatalf("getMessages by id: %+v, from the history: %+v", got.ByID, kb)
	}
	if c := got.Clicked; c == nil || c.Text != "Red" || !c.Out {
		t.Fatalf("click sent %+v", c)
	}
	if a := got.Answer; a == nil || a.Text != "you chose Red" || a.Markup == nil || a.Markup.ClassName != "ReplyKeyboardHide" {
		t.Fatalf("the bot's answer as the user read it: %+v", a)
	}

	// The bot's history holds the click too.
	hist, err := bot.api.MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{Peer: peer, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range hist.(interface{ GetMessages() []tg.MessageClass }).GetMessages() {
		if m, ok := m.(*tg.Message); ok {
			texts = append(texts, m.Message)
		}
	}
	if want := []string{"you chose Red", "Red", "pick a color", "/start"}; !reflect.DeepEqual(texts, want) {
		t.Fatalf("bot's history %q, want %q", texts, want)
	}
}

// TestGramJSUserGetsInlineKeyboardPushed: a gotd bot answers a GramJS user's
// /start with an inline keyboard; GramJS's NewMessage handler gets it pushed,
// with callback buttons as layer 198's keyboardButtonCallback and their data.
func TestGramJSUserGetsInlineKeyboardPushed(t *testing.T) {
	srv := startServer(t)
	botID, token := srv.createBot("inline_color_bot")
	bot := srv.loginBot(token)
	user := startGramJS(t, srv, "keyboard.js", "full", map[string]string{
		"BF_PHONE": "15550001004", "BF_FIRST_NAME": "Gram", "BF_BOT": "inline_color_bot", "BF_MODE": "inline",
	})
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()

	start, users := waitMessage(t, bot, user, "/start")
	peer := userPeer(t, users, start.FromID.(*tg.PeerUser).UserID)
	markup := inlineKeyboard("a", "b")
	markup.Rows = append(markup.Rows, tg.KeyboardInlineButtonRow{Buttons: []tg.KeyboardInlineButton{
		{Text: "site", Type: &tg.InlineButtonTypeURL{URL: "https://example.com/colors"}},
	}})
	if _, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: peer, Message: "choose", RandomID: randomID(), ReplyMarkup: markup,
	}); err != nil {
		t.Fatalf("bot sends the keyboard: %v", err)
	}

	var got gramjsKeyboardRun
	user.wait(t, &got)
	kb := got.Keyboard
	if kb == nil || kb.Text != "choose" || kb.SenderID != fmt.Sprint(botID) || kb.SenderUsername != "inline_color_bot" || kb.Markup == nil {
		t.Fatalf("pushed to the user: %+v", kb)
	}
	if kb.Markup.ClassName != "ReplyInlineMarkup" {
		t.Fatalf("markup in layer 198: %+v", kb.Markup)
	}
	want := [][]string{
		{"KeyboardButtonCallback press a data=a", "KeyboardButtonCallback press b data=b"},
		{"KeyboardButtonUrl site url=https://example.com/colors"},
	}
	if b := kb.Markup.buttons(); !reflect.DeepEqual(b, want) {
		t.Fatalf("buttons in layer 198: %q, want %q", b, want)
	}
}

// TestGramJSBotKeyboards: both sides in GramJS. A GramJS bot builds its
// keyboards with GramJS's Button helpers (layer 198 up to 229), a GramJS user
// reads and clicks them (229 down to 198).
func TestGramJSBotKeyboards(t *testing.T) {
	srv := startServer(t)
	botID, token := srv.createBot("gramjs_color_bot")
	t.Run("reply", func(t *testing.T) {
		bot := startGramJS(t, srv, "bot.js", "full", map[string]string{"BF_BOT_TOKEN": token, "BF_KEYBOARD": "reply"})
		bot.waitReady(t)
		user := startGramJS(t, srv, "keyboard.js", "full", map[string]string{
			"BF_PHONE": "15550001005", "BF_FIRST_NAME": "Gram", "BF_BOT": "gramjs_color_bot",
			"BF_MODE": "reply", "BF_CLICK": "Green",
		})
		var u gramjsKeyboardRun
		var b gramjsBotRun
		waitAll(t, []*gramjsProc{user, bot}, []any{&u, &b})
		if b.Me == nil || b.Me.ID != fmt.Sprint(botID) || !b.Me.Bot {
			t.Fatalf("bot logged in as %+v", b.Me)
		}
		if b.Start == nil || b.Start.SenderID != u.Me.ID || b.Got == nil || b.Got.Text != "Green" {
			t.Fatalf("bot got /start %+v, then %+v", b.Start, b.Got)
		}
		want := [][]string{{"KeyboardButton Red", "KeyboardButton Green"}, {"KeyboardButton Blue"}}
		if u.Keyboard == nil || !reflect.DeepEqual(u.Keyboard.Markup.buttons(), want) || u.Keyboard.Markup.ClassName != "ReplyKeyboardMarkup" {
			t.Fatalf("user read %+v, want buttons %q", u.Keyboard, want)
		}
		if u.Answer == nil || u.Answer.Text != "you chose Green" || u.Answer.Markup == nil || u.Answer.Markup.ClassName != "ReplyKeyboardHide" {
			t.Fatalf("user read the answer %+v", u.Answer)
		}
	})
	t.Run("inline", func(t *testing.T) {
		bot := startGramJS(t, srv, "bot.js", "full", map[string]string{"BF_BOT_TOKEN": token, "BF_KEYBOARD": "inline"})
		bot.waitReady(t)
		user := startGramJS(t, srv, "keyboard.js", "full", map[string]string{
			"BF_PHONE": "15550001006", "BF_FIRST_NAME": "Gram", "BF_BOT": "gramjs_color_bot", "BF_MODE": "inline",
		})
		var u gramjsKeyboardRun
		var b gramjsBotRun
		waitAll(t, []*gramjsProc{user, bot}, []any{&u, &b})
		want := [][]string{
			{"KeyboardButtonCallback press a data=a", "KeyboardButtonCallback press b data=b"},
			{"KeyboardButtonUrl site url=https://example.com/colors"},
		}
		if b.Sent == nil || !reflect.DeepEqual(b.Sent.Markup.buttons(), want) {
			t.Fatalf("the bot's own copy %+v, want buttons %q", b.Sent, want)
		}
		if u.Keyboard == nil || u.Keyboard.Text != "pick a color" || !reflect.DeepEqual(u.Keyboard.Markup.buttons(), want) {
			t.Fatalf("user got %+v, want buttons %q", u.Keyboard, want)
		}
	})
}
