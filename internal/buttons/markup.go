// Package buttons holds the server's rules for the reply markups bots attach
// to messages (TL layer 229): which keyboards and buttons a bot may send where,
// the form they are stored and shown in, and the lookups used when a user
// presses a button.
//
// Validate checks a markup from messages.sendMessage, sendMedia, editMessage
// and the like, and converts input button types to their stored form. Errors
// are *tgerr.Error values with Telegram's RPC error names (code 400).
//
// Rules Telegram does not document, and what this package chose:
//   - Request buttons (phone, location, poll, peer) and web-view buttons are
//     allowed only in a private chat between the bot and a user; elsewhere,
//     including a private chat with another bot, they fail with
//     BUTTON_TYPE_INVALID (what Telegram answers for web-view buttons in
//     groups; the Bot API documents all of them as "private chats only").
//   - Channels take inline keyboards only: a reply keyboard, replyKeyboardHide
//     or replyKeyboardForceReply there is REPLY_MARKUP_INVALID (TDLib's
//     "Inline keyboard expected"). Switch-inline buttons are not allowed in
//     channels either (BUTTON_TYPE_INVALID), as in TDLib.
//   - A switch-inline button from a bot without inline mode is
//     BOT_INLINE_DISABLED.
//   - Output-only forms sent by a bot (inlineButtonTypeUrlAuth,
//     inlineButtonTypeUserProfile) are BUTTON_TYPE_INVALID: bots send the
//     input forms. buttonTypeRequestPeer is accepted like an
//     inputButtonTypeRequestPeer with no *_requested flags.
//   - Texts are counted in UTF-16 code units, like Telegram's other limits.
//   - In private chats the selective flag is cleared: the one recipient
//     always sees the keyboard.
//   - Style (colour, icon) is passed through unchecked.
//   - URLs need a scheme (TDLib would prefix http://): http, https or tg for
//     URL buttons, http or https for url-auth and web-view buttons (Telegram
//     wants https there outside its test DCs; http is kept for local tests).
//   - MaxText, MaxURL, MaxEncodedSize and MaxSwitchQuery have no documented
//     value; the error names for a switch-inline query that is too long
//     (BUTTON_DATA_INVALID), a request-peer max_quantity outside
//     1..MaxRequestPeers (BUTTON_INVALID) and an unknown url-auth bot
//     (BOT_INVALID) are guesses from their descriptions.
package buttons

import (
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// ChatKind is the kind of chat a message is sent to.
type ChatKind int

// Chat kinds.
const (
	// ChatPrivate is a private chat between the bot and a user.
	ChatPrivate ChatKind = iota
	// ChatPrivateBot is a private chat between the bot and another bot.
	ChatPrivateBot
	// ChatGroup is a basic group.
	ChatGroup
	// ChatSupergroup is a supergroup (megagroup or gigagroup).
	ChatSupergroup
	// ChatChannel is a broadcast channel.
	ChatChannel
)

// Context is what Validate needs to know about the message a markup comes
// with.
type Context struct {
	// Chat is the kind of chat the message goes to.
	Chat ChatKind
	// Bot says the sender is a bot. Markups from users are ignored.
	Bot bool
	// BotInline says the bot has inline mode enabled (a placeholder is set in
	// @BotFather); switch-inline buttons need it.
	BotInline bool
	// IsGame says the message carries a game (messageMediaGame).
	IsGame bool
	// IsInvoice says the message carries an invoice (messageMediaInvoice).
	IsInvoice bool
	// ResolveUser turns an InputUser from an input button into a user id.
	// It returns 0 and no error for an unknown user, a *tgerr.Error that
	// Validate passes on unchanged (e.g. BUTTON_USER_PRIVACY_RESTRICTED), or
	// another error that is passed on as an internal error. A nil ResolveUser
	// knows no users.
	ResolveUser func(tg.InputUserClass) (int64, error)
}

// Limits. Texts are counted in UTF-16 code units, data in bytes.
const (
	// MaxCallbackData is the longest callback data; it must not be empty.
	MaxCallbackData = 64
	// MaxInlineButtons is the most buttons of an inline keyboard.
	MaxInlineButtons = 100
	// MaxInlineRow is the most buttons in one row of an inline keyboard.
	MaxInlineRow = 8
	// MaxReplyButtons is the most buttons of a reply keyboard.
	MaxReplyButtons = 300
	// MaxReplyRow is the most buttons in one row of a reply keyboard.
	MaxReplyRow = 12
	// MaxEncodedSize is the most bytes the TL encoding of a stored markup
	// may take.
	MaxEncodedSize = 16 << 10
	// MaxText is the longest button text (and url-auth fwd_text).
	MaxText = 256
	// MaxURL is the longest button URL, in bytes.
	MaxURL = 2048
	// MaxPlaceholder is the longest input-field placeholder.
	MaxPlaceholder = 64
	// MaxCopyText is the longest text of a copy button; it must not be empty.
	MaxCopyText = 256
	// MaxSwitchQuery is the longest query of a switch-inline button.
	MaxSwitchQuery = 256
	// MaxRequestPeers is the largest max_quantity of a request-peer button.
	MaxRequestPeers = 10
)

// Errors Validate returns, with Telegram's names.
var (
	// ErrReplyMarkupInvalid: an empty keyboard or row, a bad placeholder, a
	// reply keyboard in a channel or an unknown markup constructor.
	ErrReplyMarkupInvalid = tgerr.New(400, "REPLY_MARKUP_INVALID")
	// ErrReplyMarkupTooLong: too many buttons, or the markup encodes to more
	// than MaxEncodedSize bytes.
	ErrReplyMarkupTooLong = tgerr.New(400, "REPLY_MARKUP_TOO_LONG")
	// ErrReplyMarkupGameEmpty: a game message whose markup has no game button.
	ErrReplyMarkupGameEmpty = tgerr.New(400, "REPLY_MARKUP_GAME_EMPTY")
	// ErrReplyMarkupBuyEmpty: an invoice message whose markup has no buy button.
	ErrReplyMarkupBuyEmpty = tgerr.New(400, "REPLY_MARKUP_BUY_EMPTY")
	// ErrButtonTextInvalid: a button text (or fwd_text) that is empty, blank,
	// not UTF-8 or longer than MaxText.
	ErrButtonTextInvalid = tgerr.New(400, "BUTTON_TEXT_INVALID")
	// ErrButtonDataInvalid: callback data outside 1..MaxCallbackData bytes, or
	// a switch-inline query longer than MaxSwitchQuery.
	ErrButtonDataInvalid = tgerr.New(400, "BUTTON_DATA_INVALID")
	// ErrButtonURLInvalid: a URL that is not an http(s) URL with a host or a
	// tg: URL (only http(s) for url-auth and web-view buttons), or too long.
	ErrButtonURLInvalid = tgerr.New(400, "BUTTON_URL_INVALID")
	// ErrButtonTypeInvalid: a button type not allowed in this chat or message.
	ErrButtonTypeInvalid = tgerr.New(400, "BUTTON_TYPE_INVALID")
	// ErrButtonPosInvalid: a game or buy button that is not the first button
	// of the first row.
	ErrButtonPosInvalid = tgerr.New(400, "BUTTON_POS_INVALID")
	// ErrButtonIDInvalid: two request-peer buttons with the same button_id.
	ErrButtonIDInvalid = tgerr.New(400, "BUTTON_ID_INVALID")
	// ErrButtonInvalid: a request-peer button whose max_quantity is outside
	// 1..MaxRequestPeers.
	ErrButtonInvalid = tgerr.New(400, "BUTTON_INVALID")
	// ErrButtonUserInvalid: the user of a user-profile button is unknown.
	ErrButtonUserInvalid = tgerr.New(400, "BUTTON_USER_INVALID")
	// ErrButtonCopyTextInvalid: a copy text outside 1..MaxCopyText or not UTF-8.
	ErrButtonCopyTextInvalid = tgerr.New(400, "BUTTON_COPY_TEXT_INVALID")
	// ErrBotInvalid: the bot of a url-auth button is unknown.
	ErrBotInvalid = tgerr.New(400, "BOT_INVALID")
	// ErrBotInlineDisabled: a switch-inline button from a bot without inline
	// mode.
	ErrBotInlineDisabled = tgerr.New(400, "BOT_INLINE_DISABLED")
	// ErrPeerTypesInvalid: switch-inline peer_types with same_peer, or with a
	// repeated or missing type.
	ErrPeerTypesInvalid = tgerr.New(400, "PEER_TYPES_INVALID")
)

// Validate checks the reply markup m that a message is sent or edited with and
// returns it as stored and shown to clients. A nil m, and any markup from a
// user (c.Bot false), give nil and no error: Telegram ignores markups from
// users. The result shares no mutable values with m except the RequestPeerType
// and InlineQueryPeerType objects, which it never changes.
//
// Conversions: inputInlineButtonTypeUrlAuth becomes inlineButtonTypeUrlAuth
// with button_id numbered 1, 2, … over the markup's url-auth buttons in row
// order, left to right (see FindInputURLAuth); its request_write_access and bot
// are dropped. inputInlineButtonTypeUserProfile becomes
// inlineButtonTypeUserProfile with the id from c.ResolveUser.
// inputButtonTypeRequestPeer becomes buttonTypeRequestPeer, dropping the
// *_requested flags (see FindInputRequestPeer). An empty placeholder, fwd_text
// or peer_types counts as absent.
//
// A game message (c.IsGame) needs an inline keyboard whose first button is
// its only game button; an invoice message (c.IsInvoice) likewise with a buy
// button. A message without a markup is not checked here (the Bot API says a
// default Play or Pay button is shown then).
func Validate(m tg.ReplyMarkupClass, c Context) (tg.ReplyMarkupClass, error) {
	if m == nil || !c.Bot {
		return nil, nil
	}
	out, err := convert(m, c)
	if err != nil {
		return nil, err
	}
	b, err := tlenc.Encode(out)
	if err != nil {
		return nil, ErrReplyMarkupInvalid
	}
	if len(b) > MaxEncodedSize {
		return nil, ErrReplyMarkupTooLong
	}
	return out, nil
}

// convert checks m and returns its stored form.
func convert(m tg.ReplyMarkupClass, c Context) (tg.ReplyMarkupClass, error) {
	switch m := m.(type) {
	case *tg.ReplyInlineMarkup:
		if m != nil {
			return validateInline(m, c)
		}
	case *tg.ReplyKeyboardMarkup:
		if m != nil {
			return validateKeyboard(m, c)
		}
	case *tg.ReplyKeyboardHide:
		if m != nil {
			if err := replyKeyboardAllowed(c); err != nil {
				return nil, err
			}
			return &tg.ReplyKeyboardHide{Selective: m.Selective && !private(c)}, nil
		}
	case *tg.ReplyKeyboardForceReply:
		if m != nil {
			if err := replyKeyboardAllowed(c); err != nil {
				return nil, err
			}
			p, err := placeholder(m.Placeholder)
			if err != nil {
				return nil, err
			}
			return &tg.ReplyKeyboardForceReply{SingleUse: m.SingleUse,
				Selective: m.Selective && !private(c), Placeholder: p}, nil
		}
	}
	// An unknown constructor or a nil pointer.
	return nil, ErrReplyMarkupInvalid
}

// private says whether the chat is private (with a user or a bot).
func private(c Context) bool {
	return c.Chat == ChatPrivate || c.Chat == ChatPrivateBot
}

// replyKeyboardAllowed checks whether a non-inline markup may be sent.
func replyKeyboardAllowed(c Context) error {
	switch {
	case c.IsGame:
		return ErrReplyMarkupGameEmpty
	case c.IsInvoice:
		return ErrReplyMarkupBuyEmpty
	case c.Chat == ChatChannel:
		return ErrReplyMarkupInvalid
	}
	return nil
}

// placeholder checks an input-field placeholder; empty means none.
func placeholder(p string) (string, error) {
	if !validText(p, MaxPlaceholder) && p != "" {
		return "", ErrReplyMarkupInvalid
	}
	return p, nil
}

// rows checks the shape of a keyboard: no empty keyboard or row, at most
// perRow buttons in a row and total in all.
func rows(lens []int, perRow, total int) error {
	if len(lens) == 0 {
		return ErrReplyMarkupInvalid
	}
	n := 0
	for _, l := range lens {
		if l == 0 {
			return ErrReplyMarkupInvalid
		}
		if l > perRow {
			return ErrReplyMarkupTooLong
		}
		n += l
	}
	if n > total {
		return ErrReplyMarkupTooLong
	}
	return nil
}

// validateKeyboard checks a reply keyboard and converts its buttons.
func validateKeyboard(m *tg.ReplyKeyboardMarkup, c Context) (tg.ReplyMarkupClass, error) {
	if err := replyKeyboardAllowed(c); err != nil {
		return nil, err
	}
	lens := make([]int, len(m.Rows))
	for i, r := range m.Rows {
		lens[i] = len(r.Buttons)
	}
	if err := rows(lens, MaxReplyRow, MaxReplyButtons); err != nil {
		return nil, err
	}
	p, err := placeholder(m.Placeholder)
	if err != nil {
		return nil, err
	}
	out := &tg.ReplyKeyboardMarkup{Resize: m.Resize, SingleUse: m.SingleUse,
		Selective: m.Selective && !private(c), Persistent: m.Persistent,
		ForceReply: m.ForceReply, Placeholder: p, Rows: make([]tg.KeyboardButtonRow, len(m.Rows))}
	st := &state{c: c, peerIDs: map[int]bool{}}
	for i, r := range m.Rows {
		out.Rows[i].Buttons = make([]tg.KeyboardButton, len(r.Buttons))
		for j, b := range r.Buttons {
			if !validText(b.Text, MaxText) {
				return nil, ErrButtonTextInvalid
			}
			t, err := st.replyType(b.Type)
			if err != nil {
				return nil, err
			}
			out.Rows[i].Buttons[j] = tg.KeyboardButton{Style: b.Style, Text: b.Text, Type: t}
		}
	}
	return out, nil
}

// validateInline checks an inline keyboard and converts its buttons.
func validateInline(m *tg.ReplyInlineMarkup, c Context) (tg.ReplyMarkupClass, error) {
	lens := make([]int, len(m.Rows))
	for i, r := range m.Rows {
		lens[i] = len(r.Buttons)
	}
	if err := rows(lens, MaxInlineRow, MaxInlineButtons); err != nil {
		return nil, err
	}
	out := &tg.ReplyInlineMarkup{ForceReply: m.ForceReply, Rows: make([]tg.KeyboardInlineButtonRow, len(m.Rows))}
	st := &state{c: c}
	for i, r := range m.Rows {
		out.Rows[i].Buttons = make([]tg.KeyboardInlineButton, len(r.Buttons))
		for j, b := range r.Buttons {
			if !validText(b.Text, MaxText) {
				return nil, ErrButtonTextInvalid
			}
			t, err := st.inlineType(b.Type, i == 0 && j == 0)
			if err != nil {
				return nil, err
			}
			out.Rows[i].Buttons[j] = tg.KeyboardInlineButton{Style: b.Style, Text: b.Text, Type: t}
		}
	}
	switch {
	case c.IsGame && !st.game:
		return nil, ErrReplyMarkupGameEmpty
	case c.IsInvoice && !st.buy:
		return nil, ErrReplyMarkupBuyEmpty
	}
	return out, nil
}
