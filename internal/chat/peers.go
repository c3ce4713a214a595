package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
)

// Errors of groups and channels.
var (
	ErrChatIDInvalid          = tgerr400("CHAT_ID_INVALID")
	ErrChannelPrivate         = tgerr400("CHANNEL_PRIVATE")
	ErrChatAdminRequired      = tgerr400("CHAT_ADMIN_REQUIRED")
	ErrChatWriteForbidden     = tgerr403("CHAT_WRITE_FORBIDDEN")
	ErrUserAlreadyParticipant = tgerr400("USER_ALREADY_PARTICIPANT")
	ErrUserNotParticipant     = tgerr400("USER_NOT_PARTICIPANT")
	ErrChatTitleEmpty         = tgerr400("CHAT_TITLE_EMPTY")
	ErrMessageDeleteForbidden = tgerr403("MESSAGE_DELETE_FORBIDDEN")
	ErrUsernameOccupiedRPC    = tgerr400("USERNAME_OCCUPIED")
	ErrUsernameNotModified    = tgerr400("USERNAME_NOT_MODIFIED")
)

// target is the chat an InputPeer names, as the caller may use it: exactly
// one of user, chat or channel is set.
type target struct {
	user    *store.User
	chat    *store.Chat
	channel *store.Channel
	// member is the caller's membership of channel; nil when not a member.
	member *store.Member
}

// peer is the target as a stored peer.
func (t *target) peer() store.Peer {
	switch {
	case t.chat != nil:
		return store.Peer{Type: store.PeerChat, ID: t.chat.ID}
	case t.channel != nil:
		return store.Peer{Type: store.PeerChannel, ID: t.channel.ID}
	}
	return store.Peer{Type: store.PeerUser, ID: t.user.ID}
}

// channelHash is the access_hash of a channel for viewer.
func (s *Service) channelHash(viewer, channelID int64) int64 {
	return s.accessHash(kindChannel, viewer, channelID)
}

// resolveTarget checks an InputPeer for viewer: the user's access hash, that
// viewer belongs to a basic group, and for a channel its access hash and, when
// the channel is private, membership (CHANNEL_PRIVATE otherwise).
func (s *Service) resolveTarget(ctx context.Context, viewer int64, in tg.InputPeerClass) (*target, error) {
	switch p := in.(type) {
	case *tg.InputPeerChat:
		c, err := s.memberChat(ctx, viewer, p.ChatID)
		if err != nil {
			return nil, err
		}
		return &target{chat: c}, nil
	case *tg.InputPeerChannel:
		return s.resolveChannel(ctx, viewer, &tg.InputChannel{ChannelID: p.ChannelID, AccessHash: p.AccessHash})
	case *tg.InputPeerChannelFromMessage:
		return nil, ErrChannelInvalid
	}
	u, err := s.resolvePeer(ctx, viewer, in)
	if err != nil {
		return nil, err
	}
	return &target{user: u}, nil
}

// memberChat returns a basic group viewer belongs to.
func (s *Service) memberChat(ctx context.Context, viewer, chatID int64) (*store.Chat, error) {
	c, err := s.st.Chats().Chat(ctx, chatID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrChatIDInvalid
	} else if err != nil {
		return nil, fmt.Errorf("chat %d: %w", chatID, err)
	}
	if !isChatMember(c, viewer) {
		return nil, ErrPeerIDInvalid
	}
	return c, nil
}

func isChatMember(c *store.Chat, userID int64) bool {
	for _, m := range c.Members {
		if m.UserID == userID {
			return true
		}
	}
	return false
}

// resolveChannel checks an InputChannel for viewer.
func (s *Service) resolveChannel(ctx context.Context, viewer int64, in tg.InputChannelClass) (*target, error) {
	ic, ok := in.(*tg.InputChannel)
	if !ok || ic.AccessHash != s.channelHash(viewer, ic.ChannelID) {
		return nil, ErrChannelInvalid
	}
	ch, err := s.st.Chats().Channel(ctx, ic.ChannelID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrChannelInvalid
	} else if err != nil {
		return nil, fmt.Errorf("channel %d: %w", ic.ChannelID, err)
	}
	m, err := s.st.Chats().ChannelMember(ctx, ch.ID, viewer)
	if errors.Is(err, store.ErrNotFound) {
		if ch.Username == "" {
			return nil, ErrChannelPrivate
		}
		m = nil
	} else if err != nil {
		return nil, fmt.Errorf("channel %d: %w", ch.ID, err)
	}
	return &target{channel: ch, member: m}, nil
}

// chatFor renders a basic group for viewer.
func chatFor(viewer int64, c *store.Chat) tg.ChatClass {
	if !isChatMember(c, viewer) {
		return &tg.ChatForbidden{ID: c.ID, Title: c.Title}
	}
	return &tg.Chat{
		ID: c.ID, Title: c.Title, Photo: &tg.ChatPhotoEmpty{}, ParticipantsCount: len(c.Members),
		Date: int(c.Date.Unix()), Version: c.Version, Creator: c.Creator == viewer,
	}
}

// channelFor renders a channel for viewer (member is viewer's membership, nil when none).
func (s *Service) channelFor(viewer int64, c *store.Channel, member *store.Member) tg.ChatClass {
	return &tg.Channel{
		ID: c.ID, AccessHash: s.channelHash(viewer, c.ID), Title: c.Title, Username: c.Username,
		Photo: &tg.ChatPhotoEmpty{}, Date: int(c.Date.Unix()),
		Broadcast: !c.Megagroup, Megagroup: c.Megagroup, Creator: c.Creator == viewer, Left: member == nil,
	}
}

// chatsOf renders the chat a target names (none for a user).
func (s *Service) chatsOf(viewer int64, t *target) []tg.ChatClass {
	switch {
	case t.chat != nil:
		return []tg.ChatClass{chatFor(viewer, t.chat)}
	case t.channel != nil:
		return []tg.ChatClass{s.channelFor(viewer, t.channel, t.member)}
	}
	return []tg.ChatClass{}
}
