// Package store defines how buttonflow keeps its state: the Store interface
// and the records it holds. Implementations live in subpackages: store/sqlite
// (the embedded default) and, for a cluster, store/postgres. The domain only
// ever sees these interfaces.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a unique field (phone, username, random_id)
// is already taken.
var ErrConflict = errors.New("store: conflict")

// Store is the whole persistent state of a buttonflow server.
type Store interface {
	// AuthKeys holds MTProto auth keys and what is bound to them.
	AuthKeys() AuthKeys
	// Users holds accounts: people and bots.
	Users() Users
	// Boxes reads message boxes and update logs; Write changes them.
	Boxes() Boxes
	// Chats reads basic groups and channels; Write changes them.
	Chats() Chats
	// Games holds bots' games.
	Games() Games
	// Scores holds games' high scores, per chat_instance.
	Scores() GameScores
	// URLAuths holds the websites users let bots log them in to.
	URLAuths() URLAuths
	// BotAPI holds the HTTP Bot API's per-bot state and update queues.
	BotAPI() BotAPI
	// Write runs fn in one write transaction: everything fn did is committed
	// together when it returns nil, and nothing when it returns an error.
	Write(ctx context.Context, fn func(tx Tx) error) error
	// Close releases the store's resources.
	Close() error
}

// AuthKey is an MTProto auth key as the server keeps it.
type AuthKey struct {
	// ID is the auth key id: the low 64 bits of SHA1(key), as sent on the wire.
	ID int64
	// Key is the 2048-bit key itself.
	Key [256]byte
	// CreatedAt is when the key exchange completed.
	CreatedAt time.Time
	// ExpiresAt is when a temporary key stops being valid; zero for permanent keys.
	ExpiresAt time.Time
	// PermID is, for a temporary key bound with auth.bindTempAuthKey, the id of
	// the permanent key it acts for; zero otherwise.
	PermID int64
	// UserID is the account logged in with this (permanent) key; zero when none.
	UserID int64
	// Bot reports whether UserID is a bot.
	Bot bool
	// Client is what the client said of itself in initConnection.
	Client ClientInfo
}

// Temp reports whether the key is a temporary (PFS) key.
func (k *AuthKey) Temp() bool { return !k.ExpiresAt.IsZero() }

// ClientInfo is what initConnection told the server about the client.
type ClientInfo struct {
	Layer          int
	APIID          int
	DeviceModel    string
	SystemVersion  string
	AppVersion     string
	SystemLangCode string
	LangPack       string
	LangCode       string
	IP             string
	UpdatedAt      time.Time
}

// AuthKeys stores auth keys.
type AuthKeys interface {
	// Get returns the key with this id, or ErrNotFound.
	Get(ctx context.Context, id int64) (*AuthKey, error)
	// Create stores a new key; creating a key whose id exists is an error.
	Create(ctx context.Context, k *AuthKey) error
	// Delete removes a key (and the temporary keys bound to it).
	Delete(ctx context.Context, id int64) error
	// Bind binds the temporary key tempID to the permanent key permID until
	// expiresAt, replacing any earlier binding of tempID.
	Bind(ctx context.Context, tempID, permID int64, expiresAt time.Time) error
	// SetUser records which account (a bot when bot is set) is logged in
	// with the permanent key id (zero logs out).
	SetUser(ctx context.Context, id, userID int64, bot bool) error
	// OfUser returns the permanent keys userID is logged in with.
	OfUser(ctx context.Context, userID int64) ([]int64, error)
	// SetClient records the client's initConnection parameters for key id.
	SetClient(ctx context.Context, id int64, c ClientInfo) error
	// DeleteExpired removes temporary keys that expired before now and returns
	// how many it removed.
	DeleteExpired(ctx context.Context, now time.Time) (int, error)
}
