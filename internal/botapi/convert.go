package botapi

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// channelIDShift turns a channel id into a Bot API chat id: -100xxxxxxxxxx.
const channelIDShift = 1000000000000

// chatIDOf is the Bot API chat id of a peer: users as they are, basic
// groups negated, channels as -100 followed by their id.
func chatIDOf(p tg.PeerClass) int64 {
	switch p := p.(type) {
	case *tg.PeerUser:
		return p.UserID
	case *tg.PeerChat:
		return -p.ChatID
	case *tg.PeerChannel:
		return -channelIDShift - p.ChannelID
	}
	return 0
}

// peerOfChatID is the peer a Bot API chat id names.
func peerOfChatID(id int64) tg.PeerClass {
	switch {
	case id > 0:
		return &tg.PeerUser{UserID: id}
	case id < -channelIDShift:
		return &tg.PeerChannel{ChannelID: -id - channelIDShift}
	case id < 0:
		return &tg.PeerChat{ChatID: -id}
	}
	return nil
}

// entities are the users and chats an update or a result came with.
type entities struct {
	users map[int64]*tg.User
	chats map[int64]tg.ChatClass
}

func newEntities() *entities {
	return &entities{users: map[int64]*tg.User{}, chats: map[int64]tg.ChatClass{}}
}

func (e *entities) add(users []tg.UserClass, chats []tg.ChatClass) {
	for _, u := range users {
		if u, ok := u.(*tg.User); ok {
			e.users[u.ID] = u
		}
	}
	for _, c := range chats {
		e.chats[c.GetID()] = c
	}
}

// user renders a tg user; an unknown id gets a bare record.
func (e *entities) user(id int64) User {
	u, ok := e.users[id]
	if !ok {
		return User{ID: id, FirstName: "User " + strconv.FormatInt(id, 10)}
	}
	return userOf(u)
}

func userOf(u *tg.User) User {
	out := User{ID: u.ID, IsBot: u.Bot, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username, LanguageCode: u.LangCode}
	if out.FirstName == "" {
		out.FirstName = "Deleted Account"
	}
	return out
}

// chat renders the chat a peer names.
func (e *entities) chat(p tg.PeerClass) Chat {
	c := Chat{ID: chatIDOf(p)}
	switch p := p.(type) {
	case *tg.PeerUser:
		c.Type = "private"
		u := e.user(p.UserID)
		c.FirstName, c.LastName, c.Username = u.FirstName, u.LastName, u.Username
	case *tg.PeerChat:
		c.Type = "group"
		if ch, ok := e.chats[p.ChatID]; ok {
			switch ch := ch.(type) {
			case *tg.Chat:
				c.Title = ch.Title
			case *tg.ChatForbidden:
				c.Title = ch.Title
			}
		}
	case *tg.PeerChannel:
		c.Type = "channel"
		if ch, ok := e.chats[p.ChannelID].(*tg.Channel); ok {
			c.Title, c.Username = ch.Title, ch.Username
			if ch.Megagroup {
				c.Type = "supergroup"
			}
		}
	}
	return c
}

// message renders a message of the bot's box; nil for kinds the Bot API
// does not show.
func (e *entities) message(m tg.MessageClass) *Message {
	switch m := m.(type) {
	case *tg.Message:
		out := &Message{MessageID: m.ID, Date: m.Date, Chat: e.chat(m.PeerID), Text: m.Message, Entities: e.entitiesOf(m.Entities)}
		e.setSender(out, m.FromID, m.PeerID)
		if ed, ok := m.GetEditDate(); ok {
			out.EditDate = ed
		}
		if m.ViaBotID != 0 {
			v := e.user(m.ViaBotID)
			out.ViaBot = &v
		}
		if r, ok := m.ReplyTo.(*tg.MessageReplyHeader); ok && r.ReplyToMsgID != 0 {
			// Filled in by the caller, who can load the message.
			out.ReplyToMessage = &Message{MessageID: r.ReplyToMsgID, Chat: out.Chat}
		}
		e.setMedia(out, m.Media)
		if mk, ok := m.ReplyMarkup.(*tg.ReplyInlineMarkup); ok {
			out.ReplyMarkup = inlineKeyboardOf(mk)
		}
		return out
	case *tg.MessageService:
		out := &Message{MessageID: m.ID, Date: m.Date, Chat: e.chat(m.PeerID)}
		e.setSender(out, m.FromID, m.PeerID)
		switch a := m.Action.(type) {
		case *tg.MessageActionChatCreate:
			out.GroupChatCreated = true
		case *tg.MessageActionChatAddUser:
			for _, id := range a.Users {
				out.NewChatMembers = append(out.NewChatMembers, e.user(id))
			}
		case *tg.MessageActionChatDeleteUser:
			u := e.user(a.UserID)
			out.LeftChatMember = &u
		default:
			return nil
		}
		return out
	}
	return nil
}

func (e *entities) setSender(out *Message, from, peer tg.PeerClass) {
	switch f := from.(type) {
	case *tg.PeerUser:
		u := e.user(f.UserID)
		out.From = &u
	case *tg.PeerChannel:
		c := e.chat(f)
		out.SenderChat = &c
	case nil:
		if p, ok := peer.(*tg.PeerChannel); ok {
			c := e.chat(p)
			out.SenderChat = &c
		}
	}
}

func (e *entities) setMedia(out *Message, media tg.MessageMediaClass) {
	switch md := media.(type) {
	case *tg.MessageMediaContact:
		out.Contact = &Contact{PhoneNumber: md.PhoneNumber, FirstName: md.FirstName, LastName: md.LastName, UserID: md.UserID, VCard: md.Vcard}
	case *tg.MessageMediaGeo:
		if g, ok := md.Geo.(*tg.GeoPoint); ok {
			out.Location = &Location{Latitude: g.Lat, Longitude: g.Long}
			if acc, ok := g.GetAccuracyRadius(); ok {
				out.Location.HorizontalAccuracy = float64(acc)
			}
		}
	case *tg.MessageMediaPoll:
		out.Poll = pollOf(md)
	case *tg.MessageMediaGame:
		out.Game = &Game{Title: md.Game.Title, Description: md.Game.Description, Photo: []struct{}{}}
		if out.Text != "" {
			out.Game.Text, out.Game.Entities = out.Text, out.Entities
			out.Text, out.Entities = "", nil
		}
	}
}

func pollOf(md *tg.MessageMediaPoll) *Poll {
	p := &Poll{ID: strconv.FormatInt(md.Poll.ID, 10), Question: md.Poll.Question.Text, IsClosed: md.Poll.Closed,
		IsAnonymous: !md.Poll.PublicVoters, Type: "regular", AllowsMultipleAnswers: md.Poll.MultipleChoice}
	if md.Poll.Quiz {
		p.Type = "quiz"
	}
	counts := map[string]int{}
	for _, r := range md.Results.Results {
		counts[string(r.Option)] = r.Voters
		if r.Correct {
			for i, a := range md.Poll.Answers {
				if a, ok := a.(*tg.PollAnswer); ok && string(a.Option) == string(r.Option) {
					i := i
					p.CorrectOptionID = &i
				}
			}
		}
	}
	if n, ok := md.Results.GetTotalVoters(); ok {
		p.TotalVoterCount = n
	}
	for _, a := range md.Poll.Answers {
		if a, ok := a.(*tg.PollAnswer); ok {
			p.Options = append(p.Options, PollOption{Text: a.Text.Text, VoterCount: counts[string(a.Option)]})
		}
	}
	return p
}

// inlineKeyboardOf renders an inline keyboard.
func inlineKeyboardOf(mk *tg.ReplyInlineMarkup) *InlineKeyboard {
	out := &InlineKeyboard{InlineKeyboard: make([][]InlineKeyboardButton, 0, len(mk.Rows))}
	for _, row := range mk.Rows {
		r := make([]InlineKeyboardButton, 0, len(row.Buttons))
		for _, b := range row.Buttons {
			r = append(r, inlineButtonOf(b))
		}
		out.InlineKeyboard = append(out.InlineKeyboard, r)
	}
	return out
}

func inlineButtonOf(b tg.KeyboardInlineButton) InlineKeyboardButton {
	out := InlineKeyboardButton{Text: b.Text}
	switch t := b.Type.(type) {
	case *tg.InlineButtonTypeURL:
		out.URL = t.URL
	case *tg.InlineButtonTypeCallback:
		s := string(t.Data)
		if !utf8.ValidString(s) {
			s = base64.StdEncoding.EncodeToString(t.Data)
		}
		out.CallbackData = &s
	case *tg.InlineButtonTypeSwitchInline:
		q := t.Query
		switch {
		case t.SamePeer:
			out.SwitchInlineQueryCurrentChat = &q
		case len(t.PeerTypes) > 0:
			c := &SwitchInlineQueryChosenChat{Query: q}
			for _, pt := range t.PeerTypes {
				switch pt.(type) {
				case *tg.InlineQueryPeerTypePM:
					c.AllowUserChats = true
				case *tg.InlineQueryPeerTypeBotPM:
					c.AllowBotChats = true
				case *tg.InlineQueryPeerTypeChat, *tg.InlineQueryPeerTypeMegagroup:
					c.AllowGroupChats = true
				case *tg.InlineQueryPeerTypeBroadcast:
					c.AllowChannelChats = true
				}
			}
			out.SwitchInlineQueryChosenChat = c
		default:
			out.SwitchInlineQuery = &q
		}
	case *tg.InlineButtonTypeGame:
		out.CallbackGame = &struct{}{}
	case *tg.InlineButtonTypeBuy:
		out.Pay = true
	case *tg.InlineButtonTypeURLAuth:
		out.LoginURL = &LoginURL{URL: t.URL, ForwardText: t.FwdText}
	case *tg.InlineButtonTypeCopy:
		out.CopyText, _ = json.Marshal(map[string]string{"text": t.CopyText})
	}
	return out
}

// entitiesOf renders message entities.
func (e *entities) entitiesOf(in []tg.MessageEntityClass) []MessageEntity {
	if len(in) == 0 {
		return nil
	}
	out := make([]MessageEntity, 0, len(in))
	for _, en := range in {
		me := MessageEntity{Offset: en.GetOffset(), Length: en.GetLength()}
		switch x := en.(type) {
		case *tg.MessageEntityMention:
			me.Type = "mention"
		case *tg.MessageEntityHashtag:
			me.Type = "hashtag"
		case *tg.MessageEntityCashtag:
			me.Type = "cashtag"
		case *tg.MessageEntityBotCommand:
			me.Type = "bot_command"
		case *tg.MessageEntityURL:
			me.Type = "url"
		case *tg.MessageEntityEmail:
			me.Type = "email"
		case *tg.MessageEntityPhone:
			me.Type = "phone_number"
		case *tg.MessageEntityBold:
			me.Type = "bold"
		case *tg.MessageEntityItalic:
			me.Type = "italic"
		case *tg.MessageEntityUnderline:
			me.Type = "underline"
		case *tg.MessageEntityStrike:
			me.Type = "strikethrough"
		case *tg.MessageEntitySpoiler:
			me.Type = "spoiler"
		case *tg.MessageEntityCode:
			me.Type = "code"
		case *tg.MessageEntityPre:
			me.Type, me.Language = "pre", x.Language
		case *tg.MessageEntityTextURL:
			me.Type, me.URL = "text_link", x.URL
		case *tg.MessageEntityMentionName:
			u := e.user(x.UserID)
			me.Type, me.User = "text_mention", &u
		case *tg.MessageEntityBlockquote:
			me.Type = "blockquote"
			if x.Collapsed {
				me.Type = "expandable_blockquote"
			}
		default:
			continue
		}
		out = append(out, me)
	}
	return out
}

// inlineMessageID is the Bot API's inline_message_id: the TL serialization
// of the InputBotInlineMessageID, base64url without padding, as Telegram's.
func inlineMessageID(id tg.InputBotInlineMessageIDClass) string {
	b, err := tlenc.Encode(id)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseInlineMessageID reads an inline_message_id.
func parseInlineMessageID(s string) (tg.InputBotInlineMessageIDClass, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, badRequest("invalid inline_message_id specified")
	}
	id, err := tg.DecodeInputBotInlineMessageID(&bin.Buffer{Buf: raw})
	if err != nil {
		return nil, badRequest("invalid inline_message_id specified")
	}
	return id, nil
}
