// Package tap lets in-process consumers, such as the HTTP Bot API and the
// built-in BotFather, see the updates the domain pushes to an account, beside
// its MTProto sessions.
package tap

import (
	"context"
	"fmt"
	"sync"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// Func receives the updates pushed to a watched account. It runs on the
// pushing goroutine, after the change committed, so it must not block: hand
// the updates to a queue of its own.
type Func func(ctx context.Context, u tg.UpdatesClass)

// Pusher is a chat.Pusher that shows every push to the watchers of its
// account, then hands it to Next.
type Pusher struct {
	// Next delivers pushes to MTProto sessions.
	Next chat.Pusher

	mu       sync.RWMutex
	watchers map[int64][]*watcher
}

type watcher struct{ fn Func }

// PushUser implements chat.Pusher.
func (p *Pusher) PushUser(ctx context.Context, userID int64, except chat.Session, u tg.UpdatesClass) error {
	p.mu.RLock()
	ws := p.watchers[userID]
	p.mu.RUnlock()
	if len(ws) > 0 {
		// Watchers get their own copy: gotd's encoders set flags on the
		// objects they encode, so sharing them with the MTProto push would
		// race.
		raw, err := tlenc.Encode(u)
		if err != nil {
			return fmt.Errorf("tap: %w", err)
		}
		for i, w := range ws {
			own := raw // the first watcher decodes raw itself, the others copies
			if i > 0 {
				own = append([]byte(nil), raw...)
			}
			c, err := tg.DecodeUpdates(&bin.Buffer{Buf: own})
			if err != nil {
				return fmt.Errorf("tap: copy %T: %w", u, err)
			}
			w.fn(ctx, c)
		}
	}
	if p.Next == nil {
		return nil
	}
	return p.Next.PushUser(ctx, userID, except, u)
}

// Watch calls fn with every push to userID until stop is called.
func (p *Pusher) Watch(userID int64, fn Func) (stop func()) {
	w := &watcher{fn: fn}
	p.mu.Lock()
	if p.watchers == nil {
		p.watchers = make(map[int64][]*watcher)
	}
	// Copy on write: PushUser ranges over the slice without the lock.
	ws := append(append([]*watcher(nil), p.watchers[userID]...), w)
	p.watchers[userID] = ws
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		old := p.watchers[userID]
		var keep []*watcher
		for _, x := range old {
			if x != w {
				keep = append(keep, x)
			}
		}
		if len(keep) == 0 {
			delete(p.watchers, userID)
		} else {
			p.watchers[userID] = keep
		}
	}
}
