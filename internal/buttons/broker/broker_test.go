package broker

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotd/td/tg"
)

func TestBeginDrawsNonZeroUniqueIDsFromRand(t *testing.T) {
	// 0 is never a query id, and an id in use is drawn again.
	b, _, _ := newTestBroker(t, Options{Rand: &seqReader{ids: []int64{0, 7, 7, -3}}})
	p1 := begin(t, b, callbackQuery())
	p2 := begin(t, b, callbackQuery())
	if p1.ID() != 7 || p2.ID() != -3 {
		t.Fatalf("ids = %d, %d; want 7, -3", p1.ID(), p2.ID())
	}
	if _, err := b.Begin(callbackQuery()); err == nil || !strings.Contains(err.Error(), "out of ids") {
		t.Fatalf("Begin with failing Rand: err = %v, want the reader's error", err)
	}
	if b.Len() != 2 {
		t.Fatalf("Len = %d, want 2", b.Len())
	}
}

func TestBeginGivesUpOnRandThatRepeats(t *testing.T) {
	ids := make([]int64, maxIDTries+1)
	for i := range ids {
		ids[i] = 5
	}
	b, _, _ := newTestBroker(t, Options{Rand: &seqReader{ids: ids}})
	begin(t, b, callbackQuery())
	if _, err := b.Begin(callbackQuery()); err == nil {
		t.Fatal("Begin succeeded with only used ids to draw")
	}
}

func TestBeginRejectsQueryWithoutBot(t *testing.T) {
	b, _, _ := newTestBroker(t, Options{})
	if _, err := b.Begin(Query{UserID: testUser}); err == nil {
		t.Fatal("Begin accepted a query with BotID 0")
	}
}

func TestPendingReportsQueryAndDeadline(t *testing.T) {
	b, clk, _ := newTestBroker(t, Options{Timeout: 3 * time.Second})
	p := begin(t, b, gameQuery())
	if got := p.Query(); got.GameShortName != gameShort || !got.Game || got.UserID != testUser {
		t.Fatalf("Query = %+v", got)
	}
	if want := clk.Now().Add(3 * time.Second); !p.Deadline().Equal(want) {
		t.Fatalf("Deadline = %v, want %v", p.Deadline(), want)
	}
}

func TestAnswerBeforeWaitIsKept(t *testing.T) {
	// The bot may answer between the update's push and the user's Wait.
	b, _, _ := newTestBroker(t, Options{})
	p := begin(t, b, callbackQuery())
	req := answerReq(p.ID())
	req.Message = "hi"
	if err := b.Answer(testBot, req); err != nil {
		t.Fatalf("Answer: %v", err)
	}
	a, err := p.Wait(context.Background())
	if err != nil || a.Message != "hi" {
		t.Fatalf("Wait = %+v, %v; want message hi", a, err)
	}
	if b.Len() != 0 {
		t.Fatalf("Len = %d after the answer, want 0", b.Len())
	}
}

func TestAskPushesIDBeforeWaiting(t *testing.T) {
	b, _, _ := newTestBroker(t, Options{})
	var notified int64
	a, err := b.Ask(context.Background(), callbackQuery(), func(id int64) error {
		notified = id
		// The bot answers at once, as a fast bot on another goroutine might.
		req := answerReq(id)
		req.Alert = true
		return b.Answer(testBot, req)
	})
	if err != nil || !a.Alert {
		t.Fatalf("Ask = %+v, %v; want an alert answer", a, err)
	}
	if notified == 0 {
		t.Fatal("notify got query id 0")
	}
}

func TestAskCancelsQueryWhenNotifyFails(t *testing.T) {
	b, _, _ := newTestBroker(t, Options{})
	boom := errors.New("no sessions")
	var id int64
	_, err := b.Ask(context.Background(), callbackQuery(), func(qid int64) error {
		id = qid
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Ask err = %v, want it to wrap %v", err, boom)
	}
	wantRPCError(t, b.Answer(testBot, answerReq(id)), "QUERY_ID_INVALID")
}

func TestAnswerQueryIDInvalid(t *testing.T) {
	tests := []struct {
		name string
		// setup returns the query id to answer and the answering bot.
		setup func(t *testing.T, b *Broker, tick func(time.Duration)) (int64, int64)
	}{
		{"unknown id", func(t *testing.T, b *Broker, _ func(time.Duration)) (int64, int64) {
			begin(t, b, callbackQuery())
			return 12345, testBot
		}},
		{"another bot's query", func(t *testing.T, b *Broker, _ func(time.Duration)) (int64, int64) {
			return begin(t, b, callbackQuery()).ID(), otherBot
		}},
		{"already answered", func(t *testing.T, b *Broker, _ func(time.Duration)) (int64, int64) {
			p := begin(t, b, callbackQuery())
			if err := b.Answer(testBot, answerReq(p.ID())); err != nil {
				t.Fatalf("first Answer: %v", err)
			}
			return p.ID(), testBot
		}},
		{"timed out", func(t *testing.T, b *Broker, tick func(time.Duration)) (int64, int64) {
			p := begin(t, b, callbackQuery())
			tick(DefaultTimeout)
			return p.ID(), testBot
		}},
		{"waiter's context ended", func(t *testing.T, b *Broker, _ func(time.Duration)) (int64, int64) {
			p := begin(t, b, callbackQuery())
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := p.Wait(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("Wait = %v, want context.Canceled", err)
			}
			return p.ID(), testBot
		}},
		{"canceled", func(t *testing.T, b *Broker, _ func(time.Duration)) (int64, int64) {
			p := begin(t, b, callbackQuery())
			p.Cancel()
			return p.ID(), testBot
		}},
		{"broker closed", func(t *testing.T, b *Broker, _ func(time.Duration)) (int64, int64) {
			p := begin(t, b, callbackQuery())
			b.Close()
			return p.ID(), testBot
		}},
		{"forgotten after retention", func(t *testing.T, b *Broker, tick func(time.Duration)) (int64, int64) {
			p := begin(t, b, callbackQuery())
			tick(DefaultTimeout)
			tick(DefaultTimeout)
			return p.ID(), testBot
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _, tick := newTestBroker(t, Options{})
			id, bot := tt.setup(t, b, tick)
			wantRPCError(t, b.Answer(bot, answerReq(id)), "QUERY_ID_INVALID")
		})
	}
}

func TestAnswerNilRequestIsQueryIDInvalid(t *testing.T) {
	b, _, _ := newTestBroker(t, Options{})
	wantRPCError(t, b.Answer(testBot, nil), "QUERY_ID_INVALID")
}

func TestAnotherBotsAnswerLeavesQueryPending(t *testing.T) {
	b, _, _ := newTestBroker(t, Options{})
	p := begin(t, b, callbackQuery())
	wantRPCError(t, b.Answer(otherBot, answerReq(p.ID())), "QUERY_ID_INVALID")
	if err := b.Answer(testBot, answerReq(p.ID())); err != nil {
		t.Fatalf("owner's Answer after another bot's: %v", err)
	}
}

func TestRejectedAnswerLeavesQueryPending(t *testing.T) {
	b, _, _ := newTestBroker(t, Options{})
	p := begin(t, b, callbackQuery())
	bad := answerReq(p.ID())
	bad.URL = "https://evil.example.com/"
	wantRPCError(t, b.Answer(testBot, bad), "URL_INVALID")
	if done(p) {
		t.Fatal("a rejected answer settled the query")
	}
	good := answerReq(p.ID())
	good.URL = "https://t.me/GameBot?start=retry"
	if err := b.Answer(testBot, good); err != nil {
		t.Fatalf("Answer after a rejected one: %v", err)
	}
	if a, err := p.Wait(context.Background()); err != nil || a.URL != good.URL {
		t.Fatalf("Wait = %+v, %v", a, err)
	}
}

func TestFirstAnswerWinsUnderConcurrency(t *testing.T) {
	const bots = 64
	b, _, _ := newTestBroker(t, Options{})
	p := begin(t, b, callbackQuery())
	var (
		wins   atomic.Int32
		winner atomic.Value
		start  = make(chan struct{})
		wg     sync.WaitGroup
	)
	for i := range bots {
		wg.Go(func() {
			req := answerReq(p.ID())
			req.Message = strings.Repeat("x", i+1)
			<-start
			err := b.Answer(testBot, req)
			switch {
			case err == nil:
				wins.Add(1)
				winner.Store(req.Message)
			case !errors.Is(err, ErrQueryIDInvalid):
				t.Errorf("losing Answer: %v, want QUERY_ID_INVALID", err)
			}
		})
	}
	res := waitAsync(context.Background(), p)
	close(start)
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d answers succeeded, want exactly 1", wins.Load())
	}
	r := <-res
	if r.err != nil || r.answer.Message != winner.Load().(string) {
		t.Fatalf("Wait = %+v, %v; want the winner's message", r.answer, r.err)
	}
}

func TestWaitContextCanceledMidWait(t *testing.T) {
	b, _, _ := newTestBroker(t, Options{})
	p := begin(t, b, callbackQuery())
	ctx, cancel := context.WithCancel(context.Background())
	res := waitAsync(ctx, p)
	cancel()
	if r := <-res; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", r.err)
	}
	wantRPCError(t, b.Answer(testBot, answerReq(p.ID())), "QUERY_ID_INVALID")
	if _, err := p.Wait(context.Background()); !errors.Is(err, context.Canceled) {
		t.Fatalf("second Wait = %v, want context.Canceled", err)
	}
}

func TestWaitReturnsAcceptedAnswerAfterContextEnds(t *testing.T) {
	// The bot got boolTrue, so the user gets the answer even if its context
	// ended in between.
	b, _, _ := newTestBroker(t, Options{})
	p := begin(t, b, callbackQuery())
	if err := b.Answer(testBot, answerReq(p.ID())); err != nil {
		t.Fatalf("Answer: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Wait(ctx); err != nil {
		t.Fatalf("Wait = %v, want the accepted answer", err)
	}
}

func TestCloseFailsWaitersAndBegin(t *testing.T) {
	b, _, _ := newTestBroker(t, Options{})
	p := begin(t, b, callbackQuery())
	res := waitAsync(context.Background(), p)
	b.Close()
	b.Close()
	if r := <-res; !errors.Is(r.err, ErrClosed) {
		t.Fatalf("Wait = %v, want ErrClosed", r.err)
	}
	if _, err := b.Begin(callbackQuery()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Begin after Close = %v, want ErrClosed", err)
	}
	if b.Len() != 0 {
		t.Fatalf("Len after Close = %d", b.Len())
	}
}

func TestAnswerFieldsReachTheUser(t *testing.T) {
	tests := []struct {
		name  string
		query Query
		req   tg.MessagesSetBotCallbackAnswerRequest
		want  tg.MessagesBotCallbackAnswer
	}{
		{"empty answer", callbackQuery(),
			tg.MessagesSetBotCallbackAnswerRequest{},
			tg.MessagesBotCallbackAnswer{}},
		{"toast", callbackQuery(),
			tg.MessagesSetBotCallbackAnswerRequest{Message: "Saved", CacheTime: 60},
			tg.MessagesBotCallbackAnswer{Message: "Saved", CacheTime: 60}},
		{"alert", callbackQuery(),
			tg.MessagesSetBotCallbackAnswerRequest{Alert: true, Message: "Are you sure?"},
			tg.MessagesBotCallbackAnswer{Alert: true, Message: "Are you sure?"}},
		{"start link", callbackQuery(),
			tg.MessagesSetBotCallbackAnswerRequest{URL: "https://t.me/GameBot?start=abc"},
			tg.MessagesBotCallbackAnswer{HasURL: true, URL: "https://t.me/GameBot?start=abc"}},
		{"game URL: has_url and native_ui", gameQuery(),
			tg.MessagesSetBotCallbackAnswerRequest{URL: testGameURL + "?session=9", CacheTime: 5},
			tg.MessagesBotCallbackAnswer{HasURL: true, NativeUI: true, URL: testGameURL + "?session=9", CacheTime: 5}},
		{"game button answered without a URL: no native_ui", gameQuery(),
			tg.MessagesSetBotCallbackAnswerRequest{Message: "not now"},
			tg.MessagesBotCallbackAnswer{Message: "not now"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _, _ := newTestBroker(t, Options{})
			p := begin(t, b, tt.query)
			req := tt.req
			req.QueryID = p.ID()
			if err := b.Answer(testBot, &req); err != nil {
				t.Fatalf("Answer: %v", err)
			}
			got, err := p.Wait(context.Background())
			if err != nil {
				t.Fatalf("Wait: %v", err)
			}
			want := tt.want
			want.SetFlags()
			if *got != want {
				t.Fatalf("answer = %+v, want %+v", *got, want)
			}
		})
	}
}

// TestThen: a query settled by an answer, a timeout or Close reaches the
// callback given to Then, once, with what Wait would have returned; Then
// after the query settled calls back at once.
func TestThen(t *testing.T) {
	b, _, advance := newTestBroker(t, Options{})
	type got struct {
		ans *tg.MessagesBotCallbackAnswer
		err error
	}
	then := func(p *Pending) chan got {
		ch := make(chan got, 2)
		p.Then(func(a *tg.MessagesBotCallbackAnswer, err error) { ch <- got{a, err} })
		return ch
	}
	answered := begin(t, b, callbackQuery())
	ch := then(answered)
	if err := b.Answer(testBot, &tg.MessagesSetBotCallbackAnswerRequest{QueryID: answered.ID(), Message: "ok"}); err != nil {
		t.Fatal(err)
	}
	if g := <-ch; g.err != nil || g.ans.Message != "ok" {
		t.Fatalf("answered: %+v", g)
	}
	late := then(answered)
	if g := <-late; g.err != nil || g.ans.Message != "ok" {
		t.Fatalf("Then after the answer: %+v", g)
	}
	timedOut := begin(t, b, callbackQuery())
	ch = then(timedOut)
	advance(DefaultTimeout)
	if g := <-ch; !errors.Is(g.err, ErrBotResponseTimeout) {
		t.Fatalf("timed out: %+v", g)
	}
	open := begin(t, b, callbackQuery())
	ch = then(open)
	b.Close()
	if g := <-ch; !errors.Is(g.err, ErrClosed) {
		t.Fatalf("closed: %+v", g)
	}
	select {
	case g := <-ch:
		t.Fatalf("called twice: %+v", g)
	default:
	}
}
