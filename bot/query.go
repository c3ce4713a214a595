package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// ErrAlreadyAnswered is what Query.Answer reports for a query that was
// answered before: by an earlier Answer, or by the Router because the
// handler was still running after Options.AnswerWithin.
var ErrAlreadyAnswered = errors.New("bot: callback query already answered")

// Answer is a callback query's answer (messages.setBotCallbackAnswer).
// The zero Answer is the empty answer: it only ends the client's wait.
type Answer struct {
	// Text is shown to the user as a toast, or as an alert with Alert
	// (message; at most 200 characters).
	Text string
	// Alert shows Text as a dismissable prompt instead of a toast.
	Alert bool
	// URL is opened by the client: the game's URL for a game button, or a
	// t.me link to the bot itself with a start parameter.
	URL string
	// CacheTime is how long the client may reuse the answer (cache_time;
	// whole seconds).
	CacheTime time.Duration
}

func (a Answer) request(queryID int64) *tg.MessagesSetBotCallbackAnswerRequest {
	return &tg.MessagesSetBotCallbackAnswerRequest{
		QueryID: queryID, Message: a.Text, Alert: a.Alert, URL: a.URL, CacheTime: int(a.CacheTime / time.Second),
	}
}

// answerState is where a query's answer is: not sent, on its way, or sent.
type answerState int

const (
	unanswered answerState = iota
	answering
	answered
)

// Query is one press of a callback or game button, as a handler sees it.
// Its fields are read-only.
type Query struct {
	// ID is the query_id the answer goes to.
	ID int64
	// UserID is the user who pressed the button.
	UserID int64
	// Data is the button's callback data; for a DataStore button, the
	// payload its key stands for. Nil for a game button.
	Data []byte
	// Key is the DataStore key the button carried, when Data was resolved
	// from one; nil otherwise.
	Key []byte
	// GameShortName is the game's short name for a game button; empty
	// otherwise.
	GameShortName string
	// ChatInstance identifies the chat the button was pressed in: the same
	// for every message of one chat (chat_instance).
	ChatInstance int64
	// Peer is the chat of the message whose button was pressed, as the bot
	// sees it; nil for a message sent via the bot in inline mode.
	Peer tg.PeerClass
	// MsgID is the id of that message in the bot's view; 0 for an inline
	// message.
	MsgID int
	// InlineMessageID names a message sent via the bot in inline mode; nil
	// otherwise.
	InlineMessageID tg.InputBotInlineMessageIDClass
	// Update is the update the query came in: *tg.UpdateBotCallbackQuery
	// or *tg.UpdateInlineBotCallbackQuery.
	Update tg.UpdateClass
	// Entities are the users and chats sent along with the update.
	Entities tg.Entities
	// API is the bot's client, to call any other method with.
	API *tg.Client

	router *Router
	mu     sync.Mutex
	state  answerState
	late   bool // the router's deadline has passed
}

// Inline reports whether the button was on a message sent via the bot in
// inline mode (updateInlineBotCallbackQuery).
func (q *Query) Inline() bool { return q.InlineMessageID != nil }

// User returns the user who pressed the button, from the update's
// entities, or nil if the update carried none.
func (q *Query) User() *tg.User { return q.Entities.Users[q.UserID] }

// Answered reports whether the query has been answered, or its answer is
// on its way.
func (q *Query) Answered() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.state != unanswered
}

// Answer answers the query. Only the first answer counts: a later one, or
// one after the Router answered for a handler still running at its
// deadline, sends nothing and returns ErrAlreadyAnswered. If the server
// refuses the answer (URL_INVALID, MESSAGE_TOO_LONG, ...), the query counts
// as unanswered again and the Router still sends its default answer.
func (q *Query) Answer(ctx context.Context, a Answer) error {
	q.mu.Lock()
	if q.state != unanswered {
		q.mu.Unlock()
		return ErrAlreadyAnswered
	}
	q.state = answering
	q.mu.Unlock()
	_, err := q.API.MessagesSetBotCallbackAnswer(ctx, a.request(q.ID))
	q.mu.Lock()
	// QUERY_ID_INVALID: answered already (by another session of the bot) or
	// too late; either way nothing more can be sent.
	refused := err != nil && !tgerr.Is(err, "QUERY_ID_INVALID")
	q.state = answered
	if refused {
		q.state = unanswered
	}
	late := q.late
	q.mu.Unlock()
	if refused && late {
		// The deadline passed while this answer was on its way: nobody else
		// will answer now.
		q.router.settle(ctx, q)
	}
	if err != nil {
		return fmt.Errorf("answer callback query: %w", err)
	}
	return nil
}

// settle sends a, unless the query is answered or an answer is on its way.
// It reports whether it sent anything, and the RPC error.
func (q *Query) settle(ctx context.Context, a Answer) (bool, error) {
	q.mu.Lock()
	q.late = true
	if q.state != unanswered {
		q.mu.Unlock()
		return false, nil
	}
	q.state = answering
	q.mu.Unlock()
	_, err := q.API.MessagesSetBotCallbackAnswer(ctx, a.request(q.ID))
	q.mu.Lock()
	q.state = answered // one try: a refused default answer is not retried
	q.mu.Unlock()
	return true, err
}

// InputPeer returns the chat of the pressed message as an input peer, with
// the access hash from the update's entities. It fails for an inline message
// (use InlineMessageID) and for a peer the update carried no access hash for.
func (q *Query) InputPeer() (tg.InputPeerClass, error) {
	switch p := q.Peer.(type) {
	case *tg.PeerUser:
		if u, ok := q.Entities.Users[p.UserID]; ok {
			return &tg.InputPeerUser{UserID: u.ID, AccessHash: u.AccessHash}, nil
		}
		return nil, fmt.Errorf("bot: user %d not in the update's users", p.UserID)
	case *tg.PeerChat:
		return &tg.InputPeerChat{ChatID: p.ChatID}, nil
	case *tg.PeerChannel:
		if c, ok := q.Entities.Channels[p.ChannelID]; ok {
			return &tg.InputPeerChannel{ChannelID: c.ID, AccessHash: c.AccessHash}, nil
		}
		return nil, fmt.Errorf("bot: channel %d not in the update's chats", p.ChannelID)
	case nil:
		return nil, errors.New("bot: an inline message has no peer")
	}
	return nil, fmt.Errorf("bot: unexpected peer %T", q.Peer)
}

// Edit replaces the text and the keyboard of the message whose button was
// pressed (messages.editMessage, or messages.editInlineBotMessage for an
// inline message). A nil markup sends no reply_markup.
func (q *Query) Edit(ctx context.Context, text string, markup tg.ReplyMarkupClass) error {
	return q.edit(ctx, text, true, markup)
}

// EditMarkup replaces only the keyboard of the message whose button was
// pressed, keeping its text.
func (q *Query) EditMarkup(ctx context.Context, markup tg.ReplyMarkupClass) error {
	return q.edit(ctx, "", false, markup)
}

func (q *Query) edit(ctx context.Context, text string, withText bool, markup tg.ReplyMarkupClass) error {
	if q.InlineMessageID != nil {
		req := &tg.MessagesEditInlineBotMessageRequest{ID: q.InlineMessageID}
		if withText {
			req.SetMessage(text)
		}
		if markup != nil {
			req.SetReplyMarkup(markup)
		}
		if _, err := q.API.MessagesEditInlineBotMessage(ctx, req); err != nil {
			return fmt.Errorf("edit inline message: %w", err)
		}
		return nil
	}
	peer, err := q.InputPeer()
	if err != nil {
		return err
	}
	req := &tg.MessagesEditMessageRequest{Peer: peer, ID: q.MsgID}
	if withText {
		req.SetMessage(text)
	}
	if markup != nil {
		req.SetReplyMarkup(markup)
	}
	if _, err := q.API.MessagesEditMessage(ctx, req); err != nil {
		return fmt.Errorf("edit message %d: %w", q.MsgID, err)
	}
	return nil
}
