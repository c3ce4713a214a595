package buttons

import (
	"errors"
	"testing"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

func TestValidateErrors(t *testing.T) {
	game := with(toUser, func(c *Context) { c.IsGame = true })
	invoice := with(toUser, func(c *Context) { c.IsInvoice = true })
	noInline := with(toUser, func(c *Context) { c.BotInline = false })
	noResolver := with(toUser, func(c *Context) { c.ResolveUser = nil })
	tooBig := inlineGrid(MaxInlineButtons/5, 5)
	for i := range tooBig.Rows {
		for j := range tooBig.Rows[i].Buttons {
			tooBig.Rows[i].Buttons[j].Text = long("x", MaxText)
		}
	}
	for _, tc := range []struct {
		name string
		m    tg.ReplyMarkupClass
		c    Context
		want string
	}{
		// Shape.
		{"inline keyboard without rows", inline(), toUser, "REPLY_MARKUP_INVALID"},
		{"inline keyboard with an empty row", inline(row(ib("a", cb("1"))), row()), toUser, "REPLY_MARKUP_INVALID"},
		{"reply keyboard without rows", reply(), toUser, "REPLY_MARKUP_INVALID"},
		{"reply keyboard with an empty row", reply(rrow(), rrow(text("a"))), toUser, "REPLY_MARKUP_INVALID"},
		{"nil inline keyboard pointer", (*tg.ReplyInlineMarkup)(nil), toUser, "REPLY_MARKUP_INVALID"},
		{"nil force-reply pointer", (*tg.ReplyKeyboardForceReply)(nil), toUser, "REPLY_MARKUP_INVALID"},
		{"inline row of 9 buttons", inlineGrid(1, MaxInlineRow+1), toUser, "REPLY_MARKUP_TOO_LONG"},
		{"inline keyboard of 104 buttons", inlineGrid(13, 8), toUser, "REPLY_MARKUP_TOO_LONG"},
		{"reply row of 13 buttons", replyGrid(1, MaxReplyRow+1), toUser, "REPLY_MARKUP_TOO_LONG"},
		{"reply keyboard of 312 buttons", replyGrid(26, 12), toUser, "REPLY_MARKUP_TOO_LONG"},
		{"100 buttons of 256-character text encode too long", tooBig, toUser, "REPLY_MARKUP_TOO_LONG"},

		// Placeholders.
		{"keyboard placeholder of 65 characters", &tg.ReplyKeyboardMarkup{Rows: reply(rrow(text("a"))).Rows,
			Placeholder: long("p", 65)}, toUser, "REPLY_MARKUP_INVALID"},
		{"blank force-reply placeholder", &tg.ReplyKeyboardForceReply{Placeholder: "  "}, toGroup, "REPLY_MARKUP_INVALID"},
		{"force-reply placeholder of 65 characters", &tg.ReplyKeyboardForceReply{Placeholder: long("é", 65)},
			toGroup, "REPLY_MARKUP_INVALID"},

		// Channels take inline keyboards only.
		{"reply keyboard in a channel", reply(rrow(text("a"))), toChannel, "REPLY_MARKUP_INVALID"},
		{"keyboard hide in a channel", &tg.ReplyKeyboardHide{}, toChannel, "REPLY_MARKUP_INVALID"},
		{"force reply in a channel", &tg.ReplyKeyboardForceReply{}, toChannel, "REPLY_MARKUP_INVALID"},

		// Texts.
		{"empty inline button text", inline(row(ib("", cb("1")))), toUser, "BUTTON_TEXT_INVALID"},
		{"blank inline button text", inline(row(ib(" \t\n", cb("1")))), toUser, "BUTTON_TEXT_INVALID"},
		{"inline button text of 257 characters", inline(row(ib(long("a", 257), cb("1")))), toUser, "BUTTON_TEXT_INVALID"},
		{"button text of 129 emoji (258 UTF-16 units)", inline(row(ib(long("😀", 129), cb("1")))), toUser,
			"BUTTON_TEXT_INVALID"},
		{"inline button text not UTF-8", inline(row(ib("a\xff", cb("1")))), toUser, "BUTTON_TEXT_INVALID"},
		{"empty reply button text", reply(rrow(text("ok"), text(""))), toUser, "BUTTON_TEXT_INVALID"},
		{"url-auth fwd_text of 257 characters", inline(row(ib("login", &tg.InputInlineButtonTypeURLAuth{
			URL: "https://example.com", FwdText: long("f", 257)}))), toUser, "BUTTON_TEXT_INVALID"},

		// Callback data and switch-inline queries.
		{"empty callback data", inline(row(ib("a", cb("")))), toUser, "BUTTON_DATA_INVALID"},
		{"callback data of 65 bytes", inline(row(ib("a", cb(long("d", 65))))), toUser, "BUTTON_DATA_INVALID"},
		{"switch-inline query of 257 characters", inline(row(ib("a", &tg.InlineButtonTypeSwitchInline{
			Query: long("q", 257)}))), toUser, "BUTTON_DATA_INVALID"},

		// URLs.
		{"ftp URL", inline(row(ib("a", urlb("ftp://example.com/f")))), toUser, "BUTTON_URL_INVALID"},
		{"URL without a scheme", inline(row(ib("a", urlb("example.com")))), toUser, "BUTTON_URL_INVALID"},
		{"http URL without a host", inline(row(ib("a", urlb("http:///path")))), toUser, "BUTTON_URL_INVALID"},
		{"URL with a space", inline(row(ib("a", urlb("https://example.com/a b")))), toUser, "BUTTON_URL_INVALID"},
		{"URL with a control character", inline(row(ib("a", urlb("https://example.com/\x01")))), toUser,
			"BUTTON_URL_INVALID"},
		{"URL with a bad escape", inline(row(ib("a", urlb("https://example.com/%zz")))), toUser, "BUTTON_URL_INVALID"},
		{"javascript URL", inline(row(ib("a", urlb("javascript:alert(1)")))), toUser, "BUTTON_URL_INVALID"},
		{"empty URL", inline(row(ib("a", urlb("")))), toUser, "BUTTON_URL_INVALID"},
		{"URL of 2049 bytes", inline(row(ib("a", urlb("https://example.com/"+long("a", 2049-20))))), toUser,
			"BUTTON_URL_INVALID"},
		{"tg URL without anything after the scheme", inline(row(ib("a", urlb("tg://")))), toUser, "BUTTON_URL_INVALID"},
		{"tg URL in a url-auth button", inline(row(ib("a", &tg.InputInlineButtonTypeURLAuth{
			URL: "tg://resolve?domain=x"}))), toUser, "BUTTON_URL_INVALID"},
		{"tg URL in an inline web view", inline(row(ib("a", &tg.InlineButtonTypeWebView{URL: "tg://x"}))), toUser,
			"BUTTON_URL_INVALID"},
		{"ftp URL in a simple web view", reply(rrow(rb("a", &tg.ButtonTypeSimpleWebView{URL: "ftp://x.org"}))),
			toUser, "BUTTON_URL_INVALID"},

		// Button types in the wrong chat or message.
		{"phone request in a basic group", reply(rrow(rb("a", &tg.ButtonTypeRequestPhone{}))), toGroup,
			"BUTTON_TYPE_INVALID"},
		{"location request in a supergroup", reply(rrow(rb("a", &tg.ButtonTypeRequestGeoLocation{}))), toSupergroup,
			"BUTTON_TYPE_INVALID"},
		{"poll request in a basic group", reply(rrow(rb("a", &tg.ButtonTypeRequestPoll{}))), toGroup,
			"BUTTON_TYPE_INVALID"},
		{"peer request in a private chat with a bot", reply(rrow(rb("a", inputPeer(1, 1)))), toBot,
			"BUTTON_TYPE_INVALID"},
		{"simple web view in a supergroup", reply(rrow(rb("a", &tg.ButtonTypeSimpleWebView{URL: "https://x.org"}))),
			toSupergroup, "BUTTON_TYPE_INVALID"},
		{"inline web view in a supergroup", inline(row(ib("a", &tg.InlineButtonTypeWebView{URL: "https://x.org"}))),
			toSupergroup, "BUTTON_TYPE_INVALID"},
		{"inline web view in a channel", inline(row(ib("a", &tg.InlineButtonTypeWebView{URL: "https://x.org"}))),
			toChannel, "BUTTON_TYPE_INVALID"},
		{"game button on a message without a game", inline(row(ib("play", &tg.InlineButtonTypeGame{}))), toUser,
			"BUTTON_TYPE_INVALID"},
		{"buy button on a message without an invoice", inline(row(ib("pay", &tg.InlineButtonTypeBuy{}))), toUser,
			"BUTTON_TYPE_INVALID"},
		{"game button on an invoice", inline(row(ib("pay", &tg.InlineButtonTypeBuy{}), ib("play",
			&tg.InlineButtonTypeGame{}))), invoice, "BUTTON_TYPE_INVALID"},
		{"output url-auth button from a bot", inline(row(ib("a", &tg.InlineButtonTypeURLAuth{
			URL: "https://x.org", ButtonID: 1}))), toUser, "BUTTON_TYPE_INVALID"},
		{"output user-profile button from a bot", inline(row(ib("a", &tg.InlineButtonTypeUserProfile{
			UserID: aliceID}))), toUser, "BUTTON_TYPE_INVALID"},
		{"switch-inline button in a channel", inline(row(ib("a", &tg.InlineButtonTypeSwitchInline{}))), toChannel,
			"BUTTON_TYPE_INVALID"},
		{"inline button without a type", inline(row(ib("a", nil))), toUser, "BUTTON_TYPE_INVALID"},
		{"reply button without a type", reply(rrow(rb("a", nil))), toUser, "BUTTON_TYPE_INVALID"},
		{"peer request without a peer type", reply(rrow(rb("a", &tg.InputButtonTypeRequestPeer{ButtonID: 1,
			MaxQuantity: 1}))), toUser, "BUTTON_TYPE_INVALID"},

		// Games and invoices.
		{"game button second in the first row", inline(row(ib("a", cb("1")), ib("play", &tg.InlineButtonTypeGame{}))),
			game, "BUTTON_POS_INVALID"},
		{"game button in the second row", inline(row(ib("a", cb("1"))), row(ib("play", &tg.InlineButtonTypeGame{}))),
			game, "BUTTON_POS_INVALID"},
		{"two game buttons", inline(row(ib("play", &tg.InlineButtonTypeGame{}), ib("again", &tg.InlineButtonTypeGame{}))),
			game, "BUTTON_POS_INVALID"},
		{"buy button second", inline(row(ib("a", cb("1"))), row(ib("pay", &tg.InlineButtonTypeBuy{}))), invoice,
			"BUTTON_POS_INVALID"},
		{"game message without a game button", inline(row(ib("a", cb("1")))), game, "REPLY_MARKUP_GAME_EMPTY"},
		{"game message with a reply keyboard", reply(rrow(text("a"))), game, "REPLY_MARKUP_GAME_EMPTY"},
		{"game message with a keyboard hide", &tg.ReplyKeyboardHide{}, game, "REPLY_MARKUP_GAME_EMPTY"},
		{"invoice without a buy button", inline(row(ib("a", cb("1")))), invoice, "REPLY_MARKUP_BUY_EMPTY"},
		{"invoice with a force reply", &tg.ReplyKeyboardForceReply{}, invoice, "REPLY_MARKUP_BUY_EMPTY"},

		// Request-peer buttons.
		{"two peer requests with one button_id", reply(rrow(rb("a", inputPeer(3, 1))), rrow(rb("b",
			&tg.ButtonTypeRequestPeer{ButtonID: 3, PeerType: peerType, MaxQuantity: 1}))), toUser, "BUTTON_ID_INVALID"},
		{"peer request for 0 peers", reply(rrow(rb("a", inputPeer(1, 0)))), toUser, "BUTTON_INVALID"},
		{"peer request for 11 peers", reply(rrow(rb("a", inputPeer(1, 11)))), toUser, "BUTTON_INVALID"},

		// Users and bots of input buttons.
		{"user profile of an unknown user", inline(row(ib("a", &tg.InputInlineButtonTypeUserProfile{
			UserID: user(42)}))), toUser, "BUTTON_USER_INVALID"},
		{"user profile of inputUserEmpty", inline(row(ib("a", &tg.InputInlineButtonTypeUserProfile{
			UserID: &tg.InputUserEmpty{}}))), toUser, "BUTTON_USER_INVALID"},
		{"user profile without a resolver", inline(row(ib("a", &tg.InputInlineButtonTypeUserProfile{
			UserID: user(aliceID)}))), noResolver, "BUTTON_USER_INVALID"},
		{"user profile of a user whose privacy forbids it", inline(row(ib("a", &tg.InputInlineButtonTypeUserProfile{
			UserID: user(666)}))), toUser, "BUTTON_USER_PRIVACY_RESTRICTED"},
		{"url-auth button for an unknown bot", inline(row(ib("a", &tg.InputInlineButtonTypeURLAuth{
			URL: "https://x.org", Bot: user(42)}))), toUser, "BOT_INVALID"},

		// Copy buttons.
		{"empty copy text", inline(row(ib("a", &tg.InlineButtonTypeCopy{}))), toUser, "BUTTON_COPY_TEXT_INVALID"},
		{"copy text of 257 characters", inline(row(ib("a", &tg.InlineButtonTypeCopy{CopyText: long("c", 257)}))),
			toUser, "BUTTON_COPY_TEXT_INVALID"},
		{"copy text not UTF-8", inline(row(ib("a", &tg.InlineButtonTypeCopy{CopyText: "\xc3"}))), toUser,
			"BUTTON_COPY_TEXT_INVALID"},

		// Switch-inline buttons.
		{"switch-inline button of a bot without inline mode", inline(row(ib("a", &tg.InlineButtonTypeSwitchInline{}))),
			noInline, "BOT_INLINE_DISABLED"},
		{"switch-inline to the same peer with peer types", inline(row(ib("a", &tg.InlineButtonTypeSwitchInline{
			SamePeer: true, PeerTypes: []tg.InlineQueryPeerTypeClass{&tg.InlineQueryPeerTypePM{}}}))), toUser,
			"PEER_TYPES_INVALID"},
		{"switch-inline with a repeated peer type", inline(row(ib("a", &tg.InlineButtonTypeSwitchInline{
			PeerTypes: []tg.InlineQueryPeerTypeClass{&tg.InlineQueryPeerTypePM{}, &tg.InlineQueryPeerTypePM{}}}))),
			toUser, "PEER_TYPES_INVALID"},
		{"switch-inline with a nil peer type", inline(row(ib("a", &tg.InlineButtonTypeSwitchInline{
			PeerTypes: []tg.InlineQueryPeerTypeClass{nil}}))), toUser, "PEER_TYPES_INVALID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Validate(tc.m, tc.c)
			if got != nil {
				t.Errorf("got markup %v with the error", got)
			}
			var te *tgerr.Error
			if !errors.As(err, &te) || te.Type != tc.want || te.Code != 400 {
				t.Fatalf("got error %v, want 400 %s", err, tc.want)
			}
		})
	}
}

func TestValidatePassesResolverFailures(t *testing.T) {
	m := inline(row(ib("a", &tg.InputInlineButtonTypeUserProfile{UserID: user(500)})))
	if _, err := Validate(m, toUser); !errors.Is(err, errBroken) {
		t.Fatalf("got %v, want the resolver's error", err)
	}
}

func TestValidateIgnores(t *testing.T) {
	fromUser := with(toUser, func(c *Context) { c.Bot = false })
	for _, tc := range []struct {
		name string
		m    tg.ReplyMarkupClass
		c    Context
	}{
		{"no markup", nil, toUser},
		{"a valid markup from a user", inline(row(ib("a", cb("1")))), fromUser},
		{"an invalid markup from a user", inline(row(ib("", cb("")))), fromUser},
		{"a reply keyboard from a user in a channel", reply(rrow(text("a"))), with(toChannel, func(c *Context) {
			c.Bot = false
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := Validate(tc.m, tc.c); got != nil || err != nil {
				t.Fatalf("got %v, %v; want nil, nil", got, err)
			}
		})
	}
}
