package chat

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
)

// maxDialogs caps how many chats Dialogs lists.
const maxDialogs = 100

// Dialogs lists the caller's chats, the newest message first, as
// messages.getDialogs does (without pagination): private chats and basic
// groups from the caller's box, and the channels the caller is a member of.
// Each dialog's top message is in Messages, and the users and chats they
// name in Users and Chats.
func (s *Service) Dialogs(ctx context.Context, sess Session) (*tg.MessagesDialogs, error) {
	recs, err := s.st.Boxes().Dialogs(ctx, sess.UserID, maxDialogs)
	if err != nil {
		return nil, fmt.Errorf("dialogs: %w", err)
	}
	type top struct {
		peer tg.PeerClass
		msg  tg.MessageClass
		date int64
	}
	var tops []top
	ids := []int64{sess.UserID}
	var chats []tg.ChatClass
	for _, r := range recs {
		msg, err := decodeMessage(r.Body)
		if err != nil {
			return nil, err
		}
		tops = append(tops, top{peer: peerOf(r.Peer), msg: msg, date: r.Date.Unix()})
		ids = append(ids, r.FromID)
		switch r.Peer.Type {
		case store.PeerUser:
			ids = append(ids, r.Peer.ID)
		case store.PeerChat:
			c, err := s.st.Chats().Chat(ctx, r.Peer.ID)
			if err != nil {
				return nil, fmt.Errorf("dialogs: chat %d: %w", r.Peer.ID, err)
			}
			chats = append(chats, chatFor(sess.UserID, c))
		}
	}
	channels, err := s.st.Chats().ChannelsOf(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("dialogs: %w", err)
	}
	for _, id := range channels {
		c, err := s.st.Chats().Channel(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("dialogs: channel %d: %w", id, err)
		}
		m, err := s.st.Chats().ChannelMember(ctx, id, sess.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("dialogs: channel %d: %w", id, err)
		}
		chats = append(chats, s.channelFor(sess.UserID, c, m))
		t := top{peer: &tg.PeerChannel{ChannelID: id}, date: c.Date.Unix()}
		last, err := s.st.Chats().ChannelHistory(ctx, id, 0, 1)
		if err != nil {
			return nil, fmt.Errorf("dialogs: channel %d: %w", id, err)
		}
		if len(last) == 1 {
			if t.msg, err = channelMessageFor(last[0], sess.UserID); err != nil {
				return nil, err
			}
			t.date = last[0].Date.Unix()
			ids = append(ids, last[0].FromID)
		}
		tops = append(tops, t)
	}
	sort.SliceStable(tops, func(i, j int) bool { return tops[i].date > tops[j].date })
	if len(tops) > maxDialogs {
		tops = tops[:maxDialogs]
	}
	out := &tg.MessagesDialogs{Dialogs: []tg.DialogClass{}, Messages: []tg.MessageClass{}, Chats: chats}
	if out.Chats == nil {
		out.Chats = []tg.ChatClass{}
	}
	for _, t := range tops {
		d := &tg.Dialog{Peer: t.peer, NotifySettings: tg.PeerNotifySettings{}}
		if t.msg != nil {
			d.TopMessage = messageID(t.msg)
			out.Messages = append(out.Messages, t.msg)
		}
		out.Dialogs = append(out.Dialogs, d)
	}
	if out.Users, err = s.usersFor(ctx, sess.UserID, ids...); err != nil {
		return nil, err
	}
	return out, nil
}

// messageID is the id of any kind of message.
func messageID(m tg.MessageClass) int {
	switch m := m.(type) {
	case *tg.Message:
		return m.ID
	case *tg.MessageService:
		return m.ID
	case *tg.MessageEmpty:
		return m.ID
	}
	return 0
}
