package chat

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/buttons"
	"github.com/buttonflow/buttonflow/internal/store"
)

// Errors of inline mode.
var (
	ErrBotInlineDisabled   = tgerr400("BOT_INLINE_DISABLED")
	ErrBotResponseTimeout  = tgerr400("BOT_RESPONSE_TIMEOUT")
	ErrQueryIDInvalid      = tgerr400("QUERY_ID_INVALID")
	ErrResultIDEmpty       = tgerr400("RESULT_ID_EMPTY")
	ErrResultIDDuplicate   = tgerr400("RESULT_ID_DUPLICATE")
	ErrResultIDInvalid     = tgerr400("RESULT_ID_INVALID")
	ErrResultTypeInvalid   = tgerr400("RESULT_TYPE_INVALID")
	ErrResultsTooMuch      = tgerr400("RESULTS_TOO_MUCH")
	ErrSendMessageTypeInvl = tgerr400("SEND_MESSAGE_TYPE_INVALID")
)

// inlineResultsKept is how long an inline query's results can be sent with
// messages.sendInlineBotResult after the bot answered.
const inlineResultsKept = 10 * time.Minute

// maxInlineResults is the most results one answer may carry.
const maxInlineResults = 50

// inlineQuery is an inline query waiting for, or answered by, its bot.
type inlineQuery struct {
	botID, userID int64
	expires       time.Time
	done          chan struct{} // closed when answered
	answered      bool
	answer        *tg.MessagesBotResults
	send          map[string]*tg.BotInlineMessageText // by result id
}

// GetInlineBotResults answers messages.getInlineBotResults: the bot gets
// updateBotInlineQuery and its messages.setInlineBotResults is the answer,
// or BOT_RESPONSE_TIMEOUT.
func (s *Service) GetInlineBotResults(ctx context.Context, sess Session, req *tg.MessagesGetInlineBotResultsRequest) (*tg.MessagesBotResults, error) {
	bot, err := s.resolveUser(ctx, sess.UserID, req.Bot)
	if err != nil {
		return nil, err
	}
	if !bot.Bot {
		return nil, ErrBotInvalid
	}
	if !bot.BotInline {
		return nil, ErrBotInlineDisabled
	}
	t, err := s.resolveTarget(ctx, sess.UserID, req.Peer)
	if err != nil {
		return nil, err
	}
	id, err := s.randomInt63()
	if err != nil {
		return nil, err
	}
	now := s.now()
	q := &inlineQuery{botID: bot.ID, userID: sess.UserID, expires: now.Add(s.callbackTimeout), done: make(chan struct{})}
	s.inlineMu.Lock()
	for qid, old := range s.inline {
		if now.After(old.expires) {
			delete(s.inline, qid)
		}
	}
	s.inline[id] = q
	s.inlineMu.Unlock()

	up := &tg.UpdateBotInlineQuery{QueryID: id, UserID: sess.UserID, Query: req.Query, Offset: req.Offset}
	up.SetPeerType(inlinePeerType(t, bot.ID))
	users, err := s.usersFor(ctx, bot.ID, sess.UserID)
	if err != nil {
		return nil, err
	}
	if err := s.push.PushUser(ctx, bot.ID, Session{}, &tg.Updates{Updates: []tg.UpdateClass{up}, Users: users,
		Chats: []tg.ChatClass{}, Date: int(now.Unix())}); err != nil {
		return nil, fmt.Errorf("push inline query: %w", err)
	}
	timer := time.NewTimer(s.callbackTimeout)
	defer timer.Stop()
	select {
	case <-q.done:
		return q.answer, nil
	case <-timer.C:
		return nil, ErrBotResponseTimeout
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// inlinePeerType says where an inline query comes from.
func inlinePeerType(t *target, botID int64) tg.InlineQueryPeerTypeClass {
	switch {
	case t.chat != nil:
		return &tg.InlineQueryPeerTypeChat{}
	case t.channel != nil && t.channel.Megagroup:
		return &tg.InlineQueryPeerTypeMegagroup{}
	case t.channel != nil:
		return &tg.InlineQueryPeerTypeBroadcast{}
	case t.user.ID == botID:
		return &tg.InlineQueryPeerTypeSameBotPM{}
	case t.user.Bot:
		return &tg.InlineQueryPeerTypeBotPM{}
	}
	return &tg.InlineQueryPeerTypePM{}
}

// SetInlineBotResults answers messages.setInlineBotResults from a bot. Text
// results (inputBotInlineMessageText, with an inline keyboard or none) are
// supported; other kinds answer SEND_MESSAGE_TYPE_INVALID.
func (s *Service) SetInlineBotResults(ctx context.Context, sess Session, req *tg.MessagesSetInlineBotResultsRequest) (tg.BoolClass, error) {
	bot, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("inline results: %w", err)
	}
	if len(req.Results) > maxInlineResults {
		return nil, ErrResultsTooMuch
	}
	results := make([]tg.BotInlineResultClass, 0, len(req.Results))
	send := make(map[string]*tg.BotInlineMessageText, len(req.Results))
	for _, r := range req.Results {
		in, ok := r.(*tg.InputBotInlineResult)
		if !ok {
			return nil, ErrResultTypeInvalid
		}
		if in.ID == "" {
			return nil, ErrResultIDEmpty
		}
		if send[in.ID] != nil {
			return nil, ErrResultIDDuplicate
		}
		msg, err := s.inlineMessage(ctx, bot, in.SendMessage)
		if err != nil {
			return nil, err
		}
		send[in.ID] = msg
		out := &tg.BotInlineResult{ID: in.ID, Type: in.Type, Title: in.Title, Description: in.Description, URL: in.URL, SendMessage: msg}
		results = append(results, out)
	}
	s.inlineMu.Lock()
	defer s.inlineMu.Unlock()
	q := s.inline[req.QueryID]
	if q == nil || q.botID != sess.UserID || q.answered || s.now().After(q.expires) {
		return nil, ErrQueryIDInvalid
	}
	res := &tg.MessagesBotResults{Gallery: req.Gallery, QueryID: req.QueryID, Results: results, CacheTime: clampCache(req.CacheTime), Users: []tg.UserClass{}}
	if v, ok := req.GetNextOffset(); ok {
		res.SetNextOffset(v)
	}
	if v, ok := req.GetSwitchPm(); ok {
		res.SetSwitchPm(v)
	}
	q.answered, q.answer, q.send = true, res, send
	q.expires = s.now().Add(inlineResultsKept)
	close(q.done)
	return &tg.BoolTrue{}, nil
}

func clampCache(v int) int { return min(max(v, 0), 2592000) }

// inlineMessage checks what a result sends.
func (s *Service) inlineMessage(ctx context.Context, bot *store.User, in tg.InputBotInlineMessageClass) (*tg.BotInlineMessageText, error) {
	m, ok := in.(*tg.InputBotInlineMessageText)
	if !ok {
		return nil, ErrSendMessageTypeInvl
	}
	if m.Message == "" {
		return nil, ErrMessageEmpty
	}
	ents, _, err := s.normalizeEntities(ctx, bot.ID, m.Message, m.Entities)
	if err != nil {
		return nil, err
	}
	out := &tg.BotInlineMessageText{NoWebpage: m.NoWebpage, Message: m.Message, Entities: ents}
	if rm, ok := m.GetReplyMarkup(); ok {
		if _, inline := rm.(*tg.ReplyInlineMarkup); !inline {
			return nil, ErrReplyMarkupInvalid
		}
		v, err := s.validateMarkup(ctx, bot, rm, markupContext{kind: buttons.ChatPrivate})
		if err != nil {
			return nil, err
		}
		out.ReplyMarkup = v
	}
	return out, nil
}

// SendInlineBotResult answers messages.sendInlineBotResult: the user sends
// the chosen result into a chat, as a message "via" the bot.
func (s *Service) SendInlineBotResult(ctx context.Context, sess Session, req *tg.MessagesSendInlineBotResultRequest) (tg.UpdatesClass, error) {
	s.inlineMu.Lock()
	q := s.inline[req.QueryID]
	var msg *tg.BotInlineMessageText
	if q != nil && q.userID == sess.UserID && q.answered && !s.now().After(q.expires) {
		msg = q.send[req.ID]
		if msg == nil {
			s.inlineMu.Unlock()
			return nil, ErrResultIDInvalid
		}
	}
	s.inlineMu.Unlock()
	if msg == nil {
		return nil, ErrQueryIDInvalid
	}
	to, err := s.resolveTarget(ctx, sess.UserID, req.Peer)
	if err != nil {
		return nil, err
	}
	from, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("send inline result: %w", err)
	}
	o := &outgoing{from: from, to: to, randomID: req.RandomID, text: msg.Message, entities: msg.Entities,
		markup: msg.ReplyMarkup, viaBot: q.botID, silent: req.Silent}
	if r, ok := req.GetReplyTo(); ok {
		if r, ok := r.(*tg.InputReplyToMessage); ok {
			o.replyToID = r.ReplyToMsgID
		}
	}
	if to.channel != nil && to.member != nil {
		if err := canPost(to.channel, to.member, from.ID); err != nil {
			return nil, err
		}
	}
	return s.send(ctx, sess, o)
}

// inlineMessageID names a message sent via a bot, for that bot: in a box
// (private chats and basic groups) by the message's ref, in a channel by
// channel and id; the access hash is keyed to the bot.
func (s *Service) inlineMessageID(botID int64, rec *store.Message) tg.InputBotInlineMessageIDClass {
	if rec.Peer.Type == store.PeerChannel {
		return &tg.InputBotInlineMessageID64{DCID: s.dc, OwnerID: rec.Owner, ID: rec.ID,
			AccessHash: s.inlineHash(botID, rec.Owner, int64(rec.ID))}
	}
	return &tg.InputBotInlineMessageID{DCID: s.dc, ID: rec.Ref, AccessHash: s.inlineHash(botID, 0, rec.Ref)}
}

func (s *Service) inlineHash(botID, owner, id int64) int64 {
	m := hmac.New(sha256.New, s.secret)
	var b [25]byte
	b[0] = 'm'
	binary.LittleEndian.PutUint64(b[1:], uint64(botID))
	binary.LittleEndian.PutUint64(b[9:], uint64(owner))
	binary.LittleEndian.PutUint64(b[17:], uint64(id))
	m.Write(b[:])
	return int64(binary.LittleEndian.Uint64(m.Sum(nil)))
}

// EditInlineBotMessage answers messages.editInlineBotMessage: the bot a
// message was sent via edits its text or inline keyboard in every copy.
func (s *Service) EditInlineBotMessage(ctx context.Context, sess Session, req *tg.MessagesEditInlineBotMessageRequest) (tg.BoolClass, error) {
	text, hasText := req.GetMessage()
	if _, ok := req.GetMedia(); ok {
		return nil, ErrMediaInvalid
	}
	bot, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("edit inline message: %w", err)
	}
	e := &edit{text: text, hasText: hasText, bot: true}
	if hasText {
		if e.ents, _, err = s.normalizeEntities(ctx, bot.ID, text, req.Entities); err != nil {
			return nil, err
		}
	}
	if m, ok := req.GetReplyMarkup(); ok {
		if _, inline := m.(*tg.ReplyInlineMarkup); !inline {
			return nil, ErrReplyMarkupInvalid
		}
		if e.markup, err = s.validateMarkup(ctx, bot, m, markupContext{kind: buttons.ChatPrivate}); err != nil {
			return nil, err
		}
	}
	now := int(s.now().Unix())
	via := func(rec *store.Message) (*tg.Message, error) { return viaMessage(rec, bot.ID) }
	switch id := req.ID.(type) {
	case *tg.InputBotInlineMessageID:
		if id.AccessHash != s.inlineHash(bot.ID, 0, id.ID) {
			return nil, ErrMessageIDInvalid
		}
		var ob *outbox
		err = s.st.Write(ctx, func(tx store.Tx) error {
			copies, err := tx.Copies(id.ID)
			if err != nil {
				return err
			}
			if len(copies) == 0 {
				return ErrMessageIDInvalid
			}
			ob = newOutbox(tx, now, 0)
			if err := editCopies(tx, ob, copies, e, now, via); err != nil {
				return err
			}
			return ob.seal()
		})
		if err != nil {
			return nil, err
		}
		if _, err := ob.deliver(ctx, s, Session{}, nil, bot.ID); err != nil {
			return nil, err
		}
	case *tg.InputBotInlineMessageID64:
		if id.AccessHash != s.inlineHash(bot.ID, id.OwnerID, int64(id.ID)) {
			return nil, ErrMessageIDInvalid
		}
		ch, err := s.st.Chats().Channel(ctx, id.OwnerID)
		if err != nil {
			return nil, ErrMessageIDInvalid
		}
		var us []tg.UpdateClass
		err = s.st.Write(ctx, func(tx store.Tx) error {
			u, err := editChannelMessage(tx, ch.ID, id.ID, e, now, via)
			us = []tg.UpdateClass{u}
			return err
		})
		if err != nil {
			return nil, err
		}
		if _, err := s.pushChannel(ctx, sess, ch, us, now, nil); err != nil {
			return nil, err
		}
	default:
		return nil, ErrMessageIDInvalid
	}
	return &tg.BoolTrue{}, nil
}

// viaMessage decodes a stored message sent via botID (MESSAGE_ID_INVALID otherwise).
func viaMessage(rec *store.Message, botID int64) (*tg.Message, error) {
	dec, err := decodeMessage(rec.Body)
	if err != nil {
		return nil, err
	}
	msg, ok := dec.(*tg.Message)
	if !ok || msg.ViaBotID != botID {
		return nil, ErrMessageIDInvalid
	}
	return msg, nil
}
