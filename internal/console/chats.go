package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/chat"
)

// dialog is a chat in the list.
type dialog struct {
	Peer     string   `json:"peer"`
	Kind     string   `json:"kind"` // user, bot, group, channel
	Title    string   `json:"title"`
	Username string   `json:"username,omitempty"`
	Top      *message `json:"top,omitempty"`
}

// chats lists the person's chats, newest first.
func (s *Server) chats(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	d, err := s.svc.Dialogs(r.Context(), sess)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n := namesOf(d.Users)
	tops := map[string]*message{}
	for _, m := range d.Messages {
		if rm := renderMessage(m, n); rm != nil {
			tops[rm.Peer] = rm
		}
	}
	chats := map[int64]tg.ChatClass{}
	for _, c := range d.Chats {
		chats[chatID(c)] = c
	}
	out := []dialog{}
	for _, dc := range d.Dialogs {
		dl, ok := dc.(*tg.Dialog)
		if !ok {
			continue
		}
		item := dialog{Peer: peerName(dl.Peer), Top: tops[peerName(dl.Peer)]}
		switch p := dl.Peer.(type) {
		case *tg.PeerUser:
			item.Kind, item.Title, item.Username = "user", n.name(p.UserID), n.username(p.UserID)
			if u := n[p.UserID]; u != nil && u.Bot {
				item.Kind = "bot"
			}
			if p.UserID == sess.UserID {
				item.Title = "Saved Messages"
			}
		case *tg.PeerChat:
			item.Kind = "group"
			item.Title = chatTitle(chats[p.ChatID])
		case *tg.PeerChannel:
			item.Kind = "channel"
			if c, ok := chats[p.ChannelID].(*tg.Channel); ok {
				item.Title, item.Username = c.Title, c.Username
				if c.Megagroup {
					item.Kind = "group"
				}
			}
		}
		out = append(out, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{"chats": out})
}

func chatID(c tg.ChatClass) int64 {
	switch c := c.(type) {
	case *tg.Chat:
		return c.ID
	case *tg.ChatForbidden:
		return c.ID
	case *tg.Channel:
		return c.ID
	case *tg.ChannelForbidden:
		return c.ID
	}
	return 0
}

func chatTitle(c tg.ChatClass) string {
	switch c := c.(type) {
	case *tg.Chat:
		return c.Title
	case *tg.ChatForbidden:
		return c.Title
	}
	return ""
}

// inputPeer reads a peer the page sent, as the person sees it.
func (s *Server) inputPeer(sess chat.Session, name string) (tg.InputPeerClass, error) {
	p, err := parsePeer(name)
	if err != nil {
		return nil, err
	}
	return s.svc.InputPeer(sess.UserID, p), nil
}

// historyPage is how many messages one history call returns.
const historyPage = 50

// history is messages.getHistory: a chat's messages before `before`
// (the newest when absent), oldest first.
func (s *Server) history(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	peer, err := s.inputPeer(sess, r.URL.Query().Get("peer"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	before, _ := strconv.Atoi(r.URL.Query().Get("before"))
	res, err := s.svc.GetHistory(r.Context(), sess, &tg.MessagesGetHistoryRequest{Peer: peer, OffsetID: before, Limit: historyPage})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msgs, ok := res.(*tg.MessagesMessages)
	if !ok {
		s.fail(w, r, chat.ErrPeerIDInvalid)
		return
	}
	n := namesOf(msgs.Users)
	out := []*message{}
	for i := len(msgs.Messages) - 1; i >= 0; i-- {
		if m := renderMessage(msgs.Messages[i], n); m != nil {
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out})
}

type sendRequest struct {
	Peer    string `json:"peer"`
	Text    string `json:"text"`
	ReplyTo int    `json:"reply_to"`
}

func replyTo(id int) (tg.InputReplyToClass, bool) {
	if id <= 0 {
		return nil, false
	}
	return &tg.InputReplyToMessage{ReplyToMsgID: id}, true
}

// sent answers a send with the message as the sender's box has it.
func sent(w http.ResponseWriter, u tg.UpdatesClass) {
	var out *message
	if ups, ok := u.(*tg.Updates); ok {
		n := namesOf(ups.Users)
		for _, one := range ups.Updates {
			switch one := one.(type) {
			case *tg.UpdateNewMessage:
				out = renderMessage(one.Message, n)
			case *tg.UpdateNewChannelMessage:
				out = renderMessage(one.Message, n)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": out})
}

// send is messages.sendMessage.
func (s *Server) send(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	var req sendRequest
	if !decode(w, r, &req) {
		return
	}
	peer, err := s.inputPeer(sess, req.Peer)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sendWith(w, r, func(rid int64) (tg.UpdatesClass, error) {
		call := &tg.MessagesSendMessageRequest{Peer: peer, Message: req.Text, RandomID: rid}
		if rt, ok := replyTo(req.ReplyTo); ok {
			call.SetReplyTo(rt)
		}
		return s.svc.SendMessage(r.Context(), sess, call)
	})
}

// sendWith calls send with a fresh random_id and answers with the message
// it sent.
func (s *Server) sendWith(w http.ResponseWriter, r *http.Request, send func(randomID int64) (tg.UpdatesClass, error)) {
	rid, err := s.randomID()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := send(rid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sent(w, u)
}

type mediaRequest struct {
	Peer    string `json:"peer"`
	ReplyTo int    `json:"reply_to"`
	// Kind is contact (the person's own, for request-phone buttons),
	// location or poll.
	Kind     string   `json:"kind"`
	Lat      float64  `json:"lat"`
	Long     float64  `json:"long"`
	Question string   `json:"question"`
	Answers  []string `json:"answers"`
	Quiz     bool     `json:"quiz"`
	Correct  int      `json:"correct"`
}

// sendMedia is messages.sendMedia for what request buttons send: the
// person's contact, a location or a poll.
func (s *Server) sendMedia(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	var req mediaRequest
	if !decode(w, r, &req) {
		return
	}
	peer, err := s.inputPeer(sess, req.Peer)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in tg.InputMediaClass
	switch req.Kind {
	case "contact":
		users, err := s.svc.GetUsers(r.Context(), sess, []tg.InputUserClass{&tg.InputUserSelf{}})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		me, _ := users[0].(*tg.User)
		if me == nil {
			s.fail(w, r, chat.ErrAuthKeyUnregistered)
			return
		}
		in = &tg.InputMediaContact{PhoneNumber: me.Phone, FirstName: me.FirstName, LastName: me.LastName}
	case "location":
		in = &tg.InputMediaGeoPoint{GeoPoint: &tg.InputGeoPoint{Lat: req.Lat, Long: req.Long}}
	case "poll":
		p := tg.Poll{Question: tg.TextWithEntities{Text: req.Question}, Quiz: req.Quiz}
		for i, a := range req.Answers {
			p.Answers = append(p.Answers, &tg.PollAnswer{Text: tg.TextWithEntities{Text: a}, Option: []byte{byte('0' + i)}})
		}
		m := &tg.InputMediaPoll{Poll: p}
		if req.Quiz {
			m.SetCorrectAnswers([]int{req.Correct})
		}
		in = m
	default:
		s.fail(w, r, chat.ErrMediaInvalid)
		return
	}
	s.sendWith(w, r, func(rid int64) (tg.UpdatesClass, error) {
		call := &tg.MessagesSendMediaRequest{Peer: peer, Media: in, RandomID: rid}
		if rt, ok := replyTo(req.ReplyTo); ok {
			call.SetReplyTo(rt)
		}
		return s.svc.SendMedia(r.Context(), sess, call)
	})
}

type startRequest struct {
	Username   string `json:"username"`
	StartParam string `json:"start_param"`
}

// start opens a chat by username: a bot gets messages.startBot (with the
// deep link's start parameter); a person or a channel is just opened.
func (s *Server) start(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	var req startRequest
	if !decode(w, r, &req) {
		return
	}
	username, param := parseStartLink(req.Username)
	if req.StartParam != "" {
		param = req.StartParam
	}
	res, err := s.svc.ResolveUsername(r.Context(), sess, username)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n := namesOf(res.Users)
	if p, ok := res.Peer.(*tg.PeerUser); ok && n[p.UserID] != nil && n[p.UserID].Bot {
		rid, err := s.randomID()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if _, err := s.svc.StartBot(r.Context(), sess, &tg.MessagesStartBotRequest{
			Bot: s.svc.InputUser(sess.UserID, p.UserID), Peer: s.svc.InputPeer(sess.UserID, p),
			RandomID: rid, StartParam: param,
		}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"peer": peerName(res.Peer)})
}

// parseStartLink reads "@bot", "bot", "t.me/bot?start=x" or
// "https://t.me/bot?start=x" into a username and a start parameter.
func parseStartLink(s string) (username, param string) {
	s = strings.TrimSpace(s)
	for _, p := range []string{"https://", "http://", "t.me/", "telegram.me/", "@"} {
		s = strings.TrimPrefix(s, p)
	}
	s, query, _ := strings.Cut(s, "?")
	for _, kv := range strings.Split(query, "&") {
		if v, ok := strings.CutPrefix(kv, "start="); ok {
			param = v
		}
	}
	return s, param
}
