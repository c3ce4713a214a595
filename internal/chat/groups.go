package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
)

// CreateChat answers messages.createChat: a basic group of the caller and
// users, announced by messageActionChatCreate in every member's box.
func (s *Service) CreateChat(ctx context.Context, sess Session, req *tg.MessagesCreateChatRequest) (*tg.MessagesInvitedUsers, error) {
	title := strings.TrimSpace(req.Title)
	if title == "" || utf8.RuneCountInString(title) > 128 {
		return nil, ErrChatTitleEmpty
	}
	me, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("create chat: %w", err)
	}
	now := s.now()
	c := &store.Chat{Title: title, Creator: me.ID, Date: now,
		Members: []store.Member{{UserID: me.ID, InviterID: me.ID, Date: now, Admin: true}}}
	ids := []int64{me.ID}
	for _, in := range req.Users {
		u, err := s.resolveUser(ctx, sess.UserID, in)
		if err != nil {
			return nil, err
		}
		if contains(ids, u.ID) {
			continue
		}
		ids = append(ids, u.ID)
		c.Members = append(c.Members, store.Member{UserID: u.ID, InviterID: me.ID, Date: now})
	}
	if err := s.st.Write(ctx, func(tx store.Tx) error { return tx.CreateChat(c) }); err != nil {
		return nil, fmt.Errorf("create chat: %w", err)
	}
	res, err := s.send(ctx, sess, &outgoing{from: me, to: &target{chat: c},
		action: &tg.MessageActionChatCreate{Title: title, Users: ids}, extraUsers: ids})
	if err != nil {
		return nil, err
	}
	return &tg.MessagesInvitedUsers{Updates: res, MissingInvitees: []tg.MissingInvitee{}}, nil
}

// AddChatUser answers messages.addChatUser: any member may add a user.
func (s *Service) AddChatUser(ctx context.Context, sess Session, req *tg.MessagesAddChatUserRequest) (*tg.MessagesInvitedUsers, error) {
	c, err := s.memberChat(ctx, sess.UserID, req.ChatID)
	if err != nil {
		return nil, err
	}
	u, err := s.resolveUser(ctx, sess.UserID, req.UserID)
	if err != nil {
		return nil, err
	}
	if isChatMember(c, u.ID) {
		return nil, ErrUserAlreadyParticipant
	}
	err = s.st.Write(ctx, func(tx store.Tx) error {
		return tx.AddChatMember(c.ID, store.Member{UserID: u.ID, InviterID: sess.UserID, Date: s.now()})
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, ErrUserAlreadyParticipant
	} else if err != nil {
		return nil, fmt.Errorf("add chat user: %w", err)
	}
	res, err := s.groupAction(ctx, sess, c.ID, &tg.MessageActionChatAddUser{Users: []int64{u.ID}}, u.ID)
	if err != nil {
		return nil, err
	}
	return &tg.MessagesInvitedUsers{Updates: res, MissingInvitees: []tg.MissingInvitee{}}, nil
}

// DeleteChatUser answers messages.deleteChatUser: a member leaves, or the
// creator (or whoever added them) removes someone.
func (s *Service) DeleteChatUser(ctx context.Context, sess Session, req *tg.MessagesDeleteChatUserRequest) (tg.UpdatesClass, error) {
	c, err := s.memberChat(ctx, sess.UserID, req.ChatID)
	if err != nil {
		return nil, err
	}
	u, err := s.resolveUser(ctx, sess.UserID, req.UserID)
	if err != nil {
		return nil, err
	}
	var who *store.Member
	for i := range c.Members {
		if c.Members[i].UserID == u.ID {
			who = &c.Members[i]
		}
	}
	switch {
	case who == nil:
		return nil, ErrUserNotParticipant
	case u.ID != sess.UserID && c.Creator != sess.UserID && who.InviterID != sess.UserID:
		return nil, ErrChatAdminRequired
	}
	// Everyone, the leaving user included, sees the service message first.
	res, err := s.groupAction(ctx, sess, c.ID, &tg.MessageActionChatDeleteUser{UserID: u.ID}, u.ID)
	if err != nil {
		return nil, err
	}
	if err := s.st.Write(ctx, func(tx store.Tx) error { return tx.RemoveChatMember(c.ID, u.ID) }); err != nil {
		return nil, fmt.Errorf("delete chat user: %w", err)
	}
	return res, nil
}

// groupAction sends a service message to every member of a basic group.
func (s *Service) groupAction(ctx context.Context, sess Session, chatID int64, action tg.MessageActionClass, users ...int64) (tg.UpdatesClass, error) {
	c, err := s.st.Chats().Chat(ctx, chatID)
	if err != nil {
		return nil, fmt.Errorf("chat %d: %w", chatID, err)
	}
	me, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, err
	}
	return s.send(ctx, sess, &outgoing{from: me, to: &target{chat: c}, action: action, extraUsers: users})
}

// GetChats answers messages.getChats.
func (s *Service) GetChats(ctx context.Context, sess Session, ids []int64) (*tg.MessagesChats, error) {
	out := &tg.MessagesChats{Chats: []tg.ChatClass{}}
	for _, id := range ids {
		c, err := s.st.Chats().Chat(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("get chats: %w", err)
		}
		out.Chats = append(out.Chats, chatFor(sess.UserID, c))
	}
	return out, nil
}
