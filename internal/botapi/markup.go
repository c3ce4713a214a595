package botapi

import (
	"encoding/json"

	"github.com/gotd/td/tg"
)

// markupOf turns a request's reply_markup into the TL markup: an inline
// keyboard, a reply keyboard, a keyboard removal or a force reply. The
// domain validates the result as it does an MTProto bot's.
func markupOf(m *replyMarkup) (tg.ReplyMarkupClass, error) {
	switch {
	case m.InlineKeyboard != nil:
		return inlineMarkupOf(m.InlineKeyboard)
	case m.Keyboard != nil:
		out := &tg.ReplyKeyboardMarkup{Resize: m.ResizeKeyboard, SingleUse: m.OneTimeKeyboard, Selective: m.Selective,
			Persistent: m.IsPersistent, Rows: make([]tg.KeyboardButtonRow, 0, len(m.Keyboard))}
		if m.InputFieldPlaceholder != "" {
			out.SetPlaceholder(m.InputFieldPlaceholder)
		}
		for _, row := range m.Keyboard {
			r := tg.KeyboardButtonRow{Buttons: make([]tg.KeyboardButton, 0, len(row))}
			for _, b := range row {
				btn, err := keyboardButtonOf(b)
				if err != nil {
					return nil, err
				}
				r.Buttons = append(r.Buttons, btn)
			}
			out.Rows = append(out.Rows, r)
		}
		out.SetFlags()
		return out, nil
	case m.RemoveKeyboard:
		out := &tg.ReplyKeyboardHide{Selective: m.Selective}
		out.SetFlags()
		return out, nil
	case m.ForceReply:
		out := &tg.ReplyKeyboardForceReply{Selective: m.Selective}
		if m.InputFieldPlaceholder != "" {
			out.SetPlaceholder(m.InputFieldPlaceholder)
		}
		out.SetFlags()
		return out, nil
	}
	return nil, badRequest("can't parse reply keyboard markup JSON object")
}

// inlineMarkupOf turns an InlineKeyboardMarkup into replyInlineMarkup.
func inlineMarkupOf(rows [][]InlineKeyboardButton) (*tg.ReplyInlineMarkup, error) {
	out := &tg.ReplyInlineMarkup{Rows: make([]tg.KeyboardInlineButtonRow, 0, len(rows))}
	for _, row := range rows {
		r := tg.KeyboardInlineButtonRow{Buttons: make([]tg.KeyboardInlineButton, 0, len(row))}
		for _, b := range row {
			t, err := inlineTypeOf(b)
			if err != nil {
				return nil, err
			}
			r.Buttons = append(r.Buttons, tg.KeyboardInlineButton{Text: b.Text, Type: t})
		}
		out.Rows = append(out.Rows, r)
	}
	return out, nil
}

// inlineTypeOf is the type of an inline keyboard button: exactly one of the
// optional fields must be set, as the Bot API requires.
func inlineTypeOf(b InlineKeyboardButton) (tg.InlineButtonTypeClass, error) {
	var found []tg.InlineButtonTypeClass
	if b.URL != "" {
		found = append(found, &tg.InlineButtonTypeURL{URL: b.URL})
	}
	if b.CallbackData != nil {
		found = append(found, &tg.InlineButtonTypeCallback{Data: []byte(*b.CallbackData)})
	}
	if b.SwitchInlineQuery != nil {
		found = append(found, &tg.InlineButtonTypeSwitchInline{Query: *b.SwitchInlineQuery})
	}
	if b.SwitchInlineQueryCurrentChat != nil {
		found = append(found, &tg.InlineButtonTypeSwitchInline{SamePeer: true, Query: *b.SwitchInlineQueryCurrentChat})
	}
	if c := b.SwitchInlineQueryChosenChat; c != nil {
		t := &tg.InlineButtonTypeSwitchInline{Query: c.Query}
		if c.AllowUserChats {
			t.PeerTypes = append(t.PeerTypes, &tg.InlineQueryPeerTypePM{})
		}
		if c.AllowBotChats {
			t.PeerTypes = append(t.PeerTypes, &tg.InlineQueryPeerTypeBotPM{})
		}
		if c.AllowGroupChats {
			t.PeerTypes = append(t.PeerTypes, &tg.InlineQueryPeerTypeChat{}, &tg.InlineQueryPeerTypeMegagroup{})
		}
		if c.AllowChannelChats {
			t.PeerTypes = append(t.PeerTypes, &tg.InlineQueryPeerTypeBroadcast{})
		}
		if len(t.PeerTypes) == 0 {
			return nil, badRequest("can't parse inline keyboard button: at least one chat type must be allowed")
		}
		t.SetFlags()
		found = append(found, t)
	}
	if b.CallbackGame != nil {
		found = append(found, &tg.InlineButtonTypeGame{})
	}
	if b.Pay {
		found = append(found, &tg.InlineButtonTypeBuy{})
	}
	if l := b.LoginURL; l != nil {
		t := &tg.InputInlineButtonTypeURLAuth{URL: l.URL, RequestWriteAccess: l.RequestWriteAccess, Bot: &tg.InputUserSelf{}}
		if l.ForwardText != "" {
			t.SetFwdText(l.ForwardText)
		}
		t.SetFlags()
		found = append(found, t)
	}
	if len(b.WebApp) > 0 && string(b.WebApp) != "null" {
		return nil, badRequest("BUTTON_TYPE_INVALID")
	}
	if len(b.CopyText) > 0 && string(b.CopyText) != "null" {
		var c struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(b.CopyText, &c); err != nil {
			return nil, badRequest("can't parse inline keyboard button: can't parse copy_text")
		}
		found = append(found, &tg.InlineButtonTypeCopy{CopyText: c.Text})
	}
	switch len(found) {
	case 0:
		return nil, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	case 1:
		if t, ok := found[0].(*tg.InlineButtonTypeCallback); ok && len(t.Data) == 0 {
			return nil, badRequest("BUTTON_DATA_INVALID")
		}
		return found[0], nil
	}
	return nil, badRequest("can't parse inline keyboard button: exactly one of the optional fields must be used")
}

// keyboardButtonOf is a reply keyboard button.
func keyboardButtonOf(b KeyboardButton) (tg.KeyboardButton, error) {
	out := tg.KeyboardButton{Text: b.Text}
	switch {
	case b.RequestContact:
		out.Type = &tg.ButtonTypeRequestPhone{}
	case b.RequestLocation:
		out.Type = &tg.ButtonTypeRequestGeoLocation{}
	case b.RequestPoll != nil:
		t := &tg.ButtonTypeRequestPoll{}
		switch b.RequestPoll.Type {
		case "quiz":
			t.SetQuiz(true)
		case "regular":
			t.SetQuiz(false)
		}
		out.Type = t
	case len(b.RequestUsers) > 0 || len(b.RequestChat) > 0 || len(b.WebApp) > 0:
		return out, badRequest("BUTTON_TYPE_INVALID")
	default:
		out.Type = &tg.ButtonTypeDefault{}
	}
	if b.Text == "" {
		return out, badRequest("can't parse keyboard button: text must be non-empty")
	}
	return out, nil
}
