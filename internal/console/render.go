package console

import (
	"strings"

	"github.com/gotd/td/tg"
)

// message is a message as the page draws it.
type message struct {
	ID       int     `json:"id"`
	Peer     string  `json:"peer"`
	Out      bool    `json:"out,omitempty"`
	From     string  `json:"from,omitempty"`
	FromName string  `json:"from_name,omitempty"`
	Date     int     `json:"date"`
	EditDate int     `json:"edit_date,omitempty"`
	Text     string  `json:"text"`
	Service  string  `json:"service,omitempty"`
	ReplyTo  int     `json:"reply_to,omitempty"`
	ViaBot   string  `json:"via_bot,omitempty"`
	Media    *media  `json:"media,omitempty"`
	Markup   *markup `json:"markup,omitempty"`
}

// media is the part of a message's media the page shows.
type media struct {
	Type      string   `json:"type"` // game, contact, geo, poll, other
	Title     string   `json:"title,omitempty"`
	ShortName string   `json:"short_name,omitempty"`
	Text      string   `json:"text,omitempty"`
	Phone     string   `json:"phone,omitempty"`
	Lat       float64  `json:"lat,omitempty"`
	Long      float64  `json:"long,omitempty"`
	Answers   []string `json:"answers,omitempty"`
	Quiz      bool     `json:"quiz,omitempty"`
}

// markup is a reply markup: kind is inline, reply, hide or force_reply.
type markup struct {
	Kind        string     `json:"kind"`
	Rows        [][]button `json:"rows,omitempty"`
	Resize      bool       `json:"resize,omitempty"`
	SingleUse   bool       `json:"single_use,omitempty"`
	Selective   bool       `json:"selective,omitempty"`
	Persistent  bool       `json:"persistent,omitempty"`
	Placeholder string     `json:"placeholder,omitempty"`
}

// button is one keyboard button. Type names the TL constructor's kind:
// callback, url, url_auth, game, buy, switch_inline, user_profile, copy,
// web_view, disabled (inline); text, request_phone, request_location,
// request_poll, request_peer, simple_web_view (reply).
type button struct {
	Type             string `json:"type"`
	Text             string `json:"text"`
	Data             []byte `json:"data,omitempty"`
	URL              string `json:"url,omitempty"`
	RequiresPassword bool   `json:"requires_password,omitempty"`
	Query            string `json:"query,omitempty"`
	SamePeer         bool   `json:"same_peer,omitempty"`
	Quiz             *bool  `json:"quiz,omitempty"`
	UserID           int64  `json:"user_id,omitempty,string"`
}

// names maps user ids to display names, from an answer's users.
type names map[int64]*tg.User

func namesOf(users []tg.UserClass) names {
	n := names{}
	for _, u := range users {
		if u, ok := u.(*tg.User); ok {
			n[u.ID] = u
		}
	}
	return n
}

func (n names) name(id int64) string {
	u := n[id]
	if u == nil {
		return ""
	}
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

func (n names) username(id int64) string {
	if u := n[id]; u != nil {
		return u.Username
	}
	return ""
}

// renderMessage converts a message for the page; nil for messageEmpty.
func renderMessage(m tg.MessageClass, n names) *message {
	switch m := m.(type) {
	case *tg.Message:
		out := &message{ID: m.ID, Peer: peerName(m.PeerID), Out: m.Out, Date: m.Date, EditDate: m.EditDate, Text: m.Message}
		out.From, out.FromName = fromOf(m.FromID, m.PeerID, n)
		if r, ok := m.ReplyTo.(*tg.MessageReplyHeader); ok {
			out.ReplyTo = r.ReplyToMsgID
		}
		if m.ViaBotID != 0 {
			out.ViaBot = n.username(m.ViaBotID)
		}
		out.Media = renderMedia(m.Media)
		out.Markup = renderMarkup(m.ReplyMarkup)
		return out
	case *tg.MessageService:
		out := &message{ID: m.ID, Peer: peerName(m.PeerID), Out: m.Out, Date: m.Date, Service: serviceText(m.Action)}
		out.From, out.FromName = fromOf(m.FromID, m.PeerID, n)
		return out
	}
	return nil
}

// fromOf is who sent a message: from_id, or the peer of a private chat.
func fromOf(from, peer tg.PeerClass, n names) (string, string) {
	if from == nil {
		from = peer
	}
	if u, ok := from.(*tg.PeerUser); ok {
		return peerName(u), n.name(u.UserID)
	}
	return peerName(from), ""
}

func serviceText(a tg.MessageActionClass) string {
	switch a := a.(type) {
	case *tg.MessageActionChatCreate:
		return "created the group «" + a.Title + "»"
	case *tg.MessageActionChannelCreate:
		return "created the channel «" + a.Title + "»"
	case *tg.MessageActionChatAddUser:
		return "added a member"
	case *tg.MessageActionChatDeleteUser:
		return "removed a member"
	case *tg.MessageActionChatJoinedByLink:
		return "joined"
	case *tg.MessageActionGameScore:
		return "scored in a game"
	}
	return strings.TrimPrefix(a.TypeName(), "messageAction")
}

func renderMedia(m tg.MessageMediaClass) *media {
	switch m := m.(type) {
	case nil, *tg.MessageMediaEmpty:
		return nil
	case *tg.MessageMediaGame:
		return &media{Type: "game", Title: m.Game.Title, ShortName: m.Game.ShortName, Text: m.Game.Description}
	case *tg.MessageMediaContact:
		return &media{Type: "contact", Phone: m.PhoneNumber, Title: strings.TrimSpace(m.FirstName + " " + m.LastName)}
	case *tg.MessageMediaGeo:
		if g, ok := m.Geo.(*tg.GeoPoint); ok {
			return &media{Type: "geo", Lat: g.Lat, Long: g.Long}
		}
	case *tg.MessageMediaPoll:
		out := &media{Type: "poll", Title: m.Poll.Question.Text, Quiz: m.Poll.Quiz}
		for _, a := range m.Poll.Answers {
			if a, ok := a.(*tg.PollAnswer); ok {
				out.Answers = append(out.Answers, a.Text.Text)
			}
		}
		return out
	}
	return &media{Type: "other", Title: m.TypeName()}
}

// renderMarkup converts a reply markup, every button type included.
func renderMarkup(rm tg.ReplyMarkupClass) *markup {
	switch rm := rm.(type) {
	case *tg.ReplyInlineMarkup:
		out := &markup{Kind: "inline"}
		for _, row := range rm.Rows {
			var r []button
			for _, b := range row.Buttons {
				r = append(r, inlineButton(b))
			}
			out.Rows = append(out.Rows, r)
		}
		return out
	case *tg.ReplyKeyboardMarkup:
		out := &markup{Kind: "reply", Resize: rm.Resize, SingleUse: rm.SingleUse, Selective: rm.Selective,
			Persistent: rm.Persistent, Placeholder: rm.Placeholder}
		for _, row := range rm.Rows {
			var r []button
			for _, b := range row.Buttons {
				r = append(r, replyButton(b))
			}
			out.Rows = append(out.Rows, r)
		}
		return out
	case *tg.ReplyKeyboardHide:
		return &markup{Kind: "hide", Selective: rm.Selective}
	case *tg.ReplyKeyboardForceReply:
		return &markup{Kind: "force_reply", SingleUse: rm.SingleUse, Selective: rm.Selective, Placeholder: rm.Placeholder}
	}
	return nil
}

func inlineButton(b tg.KeyboardInlineButton) button {
	out := button{Text: b.Text}
	switch t := b.Type.(type) {
	case *tg.InlineButtonTypeCallback:
		out.Type, out.Data, out.RequiresPassword = "callback", t.Data, t.RequiresPassword
		if out.Data == nil {
			out.Data = []byte{}
		}
	case *tg.InlineButtonTypeURL:
		out.Type, out.URL = "url", t.URL
	case *tg.InlineButtonTypeURLAuth:
		out.Type, out.URL = "url_auth", t.URL
	case *tg.InlineButtonTypeGame:
		out.Type = "game"
	case *tg.InlineButtonTypeBuy:
		out.Type = "buy"
	case *tg.InlineButtonTypeSwitchInline:
		out.Type, out.Query, out.SamePeer = "switch_inline", t.Query, t.SamePeer
	case *tg.InlineButtonTypeUserProfile:
		out.Type, out.UserID = "user_profile", t.UserID
	case *tg.InlineButtonTypeCopy:
		out.Type, out.Query = "copy", t.CopyText
	case *tg.InlineButtonTypeWebView:
		out.Type, out.URL = "web_view", t.URL
	case *tg.InlineButtonTypeDisabled:
		out.Type = "disabled"
	default:
		out.Type = "unsupported"
	}
	return out
}

func replyButton(b tg.KeyboardButton) button {
	out := button{Text: b.Text}
	switch t := b.Type.(type) {
	case *tg.ButtonTypeRequestPhone:
		out.Type = "request_phone"
	case *tg.ButtonTypeRequestGeoLocation:
		out.Type = "request_location"
	case *tg.ButtonTypeRequestPoll:
		out.Type = "request_poll"
		if quiz, ok := t.GetQuiz(); ok {
			out.Quiz = &quiz
		}
	case *tg.ButtonTypeRequestPeer:
		out.Type = "request_peer"
	case *tg.ButtonTypeSimpleWebView:
		out.Type, out.URL = "simple_web_view", t.URL
	default:
		out.Type = "text"
	}
	return out
}
