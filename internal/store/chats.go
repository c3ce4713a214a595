package store

import (
	"context"
	"time"
)

// Member is a participant of a basic group or a channel.
type Member struct {
	UserID    int64
	InviterID int64
	Date      time.Time
	// Admin reports whether the member may post in a broadcast channel and
	// invite others (a channel's creator always may).
	Admin bool
}

// Chat is a basic group. Its messages live in every member's box, as
// Telegram keeps them.
type Chat struct {
	ID      int64
	Title   string
	Creator int64
	Date    time.Time
	// Version grows with every change of the member list.
	Version int
	Members []Member
}

// Channel is a broadcast channel or a supergroup (Megagroup). Its messages
// live in one box of its own, with its own pts.
type Channel struct {
	ID        int64
	Title     string
	About     string
	Username  string
	Megagroup bool
	Creator   int64
	Date      time.Time
	// Pts is the channel's update sequence; MaxMessageID its last message id.
	Pts          int
	MaxMessageID int
}

// Chats reads basic groups and channels.
type Chats interface {
	// Chat returns a basic group with its members, or ErrNotFound.
	Chat(ctx context.Context, id int64) (*Chat, error)
	// Channel returns a channel, or ErrNotFound.
	Channel(ctx context.Context, id int64) (*Channel, error)
	// ChannelByUsername returns the channel with this username, or ErrNotFound.
	ChannelByUsername(ctx context.Context, username string) (*Channel, error)
	// ChannelMember returns userID's membership of a channel, or ErrNotFound.
	ChannelMember(ctx context.Context, channelID, userID int64) (*Member, error)
	// ChannelMembers lists a channel's members.
	ChannelMembers(ctx context.Context, channelID int64) ([]Member, error)
	// ChannelsOf lists the ids of the channels userID is a member of.
	ChannelsOf(ctx context.Context, userID int64) ([]int64, error)
	// ChannelMessage returns one message of a channel, or ErrNotFound.
	ChannelMessage(ctx context.Context, channelID int64, id int) (*Message, error)
	// ChannelHistory returns a channel's messages with ids below beforeID
	// (all when zero), newest first, at most limit.
	ChannelHistory(ctx context.Context, channelID int64, beforeID, limit int) ([]*Message, error)
	// SetChannelUsername sets (or with "" removes) a channel's username; one
	// already taken gives ErrConflict.
	SetChannelUsername(ctx context.Context, channelID int64, username string) error
	// ChannelUpdates returns a channel's log entries above fromPts, oldest first, at most limit.
	ChannelUpdates(ctx context.Context, channelID int64, fromPts, limit int) ([]Update, error)
}

// ChatTx is the part of a write transaction that changes groups and channels.
type ChatTx interface {
	// CreateChat stores a new basic group with its members and sets c.ID.
	CreateChat(c *Chat) error
	// Chat returns a basic group with its members, or ErrNotFound.
	Chat(id int64) (*Chat, error)
	// AddChatMember adds a member and bumps the group's version; an existing
	// member gives ErrConflict.
	AddChatMember(chatID int64, m Member) error
	// RemoveChatMember removes a member and bumps the version; ErrNotFound when not one.
	RemoveChatMember(chatID, userID int64) error

	// CreateChannel stores a new channel and sets c.ID; a username already
	// taken gives ErrConflict.
	CreateChannel(c *Channel) error
	// Channel returns a channel as of this transaction, or ErrNotFound.
	Channel(id int64) (*Channel, error)
	// ChannelMember returns a membership, or ErrNotFound.
	ChannelMember(channelID, userID int64) (*Member, error)
	// AddChannelMember adds a member; an existing member gives ErrConflict.
	AddChannelMember(channelID int64, m Member) error
	// RemoveChannelMember removes a member; ErrNotFound when not one.
	RemoveChannelMember(channelID, userID int64) error
	// NextChannelMessageID gives out the channel's next message id.
	NextChannelMessageID(channelID int64) (int, error)
	// PutChannelMessage stores (or replaces) a channel message; m.Owner is the channel id.
	PutChannelMessage(m *Message) error
	// ChannelMessage returns one channel message, or ErrNotFound.
	ChannelMessage(channelID int64, id int) (*Message, error)
	// ChannelMessageByRandomID finds a sender's message by random_id, or ErrNotFound.
	ChannelMessageByRandomID(channelID, fromID, randomID int64) (*Message, error)
	// DeleteChannelMessage removes a channel message; ErrNotFound when missing.
	DeleteChannelMessage(channelID int64, id int) error
	// AddChannelUpdate appends to the channel's log, taking ptsCount pts, and
	// returns the new pts.
	AddChannelUpdate(channelID int64, ptsCount int, date time.Time, body []byte) (int, error)
}
