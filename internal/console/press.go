package console

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/buttonflow/buttonflow/internal/chat"
)

type pressRequest struct {
	Peer  string `json:"peer"`
	MsgID int    `json:"msg_id"`
	// Data is the callback button's data; Game is set for game buttons.
	Data []byte `json:"data"`
	Game bool   `json:"game"`
	// Password is the SRP proof for requires_password buttons.
	Password *srpProof `json:"password"`
}

// answer is messages.botCallbackAnswer as the page acts on it.
type answer struct {
	Alert     bool   `json:"alert"`
	HasURL    bool   `json:"has_url"`
	NativeUI  bool   `json:"native_ui"`
	Message   string `json:"message,omitempty"`
	URL       string `json:"url,omitempty"`
	CacheTime int    `json:"cache_time"`
}

// press is messages.getBotCallbackAnswer: it waits for the bot's answer (or
// BOT_RESPONSE_TIMEOUT) while the browser waits for the response, and
// returns the exchange as sent and received for the page's raw panel. An RPC
// error is part of the exchange, so it comes back with status 200.
func (s *Server) press(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	var req pressRequest
	if !decode(w, r, &req) {
		return
	}
	peer, err := s.inputPeer(sess, req.Peer)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	call := &tg.MessagesGetBotCallbackAnswerRequest{Peer: peer, MsgID: req.MsgID, Game: req.Game}
	if req.Data != nil {
		call.SetData(req.Data)
	}
	if req.Password != nil {
		call.SetPassword(req.Password.input())
	}
	type result struct {
		a   *tg.MessagesBotCallbackAnswer
		err error
	}
	done := make(chan result, 1)
	start := s.now()
	s.svc.GetBotCallbackAnswer(r.Context(), sess, call, func(a *tg.MessagesBotCallbackAnswer, err error) {
		done <- result{a, err}
	})
	var res result
	select {
	case res = <-done:
	case <-r.Context().Done():
		return // the browser went away; the broker still ends the query
	}
	out := map[string]any{"request": rawRequest(call), "elapsed_ms": s.now().Sub(start).Milliseconds()}
	var rpc *tgerr.Error
	switch {
	case res.err == nil:
		a := res.a
		out["answer"] = answer{Alert: a.Alert, HasURL: a.HasURL, NativeUI: a.NativeUI, Message: a.Message, URL: a.URL, CacheTime: a.CacheTime}
		out["response"] = rawAnswer(a)
	case errors.As(res.err, &rpc):
		out["error"] = rpc.Type
		out["response"] = map[string]any{"_": "rpc_error", "error_code": rpc.Code, "error_message": rpc.Type}
	default:
		s.fail(w, r, res.err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// rawRequest is the TL request as sent, field by field, for debugging.
func rawRequest(c *tg.MessagesGetBotCallbackAnswerRequest) map[string]any {
	out := map[string]any{"_": "messages.getBotCallbackAnswer", "game": c.Game, "peer": rawPeer(c.Peer), "msg_id": c.MsgID}
	if d, ok := c.GetData(); ok {
		out["data"] = rawBytes(d)
	}
	if p, ok := c.GetPassword(); ok {
		if p, ok := p.(*tg.InputCheckPasswordSRP); ok {
			out["password"] = map[string]any{"_": "inputCheckPasswordSRP", "srp_id": strconv.FormatInt(p.SRPID, 10),
				"A": hex.EncodeToString(p.A), "M1": hex.EncodeToString(p.M1)}
		}
	}
	return out
}

func rawPeer(p tg.InputPeerClass) map[string]any {
	switch p := p.(type) {
	case *tg.InputPeerUser:
		return map[string]any{"_": "inputPeerUser", "user_id": strconv.FormatInt(p.UserID, 10), "access_hash": strconv.FormatInt(p.AccessHash, 10)}
	case *tg.InputPeerChat:
		return map[string]any{"_": "inputPeerChat", "chat_id": strconv.FormatInt(p.ChatID, 10)}
	case *tg.InputPeerChannel:
		return map[string]any{"_": "inputPeerChannel", "channel_id": strconv.FormatInt(p.ChannelID, 10), "access_hash": strconv.FormatInt(p.AccessHash, 10)}
	}
	return map[string]any{"_": p.TypeName()}
}

// rawBytes shows bytes as text when they are UTF-8, and always as base64.
func rawBytes(b []byte) map[string]any {
	out := map[string]any{"base64": base64.StdEncoding.EncodeToString(b)}
	if utf8.Valid(b) {
		out["text"] = string(b)
	}
	return out
}

func rawAnswer(a *tg.MessagesBotCallbackAnswer) map[string]any {
	out := map[string]any{"_": "messages.botCallbackAnswer", "alert": a.Alert, "has_url": a.HasURL,
		"native_ui": a.NativeUI, "cache_time": a.CacheTime}
	if a.Message != "" {
		out["message"] = a.Message
	}
	if a.URL != "" {
		out["url"] = a.URL
	}
	return out
}
