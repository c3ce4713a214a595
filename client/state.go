package client

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/gotd/td/tg"
)

// peerCache keeps the users and channels the server named, for their access
// hashes: a received message names its chat by id only.
type peerCache struct {
	mu       sync.Mutex
	users    map[int64]*tg.User
	channels map[int64]*tg.Channel
}

func (p *peerCache) init() {
	p.users = make(map[int64]*tg.User)
	p.channels = make(map[int64]*tg.Channel)
}

func (p *peerCache) addUsers(us []tg.UserClass) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range us {
		u, ok := u.(*tg.User)
		if !ok {
			continue
		}
		// A min user carries no usable access hash: keep the full one.
		if old, ok := p.users[u.ID]; ok && u.Min && !old.Min {
			continue
		}
		p.users[u.ID] = u
	}
}

func (p *peerCache) addChats(cs []tg.ChatClass) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		if c, ok := c.(*tg.Channel); ok {
			if old, ok := p.channels[c.ID]; ok && c.Min && !old.Min {
				continue
			}
			p.channels[c.ID] = c
		}
	}
}

func (p *peerCache) user(id int64) (*tg.User, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.users[id]
	return u, ok
}

func (p *peerCache) channel(id int64) (*tg.Channel, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.channels[id]
	return c, ok
}

// InputPeer is the InputPeer of the chat msg is in, with the access hash the
// server gave this account. For a private chat not seen in an update yet it
// asks the server (messages.getMessages).
func (c *Client) InputPeer(ctx context.Context, msg *tg.Message) (tg.InputPeerClass, error) {
	for attempt := 0; ; attempt++ {
		switch p := msg.PeerID.(type) {
		case *tg.PeerChat:
			return &tg.InputPeerChat{ChatID: p.ChatID}, nil
		case *tg.PeerUser:
			if u, ok := c.peers.user(p.UserID); ok && !u.Min {
				return &tg.InputPeerUser{UserID: u.ID, AccessHash: u.AccessHash}, nil
			}
		case *tg.PeerChannel:
			if ch, ok := c.peers.channel(p.ChannelID); ok && !ch.Min {
				return &tg.InputPeerChannel{ChannelID: ch.ID, AccessHash: ch.AccessHash}, nil
			}
			return nil, fmt.Errorf("channel %d: not seen in any update, no access hash", p.ChannelID)
		default:
			return nil, fmt.Errorf("message %d has no chat (%T)", msg.ID, msg.PeerID)
		}
		if attempt > 0 {
			return nil, fmt.Errorf("user %d: the server gave no access hash", msg.PeerID.(*tg.PeerUser).UserID)
		}
		res, err := c.api.MessagesGetMessages(ctx, []tg.InputMessageClass{&tg.InputMessageID{ID: msg.ID}})
		if err != nil {
			return nil, fmt.Errorf("look up message %d: %w", msg.ID, err)
		}
		if m, ok := res.AsModified(); ok {
			c.peers.addUsers(m.GetUsers())
			c.peers.addChats(m.GetChats())
		}
	}
}

// inbox keeps received messages for WaitMessage.
type inbox struct {
	mu     sync.Mutex
	msgs   []*tg.Message
	notify chan struct{} // closed and replaced when a message arrives
}

// inboxLimit bounds the kept messages; the oldest go first.
const inboxLimit = 1000

func (b *inbox) init() { b.notify = make(chan struct{}) }

func (b *inbox) add(m *tg.Message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.msgs) == inboxLimit {
		b.msgs = b.msgs[1:]
	}
	b.msgs = append(b.msgs, m)
	close(b.notify)
	b.notify = make(chan struct{})
}

func (b *inbox) wait(ctx context.Context, match func(*tg.Message) bool) (*tg.Message, error) {
	for {
		b.mu.Lock()
		for i, m := range b.msgs {
			if match == nil || match(m) {
				b.msgs = append(b.msgs[:i:i], b.msgs[i+1:]...)
				b.mu.Unlock()
				return m, nil
			}
		}
		notify := b.notify
		b.mu.Unlock()
		select {
		case <-notify:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for a message: %w", ctx.Err())
		}
	}
}

// answerKey names a cached callback answer: the seed asks clients to cache
// an answer per button for its cache_time.
type answerKey struct {
	peer  string
	msgID int
	data  string
	game  bool
}

type cachedAnswer struct {
	answer  *tg.MessagesBotCallbackAnswer
	expires time.Time
}

// answerCache holds callback answers until their cache_time ends.
type answerCache struct {
	mu      sync.Mutex
	answers map[answerKey]cachedAnswer
}

func (a *answerCache) init() { a.answers = make(map[answerKey]cachedAnswer) }

func (a *answerCache) get(k answerKey, now time.Time) (*tg.MessagesBotCallbackAnswer, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.answers[k]
	if !ok {
		return nil, false
	}
	if !now.Before(e.expires) {
		delete(a.answers, k)
		return nil, false
	}
	return e.answer, true
}

func (a *answerCache) put(k answerKey, ans *tg.MessagesBotCallbackAnswer, now time.Time) {
	if ans.CacheTime <= 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for key, e := range a.answers { // drop what expired, so the map stays small
		if !now.Before(e.expires) {
			delete(a.answers, key)
		}
	}
	a.answers[k] = cachedAnswer{answer: ans, expires: now.Add(time.Duration(ans.CacheTime) * time.Second)}
}

func peerKey(p tg.PeerClass) string {
	switch p := p.(type) {
	case *tg.PeerUser:
		return fmt.Sprintf("u%d", p.UserID)
	case *tg.PeerChat:
		return fmt.Sprintf("c%d", p.ChatID)
	case *tg.PeerChannel:
		return fmt.Sprintf("C%d", p.ChannelID)
	}
	return fmt.Sprintf("%T", p)
}

func randomID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:]))
}
