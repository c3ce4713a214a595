// Package bot helps a gotd bot serve the button flow: a Router sends each
// callback query (updateBotCallbackQuery and updateInlineBotCallbackQuery)
// to a handler chosen by its data (exact or by prefix) or by its game's short
// name, and makes sure every query is answered with
// messages.setBotCallbackAnswer before the client gives up, as Telegram
// asks: "The messages.setBotCallbackAnswer method must be called anyway,
// even if no message or url is returned, to avoid timeouts on the client".
//
// A handler that returns without answering gets an empty answer; one that
// is still running after Options.AnswerWithin has its answer sent for it and
// goes on with its work (editing the message, say) afterwards; one that
// panics is recovered and answered.
//
// Keyboard builders (Inline, Row, CallbackButton, URLButton, ...) make
// tg.ReplyInlineMarkup values, and a DataStore lifts Telegram's 64-byte limit
// on callback data by keeping the payload in the bot process and putting a
// short key in the button; the Router resolves the key back before the
// handler runs.
//
// The Router plugs into a gotd client as its telegram.UpdateHandler, or into
// a tg.UpdateDispatcher with Register:
//
//	r := bot.NewRouter(bot.Options{})
//	r.CallbackExact("ok", bot.HandlerFunc(func(ctx context.Context, q *bot.Query) error {
//		return q.Answer(ctx, bot.Answer{Text: "Done"})
//	}))
//	client := telegram.NewClient(appID, appHash, telegram.Options{UpdateHandler: r})
//	r.Bind(client.API())
package bot
