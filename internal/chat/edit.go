package chat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// userEditWindow is how long a user may edit a sent message (bots have no limit).
const userEditWindow = 48 * 60 * 60

// edit is a requested change of a message's text or inline keyboard.
type edit struct {
	text    string
	hasText bool
	ents    []tg.MessageEntityClass
	markup  tg.ReplyMarkupClass
	bot     bool
}

// apply changes msg and reports whether anything changed.
func (e *edit) apply(msg *tg.Message, old []byte) (bool, error) {
	if e.hasText {
		msg.Message = e.text
		msg.Entities = e.ents
	}
	if e.bot {
		// An edit carries the whole inline keyboard: none removes it.
		if _, wasInline := msg.ReplyMarkup.(*tg.ReplyInlineMarkup); wasInline || e.markup != nil {
			msg.ReplyMarkup = e.markup
		}
	}
	msg.Flags, msg.Flags2 = 0, 0
	same, err := tlenc.Encode(msg)
	if err != nil {
		return false, err
	}
	return !bytes.Equal(same, old), nil
}

// editCopies applies e to every copy of a message (decoded by open, which
// refuses what may not be edited) and logs updateEditMessage for each copy
// that changed; MESSAGE_NOT_MODIFIED when none did.
func editCopies(tx store.Tx, ob *outbox, copies []*store.Message, e *edit, now int, open func(*store.Message) (*tg.Message, error)) error {
	changed := false
	for _, c := range copies {
		msg, err := open(c)
		if err != nil {
			return err
		}
		diff, err := e.apply(msg, c.Body)
		if err != nil {
			return err
		}
		if !diff {
			continue
		}
		changed = true
		msg.EditDate = now
		if c.Body, err = tlenc.Encode(msg); err != nil {
			return err
		}
		if err := tx.PutMessage(c); err != nil {
			return err
		}
		u := &tg.UpdateEditMessage{Message: msg, PtsCount: 1}
		if err := ob.add(c.Owner, 1, u, func(p int) { u.Pts = p }); err != nil {
			return err
		}
	}
	if !changed {
		return ErrMessageNotModified
	}
	return nil
}

// editChannelMessage applies e to a channel message (opened by open) and logs
// updateEditChannelMessage, which it returns.
func editChannelMessage(tx store.Tx, channelID int64, id int, e *edit, now int, open func(*store.Message) (*tg.Message, error)) (tg.UpdateClass, error) {
	rec, err := tx.ChannelMessage(channelID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrMessageIDInvalid
	} else if err != nil {
		return nil, err
	}
	msg, err := open(rec)
	if err != nil {
		return nil, err
	}
	changed, err := e.apply(msg, rec.Body)
	if err != nil {
		return nil, err
	}
	if !changed {
		return nil, ErrMessageNotModified
	}
	msg.EditDate = now
	if rec.Body, err = tlenc.Encode(msg); err != nil {
		return nil, err
	}
	if err := tx.PutChannelMessage(rec); err != nil {
		return nil, err
	}
	u := &tg.UpdateEditChannelMessage{Message: msg, PtsCount: 1}
	return u, logChannel(tx, channelID, 1, now, u, func(p int) { u.Pts = p })
}

// textMessage opens a stored message for an edit: service messages have no
// text to change.
func textMessage(rec *store.Message) (*tg.Message, error) {
	dec, err := decodeMessage(rec.Body)
	if err != nil {
		return nil, err
	}
	msg, ok := dec.(*tg.Message)
	if !ok {
		return nil, ErrMessageIDInvalid
	}
	return msg, nil
}

// EditMessage answers messages.editMessage: new text, entities or inline
// keyboard for a message the caller sent, in every box that holds it.
func (s *Service) EditMessage(ctx context.Context, sess Session, req *tg.MessagesEditMessageRequest) (tg.UpdatesClass, error) {
	t, err := s.resolveTarget(ctx, sess.UserID, req.Peer)
	if err != nil {
		return nil, err
	}
	text, hasText := req.GetMessage()
	if hasText && utf8.RuneCountInString(text) > maxMessageLength {
		return nil, ErrMessageTooLong
	}
	if _, ok := req.GetMedia(); ok {
		return nil, ErrMediaInvalid
	}
	me, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("edit message: %w", err)
	}
	var ents []tg.MessageEntityClass
	if hasText {
		if ents, _, err = s.normalizeEntities(ctx, sess.UserID, text, req.Entities); err != nil {
			return nil, err
		}
	}
	e := &edit{text: text, hasText: hasText, ents: ents, bot: me.Bot}
	if m, ok := req.GetReplyMarkup(); ok && me.Bot {
		if _, inline := m.(*tg.ReplyInlineMarkup); !inline {
			return nil, ErrReplyMarkupInvalid
		}
		if e.markup, err = s.validateMarkup(ctx, me, m, markupContext{kind: chatKind(t)}); err != nil {
			return nil, err
		}
	}
	if t.channel != nil {
		return s.editChannel(ctx, sess, t, req.ID, e)
	}
	now := int(s.now().Unix())
	var ob *outbox
	err = s.st.Write(ctx, func(tx store.Tx) error {
		mine, err := tx.Message(sess.UserID, req.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && mine.Peer != t.peer()) {
			return ErrMessageIDInvalid
		} else if err != nil {
			return err
		}
		if mine.FromID != sess.UserID {
			return ErrMessageAuthorRequired
		}
		if !me.Bot && now-int(mine.Date.Unix()) > userEditWindow {
			return ErrMessageEditTimeExpired
		}
		copies, err := tx.Copies(mine.Ref)
		if err != nil {
			return err
		}
		ob = newOutbox(tx, now, sess.UserID)
		if err := editCopies(tx, ob, copies, e, now, textMessage); err != nil {
			return err
		}
		return ob.seal()
	})
	if err != nil {
		return nil, err
	}
	users := []int64{sess.UserID}
	if t.user != nil {
		users = append(users, t.user.ID)
	}
	mine, err := ob.deliver(ctx, s, sess, t, users...)
	if err != nil {
		return nil, err
	}
	if mine == nil {
		return &tg.Updates{Date: now, Users: []tg.UserClass{}, Chats: []tg.ChatClass{}}, nil
	}
	return mine, nil
}

// DeleteMessages answers messages.deleteMessages. Deleting with revoke
// (always, for bots) removes every copy; otherwise only the caller's. Ids
// that name nothing are skipped, as Telegram does.
func (s *Service) DeleteMessages(ctx context.Context, sess Session, req *tg.MessagesDeleteMessagesRequest) (*tg.MessagesAffectedMessages, error) {
	now := int(s.now().Unix())
	var (
		ob  *outbox
		res tg.MessagesAffectedMessages
	)
	err := s.st.Write(ctx, func(tx store.Tx) error {
		ob = newOutbox(tx, now, sess.UserID)
		perOwner := map[int64][]int{}
		var owners []int64
		for _, id := range req.ID {
			mine, err := tx.Message(sess.UserID, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			targets := []*store.Message{mine}
			if req.Revoke || sess.Bot {
				if mine.Peer.Type == store.PeerChat && mine.FromID != sess.UserID {
					return ErrMessageDeleteForbidden
				}
				if targets, err = tx.Copies(mine.Ref); err != nil {
					return err
				}
			}
			for _, t := range targets {
				if err := tx.DeleteMessage(t.Owner, t.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				if _, ok := perOwner[t.Owner]; !ok {
					owners = append(owners, t.Owner)
				}
				perOwner[t.Owner] = append(perOwner[t.Owner], t.ID)
			}
		}
		for _, owner := range owners {
			ids := perOwner[owner]
			u := &tg.UpdateDeleteMessages{Messages: ids, PtsCount: len(ids)}
			if err := ob.add(owner, len(ids), u, func(p int) { u.Pts = p }); err != nil {
				return err
			}
			if owner == sess.UserID {
				res = tg.MessagesAffectedMessages{Pts: u.Pts, PtsCount: u.PtsCount}
			}
		}
		if res.Pts == 0 {
			st, err := tx.State(sess.UserID)
			if err != nil {
				return err
			}
			res.Pts = st.Pts
		}
		return ob.seal()
	})
	if err != nil {
		return nil, err
	}
	// The caller learns its pts from the result; its other sessions by push.
	if _, err := ob.deliver(ctx, s, sess, nil); err != nil {
		return nil, err
	}
	return &res, nil
}
