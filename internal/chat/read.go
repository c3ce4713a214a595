package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
)

// maxHistoryLimit caps messages.getHistory's limit, as Telegram does.
const maxHistoryLimit = 100

// GetMessages answers messages.getMessages: messages of the caller's box by
// id; ids that name nothing come back as messageEmpty.
func (s *Service) GetMessages(ctx context.Context, sess Session, req *tg.MessagesGetMessagesRequest) (tg.MessagesMessagesClass, error) {
	msgs := make([]tg.MessageClass, 0, len(req.ID))
	var ids []int64
	for _, in := range req.ID {
		id, ok := in.(*tg.InputMessageID)
		if !ok {
			msgs = append(msgs, &tg.MessageEmpty{})
			continue
		}
		rec, err := s.st.Boxes().Message(ctx, sess.UserID, id.ID)
		if errors.Is(err, store.ErrNotFound) {
			msgs = append(msgs, &tg.MessageEmpty{ID: id.ID})
			continue
		} else if err != nil {
			return nil, fmt.Errorf("get messages: %w", err)
		}
		msg, err := decodeMessage(rec.Body)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, msg)
		ids = append(ids, messageUsers(msg)...)
	}
	return s.messagesResult(ctx, sess.UserID, msgs, ids)
}

func (s *Service) messagesResult(ctx context.Context, viewer int64, msgs []tg.MessageClass, ids []int64) (*tg.MessagesMessages, error) {
	users, err := s.usersFor(ctx, viewer, ids...)
	if err != nil {
		return nil, err
	}
	return &tg.MessagesMessages{Messages: msgs, Topics: []tg.ForumTopicClass{}, Chats: []tg.ChatClass{}, Users: users}, nil
}

// GetHistory answers messages.getHistory: a chat's messages, newest first,
// before offset_id.
func (s *Service) GetHistory(ctx context.Context, sess Session, req *tg.MessagesGetHistoryRequest) (tg.MessagesMessagesClass, error) {
	t, err := s.resolveTarget(ctx, sess.UserID, req.Peer)
	if err != nil {
		return nil, err
	}
	limit := req.Limit
	if limit <= 0 || limit > maxHistoryLimit {
		limit = maxHistoryLimit
	}
	before := req.OffsetID
	if req.MaxID > 0 && (before == 0 || req.MaxID < before) {
		before = req.MaxID
	}
	var recs []*store.Message
	if t.channel != nil {
		recs, err = s.st.Chats().ChannelHistory(ctx, t.channel.ID, before, limit)
	} else {
		recs, err = s.st.Boxes().History(ctx, sess.UserID, t.peer(), before, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("get history: %w", err)
	}
	msgs := make([]tg.MessageClass, 0, len(recs))
	ids := []int64{sess.UserID}
	if t.user != nil {
		ids = append(ids, t.user.ID)
	}
	for _, r := range recs {
		if req.MinID > 0 && r.ID <= req.MinID {
			break
		}
		msg, err := channelMessageFor(r, sess.UserID)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, msg)
		ids = append(ids, r.FromID)
	}
	res, err := s.messagesResult(ctx, sess.UserID, msgs, ids)
	if err != nil {
		return nil, err
	}
	res.Chats = s.chatsOf(sess.UserID, t)
	return res, nil
}

// GetUsers answers users.getUsers; inputs that name no user are left out.
func (s *Service) GetUsers(ctx context.Context, sess Session, in []tg.InputUserClass) ([]tg.UserClass, error) {
	out := make([]tg.UserClass, 0, len(in))
	for _, iu := range in {
		u, err := s.resolveUser(ctx, sess.UserID, iu)
		if errors.Is(err, ErrUserIDInvalid) {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, s.userFor(sess.UserID, u))
	}
	return out, nil
}

// GetFullUser answers users.getFullUser.
func (s *Service) GetFullUser(ctx context.Context, sess Session, in tg.InputUserClass) (*tg.UsersUserFull, error) {
	u, err := s.resolveUser(ctx, sess.UserID, in)
	if err != nil {
		return nil, err
	}
	full := tg.UserFull{
		ID:             u.ID,
		About:          u.About,
		Settings:       tg.PeerSettings{},
		NotifySettings: tg.PeerNotifySettings{},
	}
	if u.Bot {
		full.BotInfo = tg.BotInfo{UserID: u.ID, Description: u.About, Commands: []tg.BotCommand{}}
		for _, c := range u.BotCommands {
			full.BotInfo.Commands = append(full.BotInfo.Commands, tg.BotCommand{Command: c.Command, Description: c.Description})
		}
	}
	return &tg.UsersUserFull{FullUser: full, Chats: []tg.ChatClass{}, Users: []tg.UserClass{s.userFor(sess.UserID, u)}}, nil
}

// ResolveUsername answers contacts.resolveUsername.
func (s *Service) ResolveUsername(ctx context.Context, sess Session, username string) (*tg.ContactsResolvedPeer, error) {
	username = strings.TrimPrefix(username, "@")
	if !ValidUsername(username) {
		return nil, ErrUsernameInvalid
	}
	u, err := s.st.Users().ByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		ch, err := s.st.Chats().ChannelByUsername(ctx, username)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrUsernameNotOccupied
		} else if err != nil {
			return nil, fmt.Errorf("resolve username: %w", err)
		}
		var member *store.Member
		if m, err := s.st.Chats().ChannelMember(ctx, ch.ID, sess.UserID); err == nil {
			member = m
		}
		return &tg.ContactsResolvedPeer{Peer: &tg.PeerChannel{ChannelID: ch.ID},
			Chats: []tg.ChatClass{s.channelFor(sess.UserID, ch, member)}, Users: []tg.UserClass{}}, nil
	} else if err != nil {
		return nil, fmt.Errorf("resolve username: %w", err)
	}
	return &tg.ContactsResolvedPeer{Peer: peerUser(u.ID), Chats: []tg.ChatClass{}, Users: []tg.UserClass{s.userFor(sess.UserID, u)}}, nil
}

// StartBot answers messages.startBot in a private chat with the bot: it
// sends "/start <start_param>" from the user to the bot.
func (s *Service) StartBot(ctx context.Context, sess Session, req *tg.MessagesStartBotRequest) (tg.UpdatesClass, error) {
	bot, err := s.resolveUser(ctx, sess.UserID, req.Bot)
	if err != nil {
		return nil, err
	}
	if !bot.Bot {
		return nil, ErrBotInvalid
	}
	peer, err := s.resolvePeer(ctx, sess.UserID, req.Peer)
	if err != nil {
		return nil, err
	}
	if peer.ID != bot.ID {
		return nil, ErrPeerIDInvalid
	}
	if !validStartParam(req.StartParam) {
		return nil, ErrStartParamInvalid
	}
	from, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("start bot: %w", err)
	}
	text := "/start"
	if req.StartParam != "" {
		text += " " + req.StartParam
	}
	ent := []tg.MessageEntityClass{&tg.MessageEntityBotCommand{Offset: 0, Length: len("/start")}}
	return s.send(ctx, sess, &outgoing{from: from, to: &target{user: bot}, randomID: req.RandomID, text: text, entities: ent})
}

// validStartParam: up to 64 characters of A-Z, a-z, 0-9, _ and - (Telegram's deep-link rule).
func validStartParam(p string) bool {
	if len(p) > 64 {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
