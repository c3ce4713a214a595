package broker

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

const (
	testBot     = int64(1001)
	otherBot    = int64(1002)
	testUser    = int64(42)
	botName     = "GameBot"
	gameShort   = "tetris"
	testGameURL = "https://games.example.com/tetris"
)

// testClock is a clock that moves only when told.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// newTestBroker returns a Broker on a test clock with deterministic ids, and
// a function that advances the clock by d and ticks the Broker.
func newTestBroker(t testing.TB, opts Options) (*Broker, *testClock, func(d time.Duration)) {
	t.Helper()
	clk := newTestClock()
	opts.Clock = clk.Now
	if opts.Rand == nil {
		opts.Rand = rand.NewChaCha8([32]byte{1, 2, 3})
	}
	b := New(opts)
	t.Cleanup(b.Close)
	return b, clk, func(d time.Duration) { b.Tick(clk.Advance(d)) }
}

func callbackQuery() Query {
	return Query{BotID: testBot, UserID: testUser, BotUsername: botName}
}

func gameQuery() Query {
	return Query{
		BotID: testBot, UserID: testUser, BotUsername: botName,
		Game: true, GameShortName: gameShort, GameURLs: []string{testGameURL},
	}
}

func begin(t testing.TB, b *Broker, q Query) *Pending {
	t.Helper()
	p, err := b.Begin(q)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	return p
}

// done says whether p's outcome is settled, without waiting.
func done(p *Pending) bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitResult is what Wait returned.
type waitResult struct {
	answer *tg.MessagesBotCallbackAnswer
	err    error
}

// waitAsync runs p.Wait(ctx) in a goroutine and returns its result channel.
func waitAsync(ctx context.Context, p *Pending) <-chan waitResult {
	ch := make(chan waitResult, 1)
	go func() {
		a, err := p.Wait(ctx)
		ch <- waitResult{a, err}
	}()
	return ch
}

// wantRPCError fails t unless err is the 400 RPC error named typ.
func wantRPCError(t testing.TB, err error, typ string) {
	t.Helper()
	var rpcErr *tgerr.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != 400 || rpcErr.Type != typ {
		t.Fatalf("error = %v, want 400 %s", err, typ)
	}
}

func answerReq(id int64) *tg.MessagesSetBotCallbackAnswerRequest {
	return &tg.MessagesSetBotCallbackAnswerRequest{QueryID: id}
}

// seqReader yields the given int64s, little-endian, then fails.
type seqReader struct{ ids []int64 }

func (r *seqReader) Read(p []byte) (int, error) {
	if len(r.ids) == 0 {
		return 0, errors.New("seqReader: out of ids")
	}
	v := uint64(r.ids[0])
	r.ids = r.ids[1:]
	for i := range min(len(p), 8) {
		p[i] = byte(v >> (8 * i))
	}
	return min(len(p), 8), nil
}
