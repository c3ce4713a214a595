package chat

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/buttonflow/buttonflow/internal/store"
)

// AddGame registers a game for the bot with this username. Short names are
// 3 to 64 characters of letters, digits and _, as Telegram's @BotFather asks;
// the URL must be http(s). It needs only the store, so the CLI can run it
// beside a live server.
func AddGame(ctx context.Context, st store.Store, botUsername, shortName, title, description, gameURL string) (*store.Game, error) {
	bot, err := st.Users().ByUsername(ctx, strings.TrimPrefix(botUsername, "@"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !bot.Bot) {
		return nil, fmt.Errorf("no bot @%s", botUsername)
	} else if err != nil {
		return nil, fmt.Errorf("add game: %w", err)
	}
	if len(shortName) < 3 || len(shortName) > 64 || strings.Trim(shortName, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
		return nil, fmt.Errorf("game short name %q: 3-64 letters, digits and _", shortName)
	}
	if strings.TrimSpace(title) == "" {
		return nil, errors.New("a game needs a title")
	}
	u, err := url.Parse(gameURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("game URL %q: an http or https URL is needed", gameURL)
	}
	g := &store.Game{BotID: bot.ID, ShortName: shortName, Title: title, Description: description, URL: gameURL}
	if err := st.Games().Add(ctx, g); errors.Is(err, store.ErrConflict) {
		return nil, fmt.Errorf("@%s already has a game %q", botUsername, shortName)
	} else if err != nil {
		return nil, fmt.Errorf("add game: %w", err)
	}
	return g, nil
}
