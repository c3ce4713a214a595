package broker

import (
	"context"
	"log/slog"
	"time"
)

// Run expires queries as their deadlines pass until ctx ends or Close is
// called, then closes the Broker (failing waiting queries with ErrClosed)
// and returns ctx's error or ErrClosed. It sleeps while no query waits and
// wakes at most once per Options.Resolution. Call it once, in a goroutine
// owned by the Broker's owner.
func (b *Broker) Run(ctx context.Context) error {
	defer b.Close()
	after := b.after
	if after == nil {
		timer := time.NewTimer(time.Hour)
		timer.Stop()
		defer timer.Stop()
		after = func(d time.Duration) <-chan time.Time {
			timer.Reset(d) // since Go 1.23, Reset discards a stale tick
			return timer.C
		}
	}
	for {
		now := b.clock()
		var wake <-chan time.Time
		if next := b.Tick(now); !next.IsZero() {
			wake = after(max(next.Sub(now), b.resolution))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-b.closing:
			return ErrClosed
		case <-wake:
		case <-b.kick:
		}
	}
}

// Tick does what is due at now: queries still waiting at their deadline
// fail with ErrBotResponseTimeout, and ids retained past deadline+Retain are
// forgotten. It returns when it is next needed, or the zero time if no query
// is known. Run calls it; an owner driving expiry itself calls it instead of
// Run.
func (b *Broker) Tick(now time.Time) (next time.Time) {
	t := int64(now.Sub(b.epoch))
	b.mu.Lock()
	defer b.mu.Unlock()
	timedOut := 0
	for e, ok := b.waiting.peek(); ok && e.deadline <= t; e, ok = b.waiting.peek() {
		b.waiting.pop()
		// An id stays used until it is forgotten, so a pending query
		// under it is this one.
		if p := b.pending[e.id]; p != nil && p.finishLocked(expired, nil) {
			timedOut++
		}
		b.retained.push(e)
	}
	for e, ok := b.retained.peek(); ok && e.deadline+b.retain <= t; e, ok = b.retained.peek() {
		b.retained.pop()
		delete(b.used, e.id)
	}
	if timedOut > 0 {
		b.log.Debug("callback queries timed out", slog.Int("count", timedOut), slog.Int("waiting", len(b.pending)))
	}
	// The waiting queue's head is due before the retained queue's only if
	// Retain is longer than Timeout; compare both.
	due := int64(-1)
	if e, ok := b.waiting.peek(); ok {
		due = e.deadline
	}
	if e, ok := b.retained.peek(); ok && (due < 0 || e.deadline+b.retain < due) {
		due = e.deadline + b.retain
	}
	if due < 0 {
		return time.Time{}
	}
	return b.epoch.Add(time.Duration(due))
}

// entry is a query in a fifo: its id and deadline, no pointer.
type entry struct {
	id       int64
	deadline int64 // since the Broker's epoch
}

// fifo is a queue of queries in deadline order. Every query of a Broker has
// the same timeout and deadlines never go back, so the order in which
// queries begin is their deadline order and a queue does a heap's work in
// O(1).
type fifo struct {
	buf  []entry
	head int
}

func (q *fifo) len() int { return len(q.buf) - q.head }

func (q *fifo) push(e entry) {
	if q.head > 0 && q.head >= len(q.buf)/2 && len(q.buf) == cap(q.buf) {
		// Reuse the front half instead of growing.
		n := copy(q.buf, q.buf[q.head:])
		q.buf, q.head = q.buf[:n], 0
	}
	q.buf = append(q.buf, e)
}

func (q *fifo) peek() (entry, bool) {
	if q.head == len(q.buf) {
		return entry{}, false
	}
	return q.buf[q.head], true
}

func (q *fifo) pop() {
	q.head++
	if q.head == len(q.buf) {
		// Empty: start over, and let a burst's large buffer go.
		if cap(q.buf) > maxIdleFIFO {
			q.buf = nil
		}
		q.buf, q.head = q.buf[:0], 0
	}
}

// maxIdleFIFO is the largest buffer an empty fifo keeps.
const maxIdleFIFO = 1024
