package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"
)

// botAPIClient calls the Bot API the way bot frameworks do: JSON bodies,
// urlencoded forms or GET query strings.
type botAPIClient struct {
	t     *testing.T
	base  string // http://host:port/bot<token>
	httpc *http.Client
}

func (s *testServer) botAPI(token string) *botAPIClient {
	return &botAPIClient{t: s.t, base: "http://" + s.app.HTTPAddr.String() + "/bot" + token, httpc: &http.Client{Timeout: 2 * time.Minute}}
}

// botAPIReply is a Bot API answer.
type botAPIReply struct {
	Status      int
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// callJSON posts params as a JSON object.
func (c *botAPIClient) callJSON(method string, params any) botAPIReply {
	c.t.Helper()
	body, err := json.Marshal(params)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(http.MethodPost, method, "application/json", bytes.NewReader(body))
}

// callForm posts params as a urlencoded form.
func (c *botAPIClient) callForm(method string, params url.Values) botAPIReply {
	c.t.Helper()
	return c.do(http.MethodPost, method, "application/x-www-form-urlencoded", strings.NewReader(params.Encode()))
}

// callGet sends params in the query string.
func (c *botAPIClient) callGet(method string, params url.Values) botAPIReply {
	c.t.Helper()
	return c.do(http.MethodGet, method+"?"+params.Encode(), "", nil)
}

func (c *botAPIClient) do(httpMethod, method, contentType string, body io.Reader) botAPIReply {
	c.t.Helper()
	req, err := http.NewRequest(httpMethod, c.base+"/"+method, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.httpc.Do(req)
	if err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	var r botAPIReply
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &r); err != nil {
		c.t.Fatalf("%s: answer %q is not JSON: %v", method, raw, err)
	}
	r.Status = resp.StatusCode
	return r
}

// ok fails unless the call succeeded, and decodes its result into out.
func (r botAPIReply) ok(t *testing.T, out any) {
	t.Helper()
	if !r.OK || r.Status != 200 {
		t.Fatalf("call failed: %d %s", r.ErrorCode, r.Description)
	}
	if out != nil {
		if err := json.Unmarshal(r.Result, out); err != nil {
			t.Fatalf("result %s: %v", r.Result, err)
		}
	}
}

// fails fails unless the call failed with code and description.
func (r botAPIReply) fails(t *testing.T, code int, description string) {
	t.Helper()
	if r.OK || r.Status != code || r.ErrorCode != code || r.Description != description {
		t.Fatalf("got %d ok=%v %q, want %d %q", r.Status, r.OK, r.Description, code, description)
	}
}

// apiUpdate is the part of a Bot API Update the tests read.
type apiUpdate struct {
	UpdateID int64           `json:"update_id"`
	Message  *apiMessage     `json:"message"`
	Edited   *apiMessage     `json:"edited_message"`
	Callback *apiCallback    `json:"callback_query"`
	Inline   json.RawMessage `json:"inline_query"`
}

type apiMessage struct {
	MessageID int `json:"message_id"`
	From      *struct {
		ID       int64  `json:"id"`
		IsBot    bool   `json:"is_bot"`
		Username string `json:"username"`
	} `json:"from"`
	Chat struct {
		ID   int64  `json:"id"`
		Type string `json:"type"`
	} `json:"chat"`
	Text     string `json:"text"`
	Entities []struct {
		Type   string `json:"type"`
		Offset int    `json:"offset"`
		Length int    `json:"length"`
		URL    string `json:"url"`
	} `json:"entities"`
	ReplyMarkup *struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
			URL          string `json:"url"`
		} `json:"inline_keyboard"`
	} `json:"reply_markup"`
	ReplyTo *apiMessage `json:"reply_to_message"`
}

type apiCallback struct {
	ID   string `json:"id"`
	From struct {
		ID int64 `json:"id"`
	} `json:"from"`
	Message         *apiMessage `json:"message"`
	InlineMessageID string      `json:"inline_message_id"`
	ChatInstance    string      `json:"chat_instance"`
	Data            string      `json:"data"`
	GameShortName   string      `json:"game_short_name"`
}

// poll long-polls until at least one update arrives and returns them,
// confirming earlier ones with offset.
func (c *botAPIClient) poll(offset int64) []apiUpdate {
	c.t.Helper()
	deadline := time.Now().Add(e2eWait)
	for time.Now().Before(deadline) {
		var ups []apiUpdate
		c.callJSON("getUpdates", map[string]any{"offset": offset, "timeout": 20}).ok(c.t, &ups)
		if len(ups) > 0 {
			return ups
		}
	}
	c.t.Fatalf("no update within %v", e2eWait)
	return nil
}

// pressAsync presses a callback button as user and returns where its
// answer will arrive.
func pressAsync(user *liveClient, peer tg.InputPeerClass, msgID int, data string) <-chan pressResult {
	ch := make(chan pressResult, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), e2eWait)
		defer cancel()
		a, err := user.api.MessagesGetBotCallbackAnswer(ctx, &tg.MessagesGetBotCallbackAnswerRequest{Peer: peer, MsgID: msgID, Data: []byte(data)})
		ch <- pressResult{a, err}
	}()
	return ch
}

type pressResult struct {
	answer *tg.MessagesBotCallbackAnswer
	err    error
}

func waitPress(t *testing.T, ch <-chan pressResult) pressResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(e2eWait + 10*time.Second):
		t.Fatal("press never answered")
	}
	return pressResult{}
}

// TestBotAPICallbackRoundTrip drives a Bot API bot on long polling with a
// gotd user over MTProto: a command in, an inline keyboard out, presses
// answered with a toast, an alert and a URL, and the errors on the way.
func TestBotAPICallbackRoundTrip(t *testing.T) {
	srv := startServer(t)
	botID, token := srv.createBot("apipoll_bot")
	api := srv.botAPI(token)
	ctx := context.Background()

	srv.botAPI("1:nope").callGet("getMe", nil).fails(t, 401, "Unauthorized")
	api.callGet("noSuchMethod", nil).fails(t, 404, "Not Found")
	var me struct {
		ID       int64  `json:"id"`
		IsBot    bool   `json:"is_bot"`
		Username string `json:"username"`
	}
	api.callGet("getMe", nil).ok(t, &me)
	if me.ID != botID || !me.IsBot || me.Username != "apipoll_bot" {
		t.Fatalf("getMe = %+v", me)
	}
	var none []apiUpdate
	api.callGet("getUpdates", url.Values{"timeout": {"0"}}).ok(t, &none)
	if len(none) != 0 {
		t.Fatalf("a new bot has updates: %+v", none)
	}

	user := srv.signUpUser("15550300001", "Pat")
	res, err := user.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "apipoll_bot"})
	if err != nil {
		t.Fatal(err)
	}
	botPeer := userPeer(t, res.Users, botID)
	if _, err := user.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: botPeer, Message: "/start now", RandomID: randomID()}); err != nil {
		t.Fatal(err)
	}
	ups := api.poll(0)
	m := ups[0].Message
	if m == nil || m.Text != "/start now" || m.From == nil || m.From.ID != user.self.ID || m.Chat.ID != user.self.ID || m.Chat.Type != "private" {
		t.Fatalf("first update: %+v", ups[0])
	}
	if len(m.Entities) != 1 || m.Entities[0].Type != "bot_command" || m.Entities[0].Offset != 0 || m.Entities[0].Length != 6 {
		t.Fatalf("entities of /start: %+v", m.Entities)
	}
	offset := ups[len(ups)-1].UpdateID + 1

	api.callJSON("sendMessage", map[string]any{"chat_id": 999999999, "text": "x"}).fails(t, 400, "Bad Request: chat not found")
	api.callJSON("sendMessage", map[string]any{"chat_id": user.self.ID, "text": ""}).fails(t, 400, "Bad Request: message text is empty")
	var sent apiMessage
	api.callJSON("sendMessage", map[string]any{
		"chat_id": user.self.ID, "text": "<b>Pick</b> one", "parse_mode": "HTML",
		"reply_markup": map[string]any{"inline_keyboard": [][]map[string]any{{
			{"text": "Toast", "callback_data": "toast"}, {"text": "Alert", "callback_data": "alert"},
			{"text": "Link", "callback_data": "link"}, {"text": "Docs", "url": "https://example.com/docs"},
		}}},
	}).ok(t, &sent)
	if sent.Text != "Pick one" || len(sent.Entities) != 1 || sent.Entities[0].Type != "bold" || sent.Entities[0].Length != 4 {
		t.Fatalf("sent message: %+v", sent)
	}
	if sent.ReplyMarkup == nil || len(sent.ReplyMarkup.InlineKeyboard[0]) != 4 || sent.ReplyMarkup.InlineKeyboard[0][3].URL != "https://example.com/docs" {
		t.Fatalf("sent markup: %+v", sent.ReplyMarkup)
	}
	got := user.next("the keyboard", newMessage("Pick one")).(*tg.UpdateNewMessage).Message.(*tg.Message)
	mk, ok := got.ReplyMarkup.(*tg.ReplyInlineMarkup)
	if !ok || len(mk.Rows[0].Buttons) != 4 {
		t.Fatalf("user got markup %#v", got.ReplyMarkup)
	}

	// A toast.
	pending := pressAsync(user, botPeer, got.ID, "toast")
	ups = api.poll(offset)
	cb := ups[0].Callback
	if cb == nil || cb.Data != "toast" || cb.From.ID != user.self.ID || cb.ChatInstance == "" || cb.Message == nil ||
		cb.Message.MessageID != sent.MessageID || cb.Message.Text != "Pick one" {
		t.Fatalf("callback update: %+v", ups[0])
	}
	offset = ups[len(ups)-1].UpdateID + 1
	api.callForm("answerCallbackQuery", url.Values{"callback_query_id": {cb.ID}, "text": {"Done!"}}).ok(t, nil)
	if r := waitPress(t, pending); r.err != nil || r.answer.Message != "Done!" || r.answer.Alert {
		t.Fatalf("toast answer: %+v %v", r.answer, r.err)
	}
	api.callForm("answerCallbackQuery", url.Values{"callback_query_id": {cb.ID}, "text": {"again"}}).
		fails(t, 400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
	firstInstance := cb.ChatInstance

	// An alert, with cache_time.
	pending = pressAsync(user, botPeer, got.ID, "alert")
	ups = api.poll(offset)
	cb = ups[0].Callback
	offset = ups[len(ups)-1].UpdateID + 1
	if cb.ChatInstance != firstInstance {
		t.Fatalf("chat_instance changed within a chat: %s then %s", firstInstance, cb.ChatInstance)
	}
	api.callJSON("answerCallbackQuery", map[string]any{"callback_query_id": cb.ID, "text": strings.Repeat("a", 201)}).
		fails(t, 400, "Bad Request: MESSAGE_TOO_LONG")
	api.callJSON("answerCallbackQuery", map[string]any{"callback_query_id": cb.ID, "text": "Sure?", "show_alert": true, "cache_time": 30}).ok(t, nil)
	if r := waitPress(t, pending); r.err != nil || r.answer.Message != "Sure?" || !r.answer.Alert || r.answer.CacheTime != 30 {
		t.Fatalf("alert answer: %+v %v", r.answer, r.err)
	}

	// A URL: only t.me links to this bot are allowed.
	pending = pressAsync(user, botPeer, got.ID, "link")
	ups = api.poll(offset)
	cb = ups[0].Callback
	offset = ups[len(ups)-1].UpdateID + 1
	api.callGet("answerCallbackQuery", url.Values{"callback_query_id": {cb.ID}, "url": {"https://evil.example/"}}).
		fails(t, 400, "Bad Request: URL_INVALID")
	api.callGet("answerCallbackQuery", url.Values{"callback_query_id": {cb.ID}, "url": {"https://t.me/apipoll_bot?start=promo"}}).ok(t, nil)
	if r := waitPress(t, pending); r.err != nil || r.answer.URL != "https://t.me/apipoll_bot?start=promo" || !r.answer.HasURL {
		t.Fatalf("url answer: %+v %v", r.answer, r.err)
	}

	// Edits and deletion reach the user.
	var edited apiMessage
	api.callJSON("editMessageText", map[string]any{"chat_id": user.self.ID, "message_id": sent.MessageID, "text": "Picked",
		"reply_markup": map[string]any{"inline_keyboard": [][]map[string]any{{{"text": "Again", "callback_data": "toast"}}}}}).ok(t, &edited)
	if edited.Text != "Picked" || edited.ReplyMarkup == nil || edited.ReplyMarkup.InlineKeyboard[0][0].Text != "Again" {
		t.Fatalf("edited: %+v", edited)
	}
	user.next("the edit", func(u tg.UpdateClass) bool {
		e, ok := u.(*tg.UpdateEditMessage)
		return ok && e.Message.(*tg.Message).Message == "Picked"
	})
	// Presses after the edit see the edited message and its new keyboard
	// (the server keeps pressed messages decoded, per body).
	if r := waitPress(t, pressAsync(user, botPeer, got.ID, "alert")); r.err == nil || !strings.Contains(r.err.Error(), "DATA_INVALID") {
		t.Fatalf("a button the edit removed: %+v %v", r.answer, r.err)
	}
	pending = pressAsync(user, botPeer, got.ID, "toast")
	ups = api.poll(offset)
	cb = ups[0].Callback
	offset = ups[len(ups)-1].UpdateID + 1
	if cb == nil || cb.Message == nil || cb.Message.Text != "Picked" || cb.Message.ReplyMarkup == nil ||
		cb.Message.ReplyMarkup.InlineKeyboard[0][0].Text != "Again" {
		t.Fatalf("callback after the edit: %+v", ups[0])
	}
	api.callForm("answerCallbackQuery", url.Values{"callback_query_id": {cb.ID}}).ok(t, nil)
	if r := waitPress(t, pending); r.err != nil {
		t.Fatalf("press after the edit: %v", r.err)
	}
	var bare apiMessage
	api.callJSON("editMessageReplyMarkup", map[string]any{"chat_id": user.self.ID, "message_id": sent.MessageID}).ok(t, &bare)
	if bare.Text != "Picked" || bare.ReplyMarkup != nil {
		t.Fatalf("keyboard still there after editMessageReplyMarkup without one: %+v", bare)
	}
	api.callJSON("editMessageReplyMarkup", map[string]any{"chat_id": user.self.ID, "message_id": sent.MessageID}).
		fails(t, 400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	api.callJSON("deleteMessage", map[string]any{"chat_id": user.self.ID, "message_id": sent.MessageID}).ok(t, nil)
	user.next("the deletion", func(u tg.UpdateClass) bool { _, ok := u.(*tg.UpdateDeleteMessages); return ok })
	api.callJSON("deleteMessage", map[string]any{"chat_id": user.self.ID, "message_id": sent.MessageID}).
		fails(t, 400, "Bad Request: message to delete not found")

	// Reply keyboards, their removal and force reply arrive as Telegram's markups.
	for _, tc := range []struct {
		markup map[string]any
		check  func(tg.ReplyMarkupClass) bool
	}{
		{map[string]any{"keyboard": []any{[]any{"Yes", map[string]any{"text": "Phone", "request_contact": true}}}, "resize_keyboard": true, "one_time_keyboard": true, "input_field_placeholder": "Answer"},
			func(m tg.ReplyMarkupClass) bool {
				k, ok := m.(*tg.ReplyKeyboardMarkup)
				if !ok || !k.Resize || !k.SingleUse || k.Placeholder != "Answer" || len(k.Rows[0].Buttons) != 2 {
					return false
				}
				_, phone := k.Rows[0].Buttons[1].Type.(*tg.ButtonTypeRequestPhone)
				return k.Rows[0].Buttons[0].Text == "Yes" && phone
			}},
		{map[string]any{"remove_keyboard": true}, func(m tg.ReplyMarkupClass) bool { _, ok := m.(*tg.ReplyKeyboardHide); return ok }},
		{map[string]any{"force_reply": true, "input_field_placeholder": "Your name"}, func(m tg.ReplyMarkupClass) bool {
			f, ok := m.(*tg.ReplyKeyboardForceReply)
			return ok && f.Placeholder == "Your name"
		}},
	} {
		text := fmt.Sprintf("markup %v", tc.markup)
		api.callJSON("sendMessage", map[string]any{"chat_id": user.self.ID, "text": text, "reply_markup": tc.markup}).ok(t, nil)
		m := user.next(text, newMessage(text)).(*tg.UpdateNewMessage).Message.(*tg.Message)
		if !tc.check(m.ReplyMarkup) {
			t.Fatalf("%s: user got %#v", text, m.ReplyMarkup)
		}
	}

	// A newer getUpdates ends a running one with 409.
	first := make(chan botAPIReply, 1)
	go func() { first <- api.callJSON("getUpdates", map[string]any{"offset": offset, "timeout": 30}) }()
	time.Sleep(300 * time.Millisecond) // let the first poll start waiting
	second := make(chan botAPIReply, 1)
	go func() { second <- api.callJSON("getUpdates", map[string]any{"offset": offset, "timeout": 1}) }()
	(<-first).fails(t, 409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
	(<-second).ok(t, nil)
}

// TestBotAPIUpdatesSurviveRestart checks that what a bot has not confirmed
// is still queued after a restart, and what arrived while the server ran
// without the bot polling is not lost.
func TestBotAPIUpdatesSurviveRestart(t *testing.T) {
	srv := startServer(t)
	botID, token := srv.createBot("apirestart_bot")
	srv.botAPI(token).callGet("getUpdates", nil).ok(t, nil) // the bot starts using the Bot API
	user := srv.signUpUser("15550300002", "Rae")
	ctx := context.Background()
	res, err := user.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "apirestart_bot"})
	if err != nil {
		t.Fatal(err)
	}
	peer := userPeer(t, res.Users, botID)
	for _, text := range []string{"one", "two"} {
		if _, err := user.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: peer, Message: text, RandomID: randomID()}); err != nil {
			t.Fatal(err)
		}
	}
	api := srv.botAPI(token)
	var ups []apiUpdate
	for len(ups) < 2 {
		ups = append(ups, api.poll(0)...)
		if len(ups) < 2 {
			ups = nil
		}
	}
	user.stop()
	srv.restart()
	api = srv.botAPI(token)
	again := api.poll(0)
	if len(again) != 2 || again[0].UpdateID != ups[0].UpdateID || again[1].Message.Text != "two" {
		t.Fatalf("after restart: %+v, before: %+v", again, ups)
	}
	var after []apiUpdate
	api.callJSON("getUpdates", map[string]any{"offset": again[1].UpdateID + 1}).ok(t, &after)
	if len(after) != 0 {
		t.Fatalf("confirmed updates came back: %+v", after)
	}
}

// TestBotAPIWebhook delivers updates to a webhook with its secret token,
// retries a failed delivery, reports it in getWebhookInfo, and refuses
// getUpdates while the webhook is set.
func TestBotAPIWebhook(t *testing.T) {
	srv := startServer(t)
	botID, token := srv.createBot("apihook_bot")
	api := srv.botAPI(token)

	var (
		mu       sync.Mutex
		failNext = true
		bodies   = make(chan apiUpdate, 10)
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != "s3cret_token" {
			t.Errorf("webhook secret header = %q", r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		}
		mu.Lock()
		fail := failNext
		failNext = false
		mu.Unlock()
		if fail {
			http.Error(w, "not yet", http.StatusBadGateway)
			return
		}
		var u apiUpdate
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		bodies <- u
	}))
	t.Cleanup(hook.Close)

	api.callJSON("setWebhook", map[string]any{"url": hook.URL, "secret_token": "bad token!"}).
		fails(t, 400, "Bad Request: secret token contains unallowed characters")
	api.callJSON("setWebhook", map[string]any{"url": "ftp://x"}).
		fails(t, 400, "Bad Request: bad webhook: An HTTP or HTTPS URL must be provided for webhook")
	set := api.callJSON("setWebhook", map[string]any{"url": hook.URL, "secret_token": "s3cret_token", "max_connections": 5})
	set.ok(t, nil)
	if set.Description != "Webhook was set" {
		t.Fatalf("setWebhook description %q", set.Description)
	}
	api.callJSON("getUpdates", nil).fails(t, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")

	user := srv.signUpUser("15550300003", "Sam")
	ctx := context.Background()
	res, err := user.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "apihook_bot"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := user.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: userPeer(t, res.Users, botID), Message: "hello hook", RandomID: randomID()}); err != nil {
		t.Fatal(err)
	}
	var u apiUpdate
	select {
	case u = <-bodies:
	case <-time.After(e2eWait):
		t.Fatal("webhook never got the update")
	}
	if u.Message == nil || u.Message.Text != "hello hook" || u.UpdateID == 0 {
		t.Fatalf("webhook got %+v", u)
	}
	var info struct {
		URL                string `json:"url"`
		PendingUpdateCount int    `json:"pending_update_count"`
		LastErrorDate      int64  `json:"last_error_date"`
		LastErrorMessage   string `json:"last_error_message"`
		MaxConnections     int    `json:"max_connections"`
	}
	deadline := time.Now().Add(e2eWait)
	for {
		api.callGet("getWebhookInfo", nil).ok(t, &info)
		if info.PendingUpdateCount == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if info.URL != hook.URL || info.PendingUpdateCount != 0 || info.MaxConnections != 5 ||
		info.LastErrorDate == 0 || !strings.Contains(info.LastErrorMessage, "502") {
		t.Fatalf("webhook info: %+v", info)
	}
	del := api.callJSON("deleteWebhook", nil)
	del.ok(t, nil)
	if del.Description != "Webhook was deleted" {
		t.Fatalf("deleteWebhook description %q", del.Description)
	}
	api.callJSON("getUpdates", nil).ok(t, nil)
}
