package store

import (
	"context"
	"time"
)

// User is an account: a person (signed up by phone) or a bot.
type User struct {
	// ID is the user id, shared by people and bots.
	ID int64
	// Phone is the phone number, digits only; empty for bots.
	Phone string
	// FirstName and LastName are the profile name; a bot has only a first name.
	FirstName, LastName string
	// Username is the public @username without the @, empty when none.
	Username string
	// About is the profile's bio (a bot's description).
	About string
	// Bot reports whether the account is a bot.
	Bot bool
	// BotToken is the secret half of a bot's token (<id>:<secret>).
	BotToken string
	// BotOwner is the user who owns a bot; zero when made by the CLI.
	BotOwner int64
	// BotInline reports whether the bot has inline mode on.
	BotInline bool
	// BotInlinePlaceholder is the input placeholder shown in inline mode.
	BotInlinePlaceholder string
	// BotCommands are the commands a bot lists in its bot_info.
	BotCommands []BotCommand
	// Password is the 2FA SRP verifier; nil when the account has no password.
	Password *Password
	// CreatedAt is when the account was made.
	CreatedAt time.Time
}

// BotCommand is one command a bot offers (botCommand): its name without the
// slash and what it does.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// Password is what is kept of a 2FA password: the SRP salts and verifier
// (g^x mod p), never the password itself.
type Password struct {
	Salt1, Salt2 []byte
	Verifier     []byte
	Hint         string
}

// Users stores accounts.
type Users interface {
	// Create stores a new account and sets u.ID; a phone or username already
	// taken gives ErrConflict.
	Create(ctx context.Context, u *User) error
	// Get returns the account with this id, or ErrNotFound.
	Get(ctx context.Context, id int64) (*User, error)
	// GetMany returns the accounts that exist among ids, keyed by id.
	GetMany(ctx context.Context, ids []int64) (map[int64]*User, error)
	// ByPhone returns the account with this phone number, or ErrNotFound.
	ByPhone(ctx context.Context, phone string) (*User, error)
	// ByUsername returns the account with this username (case-insensitive), or ErrNotFound.
	ByUsername(ctx context.Context, username string) (*User, error)
	// SetPassword sets (or with nil removes) the account's 2FA verifier.
	SetPassword(ctx context.Context, id int64, p *Password) error
	// SetUsername sets (or with "" removes) the account's username; one taken
	// by another account or a channel gives ErrConflict.
	SetUsername(ctx context.Context, id int64, username string) error
	// SetBotInline turns a bot's inline mode on (with its input placeholder) or off.
	SetBotInline(ctx context.Context, id int64, on bool, placeholder string) error
	// SetProfile changes the account's names and about text.
	SetProfile(ctx context.Context, id int64, first, last, about string) error
	// BotsOf returns the bots owner owns, oldest first.
	BotsOf(ctx context.Context, owner int64) ([]*User, error)
	// SetBotOwner hands bot id from owner from to owner to; ErrNotFound
	// when id is no bot of from's.
	SetBotOwner(ctx context.Context, id, from, to int64) error
	// SetBotToken replaces a bot's token secret.
	SetBotToken(ctx context.Context, id int64, secret string) error
	// SetBotCommands replaces a bot's command list.
	SetBotCommands(ctx context.Context, id int64, cmds []BotCommand) error
	// DeleteBot deletes a bot in one transaction: its username is freed, its
	// token, owner, inline mode, commands and games are gone. The account
	// stays, so the messages it sent still name their sender.
	DeleteBot(ctx context.Context, id int64) error
}
