package botapi

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/buttonflow/buttonflow/internal/store"
)

// request is one method call of a bot.
type request struct {
	s   *Server
	b   *bot
	usr *store.User
	p   *params
}

// methods are the Bot API methods served, by lower-cased name (Telegram
// matches method names case-insensitively).
var methods = map[string]func(context.Context, *request) (any, error){}

func init() {
	for name, m := range map[string]func(context.Context, *request) (any, error){
		"getMe": getMe, "logOut": okTrue, "close": okTrue,
		"getUpdates": getUpdates, "setWebhook": setWebhook, "deleteWebhook": deleteWebhook, "getWebhookInfo": getWebhookInfo,
		"sendMessage": sendMessage, "editMessageText": editMessageText, "editMessageReplyMarkup": editMessageReplyMarkup,
		"deleteMessage": deleteMessage, "answerCallbackQuery": answerCallbackQuery,
		"sendGame": sendGame, "setGameScore": setGameScore, "getGameHighScores": getGameHighScores,
		"answerInlineQuery": answerInlineQuery, "sendContact": sendContact, "sendLocation": sendLocation, "sendPoll": sendPoll,
		"getChat": getChat,
	} {
		methods[strings.ToLower(name)] = m
	}
}

func okTrue(context.Context, *request) (any, error) { return true, nil }

func getMe(_ context.Context, r *request) (any, error) {
	t, f := true, false
	inline := r.usr.BotInline
	return User{ID: r.usr.ID, IsBot: true, FirstName: r.usr.FirstName, LastName: r.usr.LastName, Username: r.usr.Username,
		CanJoinGroups: &t, CanReadAllGroupMessages: &f, SupportsInlineQueries: &inline}, nil
}

// randomID draws a message's random_id.
func randomID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:]) >> 1)
}

// peer is the InputPeer of a chat_id parameter: a number or @username.
func (r *request) peer(ctx context.Context, name string) (tg.InputPeerClass, error) {
	if !r.p.has(name) {
		return nil, badRequest("%s is empty", name)
	}
	s, err := r.p.str(name)
	if err != nil {
		return nil, err
	}
	svc := r.s.opts.Service
	if username, ok := strings.CutPrefix(strings.TrimSpace(s), "@"); ok {
		res, err := svc.ResolveUsername(ctx, r.b.sess, username)
		if err != nil {
			return nil, errChatNotFound
		}
		return svc.InputPeer(r.b.id, res.Peer), nil
	}
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id == 0 {
		return nil, errChatNotFound
	}
	return svc.InputPeer(r.b.id, peerOfChatID(id)), nil
}

// markup is the reply_markup parameter; nil when absent.
func (r *request) markup() (tg.ReplyMarkupClass, error) {
	var m replyMarkup
	ok, err := r.p.object("reply_markup", &m)
	if err != nil || !ok {
		return nil, err
	}
	return markupOf(&m)
}

// replyTo is reply_to_message_id or reply_parameters' message_id.
func (r *request) replyTo() (tg.InputReplyToClass, error) {
	id, err := r.p.int("reply_to_message_id")
	if err != nil {
		return nil, err
	}
	var rp struct {
		MessageID int `json:"message_id"`
	}
	if ok, err := r.p.object("reply_parameters", &rp); err != nil {
		return nil, err
	} else if ok {
		id = rp.MessageID
	}
	if id == 0 {
		return nil, nil
	}
	return &tg.InputReplyToMessage{ReplyToMsgID: id}, nil
}

// sent is the message an RPC's updates carry, as the Bot API shows it.
func (r *request) sent(ctx context.Context, u tg.UpdatesClass) (*Message, error) {
	ents := newEntities()
	var found tg.MessageClass
	if c, ok := u.(*tg.Updates); ok {
		ents.add(c.Users, c.Chats)
		for _, up := range c.Updates {
			switch up := up.(type) {
			case *tg.UpdateNewMessage:
				found = up.Message
			case *tg.UpdateNewChannelMessage:
				found = up.Message
			case *tg.UpdateEditMessage:
				found = up.Message
			case *tg.UpdateEditChannelMessage:
				found = up.Message
			}
		}
	}
	if found == nil {
		return nil, &Error{Code: 500, Description: "Internal Server Error: no message in the result"}
	}
	// A group's title is a nicety: the message shows without it.
	_ = r.b.addChats(ctx, ents, found)
	msg := ents.message(found)
	if msg == nil {
		return nil, &Error{Code: 500, Description: "Internal Server Error: unexpected message kind"}
	}
	if msg.ReplyToMessage != nil {
		msg.ReplyToMessage = r.b.loadMessage(ctx, peerOfChatID(msg.Chat.ID), msg.ReplyToMessage.MessageID)
	}
	return msg, nil
}

func sendMessage(ctx context.Context, r *request) (any, error) {
	peer, err := r.peer(ctx, "chat_id")
	if err != nil {
		return nil, err
	}
	txt, ents, err := text(r.p, "text", "entities", "parse_mode")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(txt) == "" {
		return nil, badRequest("message text is empty")
	}
	req := &tg.MessagesSendMessageRequest{Peer: peer, Message: txt, RandomID: randomID()}
	if len(ents) > 0 {
		req.SetEntities(ents)
	}
	if err := r.common(req); err != nil {
		return nil, err
	}
	u, err := r.s.opts.Service.SendMessage(ctx, r.b.sess, req)
	if err != nil {
		return nil, err
	}
	return r.sent(ctx, u)
}

// sendRequest is what sendMessage and sendMedia share.
type sendRequest interface {
	SetReplyMarkup(tg.ReplyMarkupClass)
	SetReplyTo(tg.InputReplyToClass)
	SetSilent(bool)
}

// common sets reply_markup, the reply and disable_notification.
func (r *request) common(req sendRequest) error {
	mk, err := r.markup()
	if err != nil {
		return err
	}
	if mk != nil {
		req.SetReplyMarkup(mk)
	}
	to, err := r.replyTo()
	if err != nil {
		return err
	}
	if to != nil {
		req.SetReplyTo(to)
	}
	silent, err := r.p.bool("disable_notification")
	if err != nil {
		return err
	}
	req.SetSilent(silent)
	return nil
}

// sendMedia sends media with a caption-less message.
func (r *request) sendMedia(ctx context.Context, media tg.InputMediaClass) (any, error) {
	peer, err := r.peer(ctx, "chat_id")
	if err != nil {
		return nil, err
	}
	req := &tg.MessagesSendMediaRequest{Peer: peer, Media: media, RandomID: randomID()}
	if err := r.common(req); err != nil {
		return nil, err
	}
	u, err := r.s.opts.Service.SendMedia(ctx, r.b.sess, req)
	if err != nil {
		return nil, err
	}
	return r.sent(ctx, u)
}

func sendContact(ctx context.Context, r *request) (any, error) {
	phone, err := r.p.str("phone_number")
	if err != nil {
		return nil, err
	}
	first, err := r.p.str("first_name")
	if err != nil {
		return nil, err
	}
	last, _ := r.p.str("last_name")
	vcard, _ := r.p.str("vcard")
	return r.sendMedia(ctx, &tg.InputMediaContact{PhoneNumber: phone, FirstName: first, LastName: last, Vcard: vcard})
}

func sendLocation(ctx context.Context, r *request) (any, error) {
	lat, err := r.p.float("latitude")
	if err != nil {
		return nil, err
	}
	long, err := r.p.float("longitude")
	if err != nil {
		return nil, err
	}
	if !r.p.has("latitude") || !r.p.has("longitude") {
		return nil, badRequest("latitude and longitude are required")
	}
	g := &tg.InputGeoPoint{Lat: lat, Long: long}
	if acc, err := r.p.float("horizontal_accuracy"); err != nil {
		return nil, err
	} else if acc > 0 {
		g.SetAccuracyRadius(int(acc))
	}
	return r.sendMedia(ctx, &tg.InputMediaGeoPoint{GeoPoint: g})
}

func sendPoll(ctx context.Context, r *request) (any, error) {
	question, err := r.p.str("question")
	if err != nil {
		return nil, err
	}
	var raw []any
	if ok, err := r.p.object("options", &raw); err != nil {
		return nil, err
	} else if !ok {
		return nil, badRequest("options are empty")
	}
	poll := tg.Poll{Question: tg.TextWithEntities{Text: question, Entities: []tg.MessageEntityClass{}}}
	for i, o := range raw {
		var t string
		switch o := o.(type) {
		case string:
			t = o
		case map[string]any:
			t, _ = o["text"].(string)
		}
		poll.Answers = append(poll.Answers, &tg.PollAnswer{Text: tg.TextWithEntities{Text: t, Entities: []tg.MessageEntityClass{}},
			Option: []byte{byte('0' + i)}})
	}
	anonymous := true
	if r.p.has("is_anonymous") {
		if anonymous, err = r.p.bool("is_anonymous"); err != nil {
			return nil, err
		}
	}
	poll.PublicVoters = !anonymous
	kind, _ := r.p.str("type")
	poll.Quiz = kind == "quiz"
	if poll.MultipleChoice, err = r.p.bool("allows_multiple_answers"); err != nil {
		return nil, err
	}
	if poll.Closed, err = r.p.bool("is_closed"); err != nil {
		return nil, err
	}
	poll.SetFlags()
	media := &tg.InputMediaPoll{Poll: poll}
	if poll.Quiz {
		correct, err := r.p.int("correct_option_id")
		if err != nil {
			return nil, err
		}
		if !r.p.has("correct_option_id") || correct < 0 || correct >= len(raw) {
			return nil, badRequest("wrong correct option ID specified")
		}
		media.SetCorrectAnswers([]int{correct})
		if expl, _ := r.p.str("explanation"); expl != "" {
			media.SetSolution(expl)
			media.SetSolutionEntities([]tg.MessageEntityClass{})
		}
	}
	return r.sendMedia(ctx, media)
}

func sendGame(ctx context.Context, r *request) (any, error) {
	name, err := r.p.str("game_short_name")
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, badRequest("wrong game short name specified")
	}
	msg, err := r.sendMedia(ctx, &tg.InputMediaGame{ID: &tg.InputGameShortName{BotID: &tg.InputUserSelf{}, ShortName: name}})
	if tgerr.Is(err, "MEDIA_INVALID") {
		// No game of this bot has the name.
		return nil, badRequest("wrong game short name specified")
	}
	return msg, err
}

func getChat(ctx context.Context, r *request) (any, error) {
	peer, err := r.peer(ctx, "chat_id")
	if err != nil {
		return nil, err
	}
	svc := r.s.opts.Service
	ents := newEntities()
	var p tg.PeerClass
	switch in := peer.(type) {
	case *tg.InputPeerUser:
		us, err := svc.GetUsers(ctx, r.b.sess, []tg.InputUserClass{&tg.InputUser{UserID: in.UserID, AccessHash: in.AccessHash}})
		if err != nil || len(us) == 0 {
			return nil, errChatNotFound
		}
		if _, ok := us[0].(*tg.User); !ok {
			return nil, errChatNotFound
		}
		ents.add(us, nil)
		p = &tg.PeerUser{UserID: in.UserID}
	case *tg.InputPeerSelf:
		us, err := svc.GetUsers(ctx, r.b.sess, []tg.InputUserClass{&tg.InputUserSelf{}})
		if err != nil {
			return nil, err
		}
		ents.add(us, nil)
		p = &tg.PeerUser{UserID: r.b.id}
	case *tg.InputPeerChat:
		res, err := svc.GetChats(ctx, r.b.sess, []int64{in.ChatID})
		if err != nil {
			return nil, err
		}
		ents.add(nil, res.Chats)
		p = &tg.PeerChat{ChatID: in.ChatID}
	case *tg.InputPeerChannel:
		res, err := svc.GetChannels(ctx, r.b.sess, []tg.InputChannelClass{&tg.InputChannel{ChannelID: in.ChannelID, AccessHash: in.AccessHash}})
		if err != nil {
			return nil, err
		}
		ents.add(nil, res.Chats)
		p = &tg.PeerChannel{ChannelID: in.ChannelID}
	default:
		return nil, errChatNotFound
	}
	return ents.chat(p), nil
}
