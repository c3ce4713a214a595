// Package botfather is buttonflow's built-in @BotFather: a bot account with
// a fixed username, made at first start, that runs inside the server. Bot
// authors talk to it like to any other bot to make bots (/newbot), get and
// revoke their tokens, edit them with inline keyboards edited in place
// (/mybots), and hand them to another user behind a requires_password
// button, the one real use of password buttons seed 004 names.
//
// It sees what is pushed to its account through a tap.Pusher watch and acts
// through the chat.Service, as a bot session would over MTProto.
package botfather

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store"
	"github.com/buttonflow/buttonflow/internal/tap"
)

// Username is BotFather's fixed username.
const Username = "BotFather"

// maxQueue bounds the updates waiting for BotFather; past it new ones are
// dropped (a callback then times out for its user) rather than memory grown.
const maxQueue = 10_000

// Options configure a BotFather. Service, Store and Taps are required.
type Options struct {
	// Service is the domain BotFather acts through.
	Service *chat.Service
	// Store is where bots are kept.
	Store store.Store
	// Taps shows BotFather what is pushed to its account.
	Taps *tap.Pusher
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
	// Rand is the source of tokens and random ids; crypto/rand when nil.
	Rand io.Reader
	// Logger receives logs; slog.Default() when nil.
	Logger *slog.Logger
}

// BotFather is the built-in bot. Run drives it.
type BotFather struct {
	svc  *chat.Service
	st   store.Store
	taps *tap.Pusher
	now  func() time.Time
	rand io.Reader
	log  *slog.Logger
	id   int64
	sess chat.Session

	mu    sync.Mutex
	queue []tg.UpdatesClass
	wake  chan struct{}

	// dialogs are the conversations waiting for a user's next message, by
	// user; only Run's goroutine touches them.
	dialogs map[int64]*dialog
}

// New returns BotFather, making its account when the store has none.
func New(ctx context.Context, opts Options) (*BotFather, error) {
	if opts.Service == nil || opts.Store == nil || opts.Taps == nil {
		return nil, errors.New("botfather: service, store and taps are required")
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	u, err := opts.Store.Users().ByUsername(ctx, Username)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Made here, not with chat.CreateBot: BotFather's username is the one
		// bot username that does not end in "bot". Its token is never given out.
		secret := make([]byte, 32)
		if _, err := io.ReadFull(opts.Rand, secret); err != nil {
			return nil, fmt.Errorf("botfather: token: %w", err)
		}
		u = &store.User{FirstName: Username, Username: Username, Bot: true, CreatedAt: opts.Clock(),
			BotToken: base64.RawURLEncoding.EncodeToString(secret)}
		if err := opts.Store.Users().Create(ctx, u); err != nil {
			return nil, fmt.Errorf("botfather: create @%s: %w", Username, err)
		}
		opts.Logger.Info("created @"+Username, "id", u.ID)
	case err != nil:
		return nil, fmt.Errorf("botfather: %w", err)
	case !u.Bot:
		return nil, fmt.Errorf("botfather: @%s is a user's username, not a bot's", Username)
	}
	return &BotFather{
		svc: opts.Service, st: opts.Store, taps: opts.Taps, now: opts.Clock, rand: opts.Rand,
		log: opts.Logger.With("bot", Username), id: u.ID, sess: chat.Session{UserID: u.ID, Bot: true},
		wake: make(chan struct{}, 1), dialogs: make(map[int64]*dialog),
	}, nil
}

// ID is BotFather's user id.
func (b *BotFather) ID() int64 { return b.id }

// Run answers BotFather's messages and callback queries until ctx ends.
func (b *BotFather) Run(ctx context.Context) error {
	stop := b.taps.Watch(b.id, b.enqueue)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-b.wake:
		}
		for u := b.next(); u != nil; u = b.next() {
			b.handle(ctx, u)
			if ctx.Err() != nil {
				return nil
			}
		}
	}
}

// enqueue is the tap: it runs on the pushing goroutine, so it only queues.
func (b *BotFather) enqueue(_ context.Context, u tg.UpdatesClass) {
	b.mu.Lock()
	full := len(b.queue) >= maxQueue
	if !full {
		b.queue = append(b.queue, u)
	}
	b.mu.Unlock()
	if full {
		b.log.Warn("update queue full, dropped an update", "type", fmt.Sprintf("%T", u))
		return
	}
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// next takes the oldest queued update, nil when none.
func (b *BotFather) next() tg.UpdatesClass {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 {
		return nil
	}
	u := b.queue[0]
	b.queue[0] = nil
	b.queue = b.queue[1:]
	return u
}

// handle acts on one pushed container: private messages from users and
// callback queries. Its own messages (out) come back too and are skipped.
func (b *BotFather) handle(ctx context.Context, u tg.UpdatesClass) {
	var ups []tg.UpdateClass
	switch u := u.(type) {
	case *tg.Updates:
		ups = u.Updates
	case *tg.UpdatesCombined:
		ups = u.Updates
	case *tg.UpdateShort:
		ups = []tg.UpdateClass{u.Update}
	}
	for _, up := range ups {
		switch up := up.(type) {
		case *tg.UpdateNewMessage:
			msg, ok := up.Message.(*tg.Message)
			if !ok || msg.Out {
				continue
			}
			peer, ok := msg.PeerID.(*tg.PeerUser)
			if !ok {
				continue // BotFather works in private chats only
			}
			if err := b.onMessage(ctx, peer.UserID, msg.Message); err != nil {
				b.log.Warn("message", "user", peer.UserID, "err", err)
			}
		case *tg.UpdateBotCallbackQuery:
			b.onCallback(ctx, up)
		}
	}
}

// send sends text (with an inline keyboard when markup is not nil) to user.
func (b *BotFather) send(ctx context.Context, user int64, text string, markup *tg.ReplyInlineMarkup) error {
	var r [8]byte
	if _, err := io.ReadFull(b.rand, r[:]); err != nil {
		return fmt.Errorf("random id: %w", err)
	}
	req := &tg.MessagesSendMessageRequest{
		Peer: b.svc.InputPeer(b.id, &tg.PeerUser{UserID: user}), Message: text,
		RandomID: int64(binary.LittleEndian.Uint64(r[:]) >> 1),
	}
	if markup != nil {
		req.SetReplyMarkup(markup)
	}
	req.SetFlags()
	if _, err := b.svc.SendMessage(ctx, b.sess, req); err != nil {
		return fmt.Errorf("send to %d: %w", user, err)
	}
	return nil
}

// edit changes BotFather's message msgID in its chat with user in place;
// a nil markup removes the keyboard.
func (b *BotFather) edit(ctx context.Context, user int64, msgID int, text string, markup *tg.ReplyInlineMarkup) error {
	req := &tg.MessagesEditMessageRequest{Peer: b.svc.InputPeer(b.id, &tg.PeerUser{UserID: user}), ID: msgID}
	req.SetMessage(text)
	if markup != nil {
		req.SetReplyMarkup(markup)
	}
	req.SetFlags()
	_, err := b.svc.EditMessage(ctx, b.sess, req)
	if err != nil && !errors.Is(err, chat.ErrMessageNotModified) {
		return fmt.Errorf("edit message %d for %d: %w", msgID, user, err)
	}
	return nil
}
