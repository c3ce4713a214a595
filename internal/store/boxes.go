package store

import (
	"context"
	"time"
)

// PeerType is the kind of chat a message belongs to.
type PeerType int

// Peer types, as stored.
const (
	PeerUser    PeerType = 1
	PeerChat    PeerType = 2
	PeerChannel PeerType = 3
)

// Peer is a chat as the owner of a message box sees it: the other user of a
// private chat, a basic group or a channel.
type Peer struct {
	Type PeerType
	ID   int64
}

// Message is one message in one account's box. Private chats and basic
// groups keep a copy per participant, each with the owner's own message id,
// as Telegram does.
type Message struct {
	// Owner is the account whose box holds the message.
	Owner int64
	// ID is the message id in the owner's box.
	ID int
	// Peer is the chat the message is in.
	Peer Peer
	// FromID is the sender.
	FromID int64
	// RandomID is the sender's random_id (sender's box only), zero otherwise.
	RandomID int64
	// Ref is shared by every copy of one message across boxes, so an edit or
	// a deletion reaches them all.
	Ref int64
	// Date is when the message was sent.
	Date time.Time
	// Body is the message as clients get it: a TL-encoded tg.Message of the
	// newest layer.
	Body []byte
}

// Update is one entry of an account's update log, numbered by pts.
type Update struct {
	// Pts is the account's pts after this update.
	Pts int
	// PtsCount is how many pts the update took.
	PtsCount int
	// Date is when it happened.
	Date time.Time
	// Body is the TL-encoded tg.UpdateClass of the newest layer.
	Body []byte
}

// State is an account's update state, as updates.getState reports it.
type State struct {
	Pts, Qts, Seq int
	Date          time.Time
	// MaxMessageID is the last message id given out in the account's box.
	MaxMessageID int
}

// Boxes reads message boxes and update logs.
type Boxes interface {
	// State returns an account's update state (zero for a new account).
	State(ctx context.Context, owner int64) (State, error)
	// Message returns one message of an account's box, or ErrNotFound.
	Message(ctx context.Context, owner int64, id int) (*Message, error)
	// Copies returns every copy of the message with this Ref, across boxes.
	Copies(ctx context.Context, ref int64) ([]*Message, error)
	// CopyID returns the id of owner's copy of the message with this Ref, or ErrNotFound.
	CopyID(ctx context.Context, ref, owner int64) (int, error)
	// History returns the messages of a chat in an account's box, newest
	// first, with ids below beforeID (all when zero), at most limit.
	History(ctx context.Context, owner int64, peer Peer, beforeID, limit int) ([]*Message, error)
	// Updates returns the log entries with pts above fromPts, oldest first, at most limit.
	Updates(ctx context.Context, owner int64, fromPts, limit int) ([]Update, error)
	// Dialogs returns the newest message of each chat in an account's box,
	// newest first, at most limit: the private chats and basic groups it has.
	Dialogs(ctx context.Context, owner int64, limit int) ([]*Message, error)
}

// Tx is a write transaction over accounts' boxes, update logs, groups and channels.
type Tx interface {
	ChatTx
	// State returns an account's update state as of this transaction.
	State(owner int64) (State, error)
	// NextMessageID gives out the next message id of an account's box.
	NextMessageID(owner int64) (int, error)
	// PutMessage stores a message, replacing one with the same owner and id;
	// a random_id the owner already used gives ErrConflict.
	PutMessage(m *Message) error
	// Message returns one message of an account's box, or ErrNotFound.
	Message(owner int64, id int) (*Message, error)
	// Copies returns every copy of the message with this Ref.
	Copies(ref int64) ([]*Message, error)
	// MessageByRandomID returns the owner's message sent with randomID, or ErrNotFound.
	MessageByRandomID(owner, randomID int64) (*Message, error)
	// DeleteMessage removes a message from an account's box; a missing one is ErrNotFound.
	DeleteMessage(owner int64, id int) error
	// AddUpdate appends body to an account's update log, taking ptsCount pts,
	// and returns the new pts.
	AddUpdate(owner int64, ptsCount int, date time.Time, body []byte) (int, error)
	// NextSeq gives out the next seq of an account (one per Updates container).
	NextSeq(owner int64, date time.Time) (int, error)
}
