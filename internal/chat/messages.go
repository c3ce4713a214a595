package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/buttons"
	"github.com/buttonflow/buttonflow/internal/store"
	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// maxMessageLength is Telegram's limit on a text message, in UTF-8 characters.
const maxMessageLength = 4096

func unixTime(d int) time.Time { return time.Unix(int64(d), 0) }

// outgoing is a message being sent: a text (with markup or media) or, when
// action is set, a service message.
type outgoing struct {
	from      *store.User
	to        *target
	randomID  int64
	text      string
	entities  []tg.MessageEntityClass
	markup    tg.ReplyMarkupClass
	media     tg.MessageMediaClass
	action    tg.MessageActionClass
	replyToID int // in the sender's box; zero when none
	// replyToSender is who sent the replied-to message (set while sending).
	replyToSender int64
	mentions      []int64
	silent        bool
	// extraUsers are users the message refers to (service message actions).
	extraUsers []int64
	// viaBot is the bot an inline result was sent via; zero otherwise.
	viaBot int64
}

// SendMessage answers messages.sendMessage.
func (s *Service) SendMessage(ctx context.Context, sess Session, req *tg.MessagesSendMessageRequest) (tg.UpdatesClass, error) {
	to, err := s.resolveTarget(ctx, sess.UserID, req.Peer)
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
	ents, mentions, err := s.normalizeEntities(ctx, sess.UserID, req.Message, req.Entities)
	if err != nil {
		return nil, err
	}
	o := &outgoing{from: from, to: to, randomID: req.RandomID, text: req.Message, entities: ents, mentions: mentions, silent: req.Silent}
	if r, ok := req.GetReplyTo(); ok {
		if r, ok := r.(*tg.InputReplyToMessage); ok {
			o.replyToID = r.ReplyToMsgID
		}
	}
	if m, ok := req.GetReplyMarkup(); ok && from.Bot {
		if o.markup, err = s.validateMarkup(ctx, from, m, markupContext{kind: chatKind(to)}); err != nil {
			return nil, err
		}
	}
	return s.send(ctx, sess, o)
}

// chatKind is how the buttons package names the kind of chat.
func chatKind(t *target) buttons.ChatKind {
	switch {
	case t.chat != nil:
		return buttons.ChatGroup
	case t.channel != nil && t.channel.Megagroup:
		return buttons.ChatSupergroup
	case t.channel != nil:
		return buttons.ChatChannel
	case t.user.Bot:
		return buttons.ChatPrivateBot
	}
	return buttons.ChatPrivate
}

// send stores a message in every box that gets it (both sides of a private
// chat, every member of a basic group, the channel's own box), logs the
// updates and pushes them.
func (s *Service) send(ctx context.Context, sess Session, o *outgoing) (tg.UpdatesClass, error) {
	if o.randomID == 0 && o.action == nil {
		return nil, ErrRandomIDEmpty
	}
	if o.to.channel != nil {
		return s.sendChannel(ctx, sess, o)
	}
	now := int(s.now().Unix())
	var (
		ob  *outbox
		dup *tg.Updates
	)
	err := s.st.Write(ctx, func(tx store.Tx) error {
		if o.randomID != 0 {
			if prev, err := tx.MessageByRandomID(o.from.ID, o.randomID); err == nil {
				// The same random_id again: the message was sent; answer as then.
				var err error
				dup, err = s.duplicate(tx, prev, o.randomID, now)
				return err
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		ref, err := s.randomInt63()
		if err != nil {
			return err
		}
		ob = newOutbox(tx, now, sess.UserID)
		var replyRef int64
		if o.replyToID != 0 {
			prev, err := tx.Message(o.from.ID, o.replyToID)
			if errors.Is(err, store.ErrNotFound) || (err == nil && prev.Peer != o.to.peer()) {
				return ErrReplyMessageIDInvalid
			} else if err != nil {
				return err
			}
			replyRef, o.replyToSender = prev.Ref, prev.FromID
		}
		for _, owner := range recipients(o) {
			if err := s.putCopy(tx, ob, o, owner, ref, replyRef, now); err != nil {
				return err
			}
		}
		return ob.seal()
	})
	if err != nil {
		return nil, err
	}
	users := append([]int64{o.from.ID, o.viaBot}, o.extraUsers...)
	if o.to.user != nil {
		users = append(users, o.to.user.ID)
	}
	if dup != nil {
		if dup.Users, err = s.usersFor(ctx, o.from.ID, users...); err != nil {
			return nil, err
		}
		dup.Chats = s.chatsOf(o.from.ID, o.to)
		return dup, nil
	}
	return ob.deliver(ctx, s, sess, o.to, users...)
}

// duplicate answers a send whose random_id was already used: the message as
// it was sent, with no new pts.
func (s *Service) duplicate(tx store.Tx, prev *store.Message, randomID int64, now int) (*tg.Updates, error) {
	msg, err := decodeMessage(prev.Body)
	if err != nil {
		return nil, err
	}
	st, err := tx.State(prev.Owner)
	if err != nil {
		return nil, err
	}
	return &tg.Updates{Updates: []tg.UpdateClass{
		&tg.UpdateMessageID{ID: prev.ID, RandomID: randomID},
		&tg.UpdateNewMessage{Message: msg, Pts: st.Pts, PtsCount: 0},
	}, Date: now}, nil
}

// recipients lists the accounts whose boxes get a message, sender first.
func recipients(o *outgoing) []int64 {
	ids := []int64{o.from.ID}
	switch {
	case o.to.chat != nil:
		for _, m := range o.to.chat.Members {
			if m.UserID != o.from.ID {
				ids = append(ids, m.UserID)
			}
		}
	case o.to.user.ID != o.from.ID:
		ids = append(ids, o.to.user.ID)
	}
	return ids
}

// buildMessage makes the message owner sees; replyTo is the id, in that
// box, of the message it replies to (zero for none).
func buildMessage(o *outgoing, id int, out bool, peer tg.PeerClass, now, replyTo int) tg.MessageClass {
	var reply tg.MessageReplyHeaderClass
	if replyTo != 0 {
		reply = &tg.MessageReplyHeader{ReplyToMsgID: replyTo}
	}
	if o.action != nil {
		return &tg.MessageService{ID: id, Out: out, FromID: peerUser(o.from.ID), PeerID: peer, Date: now, Action: o.action, ReplyTo: reply}
	}
	return &tg.Message{
		ID: id, Out: out, Silent: o.silent, FromID: peerUser(o.from.ID), PeerID: peer,
		Date: now, Message: o.text, Entities: o.entities, Media: o.media, ViaBotID: o.viaBot, ReplyTo: reply,
	}
}

// putCopy stores owner's copy of an outgoing message and logs its update.
func (s *Service) putCopy(tx store.Tx, ob *outbox, o *outgoing, owner int64, ref, replyRef int64, now int) error {
	id, err := tx.NextMessageID(owner)
	if err != nil {
		return err
	}
	out := owner == o.from.ID
	var peer store.Peer
	switch {
	case o.to.chat != nil:
		peer = store.Peer{Type: store.PeerChat, ID: o.to.chat.ID}
	case out:
		peer = store.Peer{Type: store.PeerUser, ID: o.to.user.ID}
	default:
		peer = store.Peer{Type: store.PeerUser, ID: o.from.ID}
	}
	var replyTo int
	if replyRef != 0 {
		if rid, err := copyID(tx, replyRef, owner); err == nil {
			replyTo = rid
		}
	}
	msg := buildMessage(o, id, out, peerOf(peer), now, replyTo)
	if m, ok := msg.(*tg.Message); ok {
		if o.markup != nil && (out || visibleTo(o.markup, owner, o.mentions, o.replyToSender)) {
			m.ReplyMarkup = o.markup
		}
		m.Mentioned = !out && contains(o.mentions, owner)
	}
	body, err := tlenc.Encode(msg)
	if err != nil {
		return err
	}
	rec := &store.Message{Owner: owner, ID: id, Peer: peer, FromID: o.from.ID, Ref: ref, Date: unixTime(now), Body: body}
	if out && o.randomID != 0 {
		rec.RandomID = o.randomID
		ob.note(owner, &tg.UpdateMessageID{ID: id, RandomID: o.randomID})
	}
	u := &tg.UpdateNewMessage{Message: msg, PtsCount: 1}
	if err := ob.add(owner, 1, u, func(p int) { u.Pts = p }); err != nil {
		return err
	}
	return tx.PutMessage(rec)
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// peerOf is a stored peer as a TL Peer.
func peerOf(p store.Peer) tg.PeerClass {
	switch p.Type {
	case store.PeerChat:
		return &tg.PeerChat{ChatID: p.ID}
	case store.PeerChannel:
		return &tg.PeerChannel{ChannelID: p.ID}
	}
	return &tg.PeerUser{UserID: p.ID}
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
