package buttons

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// Known users of the tests' resolver.
const (
	aliceID = 1001
	gameBot = 2002
)

// resolver knows alice (by id) and the bot gameBot; user 666 hides behind
// privacy settings and user 500 breaks the resolver.
func resolver(u tg.InputUserClass) (int64, error) {
	iu, ok := u.(*tg.InputUser)
	if !ok {
		return 0, nil
	}
	switch iu.UserID {
	case aliceID, gameBot:
		return iu.UserID, nil
	case 666:
		return 0, tgerr.New(400, "BUTTON_USER_PRIVACY_RESTRICTED")
	case 500:
		return 0, errBroken
	}
	return 0, nil
}

var errBroken = errors.New("store broken")

// Contexts of a bot sending to each kind of chat.
var (
	toUser       = Context{Chat: ChatPrivate, Bot: true, BotInline: true, ResolveUser: resolver}
	toBot        = Context{Chat: ChatPrivateBot, Bot: true, BotInline: true, ResolveUser: resolver}
	toGroup      = Context{Chat: ChatGroup, Bot: true, BotInline: true, ResolveUser: resolver}
	toSupergroup = Context{Chat: ChatSupergroup, Bot: true, BotInline: true, ResolveUser: resolver}
	toChannel    = Context{Chat: ChatChannel, Bot: true, BotInline: true, ResolveUser: resolver}
)

// with returns c changed by f.
func with(c Context, f func(*Context)) Context {
	f(&c)
	return c
}

// inline builds an inline keyboard.
func inline(rows ...[]tg.KeyboardInlineButton) *tg.ReplyInlineMarkup {
	m := &tg.ReplyInlineMarkup{}
	for _, r := range rows {
		m.Rows = append(m.Rows, tg.KeyboardInlineButtonRow{Buttons: r})
	}
	return m
}

// row is one row of inline buttons.
func row(b ...tg.KeyboardInlineButton) []tg.KeyboardInlineButton { return b }

// ib is an inline button.
func ib(text string, t tg.InlineButtonTypeClass) tg.KeyboardInlineButton {
	return tg.KeyboardInlineButton{Text: text, Type: t}
}

// cb is a callback button type.
func cb(data string) *tg.InlineButtonTypeCallback {
	return &tg.InlineButtonTypeCallback{Data: []byte(data)}
}

// urlb is a URL button type.
func urlb(u string) *tg.InlineButtonTypeURL { return &tg.InlineButtonTypeURL{URL: u} }

// reply builds a reply keyboard.
func reply(rows ...[]tg.KeyboardButton) *tg.ReplyKeyboardMarkup {
	m := &tg.ReplyKeyboardMarkup{}
	for _, r := range rows {
		m.Rows = append(m.Rows, tg.KeyboardButtonRow{Buttons: r})
	}
	return m
}

// rrow is one row of reply buttons.
func rrow(b ...tg.KeyboardButton) []tg.KeyboardButton { return b }

// rb is a reply button.
func rb(text string, t tg.ButtonTypeClass) tg.KeyboardButton {
	return tg.KeyboardButton{Text: text, Type: t}
}

// text is a reply button sending its text.
func text(s string) tg.KeyboardButton { return rb(s, &tg.ButtonTypeDefault{}) }

// inlineGrid is an inline keyboard of n rows of k callback buttons.
func inlineGrid(n, k int) *tg.ReplyInlineMarkup {
	m := &tg.ReplyInlineMarkup{}
	for range n {
		var r []tg.KeyboardInlineButton
		for range k {
			r = append(r, ib("b", cb("d")))
		}
		m.Rows = append(m.Rows, tg.KeyboardInlineButtonRow{Buttons: r})
	}
	return m
}

// replyGrid is a reply keyboard of n rows of k text buttons.
func replyGrid(n, k int) *tg.ReplyKeyboardMarkup {
	m := &tg.ReplyKeyboardMarkup{}
	for range n {
		var r []tg.KeyboardButton
		for range k {
			r = append(r, text("b"))
		}
		m.Rows = append(m.Rows, tg.KeyboardButtonRow{Buttons: r})
	}
	return m
}

// peerType is a request-peer type asking for users.
var peerType = &tg.RequestPeerTypeUser{}

// inputPeer is an input request-peer button type.
func inputPeer(id, max int) *tg.InputButtonTypeRequestPeer {
	return &tg.InputButtonTypeRequestPeer{NameRequested: true, PhotoRequested: true, ButtonID: id,
		PeerType: peerType, MaxQuantity: max}
}

// user is an InputUser with the given id.
func user(id int64) *tg.InputUser { return &tg.InputUser{UserID: id, AccessHash: 7} }

// long is s repeated n times.
func long(s string, n int) string { return strings.Repeat(s, n) }

// encode returns the TL encoding of e.
func encode(t *testing.T, e bin.Encoder) []byte {
	t.Helper()
	var b bin.Buffer
	if err := e.Encode(&b); err != nil {
		t.Fatalf("encode %v: %v", e, err)
	}
	return b.Copy()
}

// sameMarkup fails t unless got and want encode alike.
func sameMarkup(t *testing.T, got, want tg.ReplyMarkupClass) {
	t.Helper()
	if want == nil || got == nil {
		if want != nil || got != nil {
			t.Fatalf("got %v, want %v", got, want)
		}
		return
	}
	if !bytes.Equal(encode(t, got), encode(t, want)) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
}
