package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gotd/td/tg"
)

// chromiumPath is Debian's chromium, which ./scripts/test installs.
const chromiumPath = "/usr/bin/chromium"

// consoleBot is the bot the browser test talks to: /start sends an inline
// keyboard of every kind the test presses and a single-use reply keyboard;
// "Red" or "Blue" get an answer; "live" gets a message that is then edited.
type consoleBot struct {
	mu      sync.Mutex
	started []string       // the /start texts seen
	presses map[string]int // callback data -> queries seen
}

func (cb *consoleBot) serve(ctx context.Context, t *testing.T, bot *liveClient) {
	cb.presses = map[string]int{}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-bot.updates:
				users := containerUsers(u)
				for _, one := range flatten(u) {
					if err := cb.handle(ctx, bot, users, one); err != nil && ctx.Err() == nil {
						t.Errorf("console bot: %v", err)
					}
				}
			}
		}
	}()
}

func (cb *consoleBot) handle(ctx context.Context, bot *liveClient, users []tg.UserClass, u tg.UpdateClass) error {
	switch u := u.(type) {
	case *tg.UpdateBotCallbackQuery:
		data := string(u.Data)
		cb.mu.Lock()
		cb.presses[data]++
		cb.mu.Unlock()
		a := &tg.MessagesSetBotCallbackAnswerRequest{QueryID: u.QueryID}
		switch data {
		case "toast":
			a.Message, a.CacheTime = "Hello from the bot", 60
		case "alert":
			a.Message, a.Alert = "Careful: this is an alert", true
		case "secret":
			a.Message = "Password accepted"
		default:
			return nil // "slow": never answered, the user gets BOT_RESPONSE_TIMEOUT
		}
		_, err := bot.api.MessagesSetBotCallbackAnswer(ctx, a)
		return err
	case *tg.UpdateNewMessage:
		m, ok := u.Message.(*tg.Message)
		if !ok || m.Out {
			return nil
		}
		from, ok := m.PeerID.(*tg.PeerUser)
		if !ok {
			return nil
		}
		var peer *tg.InputPeerUser
		for _, usr := range users {
			if usr, ok := usr.(*tg.User); ok && usr.ID == from.UserID {
				peer = &tg.InputPeerUser{UserID: usr.ID, AccessHash: usr.AccessHash}
			}
		}
		if peer == nil {
			return nil
		}
		send := func(text string, markup tg.ReplyMarkupClass) (tg.UpdatesClass, error) {
			req := &tg.MessagesSendMessageRequest{Peer: peer, Message: text, RandomID: randomID()}
			if markup != nil {
				req.SetReplyMarkup(markup)
			}
			return bot.api.MessagesSendMessage(ctx, req)
		}
		switch text := m.Message; {
		case strings.HasPrefix(text, "/start"):
			cb.mu.Lock()
			cb.started = append(cb.started, text)
			cb.mu.Unlock()
			cbButton := func(text, data string, password bool) tg.KeyboardInlineButton {
				return tg.KeyboardInlineButton{Text: text, Type: &tg.InlineButtonTypeCallback{Data: []byte(data), RequiresPassword: password}}
			}
			inline := &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{
				{Buttons: []tg.KeyboardInlineButton{cbButton("Toast", "toast", false), cbButton("Alert", "alert", false)}},
				{Buttons: []tg.KeyboardInlineButton{cbButton("Slow", "slow", false), cbButton("Secret", "secret", true)}},
				{Buttons: []tg.KeyboardInlineButton{{Text: "Docs", Type: &tg.InlineButtonTypeURL{URL: "https://example.com/docs"}}}},
			}}
			if _, err := send("Pick a button ("+strings.TrimSpace(strings.TrimPrefix(text, "/start"))+")", inline); err != nil {
				return err
			}
			reply := &tg.ReplyKeyboardMarkup{Resize: true, SingleUse: true, Placeholder: "Pick a colour",
				Rows: []tg.KeyboardButtonRow{{Buttons: []tg.KeyboardButton{
					{Text: "Red", Type: &tg.ButtonTypeDefault{}}, {Text: "Blue", Type: &tg.ButtonTypeDefault{}},
				}}}}
			_, err := send("Choose a colour", reply)
			return err
		case text == "Red" || text == "Blue":
			_, err := send("You chose "+text, &tg.ReplyKeyboardHide{})
			return err
		case text == "live":
			res, err := send("Version 1", nil)
			if err != nil {
				return err
			}
			for _, one := range flatten(res) {
				if n, ok := one.(*tg.UpdateNewMessage); ok {
					_, err = bot.api.MessagesEditMessage(ctx, &tg.MessagesEditMessageRequest{Peer: peer, ID: n.Message.(*tg.Message).ID, Message: "Version 2"})
					return err
				}
			}
		}
	}
	return nil
}

// TestConsoleInBrowser drives the console in headless Chromium: a person
// signs up, sets a 2FA password, starts a bot with a deep-link parameter,
// presses callback buttons (a toast, cached; an alert; a timeout), a reply
// keyboard button and a password button with a wrong and a right password,
// sees an edit arrive live, and logs in again through the 2FA password.
// Screenshots of each state go to e2e/artifacts/console (or
// $BUTTONFLOW_CONSOLE_SCREENSHOTS).
func TestConsoleInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("BUTTONFLOW_SKIP_BROWSER") == "1" {
			t.Skipf("%s is not installed and BUTTONFLOW_SKIP_BROWSER=1: skipping the browser test", chromiumPath)
		}
		t.Fatalf("%s is not installed: ./scripts/test installs it (apt-get install chromium); "+
			"set BUTTONFLOW_SKIP_BROWSER=1 to skip this test instead", chromiumPath)
	}
	script, err := filepath.Abs(filepath.Join("console", "console.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("console", "node_modules", "playwright-core")); err != nil {
		t.Fatal("playwright-core is not installed: run npm ci --prefix e2e/console (./scripts/test does)")
	}
	shots := os.Getenv("BUTTONFLOW_CONSOLE_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join("artifacts", "console")
	}
	if shots, err = filepath.Abs(shots); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	srv := startServer(t)
	_, token := srv.createBot("console_test_bot")
	bot := srv.loginBot(token)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	var cb consoleBot
	cb.serve(ctx, t, bot)

	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Env = append(os.Environ(),
		"BF_URL=http://"+srv.http+"/", "BF_LOGIN_CODE="+testLoginCode, "BF_BOT=console_test_bot",
		"BF_CHROMIUM="+chromiumPath, "BF_SCREENSHOTS="+shots)
	out, err := cmd.CombinedOutput()
	t.Logf("browser script:\n%s", out)
	if err != nil {
		t.Fatalf("browser script: %v (screenshots in %s)", err, shots)
	}

	cb.mu.Lock()
	defer cb.mu.Unlock()
	if len(cb.started) != 1 || cb.started[0] != "/start from_console" {
		t.Errorf("the bot saw starts %q, want one \"/start from_console\"", cb.started)
	}
	// The toast's answer was cached for 60 s: the second press never reached the bot.
	if cb.presses["toast"] != 1 {
		t.Errorf("the bot got %d toast queries, want 1 (the second press is answered from the cache)", cb.presses["toast"])
	}
	// A wrong password stops at the server: only the right one reaches the bot.
	if cb.presses["secret"] != 1 {
		t.Errorf("the bot got %d password-button queries, want 1", cb.presses["secret"])
	}
}
