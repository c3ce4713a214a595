package botapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store"
)

// defaultAllowed are the updates a bot gets when it names none: all but
// chat_member, message_reaction and message_reaction_count, as Telegram's.
var defaultAllowed = []string{
	"message", "edited_message", "channel_post", "edited_channel_post", "inline_query",
	"chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query",
	"poll", "poll_answer", "my_chat_member", "chat_join_request",
}

// bot is a bot that uses the Bot API: its queue's feeder, its pollers and
// its webhook.
type bot struct {
	s    *Server
	id   int64
	sess chat.Session

	// kick wakes the feeder; buffered, so a kick is never lost or blocking.
	kick chan struct{}

	mu sync.Mutex
	// state mirrors the stored state.
	state store.BotAPIBot
	// pushed are pushes without a pts (callback and inline queries, channel
	// posts) waiting to be queued.
	pushed []*tg.Updates
	// logged says the log may have grown since the feeder last read it.
	logged bool
	// changed is closed (and replaced) when updates are queued or the
	// webhook changes.
	changed chan struct{}
	// poll is the running getUpdates, cancelled by a newer one.
	poll *poller
	// hookStop ends the webhook's delivery loop; nil when none runs.
	hookStop context.CancelFunc
	// queue is what waits for the bot, oldest first.
	queue []*queued
}

// poller is a running getUpdates.
type poller struct{ conflict chan struct{} }

// start returns the bot's state, starting its feeder (and webhook) the
// first time; a bot new to the Bot API starts at its current pts.
func (s *Server) start(ctx context.Context, botID int64) (*bot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.bots[botID]; ok {
		return b, nil
	}
	st, err := s.opts.Store.BotAPI().Bot(ctx, botID)
	if errors.Is(err, store.ErrNotFound) {
		sess := chat.Session{UserID: botID, Bot: true}
		cur, err := s.opts.Service.GetState(ctx, sess)
		if err != nil {
			return nil, fmt.Errorf("bot api state: %w", err)
		}
		st = &store.BotAPIBot{BotID: botID, Pts: cur.Pts, Webhook: store.Webhook{MaxConnections: 40}}
		if err := s.opts.Store.BotAPI().PutBot(ctx, st); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	b := &bot{s: s, id: botID, sess: chat.Session{UserID: botID, Bot: true}, kick: make(chan struct{}, 1),
		state: *st, changed: make(chan struct{})}
	if err := b.loadQueue(ctx); err != nil {
		return nil, err
	}
	stop := s.opts.Taps.Watch(botID, b.tapped)
	if !s.spawn(func() {
		defer stop()
		b.feed(s.ctx)
	}) {
		stop()
		return nil, errors.New("bot api: the server is stopping")
	}
	s.bots[botID] = b
	b.logged = true
	b.kick <- struct{}{} // catch up with what the log gained while we were away
	if st.Webhook.URL != "" {
		b.startWebhook()
	}
	return b, nil
}

// tapped sees a push to the bot: updates without a pts are kept for the
// feeder, which reads the others from the log.
func (b *bot) tapped(_ context.Context, u tg.UpdatesClass) {
	var keep *tg.Updates
	logged := false
	if c, ok := u.(*tg.Updates); ok {
		for _, up := range c.Updates {
			switch up.(type) {
			case *tg.UpdateBotCallbackQuery, *tg.UpdateInlineBotCallbackQuery, *tg.UpdateBotInlineQuery,
				*tg.UpdateNewChannelMessage, *tg.UpdateEditChannelMessage:
				if keep == nil {
					keep = &tg.Updates{Users: c.Users, Chats: c.Chats, Date: c.Date}
				}
				keep.Updates = append(keep.Updates, up)
			default:
				logged = true
			}
		}
	} else {
		logged = true
	}
	b.mu.Lock()
	if keep != nil {
		b.pushed = append(b.pushed, keep)
	}
	// A push of queries alone leaves the log as it was: no getDifference.
	b.logged = b.logged || logged
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// feed queues the bot's updates whenever it is kicked, until ctx ends.
func (b *bot) feed(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			b.mu.Lock()
			if b.hookStop != nil {
				b.hookStop()
			}
			b.mu.Unlock()
			return
		case <-b.kick:
		}
		if err := b.ingest(ctx); err != nil && ctx.Err() == nil {
			b.s.log.Warn("bot api: queue updates", "bot", b.id, "err", err)
		}
		if err := b.expire(ctx); err != nil && ctx.Err() == nil {
			b.s.log.Warn("bot api: expire updates", "bot", b.id, "err", err)
		}
	}
}

// ingest reads the log past the stored pts and the pushes kept since the
// last call, turns them into Bot API updates and queues them in one
// transaction with the new pts.
func (b *bot) ingest(ctx context.Context) error {
	b.mu.Lock()
	pts, allowed := b.state.Pts, b.allowed()
	pushed, logged := b.pushed, b.logged
	b.pushed, b.logged = nil, false
	b.mu.Unlock()
	done := false
	defer func() {
		if !done {
			// Nothing was queued: the next kick tries again.
			b.mu.Lock()
			b.pushed = append(pushed, b.pushed...)
			b.logged = b.logged || logged
			b.mu.Unlock()
		}
	}()

	var (
		out     []*queued
		durable = true // the log's updates come first; then the pushed ones
	)
	add := func(kind string, payload any) error {
		if !slices.Contains(allowed, kind) {
			return nil
		}
		raw, err := marshalUpdate(kind, payload)
		if err != nil {
			return err
		}
		out = append(out, &queued{kind: kind, payload: raw, durable: durable, created: b.s.opts.Clock()})
		return nil
	}
	for logged {
		d, err := b.s.opts.Service.GetDifference(ctx, b.sess, &tg.UpdatesGetDifferenceRequest{Pts: pts})
		if err != nil {
			return fmt.Errorf("difference from pts %d: %w", pts, err)
		}
		var (
			msgs  []tg.MessageClass
			other []tg.UpdateClass
			ents  = newEntities()
			next  int
		)
		switch d := d.(type) {
		case *tg.UpdatesDifferenceEmpty:
		case *tg.UpdatesDifference:
			msgs, other, next = d.NewMessages, d.OtherUpdates, d.State.Pts
			ents.add(d.Users, d.Chats)
		case *tg.UpdatesDifferenceSlice:
			msgs, other, next = d.NewMessages, d.OtherUpdates, d.IntermediateState.Pts
			ents.add(d.Users, d.Chats)
		}
		if next == 0 {
			break
		}
		if err := b.loadChats(ctx, ents, msgs, other); err != nil {
			return err
		}
		for _, m := range msgs {
			if err := b.addMessage(ctx, ents, m, false, add); err != nil {
				return err
			}
		}
		for _, u := range other {
			if e, ok := u.(*tg.UpdateEditMessage); ok {
				if err := b.addMessage(ctx, ents, e.Message, true, add); err != nil {
					return err
				}
			}
		}
		pts = next
		if _, slice := d.(*tg.UpdatesDifferenceSlice); !slice {
			break
		}
	}
	durable = false
	for _, c := range pushed {
		ents := newEntities()
		ents.add(c.Users, c.Chats)
		for _, u := range c.Updates {
			if err := b.addPushed(ctx, ents, u, add); err != nil {
				return err
			}
		}
	}
	b.mu.Lock()
	same := pts == b.state.Pts
	b.mu.Unlock()
	if len(out) == 0 && same {
		done = true
		return nil
	}
	if len(out) > 0 {
		first, err := b.s.ids.alloc(ctx, b.s.opts.Store.BotAPI(), len(out))
		if err != nil {
			return err
		}
		for i, q := range out {
			q.id = first + int64(i)
		}
	}
	var keep []*store.BotAPIUpdate
	for _, q := range out {
		if q.durable {
			keep = append(keep, &store.BotAPIUpdate{ID: q.id, Kind: q.kind, Payload: q.payload, CreatedAt: q.created})
		}
	}
	if len(keep) > 0 || !same {
		if err := b.s.opts.Store.BotAPI().Queue(ctx, b.id, pts, keep); err != nil {
			return err
		}
	}
	done = true
	b.mu.Lock()
	b.state.Pts = pts
	b.queue = append(b.queue, out...)
	b.notifyLocked()
	b.mu.Unlock()
	return nil
}

// notifyLocked wakes whoever waits for updates. b.mu must be held.
func (b *bot) notifyLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// allowed is the bot's allowed_updates. b.mu must be held.
func (b *bot) allowed() []string {
	if len(b.state.AllowedUpdates) == 0 {
		return defaultAllowed
	}
	return b.state.AllowedUpdates
}

// loadChats fills in the basic groups the log's messages and edits are in
// (getDifference names users only).
func (b *bot) loadChats(ctx context.Context, ents *entities, msgs []tg.MessageClass, other []tg.UpdateClass) error {
	all := msgs
	for _, u := range other {
		if e, ok := u.(*tg.UpdateEditMessage); ok {
			all = append(all[:len(all):len(all)], e.Message)
		}
	}
	return b.addChats(ctx, ents, all...)
}

// addChats loads, in one call, the basic groups msgs are in that ents does
// not have yet.
func (b *bot) addChats(ctx context.Context, ents *entities, msgs ...tg.MessageClass) error {
	var ids []int64
	for _, m := range msgs {
		p, ok := m.(interface{ GetPeerID() tg.PeerClass })
		if !ok {
			continue
		}
		if c, ok := p.GetPeerID().(*tg.PeerChat); ok {
			if _, known := ents.chats[c.ChatID]; !known && !slices.Contains(ids, c.ChatID) {
				ids = append(ids, c.ChatID)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	res, err := b.s.opts.Service.GetChats(ctx, b.sess, ids)
	if err != nil {
		return fmt.Errorf("chats of updates: %w", err)
	}
	ents.add(nil, res.Chats)
	return nil
}
