package e2e

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/gotd/td/tg"
)

// TestBotAPIMediaGamesAndInline covers the rest of the button flow through
// the Bot API: contacts, locations and polls; a game sent, played (the game
// button's callback answered with the game's URL) and scored; and inline
// mode, with a callback on a message sent via the bot answered and the
// message edited by its inline_message_id. The bot is also logged in over
// MTProto and sees the same callback query there: a bot may use both.
func TestBotAPIMediaGamesAndInline(t *testing.T) {
	srv := startServer(t)
	botID, token := srv.createBot("apimedia_bot")
	srv.setInline(botID)
	srv.addGame("apimedia_bot", "snake", "Snake", "https://games.example/snake")
	api := srv.botAPI(token)
	api.callGet("getUpdates", nil).ok(t, nil)
	mt := srv.loginBot(token)
	user := srv.signUpUser("15550300011", "Kit")
	ctx := context.Background()
	botPeer := resolvePeer(ctx, t, user.api, "apimedia_bot")
	if _, err := user.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: botPeer, Message: "hi", RandomID: randomID()}); err != nil {
		t.Fatal(err)
	}
	offset := api.poll(0)[0].UpdateID + 1

	// Media.
	var media struct {
		MessageID int `json:"message_id"`
		Contact   *struct {
			PhoneNumber string `json:"phone_number"`
			FirstName   string `json:"first_name"`
		} `json:"contact"`
		Location *struct {
			Latitude  float64 `json:"latitude"`
			Longitude float64 `json:"longitude"`
		} `json:"location"`
		Poll *struct {
			Question        string `json:"question"`
			Type            string `json:"type"`
			CorrectOptionID *int   `json:"correct_option_id"`
			Options         []struct {
				Text string `json:"text"`
			} `json:"options"`
		} `json:"poll"`
		Game *struct {
			Title string `json:"title"`
		} `json:"game"`
	}
	api.callJSON("sendContact", map[string]any{"chat_id": user.self.ID, "phone_number": "+1 555 0100", "first_name": "Support"}).ok(t, &media)
	if media.Contact == nil || media.Contact.FirstName != "Support" || media.Contact.PhoneNumber == "" {
		t.Fatalf("sendContact: %+v", media.Contact)
	}
	user.next("the contact", func(u tg.UpdateClass) bool {
		n, ok := u.(*tg.UpdateNewMessage)
		_, isContact := n.Message.(*tg.Message).Media.(*tg.MessageMediaContact)
		return ok && isContact
	})
	media.Contact = nil
	api.callForm("sendLocation", map[string][]string{"chat_id": {itoa(user.self.ID)}, "latitude": {"51.5"}, "longitude": {"-0.12"}}).ok(t, &media)
	if media.Location == nil || media.Location.Latitude != 51.5 || media.Location.Longitude != -0.12 {
		t.Fatalf("sendLocation: %+v", media.Location)
	}
	api.callJSON("sendPoll", map[string]any{"chat_id": user.self.ID, "question": "2+2?", "options": []string{"3", "4"},
		"type": "quiz", "correct_option_id": 1}).ok(t, &media)
	if p := media.Poll; p == nil || p.Question != "2+2?" || p.Type != "quiz" || len(p.Options) != 2 || p.Options[1].Text != "4" {
		t.Fatalf("sendPoll: %+v", media.Poll)
	}
	api.callJSON("sendPoll", map[string]any{"chat_id": user.self.ID, "question": "q", "options": []string{"a", "b"}, "type": "quiz"}).
		fails(t, 400, "Bad Request: wrong correct option ID specified")

	// A game: sent, played, scored.
	var game apiMessage
	raw := api.callJSON("sendGame", map[string]any{"chat_id": user.self.ID, "game_short_name": "snake"})
	raw.ok(t, &game)
	if err := json.Unmarshal(raw.Result, &media); err != nil || media.Game == nil || media.Game.Title != "Snake" {
		t.Fatalf("sendGame: %s", raw.Result)
	}
	api.callJSON("sendGame", map[string]any{"chat_id": user.self.ID, "game_short_name": "pong"}).fails(t, 400, "Bad Request: wrong game short name specified")
	gm := user.next("the game", func(u tg.UpdateClass) bool {
		n, ok := u.(*tg.UpdateNewMessage)
		_, isGame := n.Message.(*tg.Message).Media.(*tg.MessageMediaGame)
		return ok && isGame
	}).(*tg.UpdateNewMessage).Message.(*tg.Message)
	played := make(chan pressResult, 1)
	go func() {
		a, err := user.api.MessagesGetBotCallbackAnswer(ctx, &tg.MessagesGetBotCallbackAnswerRequest{Peer: botPeer, MsgID: gm.ID, Game: true})
		played <- pressResult{a, err}
	}()
	var (
		ups       []apiUpdate
		gameQuery *apiCallback
	)
	for gameQuery == nil {
		ups = api.poll(offset)
		offset = ups[len(ups)-1].UpdateID + 1
		for _, u := range ups {
			if u.Callback != nil {
				gameQuery = u.Callback
			}
		}
	}
	if gameQuery.GameShortName != "snake" || gameQuery.Data != "" || gameQuery.Message == nil || gameQuery.Message.MessageID != game.MessageID {
		t.Fatalf("game query %+v", gameQuery)
	}
	// The same query reached the bot's MTProto session.
	q := mt.next("the game query over MTProto", func(u tg.UpdateClass) bool { _, ok := u.(*tg.UpdateBotCallbackQuery); return ok }).(*tg.UpdateBotCallbackQuery)
	if itoa(q.QueryID) != gameQuery.ID || q.GameShortName != "snake" {
		t.Fatalf("MTProto saw query %d (%q), the Bot API %s", q.QueryID, q.GameShortName, gameQuery.ID)
	}
	api.callJSON("answerCallbackQuery", map[string]any{"callback_query_id": gameQuery.ID, "url": "https://games.example/snake"}).ok(t, nil)
	if r := waitPress(t, played); r.err != nil || r.answer.URL != "https://games.example/snake" || !r.answer.NativeUI {
		t.Fatalf("game answer %+v, %v", r.answer, r.err)
	}
	var scored apiMessage
	api.callJSON("setGameScore", map[string]any{"user_id": user.self.ID, "score": 42, "chat_id": user.self.ID, "message_id": game.MessageID}).ok(t, &scored)
	if scored.MessageID != game.MessageID {
		t.Fatalf("setGameScore returned message %d, want %d", scored.MessageID, game.MessageID)
	}
	var scores []struct {
		Position int `json:"position"`
		Score    int `json:"score"`
		User     struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	api.callJSON("getGameHighScores", map[string]any{"user_id": user.self.ID, "chat_id": user.self.ID, "message_id": game.MessageID}).ok(t, &scores)
	if len(scores) != 1 || scores[0].Position != 1 || scores[0].Score != 42 || scores[0].User.ID != user.self.ID {
		t.Fatalf("high scores %+v", scores)
	}

	// Inline mode.
	type results struct {
		res *tg.MessagesBotResults
		err error
	}
	asked := make(chan results, 1)
	go func() {
		r, err := user.api.MessagesGetInlineBotResults(ctx, &tg.MessagesGetInlineBotResultsRequest{
			Bot: &tg.InputUser{UserID: botPeer.UserID, AccessHash: botPeer.AccessHash}, Peer: botPeer, Query: "pick"})
		asked <- results{r, err}
	}()
	var iq struct {
		ID       string `json:"id"`
		Query    string `json:"query"`
		ChatType string `json:"chat_type"`
	}
	for iq.ID == "" {
		ups = api.poll(offset)
		offset = ups[len(ups)-1].UpdateID + 1
		for _, u := range ups {
			if len(u.Inline) > 0 {
				_ = json.Unmarshal(u.Inline, &iq)
			}
		}
	}
	if iq.Query != "pick" || iq.ChatType != "sender" {
		t.Fatalf("inline query %+v", iq)
	}
	api.callJSON("answerInlineQuery", map[string]any{"inline_query_id": iq.ID, "cache_time": 5, "results": []any{map[string]any{
		"type": "article", "id": "a", "title": "Option A",
		"input_message_content": map[string]any{"message_text": "<b>Option</b> A", "parse_mode": "HTML"},
		"reply_markup":          map[string]any{"inline_keyboard": [][]map[string]any{{{"text": "Vote", "callback_data": "vote"}}}},
	}}}).ok(t, nil)
	got := <-asked
	if got.err != nil || len(got.res.Results) != 1 {
		t.Fatalf("inline results %+v, %v", got.res, got.err)
	}
	sent, err := user.api.MessagesSendInlineBotResult(ctx, &tg.MessagesSendInlineBotResultRequest{
		Peer: botPeer, RandomID: randomID(), QueryID: got.res.QueryID, ID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	via := sentMessage(t, sent)
	if via.Message != "Option A" || via.ViaBotID != botID || len(via.Entities) == 0 {
		t.Fatalf("via message %+v", via)
	}
	voted := pressAsync(user, botPeer, via.ID, "vote")
	var cb *apiCallback
	for cb == nil {
		ups = api.poll(offset)
		offset = ups[len(ups)-1].UpdateID + 1
		for _, u := range ups {
			if u.Callback != nil && u.Callback.Data == "vote" {
				cb = u.Callback
			}
		}
	}
	if cb.InlineMessageID == "" || cb.Message != nil {
		t.Fatalf("inline callback %+v", cb)
	}
	api.callJSON("answerCallbackQuery", map[string]any{"callback_query_id": cb.ID, "text": "Counted"}).ok(t, nil)
	if r := waitPress(t, voted); r.err != nil || r.answer.Message != "Counted" {
		t.Fatalf("vote answer %+v, %v", r.answer, r.err)
	}
	var edited bool
	api.callJSON("editMessageText", map[string]any{"inline_message_id": cb.InlineMessageID, "text": "1 vote"}).ok(t, &edited)
	if !edited {
		t.Fatal("editMessageText by inline_message_id did not return true")
	}
	user.next("the inline edit", func(u tg.UpdateClass) bool {
		e, ok := u.(*tg.UpdateEditMessage)
		return ok && e.Message.(*tg.Message).Message == "1 vote"
	})
	api.callJSON("editMessageText", map[string]any{"inline_message_id": "AAAA", "text": "x"}).fails(t, 400, "Bad Request: invalid inline_message_id specified")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
