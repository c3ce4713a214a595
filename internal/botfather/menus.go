package botfather

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
)

// Callback actions: what each BotFather button does.
const (
	actList        = "list"  // the owner's bots
	actBot         = "bot"   // one bot's menu
	actToken       = "tok"   // show the token
	actRevoke      = "rev"   // revoke the token
	actName        = "name"  // ask for a new name
	actDescription = "desc"  // ask for a new description
	actInline      = "inl"   // toggle inline mode
	actPlaceholder = "ph"    // ask for the inline placeholder
	actCommands    = "cmds"  // ask for the command list
	actGames       = "games" // the bot's games
	actGameAdd     = "gadd"  // ask for a new game
	actGameDelete  = "gdel"  // delete game arg
	actDelete      = "del"   // ask to confirm deletion
	actDeleteOK    = "delok" // delete
	actTransfer    = "xfer"  // ask for the new owner
	actTransferOK  = "xok"   // hand over to user arg (requires_password)
	actTransferNo  = "xno"   // cancel the hand-over
)

const helpText = `I can help you create and manage bots on this server.

You can control me by sending these commands:

/newbot - create a new bot
/mybots - edit your bots
/token - get a bot's token
/revoke - revoke a bot's token
/setcommands - change a bot's list of commands
/deletebot - delete a bot
/cancel - stop what we were doing

In /mybots you edit a bot's name, description, inline mode and games, and transfer it to another user. A transfer is confirmed with your two-step verification password, so set one first (Settings > Privacy and Security).`

func button(text string, d callbackData) tg.KeyboardInlineButton {
	return tg.KeyboardInlineButton{Text: text, Type: &tg.InlineButtonTypeCallback{Data: []byte(d.String())}}
}

func keyboard(rows ...[]tg.KeyboardInlineButton) *tg.ReplyInlineMarkup {
	m := &tg.ReplyInlineMarkup{}
	for _, r := range rows {
		m.Rows = append(m.Rows, tg.KeyboardInlineButtonRow{Buttons: r})
	}
	return m
}

func row(buttons ...tg.KeyboardInlineButton) []tg.KeyboardInlineButton { return buttons }

func backTo(bot *store.User) []tg.KeyboardInlineButton {
	return row(button("« Back to @"+bot.Username, callbackData{action: actBot, bot: bot.ID}))
}

// pickBot is a keyboard of bots, two a row, each button doing action on its bot.
func pickBot(bots []*store.User, action string) *tg.ReplyInlineMarkup {
	m := &tg.ReplyInlineMarkup{}
	for i := 0; i < len(bots); i += 2 {
		var r []tg.KeyboardInlineButton
		for _, bot := range bots[i:min(i+2, len(bots))] {
			r = append(r, button("@"+bot.Username, callbackData{action: action, bot: bot.ID}))
		}
		m.Rows = append(m.Rows, tg.KeyboardInlineButtonRow{Buttons: r})
	}
	return m
}

const noBots = "You have no bots yet. Use the /newbot command to create one."

// botMenu is what can be done with a bot.
func botMenu(bot *store.User) (string, *tg.ReplyInlineMarkup) {
	text := fmt.Sprintf("Here it is: %s @%s.\nWhat do you want to do with the bot?", bot.FirstName, bot.Username)
	on := func(act string) callbackData { return callbackData{action: act, bot: bot.ID} }
	inline := "Inline mode: off"
	if bot.BotInline {
		inline = "Inline mode: on"
	}
	inlineRow := row(button(inline, on(actInline)))
	if bot.BotInline {
		inlineRow = append(inlineRow, button("Edit placeholder", on(actPlaceholder)))
	}
	return text, keyboard(
		row(button("API Token", on(actToken)), button("Revoke token", on(actRevoke))),
		row(button("Edit name", on(actName)), button("Edit description", on(actDescription))),
		inlineRow,
		row(button("Games", on(actGames)), button("Edit commands", on(actCommands))),
		row(button("Transfer ownership", on(actTransfer)), button("Delete bot", on(actDelete))),
		row(button("« Back to bots list", callbackData{action: actList})),
	)
}

// tokenView shows a bot's token.
func tokenView(bot *store.User) (string, *tg.ReplyInlineMarkup) {
	token := strconv.FormatInt(bot.ID, 10) + ":" + bot.BotToken
	text := fmt.Sprintf("Here is the token for bot %s @%s:\n\n%s\n\nKeep your token secure and store it safely, it can be used by anyone to control your bot.",
		bot.FirstName, bot.Username, token)
	return text, keyboard(row(button("Revoke current token", callbackData{action: actRevoke, bot: bot.ID})), backTo(bot))
}

// gamesView lists a bot's games, each with a delete button.
func gamesView(bot *store.User, games []*store.Game) (string, *tg.ReplyInlineMarkup) {
	var b strings.Builder
	fmt.Fprintf(&b, "Games of @%s:", bot.Username)
	if len(games) == 0 {
		b.WriteString(" none yet.")
	}
	m := &tg.ReplyInlineMarkup{}
	for _, g := range games {
		fmt.Fprintf(&b, "\n%s (%s): %s", g.Title, g.ShortName, g.URL)
		m.Rows = append(m.Rows, tg.KeyboardInlineButtonRow{Buttons: row(
			button("Delete "+g.ShortName, callbackData{action: actGameDelete, bot: bot.ID, arg: g.ID}))})
	}
	m.Rows = append(m.Rows,
		tg.KeyboardInlineButtonRow{Buttons: row(button("Add a game", callbackData{action: actGameAdd, bot: bot.ID}))},
		tg.KeyboardInlineButtonRow{Buttons: backTo(bot)})
	return b.String(), m
}

// deleteView asks to confirm a deletion.
func deleteView(bot *store.User) (string, *tg.ReplyInlineMarkup) {
	text := fmt.Sprintf("You are about to delete your bot @%s. Its token stops working and its username is freed. Is that correct?", bot.Username)
	return text, keyboard(
		row(button("Yes, delete the bot", callbackData{action: actDeleteOK, bot: bot.ID})),
		row(button("No", callbackData{action: actBot, bot: bot.ID})),
	)
}

// transferView asks the owner to confirm a hand-over with their password:
// the button has requires_password, so the server checks the owner's SRP
// proof before BotFather hears the press.
func transferView(bot, to *store.User) (string, *tg.ReplyInlineMarkup) {
	text := fmt.Sprintf("You are about to transfer @%s to %s @%s. They become its owner and you can no longer manage it.\n\n"+
		"Confirm with your two-step verification password.", bot.Username, to.FirstName, to.Username)
	confirm := &tg.InlineButtonTypeCallback{
		RequiresPassword: true, Data: []byte(callbackData{action: actTransferOK, bot: bot.ID, arg: to.ID}.String()),
	}
	confirm.SetFlags()
	ok := tg.KeyboardInlineButton{Text: "Yes, transfer @" + bot.Username, Type: confirm}
	return text, keyboard(row(ok), row(button("Cancel", callbackData{action: actTransferNo, bot: bot.ID})))
}
