package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/gotd/td/tg"
)

// gramjsCallbacksRun is what callbacks.js prints.
type gramjsCallbacksRun struct {
	Me       *gramjsUser          `json:"me"`
	Keyboard *gramjsMessage       `json:"keyboard"`
	Steps    []gramjsCallbackStep `json:"steps"`
}

// gramjsCallbackStep is the outcome of one of callbacks.js's steps.
type gramjsCallbackStep struct {
	Returned string                `json:"returned"`
	Answer   *gramjsCallbackAnswer `json:"answer"`
	Error    *gramjsError          `json:"error"`
	MS       int                   `json:"ms"`
}

// gramjsCallbackAnswer is a messages.botCallbackAnswer as GramJS decoded it
// (lib.js answerJSON).
type gramjsCallbackAnswer struct {
	ClassName string `json:"className"`
	Alert     bool   `json:"alert"`
	HasURL    bool   `json:"hasUrl"`
	NativeUI  bool   `json:"nativeUi"`
	Message   string `json:"message"`
	URL       string `json:"url"`
	CacheTime int    `json:"cacheTime"`
}

// gramjsError is an error GramJS threw (lib.js rpcErrorJSON).
type gramjsError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	RPC     bool   `json:"rpc"`
}

func (e *gramjsError) String() string {
	if !e.RPC {
		return "throws " + e.Message
	}
	return fmt.Sprintf("error %d %s", e.Code, e.Message)
}

// String spells an answer out, every field, for comparisons.
func (a gramjsCallbackAnswer) String() string {
	return fmt.Sprintf("%s{alert:%v hasUrl:%v nativeUi:%v message:%q url:%q cacheTime:%d}",
		a.ClassName, a.Alert, a.HasURL, a.NativeUI, a.Message, a.URL, a.CacheTime)
}

// outcome is what a step gave: "null", "error 400 …", an answer spelled out
// by gramjsCallbackAnswer.String, or "returned <class>".
func (s gramjsCallbackStep) outcome() string {
	switch {
	case s.Error != nil:
		return s.Error.String()
	case s.Answer != nil:
		return s.Answer.String()
	}
	return s.Returned
}

// answer is the outcome of a step that returned a messages.botCallbackAnswer.
func answer(a gramjsCallbackAnswer) string {
	a.ClassName = "messages.BotCallbackAnswer"
	return a.String()
}

// callbackStep is one step for callbacks.js, with the outcome it must have;
// a step with slow must also take at least the server's callback timeout.
type callbackStep struct {
	name string
	step map[string]any
	want string
	slow bool
}

func invokeStep(data string) map[string]any {
	return map[string]any{"invoke": map[string]any{"data": data}}
}

func clickData(data string) map[string]any {
	return map[string]any{"click": map[string]any{"data": data}}
}

func clickAt(i, j int) map[string]any {
	return map[string]any{"click": map[string]any{"i": i, "j": j}}
}

// withArg adds an argument to a step's call.
func withArg(step map[string]any, key string, v any) map[string]any {
	for _, call := range step {
		call.(map[string]any)[key] = v
	}
	return step
}

// runCallbackSteps starts callbacks.js as a new user (phone) pressing the
// buttons of @bot over transport.
func runCallbackSteps(t *testing.T, srv *testServer, transport, phone, bot string, steps []callbackStep) *gramjsProc {
	t.Helper()
	var list []map[string]any
	for _, s := range steps {
		list = append(list, s.step)
	}
	js, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	return startGramJS(t, srv, "callbacks.js", transport, map[string]string{
		"BF_PHONE": phone, "BF_FIRST_NAME": "Gram", "BF_BOT": bot, "BF_STEPS": string(js),
	})
}

// checkSteps compares each step's outcome with what it must be.
func checkSteps(t *testing.T, steps []callbackStep, got []gramjsCallbackStep) {
	t.Helper()
	if len(got) != len(steps) {
		t.Fatalf("%d steps ran, want %d: %+v", len(got), len(steps), got)
	}
	for i, s := range steps {
		if o := got[i].outcome(); o != s.want {
			t.Errorf("step %d (%s): %s\n\twant %s", i, s.name, o, s.want)
		}
		if s.slow && got[i].MS < int(testCallbackTimeout.Milliseconds()) {
			t.Errorf("step %d (%s) ended after %d ms, before the %v callback timeout", i, s.name, got[i].MS, testCallbackTimeout)
		}
	}
}

// gramjsCallbackBotRun is what callbackbot.js prints.
type gramjsCallbackBotRun struct {
	Me      *gramjsUser    `json:"me"`
	Start   *gramjsMessage `json:"start"`
	Sent    *gramjsMessage `json:"sent"`
	Queries []struct {
		QueryID      string `json:"queryId"`
		Data         string `json:"data"`
		UserID       string `json:"userId"`
		MsgID        int    `json:"msgId"`
		ChatInstance string `json:"chatInstance"`
		Peer         *struct {
			ClassName string `json:"className"`
			ID        string `json:"id"`
		} `json:"peer"`
		Answers []json.RawMessage `json:"answers"`
	} `json:"queries"`
}

// answerResults spells out what each answer the bot sent gave: "true" or
// "error 400 …".
func answerResults(t *testing.T, raw []json.RawMessage) []string {
	t.Helper()
	out := []string{}
	for _, r := range raw {
		var e gramjsError
		if err := json.Unmarshal(r, &e); err == nil {
			out = append(out, e.String())
			continue
		}
		out = append(out, string(r))
	}
	return out
}

// TestGramJSCallbackSeedExamples runs the seeds' own examples for
// messages.getBotCallbackAnswer and messages.setBotCallbackAnswer (seeds 000
// and 002), GramJS on both sides: a GramJS bot sends an inline keyboard built
// with Button.inline, a GramJS user presses it with
// client.invoke(new Api.messages.GetBotCallbackAnswer({peer, msgId, data})),
// and the bot answers from its CallbackQuery event handler with
// client.invoke(new Api.messages.SetBotCallbackAnswer({queryId, message,
// alert, url, cacheTime})). The user gets exactly what the bot set.
//
// The seeds write Api.messages.getBotCallbackAnswer / setBotCallbackAnswer;
// GramJS 2.26.22 exports the classes capitalised (the lower-case names are
// undefined), so the scripts use Api.messages.GetBotCallbackAnswer and
// Api.messages.SetBotCallbackAnswer. The seed's literal values cannot all
// pass: queryId is the real query's, and its url 'random string here' is
// refused with URL_INVALID (an answer's url may only be a t.me link to the
// bot, or a game's URL), after which the bot answers with a t.me link.
func TestGramJSCallbackSeedExamples(t *testing.T) {
	srv := startServer(t)
	const botName = "seed_answer_bot"
	botID, token := srv.createBot(botName)
	link := "https://t.me/" + botName + "?start=seed"

	buttons := [][]map[string]string{
		{{"text": "seed", "data": "seed"}, {"text": "toast", "data": "toast"}, {"text": "alert", "data": "alert"}},
		{{"text": "link", "data": "link"}, {"text": "slow", "data": "slow"}},
	}
	answers := map[string][]map[string]any{
		"seed": {
			// The seed's example as written, then with a url a bot may send.
			{"alert": true, "message": "random string here", "url": "random string here", "cacheTime": 3996368},
			{"alert": true, "message": "random string here", "url": link, "cacheTime": 3996368},
		},
		"toast": {{"message": "pressed toast", "cacheTime": 3600}},
		"alert": {{"alert": true, "message": "are you sure?", "url": link, "cacheTime": 42}},
		"link":  {{"url": link}},
		// Answered after the user's wait ended.
		"slow": {{"delayMs": testCallbackTimeout.Milliseconds() + 1000, "message": "too late"}},
	}
	bj, _ := json.Marshal(buttons)
	aj, _ := json.Marshal(answers)
	bot := startGramJS(t, srv, "callbackbot.js", "full", map[string]string{
		"BF_BOT_TOKEN": token, "BF_BUTTONS": string(bj), "BF_ANSWERS": string(aj), "BF_QUERIES": "5",
	})
	bot.waitReady(t)

	steps := []callbackStep{
		// cache_time above 30 days comes back clamped to 2592000 s, as the Bot API clamps it.
		{"seed example", invokeStep("seed"),
			answer(gramjsCallbackAnswer{Alert: true, HasURL: true, Message: "random string here", URL: link, CacheTime: 2592000}), false},
		{"message only", invokeStep("toast"), answer(gramjsCallbackAnswer{Message: "pressed toast", CacheTime: 3600}), false},
		{"every field", invokeStep("alert"),
			answer(gramjsCallbackAnswer{Alert: true, HasURL: true, Message: "are you sure?", URL: link, CacheTime: 42}), false},
		{"url only, click({data})", clickData("link"), answer(gramjsCallbackAnswer{HasURL: true, URL: link}), false},
		// GramJS's click turns BOT_RESPONSE_TIMEOUT into null.
		{"never answered in time, click({i, j})", clickAt(1, 1), "null", true},
	}
	user := runCallbackSteps(t, srv, "obfuscated", "15550002001", botName, steps)
	var u gramjsCallbacksRun
	var b gramjsCallbackBotRun
	waitAll(t, []*gramjsProc{user, bot}, []any{&u, &b})

	if u.Keyboard == nil || u.Keyboard.SenderID != fmt.Sprint(botID) || u.Keyboard.Text != "pick" {
		t.Fatalf("the user got the keyboard %+v", u.Keyboard)
	}
	checkSteps(t, steps, u.Steps)

	// The bot heard every press, in order, about its own copy of the message.
	if b.Sent == nil {
		t.Fatal("the bot sent no keyboard")
	}
	var heard []string
	instances := map[string]bool{}
	for _, q := range b.Queries {
		heard = append(heard, q.Data)
		instances[q.ChatInstance] = true
		if q.UserID != u.Me.ID || q.MsgID != b.Sent.ID || q.Peer == nil || q.Peer.ClassName != "PeerUser" || q.Peer.ID != u.Me.ID ||
			q.QueryID == "" || q.QueryID == "0" || q.ChatInstance == "0" {
			t.Errorf("query %+v: want user %s on the bot's message %d", q, u.Me.ID, b.Sent.ID)
		}
	}
	if want := []string{"seed", "toast", "alert", "link", "slow"}; !reflect.DeepEqual(heard, want) {
		t.Fatalf("the bot heard %q, want %q", heard, want)
	}
	if len(instances) != 1 {
		t.Errorf("chat_instance differs within one chat: %v", instances)
	}
	wantAnswers := [][]string{
		{"error 400 URL_INVALID", "true"},
		{"true"}, {"true"}, {"true"},
		{"error 400 QUERY_ID_INVALID"}, // too late
	}
	for i, q := range b.Queries {
		if got := answerResults(t, q.Answers); !reflect.DeepEqual(got, wantAnswers[i]) {
			t.Errorf("the bot's answers to %q: %q, want %q", q.Data, got, wantAnswers[i])
		}
	}
}

// gotdCallbackBot has the gotd bot wait for the GramJS user's /start, send it
// markup, and answer callback queries with answer. It returns the bot's copy
// of the keyboard message and the user's id. The bot must be logged in before
// the user starts: pushes are all it gets.
func gotdCallbackBot(t *testing.T, bot *liveClient, user *gramjsProc, markup tg.ReplyMarkupClass,
	answer func(*tg.UpdateBotCallbackQuery) *tg.MessagesSetBotCallbackAnswerRequest) (*callbackBot, *tg.Message, int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	start, users := waitMessage(t, bot, user, "/start")
	userID := start.FromID.(*tg.PeerUser).UserID
	res, err := bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: userPeer(t, users, userID), Message: "press", RandomID: randomID(), ReplyMarkup: markup,
	})
	if err != nil {
		t.Fatalf("bot sends the keyboard: %v", err)
	}
	cb := &callbackBot{}
	cb.serve(ctx, t, bot, answer)
	return cb, sentMessage(t, res), userID
}

// heard lists the data of the callback queries the bot got, checking each is
// from user about msg.
func (cb *callbackBot) heard(t *testing.T, user int64, msg *tg.Message) []string {
	t.Helper()
	cb.mu.Lock()
	defer cb.mu.Unlock()
	out := []string{}
	for _, q := range cb.queries {
		out = append(out, string(q.Data))
		if q.UserID != user || q.MsgID != msg.ID {
			t.Errorf("query %+v: want user %d, message %d", q, user, msg.ID)
		}
	}
	return out
}

// TestGramJSCallbackClick: a GramJS user's message.click on a gotd bot's
// callback buttons, by data and by position, returns the bot's answer; on a
// button the bot never answers, click returns null after the callback
// timeout, where the raw invoke throws RPCError 400 BOT_RESPONSE_TIMEOUT.
// Over WebSocket, the browser's transport, so the long-waiting RPCs cross it.
func TestGramJSCallbackClick(t *testing.T) {
	srv := startServer(t)
	const botName = "click_answer_bot"
	_, token := srv.createBot(botName)
	bot := srv.loginBot(token)
	link := "https://t.me/" + botName + "?start=from_button"
	steps := []callbackStep{
		{"click({data})", clickData("toast"), answer(gramjsCallbackAnswer{Message: "pressed toast", CacheTime: 30}), false},
		{"click({i, j})", clickAt(0, 1), answer(gramjsCallbackAnswer{Alert: true, Message: "are you sure?"}), false},
		{"click({i}) flat index", map[string]any{"click": map[string]any{"i": 2}}, answer(gramjsCallbackAnswer{HasURL: true, URL: link}), false},
		{"click({text}) on a callback button", map[string]any{"click": map[string]any{"text": "press alert"}}, answer(gramjsCallbackAnswer{Alert: true, Message: "are you sure?"}), false},
		{"unanswered, click({data})", clickData("silent"), "null", true},
		{"unanswered, click({i, j})", clickAt(1, 1), "null", true},
		{"unanswered, raw invoke", invokeStep("silent"), "error 400 BOT_RESPONSE_TIMEOUT", true},
		{"answered again after the timeouts", clickData("toast"), answer(gramjsCallbackAnswer{Message: "pressed toast", CacheTime: 30}), false},
	}
	user := runCallbackSteps(t, srv, "websocket", "15550002002", botName, steps)
	markup := inlineKeyboard("toast", "alert")
	markup.Rows = append(markup.Rows, inlineKeyboard("link", "silent").Rows...)
	cb, msg, userID := gotdCallbackBot(t, bot, user, markup, func(q *tg.UpdateBotCallbackQuery) *tg.MessagesSetBotCallbackAnswerRequest {
		switch string(q.Data) {
		case "toast":
			return &tg.MessagesSetBotCallbackAnswerRequest{Message: "pressed toast", CacheTime: 30}
		case "alert":
			return &tg.MessagesSetBotCallbackAnswerRequest{Alert: true, Message: "are you sure?"}
		case "link":
			return &tg.MessagesSetBotCallbackAnswerRequest{URL: link}
		}
		return nil
	})

	var got gramjsCallbacksRun
	user.wait(t, &got)
	if got.Me == nil || got.Me.ID != fmt.Sprint(userID) {
		t.Fatalf("GramJS user %+v, the bot saw %d", got.Me, userID)
	}
	wantButtons := [][]string{
		{"KeyboardButtonCallback press toast data=toast", "KeyboardButtonCallback press alert data=alert"},
		{"KeyboardButtonCallback press link data=link", "KeyboardButtonCallback press silent data=silent"},
	}
	if got.Keyboard == nil || !reflect.DeepEqual(got.Keyboard.Markup.buttons(), wantButtons) {
		t.Fatalf("the user got the keyboard %+v, want buttons %q", got.Keyboard, wantButtons)
	}
	checkSteps(t, steps, got.Steps)
	if h, want := cb.heard(t, userID, msg), []string{"toast", "alert", "link", "alert", "silent", "silent", "silent", "toast"}; !reflect.DeepEqual(h, want) {
		t.Fatalf("the bot heard %q, want %q", h, want)
	}
}

// TestGramJSCallbackErrors: what GramJS sees of getBotCallbackAnswer's
// checks, which come before the bot hears anything: DATA_INVALID for data no
// button of the message carries (or no data), MESSAGE_ID_INVALID for a
// message the user does not have. click() rethrows them (only
// BOT_RESPONSE_TIMEOUT becomes null).
func TestGramJSCallbackErrors(t *testing.T) {
	srv := startServer(t)
	const botName = "strict_answer_bot"
	_, token := srv.createBot(botName)
	bot := srv.loginBot(token)
	steps := []callbackStep{
		{"raw invoke, unknown data", invokeStep("nope"), "error 400 DATA_INVALID", false},
		{"click({data}), unknown data", clickData("nope"), "error 400 DATA_INVALID", false},
		{"raw invoke, no data", map[string]any{"invoke": map[string]any{}}, "error 400 DATA_INVALID", false},
		{"raw invoke, data of the other button's prefix", invokeStep("toas"), "error 400 DATA_INVALID", false},
		{"raw invoke, no such message", withArg(invokeStep("toast"), "msgId", 999999), "error 400 MESSAGE_ID_INVALID", false},
		{"raw invoke, the right data", invokeStep("toast"), answer(gramjsCallbackAnswer{Message: "ok"}), false},
	}
	user := runCallbackSteps(t, srv, "full", "15550002003", botName, steps)
	cb, msg, userID := gotdCallbackBot(t, bot, user, inlineKeyboard("toast", "other"),
		func(q *tg.UpdateBotCallbackQuery) *tg.MessagesSetBotCallbackAnswerRequest {
			return &tg.MessagesSetBotCallbackAnswerRequest{Message: "ok"}
		})
	var got gramjsCallbacksRun
	user.wait(t, &got)
	checkSteps(t, steps, got.Steps)
	if h := cb.heard(t, userID, msg); !reflect.DeepEqual(h, []string{"toast"}) {
		t.Fatalf("the bot heard %q, want only the one valid press", h)
	}
}

// TestGramJSCallbackPassword: a gotd bot's requires_password callback button
// (bots can set requires_password only over MTProto) reaches GramJS as
// keyboardButtonCallback with requires_password. GramJS's message.click
// with password fetches account.getPassword and sends the SRP proof: the
// right password reaches the bot; a wrong one, none, or
// inputCheckPasswordEmpty fail with PASSWORD_HASH_INVALID (PASSWORD_MISSING
// before the user has 2FA) and the bot hears nothing of them.
func TestGramJSCallbackPassword(t *testing.T) {
	srv := startServer(t)
	const botName = "vault_bot"
	_, token := srv.createBot(botName)
	bot := srv.loginBot(token)
	const password = "gram pass"
	secret := answer(gramjsCallbackAnswer{Message: "pressed secret", CacheTime: 5})
	steps := []callbackStep{
		{"no 2FA yet", clickData("secret"), "error 400 PASSWORD_MISSING", false},
		{"a button without requires_password", clickData("open"), answer(gramjsCallbackAnswer{Message: "opened"}), false},
		{"set a 2FA password", map[string]any{"setPassword": password}, "undefined", false},
		{"click({data}) without a password", clickData("secret"), "error 400 PASSWORD_HASH_INVALID", false},
		{"click({data, password}) wrong", withArg(clickData("secret"), "password", "wrong pass"), "error 400 PASSWORD_HASH_INVALID", false},
		{"click({i, j, password}) wrong", withArg(clickAt(0, 0), "password", "gram pas"), "error 400 PASSWORD_HASH_INVALID", false},
		{"raw invoke, inputCheckPasswordEmpty", withArg(invokeStep("secret"), "emptyPassword", true), "error 400 PASSWORD_HASH_INVALID", false},
		{"click({i, j, password}) right", withArg(clickAt(0, 0), "password", password), secret, false},
		{"click({data, password}) right", withArg(clickData("secret"), "password", password), secret, false},
		{"raw invoke with the SRP proof", withArg(invokeStep("secret"), "password", password), secret, false},
	}
	user := runCallbackSteps(t, srv, "full", "15550002004", botName, steps)
	markup := &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: []tg.KeyboardInlineButton{
		{Text: "secret", Type: &tg.InlineButtonTypeCallback{Data: []byte("secret"), RequiresPassword: true}},
		{Text: "open", Type: &tg.InlineButtonTypeCallback{Data: []byte("open")}},
	}}}}
	cb, msg, userID := gotdCallbackBot(t, bot, user, markup, func(q *tg.UpdateBotCallbackQuery) *tg.MessagesSetBotCallbackAnswerRequest {
		if string(q.Data) == "secret" {
			return &tg.MessagesSetBotCallbackAnswerRequest{Message: "pressed secret", CacheTime: 5}
		}
		return &tg.MessagesSetBotCallbackAnswerRequest{Message: "opened"}
	})

	var got gramjsCallbacksRun
	user.wait(t, &got)
	if got.Keyboard == nil || got.Keyboard.Markup == nil || len(got.Keyboard.Markup.Rows) != 1 {
		t.Fatalf("the user got the keyboard %+v", got.Keyboard)
	}
	var protected []bool
	for _, b := range got.Keyboard.Markup.Rows[0].Buttons {
		protected = append(protected, b.RequiresPassword)
	}
	if !slices.Equal(protected, []bool{true, false}) {
		t.Fatalf("requires_password of the buttons in layer 198: %v, want [true false]", protected)
	}
	checkSteps(t, steps, got.Steps)
	if h, want := cb.heard(t, userID, msg), []string{"open", "secret", "secret", "secret"}; !reflect.DeepEqual(h, want) {
		t.Fatalf("the bot heard %q, want %q: presses that failed the password check must not reach it", h, want)
	}
}
