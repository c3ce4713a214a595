package layer

import (
	"fmt"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

// Fixtures: real gotd (Latest) objects of the kinds a bot platform moves,
// shared by the round-trip tests, the fuzz seeds and the benchmark.

func inlineMarkup() *tg.ReplyInlineMarkup {
	return &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{
		{Buttons: []tg.KeyboardInlineButton{
			{Text: "Pay", Style: tg.KeyboardButtonStyle{BgPrimary: true, Icon: 5}, Type: &tg.InlineButtonTypeCallback{RequiresPassword: true, Data: []byte("pay:42")}},
			{Text: "Docs", Type: &tg.InlineButtonTypeURL{URL: "https://example.org/docs"}},
		}},
		{Buttons: []tg.KeyboardInlineButton{
			{Text: "Play", Type: &tg.InlineButtonTypeGame{}},
			{Text: "Plain", Type: &tg.InlineButtonTypeCallback{Data: []byte{0, 1, 2, 255}}},
		}},
	}}
}

func replyKeyboard() *tg.ReplyKeyboardMarkup {
	return &tg.ReplyKeyboardMarkup{
		Resize:      true,
		Persistent:  true,
		ForceReply:  true, // Latest only: dropped by layer 198
		Placeholder: "choose",
		Rows: []tg.KeyboardButtonRow{{Buttons: []tg.KeyboardButton{
			{Text: "Hello", Type: &tg.ButtonTypeDefault{}},
			{Text: "Share phone", Type: &tg.ButtonTypeRequestPhone{}},
			{Text: "Poll", Type: &tg.ButtonTypeRequestPoll{Quiz: true}},
		}}},
	}
}

func sendMessage(markup tg.ReplyMarkupClass) *tg.MessagesSendMessageRequest {
	return &tg.MessagesSendMessageRequest{
		Silent:      true,
		Peer:        &tg.InputPeerUser{UserID: 1001, AccessHash: -77},
		ReplyTo:     &tg.InputReplyToMessage{ReplyToMsgID: 5, TopMsgID: 3, TodoItemID: 9},
		Message:     "pick one",
		RandomID:    123456789,
		ReplyMarkup: markup,
		Entities: []tg.MessageEntityClass{
			&tg.MessageEntityBold{Offset: 0, Length: 4},
		},
		ScheduleRepeatPeriod: 3600, // Latest only
		AllowPaidStars:       10,   // Latest only
	}
}

func getBotCallbackAnswer() *tg.MessagesGetBotCallbackAnswerRequest {
	return &tg.MessagesGetBotCallbackAnswerRequest{
		Peer:  &tg.InputPeerChannel{ChannelID: 5, AccessHash: 6},
		MsgID: 77,
		Data:  []byte("pay:42"),
		Password: &tg.InputCheckPasswordSRP{
			SRPID: 99, A: []byte("A-value"), M1: []byte("M1-value"),
		},
	}
}

func setBotCallbackAnswer() *tg.MessagesSetBotCallbackAnswerRequest {
	return &tg.MessagesSetBotCallbackAnswerRequest{
		Alert: true, QueryID: -5, Message: "done", URL: "https://t.me/x", CacheTime: 30,
	}
}

func config() *tg.Config {
	return &tg.Config{
		BlockedMode: true,
		Date:        1700000000,
		Expires:     1700003600,
		ThisDC:      2,
		DCOptions: []tg.DCOption{
			{ID: 2, IPAddress: "149.154.167.50", Port: 443},
			{Ipv6: true, ID: 2, IPAddress: "2001:67c:4e8:f002::a", Port: 443, Secret: []byte{1, 2}},
		},
		DCTxtDomainName:   "apv3.stel.com",
		ChatSizeMax:       200,
		MegagroupSizeMax:  200000,
		MeURLPrefix:       "https://t.me/",
		SuggestedLangCode: "en",
		ReactionsDefault:  &tg.ReactionEmoji{Emoticon: "👍"},
		CaptionLengthMax:  1024,
		MessageLengthMax:  4096,
	}
}

func user(id int64) *tg.User {
	return &tg.User{
		Bot:                   true,
		BotGuard:              true, // Latest only (flags2.20)
		BotBusiness:           true,
		ID:                    id,
		AccessHash:            id * 31,
		FirstName:             fmt.Sprintf("user %d", id),
		Username:              fmt.Sprintf("user%dbot", id),
		Status:                &tg.UserStatusOnline{Expires: 1700000000},
		SendPaidMessagesStars: 5, // Latest only
	}
}

func message(id int, markup tg.ReplyMarkupClass) *tg.Message {
	return &tg.Message{
		Out:              true,
		Offline:          true,
		ID:               id,
		FromID:           &tg.PeerUser{UserID: 1001},
		FromRank:         "admin", // Latest only (flags2.12)
		PeerID:           &tg.PeerUser{UserID: 1002},
		Date:             1700000000 + id,
		Message:          fmt.Sprintf("message %d with some text", id),
		ReplyMarkup:      markup,
		Entities:         []tg.MessageEntityClass{&tg.MessageEntityBold{Offset: 0, Length: 7}},
		PaidMessageStars: 3, // Latest only
	}
}

// updates is a typical push: n new messages with an inline keyboard.
func updates(n int) *tg.Updates {
	u := &tg.Updates{Date: 1700000000, Seq: 7}
	for i := 0; i < n; i++ {
		u.Updates = append(u.Updates, &tg.UpdateNewMessage{
			Message: message(100+i, inlineMarkup()), Pts: 10 + i, PtsCount: 1,
		})
	}
	u.Users = []tg.UserClass{user(1001), user(1002)}
	u.Chats = []tg.ChatClass{&tg.Chat{ID: 9, Title: "group", Photo: &tg.ChatPhotoEmpty{}, ParticipantsCount: 3, Date: 1, Version: 1}}
	return u
}

// requestCases are Latest requests that layer 198 can express.
func requestCases() []struct {
	name string
	req  bin.Object
	// fresh returns an empty value to decode the request into.
	fresh func() bin.Object
} {
	type c = struct {
		name  string
		req   bin.Object
		fresh func() bin.Object
	}
	return []c{
		{"help.getConfig", &tg.HelpGetConfigRequest{}, func() bin.Object { return &tg.HelpGetConfigRequest{} }},
		{"messages.getBotCallbackAnswer with peer, data and password", getBotCallbackAnswer(),
			func() bin.Object { return &tg.MessagesGetBotCallbackAnswerRequest{} }},
		{"messages.setBotCallbackAnswer", setBotCallbackAnswer(),
			func() bin.Object { return &tg.MessagesSetBotCallbackAnswerRequest{} }},
		{"messages.sendMessage with inline keyboard", sendMessage(inlineMarkup()),
			func() bin.Object { return &tg.MessagesSendMessageRequest{} }},
		{"messages.sendMessage with reply keyboard", sendMessage(replyKeyboard()),
			func() bin.Object { return &tg.MessagesSendMessageRequest{} }},
		{"invokeWithLayer(initConnection(messages.sendMessage))", &tg.InvokeWithLayerRequest{
			Layer: 198,
			Query: &tg.InitConnectionRequest{
				APIID: 1, DeviceModel: "GramJS", SystemVersion: "Linux", AppVersion: "2.26.22",
				SystemLangCode: "en", LangCode: "en", Query: sendMessage(inlineMarkup()),
			},
		}, func() bin.Object {
			return &tg.InvokeWithLayerRequest{Query: &tg.InitConnectionRequest{Query: &tg.MessagesSendMessageRequest{}}}
		}},
	}
}
