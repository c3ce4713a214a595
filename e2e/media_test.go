package e2e

import (
	"context"
	"testing"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

// addGame registers a game the way `buttonflow bot game add` does.
func (s *testServer) addGame(bot, short, title, url string) {
	s.t.Helper()
	st, err := sqlite.Open(context.Background(), s.dataDir)
	if err != nil {
		s.t.Fatal(err)
	}
	defer st.Close()
	if _, err := chat.AddGame(context.Background(), st, bot, short, title, "", url); err != nil {
		s.t.Fatal(err)
	}
}

// TestMediaOfTheButtonFlow: what request-phone, request-location and
// request-poll buttons make a client send (a contact, a geo point, a poll),
// and a bot's game with its play button.
func TestMediaOfTheButtonFlow(t *testing.T) {
	srv := startServer(t)
	_, token := srv.createBot("media_bot")
	srv.addGame("media_bot", "snake", "Snake", "https://games.example/snake")
	user := srv.signUpUser("15550000031", "Eve")
	bot := srv.loginBot(token)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
	defer cancel()
	botPeer := resolvePeer(ctx, t, user.api, "media_bot")
	userPeer := &tg.InputPeerUser{UserID: user.self.ID, AccessHash: findAccessHashFromUser(t, bot, user.self.ID, user.api, "media_bot",
		func(tg.UpdatesClass) error { return nil })}

	send := func(who *liveClient, peer tg.InputPeerClass, m tg.InputMediaClass) (tg.UpdatesClass, error) {
		return who.api.MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: peer, Media: m, RandomID: randomID()})
	}
	// The user's phone, as a request-phone button sends it.
	if _, err := send(user, botPeer, &tg.InputMediaContact{PhoneNumber: "+1 555 000 0031", FirstName: "Eve"}); err != nil {
		t.Fatalf("contact: %v", err)
	}
	contact := bot.next("the contact", func(u tg.UpdateClass) bool {
		n, ok := u.(*tg.UpdateNewMessage)
		if !ok {
			return false
		}
		_, ok = n.Message.(*tg.Message).Media.(*tg.MessageMediaContact)
		return ok
	}).(*tg.UpdateNewMessage).Message.(*tg.Message).Media.(*tg.MessageMediaContact)
	if contact.UserID != user.self.ID || contact.PhoneNumber != "15550000031" {
		t.Fatalf("contact %+v", contact)
	}
	// A location.
	if _, err := send(user, botPeer, &tg.InputMediaGeoPoint{GeoPoint: &tg.InputGeoPoint{Lat: 52.52, Long: 13.405}}); err != nil {
		t.Fatalf("geo: %v", err)
	}
	_, err := send(user, botPeer, &tg.InputMediaGeoPoint{GeoPoint: &tg.InputGeoPoint{Lat: 91, Long: 0}})
	wantRPCError(t, err, "GEO_POINT_INVALID")
	// A quiz.
	answers := []tg.PollAnswerClass{
		&tg.InputPollAnswer{Text: tg.TextWithEntities{Text: "2", Entities: []tg.MessageEntityClass{}}},
		&tg.InputPollAnswer{Text: tg.TextWithEntities{Text: "4", Entities: []tg.MessageEntityClass{}}},
	}
	quiz := &tg.InputMediaPoll{Poll: tg.Poll{Quiz: true, Question: tg.TextWithEntities{Text: "2+2?", Entities: []tg.MessageEntityClass{}}, Answers: answers},
		CorrectAnswers: []int{1}}
	if _, err := send(user, botPeer, quiz); err != nil {
		t.Fatalf("poll: %v", err)
	}
	pollMsg := bot.next("the poll", func(u tg.UpdateClass) bool {
		n, ok := u.(*tg.UpdateNewMessage)
		if !ok {
			return false
		}
		_, ok = n.Message.(*tg.Message).Media.(*tg.MessageMediaPoll)
		return ok
	}).(*tg.UpdateNewMessage).Message.(*tg.Message).Media.(*tg.MessageMediaPoll)
	if pollMsg.Poll.ID == 0 || len(pollMsg.Poll.Answers) != 2 || !pollMsg.Poll.Quiz {
		t.Fatalf("poll %+v", pollMsg.Poll)
	}
	one := &tg.InputMediaPoll{Poll: tg.Poll{Question: tg.TextWithEntities{Text: "?", Entities: []tg.MessageEntityClass{}}, Answers: answers[:1]}}
	_, err = send(user, botPeer, one)
	wantRPCError(t, err, "POLL_ANSWERS_INVALID")

	// Games are the bot's: a user cannot send one, and the bot's comes with
	// a play button when it gives no keyboard.
	game := &tg.InputMediaGame{ID: &tg.InputGameShortName{BotID: &tg.InputUser{UserID: botPeer.UserID, AccessHash: botPeer.AccessHash}, ShortName: "snake"}}
	_, err = send(user, botPeer, game)
	wantRPCError(t, err, "USER_BOT_REQUIRED")
	res, err := send(bot, userPeer, &tg.InputMediaGame{ID: &tg.InputGameShortName{BotID: &tg.InputUserSelf{}, ShortName: "snake"}})
	if err != nil {
		t.Fatalf("game: %v", err)
	}
	gm := sentMessage(t, res)
	media, ok := gm.Media.(*tg.MessageMediaGame)
	if !ok || media.Game.ShortName != "snake" {
		t.Fatalf("game media %#v", gm.Media)
	}
	kb, ok := gm.ReplyMarkup.(*tg.ReplyInlineMarkup)
	if !ok {
		t.Fatalf("no play button: %#v", gm.ReplyMarkup)
	}
	if _, ok := kb.Rows[0].Buttons[0].Type.(*tg.InlineButtonTypeGame); !ok {
		t.Fatalf("first button %#v", kb.Rows[0].Buttons[0])
	}
	_, err = send(bot, userPeer, &tg.InputMediaGame{ID: &tg.InputGameShortName{BotID: &tg.InputUserSelf{}, ShortName: "tetris"}})
	wantRPCError(t, err, "MEDIA_INVALID")
	// A game button anywhere but on a game is refused.
	_, err = bot.api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: userPeer, Message: "play?", RandomID: randomID(),
		ReplyMarkup: &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: []tg.KeyboardInlineButton{{Text: "Play", Type: &tg.InlineButtonTypeGame{}}}}}}})
	wantRPCError(t, err, "BUTTON_TYPE_INVALID")
}
