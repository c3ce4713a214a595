package botfather

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store"
)

// Limits of what bot authors send BotFather, as Telegram's BotFather has them.
const (
	maxNameLength        = 64
	maxDescriptionLength = 512
	maxPlaceholderLength = 64
	maxCommands          = 100
	maxCommandLength     = 32
	maxCommandDescLength = 256
	maxGameTitleLength   = 64
	maxBotsPerOwner      = 20
)

// command returns the command a message starts with, lower case and without
// the slash or a "@BotFather" suffix, and whether it is one.
func command(text string) (string, bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return "", false
	}
	word, _, _ := strings.Cut(text[1:], " ")
	word, at, found := strings.Cut(word, "@")
	if found && !strings.EqualFold(at, Username) {
		return "", false
	}
	return strings.ToLower(word), word != ""
}

// checkName checks a bot's display name; problem is what to tell the user.
func checkName(text string) (name, problem string) {
	name = strings.TrimSpace(text)
	switch {
	case name == "":
		return "", "Sorry, the name can't be empty. Please try again."
	case utf8.RuneCountInString(name) > maxNameLength:
		return "", fmt.Sprintf("Sorry, the name is too long: %d characters at most. Please try again.", maxNameLength)
	}
	return name, ""
}

// checkBotUsername checks a new bot's username (free or not is the store's
// business); problem is what to tell the user.
func checkBotUsername(text string) (username, problem string) {
	username = strings.TrimPrefix(strings.TrimSpace(text), "@")
	switch {
	case !chat.ValidUsername(username):
		return "", "Sorry, this username is invalid. A username has 5 to 32 characters: letters, digits and " +
			"underscores, starting with a letter. Please try again."
	case !strings.HasSuffix(strings.ToLower(username), "bot"):
		return "", "Sorry, the username must end in 'bot'. E.g. 'Tetris_bot' or 'Tetrisbot'. Please try again."
	}
	return username, ""
}

// checkDescription checks a bot's description; "/empty" clears it.
func checkDescription(text string) (desc, problem string) {
	desc = strings.TrimSpace(text)
	if desc == "/empty" {
		return "", ""
	}
	if utf8.RuneCountInString(desc) > maxDescriptionLength {
		return "", fmt.Sprintf("Sorry, the description is too long: %d characters at most.", maxDescriptionLength)
	}
	return desc, ""
}

// checkPlaceholder checks the input placeholder of a bot's inline mode.
func checkPlaceholder(text string) (placeholder, problem string) {
	placeholder = strings.TrimSpace(text)
	switch {
	case placeholder == "":
		return "", "Sorry, the placeholder can't be empty."
	case utf8.RuneCountInString(placeholder) > maxPlaceholderLength:
		return "", fmt.Sprintf("Sorry, the placeholder is too long: %d characters at most.", maxPlaceholderLength)
	}
	return placeholder, ""
}

// parseCommands reads a command list, one "command - description" a line;
// "/empty" clears the list.
func parseCommands(text string) (cmds []store.BotCommand, problem string) {
	text = strings.TrimSpace(text)
	if text == "/empty" {
		return nil, ""
	}
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, desc, ok := strings.Cut(line, " - ")
		name, desc = strings.TrimPrefix(strings.TrimSpace(name), "/"), strings.TrimSpace(desc)
		switch {
		case !ok || name == "" || desc == "":
			return nil, fmt.Sprintf("Line %d is not 'command - description'.", i+1)
		case len(name) > maxCommandLength || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != "":
			return nil, fmt.Sprintf("Line %d: a command has 1 to %d lower-case letters, digits and underscores.", i+1, maxCommandLength)
		case utf8.RuneCountInString(desc) > maxCommandDescLength:
			return nil, fmt.Sprintf("Line %d: the description is longer than %d characters.", i+1, maxCommandDescLength)
		case seen[name]:
			return nil, fmt.Sprintf("Line %d: /%s is listed twice.", i+1, name)
		}
		seen[name] = true
		cmds = append(cmds, store.BotCommand{Command: name, Description: desc})
	}
	switch {
	case len(cmds) == 0:
		return nil, "Please send at least one 'command - description' line, or /empty."
	case len(cmds) > maxCommands:
		return nil, fmt.Sprintf("Sorry, %d commands at most.", maxCommands)
	}
	return cmds, ""
}

// checkGameShortName checks a game's short name, as `bot game add` does.
func checkGameShortName(text string) (name, problem string) {
	name = strings.TrimSpace(text)
	if len(name) < 3 || len(name) > 64 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
		return "", "Sorry, a short name has 3 to 64 letters, digits and underscores. Please try again."
	}
	return name, ""
}

// checkGameTitle checks a game's title.
func checkGameTitle(text string) (title, problem string) {
	title = strings.TrimSpace(text)
	if title == "" || utf8.RuneCountInString(title) > maxGameTitleLength {
		return "", fmt.Sprintf("Sorry, a title has 1 to %d characters. Please try again.", maxGameTitleLength)
	}
	return title, ""
}

// checkGameURL checks a game's URL: http or https with a host.
func checkGameURL(text string) (gameURL, problem string) {
	gameURL = strings.TrimSpace(text)
	u, err := url.Parse(gameURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", "Sorry, the game's URL must be an http or https URL. Please try again."
	}
	return gameURL, ""
}

// callbackData is what a BotFather button carries: an action, the bot it
// acts on and one more number (a game or a user), as "action:bot:arg".
type callbackData struct {
	action string
	bot    int64
	arg    int64
}

// String encodes d as callback data (at most 45 bytes: well under 64).
func (d callbackData) String() string {
	switch {
	case d.bot == 0:
		return d.action
	case d.arg == 0:
		return d.action + ":" + strconv.FormatInt(d.bot, 10)
	}
	return d.action + ":" + strconv.FormatInt(d.bot, 10) + ":" + strconv.FormatInt(d.arg, 10)
}

// parseData decodes callback data made by callbackData.String.
func parseData(s string) (callbackData, bool) {
	parts := strings.Split(s, ":")
	if len(parts) > 3 || parts[0] == "" {
		return callbackData{}, false
	}
	d := callbackData{action: parts[0]}
	nums := []*int64{&d.bot, &d.arg}
	for i, p := range parts[1:] {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n <= 0 {
			return callbackData{}, false
		}
		*nums[i] = n
	}
	return d, true
}
