package botfather

import (
	"context"
	"errors"
	"fmt"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
)

// answer is how a callback query is answered: a toast, or an alert for
// what cannot be undone.
type answer struct {
	text  string
	alert bool
}

func toast(text string) answer { return answer{text: text} }
func alert(text string) answer { return answer{text: text, alert: true} }

// press is a callback query on one of BotFather's messages.
type press struct {
	user  int64
	msgID int
	data  callbackData
}

// onCallback acts on a button press and always answers it, so the user's
// client never waits for BOT_RESPONSE_TIMEOUT.
func (b *BotFather) onCallback(ctx context.Context, q *tg.UpdateBotCallbackQuery) {
	a := answer{}
	peer, private := q.Peer.(*tg.PeerUser)
	d, ok := parseData(string(q.Data))
	if private && peer.UserID == q.UserID && ok {
		var err error
		a, err = b.callback(ctx, press{user: q.UserID, msgID: q.MsgID, data: d})
		switch {
		case errors.Is(err, errNotYours):
			a = alert("That bot is not yours: only its owner can manage it.")
		case err != nil:
			b.log.Warn("callback", "user", q.UserID, "data", string(q.Data), "err", err)
			a = alert("Sorry, something went wrong. Please try again.")
		}
	}
	req := &tg.MessagesSetBotCallbackAnswerRequest{QueryID: q.QueryID, Message: a.text, Alert: a.alert}
	req.SetFlags()
	if _, err := b.svc.SetBotCallbackAnswer(ctx, b.sess, req); err != nil {
		b.log.Warn("answer callback", "user", q.UserID, "err", err)
	}
}

// callback does what a button asks; every action but the bot list is the
// owner's only.
func (b *BotFather) callback(ctx context.Context, p press) (answer, error) {
	if p.data.action == actList {
		bots, err := b.st.Users().BotsOf(ctx, p.user)
		if err != nil {
			return answer{}, err
		}
		if len(bots) == 0 {
			return answer{}, b.edit(ctx, p.user, p.msgID, noBots, nil)
		}
		return answer{}, b.edit(ctx, p.user, p.msgID, "Choose a bot from the list below:", pickBot(bots, actBot))
	}
	bot, err := b.ownBot(ctx, p.user, p.data.bot)
	if err != nil {
		return answer{}, err
	}
	// Pressing a button moves on from whatever was asked before.
	delete(b.dialogs, p.user)
	show := func(text string, markup *tg.ReplyInlineMarkup, a answer) (answer, error) {
		return a, b.edit(ctx, p.user, p.msgID, text, markup)
	}
	switch p.data.action {
	case actBot:
		text, m := botMenu(bot)
		return show(text, m, answer{})
	case actToken:
		text, m := tokenView(bot)
		return show(text, m, answer{})
	case actRevoke:
		token, err := b.svc.RevokeBotToken(ctx, bot.ID)
		if err != nil {
			return answer{}, err
		}
		bot.BotToken = token[len(fmt.Sprint(bot.ID))+1:]
		text, m := tokenView(bot)
		return show("Token revoked: the old one no longer works. "+text, m,
			alert("The old token of @"+bot.Username+" is revoked and its sessions are logged out."))
	case actInline:
		placeholder := bot.BotInlinePlaceholder
		if placeholder == "" {
			placeholder = "Search..."
		}
		if err := b.st.Users().SetBotInline(ctx, bot.ID, !bot.BotInline, placeholder); err != nil {
			return answer{}, err
		}
		bot.BotInline, bot.BotInlinePlaceholder = !bot.BotInline, placeholder
		text, m := botMenu(bot)
		state := "off"
		if bot.BotInline {
			state = "on"
		}
		return show(text, m, toast("Inline mode "+state))
	case actGames:
		games, err := b.st.Games().List(ctx, bot.ID)
		if err != nil {
			return answer{}, err
		}
		text, m := gamesView(bot, games)
		return show(text, m, answer{})
	case actGameDelete:
		return b.deleteGame(ctx, p, bot)
	case actDelete:
		text, m := deleteView(bot)
		return show(text, m, answer{})
	case actDeleteOK:
		if err := b.svc.DeleteBot(ctx, bot.ID); err != nil {
			return answer{}, err
		}
		return show(fmt.Sprintf("Done! The bot @%s is gone.", bot.Username),
			keyboard(row(button("« Back to bots list", callbackData{action: actList}))),
			alert("@"+bot.Username+" is deleted."))
	case actTransferOK:
		return b.transfer(ctx, p, bot)
	case actTransferNo:
		return show("Transfer cancelled.", keyboard(backTo(bot)), toast("Cancelled"))
	}
	return b.askFor(ctx, p, bot)
}

// askFor starts the dialog a button asks for.
func (b *BotFather) askFor(ctx context.Context, p press, bot *store.User) (answer, error) {
	type question struct {
		step    step
		command string
		text    string
	}
	qs := map[string]question{
		actName:        {stepName, "setname", "OK. Send me the new name for @" + bot.Username + "."},
		actDescription: {stepDescription, "setdescription", "OK. Send me the new description for @" + bot.Username + " (/empty to clear it)."},
		actPlaceholder: {stepPlaceholder, "setinline", "OK. Send me the placeholder users see when they type @" + bot.Username + "."},
		actCommands: {stepCommands, "setcommands", "OK. Send me the list of commands for @" + bot.Username +
			", one a line:\n\ncommand1 - Description\ncommand2 - Another description\n\nor /empty to clear it."},
		actGameAdd: {stepGameShortName, "newgame", "OK. Send me a short name for the game: 3 to 64 letters, digits and underscores."},
		actTransfer: {stepTransferTo, "transfer", "OK. Send me the @username of the new owner of @" + bot.Username +
			". They must have talked to me before. You will confirm with your two-step verification password."},
	}
	q, ok := qs[p.data.action]
	if !ok {
		return answer{}, nil // an old or unknown button: answered, nothing done
	}
	if err := b.ask(ctx, p.user, bot, q.step, q.command, q.text); err != nil {
		return answer{}, err
	}
	return toast("Waiting for your message"), nil
}

// deleteGame deletes the game a button names.
func (b *BotFather) deleteGame(ctx context.Context, p press, bot *store.User) (answer, error) {
	g, err := b.st.Games().Get(ctx, p.data.arg)
	if errors.Is(err, store.ErrNotFound) || (err == nil && g.BotID != bot.ID) {
		return toast("That game is already gone."), nil
	} else if err != nil {
		return answer{}, err
	}
	if err := b.st.Games().Delete(ctx, bot.ID, g.ShortName); err != nil && !errors.Is(err, store.ErrNotFound) {
		return answer{}, err
	}
	games, err := b.st.Games().List(ctx, bot.ID)
	if err != nil {
		return answer{}, err
	}
	text, m := gamesView(bot, games)
	return alert("The game " + g.ShortName + " is deleted."), b.edit(ctx, p.user, p.msgID, text, m)
}

// transfer hands bot to the user the confirmation names. The button has
// requires_password: the server checked the presser's SRP proof before
// this update came, and ownBot that the presser owns the bot.
func (b *BotFather) transfer(ctx context.Context, p press, bot *store.User) (answer, error) {
	to, err := b.st.Users().Get(ctx, p.data.arg)
	if errors.Is(err, store.ErrNotFound) || (err == nil && to.Bot) {
		return alert("That user is gone; the bot stays yours."), nil
	} else if err != nil {
		return answer{}, err
	}
	if err := b.st.Users().SetBotOwner(ctx, bot.ID, p.user, to.ID); errors.Is(err, store.ErrNotFound) {
		return answer{}, errNotYours
	} else if err != nil {
		return answer{}, err
	}
	b.log.Info("bot transferred", "bot", bot.ID, "from", p.user, "to", to.ID)
	done := fmt.Sprintf("Done! @%s now belongs to %s @%s.", bot.Username, to.FirstName, to.Username)
	if err := b.edit(ctx, p.user, p.msgID, done, nil); err != nil {
		return answer{}, err
	}
	from, err := b.st.Users().Get(ctx, p.user)
	if err != nil {
		return answer{}, err
	}
	notice := fmt.Sprintf("%s transferred the bot @%s to you. Use /mybots to manage it.", from.FirstName, bot.Username)
	if err := b.send(ctx, to.ID, notice, keyboard(backTo(bot))); err != nil {
		b.log.Warn("tell the new owner", "user", to.ID, "err", err)
	}
	return alert(done), nil
}
