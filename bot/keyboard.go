package bot

import "github.com/gotd/td/tg"

// MaxCallbackData is the most bytes of data a callback button may carry
// (keyboardButtonCallback.data); a DataStore carries more.
const MaxCallbackData = 64

// Inline makes an inline keyboard (replyInlineMarkup) of rows, top to bottom.
func Inline(rows ...tg.KeyboardInlineButtonRow) *tg.ReplyInlineMarkup {
	if rows == nil {
		rows = []tg.KeyboardInlineButtonRow{}
	}
	return &tg.ReplyInlineMarkup{Rows: rows}
}

// Row makes one row of an inline keyboard, left to right.
func Row(buttons ...tg.KeyboardInlineButton) tg.KeyboardInlineButtonRow {
	if buttons == nil {
		buttons = []tg.KeyboardInlineButton{}
	}
	return tg.KeyboardInlineButtonRow{Buttons: buttons}
}

// CallbackButton makes a button that sends data to the bot as a callback
// query. Telegram refuses data longer than MaxCallbackData bytes; use
// DataStore.Button for more.
func CallbackButton(text, data string) tg.KeyboardInlineButton {
	return tg.KeyboardInlineButton{Text: text, Type: &tg.InlineButtonTypeCallback{Data: []byte(data)}}
}

// PasswordButton is a CallbackButton whose press the server lets through
// only with the user's 2FA password (requires_password): the bot gets the
// query only once the user has proven who they are.
func PasswordButton(text, data string) tg.KeyboardInlineButton {
	return tg.KeyboardInlineButton{Text: text, Type: &tg.InlineButtonTypeCallback{Data: []byte(data), RequiresPassword: true}}
}

// URLButton makes a button that opens url.
func URLButton(text, url string) tg.KeyboardInlineButton {
	return tg.KeyboardInlineButton{Text: text, Type: &tg.InlineButtonTypeURL{URL: url}}
}

// GameButton makes the button that starts the game of the message it is
// attached to; it must be the first button of a game message
// (messageMediaGame).
func GameButton(text string) tg.KeyboardInlineButton {
	return tg.KeyboardInlineButton{Text: text, Type: &tg.InlineButtonTypeGame{}}
}

// SwitchInlineButton makes a button that lets the user pick a chat and
// starts an inline query to the bot there with query typed in.
func SwitchInlineButton(text, query string) tg.KeyboardInlineButton {
	return tg.KeyboardInlineButton{Text: text, Type: &tg.InlineButtonTypeSwitchInline{Query: query}}
}

// SwitchInlineHereButton makes a button that starts an inline query to the
// bot in the current chat (same_peer) with query typed in.
func SwitchInlineHereButton(text, query string) tg.KeyboardInlineButton {
	return tg.KeyboardInlineButton{Text: text, Type: &tg.InlineButtonTypeSwitchInline{Query: query, SamePeer: true}}
}
