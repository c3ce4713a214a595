package buttons

import (
	"bytes"
	"iter"
	"slices"

	"github.com/gotd/td/tg"
)

// InlineButtons yields the buttons of an inline keyboard in row order, left to
// right; nothing for any other markup.
func InlineButtons(m tg.ReplyMarkupClass) iter.Seq[*tg.KeyboardInlineButton] {
	return func(yield func(*tg.KeyboardInlineButton) bool) {
		im, ok := m.(*tg.ReplyInlineMarkup)
		if !ok || im == nil {
			return
		}
		for i := range im.Rows {
			for j := range im.Rows[i].Buttons {
				if !yield(&im.Rows[i].Buttons[j]) {
					return
				}
			}
		}
	}
}

// ReplyButtons yields the buttons of a reply keyboard in row order, left to
// right; nothing for any other markup.
func ReplyButtons(m tg.ReplyMarkupClass) iter.Seq[*tg.KeyboardButton] {
	return func(yield func(*tg.KeyboardButton) bool) {
		km, ok := m.(*tg.ReplyKeyboardMarkup)
		if !ok || km == nil {
			return
		}
		for i := range km.Rows {
			for j := range km.Rows[i].Buttons {
				if !yield(&km.Rows[i].Buttons[j]) {
					return
				}
			}
		}
	}
}

// FindCallback returns the first callback button of the stored markup m whose
// data equals data byte for byte: what messages.getBotCallbackAnswer with data
// must match. The caller checks requires_password.
func FindCallback(m tg.ReplyMarkupClass, data []byte) (*tg.InlineButtonTypeCallback, bool) {
	for b := range InlineButtons(m) {
		if cb, ok := b.Type.(*tg.InlineButtonTypeCallback); ok && bytes.Equal(cb.Data, data) {
			return cb, true
		}
	}
	return nil, false
}

// FindGame says whether m has a game button: what messages.getBotCallbackAnswer
// with the game flag needs.
func FindGame(m tg.ReplyMarkupClass) bool {
	for b := range InlineButtons(m) {
		if _, ok := b.Type.(*tg.InlineButtonTypeGame); ok {
			return true
		}
	}
	return false
}

// FindURLAuth returns the url-auth button of the stored markup m with the
// given button_id: what messages.requestUrlAuth and acceptUrlAuth name.
func FindURLAuth(m tg.ReplyMarkupClass, buttonID int) (*tg.InlineButtonTypeURLAuth, bool) {
	for b := range InlineButtons(m) {
		if ua, ok := b.Type.(*tg.InlineButtonTypeURLAuth); ok && ua.ButtonID == buttonID {
			return ua, true
		}
	}
	return nil, false
}

// FindInputURLAuth returns the input url-auth button of the markup as the bot
// sent it (before Validate) that became the stored button with buttonID: the
// buttonID-th inputInlineButtonTypeUrlAuth in row order. It has the bot and
// request_write_access that the stored form lacks.
func FindInputURLAuth(orig tg.ReplyMarkupClass, buttonID int) (*tg.InputInlineButtonTypeURLAuth, bool) {
	n := 0
	for b := range InlineButtons(orig) {
		if ua, ok := b.Type.(*tg.InputInlineButtonTypeURLAuth); ok {
			if n++; n == buttonID {
				return ua, true
			}
		}
	}
	return nil, false
}

// FindReplyButton returns the type of the first reply keyboard button of m
// whose text is text: a user's message with that text is a press of it.
func FindReplyButton(m tg.ReplyMarkupClass, text string) (tg.ButtonTypeClass, bool) {
	for b := range ReplyButtons(m) {
		if b.Text == text {
			return b.Type, true
		}
	}
	return nil, false
}

// FindRequestPeer returns the request-peer button of the stored markup m with
// the given button_id: what messages.sendBotRequestedPeer names.
func FindRequestPeer(m tg.ReplyMarkupClass, buttonID int) (*tg.ButtonTypeRequestPeer, bool) {
	for b := range ReplyButtons(m) {
		if rp, ok := b.Type.(*tg.ButtonTypeRequestPeer); ok && rp.ButtonID == buttonID {
			return rp, true
		}
	}
	return nil, false
}

// FindInputRequestPeer returns the request-peer button with the given
// button_id of the markup as the bot sent it (before Validate), with the
// name/username/photo_requested flags the stored form lacks. A
// buttonTypeRequestPeer there is returned as an input button without flags.
func FindInputRequestPeer(orig tg.ReplyMarkupClass, buttonID int) (*tg.InputButtonTypeRequestPeer, bool) {
	for b := range ReplyButtons(orig) {
		switch rp := b.Type.(type) {
		case *tg.InputButtonTypeRequestPeer:
			if rp.ButtonID == buttonID {
				return rp, true
			}
		case *tg.ButtonTypeRequestPeer:
			if rp.ButtonID == buttonID {
				return &tg.InputButtonTypeRequestPeer{ButtonID: rp.ButtonID, PeerType: rp.PeerType,
					MaxQuantity: rp.MaxQuantity}, true
			}
		}
	}
	return nil, false
}

// Selective says whether m is a reply keyboard, replyKeyboardHide or
// replyKeyboardForceReply with the selective flag.
func Selective(m tg.ReplyMarkupClass) bool {
	switch m := m.(type) {
	case *tg.ReplyKeyboardMarkup:
		return m != nil && m.Selective
	case *tg.ReplyKeyboardHide:
		return m != nil && m.Selective
	case *tg.ReplyKeyboardForceReply:
		return m != nil && m.Selective
	}
	return false
}

// VisibleTo says whether the markup m of a message applies to the user
// recipient. Inline keyboards and non-selective markups apply to everyone. A
// selective reply keyboard, replyKeyboardHide or replyKeyboardForceReply
// applies only to the users mentioned in the message's text (mentioned) and
// to replyToSender, the sender of the message it replies to (0 for none). A
// nil m applies to no one. The sender of the message is not special: the
// caller decides what the bot itself sees. Validate clears selective in
// private chats, so there the one recipient always gets the markup.
//
// Telegram's clients apply the same rule using the message's mentioned flag
// (set for a mention of the recipient or a reply to the recipient's message).
func VisibleTo(m tg.ReplyMarkupClass, recipient int64, mentioned []int64, replyToSender int64) bool {
	if m == nil {
		return false
	}
	if !Selective(m) {
		return true
	}
	return recipient != 0 && (recipient == replyToSender || slices.Contains(mentioned, recipient))
}
