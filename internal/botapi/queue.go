package botapi

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/buttonflow/buttonflow/internal/store"
)

// idBlock is how many update_ids are reserved in the store at a time.
const idBlock = 10_000

// idAllocator hands out update_ids, increasing across every bot and across
// restarts: it reserves them in the store a block at a time, so updates kept
// only in memory never see their ids again after a restart.
type idAllocator struct {
	mu       sync.Mutex
	next     int64 // the next id to hand out; 0 before the first use
	reserved int64 // ids up to here are reserved in the store
}

// alloc returns the first of n new consecutive ids.
func (a *idAllocator) alloc(ctx context.Context, st store.BotAPI, n int) (int64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.next == 0 {
		r, err := st.ReservedIDs(ctx)
		if err != nil {
			return 0, err
		}
		a.next, a.reserved = r+1, r
	}
	if last := a.next + int64(n) - 1; last > a.reserved {
		through := last + idBlock
		if err := st.ReserveIDs(ctx, through); err != nil {
			return 0, err
		}
		a.reserved = through
	}
	first := a.next
	a.next += int64(n)
	return first, nil
}

// queued is an update waiting for the bot. Messages and edits are durable
// (also in the store, so a restart keeps them); callback and inline queries
// live in memory only, since they cannot be answered after a restart.
type queued struct {
	id      int64
	kind    string
	payload []byte
	durable bool
	created time.Time
}

// keepUpdates is how long an update waits for its bot at most: "they will
// not be kept longer than 24 hours", as the Bot API documents.
const keepUpdates = 24 * time.Hour

// expire forgets the updates older than keepUpdates.
func (b *bot) expire(ctx context.Context) error {
	cutoff := b.s.opts.Clock().Add(-keepUpdates)
	b.mu.Lock()
	var below int64
	for _, q := range b.queue {
		if !q.created.Before(cutoff) {
			break
		}
		below = q.id + 1
	}
	b.mu.Unlock()
	if below == 0 {
		return nil
	}
	return b.confirm(ctx, below)
}

// pendingLocked is up to limit queued updates with id >= from. b.mu must
// be held.
func (b *bot) pendingLocked(from int64, limit int) []*queued {
	i := 0
	for i < len(b.queue) && b.queue[i].id < from {
		i++
	}
	end := min(len(b.queue), i+limit)
	return b.queue[i:end:end]
}

// confirm forgets the updates below id, in the store too for durable ones.
func (b *bot) confirm(ctx context.Context, below int64) error {
	b.mu.Lock()
	n, durable := 0, false
	for n < len(b.queue) && b.queue[n].id < below {
		durable = durable || b.queue[n].durable
		n++
	}
	b.mu.Unlock()
	if n == 0 {
		return nil
	}
	if durable {
		if err := b.s.opts.Store.BotAPI().Confirm(ctx, b.id, below); err != nil {
			return err
		}
	}
	b.mu.Lock()
	for len(b.queue) > 0 && b.queue[0].id < below {
		b.queue[0] = nil
		b.queue = b.queue[1:]
	}
	b.mu.Unlock()
	return nil
}

// drop forgets every queued update.
func (b *bot) drop(ctx context.Context) error {
	if err := b.s.opts.Store.BotAPI().Drop(ctx, b.id); err != nil {
		return err
	}
	b.mu.Lock()
	b.queue = nil
	b.mu.Unlock()
	return nil
}

// lastID is the newest queued update's id, zero when none waits.
func (b *bot) lastID() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 {
		return 0
	}
	return b.queue[len(b.queue)-1].id
}

// loadQueue reads the durable updates a restart left in the store.
func (b *bot) loadQueue(ctx context.Context) error {
	var from int64
	for {
		ups, err := b.s.opts.Store.BotAPI().Pending(ctx, b.id, from, 1000)
		if err != nil {
			return fmt.Errorf("load bot api queue: %w", err)
		}
		for _, u := range ups {
			b.queue = append(b.queue, &queued{id: u.ID, kind: u.Kind, payload: u.Payload, durable: true, created: u.CreatedAt})
			from = u.ID + 1
		}
		if len(ups) < 1000 {
			return nil
		}
	}
}
