package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// channelChange is what a write to a channel's box produced: the updates
// (with the channel's pts) that every member gets.
type channelChange struct {
	updates []tg.UpdateClass
	msgID   int // the message sent, for updateMessageID
}

// logChannel appends u to the channel's log with ptsCount pts (setPts gets
// the new pts before u is encoded).
func logChannel(tx store.Tx, channelID int64, ptsCount, now int, u tg.UpdateClass, setPts func(int)) error {
	ch, err := tx.Channel(channelID)
	if err != nil {
		return err
	}
	setPts(ch.Pts + ptsCount)
	body, err := tlenc.Encode(u)
	if err != nil {
		return err
	}
	_, err = tx.AddChannelUpdate(channelID, ptsCount, unixTime(now), body)
	return err
}

// canPost reports whether a member may post: anyone in a supergroup, admins
// and the creator in a broadcast channel.
func canPost(ch *store.Channel, m *store.Member, userID int64) error {
	switch {
	case m == nil:
		return ErrChatWriteForbidden
	case !ch.Megagroup && !m.Admin && ch.Creator != userID:
		return ErrChatAdminRequired
	}
	return nil
}

// sendChannel stores a message in a channel's box and pushes
// updateNewChannelMessage to every member.
func (s *Service) sendChannel(ctx context.Context, sess Session, o *outgoing) (tg.UpdatesClass, error) {
	ch := o.to.channel
	if o.action == nil {
		if err := canPost(ch, o.to.member, o.from.ID); err != nil {
			return nil, err
		}
	}
	now := int(s.now().Unix())
	var change channelChange
	err := s.st.Write(ctx, func(tx store.Tx) error {
		if o.randomID != 0 {
			if prev, err := tx.ChannelMessageByRandomID(ch.ID, o.from.ID, o.randomID); err == nil {
				msg, err := decodeMessage(prev.Body)
				if err != nil {
					return err
				}
				cur, err := tx.Channel(ch.ID)
				if err != nil {
					return err
				}
				change = channelChange{msgID: prev.ID, updates: []tg.UpdateClass{
					&tg.UpdateNewChannelMessage{Message: msg, Pts: cur.Pts, PtsCount: 0},
				}}
				return nil
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		if o.replyToID != 0 {
			if _, err := tx.ChannelMessage(ch.ID, o.replyToID); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return ErrReplyMessageIDInvalid
				}
				return err
			}
		}
		id, err := tx.NextChannelMessageID(ch.ID)
		if err != nil {
			return err
		}
		msg := buildMessage(o, id, false, &tg.PeerChannel{ChannelID: ch.ID}, now, o.replyToID)
		if m, ok := msg.(*tg.Message); ok {
			m.ReplyMarkup = o.markup
			if !ch.Megagroup {
				m.Post, m.FromID = true, nil
			}
		}
		body, err := tlenc.Encode(msg)
		if err != nil {
			return err
		}
		u := &tg.UpdateNewChannelMessage{Message: msg, PtsCount: 1}
		if err := logChannel(tx, ch.ID, 1, now, u, func(p int) { u.Pts = p }); err != nil {
			return err
		}
		change = channelChange{msgID: id, updates: []tg.UpdateClass{u}}
		return tx.PutChannelMessage(&store.Message{Owner: ch.ID, ID: id, Peer: store.Peer{Type: store.PeerChannel, ID: ch.ID},
			FromID: o.from.ID, RandomID: o.randomID, Date: unixTime(now), Body: body})
	})
	if err != nil {
		return nil, err
	}
	users := append([]int64{o.from.ID}, o.extraUsers...)
	mine, err := s.pushChannel(ctx, sess, ch, change.updates, now, users)
	if err != nil {
		return nil, err
	}
	if o.randomID != 0 {
		mine.Updates = append([]tg.UpdateClass{&tg.UpdateMessageID{ID: change.msgID, RandomID: o.randomID}}, markOut(mine.Updates, o.from.ID)...)
	}
	return mine, nil
}

// markOut returns updates with the caller's own channel messages marked out
// (in a channel's shared box, out depends on who looks).
func markOut(us []tg.UpdateClass, viewer int64) []tg.UpdateClass {
	out := make([]tg.UpdateClass, len(us))
	for i, u := range us {
		out[i] = u
		n, ok := u.(*tg.UpdateNewChannelMessage)
		if !ok {
			continue
		}
		if m, ok := n.Message.(*tg.Message); ok {
			if f, ok := m.FromID.(*tg.PeerUser); (ok && f.UserID == viewer) || m.Post {
				c := *m
				c.Out = true
				out[i] = &tg.UpdateNewChannelMessage{Message: &c, Pts: n.Pts, PtsCount: n.PtsCount}
			}
		}
	}
	return out
}

// pushChannel pushes a channel's updates to its members' sessions and
// returns the caller's container.
func (s *Service) pushChannel(ctx context.Context, sess Session, ch *store.Channel, us []tg.UpdateClass, now int, userIDs []int64) (*tg.Updates, error) {
	members, err := s.st.Chats().ChannelMembers(ctx, ch.ID)
	if err != nil {
		return nil, fmt.Errorf("channel members: %w", err)
	}
	fresh, err := s.st.Chats().Channel(ctx, ch.ID)
	if err != nil {
		return nil, fmt.Errorf("channel: %w", err)
	}
	users, err := s.loadUsers(ctx, userIDs...)
	if err != nil {
		return nil, err
	}
	var mine *store.Member
	for _, m := range members {
		member := m
		if m.UserID == sess.UserID {
			mine = &member
		}
		c := &tg.Updates{Updates: us, Users: users.render(s, m.UserID), Chats: []tg.ChatClass{s.channelFor(m.UserID, fresh, &member)}, Date: now}
		if err := s.push.PushUser(ctx, m.UserID, sess, c); err != nil {
			s.log.Warn("push channel updates", "user", m.UserID, "err", err)
		}
	}
	return &tg.Updates{Updates: us, Users: users.render(s, sess.UserID), Chats: []tg.ChatClass{s.channelFor(sess.UserID, fresh, mine)}, Date: now}, nil
}

// editChannel edits a message in a channel's box.
func (s *Service) editChannel(ctx context.Context, sess Session, t *target, id int, e *edit) (tg.UpdatesClass, error) {
	now := int(s.now().Unix())
	var us []tg.UpdateClass
	mine := func(rec *store.Message) (*tg.Message, error) {
		if rec.FromID != sess.UserID {
			return nil, ErrMessageAuthorRequired
		}
		return textMessage(rec)
	}
	err := s.st.Write(ctx, func(tx store.Tx) error {
		u, err := editChannelMessage(tx, t.channel.ID, id, e, now, mine)
		us = []tg.UpdateClass{u}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.pushChannel(ctx, sess, t.channel, us, now, []int64{sess.UserID})
}

// CreateChannel answers channels.createChannel: a broadcast channel or a
// supergroup, with the caller as creator.
func (s *Service) CreateChannel(ctx context.Context, sess Session, req *tg.ChannelsCreateChannelRequest) (tg.UpdatesClass, error) {
	title := strings.TrimSpace(req.Title)
	if title == "" || utf8.RuneCountInString(title) > 128 {
		return nil, ErrChatTitleEmpty
	}
	me, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("create channel: %w", err)
	}
	now := s.now()
	ch := &store.Channel{Title: title, About: req.About, Megagroup: req.Megagroup, Creator: me.ID, Date: now}
	err = s.st.Write(ctx, func(tx store.Tx) error {
		if err := tx.CreateChannel(ch); err != nil {
			return err
		}
		return tx.AddChannelMember(ch.ID, store.Member{UserID: me.ID, InviterID: me.ID, Date: now, Admin: true})
	})
	if err != nil {
		return nil, fmt.Errorf("create channel: %w", err)
	}
	member := &store.Member{UserID: me.ID, Admin: true}
	t := &target{channel: ch, member: member}
	res, err := s.send(ctx, sess, &outgoing{from: me, to: t, action: &tg.MessageActionChannelCreate{Title: title}})
	if err != nil {
		return nil, err
	}
	u := res.(*tg.Updates)
	u.Updates = append([]tg.UpdateClass{&tg.UpdateChannel{ChannelID: ch.ID}}, u.Updates...)
	return u, nil
}

// UpdateChannelUsername answers channels.updateUsername: a public username makes a
// channel joinable by anyone (creator only).
func (s *Service) UpdateChannelUsername(ctx context.Context, sess Session, req *tg.ChannelsUpdateUsernameRequest) (tg.BoolClass, error) {
	t, err := s.resolveChannel(ctx, sess.UserID, req.Channel)
	if err != nil {
		return nil, err
	}
	if t.channel.Creator != sess.UserID {
		return nil, ErrChatAdminRequired
	}
	if req.Username != "" && !ValidUsername(req.Username) {
		return nil, ErrUsernameInvalid
	}
	if strings.EqualFold(req.Username, t.channel.Username) {
		return nil, ErrUsernameNotModified
	}
	if req.Username != "" {
		if _, err := s.st.Users().ByUsername(ctx, req.Username); err == nil {
			return nil, ErrUsernameOccupiedRPC
		}
	}
	if err := s.st.Chats().SetChannelUsername(ctx, t.channel.ID, req.Username); errors.Is(err, store.ErrConflict) {
		return nil, ErrUsernameOccupiedRPC
	} else if err != nil {
		return nil, fmt.Errorf("update username: %w", err)
	}
	return &tg.BoolTrue{}, nil
}

// JoinChannel answers channels.joinChannel for public channels.
func (s *Service) JoinChannel(ctx context.Context, sess Session, in tg.InputChannelClass) (tg.UpdatesClass, error) {
	t, err := s.resolveChannel(ctx, sess.UserID, in)
	if err != nil {
		return nil, err
	}
	if t.member != nil {
		return nil, ErrUserAlreadyParticipant
	}
	return s.addChannelMembers(ctx, sess, t, []int64{sess.UserID}, sess.UserID)
}

// InviteToChannel answers channels.inviteToChannel: any member of a
// supergroup, admins of a broadcast channel.
func (s *Service) InviteToChannel(ctx context.Context, sess Session, req *tg.ChannelsInviteToChannelRequest) (*tg.MessagesInvitedUsers, error) {
	t, err := s.resolveChannel(ctx, sess.UserID, req.Channel)
	if err != nil {
		return nil, err
	}
	if t.member == nil {
		return nil, ErrChatWriteForbidden
	}
	if !t.channel.Megagroup && !t.member.Admin {
		return nil, ErrChatAdminRequired
	}
	var ids []int64
	for _, in := range req.Users {
		u, err := s.resolveUser(ctx, sess.UserID, in)
		if err != nil {
			return nil, err
		}
		if _, err := s.st.Chats().ChannelMember(ctx, t.channel.ID, u.ID); err == nil {
			if len(req.Users) == 1 {
				return nil, ErrUserAlreadyParticipant
			}
			continue
		}
		ids = append(ids, u.ID)
	}
	upd, err := s.addChannelMembers(ctx, sess, t, ids, sess.UserID)
	if err != nil {
		return nil, err
	}
	return &tg.MessagesInvitedUsers{Updates: upd, MissingInvitees: []tg.MissingInvitee{}}, nil
}

// addChannelMembers adds users, with a service message in supergroups.
func (s *Service) addChannelMembers(ctx context.Context, sess Session, t *target, ids []int64, inviter int64) (tg.UpdatesClass, error) {
	now := s.now()
	err := s.st.Write(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			if err := tx.AddChannelMember(t.channel.ID, store.Member{UserID: id, InviterID: inviter, Date: now}); err != nil && !errors.Is(err, store.ErrConflict) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("add channel members: %w", err)
	}
	mine, err := s.st.Chats().ChannelMember(ctx, t.channel.ID, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("add channel members: %w", err)
	}
	t = &target{channel: t.channel, member: mine}
	if !t.channel.Megagroup || len(ids) == 0 {
		return &tg.Updates{Updates: []tg.UpdateClass{&tg.UpdateChannel{ChannelID: t.channel.ID}},
			Users: []tg.UserClass{}, Chats: s.chatsOf(sess.UserID, t), Date: int(now.Unix())}, nil
	}
	me, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, err
	}
	var action tg.MessageActionClass = &tg.MessageActionChatAddUser{Users: ids}
	if len(ids) == 1 && ids[0] == sess.UserID {
		action = &tg.MessageActionChatJoinedByRequest{}
	}
	res, err := s.send(ctx, sess, &outgoing{from: me, to: t, action: action, extraUsers: ids})
	if err != nil {
		return nil, err
	}
	u := res.(*tg.Updates)
	u.Updates = append([]tg.UpdateClass{&tg.UpdateChannel{ChannelID: t.channel.ID}}, u.Updates...)
	return u, nil
}

// LeaveChannel answers channels.leaveChannel.
func (s *Service) LeaveChannel(ctx context.Context, sess Session, in tg.InputChannelClass) (tg.UpdatesClass, error) {
	t, err := s.resolveChannel(ctx, sess.UserID, in)
	if err != nil {
		return nil, err
	}
	if t.member == nil {
		return nil, ErrUserNotParticipant
	}
	err = s.st.Write(ctx, func(tx store.Tx) error { return tx.RemoveChannelMember(t.channel.ID, sess.UserID) })
	if err != nil {
		return nil, fmt.Errorf("leave channel: %w", err)
	}
	t.member = nil
	u := &tg.Updates{Updates: []tg.UpdateClass{&tg.UpdateChannel{ChannelID: t.channel.ID}},
		Users: []tg.UserClass{}, Chats: s.chatsOf(sess.UserID, t), Date: int(s.now().Unix())}
	if err := s.push.PushUser(ctx, sess.UserID, sess, u); err != nil {
		s.log.Warn("push leave", "err", err)
	}
	return u, nil
}

// GetChannels answers channels.getChannels.
func (s *Service) GetChannels(ctx context.Context, sess Session, in []tg.InputChannelClass) (*tg.MessagesChats, error) {
	out := &tg.MessagesChats{Chats: []tg.ChatClass{}}
	for _, ic := range in {
		t, err := s.resolveChannel(ctx, sess.UserID, ic)
		if errors.Is(err, ErrChannelPrivate) {
			if c, ok := ic.(*tg.InputChannel); ok {
				out.Chats = append(out.Chats, &tg.ChannelForbidden{ID: c.ChannelID, AccessHash: c.AccessHash})
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Chats = append(out.Chats, s.chatsOf(sess.UserID, t)...)
	}
	return out, nil
}

// channelMessageFor renders a stored channel message for viewer.
func channelMessageFor(rec *store.Message, viewer int64) (tg.MessageClass, error) {
	m, err := decodeMessage(rec.Body)
	if err != nil {
		return nil, err
	}
	if msg, ok := m.(*tg.Message); ok && rec.FromID == viewer {
		msg.Out = true
	}
	return m, nil
}

// GetChannelMessages answers channels.getMessages.
func (s *Service) GetChannelMessages(ctx context.Context, sess Session, req *tg.ChannelsGetMessagesRequest) (*tg.MessagesChannelMessages, error) {
	t, err := s.resolveChannel(ctx, sess.UserID, req.Channel)
	if err != nil {
		return nil, err
	}
	msgs := make([]tg.MessageClass, 0, len(req.ID))
	ids := []int64{}
	for _, in := range req.ID {
		id, ok := in.(*tg.InputMessageID)
		if !ok {
			msgs = append(msgs, &tg.MessageEmpty{})
			continue
		}
		rec, err := s.st.Chats().ChannelMessage(ctx, t.channel.ID, id.ID)
		if errors.Is(err, store.ErrNotFound) {
			msgs = append(msgs, &tg.MessageEmpty{ID: id.ID})
			continue
		} else if err != nil {
			return nil, fmt.Errorf("channel messages: %w", err)
		}
		m, err := channelMessageFor(rec, sess.UserID)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
		ids = append(ids, rec.FromID)
	}
	users, err := s.usersFor(ctx, sess.UserID, ids...)
	if err != nil {
		return nil, err
	}
	return &tg.MessagesChannelMessages{Pts: t.channel.Pts, Count: len(msgs), Messages: msgs,
		Topics: []tg.ForumTopicClass{}, Chats: s.chatsOf(sess.UserID, t), Users: users}, nil
}

// DeleteChannelMessages answers channels.deleteMessages: one's own messages,
// or any for the creator and admins.
func (s *Service) DeleteChannelMessages(ctx context.Context, sess Session, req *tg.ChannelsDeleteMessagesRequest) (*tg.MessagesAffectedMessages, error) {
	t, err := s.resolveChannel(ctx, sess.UserID, req.Channel)
	if err != nil {
		return nil, err
	}
	admin := t.member != nil && (t.member.Admin || t.channel.Creator == sess.UserID)
	now := int(s.now().Unix())
	var (
		res tg.MessagesAffectedMessages
		us  []tg.UpdateClass
	)
	err = s.st.Write(ctx, func(tx store.Tx) error {
		var gone []int
		for _, id := range req.ID {
			rec, err := tx.ChannelMessage(t.channel.ID, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			if rec.FromID != sess.UserID && !admin {
				return ErrMessageDeleteForbidden
			}
			if err := tx.DeleteChannelMessage(t.channel.ID, id); err != nil {
				return err
			}
			gone = append(gone, id)
		}
		if len(gone) == 0 {
			ch, err := tx.Channel(t.channel.ID)
			if err != nil {
				return err
			}
			res.Pts = ch.Pts
			return nil
		}
		u := &tg.UpdateDeleteChannelMessages{ChannelID: t.channel.ID, Messages: gone, PtsCount: len(gone)}
		us = []tg.UpdateClass{u}
		if err := logChannel(tx, t.channel.ID, len(gone), now, u, func(p int) { u.Pts = p }); err != nil {
			return err
		}
		res = tg.MessagesAffectedMessages{Pts: u.Pts, PtsCount: u.PtsCount}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(us) > 0 {
		if _, err := s.pushChannel(ctx, sess, t.channel, us, now, nil); err != nil {
			return nil, err
		}
	}
	return &res, nil
}

// GetChannelDifference answers updates.getChannelDifference.
func (s *Service) GetChannelDifference(ctx context.Context, sess Session, req *tg.UpdatesGetChannelDifferenceRequest) (tg.UpdatesChannelDifferenceClass, error) {
	t, err := s.resolveChannel(ctx, sess.UserID, req.Channel)
	if err != nil {
		return nil, err
	}
	if t.member == nil && t.channel.Username == "" {
		return nil, ErrChannelPrivate
	}
	ch := t.channel
	if req.Pts >= ch.Pts {
		return &tg.UpdatesChannelDifferenceEmpty{Final: true, Pts: ch.Pts, Timeout: 30}, nil
	}
	limit := req.Limit
	if limit <= 0 || limit > differenceLimit {
		limit = differenceLimit
	}
	logged, err := s.st.Chats().ChannelUpdates(ctx, ch.ID, req.Pts, limit)
	if err != nil {
		return nil, fmt.Errorf("channel difference: %w", err)
	}
	var (
		msgs  []tg.MessageClass
		other []tg.UpdateClass
		ids   []int64
		pts   = req.Pts
	)
	for _, l := range logged {
		u, err := tg.DecodeUpdate(&bin.Buffer{Buf: l.Body})
		if err != nil {
			return nil, fmt.Errorf("channel difference: stored update %d: %w", l.Pts, err)
		}
		pts = l.Pts
		if n, ok := u.(*tg.UpdateNewChannelMessage); ok {
			msgs = append(msgs, n.Message)
			ids = append(ids, messageUsers(n.Message)...)
			continue
		}
		other = append(other, u)
	}
	users, err := s.usersFor(ctx, sess.UserID, ids...)
	if err != nil {
		return nil, err
	}
	return &tg.UpdatesChannelDifference{Final: pts >= ch.Pts, Pts: pts, Timeout: 30, NewMessages: msgs,
		OtherUpdates: other, Chats: s.chatsOf(sess.UserID, t), Users: users}, nil
}
