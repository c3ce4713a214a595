package rpc

import (
	"context"
	"errors"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

func request(t *testing.T, obj bin.Encoder, s Session) *Request {
	t.Helper()
	b := &bin.Buffer{}
	if err := obj.Encode(b); err != nil {
		t.Fatal(err)
	}
	id, _ := b.PeekID()
	return &Request{ID: id, Body: b, Session: s}
}

func TestMuxRoutesAndGates(t *testing.T) {
	known := map[uint32]bool{tg.HelpGetNearestDCRequestTypeID: true, tg.UsersGetUsersRequestTypeID: true,
		tg.HelpGetConfigRequestTypeID: true, tg.MessagesSetBotCallbackAnswerRequestTypeID: true}
	m := NewMux(func(id uint32) bool { return known[id] })
	m.Handle(tg.HelpGetNearestDCRequestTypeID, Typed(func(_ context.Context, s Session, _ *tg.HelpGetNearestDCRequest) (*tg.NearestDC, error) {
		return &tg.NearestDC{ThisDC: 2}, nil
	}), Public())
	m.Handle(tg.HelpGetConfigRequestTypeID, HandlerFunc(func(context.Context, *Request) (bin.Encoder, error) {
		return nil, errors.New("disk on fire")
	}), Public())
	m.Handle(tg.MessagesSetBotCallbackAnswerRequestTypeID, BotsOnly(HandlerFunc(func(context.Context, *Request) (bin.Encoder, error) {
		return &tg.BoolTrue{}, nil
	})))
	anon, user, bot := Session{}, Session{UserID: 1}, Session{UserID: 2, Bot: true}
	tests := []struct {
		name    string
		req     bin.Encoder
		s       Session
		wantErr string
		wantInt bool
	}{
		{"public method without login", &tg.HelpGetNearestDCRequest{}, anon, "", false},
		{"unimplemented method before login", &tg.UsersGetUsersRequest{}, anon, "AUTH_KEY_UNREGISTERED", false},
		{"unimplemented method after login", &tg.UsersGetUsersRequest{}, user, "METHOD_INVALID", false},
		{"not a method at all", &tg.NearestDC{}, user, "INPUT_METHOD_INVALID", false},
		{"private method before login", &tg.MessagesSetBotCallbackAnswerRequest{}, anon, "AUTH_KEY_UNREGISTERED", false},
		{"bot-only method from a user", &tg.MessagesSetBotCallbackAnswerRequest{}, user, "USER_BOT_REQUIRED", false},
		{"bot-only method from a bot", &tg.MessagesSetBotCallbackAnswerRequest{}, bot, "", false},
		{"internal failure is hidden", &tg.HelpGetConfigRequest{}, user, "INTERNAL", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, rpcErr, internal := m.Serve(context.Background(), request(t, tt.req, tt.s))
			if (internal != nil) != tt.wantInt {
				t.Fatalf("internal error %v, want one: %v", internal, tt.wantInt)
			}
			if tt.wantErr == "" {
				if rpcErr != nil || res == nil {
					t.Fatalf("got %v, %v; want a result", res, rpcErr)
				}
				return
			}
			if rpcErr == nil || rpcErr.Type != tt.wantErr {
				t.Fatalf("error %v, want %s", rpcErr, tt.wantErr)
			}
		})
	}
}

func TestTypedRejectsUndecodableBody(t *testing.T) {
	h := Typed(func(context.Context, Session, *tg.MessagesGetBotCallbackAnswerRequest) (*tg.MessagesBotCallbackAnswer, error) {
		t.Fatal("handler called with a broken body")
		return nil, nil
	})
	b := &bin.Buffer{}
	b.PutID(tg.MessagesGetBotCallbackAnswerRequestTypeID) // and nothing else
	_, err := h.ServeRPC(context.Background(), &Request{Body: b})
	if !tgerr.Is(err, "INPUT_REQUEST_INVALID") {
		t.Fatalf("error %v, want INPUT_REQUEST_INVALID", err)
	}
}

func TestUsersOnly(t *testing.T) {
	h := UsersOnly(HandlerFunc(func(context.Context, *Request) (bin.Encoder, error) { return &tg.BoolTrue{}, nil }))
	if _, err := h.ServeRPC(context.Background(), &Request{Session: Session{UserID: 5, Bot: true}}); !tgerr.Is(err, "BOT_METHOD_INVALID") {
		t.Fatalf("bot calling a user method: %v", err)
	}
	if _, err := h.ServeRPC(context.Background(), &Request{Session: Session{UserID: 5}}); err != nil {
		t.Fatalf("user calling a user method: %v", err)
	}
}

func TestDoubleRegistrationPanics(t *testing.T) {
	m := NewMux(nil)
	h := HandlerFunc(func(context.Context, *Request) (bin.Encoder, error) { return nil, nil })
	m.Handle(1, h)
	defer func() {
		if recover() == nil {
			t.Fatal("registering a method twice did not panic")
		}
	}()
	m.Handle(1, h)
}

// TestAsyncRoutes: an async route's reply reaches ServeAsync's callback when
// it comes (here, after the handler returned), the login gate answers before
// the handler runs, and Serve waits for the reply of an async route.
func TestAsyncRoutes(t *testing.T) {
	m := NewMux(nil)
	replies := make(chan func(bin.Encoder, error), 1)
	m.HandleAsync(tg.MessagesGetBotCallbackAnswerRequestTypeID, func(_ context.Context, _ *Request, reply func(bin.Encoder, error)) {
		replies <- reply
	})
	req := request(t, &tg.MessagesGetBotCallbackAnswerRequest{Peer: &tg.InputPeerSelf{}}, Session{UserID: 1})
	type outcome struct {
		res    bin.Encoder
		rpcErr *tgerr.Error
	}
	got := make(chan outcome, 1)
	if !m.ServeAsync(context.Background(), req, func(res bin.Encoder, rpcErr *tgerr.Error, _ error) { got <- outcome{res, rpcErr} }) {
		t.Fatal("ServeAsync did not take an async route")
	}
	select {
	case o := <-got:
		t.Fatalf("answered before the reply: %+v", o)
	default:
	}
	(<-replies)(&tg.MessagesBotCallbackAnswer{Message: "later"}, nil)
	if o := <-got; o.rpcErr != nil || o.res.(*tg.MessagesBotCallbackAnswer).Message != "later" {
		t.Fatalf("outcome %+v", o)
	}

	anon := request(t, &tg.MessagesGetBotCallbackAnswerRequest{Peer: &tg.InputPeerSelf{}}, Session{})
	m.ServeAsync(context.Background(), anon, func(_ bin.Encoder, rpcErr *tgerr.Error, _ error) { got <- outcome{nil, rpcErr} })
	if o := <-got; o.rpcErr != ErrAuthKeyUnregistered {
		t.Fatalf("without a login: %+v", o)
	}

	go func() { (<-replies)(nil, tgerr.New(400, "BOT_RESPONSE_TIMEOUT")) }()
	if _, rpcErr, _ := m.Serve(context.Background(), req); rpcErr == nil || rpcErr.Type != "BOT_RESPONSE_TIMEOUT" {
		t.Fatalf("Serve of an async route: %v", rpcErr)
	}
	m.Handle(tg.HelpGetNearestDCRequestTypeID, HandlerFunc(func(context.Context, *Request) (bin.Encoder, error) {
		return &tg.NearestDC{}, nil
	}))
	sync := request(t, &tg.HelpGetNearestDCRequest{}, Session{UserID: 1})
	if m.ServeAsync(context.Background(), sync, func(bin.Encoder, *tgerr.Error, error) { t.Error("called back for a sync route") }) {
		t.Fatal("ServeAsync claimed a sync route")
	}
	none := request(t, &tg.HelpGetConfigRequest{}, Session{UserID: 1})
	m.ServeAsync(context.Background(), none, func(_ bin.Encoder, rpcErr *tgerr.Error, _ error) { got <- outcome{nil, rpcErr} })
	if o := <-got; o.rpcErr != ErrMethodInvalid {
		t.Fatalf("no route: %+v", o)
	}
}
