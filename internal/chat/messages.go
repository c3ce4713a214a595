package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
)

// maxMessageLength is Telegram's limit on a text message, in UTF-8 characters.
const maxMessageLength = 4096

func unixTime(d int) time.Time { return time.Unix(int64(d), 0) }

// outgoing is a message being sent into a private chat.
type outgoing struct {
	from      *store.User
	to        *store.User
	randomID  int64
	text      string
	entities  []tg.MessageEntityClass
	markup    tg.ReplyMarkupClass
	media     tg.MessageMediaClass
	replyToID int // in the sender's box; zero when none
	// replyToSender is who sent the replied-to message (set while sending).
	replyToSender int64
	mentions      []int64
	silent        bool
}

// SendMessage answers messages.sendMessage.
func (s *Service) SendMessage(ctx context.Context, sess Session, req *tg.MessagesSendMessageRequest) (tg.UpdatesClass, error) {
	to, err := s.resolvePeer(ctx, sess.UserID, req.Peer)
	if err != nil {
		return nil, err
	}
	if req.Message == "" {
		return nil, ErrMessageEmpty
	}
	if utf8.RuneCountInString(req.Message) > maxMessageLength {
		return nil, ErrMessageTooLong
	}
	from, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("send message: sender: %w", err)
	}
	o := &outgoing{from: from, to: to, randomID: req.RandomID, text: req.Message, entities: req.Entities, silent: req.Silent}
	if r, ok := req.GetReplyTo(); ok {
		if r, ok := r.(*tg.InputReplyToMessage); ok {
			o.replyToID = r.ReplyToMsgID
		}
	}
	if m, ok := req.GetReplyMarkup(); ok && from.Bot {
		if o.markup, err = s.validateMarkup(ctx, from, m, markupContext{private: true, toBot: to.Bot}); err != nil {
			return nil, err
		}
	}
	o.mentions = mentionedUsers(req.Entities)
	return s.send(ctx, sess, o)
}

// mentionedUsers lists the users named by inputMessageEntityMentionName /
// messageEntityMentionName entities (for selective reply keyboards).
func mentionedUsers(ents []tg.MessageEntityClass) []int64 {
	var ids []int64
	for _, e := range ents {
		if m, ok := e.(*tg.MessageEntityMentionName); ok {
			ids = append(ids, m.UserID)
		}
	}
	return ids
}

// send stores a private message in both boxes (one for a chat with oneself),
// logs updateNewMessage for each, and pushes them.
func (s *Service) send(ctx context.Context, sess Session, o *outgoing) (tg.UpdatesClass, error) {
	if o.randomID == 0 {
		return nil, ErrRandomIDEmpty
	}
	now := int(s.now().Unix())
	var (
		ob  *outbox
		dup *tg.Updates
	)
	err := s.st.Write(ctx, func(tx store.Tx) error {
		if prev, err := tx.MessageByRandomID(o.from.ID, o.randomID); err == nil {
			// The same random_id again: the message was sent; answer as then.
			msg, err := decodeMessage(prev.Body)
			if err != nil {
				return err
			}
			st, err := tx.State(o.from.ID)
			if err != nil {
				return err
			}
			dup = &tg.Updates{Updates: []tg.UpdateClass{
				&tg.UpdateMessageID{ID: prev.ID, RandomID: o.randomID},
				&tg.UpdateNewMessage{Message: msg, Pts: st.Pts, PtsCount: 0},
			}, Date: now}
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		ref, err := s.randomInt63()
		if err != nil {
			return err
		}
		ob = newOutbox(tx, now, sess.UserID)
		var replyRef int64
		if o.replyToID != 0 {
			prev, err := tx.Message(o.from.ID, o.replyToID)
			if errors.Is(err, store.ErrNotFound) || (err == nil && (prev.Peer != (store.Peer{Type: store.PeerUser, ID: o.to.ID}))) {
				return ErrReplyMessageIDInvalid
			} else if err != nil {
				return err
			}
			replyRef, o.replyToSender = prev.Ref, prev.FromID
		}
		boxes := []*store.User{o.from}
		if o.to.ID != o.from.ID {
			boxes = append(boxes, o.to)
		}
		for _, owner := range boxes {
			if err := s.putCopy(tx, ob, o, owner, ref, replyRef, now); err != nil {
				return err
			}
		}
		return ob.seal(ctx, s)
	})
	if err != nil {
		return nil, err
	}
	if dup != nil {
		users, err := s.usersFor(ctx, o.from.ID, o.from.ID, o.to.ID)
		if err != nil {
			return nil, err
		}
		dup.Users, dup.Chats = users, []tg.ChatClass{}
		return dup, nil
	}
	return ob.deliver(ctx, s, sess, o.from.ID, o.to.ID)
}

// putCopy stores owner's copy of an outgoing message and logs its update.
func (s *Service) putCopy(tx store.Tx, ob *outbox, o *outgoing, owner *store.User, ref, replyRef int64, now int) error {
	id, err := tx.NextMessageID(owner.ID)
	if err != nil {
		return err
	}
	out := owner.ID == o.from.ID
	other := o.to.ID
	if !out {
		other = o.from.ID
	}
	msg := &tg.Message{
		ID: id, Out: out, Silent: o.silent, FromID: peerUser(o.from.ID), PeerID: peerUser(other),
		Date: now, Message: o.text, Entities: o.entities, Media: o.media,
	}
	if o.markup != nil && (out || visibleTo(o.markup, owner.ID, o.mentions, o.replyToSender)) {
		msg.ReplyMarkup = o.markup
	}
	if replyRef != 0 {
		if rid, err := copyID(tx, replyRef, owner.ID); err == nil {
			msg.ReplyTo = &tg.MessageReplyHeader{ReplyToMsgID: rid}
		}
	}
	body, err := encodeTL(msg)
	if err != nil {
		return err
	}
	rec := &store.Message{Owner: owner.ID, ID: id, Peer: store.Peer{Type: store.PeerUser, ID: other},
		FromID: o.from.ID, Ref: ref, Date: unixTime(now), Body: body}
	if out {
		rec.RandomID = o.randomID
		ob.note(owner.ID, &tg.UpdateMessageID{ID: id, RandomID: o.randomID})
	}
	u := &tg.UpdateNewMessage{Message: msg, PtsCount: 1}
	if err := ob.add(owner.ID, 1, u, func(p int) { u.Pts = p }); err != nil {
		return err
	}
	return tx.PutMessage(rec)
}

// copyID finds owner's id of the message with this ref.
func copyID(tx store.Tx, ref, owner int64) (int, error) {
	copies, err := tx.Copies(ref)
	if err != nil {
		return 0, err
	}
	for _, c := range copies {
		if c.Owner == owner {
			return c.ID, nil
		}
	}
	return 0, store.ErrNotFound
}

func (s *Service) randomInt63() (int64, error) {
	b, err := s.randomBytes(8)
	if err != nil {
		return 0, err
	}
	var v int64
	for _, x := range b {
		v = v<<8 | int64(x)
	}
	if v < 0 {
		v = -(v + 1)
	}
	return v | 1, nil
}
