package store

import (
	"context"
	"time"
)

// ScoreBoard names one high-score table. Telegram keeps a game's scores per
// chat it is played in: a bot's game (by short name) in one chat_instance.
type ScoreBoard struct {
	BotID     int64
	ShortName string
	// ChatInstance is the chat_instance of the chat the game message is in,
	// as the bot's callback queries carry it.
	ChatInstance int64
}

// HighScore is one user's score on a board.
type HighScore struct {
	// Pos is the 1-based position on the board: higher scores first, and of
	// equal scores the one set first.
	Pos    int
	UserID int64
	Score  int
	// Date is when the score was set.
	Date time.Time
}

// GameScores stores games' high scores.
type GameScores interface {
	// Set records userID's score on board when the user has none yet or it
	// beats the stored one, or, with force, whenever it differs from the
	// stored one. It reports whether anything changed.
	Set(ctx context.Context, board ScoreBoard, userID int64, score int, date time.Time, force bool) (bool, error)
	// Delete removes userID's score from board; ErrNotFound when there is none.
	Delete(ctx context.Context, board ScoreBoard, userID int64) error
	// Around returns the scores at positions 1 to top and those within
	// around positions of userID's own (none when userID has no score), best
	// first, each once.
	Around(ctx context.Context, board ScoreBoard, userID int64, top, around int) ([]HighScore, error)
}

// URLAuth is a user's consent, given with messages.acceptUrlAuth, to be
// logged in to a website's domain by a bot (url authorization).
type URLAuth struct {
	UserID, BotID int64
	// Domain is the website's host name, lower case.
	Domain string
	// WriteAllowed reports whether the user also allowed the bot to write to them.
	WriteAllowed bool
	// Date is when the consent was given.
	Date time.Time
}

// URLAuths stores url authorization consents.
type URLAuths interface {
	// Accept records a consent, replacing an earlier one for the same user,
	// bot and domain.
	Accept(ctx context.Context, a *URLAuth) error
	// Get returns the consent of userID for botID on domain, or ErrNotFound.
	Get(ctx context.Context, userID, botID int64, domain string) (*URLAuth, error)
}
