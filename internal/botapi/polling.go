package botapi

import (
	"context"
	"time"
)

// maxPollTimeout caps getUpdates' long polling (Telegram's own cap is 50 s).
const maxPollTimeout = 50 * time.Second

// getUpdates hands out queued updates, waiting up to timeout seconds for
// one. A newer getUpdates ends a running one with 409 Conflict, as
// Telegram's; so does a webhook.
func getUpdates(ctx context.Context, r *request) (any, error) {
	offset, err := r.p.int64("offset")
	if err != nil {
		return nil, err
	}
	limit, err := r.p.int("limit")
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	secs, err := r.p.int("timeout")
	if err != nil {
		return nil, err
	}
	timeout := min(time.Duration(max(secs, 0))*time.Second, maxPollTimeout)
	b, q := r.b, r.s.opts.Store.BotAPI()
	var allowed []string
	hasAllowed, err := r.p.object("allowed_updates", &allowed)
	if err != nil {
		return nil, err
	}

	b.mu.Lock()
	if b.state.Webhook.URL != "" {
		b.mu.Unlock()
		return nil, errConflictHook
	}
	if b.poll != nil {
		close(b.poll.conflict)
	}
	me := &poller{conflict: make(chan struct{})}
	b.poll = me
	if hasAllowed {
		b.state.AllowedUpdates = allowed
	}
	st := b.state
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		if b.poll == me {
			b.poll = nil
		}
		b.mu.Unlock()
	}()
	if hasAllowed {
		if err := q.PutBot(ctx, &st); err != nil {
			return nil, err
		}
	}

	from := offset
	switch {
	case offset < 0:
		// -offset updates from the end of the queue; the others are forgotten.
		from = max(b.lastID()+offset+1, 0)
		if err := b.confirm(ctx, from); err != nil {
			return nil, err
		}
	case offset > 0:
		if err := b.confirm(ctx, offset); err != nil {
			return nil, err
		}
	}
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		b.mu.Lock()
		changed := b.changed
		ups := b.pendingLocked(from, limit)
		b.mu.Unlock()
		if len(ups) > 0 || deadline == nil {
			return updatesJSON(ups), nil
		}
		select {
		case <-changed:
		case <-deadline:
			return rawResult("[]"), nil
		case <-me.conflict:
			return nil, errConflictPoll
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-r.s.ctx.Done():
			return rawResult("[]"), nil
		}
	}
}

// updatesJSON encodes queued updates as getUpdates' result.
func updatesJSON(ups []*queued) rawResult {
	size := 2
	for _, u := range ups {
		size += len(u.payload) + 32 // a comma, {"update_id":N,
	}
	out := make([]byte, 0, size)
	out = append(out, '[')
	for i, u := range ups {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendWithUpdateID(out, u.id, u.payload)
	}
	return append(out, ']')
}
