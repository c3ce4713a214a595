package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/chat"
)

// eventQueue is how many pushes wait for a slow browser; past it the stream
// tells the page to reload instead of growing.
const eventQueue = 256

// keepAlive is how often an idle stream sends a comment, so proxies and the
// browser keep it open.
const keepAlive = 25 * time.Second

// event is one change the page applies: a new or edited message, or deleted
// message ids (in the channel named by peer, or in the person's box).
type event struct {
	Type    string   `json:"type"` // message, edit, delete, reset
	Message *message `json:"message,omitempty"`
	Peer    string   `json:"peer,omitempty"`
	IDs     []int    `json:"ids,omitempty"`
}

// events streams what is pushed to the person's account as Server-Sent
// Events, until the browser goes away or the server stops.
func (s *Server) events(w http.ResponseWriter, r *http.Request, sess chat.Session) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "INTERNAL", "streaming unsupported")
		return
	}
	queue := make(chan tg.UpdatesClass, eventQueue)
	var overflow atomic.Bool
	stop := s.taps.Watch(sess.UserID, func(_ context.Context, u tg.UpdatesClass) {
		select {
		case queue <- u:
		default:
			overflow.Store(true) // a slow consumer: the page reloads instead
		}
	})
	defer stop()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 2000\n: connected\n\n"); err != nil {
		return
	}
	flusher.Flush()
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case u := <-queue:
			evs := eventsOf(u)
			if overflow.Swap(false) {
				evs = append(evs, event{Type: "reset"})
			}
			for _, e := range evs {
				b, err := json.Marshal(e)
				if err != nil {
					s.log.Error("console event", "err", err)
					continue
				}
				if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
					return
				}
			}
		}
		flusher.Flush()
	}
}

// eventsOf converts a push into the page's events. Short forms, which the
// domain does not push to people today, become a reset: the page reloads.
func eventsOf(u tg.UpdatesClass) []event {
	var (
		ups []tg.UpdateClass
		n   names
	)
	switch u := u.(type) {
	case *tg.Updates:
		ups, n = u.Updates, namesOf(u.Users)
	case *tg.UpdatesCombined:
		ups, n = u.Updates, namesOf(u.Users)
	case *tg.UpdateShort:
		ups, n = []tg.UpdateClass{u.Update}, names{}
	case *tg.UpdateShortMessage, *tg.UpdateShortChatMessage:
		return []event{{Type: "reset"}}
	default:
		return nil
	}
	var out []event
	for _, up := range ups {
		switch up := up.(type) {
		case *tg.UpdateNewMessage:
			out = appendMessage(out, "message", up.Message, n)
		case *tg.UpdateNewChannelMessage:
			out = appendMessage(out, "message", up.Message, n)
		case *tg.UpdateEditMessage:
			out = appendMessage(out, "edit", up.Message, n)
		case *tg.UpdateEditChannelMessage:
			out = appendMessage(out, "edit", up.Message, n)
		case *tg.UpdateDeleteMessages:
			out = append(out, event{Type: "delete", IDs: up.Messages})
		case *tg.UpdateDeleteChannelMessages:
			out = append(out, event{Type: "delete", Peer: peerName(&tg.PeerChannel{ChannelID: up.ChannelID}), IDs: up.Messages})
		}
	}
	return out
}

func appendMessage(out []event, typ string, m tg.MessageClass, n names) []event {
	if rm := renderMessage(m, n); rm != nil {
		out = append(out, event{Type: typ, Message: rm})
	}
	return out
}
