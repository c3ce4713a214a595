package bot

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// fakeAPI is a tg.Invoker that records the bot's calls and answers them
// with what refuse says (nil: success).
type fakeAPI struct {
	mu      sync.Mutex
	calls   []bin.Encoder
	changed chan struct{} // gets a value on every call
	refuse  func(bin.Encoder) error
}

func newFakeAPI() *fakeAPI { return &fakeAPI{changed: make(chan struct{}, 100)} }

func (f *fakeAPI) Invoke(_ context.Context, in bin.Encoder, out bin.Decoder) error {
	f.mu.Lock()
	f.calls = append(f.calls, in)
	refuse := f.refuse
	f.mu.Unlock()
	f.changed <- struct{}{}
	if refuse != nil {
		if err := refuse(in); err != nil {
			return err
		}
	}
	var b bin.Buffer
	var res bin.Encoder = &tg.BoolTrue{}
	if _, ok := out.(*tg.UpdatesBox); ok {
		res = &tg.Updates{}
	}
	if err := res.Encode(&b); err != nil {
		return err
	}
	return out.Decode(&b)
}

// answers lists the setBotCallbackAnswer calls made so far.
func (f *fakeAPI) answers() []*tg.MessagesSetBotCallbackAnswerRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*tg.MessagesSetBotCallbackAnswerRequest
	for _, c := range f.calls {
		if a, ok := c.(*tg.MessagesSetBotCallbackAnswerRequest); ok {
			out = append(out, a)
		}
	}
	return out
}

// waitAnswers waits until n answers were sent and returns them.
func (f *fakeAPI) waitAnswers(t *testing.T, n int) []*tg.MessagesSetBotCallbackAnswerRequest {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		if a := f.answers(); len(a) >= n {
			return a
		}
		select {
		case <-f.changed:
		case <-timeout:
			t.Fatalf("%d answers sent, want %d", len(f.answers()), n)
		}
	}
}

func newTestRouter(t *testing.T, opts Options) (*Router, *fakeAPI) {
	t.Helper()
	f := newFakeAPI()
	r := NewRouter(opts)
	r.Bind(tg.NewClient(f))
	t.Cleanup(r.Wait)
	return r, f
}

// press delivers a callback query with data to r as a client would.
func press(t *testing.T, r *Router, id int64, data string) {
	t.Helper()
	u := &tg.UpdateBotCallbackQuery{QueryID: id, UserID: 7, Peer: &tg.PeerUser{UserID: 7}, MsgID: 10, ChatInstance: 99}
	u.SetData([]byte(data))
	deliver(t, r, u)
}

func deliver(t *testing.T, r *Router, u tg.UpdateClass) {
	t.Helper()
	err := r.Handle(context.Background(), &tg.Updates{Updates: []tg.UpdateClass{u},
		Users: []tg.UserClass{&tg.User{ID: 7, AccessHash: 77, FirstName: "Ann"}}})
	if err != nil {
		t.Fatal(err)
	}
}

// answerText is a handler answering with text.
func answerText(text string) Handler {
	return HandlerFunc(func(ctx context.Context, q *Query) error { return q.Answer(ctx, Answer{Text: text}) })
}

func TestRoutingByData(t *testing.T) {
	r, f := newTestRouter(t, Options{Fallback: answerText("fallback")})
	r.CallbackExact("vote", answerText("exact vote"))
	r.Callback("vote", answerText("prefix vote"))
	r.Callback("vote:up", answerText("prefix vote:up"))
	r.InlineCallback("vote:", answerText("inline vote:"))
	r.Game("snake", answerText("game snake"))
	inline := func(id int64, data string) tg.UpdateClass {
		u := &tg.UpdateInlineBotCallbackQuery{QueryID: id, UserID: 7, MsgID: &tg.InputBotInlineMessageID{DCID: 2, ID: 5, AccessHash: 6}}
		u.SetData([]byte(data))
		return u
	}
	game := &tg.UpdateBotCallbackQuery{QueryID: 7, UserID: 7, Peer: &tg.PeerUser{UserID: 7}, MsgID: 10}
	game.SetGameShortName("snake")
	otherGame := &tg.UpdateBotCallbackQuery{QueryID: 8, UserID: 7, Peer: &tg.PeerUser{UserID: 7}, MsgID: 10}
	otherGame.SetGameShortName("tetris")

	tests := []struct {
		name string
		u    tg.UpdateClass
		want string
	}{
		{"exact wins over prefix", nil, "exact vote"},
		{"prefix", nil, "prefix vote"},
		{"longest prefix", nil, "prefix vote:up"},
		{"no route", nil, "fallback"},
		{"inline routes first for inline queries", inline(5, "vote:up"), "inline vote:"},
		{"inline falls back to callback routes", inline(6, "vote"), "exact vote"},
		{"game by short name", game, "game snake"},
		{"unknown game", otherGame, "fallback"},
	}
	data := map[string]string{"exact wins over prefix": "vote", "prefix": "voter", "longest prefix": "vote:up:1", "no route": "other"}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.u == nil {
				press(t, r, int64(100+i), data[tt.name])
			} else {
				deliver(t, r, tt.u)
			}
			got := f.waitAnswers(t, i+1)
			if a := got[i]; a.Message != tt.want {
				t.Fatalf("answered %q, want %q", a.Message, tt.want)
			}
		})
	}
}

func TestEveryQueryIsAnswered(t *testing.T) {
	var errs []error
	var mu sync.Mutex
	onError := func(_ *Query, err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
	r, f := newTestRouter(t, Options{OnError: onError, DefaultAnswer: Answer{Text: "default"}})
	r.CallbackExact("silent", HandlerFunc(func(context.Context, *Query) error { return nil }))
	r.CallbackExact("fails", HandlerFunc(func(context.Context, *Query) error { return errors.New("boom") }))
	r.CallbackExact("panics", HandlerFunc(func(context.Context, *Query) error { panic("oops") }))
	r.CallbackExact("twice", HandlerFunc(func(ctx context.Context, q *Query) error {
		if err := q.Answer(ctx, Answer{Text: "first"}); err != nil {
			return err
		}
		if err := q.Answer(ctx, Answer{Text: "second"}); !errors.Is(err, ErrAlreadyAnswered) {
			t.Errorf("second answer: %v", err)
		}
		return nil
	}))
	r.CallbackExact("refused", HandlerFunc(func(ctx context.Context, q *Query) error {
		if err := q.Answer(ctx, Answer{URL: "https://example.com"}); !tgerr.Is(err, "URL_INVALID") {
			t.Errorf("refused answer: %v", err)
		}
		if q.Answered() {
			t.Error("a refused answer counts as answered")
		}
		return nil
	}))
	f.refuse = func(in bin.Encoder) error {
		if a, ok := in.(*tg.MessagesSetBotCallbackAnswerRequest); ok && a.URL != "" {
			return tgerr.New(400, "URL_INVALID")
		}
		return nil
	}
	for i, data := range []string{"silent", "fails", "panics", "twice"} {
		press(t, r, int64(i+1), data)
		r.Wait()
	}
	press(t, r, 5, "refused")
	r.Wait()
	byID := map[int64][]string{}
	for _, a := range f.answers() {
		byID[a.QueryID] = append(byID[a.QueryID], a.Message+a.URL)
	}
	want := map[int64]string{1: "default", 2: "default", 3: "default", 4: "first", 5: "https://example.com default"}
	for id, w := range want {
		if got := strings.Join(byID[id], " "); got != w {
			t.Errorf("query %d answered %q, want %q", id, got, w)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 2 || errs[0].Error() != "boom" {
		t.Fatalf("errors %v", errs)
	}
	var p *PanicError
	if !errors.As(errs[1], &p) || p.Value != "oops" || len(p.Stack) == 0 {
		t.Fatalf("panic reported as %#v", errs[1])
	}
}

// TestSlowHandlerIsAnsweredFirst: a handler still running at the deadline
// has its query answered for it; its own answer is then a no-op reporting
// ErrAlreadyAnswered, and its edit still goes out.
func TestSlowHandlerIsAnsweredFirst(t *testing.T) {
	r, f := newTestRouter(t, Options{AnswerWithin: 10 * time.Millisecond})
	release := make(chan struct{})
	result := make(chan error, 2)
	r.CallbackExact("slow", HandlerFunc(func(ctx context.Context, q *Query) error {
		<-release
		result <- q.Answer(ctx, Answer{Text: "too late"})
		result <- q.Edit(ctx, "done", Inline(Row(CallbackButton("again", "slow"))))
		return nil
	}))
	press(t, r, 1, "slow")
	if a := f.waitAnswers(t, 1)[0]; a.QueryID != 1 || a.Message != "" {
		t.Fatalf("router's answer %+v", a)
	}
	close(release)
	if err := <-result; !errors.Is(err, ErrAlreadyAnswered) {
		t.Fatalf("late answer: %v", err)
	}
	if err := <-result; err != nil {
		t.Fatalf("edit: %v", err)
	}
	r.Wait()
	if n := len(f.answers()); n != 1 {
		t.Fatalf("%d answers sent, want 1", n)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	edit, ok := f.calls[len(f.calls)-1].(*tg.MessagesEditMessageRequest)
	if !ok || edit.Message != "done" || edit.ID != 10 {
		t.Fatalf("last call %#v", f.calls[len(f.calls)-1])
	}
	if p, ok := edit.Peer.(*tg.InputPeerUser); !ok || p.UserID != 7 || p.AccessHash != 77 {
		t.Fatalf("edit peer %#v", edit.Peer)
	}
}

func TestRegisterOnDispatcher(t *testing.T) {
	f := newFakeAPI()
	r := NewRouter(Options{})
	r.Bind(tg.NewClient(f))
	t.Cleanup(r.Wait)
	r.CallbackExact("hi", answerText("hello"))
	d := tg.NewUpdateDispatcher()
	r.Register(d)
	u := &tg.UpdateBotCallbackQuery{QueryID: 3, UserID: 7, Peer: &tg.PeerUser{UserID: 7}, MsgID: 1}
	u.SetData([]byte("hi"))
	if err := d.Handle(context.Background(), &tg.Updates{Updates: []tg.UpdateClass{u}}); err != nil {
		t.Fatal(err)
	}
	if a := f.waitAnswers(t, 1)[0]; a.Message != "hello" {
		t.Fatalf("answer %+v", a)
	}
}

func TestUnboundRouter(t *testing.T) {
	r := NewRouter(Options{})
	u := &tg.UpdateBotCallbackQuery{QueryID: 3, UserID: 7, Peer: &tg.PeerUser{UserID: 7}, MsgID: 1}
	if err := r.Handle(context.Background(), &tg.Updates{Updates: []tg.UpdateClass{u}}); err == nil {
		t.Fatal("a Router without a client took a query")
	}
}

func TestDuplicateRoutesPanic(t *testing.T) {
	for name, add := range map[string]func(r *Router){
		"exact":  func(r *Router) { r.CallbackExact("a", answerText("")) },
		"prefix": func(r *Router) { r.Callback("a", answerText("")) },
		"game":   func(r *Router) { r.Game("a", answerText("")) },
	} {
		t.Run(name, func(t *testing.T) {
			r := NewRouter(Options{})
			add(r)
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			add(r)
		})
	}
}
