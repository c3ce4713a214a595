package buttons

import (
	"bytes"
	"testing"

	"github.com/gotd/td/tg"
)

func TestValidateConverts(t *testing.T) {
	game := with(toUser, func(c *Context) { c.IsGame = true })
	invoice := with(toGroup, func(c *Context) { c.IsInvoice = true })
	style := tg.KeyboardButtonStyle{BgDanger: true, Icon: 5}
	quizFalse := &tg.ButtonTypeRequestPoll{}
	quizFalse.SetQuiz(false)
	full := inlineGrid(MaxInlineButtons/MaxInlineRow, MaxInlineRow)
	full.Rows = append(full.Rows, inline(row(ib("b", cb("d")), ib("b", cb("d")), ib("b", cb("d")),
		ib("b", cb("d")))).Rows...)
	for i := range full.Rows {
		for j := range full.Rows[i].Buttons {
			full.Rows[i].Buttons[j] = ib(long("t", 20), cb(long("d", MaxCallbackData)))
		}
	}
	for _, tc := range []struct {
		name string
		m    tg.ReplyMarkupClass
		c    Context
		want tg.ReplyMarkupClass
	}{
		{"url-auth buttons are numbered in row order",
			inline(
				row(ib("a", cb("1")), ib("login", &tg.InputInlineButtonTypeURLAuth{URL: "https://x.org/login",
					FwdText: "fwd", RequestWriteAccess: true, Bot: user(gameBot)})),
				row(ib("b", urlb("https://t.me/bot")), ib("again", &tg.InputInlineButtonTypeURLAuth{URL: "http://x.org"}))),
			toUser,
			inline(
				row(ib("a", cb("1")), ib("login", &tg.InlineButtonTypeURLAuth{URL: "https://x.org/login",
					FwdText: "fwd", ButtonID: 1})),
				row(ib("b", urlb("https://t.me/bot")), ib("again", &tg.InlineButtonTypeURLAuth{URL: "http://x.org",
					ButtonID: 2})))},
		{"user profile input becomes the user's id",
			inline(row(ib("alice", &tg.InputInlineButtonTypeUserProfile{UserID: user(aliceID)}))), toGroup,
			inline(row(ib("alice", &tg.InlineButtonTypeUserProfile{UserID: aliceID})))},
		{"peer request input drops the requested flags",
			reply(rrow(rb("pick", inputPeer(7, 3)), rb("one", &tg.ButtonTypeRequestPeer{ButtonID: 8,
				PeerType: &tg.RequestPeerTypeBroadcast{}, MaxQuantity: 1}))), toUser,
			reply(rrow(rb("pick", &tg.ButtonTypeRequestPeer{ButtonID: 7, PeerType: peerType, MaxQuantity: 3}),
				rb("one", &tg.ButtonTypeRequestPeer{ButtonID: 8, PeerType: &tg.RequestPeerTypeBroadcast{}, MaxQuantity: 1})))},
		{"request buttons in a private chat with a user",
			reply(rrow(rb("phone", &tg.ButtonTypeRequestPhone{}), rb("geo", &tg.ButtonTypeRequestGeoLocation{})),
				rrow(rb("poll", quizFalse), rb("app", &tg.ButtonTypeSimpleWebView{URL: "https://app.example/x"}))), toUser,
			reply(rrow(rb("phone", &tg.ButtonTypeRequestPhone{}), rb("geo", &tg.ButtonTypeRequestGeoLocation{})),
				rrow(rb("poll", quizFalse), rb("app", &tg.ButtonTypeSimpleWebView{URL: "https://app.example/x"})))},
		{"selective is cleared in a private chat",
			&tg.ReplyKeyboardMarkup{Selective: true, Resize: true, SingleUse: true, Persistent: true,
				Placeholder: "say", Rows: reply(rrow(text("a"))).Rows}, toUser,
			&tg.ReplyKeyboardMarkup{Resize: true, SingleUse: true, Persistent: true, Placeholder: "say",
				Rows: reply(rrow(text("a"))).Rows}},
		{"selective is kept in a group",
			&tg.ReplyKeyboardMarkup{Selective: true, Rows: reply(rrow(text("a"))).Rows}, toGroup,
			&tg.ReplyKeyboardMarkup{Selective: true, Rows: reply(rrow(text("a"))).Rows}},
		{"selective hide in a private chat with a bot", &tg.ReplyKeyboardHide{Selective: true}, toBot,
			&tg.ReplyKeyboardHide{}},
		{"selective hide in a supergroup", &tg.ReplyKeyboardHide{Selective: true}, toSupergroup,
			&tg.ReplyKeyboardHide{Selective: true}},
		{"force reply with a 64-character placeholder",
			&tg.ReplyKeyboardForceReply{SingleUse: true, Selective: true, Placeholder: long("p", 64)}, toGroup,
			&tg.ReplyKeyboardForceReply{SingleUse: true, Selective: true, Placeholder: long("p", 64)}},
		{"an empty placeholder is none",
			&tg.ReplyKeyboardForceReply{Flags: 1 << 3}, toGroup, &tg.ReplyKeyboardForceReply{}},
		{"game button first on a game message",
			inline(row(ib("play", &tg.InlineButtonTypeGame{}), ib("share", &tg.InlineButtonTypeSwitchInline{Query: "g"}))),
			game,
			inline(row(ib("play", &tg.InlineButtonTypeGame{}), ib("share", &tg.InlineButtonTypeSwitchInline{Query: "g"})))},
		{"buy button first on an invoice",
			inline(row(ib("pay", &tg.InlineButtonTypeBuy{})), row(ib("help", cb("h")))), invoice,
			inline(row(ib("pay", &tg.InlineButtonTypeBuy{})), row(ib("help", cb("h"))))},
		{"inline keyboard in a channel",
			inline(row(ib("open", urlb("tg://resolve?domain=x")), ib("vote", cb("v")), ib("opaque", urlb("tg:settings")))),
			toChannel,
			inline(row(ib("open", urlb("tg://resolve?domain=x")), ib("vote", cb("v")), ib("opaque", urlb("tg:settings"))))},
		{"copy, disabled and password callback buttons",
			inline(row(ib("copy", &tg.InlineButtonTypeCopy{CopyText: long("c", MaxCopyText)}),
				ib("off", &tg.InlineButtonTypeDisabled{}),
				ib("pw", &tg.InlineButtonTypeCallback{RequiresPassword: true, Data: []byte{0, 255}}))), toSupergroup,
			inline(row(ib("copy", &tg.InlineButtonTypeCopy{CopyText: long("c", MaxCopyText)}),
				ib("off", &tg.InlineButtonTypeDisabled{}),
				ib("pw", &tg.InlineButtonTypeCallback{RequiresPassword: true, Data: []byte{0, 255}})))},
		{"switch-inline peer types are kept",
			inline(row(ib("share", &tg.InlineButtonTypeSwitchInline{Query: "q", PeerTypes: []tg.InlineQueryPeerTypeClass{
				&tg.InlineQueryPeerTypePM{}, &tg.InlineQueryPeerTypeMegagroup{}}}))), toGroup,
			inline(row(ib("share", &tg.InlineButtonTypeSwitchInline{Query: "q", PeerTypes: []tg.InlineQueryPeerTypeClass{
				&tg.InlineQueryPeerTypePM{}, &tg.InlineQueryPeerTypeMegagroup{}}})))},
		{"empty peer types are none",
			inline(row(ib("here", &tg.InlineButtonTypeSwitchInline{SamePeer: true, Flags: 1 << 1,
				PeerTypes: []tg.InlineQueryPeerTypeClass{}}))), toGroup,
			inline(row(ib("here", &tg.InlineButtonTypeSwitchInline{SamePeer: true})))},
		{"styles and force_reply pass through",
			&tg.ReplyInlineMarkup{ForceReply: true, Rows: inline(row(tg.KeyboardInlineButton{Style: style, Text: "s",
				Type: cb("1")})).Rows}, toUser,
			&tg.ReplyInlineMarkup{ForceReply: true, Rows: inline(row(tg.KeyboardInlineButton{Style: style, Text: "s",
				Type: cb("1")})).Rows}},
		{"text of 128 emoji is 256 UTF-16 units", inline(row(ib(long("😀", 128), cb("1")))), toUser,
			inline(row(ib(long("😀", 128), cb("1"))))},
		{"URLs with a port, a query and an upper-case scheme",
			inline(row(ib("a", urlb("HTTPS://example.com:8443/p?q=1#f")), ib("b", urlb("http://127.0.0.1/"))),
				row(ib("c", urlb("https://t.me/c/1/2")))), toGroup,
			inline(row(ib("a", urlb("HTTPS://example.com:8443/p?q=1#f")), ib("b", urlb("http://127.0.0.1/"))),
				row(ib("c", urlb("https://t.me/c/1/2"))))},
		{"100 buttons (12 rows of 8 and 4) with 64-byte data", full, toUser, full},
		{"12 per row, 300 reply buttons", replyGrid(25, 12), toGroup, replyGrid(25, 12)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := encode(t, tc.m)
			got, err := Validate(tc.m, tc.c)
			if err != nil {
				t.Fatal(err)
			}
			sameMarkup(t, got, tc.want)
			if after := encode(t, tc.m); !bytes.Equal(before, after) {
				t.Fatalf("Validate changed its input: %v", tc.m)
			}
		})
	}
}

func TestValidateCopiesCallbackData(t *testing.T) {
	data := []byte("abc")
	got, err := Validate(inline(row(ib("a", &tg.InlineButtonTypeCallback{Data: data}))), toUser)
	if err != nil {
		t.Fatal(err)
	}
	data[0] = 'X'
	if cb, ok := FindCallback(got, []byte("abc")); !ok || string(cb.Data) != "abc" {
		t.Fatalf("stored data follows the input's: %v", got)
	}
}
