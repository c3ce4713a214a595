// Package client is a Telegram user on top of gotd's telegram.Client that
// presses the buttons of bot messages the way the button flow asks clients
// to (https://core.telegram.org/api/bots/buttons): callback queries with the
// 2FA SRP check when a button requires the password, games, URLs, switch
// inline, url authorization, reply-keyboard text and the request-phone,
// -location and -poll buttons of private chats. Callback answers are cached
// for their cache_time, and what an answer means for a person (a toast, an
// alert, a URL to open, a game) is spelled out in a Result.
//
// Connect runs a gotd client of its own; New wraps one the caller runs. The
// buttonflowtest package gives ready, logged-in Clients against an
// in-process buttonflow server.
package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
)

// Options configure how a Client presses buttons.
type Options struct {
	// Password gives the account's 2FA password when a callback button
	// requires it (keyboardButtonCallback.requires_password). Without it
	// such presses fail with ErrPasswordNeeded before anything is sent.
	Password func(ctx context.Context) (string, error)
	// Now is the clock callback answers are cached by; time.Now when nil.
	Now func() time.Time
}

// Client is a logged-in user that receives messages and presses their
// buttons. Its methods are safe for concurrent use.
type Client struct {
	api  *tg.Client
	tc   *telegram.Client // nil when made by New
	opts Options

	peers peerCache
	inbox inbox
	cache answerCache

	selfMu sync.Mutex
	self   *tg.User

	stop func() error // Connect's shutdown; nil when made by New
}

// New wraps a gotd API client the caller runs and has logged in. The
// caller's gotd UpdateHandler must pass every update to Handle so the Client
// sees messages and learns the access hashes of their chats:
//
//	var c *client.Client
//	tc := telegram.NewClient(id, hash, telegram.Options{UpdateHandler: telegram.UpdateHandlerFunc(
//		func(ctx context.Context, u tg.UpdatesClass) error { return c.Handle(ctx, u) })})
//	c = client.New(tc.API(), client.Options{})
func New(api *tg.Client, opts Options) *Client {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Client{api: api, opts: opts}
	c.peers.init()
	c.inbox.init()
	c.cache.init()
	return c
}

// Config is how Connect reaches the server and logs in.
type Config struct {
	// AppID and AppHash identify the application (any values for buttonflow).
	AppID   int
	AppHash string
	// Telegram are the gotd options: public keys, DC list, resolver, session
	// storage. Connect sets UpdateHandler.
	Telegram telegram.Options
	// Login logs the account in on the running gotd client; nil when the
	// session storage holds a logged-in session already.
	Login func(ctx context.Context, tc *telegram.Client) error
	// Options configure presses.
	Options Options
}

// Connect starts a gotd client in the background, logs it in with
// cfg.Login and returns once the account is ready. Close stops it.
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	var c *Client
	ready := make(chan struct{})
	cfg.Telegram.UpdateHandler = telegram.UpdateHandlerFunc(func(ctx context.Context, u tg.UpdatesClass) error {
		select {
		case <-ready:
		case <-ctx.Done():
			return ctx.Err()
		}
		return c.Handle(ctx, u)
	})
	tc := telegram.NewClient(cfg.AppID, cfg.AppHash, cfg.Telegram)
	c = New(tc.API(), cfg.Options)
	c.tc = tc
	close(ready)

	runCtx, cancel := context.WithCancel(context.Background())
	started := make(chan error, 2) // the ready nil and Run's end
	done := make(chan error, 1)
	go func() {
		err := tc.Run(runCtx, func(ctx context.Context) error {
			if cfg.Login != nil {
				if err := cfg.Login(ctx, tc); err != nil {
					return fmt.Errorf("login: %w", err)
				}
			}
			self, err := tc.Self(ctx)
			if err != nil {
				return fmt.Errorf("self: %w", err)
			}
			c.setSelf(self)
			started <- nil
			<-ctx.Done()
			return nil
		})
		started <- err
		done <- err
	}()
	var once sync.Once
	var stopErr error
	c.stop = func() error {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				stopErr = err
			}
		})
		return stopErr
	}
	select {
	case err := <-started:
		if err != nil {
			_ = c.stop()
			return nil, err
		}
		return c, nil
	case <-ctx.Done():
		_ = c.stop()
		return nil, ctx.Err()
	}
}

// Close stops a Client made by Connect and waits for its gotd client to end;
// it does nothing for one made by New.
func (c *Client) Close() error {
	if c.stop == nil {
		return nil
	}
	return c.stop()
}

// API is the raw gotd API client, for every method the Client does not wrap.
func (c *Client) API() *tg.Client { return c.api }

// Telegram is the gotd client Connect runs, or nil for a Client made by New.
func (c *Client) Telegram() *telegram.Client { return c.tc }

// Self is the logged-in account, fetched once (users.getUsers([inputUserSelf])).
func (c *Client) Self(ctx context.Context) (*tg.User, error) {
	c.selfMu.Lock()
	self := c.self
	c.selfMu.Unlock()
	if self != nil {
		return self, nil
	}
	users, err := c.api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
	if err != nil {
		return nil, fmt.Errorf("get self: %w", err)
	}
	for _, u := range users {
		if u, ok := u.(*tg.User); ok && u.Self {
			c.setSelf(u)
			return u, nil
		}
	}
	return nil, errors.New("get self: the server did not return the account")
}

func (c *Client) setSelf(u *tg.User) {
	c.selfMu.Lock()
	c.self = u
	c.selfMu.Unlock()
	c.peers.addUsers([]tg.UserClass{u})
}

// Handle takes an update pushed by the server: it records the users and
// chats it names and keeps its new and edited messages for WaitMessage. It
// satisfies gotd's telegram.UpdateHandler.
func (c *Client) Handle(_ context.Context, u tg.UpdatesClass) error {
	c.learn(u)
	for _, m := range messagesIn(u) {
		c.inbox.add(m)
	}
	return nil
}

// WaitMessage returns the oldest message received (new or edited) that
// match accepts and no earlier WaitMessage returned, waiting for one until
// ctx ends. A nil match accepts any message.
func (c *Client) WaitMessage(ctx context.Context, match func(*tg.Message) bool) (*tg.Message, error) {
	return c.inbox.wait(ctx, match)
}

// Resolve finds a user or bot by username (contacts.resolveUsername) and
// returns it with the InputPeer to address it by.
func (c *Client) Resolve(ctx context.Context, username string) (*tg.User, *tg.InputPeerUser, error) {
	r, err := c.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: username})
	if err != nil {
		return nil, nil, fmt.Errorf("resolve @%s: %w", username, err)
	}
	c.peers.addUsers(r.Users)
	c.peers.addChats(r.Chats)
	p, ok := r.Peer.(*tg.PeerUser)
	if !ok {
		return nil, nil, fmt.Errorf("resolve @%s: %T is not a user", username, r.Peer)
	}
	u, ok := c.peers.user(p.UserID)
	if !ok {
		return nil, nil, fmt.Errorf("resolve @%s: user %d missing from the answer", username, p.UserID)
	}
	return u, &tg.InputPeerUser{UserID: u.ID, AccessHash: u.AccessHash}, nil
}

// StartBot opens the private chat with a bot (messages.startBot), which
// sends the bot "/start" or "/start param".
func (c *Client) StartBot(ctx context.Context, username, param string) error {
	_, peer, err := c.Resolve(ctx, username)
	if err != nil {
		return err
	}
	res, err := c.api.MessagesStartBot(ctx, &tg.MessagesStartBotRequest{
		Bot: &tg.InputUser{UserID: peer.UserID, AccessHash: peer.AccessHash}, Peer: peer,
		RandomID: randomID(), StartParam: param,
	})
	if err != nil {
		return fmt.Errorf("start @%s: %w", username, err)
	}
	c.learn(res)
	return nil
}

// SendText sends a text message to peer and returns it as sent.
func (c *Client) SendText(ctx context.Context, peer tg.InputPeerClass, text string) (*tg.Message, error) {
	return c.sendText(ctx, peer, text, 0)
}

func (c *Client) sendText(ctx context.Context, peer tg.InputPeerClass, text string, replyTo int) (*tg.Message, error) {
	req := &tg.MessagesSendMessageRequest{Peer: peer, Message: text, RandomID: randomID()}
	if replyTo != 0 {
		req.SetReplyTo(&tg.InputReplyToMessage{ReplyToMsgID: replyTo})
	}
	res, err := c.api.MessagesSendMessage(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("send message: %w", err)
	}
	return c.sent(res)
}

func (c *Client) sendMedia(ctx context.Context, peer tg.InputPeerClass, media tg.InputMediaClass, replyTo int) (*tg.Message, error) {
	req := &tg.MessagesSendMediaRequest{Peer: peer, Media: media, RandomID: randomID()}
	if replyTo != 0 {
		req.SetReplyTo(&tg.InputReplyToMessage{ReplyToMsgID: replyTo})
	}
	res, err := c.api.MessagesSendMedia(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("send media: %w", err)
	}
	return c.sent(res)
}

// sent learns a send's result and finds the message in it.
func (c *Client) sent(res tg.UpdatesClass) (*tg.Message, error) {
	c.learn(res)
	if ms := messagesIn(res); len(ms) > 0 {
		return ms[0], nil
	}
	if s, ok := res.(*tg.UpdateShortSentMessage); ok {
		return &tg.Message{ID: s.ID, Out: true, Date: s.Date, Media: s.Media}, nil
	}
	return nil, fmt.Errorf("no message in the answer %T", res)
}

// learn records the users and chats of an Updates container.
func (c *Client) learn(u tg.UpdatesClass) {
	switch u := u.(type) {
	case *tg.Updates:
		c.peers.addUsers(u.Users)
		c.peers.addChats(u.Chats)
	case *tg.UpdatesCombined:
		c.peers.addUsers(u.Users)
		c.peers.addChats(u.Chats)
	}
}

// messagesIn lists the new and edited messages of an Updates container.
func messagesIn(u tg.UpdatesClass) []*tg.Message {
	var updates []tg.UpdateClass
	switch u := u.(type) {
	case *tg.Updates:
		updates = u.Updates
	case *tg.UpdatesCombined:
		updates = u.Updates
	case *tg.UpdateShort:
		updates = []tg.UpdateClass{u.Update}
	case *tg.UpdateShortMessage:
		m := &tg.Message{ID: u.ID, Out: u.Out, Message: u.Message, Date: u.Date, PeerID: &tg.PeerUser{UserID: u.UserID},
			ViaBotID: u.ViaBotID, Entities: u.Entities}
		if !u.Out {
			m.FromID = &tg.PeerUser{UserID: u.UserID}
		}
		return []*tg.Message{m}
	case *tg.UpdateShortChatMessage:
		return []*tg.Message{{ID: u.ID, Out: u.Out, Message: u.Message, Date: u.Date, PeerID: &tg.PeerChat{ChatID: u.ChatID},
			FromID: &tg.PeerUser{UserID: u.FromID}, ViaBotID: u.ViaBotID, Entities: u.Entities}}
	}
	var out []*tg.Message
	for _, one := range updates {
		var m tg.MessageClass
		switch one := one.(type) {
		case *tg.UpdateNewMessage:
			m = one.Message
		case *tg.UpdateNewChannelMessage:
			m = one.Message
		case *tg.UpdateEditMessage:
			m = one.Message
		case *tg.UpdateEditChannelMessage:
			m = one.Message
		}
		if m, ok := m.(*tg.Message); ok {
			out = append(out, m)
		}
	}
	return out
}
