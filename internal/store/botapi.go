package store

import (
	"context"
	"time"
)

// BotAPIBot is what the HTTP Bot API keeps for a bot that has used it.
type BotAPIBot struct {
	// BotID is the bot's account.
	BotID int64
	// Pts is the bot's update log position the Bot API has read up to.
	Pts int
	// AllowedUpdates are the update kinds the bot receives (empty for the
	// Bot API's default set).
	AllowedUpdates []string
	// Webhook is the bot's webhook; its URL is empty when none is set.
	Webhook Webhook
}

// Webhook is where and how the Bot API posts a bot's updates.
type Webhook struct {
	URL            string
	SecretToken    string
	MaxConnections int
	// LastErrorDate and LastErrorMessage describe the latest failed delivery.
	LastErrorDate    time.Time
	LastErrorMessage string
}

// BotAPIUpdate is one update queued for a bot.
type BotAPIUpdate struct {
	// ID is the update_id: increasing, never reused.
	ID int64
	// Kind is the update's field name ("message", "callback_query", ...).
	Kind string
	// Payload is the update as a JSON object without its update_id.
	Payload []byte
	// CreatedAt is when it was queued.
	CreatedAt time.Time
}

// BotAPI stores the HTTP Bot API's per-bot state and update queues, so
// updates survive between polls and across restarts.
type BotAPI interface {
	// Bot returns a bot's state, or ErrNotFound when it never used the Bot API.
	Bot(ctx context.Context, botID int64) (*BotAPIBot, error)
	// Bots lists every bot with Bot API state.
	Bots(ctx context.Context) ([]*BotAPIBot, error)
	// PutBot creates or replaces a bot's state; its pts only moves forward,
	// so a state read before a Queue cannot take the log back.
	PutBot(ctx context.Context, b *BotAPIBot) error
	// Queue appends updates (their IDs given, from ReserveIDs) for a bot
	// and moves its pts to pts, in one transaction.
	Queue(ctx context.Context, botID int64, pts int, updates []*BotAPIUpdate) error
	// ReservedIDs is the highest update_id reserved or used so far (zero
	// for none).
	ReservedIDs(ctx context.Context) (int64, error)
	// ReserveIDs records that update_ids up to through may have been handed out.
	ReserveIDs(ctx context.Context, through int64) error
	// Pending returns up to limit queued updates with ID >= fromID, oldest first.
	Pending(ctx context.Context, botID, fromID int64, limit int) ([]*BotAPIUpdate, error)
	// Confirm drops the bot's updates with ID < belowID.
	Confirm(ctx context.Context, botID, belowID int64) error
	// Drop removes every queued update of the bot.
	Drop(ctx context.Context, botID int64) error
	// SetWebhookError records a failed webhook delivery.
	SetWebhookError(ctx context.Context, botID int64, at time.Time, message string) error
}
