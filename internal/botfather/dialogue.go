package botfather

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store"
)

// step is what BotFather waits for from a user.
type step int

const (
	stepNone step = iota
	stepNewBotName
	stepNewBotUsername
	stepName
	stepDescription
	stepPlaceholder
	stepCommands
	stepGameShortName
	stepGameTitle
	stepGameURL
	stepTransferTo
)

// dialog is a conversation in progress. Nothing is stored until its last
// answer, so a user who walks away midway leaves nothing half-made.
type dialog struct {
	step    step
	command string // what /cancel names
	bot     int64  // the bot being edited
	name    string // /newbot: the name chosen
	game    store.Game
}

// errNotYours answers an action on a bot the user does not own.
var errNotYours = errors.New("not the owner")

// ownBot loads botID for user, errNotYours unless user owns it.
func (b *BotFather) ownBot(ctx context.Context, user, botID int64) (*store.User, error) {
	bot, err := b.st.Users().Get(ctx, botID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotYours
	} else if err != nil {
		return nil, fmt.Errorf("bot %d: %w", botID, err)
	}
	if !bot.Bot || bot.BotOwner != user || bot.BotToken == "" {
		return nil, errNotYours
	}
	return bot, nil
}

// onMessage answers a user's message: a command, or the answer the user's
// dialog waits for.
func (b *BotFather) onMessage(ctx context.Context, user int64, text string) error {
	if cmd, ok := command(text); ok {
		return b.onCommand(ctx, user, cmd)
	}
	d := b.dialogs[user]
	if d == nil {
		return b.send(ctx, user, "I don't understand. "+helpText, nil)
	}
	if d.step == stepNewBotName || d.step == stepNewBotUsername {
		return b.newBot(ctx, user, d, text)
	}
	bot, err := b.ownBot(ctx, user, d.bot)
	if errors.Is(err, errNotYours) {
		delete(b.dialogs, user)
		return b.send(ctx, user, "That bot is no longer yours. Use /mybots to see your bots.", nil)
	} else if err != nil {
		return err
	}
	return b.editBot(ctx, user, d, bot, text)
}

// onCommand runs a command; any command ends the dialog in progress.
func (b *BotFather) onCommand(ctx context.Context, user int64, cmd string) error {
	prev := b.dialogs[user]
	delete(b.dialogs, user)
	pick := map[string]struct{ action, prompt string }{
		"token":       {actToken, "Choose a bot to get its token."},
		"revoke":      {actRevoke, "Choose a bot to revoke its token. The old token stops working at once."},
		"deletebot":   {actDelete, "Choose a bot to delete."},
		"setcommands": {actCommands, "Choose a bot to change its list of commands."},
		"mybots":      {actBot, "Choose a bot from the list below:"},
	}
	switch cmd {
	case "start", "help":
		return b.send(ctx, user, helpText, nil)
	case "cancel":
		if prev == nil {
			return b.send(ctx, user, "No active command to cancel. I wasn't doing anything anyway.", nil)
		}
		return b.send(ctx, user, "The command /"+prev.command+" has been cancelled. Anything else I can do for you?", nil)
	case "newbot":
		bots, err := b.st.Users().BotsOf(ctx, user)
		if err != nil {
			return err
		}
		if len(bots) >= maxBotsPerOwner {
			return b.send(ctx, user, fmt.Sprintf("Sorry, you already have %d bots; delete one first (/deletebot).", maxBotsPerOwner), nil)
		}
		b.dialogs[user] = &dialog{step: stepNewBotName, command: cmd}
		return b.send(ctx, user, "Alright, a new bot. How are we going to call it? Please choose a name for your bot.", nil)
	}
	p, ok := pick[cmd]
	if !ok {
		return b.send(ctx, user, "Unrecognized command. "+helpText, nil)
	}
	bots, err := b.st.Users().BotsOf(ctx, user)
	if err != nil {
		return err
	}
	if len(bots) == 0 {
		return b.send(ctx, user, noBots, nil)
	}
	return b.send(ctx, user, p.prompt, pickBot(bots, p.action))
}

// newBot walks /newbot: a name, then a username; the bot is made in one
// store call once both are good.
func (b *BotFather) newBot(ctx context.Context, user int64, d *dialog, text string) error {
	if d.step == stepNewBotName {
		name, problem := checkName(text)
		if problem != "" {
			return b.send(ctx, user, problem, nil)
		}
		d.name, d.step = name, stepNewBotUsername
		return b.send(ctx, user, "Good. Now let's choose a username for your bot. It must end in 'bot'. "+
			"Like this, for example: TetrisBot or tetris_bot.", nil)
	}
	username, problem := checkBotUsername(text)
	if problem != "" {
		return b.send(ctx, user, problem, nil)
	}
	bot, token, err := chat.CreateBot(ctx, b.st.Users(), b.rand, b.now(), username, d.name, user)
	if errors.Is(err, chat.ErrUsernameOccupied) {
		return b.send(ctx, user, "Sorry, this username is already taken. Please try something different.", nil)
	} else if err != nil {
		return err
	}
	delete(b.dialogs, user)
	b.log.Info("bot created", "bot", bot.ID, "username", bot.Username, "owner", user)
	return b.send(ctx, user, fmt.Sprintf("Done! Congratulations on your new bot. You will find it at t.me/%s. "+
		"Use /mybots to edit it.\n\nUse this token to log your bot in (auth.importBotAuthorization):\n%s\n\n"+
		"Keep your token secure and store it safely, it can be used by anyone to control your bot.", bot.Username, token),
		keyboard(backTo(bot)))
}

// editBot takes the answer a dialog about bot waits for.
func (b *BotFather) editBot(ctx context.Context, user int64, d *dialog, bot *store.User, text string) error {
	var problem string
	done := ""
	switch d.step {
	case stepName:
		var name string
		if name, problem = checkName(text); problem == "" {
			if err := b.st.Users().SetProfile(ctx, bot.ID, name, "", bot.About); err != nil {
				return err
			}
			done = "Success! Name updated."
		}
	case stepDescription:
		var desc string
		if desc, problem = checkDescription(text); problem == "" {
			if err := b.st.Users().SetProfile(ctx, bot.ID, bot.FirstName, bot.LastName, desc); err != nil {
				return err
			}
			done = "Success! Description updated."
		}
	case stepPlaceholder:
		var ph string
		if ph, problem = checkPlaceholder(text); problem == "" {
			if err := b.st.Users().SetBotInline(ctx, bot.ID, true, ph); err != nil {
				return err
			}
			done = "Success! Inline placeholder updated."
		}
	case stepCommands:
		var cmds []store.BotCommand
		if cmds, problem = parseCommands(text); problem == "" {
			if err := b.st.Users().SetBotCommands(ctx, bot.ID, cmds); err != nil {
				return err
			}
			done = fmt.Sprintf("Success! Command list updated: %d commands.", len(cmds))
		}
	case stepGameShortName, stepGameTitle, stepGameURL:
		return b.addGame(ctx, user, d, bot, text)
	case stepTransferTo:
		return b.transferTo(ctx, user, bot, text)
	}
	if problem != "" {
		return b.send(ctx, user, problem, nil)
	}
	delete(b.dialogs, user)
	return b.send(ctx, user, done, keyboard(backTo(bot)))
}

// addGame walks a new game: short name, title, URL; the game is stored in
// one call once all three are good.
func (b *BotFather) addGame(ctx context.Context, user int64, d *dialog, bot *store.User, text string) error {
	switch d.step {
	case stepGameShortName:
		name, problem := checkGameShortName(text)
		if problem != "" {
			return b.send(ctx, user, problem, nil)
		}
		if _, err := b.st.Games().ByShortName(ctx, bot.ID, name); err == nil {
			return b.send(ctx, user, "Sorry, the bot already has a game with this short name. Please try another.", nil)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		d.game.ShortName, d.step = name, stepGameTitle
		return b.send(ctx, user, "Now send me the game's title.", nil)
	case stepGameTitle:
		title, problem := checkGameTitle(text)
		if problem != "" {
			return b.send(ctx, user, problem, nil)
		}
		d.game.Title, d.step = title, stepGameURL
		return b.send(ctx, user, "And the game's URL: the page the game's Play button opens.", nil)
	}
	gameURL, problem := checkGameURL(text)
	if problem != "" {
		return b.send(ctx, user, problem, nil)
	}
	g := d.game
	g.BotID, g.URL = bot.ID, gameURL
	if err := b.st.Games().Add(ctx, &g); errors.Is(err, store.ErrConflict) {
		delete(b.dialogs, user)
		return b.send(ctx, user, "Sorry, the bot already has a game with this short name.", keyboard(backTo(bot)))
	} else if err != nil {
		return err
	}
	delete(b.dialogs, user)
	return b.send(ctx, user, fmt.Sprintf("Done! The game %s (%s) is added to @%s. Send it with messages.sendMedia(inputMediaGame).",
		g.Title, g.ShortName, bot.Username), keyboard(row(button("Games", callbackData{action: actGames, bot: bot.ID}))))
}

// transferTo takes the new owner's username and asks for the password
// confirmation. The new owner must be a person who has talked to BotFather.
func (b *BotFather) transferTo(ctx context.Context, user int64, bot *store.User, text string) error {
	username := strings.TrimPrefix(strings.TrimSpace(text), "@")
	var to *store.User
	if chat.ValidUsername(username) {
		u, err := b.st.Users().ByUsername(ctx, username)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		to = u
	}
	if to == nil || to.Bot {
		return b.send(ctx, user, "Sorry, I don't know a user with this username. Please send the new owner's @username.", nil)
	}
	if to.ID == user {
		return b.send(ctx, user, "You already own this bot. Please send the new owner's @username.", nil)
	}
	talked, err := b.hasTalked(ctx, to.ID)
	if err != nil {
		return err
	}
	if !talked {
		return b.send(ctx, user, fmt.Sprintf("@%s has never talked to me. Ask them to send me /start, then send the username again.", to.Username), nil)
	}
	delete(b.dialogs, user)
	msg, markup := transferView(bot, to)
	return b.send(ctx, user, msg, markup)
}

// hasTalked reports whether user has a private chat with BotFather.
func (b *BotFather) hasTalked(ctx context.Context, user int64) (bool, error) {
	msgs, err := b.st.Boxes().History(ctx, b.id, store.Peer{Type: store.PeerUser, ID: user}, 0, 1)
	if err != nil {
		return false, fmt.Errorf("chat with %d: %w", user, err)
	}
	return len(msgs) > 0, nil
}

// ask starts a dialog about bot and sends its question.
func (b *BotFather) ask(ctx context.Context, user int64, bot *store.User, s step, command, question string) error {
	b.dialogs[user] = &dialog{step: s, command: command, bot: bot.ID}
	return b.send(ctx, user, question+"\n\nSend /cancel to stop.", nil)
}
