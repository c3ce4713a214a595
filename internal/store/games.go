package store

import "context"

// Game is an HTML5 game registered for a bot (keyboardButtonGame opens it).
type Game struct {
	ID          int64
	BotID       int64
	ShortName   string
	Title       string
	Description string
	// URL is the game's page: the one URL a bot may answer a game button with.
	URL string
}

// Games stores bots' games.
type Games interface {
	// Add stores a game and sets g.ID; a short name the bot already uses gives ErrConflict.
	Add(ctx context.Context, g *Game) error
	// ByShortName returns a bot's game, or ErrNotFound.
	ByShortName(ctx context.Context, botID int64, shortName string) (*Game, error)
	// Get returns a game by id, or ErrNotFound.
	Get(ctx context.Context, id int64) (*Game, error)
	// List returns a bot's games.
	List(ctx context.Context, botID int64) ([]*Game, error)
	// Delete removes a bot's game; ErrNotFound when it has none by that name.
	Delete(ctx context.Context, botID int64, shortName string) error
}
