package client_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/buttonflowtest"
)

// testWait bounds each test: generous, because key exchanges under the race
// detector on a busy machine take seconds. Tests end as soon as they can.
const testWait = 2 * time.Minute

// clock is a settable clock for the answer cache.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// servedBot answers a test bot's callback and inline queries from its
// Updates channel and keeps what it heard.
type servedBot struct {
	*buttonflowtest.Bot

	mu      sync.Mutex
	heard   map[string]int // callback data ("game:NAME" for games) → queries
	inbound chan *tg.Message
}

// serve reads b.Updates until the test ends: callback queries get
// answer(q) (nil leaves them unanswered), inline queries get inline(q), and
// messages from users go to inbound.
func serve(t *testing.T, b *buttonflowtest.Bot,
	answer func(q *tg.UpdateBotCallbackQuery) *tg.MessagesSetBotCallbackAnswerRequest,
	inline func(q *tg.UpdateBotInlineQuery) *tg.MessagesSetInlineBotResultsRequest,
) *servedBot {
	sb := &servedBot{Bot: b, heard: make(map[string]int), inbound: make(chan *tg.Message, 100)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for {
			var u tg.UpdatesClass
			select {
			case <-ctx.Done():
				return
			case u = <-b.Updates:
			}
			up, ok := u.(*tg.Updates)
			if !ok {
				if s, ok := u.(*tg.UpdateShort); ok {
					up = &tg.Updates{Updates: []tg.UpdateClass{s.Update}}
				} else {
					continue
				}
			}
			for _, one := range up.Updates {
				switch one := one.(type) {
				case *tg.UpdateBotCallbackQuery:
					key := string(one.Data)
					if name, ok := one.GetGameShortName(); ok {
						key = "game:" + name
					}
					sb.mu.Lock()
					sb.heard[key]++
					sb.mu.Unlock()
					if a := answer(one); a != nil {
						a.QueryID = one.QueryID
						if _, err := b.API.MessagesSetBotCallbackAnswer(ctx, a); err != nil && ctx.Err() == nil {
							t.Errorf("setBotCallbackAnswer: %v", err)
						}
					}
				case *tg.UpdateBotInlineQuery:
					if inline == nil {
						continue
					}
					r := inline(one)
					r.QueryID = one.QueryID
					if _, err := b.API.MessagesSetInlineBotResults(ctx, r); err != nil && ctx.Err() == nil {
						t.Errorf("setInlineBotResults: %v", err)
					}
				case *tg.UpdateNewMessage:
					if m, ok := one.Message.(*tg.Message); ok && !m.Out {
						select {
						case sb.inbound <- m:
						default:
						}
					}
				}
			}
		}
	}()
	return sb
}

// heardTimes is how many queries the bot heard for a key.
func (sb *servedBot) heardTimes(key string) int {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.heard[key]
}

// next waits for the next message a user sent the bot.
func (sb *servedBot) next(t *testing.T) *tg.Message {
	t.Helper()
	select {
	case m := <-sb.inbound:
		return m
	case <-time.After(testWait):
		t.Fatal("the bot got no message")
		return nil
	}
}

// send has the bot send text with a markup to peer.
func (sb *servedBot) send(ctx context.Context, t *testing.T, peer tg.InputPeerClass, text string, markup tg.ReplyMarkupClass) {
	t.Helper()
	req := &tg.MessagesSendMessageRequest{Peer: peer, Message: text, RandomID: randomID()}
	if markup != nil {
		req.SetReplyMarkup(markup)
	}
	if _, err := sb.API.MessagesSendMessage(ctx, req); err != nil {
		t.Fatalf("bot sends %q: %v", text, err)
	}
}

func inlineRow(buttons ...tg.KeyboardInlineButton) *tg.ReplyInlineMarkup {
	return &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: buttons}}}
}

func callbackButton(text, data string, password bool) tg.KeyboardInlineButton {
	return tg.KeyboardInlineButton{Text: text, Type: &tg.InlineButtonTypeCallback{Data: []byte(data), RequiresPassword: password}}
}

// textIs matches a received message by its text.
func textIs(text string) func(*tg.Message) bool {
	return func(m *tg.Message) bool { return m.Message == text }
}

func randomID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:]))
}
