package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/buttonflow/buttonflow/buttonflowtest"
	"github.com/buttonflow/buttonflow/client"
)

// TestPress presses every button type of seed 004 against a real server:
// one user and one bot, shared by the subtests to keep key exchanges few.
func TestPress(t *testing.T) {
	srv := buttonflowtest.New(t, buttonflowtest.WithCallbackTimeout(3*time.Second))
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	bot := srv.NewBot(t, "press_bot", buttonflowtest.WithInline("Search..."),
		buttonflowtest.WithGame("snake", "Snake", "https://games.example/snake"))
	user := srv.NewUser(t, buttonflowtest.WithName("Alice", "Tester"), buttonflowtest.WithPassword("s3cret"),
		buttonflowtest.WithClientOptions(client.Options{Now: clk.Now}))
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()

	sb := serve(t, bot, func(q *tg.UpdateBotCallbackQuery) *tg.MessagesSetBotCallbackAnswerRequest {
		if name, ok := q.GetGameShortName(); ok && name == "snake" {
			return &tg.MessagesSetBotCallbackAnswerRequest{URL: "https://games.example/snake?player=1"}
		}
		switch string(q.Data) {
		case "toast":
			return &tg.MessagesSetBotCallbackAnswerRequest{Message: "pressed", CacheTime: 30}
		case "alert":
			return &tg.MessagesSetBotCallbackAnswerRequest{Message: "sure?", Alert: true}
		case "link":
			return &tg.MessagesSetBotCallbackAnswerRequest{URL: "https://t.me/press_bot?start=go"}
		case "secret":
			return &tg.MessagesSetBotCallbackAnswerRequest{Message: "verified"}
		}
		return nil // "silent"
	}, func(q *tg.UpdateBotInlineQuery) *tg.MessagesSetInlineBotResultsRequest {
		return &tg.MessagesSetInlineBotResultsRequest{Results: []tg.InputBotInlineResultClass{
			&tg.InputBotInlineResult{ID: "1", Type: "article", Title: "echo " + q.Query,
				SendMessage: &tg.InputBotInlineMessageText{Message: q.Query}},
		}}
	})
	self, err := user.Self(ctx)
	if err != nil {
		t.Fatal(err)
	}
	userPeer, err := bot.PeerOf(ctx, self.Username)
	if err != nil {
		t.Fatal(err)
	}
	receive := func(text string, markup tg.ReplyMarkupClass) *tg.Message {
		t.Helper()
		sb.send(ctx, t, userPeer, text, markup)
		m, err := user.WaitMessage(ctx, textIs(text))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	callbacks := receive("callbacks", &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{
		{Buttons: []tg.KeyboardInlineButton{callbackButton("Toast", "toast", false), callbackButton("Alert", "alert", false)}},
		{Buttons: []tg.KeyboardInlineButton{callbackButton("Link", "link", false), callbackButton("Silent", "silent", false)}},
		{Buttons: []tg.KeyboardInlineButton{callbackButton("Secret", "secret", true)}},
	}})

	t.Run("callback answers are cached for cache_time", func(t *testing.T) {
		res, err := user.Press(ctx, callbacks, "Toast")
		if err != nil {
			t.Fatal(err)
		}
		if res.Kind != client.KindCallback || res.Toast != "pressed" || res.Alert != "" || res.Cached || res.Answer.CacheTime != 30 {
			t.Fatalf("first press %+v", res)
		}
		clk.Advance(29 * time.Second)
		if res, err = user.Press(ctx, callbacks, "Toast"); err != nil || !res.Cached || res.Toast != "pressed" {
			t.Fatalf("second press inside cache_time: %+v, %v", res, err)
		}
		if n := sb.heardTimes("toast"); n != 1 {
			t.Fatalf("the bot heard %d queries, want 1 (the second press reached it)", n)
		}
		clk.Advance(2 * time.Second)
		if res, err = user.Press(ctx, callbacks, "Toast"); err != nil || res.Cached {
			t.Fatalf("press after cache_time: %+v, %v", res, err)
		}
		if n := sb.heardTimes("toast"); n != 2 {
			t.Fatalf("the bot heard %d queries after cache_time ran out, want 2", n)
		}
	})
	t.Run("alert and url answers", func(t *testing.T) {
		res, err := user.Press(ctx, callbacks, "Alert")
		if err != nil || res.Alert != "sure?" || res.Toast != "" {
			t.Fatalf("alert: %+v, %v", res, err)
		}
		res, err = user.PressAt(ctx, callbacks, 1, 0)
		if err != nil || res.OpenURL != "https://t.me/press_bot?start=go" || res.Game != nil {
			t.Fatalf("link: %+v, %v", res, err)
		}
		if n := sb.heardTimes("alert"); n != 1 { // cache_time 0: no caching
			t.Fatalf("alert heard %d times", n)
		}
	})
	t.Run("timeout is ErrBotResponseTimeout", func(t *testing.T) {
		_, err := user.Press(ctx, callbacks, "Silent")
		if !errors.Is(err, client.ErrBotResponseTimeout) || !tgerr.Is(err, "BOT_RESPONSE_TIMEOUT") {
			t.Fatalf("got %v, want ErrBotResponseTimeout wrapping BOT_RESPONSE_TIMEOUT", err)
		}
	})
	t.Run("password button", func(t *testing.T) {
		_, err := user.Press(ctx, callbacks, "Secret", client.WithPassword("wrong"))
		if !tgerr.Is(err, "PASSWORD_HASH_INVALID") {
			t.Fatalf("wrong password: %v", err)
		}
		if n := sb.heardTimes("secret"); n != 0 {
			t.Fatalf("the bot heard a press with the wrong password")
		}
		res, err := user.Press(ctx, callbacks, "Secret")
		if err != nil || res.Toast != "verified" {
			t.Fatalf("right password: %+v, %v", res, err)
		}
	})
	t.Run("game", func(t *testing.T) {
		if _, err := bot.API.MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: userPeer, RandomID: randomID(),
			Media: &tg.InputMediaGame{ID: &tg.InputGameShortName{BotID: &tg.InputUserSelf{}, ShortName: "snake"}}}); err != nil {
			t.Fatal(err)
		}
		m, err := user.WaitMessage(ctx, func(m *tg.Message) bool { _, ok := m.Media.(*tg.MessageMediaGame); return ok })
		if err != nil {
			t.Fatal(err)
		}
		r, err := user.PressAt(ctx, m, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if r.Kind != client.KindGame || r.Game == nil || r.Game.URL != "https://games.example/snake?player=1" || !r.Game.NativeUI || r.OpenURL != "" {
			t.Fatalf("game press %+v (game %+v)", r, r.Game)
		}
	})
	t.Run("url, switch inline and url auth", func(t *testing.T) {
		m := receive("links", &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{
			{Buttons: []tg.KeyboardInlineButton{
				{Text: "Site", Type: &tg.InlineButtonTypeURL{URL: "https://example.com/"}},
				{Text: "Channel", Type: &tg.InlineButtonTypeURL{URL: "https://t.me/somechannel"}},
			}},
			{Buttons: []tg.KeyboardInlineButton{
				{Text: "Here", Type: &tg.InlineButtonTypeSwitchInline{SamePeer: true, Query: "hello"}},
				{Text: "Share", Type: &tg.InlineButtonTypeSwitchInline{Query: "share"}},
			}},
			{Buttons: []tg.KeyboardInlineButton{
				{Text: "Log in", Type: &tg.InputInlineButtonTypeURLAuth{URL: "https://login.example/auth", Bot: &tg.InputUserSelf{}}},
			}},
		}})
		r, err := user.Press(ctx, m, "Site")
		if err != nil || r.Kind != client.KindURL || r.ConfirmURL != "https://example.com/" || r.OpenURL != "" {
			t.Fatalf("external url: %+v, %v", r, err)
		}
		r, err = user.Press(ctx, m, "Channel")
		if err != nil || r.OpenURL != "https://t.me/somechannel" || r.ConfirmURL != "" {
			t.Fatalf("internal url: %+v, %v", r, err)
		}

		r, err = user.Press(ctx, m, "Here", client.WithInlineQuery())
		if err != nil {
			t.Fatal(err)
		}
		si := r.SwitchInline
		if r.Kind != client.KindSwitchInline || si == nil || !si.SamePeer || si.InputText != "@press_bot hello" || si.Peer == nil ||
			si.Results == nil || len(si.Results.Results) != 1 {
			t.Fatalf("same-peer switch inline: %+v (%+v)", r, si)
		}
		r, err = user.Press(ctx, m, "Share")
		if err != nil || r.SwitchInline.SamePeer || r.SwitchInline.Peer != nil || r.SwitchInline.Query != "share" {
			t.Fatalf("switch inline to a chosen chat: %+v, %v", r.SwitchInline, err)
		}
		_, err = user.Press(ctx, m, "Share", client.WithInlineQuery())
		if !errors.Is(err, client.ErrNeedsInput) {
			t.Fatalf("inline query without a chosen chat: %v", err)
		}

		r, err = user.Press(ctx, m, "Log in")
		if err != nil {
			t.Fatal(err)
		}
		ask, ok := r.URLAuth.Request()
		if r.Kind != client.KindURLAuth || !ok || ask.Domain != "login.example" {
			t.Fatalf("url auth: %+v (%#v)", r, r.URLAuth.Result)
		}
		login, err := r.URLAuth.Accept(ctx, false)
		if err != nil || len(login) < len("https://login.example/auth?") {
			t.Fatalf("accept: %q, %v", login, err)
		}
		r, err = user.Press(ctx, m, "Log in")
		if _, ok := r.URLAuth.Result.(*tg.URLAuthResultAccepted); err != nil || !ok || r.OpenURL == "" {
			t.Fatalf("url auth once accepted: %+v, %v", r, err)
		}
	})
	t.Run("reply keyboard", func(t *testing.T) {
		m := receive("share", &tg.ReplyKeyboardMarkup{Rows: []tg.KeyboardButtonRow{{Buttons: []tg.KeyboardButton{
			{Text: "Hi there", Type: &tg.ButtonTypeDefault{}},
			{Text: "Phone", Type: &tg.ButtonTypeRequestPhone{}},
			{Text: "Where", Type: &tg.ButtonTypeRequestGeoLocation{}},
			{Text: "Poll", Type: &tg.ButtonTypeRequestPoll{}},
		}}}})
		r, err := user.Press(ctx, m, "Hi there")
		if err != nil || r.Kind != client.KindText || r.Sent == nil {
			t.Fatalf("text: %+v, %v", r, err)
		}
		if got := sb.next(t); got.Message != "Hi there" {
			t.Fatalf("the bot got %q", got.Message)
		}
		if _, err := user.Press(ctx, m, "Phone"); err != nil {
			t.Fatal(err)
		}
		if c, ok := sb.next(t).Media.(*tg.MessageMediaContact); !ok || c.PhoneNumber != self.Phone || c.UserID != self.ID {
			t.Fatalf("contact %#v", c)
		}
		if _, err := user.Press(ctx, m, "Where"); !errors.Is(err, client.ErrNeedsInput) {
			t.Fatalf("location without WithLocation: %v", err)
		}
		if _, err := user.Press(ctx, m, "Where", client.WithLocation(52.52, 13.405)); err != nil {
			t.Fatal(err)
		}
		if g, ok := sb.next(t).Media.(*tg.MessageMediaGeo); !ok || g.Geo.(*tg.GeoPoint).Lat != 52.52 {
			t.Fatalf("geo %#v", g)
		}
		poll := &tg.InputMediaPoll{Poll: tg.Poll{
			Question: tg.TextWithEntities{Text: "Tea?", Entities: []tg.MessageEntityClass{}},
			Answers: []tg.PollAnswerClass{
				&tg.InputPollAnswer{Text: tg.TextWithEntities{Text: "yes", Entities: []tg.MessageEntityClass{}}},
				&tg.InputPollAnswer{Text: tg.TextWithEntities{Text: "no", Entities: []tg.MessageEntityClass{}}},
			}}}
		if _, err := user.Press(ctx, m, "Poll", client.WithPoll(poll)); err != nil {
			t.Fatal(err)
		}
		if p, ok := sb.next(t).Media.(*tg.MessageMediaPoll); !ok || len(p.Poll.Answers) != 2 {
			t.Fatalf("poll %#v", p)
		}
	})
	t.Run("refused before sending", func(t *testing.T) {
		// The server never delivers these (request buttons outside private
		// chats and buy buttons are refused when a bot sends them), so the
		// messages are made here: the client must refuse on its own.
		group := &tg.Message{ID: 1, PeerID: &tg.PeerChat{ChatID: 42}, ReplyMarkup: &tg.ReplyKeyboardMarkup{Rows: []tg.KeyboardButtonRow{{Buttons: []tg.KeyboardButton{
			{Text: "Phone", Type: &tg.ButtonTypeRequestPhone{}},
			{Text: "Where", Type: &tg.ButtonTypeRequestGeoLocation{}},
			{Text: "Poll", Type: &tg.ButtonTypeRequestPoll{}},
		}}}}}
		for _, b := range []string{"Phone", "Where", "Poll"} {
			if _, err := user.Press(ctx, group, b, client.WithLocation(1, 1)); !errors.Is(err, client.ErrPrivateChatOnly) {
				t.Errorf("%s in a group: %v, want ErrPrivateChatOnly", b, err)
			}
		}
		buy := &tg.Message{ID: 1, PeerID: callbacks.PeerID, ReplyMarkup: inlineRow(tg.KeyboardInlineButton{Text: "Pay", Type: &tg.InlineButtonTypeBuy{}})}
		if _, err := user.Press(ctx, buy, "Pay"); !errors.Is(err, client.ErrNotSupported) {
			t.Errorf("buy: %v, want ErrNotSupported", err)
		}
		if _, err := user.Press(ctx, callbacks, "No such"); !errors.Is(err, client.ErrNoButton) {
			t.Errorf("missing button: %v", err)
		}
	})
}

func TestIsInternalURL(t *testing.T) {
	for u, want := range map[string]bool{
		"https://t.me/bot?start=x":     true,
		"http://telegram.me/channel":   true,
		"https://telegram.dog/x":       true,
		"tg://resolve?domain=x":        true,
		"https://T.ME/x":               true,
		"https://example.com/":         false,
		"https://t.me.example.com/":    false,
		"javascript:alert(1)":          false,
		"https://evil.com/?u=t.me/bot": false,
	} {
		if got := client.IsInternalURL(u); got != want {
			t.Errorf("IsInternalURL(%q) = %v, want %v", u, got, want)
		}
	}
}
