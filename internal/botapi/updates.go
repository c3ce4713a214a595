package botapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gotd/td/tg"
)

// marshalUpdate encodes an update without its update_id: {"kind":payload}.
func marshalUpdate(kind string, payload any) ([]byte, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("encode %s update: %w", kind, err)
	}
	// kind is one of the Bot API's update field names: no escaping needed.
	out := make([]byte, 0, len(kind)+len(raw)+5)
	out = append(out, `{"`...)
	out = append(out, kind...)
	out = append(out, `":`...)
	out = append(out, raw...)
	return append(out, '}'), nil
}

// withUpdateID puts update_id in front of a stored update.
func withUpdateID(id int64, payload []byte) []byte {
	return appendWithUpdateID(make([]byte, 0, len(payload)+32), id, payload)
}

// appendWithUpdateID appends withUpdateID(id, payload) to out.
func appendWithUpdateID(out []byte, id int64, payload []byte) []byte {
	out = append(out, `{"update_id":`...)
	out = strconv.AppendInt(out, id, 10)
	if len(payload) > 2 {
		out = append(out, ',')
	}
	return append(out, payload[1:]...)
}

// addMessage queues a new or edited message the bot received; its own
// messages are not updates.
func (b *bot) addMessage(ctx context.Context, ents *entities, m tg.MessageClass, edited bool, add func(string, any) error) error {
	if out, ok := m.(interface{ GetOut() bool }); ok && out.GetOut() {
		return nil
	}
	msg := ents.message(m)
	if msg == nil {
		return nil
	}
	if msg.ReplyToMessage != nil {
		msg.ReplyToMessage = b.loadMessage(ctx, peerOfChatID(msg.Chat.ID), msg.ReplyToMessage.MessageID)
	}
	kind := "message"
	channel := msg.Chat.Type == "channel"
	switch {
	case channel && edited:
		kind = "edited_channel_post"
	case channel:
		kind = "channel_post"
	case edited:
		kind = "edited_message"
	}
	return add(kind, msg)
}

// addPushed queues an update pushed without a pts.
func (b *bot) addPushed(ctx context.Context, ents *entities, u tg.UpdateClass, add func(string, any) error) error {
	switch u := u.(type) {
	case *tg.UpdateBotCallbackQuery:
		q := CallbackQuery{ID: strconv.FormatInt(u.QueryID, 10), From: ents.user(u.UserID),
			ChatInstance: strconv.FormatInt(u.ChatInstance, 10), GameShortName: u.GameShortName}
		if data, ok := u.GetData(); ok {
			s := string(data)
			q.Data = &s
		}
		q.Message = b.loadMessage(ctx, u.Peer, u.MsgID)
		return add("callback_query", q)
	case *tg.UpdateInlineBotCallbackQuery:
		q := CallbackQuery{ID: strconv.FormatInt(u.QueryID, 10), From: ents.user(u.UserID),
			ChatInstance: strconv.FormatInt(u.ChatInstance, 10), GameShortName: u.GameShortName,
			InlineMessageID: inlineMessageID(u.MsgID)}
		if data, ok := u.GetData(); ok {
			s := string(data)
			q.Data = &s
		}
		return add("callback_query", q)
	case *tg.UpdateBotInlineQuery:
		q := InlineQuery{ID: strconv.FormatInt(u.QueryID, 10), From: ents.user(u.UserID), Query: u.Query, Offset: u.Offset}
		if pt, ok := u.GetPeerType(); ok {
			q.ChatType = inlineChatType(pt)
		}
		return add("inline_query", q)
	case *tg.UpdateNewChannelMessage:
		return b.addMessage(ctx, ents, u.Message, false, add)
	case *tg.UpdateEditChannelMessage:
		return b.addMessage(ctx, ents, u.Message, true, add)
	}
	return nil
}

func inlineChatType(pt tg.InlineQueryPeerTypeClass) string {
	switch pt.(type) {
	case *tg.InlineQueryPeerTypeSameBotPM:
		return "sender"
	case *tg.InlineQueryPeerTypePM, *tg.InlineQueryPeerTypeBotPM:
		return "private"
	case *tg.InlineQueryPeerTypeChat:
		return "group"
	case *tg.InlineQueryPeerTypeMegagroup:
		return "supergroup"
	case *tg.InlineQueryPeerTypeBroadcast:
		return "channel"
	}
	return ""
}

// loadMessage loads one message of the bot's box (or a channel) as the Bot
// API shows it; nil when it is gone.
func (b *bot) loadMessage(ctx context.Context, peer tg.PeerClass, id int) *Message {
	svc := b.s.opts.Service
	var (
		msgs  []tg.MessageClass
		users []tg.UserClass
		chats []tg.ChatClass
	)
	if ch, ok := peer.(*tg.PeerChannel); ok {
		in := svc.InputPeer(b.id, ch).(*tg.InputPeerChannel)
		res, err := svc.GetChannelMessages(ctx, b.sess, &tg.ChannelsGetMessagesRequest{
			Channel: &tg.InputChannel{ChannelID: in.ChannelID, AccessHash: in.AccessHash},
			ID:      []tg.InputMessageClass{&tg.InputMessageID{ID: id}}})
		if err != nil {
			return nil
		}
		msgs, users, chats = res.Messages, res.Users, res.Chats
	} else {
		// Shared with other readers: only read from here on.
		m, us, err := svc.PeekMessage(ctx, b.id, id)
		if err != nil {
			return nil
		}
		msgs, users = []tg.MessageClass{m}, us
	}
	ents := newEntities()
	ents.add(users, chats)
	// A group's title is a nicety: the message shows without it.
	_ = b.addChats(ctx, ents, msgs...)
	for _, m := range msgs {
		if m.GetID() == id {
			if msg := ents.message(m); msg != nil {
				if msg.ReplyToMessage != nil {
					msg.ReplyToMessage = nil // one level, as the Bot API
				}
				return msg
			}
		}
	}
	return nil
}
