package broker

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestTimeoutThenLateAnswer(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
	}{
		{"default timeout", 0},
		{"configured timeout", 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _, tick := newTestBroker(t, Options{Timeout: tt.timeout})
			timeout := tt.timeout
			if timeout == 0 {
				timeout = DefaultTimeout
			}
			p := begin(t, b, callbackQuery())
			res := waitAsync(context.Background(), p)
			tick(timeout - time.Nanosecond)
			if done(p) {
				t.Fatal("query timed out before its deadline")
			}
			tick(time.Nanosecond)
			r := <-res
			wantRPCError(t, r.err, "BOT_RESPONSE_TIMEOUT")
			wantRPCError(t, b.Answer(testBot, answerReq(p.ID())), "QUERY_ID_INVALID")
		})
	}
}

func TestFinishedIDsRememberedThenForgotten(t *testing.T) {
	b, _, tick := newTestBroker(t, Options{Timeout: 10 * time.Second, Retain: 5 * time.Second})
	answered := begin(t, b, callbackQuery())
	if err := b.Answer(testBot, answerReq(answered.ID())); err != nil {
		t.Fatal(err)
	}
	timedOut := begin(t, b, callbackQuery())
	tick(10 * time.Second)
	if !done(timedOut) {
		t.Fatal("query not timed out at its deadline")
	}
	if len(b.used) != 2 {
		t.Fatalf("%d ids remembered during retention, want 2", len(b.used))
	}
	tick(5*time.Second - time.Nanosecond)
	if len(b.used) != 2 {
		t.Fatalf("%d ids remembered before retention ends, want 2", len(b.used))
	}
	tick(time.Nanosecond)
	if len(b.used) != 0 || b.waiting.len() != 0 || b.retained.len() != 0 {
		t.Fatalf("after retention: %d ids, %d waiting, %d retained; want none",
			len(b.used), b.waiting.len(), b.retained.len())
	}
	wantRPCError(t, b.Answer(testBot, answerReq(timedOut.ID())), "QUERY_ID_INVALID")
}

func TestTickReportsNextDue(t *testing.T) {
	b, clk, _ := newTestBroker(t, Options{Timeout: 10 * time.Second, Retain: 30 * time.Second})
	t0 := clk.Now()
	if next := b.Tick(t0); !next.IsZero() {
		t.Fatalf("Tick with no queries = %v, want zero", next)
	}
	begin(t, b, callbackQuery())
	if next := b.Tick(t0); !next.Equal(t0.Add(10 * time.Second)) {
		t.Fatalf("Tick = %v, want the deadline", next)
	}
	// Expired at t0+10s: due again when forgotten at t0+40s, unless a
	// newer query's deadline comes first.
	clk.Advance(10 * time.Second)
	if next := b.Tick(clk.Now()); !next.Equal(t0.Add(40 * time.Second)) {
		t.Fatalf("Tick = %v, want the end of retention", next)
	}
	begin(t, b, callbackQuery())
	if next := b.Tick(clk.Now()); !next.Equal(t0.Add(20 * time.Second)) {
		t.Fatalf("Tick = %v, want the new deadline", next)
	}
}

func TestDeadlinesNeverGoBack(t *testing.T) {
	// A clock that steps back must not put a later query's deadline before
	// an earlier one's, or the queue would be out of order.
	b, clk, _ := newTestBroker(t, Options{})
	first := begin(t, b, callbackQuery())
	clk.Advance(-time.Minute)
	second := begin(t, b, callbackQuery())
	if second.Deadline().Before(first.Deadline()) {
		t.Fatalf("second deadline %v before first %v", second.Deadline(), first.Deadline())
	}
	b.Tick(first.Deadline())
	if !done(first) || !done(second) {
		t.Fatal("both queries should time out at the first deadline")
	}
}

func TestManyPendingQueriesExpire(t *testing.T) {
	const n = 10_000
	b, _, tick := newTestBroker(t, Options{})
	ps := make([]*Pending, n)
	for i := range ps {
		ps[i] = begin(t, b, callbackQuery())
		tick(time.Millisecond) // deadlines 1 ms apart
	}
	if b.Len() != n {
		t.Fatalf("Len = %d, want %d", b.Len(), n)
	}
	// Every third query is answered; the rest must time out in order.
	for i := 0; i < n; i += 3 {
		if err := b.Answer(testBot, answerReq(ps[i].ID())); err != nil {
			t.Fatalf("Answer %d: %v", i, err)
		}
	}
	// The clock is now n ms past the first Begin; query i's deadline is at
	// i ms + timeout. Half way, queries 0 to n/2 are due.
	tick(DefaultTimeout - n*time.Millisecond + n/2*time.Millisecond)
	for i, p := range ps {
		if want := i <= n/2 || i%3 == 0; done(p) != want {
			t.Fatalf("query %d settled = %v, want %v", i, done(p), want)
		}
	}
	tick(n / 2 * time.Millisecond)
	for i, p := range ps {
		_, err := p.Wait(context.Background())
		if i%3 == 0 {
			if err != nil {
				t.Fatalf("answered query %d: %v", i, err)
			}
			continue
		}
		wantRPCError(t, err, "BOT_RESPONSE_TIMEOUT")
	}
	if b.Len() != 0 {
		t.Fatalf("Len = %d after all deadlines, want 0", b.Len())
	}
	tick(DefaultTimeout)
	if len(b.used) != 0 || cap(b.waiting.buf) > maxIdleFIFO || cap(b.retained.buf) > maxIdleFIFO {
		t.Fatalf("after retention: %d ids, queue buffers %d and %d",
			len(b.used), cap(b.waiting.buf), cap(b.retained.buf))
	}
}

// fakeTimers is Options.After on a testClock. armed receives each d that
// Run sleeps for, so a test advances the clock only once Run is asleep.
type fakeTimers struct {
	clk   *testClock
	armed chan time.Duration
	mu    sync.Mutex
	waits []fakeWait
}

type fakeWait struct {
	at time.Time
	ch chan time.Time
}

func (f *fakeTimers) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	f.mu.Lock()
	f.waits = append(f.waits, fakeWait{f.clk.Now().Add(d), ch})
	f.mu.Unlock()
	f.armed <- d
	return ch
}

// awaitArmed returns once Run has gone to sleep for d. Run may sleep for
// other durations first (an extra kick costs one extra pass).
func (f *fakeTimers) awaitArmed(d time.Duration) {
	for got := range f.armed {
		if got == d {
			return
		}
	}
}

func (f *fakeTimers) Advance(d time.Duration) {
	now := f.clk.Advance(d)
	f.mu.Lock()
	defer f.mu.Unlock()
	kept := f.waits[:0]
	for _, w := range f.waits {
		if w.at.After(now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- now
	}
	f.waits = kept
}

func TestRunExpiresOnInjectedTimer(t *testing.T) {
	clk := newTestClock()
	timers := &fakeTimers{clk: clk, armed: make(chan time.Duration, 64)}
	b := New(Options{Clock: clk.Now, After: timers.After, Timeout: 5 * time.Second, Resolution: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- b.Run(ctx) }()

	p := begin(t, b, callbackQuery())
	timers.awaitArmed(5 * time.Second) // the timeout
	res := waitAsync(context.Background(), p)
	timers.Advance(5 * time.Second)
	wantRPCError(t, (<-res).err, "BOT_RESPONSE_TIMEOUT")

	// 0.1 s before the expired id is forgotten, a new query kicks Run: it
	// sleeps Resolution, not 0.1 s.
	clk.Advance(4*time.Second + 900*time.Millisecond)
	q := begin(t, b, callbackQuery())
	timers.awaitArmed(time.Second)
	waiting := waitAsync(context.Background(), q)

	cancel()
	if err := <-runErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if r := <-waiting; !errors.Is(r.err, ErrClosed) {
		t.Fatalf("Wait after Run ended = %v, want ErrClosed", r.err)
	}
	if _, err := b.Begin(callbackQuery()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Begin after Run ended = %v, want ErrClosed", err)
	}
}

func TestRunReturnsOnClose(t *testing.T) {
	b := New(Options{})
	runErr := make(chan error, 1)
	go func() { runErr <- b.Run(context.Background()) }()
	b.Close()
	if err := <-runErr; !errors.Is(err, ErrClosed) {
		t.Fatalf("Run = %v, want ErrClosed", err)
	}
}

func TestRunWithRealTimer(t *testing.T) {
	// The default timer path, with a timeout short enough not to slow the
	// test; the test waits on Wait, never sleeps.
	b := New(Options{Timeout: time.Millisecond, Resolution: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = b.Run(ctx) }()
	for range 3 {
		p := begin(t, b, callbackQuery())
		_, err := p.Wait(context.Background())
		wantRPCError(t, err, "BOT_RESPONSE_TIMEOUT")
	}
}

func TestFIFOReusesFrontHalf(t *testing.T) {
	var q fifo
	for i := range 8 {
		q.push(entry{id: int64(i)})
	}
	capBefore := cap(q.buf)
	for range 6 {
		q.pop()
	}
	for i := range 4 {
		q.push(entry{id: int64(100 + i)})
	}
	if cap(q.buf) != capBefore {
		t.Fatalf("fifo grew from %d to %d with room at the front", capBefore, cap(q.buf))
	}
	var got []int64
	for e, ok := q.peek(); ok; e, ok = q.peek() {
		got = append(got, e.id)
		q.pop()
	}
	if want := []int64{6, 7, 100, 101, 102, 103}; !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v", got, want)
	}
}

// A finished query's record is let go at once: only its id stays, until
// it is forgotten.
func TestFinishedQueryIsLetGo(t *testing.T) {
	b, _, tick := newTestBroker(t, Options{Timeout: 10 * time.Second, Retain: 5 * time.Second})
	answered := begin(t, b, callbackQuery())
	if err := b.Answer(testBot, answerReq(answered.ID())); err != nil {
		t.Fatal(err)
	}
	canceled := begin(t, b, callbackQuery())
	canceled.Cancel()
	waiting := begin(t, b, callbackQuery())
	if len(b.pending) != 1 || b.pending[waiting.ID()] != waiting {
		t.Fatalf("pending records %v, want only the waiting query", b.pending)
	}
	if len(b.used) != 3 {
		t.Fatalf("%d ids in use, want 3", len(b.used))
	}
	tick(10 * time.Second)
	if len(b.pending) != 0 || len(b.used) != 3 {
		t.Fatalf("after the deadline: %d pending, %d ids; want 0 and 3", len(b.pending), len(b.used))
	}
}
