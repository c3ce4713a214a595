package chat

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/buttons"
	"github.com/buttonflow/buttonflow/internal/buttons/broker"
	"github.com/buttonflow/buttonflow/internal/store"
)

// ErrDataInvalid answers a press of a button the message does not carry.
var ErrDataInvalid = tgerr400("DATA_INVALID")

// pressed is a message with an inline keyboard, found for the user pressing
// one of its buttons.
type pressed struct {
	msg     *tg.Message // shared (decodedMessages): read only
	bot     *store.User
	botPeer tg.PeerClass // the chat as the bot sees it
	botMsg  int          // the message's id in the bot's box
	chat    store.Peer   // the chat, for chat_instance
	pair    int64        // with chat: the other user of a private chat between users
	// inlineID names a message sent via the bot (inline mode); nil otherwise.
	inlineID tg.InputBotInlineMessageIDClass
}

// findPressed checks the peer and the message of a button press, in
// getBotCallbackAnswer's order: PEER_ID_INVALID / CHANNEL_INVALID /
// CHANNEL_PRIVATE, then MESSAGE_ID_INVALID.
func (s *Service) findPressed(ctx context.Context, sess Session, peer tg.InputPeerClass, msgID int) (*pressed, error) {
	t, err := s.resolveTarget(ctx, sess.UserID, peer)
	if err != nil {
		return nil, err
	}
	var rec *store.Message
	if t.channel != nil {
		if t.member == nil && t.channel.Username == "" {
			return nil, ErrChannelPrivate
		}
		rec, err = s.st.Chats().ChannelMessage(ctx, t.channel.ID, msgID)
	} else {
		rec, err = s.st.Boxes().Message(ctx, sess.UserID, msgID)
		if err == nil && rec.Peer != t.peer() {
			err = store.ErrNotFound
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrMessageIDInvalid
	} else if err != nil {
		return nil, fmt.Errorf("pressed message: %w", err)
	}
	key := decodedKey{owner: sess.UserID, id: rec.ID}
	if t.channel != nil {
		key = decodedKey{channel: true, owner: t.channel.ID, id: rec.ID}
	}
	dec, err := s.decoded.get(key, rec.Body) // read only from here on
	if err != nil {
		return nil, err
	}
	msg, ok := dec.(*tg.Message)
	if !ok {
		return nil, ErrDataInvalid
	}
	botID := rec.FromID
	if msg.ViaBotID != 0 {
		botID = msg.ViaBotID
	}
	var bot *store.User
	if t.user != nil && t.user.ID == botID {
		bot = t.user // a private chat with the bot: resolveTarget loaded it
	} else if bot, err = s.st.Users().Get(ctx, botID); err != nil {
		return nil, fmt.Errorf("pressed message sender: %w", err)
	}
	if !bot.Bot {
		// Only bots attach inline keyboards: there is no button to press.
		return nil, ErrDataInvalid
	}
	p := &pressed{msg: msg, bot: bot, botMsg: rec.ID, chat: t.peer()}
	if msg.ViaBotID != 0 {
		// Sent via the bot in inline mode: the bot may not be in the chat.
		p.inlineID = s.inlineMessageID(bot.ID, rec)
		if t.user != nil {
			p.chat = store.Peer{Type: store.PeerUser, ID: min(sess.UserID, t.user.ID)}
			p.pair = max(sess.UserID, t.user.ID)
		}
		return p, nil
	}
	switch {
	case t.channel != nil:
		p.botPeer = &tg.PeerChannel{ChannelID: t.channel.ID}
	case t.chat != nil:
		p.botPeer = &tg.PeerChat{ChatID: t.chat.ID}
		p.botMsg, err = s.botCopy(ctx, rec.Ref, bot.ID)
	default:
		p.botPeer = &tg.PeerUser{UserID: sess.UserID}
		p.chat = store.Peer{Type: store.PeerUser, ID: sess.UserID}
		p.botMsg, err = s.botCopy(ctx, rec.Ref, bot.ID)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// botCopy is the id of the bot's copy of a message (MESSAGE_ID_INVALID when
// the bot deleted its copy).
func (s *Service) botCopy(ctx context.Context, ref, botID int64) (int, error) {
	id, err := s.st.Boxes().CopyID(ctx, ref, botID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, ErrMessageIDInvalid
	} else if err != nil {
		return 0, fmt.Errorf("bot's copy: %w", err)
	}
	return id, nil
}

// chatInstance is the chat_instance of a bot's callback queries in a chat:
// the same for every message of that chat, different across chats and bots,
// and not guessable (an HMAC under the server secret).
func (s *Service) chatInstance(botID int64, chat store.Peer, pair int64) int64 {
	return s.instances.get(instanceKey{botID, chat, pair}, func() int64 { return s.deriveInstance(botID, chat, pair) })
}

// instanceKey names one chat instance.
type instanceKey struct {
	bot  int64
	chat store.Peer
	pair int64
}

// deriveInstance computes a chat instance.
func (s *Service) deriveInstance(botID int64, chat store.Peer, pair int64) int64 {
	m := hmac.New(sha256.New, s.secret)
	var b [33]byte
	b[0] = 'i'
	binary.LittleEndian.PutUint64(b[1:], uint64(botID))
	binary.LittleEndian.PutUint64(b[9:], uint64(chat.Type))
	binary.LittleEndian.PutUint64(b[17:], uint64(chat.ID))
	binary.LittleEndian.PutUint64(b[25:], uint64(pair))
	m.Write(b[:])
	return int64(binary.LittleEndian.Uint64(m.Sum(nil)))
}

// GetBotCallbackAnswer answers messages.getBotCallbackAnswer: it checks the
// peer, the message, the button and, for requires_password buttons, the SRP
// proof before the bot hears anything; then it sends updateBotCallbackQuery to
// every session of the bot, and reply gets the bot's answer, or
// BOT_RESPONSE_TIMEOUT, when it comes. Nothing blocks while the bot thinks.
func (s *Service) GetBotCallbackAnswer(ctx context.Context, sess Session, req *tg.MessagesGetBotCallbackAnswerRequest, reply func(*tg.MessagesBotCallbackAnswer, error)) {
	pending, err := s.beginCallback(ctx, sess, req)
	if err != nil {
		reply(nil, err)
		return
	}
	pending.Then(reply)
}

// beginCallback checks a press and tells the bot, returning the waiting query.
func (s *Service) beginCallback(ctx context.Context, sess Session, req *tg.MessagesGetBotCallbackAnswerRequest) (*broker.Pending, error) {
	p, err := s.findPressed(ctx, sess, req.Peer, req.MsgID)
	if err != nil {
		return nil, err
	}
	q := broker.Query{BotID: p.bot.ID, UserID: sess.UserID, BotUsername: p.bot.Username, Game: req.Game}
	data, hasData := req.GetData()
	switch {
	case req.Game:
		game, ok := p.msg.Media.(*tg.MessageMediaGame)
		if !ok || !buttons.FindGame(p.msg.ReplyMarkup) {
			return nil, ErrDataInvalid
		}
		q.GameShortName = game.Game.ShortName
		if g, err := s.st.Games().ByShortName(ctx, p.bot.ID, game.Game.ShortName); err == nil {
			q.GameURLs = []string{g.URL}
		}
	case hasData:
		btn, ok := buttons.FindCallback(p.msg.ReplyMarkup, data)
		if !ok {
			return nil, ErrDataInvalid
		}
		if btn.RequiresPassword {
			if err := s.checkButtonPassword(ctx, sess, req); err != nil {
				return nil, err
			}
		}
	default:
		return nil, ErrDataInvalid
	}

	pending, err := s.callbacks.Begin(q)
	if err != nil {
		return nil, fmt.Errorf("callback query: %w", err)
	}
	instance := s.chatInstance(p.bot.ID, p.chat, p.pair)
	var up tg.UpdateClass
	if p.inlineID != nil {
		u := &tg.UpdateInlineBotCallbackQuery{QueryID: pending.ID(), UserID: sess.UserID, MsgID: p.inlineID, ChatInstance: instance}
		if req.Game {
			u.SetGameShortName(q.GameShortName)
		} else {
			u.SetData(data)
		}
		up = u
	} else {
		u := &tg.UpdateBotCallbackQuery{QueryID: pending.ID(), UserID: sess.UserID, Peer: p.botPeer, MsgID: p.botMsg, ChatInstance: instance}
		if req.Game {
			u.SetGameShortName(q.GameShortName)
		} else {
			u.SetData(data)
		}
		up = u
	}
	if err := s.pushToBot(ctx, p, sess.UserID, up); err != nil {
		pending.Cancel()
		return nil, err
	}
	return pending, nil
}

// checkButtonPassword verifies the SRP proof a requires_password button needs.
func (s *Service) checkButtonPassword(ctx context.Context, sess Session, req *tg.MessagesGetBotCallbackAnswerRequest) error {
	u, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return fmt.Errorf("password button: %w", err)
	}
	if u.Password == nil {
		return ErrPasswordMissing
	}
	in, ok := req.GetPassword()
	if !ok {
		return ErrPasswordHashInvalid
	}
	return s.CheckPassword(u, in)
}

// pushToBot sends a callback query update to every session of the bot, with
// the user (and chat) as the bot sees them.
func (s *Service) pushToBot(ctx context.Context, p *pressed, userID int64, up tg.UpdateClass) error {
	users, err := s.usersFor(ctx, p.bot.ID, userID)
	if err != nil {
		return err
	}
	chats := []tg.ChatClass{}
	if p.inlineID != nil {
		// An inline message's chat is not the bot's business.
		p.botPeer = nil
	}
	switch peer := p.botPeer.(type) {
	case *tg.PeerChat:
		if c, err := s.st.Chats().Chat(ctx, peer.ChatID); err == nil {
			chats = append(chats, chatFor(p.bot.ID, c))
		}
	case *tg.PeerChannel:
		if c, err := s.st.Chats().Channel(ctx, peer.ChannelID); err == nil {
			m, _ := s.st.Chats().ChannelMember(ctx, c.ID, p.bot.ID)
			chats = append(chats, s.channelFor(p.bot.ID, c, m))
		}
	}
	u := &tg.Updates{Updates: []tg.UpdateClass{up}, Users: users, Chats: chats, Date: int(s.now().Unix())}
	if err := s.push.PushUser(ctx, p.bot.ID, Session{}, u); err != nil {
		return fmt.Errorf("push callback query: %w", err)
	}
	return nil
}

// SetBotCallbackAnswer answers messages.setBotCallbackAnswer from a bot.
func (s *Service) SetBotCallbackAnswer(ctx context.Context, sess Session, req *tg.MessagesSetBotCallbackAnswerRequest) (tg.BoolClass, error) {
	if err := s.callbacks.Answer(sess.UserID, req); err != nil {
		return nil, err
	}
	return &tg.BoolTrue{}, nil
}

// Run drives what the service does on its own (callback query timeouts)
// until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	err := s.callbacks.Run(ctx)
	if errors.Is(err, context.Canceled) || errors.Is(err, broker.ErrClosed) {
		return nil
	}
	return err
}
