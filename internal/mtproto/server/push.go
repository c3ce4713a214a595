package server

import (
	"context"
	"fmt"
	"time"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/layer"
	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// Push sends an unsolicited Updates object to every live connection, not
// opted out of updates with invokeWithoutUpdates, of every session acting for
// the permanent auth key permKeyID (its own sessions and those of temporary
// keys bound to it), each in its session's layer. It returns how many
// connections it reached. Sessions with no live connection keep the update
// until the client comes back (up to the outbox's bounds).
func (srv *Server) Push(ctx context.Context, permKeyID int64, u tg.UpdatesClass) (int, error) {
	return srv.pushTo(ctx, srv.keys.sessionsOf(permKeyID), u)
}

// SessionRef names one MTProto session: its auth key and session id.
type SessionRef struct {
	AuthKeyID, SessionID int64
}

// PushUser sends u, like Push, to every session of every key on which userID
// is logged in, except the session except (zero for none).
func (srv *Server) PushUser(ctx context.Context, userID int64, except SessionRef, u tg.UpdatesClass) (int, error) {
	return srv.pushTo(ctx, srv.keys.sessionsOfUser(userID, except), u)
}

func (srv *Server) pushTo(ctx context.Context, sessions []*Session, u tg.UpdatesClass) (int, error) {
	if len(sessions) == 0 {
		return 0, nil // nobody to encode it for (a bot on the HTTP Bot API only)
	}
	latest, err := tlenc.Encode(u)
	if err != nil {
		return 0, fmt.Errorf("push: %w", err)
	}
	byLayer := map[int][]byte{layer.Latest: latest}
	reached := 0
	for _, s := range sessions {
		l := s.Layer()
		body, ok := byLayer[l]
		if !ok {
			var err error
			if body, err = srv.layers.DownObject(l, "Updates", latest); err != nil {
				srv.log.Warn("push: update has no form in the client's layer", "layer", l, "err", err)
				continue
			}
			byLayer[l] = body
		}
		m := outMsg{body: body, content: true}
		conns := s.liveConns(true)
		if len(conns) == 0 {
			srv.keep(s, m)
			continue
		}
		if len(conns) == 1 {
			// A busy session's updates share frames; with several
			// connections each gets its own frame at once.
			now := time.Now()
			if wait := s.pushWait(now, srv.opts.PushDelay); wait > 0 {
				srv.hold(s, conns[0], &m, now.Add(wait)) // the window's end
				reached++
				continue
			}
		}
		for _, c := range conns {
			if err := srv.send(ctx, s, c, m); err == nil {
				reached++
			}
		}
	}
	return reached, nil
}
