package client

import (
	"context"
	"errors"
	"fmt"

	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// Errors a press can end with, to test with errors.Is.
var (
	// ErrBotResponseTimeout: the bot did not answer the callback query in
	// time (the RPC error BOT_RESPONSE_TIMEOUT, which the error also wraps).
	// The bot may be offline; the seed asks clients to handle it.
	ErrBotResponseTimeout = errors.New("the bot did not answer in time (BOT_RESPONSE_TIMEOUT)")
	// ErrPrivateChatOnly: request-phone, -location and -poll buttons work
	// only in private chats; refused before anything is sent.
	ErrPrivateChatOnly = errors.New("this button works only in private chats")
	// ErrNotSupported: the button is one this client cannot press, such as
	// a buy button (payments are not implemented).
	ErrNotSupported = errors.New("button type not supported")
	// ErrPasswordNeeded: the button requires the 2FA password and the
	// Client has no password provider (Options.Password, WithPassword).
	ErrPasswordNeeded = errors.New("the button requires the 2FA password and none was provided")
	// ErrNeedsInput: the button sends something the press options did not
	// give (WithLocation for a location button, WithPoll for a poll button).
	ErrNeedsInput = errors.New("the button needs input the press did not give")
	// ErrNoButton: the message has no such button.
	ErrNoButton = errors.New("no such button")
)

// Kind is the type of button pressed.
type Kind int

// The kinds of button a Result can come from.
const (
	KindCallback        Kind = iota + 1 // inline: keyboardButtonCallback
	KindGame                            // inline: keyboardButtonGame
	KindURL                             // inline: keyboardButtonUrl
	KindSwitchInline                    // inline: keyboardButtonSwitchInline
	KindURLAuth                         // inline: keyboardButtonUrlAuth
	KindText                            // reply keyboard: keyboardButton
	KindRequestPhone                    // reply keyboard: keyboardButtonRequestPhone
	KindRequestLocation                 // reply keyboard: keyboardButtonRequestGeoLocation
	KindRequestPoll                     // reply keyboard: keyboardButtonRequestPoll
)

var kindNames = map[Kind]string{
	KindCallback: "callback", KindGame: "game", KindURL: "url", KindSwitchInline: "switch inline",
	KindURLAuth: "url auth", KindText: "text", KindRequestPhone: "request phone",
	KindRequestLocation: "request location", KindRequestPoll: "request poll",
}

// String names the kind.
func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Result is what a press did and what the person pressing should now see.
// Only the fields of its Kind are set.
type Result struct {
	// Kind is the type of the button pressed.
	Kind Kind
	// Answer is the bot's callback answer (callback and game buttons), as
	// received or from the cache.
	Answer *tg.MessagesBotCallbackAnswer
	// Cached is true when Answer came from the cache, without asking the
	// server: the bot set a cache_time that has not run out.
	Cached bool
	// Toast is a message to show in a non-blocking toast notification.
	Toast string
	// Alert is a message to show as a dismissable prompt.
	Alert string
	// OpenURL is a URL to open right away, without a confirmation prompt: a
	// callback answer's URL (one to the bot itself), an internal t.me link,
	// or the login URL of an accepted url authorization.
	OpenURL string
	// ConfirmURL is a URL to open only after asking "Do you want to open
	// this URL?": a url button's URL that is not internal.
	ConfirmURL string
	// Game is the game to open, for a game button the bot answered with
	// the game's URL.
	Game *Game
	// SwitchInline is what to do for a switch-inline button.
	SwitchInline *SwitchInline
	// URLAuth is the url authorization a url-auth button asked for.
	URLAuth *URLAuth
	// Sent is the message the press sent (text, contact, location, poll).
	Sent *tg.Message
}

// Game is a game to open.
type Game struct {
	// URL is the game's URL.
	URL string
	// NativeUI: open it in the native UI rather than a web view.
	NativeUI bool
}

// SwitchInline is a switch-inline button's instruction: put "@bot query" in
// the input field of a chat, which starts an inline query.
type SwitchInline struct {
	// Bot is the inline bot.
	Bot *tg.User
	// Query is the query to insert after the bot's username.
	Query string
	// InputText is what goes in the input field: "@bot query".
	InputText string
	// SamePeer: the chat is the message's own. Otherwise the person picks
	// one of their chats (WithChosenChat answers that).
	SamePeer bool
	// PeerTypes are the kinds of chat the person may pick from, when given.
	PeerTypes []tg.InlineQueryPeerTypeClass
	// Peer is the chat of the inline query: the message's for SamePeer,
	// the chosen chat otherwise, nil while no chat was chosen.
	Peer tg.InputPeerClass
	// Results are the bot's inline results, when the press ran the query
	// (WithInlineQuery).
	Results *tg.MessagesBotResults
}

// URLAuth is a url-auth button's authorization (messages.requestUrlAuth).
type URLAuth struct {
	// Result is the server's answer: urlAuthResultRequest (ask the person,
	// then Accept), urlAuthResultAccepted (open its URL) or
	// urlAuthResultDefault (open the button's URL as a plain link).
	Result tg.URLAuthResultClass
	// URL is the button's URL.
	URL string

	c        *Client
	peer     tg.InputPeerClass
	msgID    int
	buttonID int
}

// Request is the question to ask the person, when the server asks one.
func (a *URLAuth) Request() (*tg.URLAuthResultRequest, bool) {
	r, ok := a.Result.(*tg.URLAuthResultRequest)
	return r, ok
}

// Accept logs the person in to the website (messages.acceptUrlAuth),
// allowing the bot to write to them when writeAllowed, and returns the URL
// to open.
func (a *URLAuth) Accept(ctx context.Context, writeAllowed bool) (string, error) {
	req := &tg.MessagesAcceptURLAuthRequest{WriteAllowed: writeAllowed}
	req.SetPeer(a.peer)
	req.SetMsgID(a.msgID)
	req.SetButtonID(a.buttonID)
	r, err := a.c.api.MessagesAcceptURLAuth(ctx, req)
	if err != nil {
		return "", fmt.Errorf("accept url auth: %w", err)
	}
	switch r := r.(type) {
	case *tg.URLAuthResultAccepted:
		u, _ := r.GetURL()
		return u, nil
	case *tg.URLAuthResultDefault:
		return a.URL, nil
	}
	return "", fmt.Errorf("accept url auth: unexpected %T", r)
}

// PressOption gives a press what its button needs.
type PressOption func(*pressOptions)

type pressOptions struct {
	location    *tg.InputGeoPoint
	poll        *tg.InputMediaPoll
	password    *string
	chosen      tg.InputPeerClass
	inlineQuery bool
}

// WithLocation is the location a request-location button sends.
func WithLocation(lat, long float64) PressOption {
	return func(o *pressOptions) { o.location = &tg.InputGeoPoint{Lat: lat, Long: long} }
}

// WithPoll is the poll a request-poll button sends.
func WithPoll(poll *tg.InputMediaPoll) PressOption {
	return func(o *pressOptions) { o.poll = poll }
}

// WithPassword is the 2FA password for this press, instead of the
// Client's password provider.
func WithPassword(password string) PressOption {
	return func(o *pressOptions) { o.password = &password }
}

// WithChosenChat is the chat picked for a switch-inline button without
// same_peer.
func WithChosenChat(peer tg.InputPeerClass) PressOption {
	return func(o *pressOptions) { o.chosen = peer }
}

// WithInlineQuery makes a switch-inline press run the inline query
// (messages.getInlineBotResults) in its chat and return the results.
func WithInlineQuery() PressOption {
	return func(o *pressOptions) { o.inlineQuery = true }
}

// Press presses the first button of msg's keyboard whose text is text; see
// PressAt.
func (c *Client) Press(ctx context.Context, msg *tg.Message, text string, opts ...PressOption) (*Result, error) {
	switch m := msg.ReplyMarkup.(type) {
	case *tg.ReplyInlineMarkup:
		for i, row := range m.Rows {
			for j, b := range row.Buttons {
				if b.Text == text {
					return c.PressAt(ctx, msg, i, j, opts...)
				}
			}
		}
	case *tg.ReplyKeyboardMarkup:
		for i, row := range m.Rows {
			for j, b := range row.Buttons {
				if b.Text == text {
					return c.PressAt(ctx, msg, i, j, opts...)
				}
			}
		}
	}
	return nil, fmt.Errorf("press %q: %w", text, ErrNoButton)
}

// PressAt presses the button in row and column col of msg's keyboard and
// does what the button flow asks of clients for its type:
//
//   - callback: messages.getBotCallbackAnswer with the data, and the SRP
//     proof of the password when the button requires it; the answer is
//     cached for its cache_time.
//   - game: the same with the game flag; Result.Game is the game to open.
//   - url: nothing is sent; Result.OpenURL or ConfirmURL is the URL.
//   - switch inline: Result.SwitchInline says what to insert where; the
//     query runs with WithInlineQuery.
//   - url auth: messages.requestUrlAuth; Result.URLAuth.Accept logs in.
//   - reply keyboard text: sends the text, replying to msg.
//   - request phone, location, poll (private chats only): sends the
//     account's own contact, WithLocation's point or WithPoll's poll.
//   - buy and the rest: ErrNotSupported.
func (c *Client) PressAt(ctx context.Context, msg *tg.Message, row, col int, opts ...PressOption) (*Result, error) {
	var o pressOptions
	for _, f := range opts {
		f(&o)
	}
	switch m := msg.ReplyMarkup.(type) {
	case *tg.ReplyInlineMarkup:
		if row < 0 || row >= len(m.Rows) || col < 0 || col >= len(m.Rows[row].Buttons) {
			return nil, fmt.Errorf("press [%d][%d]: %w", row, col, ErrNoButton)
		}
		b := m.Rows[row].Buttons[col]
		res, err := c.pressInline(ctx, msg, b, &o)
		if err != nil {
			return nil, fmt.Errorf("press %q: %w", b.Text, err)
		}
		return res, nil
	case *tg.ReplyKeyboardMarkup:
		if row < 0 || row >= len(m.Rows) || col < 0 || col >= len(m.Rows[row].Buttons) {
			return nil, fmt.Errorf("press [%d][%d]: %w", row, col, ErrNoButton)
		}
		b := m.Rows[row].Buttons[col]
		res, err := c.pressReply(ctx, msg, b, &o)
		if err != nil {
			return nil, fmt.Errorf("press %q: %w", b.Text, err)
		}
		return res, nil
	}
	return nil, fmt.Errorf("press [%d][%d]: message %d has no keyboard: %w", row, col, msg.ID, ErrNoButton)
}

func (c *Client) pressInline(ctx context.Context, msg *tg.Message, b tg.KeyboardInlineButton, o *pressOptions) (*Result, error) {
	switch t := b.Type.(type) {
	case *tg.InlineButtonTypeCallback:
		return c.callback(ctx, msg, t.Data, false, t.RequiresPassword, o)
	case *tg.InlineButtonTypeGame:
		return c.callback(ctx, msg, nil, true, false, o)
	case *tg.InlineButtonTypeURL:
		res := &Result{Kind: KindURL}
		if IsInternalURL(t.URL) {
			res.OpenURL = t.URL
		} else {
			res.ConfirmURL = t.URL
		}
		return res, nil
	case *tg.InlineButtonTypeSwitchInline:
		return c.switchInline(ctx, msg, t, o)
	case *tg.InlineButtonTypeURLAuth:
		return c.urlAuth(ctx, msg, t)
	case *tg.InlineButtonTypeBuy:
		return nil, fmt.Errorf("buy button (payments): %w", ErrNotSupported)
	}
	return nil, fmt.Errorf("%s: %w", b.Type.TypeName(), ErrNotSupported)
}

func (c *Client) pressReply(ctx context.Context, msg *tg.Message, b tg.KeyboardButton, o *pressOptions) (*Result, error) {
	private := func() error {
		if _, ok := msg.PeerID.(*tg.PeerUser); !ok {
			return ErrPrivateChatOnly
		}
		return nil
	}
	var kind Kind
	var media tg.InputMediaClass
	switch t := b.Type.(type) {
	case *tg.ButtonTypeDefault:
		peer, err := c.InputPeer(ctx, msg)
		if err != nil {
			return nil, err
		}
		sent, err := c.sendText(ctx, peer, b.Text, msg.ID)
		if err != nil {
			return nil, err
		}
		return &Result{Kind: KindText, Sent: sent}, nil
	case *tg.ButtonTypeRequestPhone:
		if err := private(); err != nil {
			return nil, err
		}
		self, err := c.Self(ctx)
		if err != nil {
			return nil, err
		}
		phone, ok := self.GetPhone()
		if !ok {
			return nil, errors.New("the server did not give the account's phone")
		}
		kind, media = KindRequestPhone, &tg.InputMediaContact{PhoneNumber: phone, FirstName: self.FirstName, LastName: self.LastName}
	case *tg.ButtonTypeRequestGeoLocation:
		if err := private(); err != nil {
			return nil, err
		}
		if o.location == nil {
			return nil, fmt.Errorf("location button without WithLocation: %w", ErrNeedsInput)
		}
		kind, media = KindRequestLocation, &tg.InputMediaGeoPoint{GeoPoint: o.location}
	case *tg.ButtonTypeRequestPoll:
		if err := private(); err != nil {
			return nil, err
		}
		if o.poll == nil {
			return nil, fmt.Errorf("poll button without WithPoll: %w", ErrNeedsInput)
		}
		// keyboardButtonRequestPoll.quiz, when set, says which kind to create.
		if quiz, set := t.GetQuiz(); set && quiz != o.poll.Poll.Quiz {
			return nil, fmt.Errorf("the button asks for quiz=%v: %w", quiz, ErrNeedsInput)
		}
		kind, media = KindRequestPoll, o.poll
	default:
		return nil, fmt.Errorf("%s: %w", b.Type.TypeName(), ErrNotSupported)
	}
	peer, err := c.InputPeer(ctx, msg)
	if err != nil {
		return nil, err
	}
	sent, err := c.sendMedia(ctx, peer, media, msg.ID)
	if err != nil {
		return nil, err
	}
	return &Result{Kind: kind, Sent: sent}, nil
}

// callback sends a callback query (or a game's) unless the cache answers.
func (c *Client) callback(ctx context.Context, msg *tg.Message, data []byte, game, password bool, o *pressOptions) (*Result, error) {
	key := answerKey{peer: peerKey(msg.PeerID), msgID: msg.ID, data: string(data), game: game}
	kind := KindCallback
	if game {
		kind = KindGame
	}
	// Answers to password buttons are not cached: each press proves the
	// password again.
	if !password {
		if ans, ok := c.cache.get(key, c.opts.Now()); ok {
			return answerResult(kind, ans, true), nil
		}
	}
	peer, err := c.InputPeer(ctx, msg)
	if err != nil {
		return nil, err
	}
	req := &tg.MessagesGetBotCallbackAnswerRequest{Peer: peer, MsgID: msg.ID, Game: game}
	if !game {
		req.SetData(data)
	}
	if password {
		srp, err := c.passwordProof(ctx, o)
		if err != nil {
			return nil, err
		}
		if srp != nil {
			req.SetPassword(srp)
		}
	}
	ans, err := c.api.MessagesGetBotCallbackAnswer(ctx, req)
	if tgerr.Is(err, "BOT_RESPONSE_TIMEOUT") {
		return nil, fmt.Errorf("%w: %w", ErrBotResponseTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("get callback answer: %w", err)
	}
	if !password {
		c.cache.put(key, ans, c.opts.Now())
	}
	return answerResult(kind, ans, false), nil
}

// answerResult says what a callback answer means for the person.
func answerResult(kind Kind, ans *tg.MessagesBotCallbackAnswer, cached bool) *Result {
	res := &Result{Kind: kind, Answer: ans, Cached: cached}
	if msg, ok := ans.GetMessage(); ok && msg != "" {
		if ans.Alert {
			res.Alert = msg
		} else {
			res.Toast = msg
		}
	}
	if u, ok := ans.GetURL(); ok && u != "" {
		if kind == KindGame {
			res.Game = &Game{URL: u, NativeUI: ans.NativeUI}
		} else {
			res.OpenURL = u
		}
	}
	return res
}

// passwordProof computes the SRP proof of the account's 2FA password, or
// nil when the account has none (the server then answers PASSWORD_MISSING).
func (c *Client) passwordProof(ctx context.Context, o *pressOptions) (tg.InputCheckPasswordSRPClass, error) {
	var pw string
	switch {
	case o.password != nil:
		pw = *o.password
	case c.opts.Password != nil:
		var err error
		if pw, err = c.opts.Password(ctx); err != nil {
			return nil, fmt.Errorf("password provider: %w", err)
		}
	default:
		return nil, ErrPasswordNeeded
	}
	p, err := c.api.AccountGetPassword(ctx)
	if err != nil {
		return nil, fmt.Errorf("get password parameters: %w", err)
	}
	if !p.HasPassword {
		return nil, nil
	}
	algo, ok := p.GetCurrentAlgo()
	if !ok {
		return nil, errors.New("the server gave no password algorithm")
	}
	srpB, _ := p.GetSRPB()
	srpID, _ := p.GetSRPID()
	proof, err := auth.PasswordHash([]byte(pw), srpID, srpB, p.SecureRandom, algo)
	if err != nil {
		return nil, fmt.Errorf("password proof: %w", err)
	}
	return proof, nil
}
