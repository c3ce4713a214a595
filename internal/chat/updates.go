package chat

import (
	"context"
	"fmt"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
	"github.com/buttonflow/buttonflow/internal/tlenc"
)

// differenceLimit is the most log entries one updates.getDifference returns;
// a longer gap is answered with updates.differenceSlice.
const differenceLimit = 1000

// decodeMessage reads a stored message body (a message or a service message).
func decodeMessage(body []byte) (tg.MessageClass, error) {
	m, err := tg.DecodeMessage(&bin.Buffer{Buf: body})
	if err != nil {
		return nil, fmt.Errorf("decode stored message: %w", err)
	}
	return m, nil
}

// outbox gathers, inside one write transaction, the updates each account
// gets, and pushes them once the transaction has committed.
type outbox struct {
	tx    store.Tx
	date  int
	order []int64
	byID  map[int64][]tg.UpdateClass
	sent  map[int64]*tg.Updates
	// caller is the account that made the change. Its container is the RPC
	// result (or stands beside one, like messages.affectedMessages) and goes
	// with seq 0: clients need not feed results to their update state, so a
	// seq taken by one would look like a gap. Its pts still orders it.
	caller int64
}

func newOutbox(tx store.Tx, date int, caller int64) *outbox {
	return &outbox{tx: tx, date: date, caller: caller, byID: make(map[int64][]tg.UpdateClass)}
}

// add appends u to owner's log (taking ptsCount pts, and setting the
// update's pts through setPts) and to what owner is pushed.
func (o *outbox) add(owner int64, ptsCount int, u tg.UpdateClass, setPts func(pts int)) error {
	st, err := o.tx.State(owner)
	if err != nil {
		return err
	}
	setPts(st.Pts + ptsCount)
	body, err := tlenc.Encode(u)
	if err != nil {
		return err
	}
	if _, err := o.tx.AddUpdate(owner, ptsCount, unixTime(o.date), body); err != nil {
		return err
	}
	o.note(owner, u)
	return nil
}

// note adds u to what owner is pushed without logging it (updateMessageID).
func (o *outbox) note(owner int64, u tg.UpdateClass) {
	if _, ok := o.byID[owner]; !ok {
		o.order = append(o.order, owner)
	}
	o.byID[owner] = append(o.byID[owner], u)
}

// seal gives every account its Updates container with its next seq.
func (o *outbox) seal() error {
	o.sent = make(map[int64]*tg.Updates, len(o.order))
	for _, owner := range o.order {
		seq := 0
		if owner != o.caller {
			var err error
			if seq, err = o.tx.NextSeq(owner, unixTime(o.date)); err != nil {
				return err
			}
		}
		o.sent[owner] = &tg.Updates{Updates: o.byID[owner], Date: o.date, Seq: seq}
	}
	return nil
}

// deliver fills in the users each account needs and pushes the containers;
// the caller's own container is returned (its session gets it as the RPC
// result) and pushed to its other sessions.
func (o *outbox) deliver(ctx context.Context, s *Service, caller Session, t *target, userIDs ...int64) (*tg.Updates, error) {
	var mine *tg.Updates
	users, err := s.loadUsers(ctx, userIDs...)
	if err != nil {
		return nil, err
	}
	for _, owner := range o.order {
		u := o.sent[owner]
		u.Users, u.Chats = users.render(s, owner), []tg.ChatClass{}
		if t != nil {
			u.Chats = s.chatsOf(owner, t)
		}
		if owner == caller.UserID {
			mine = u
			// Other sessions get the change without the caller's updateMessageID.
			other := *u
			other.Updates = withoutMessageID(u.Updates)
			if err := s.push.PushUser(ctx, owner, caller, &other); err != nil {
				s.log.Warn("push updates", "user", owner, "err", err)
			}
			continue
		}
		if err := s.push.PushUser(ctx, owner, Session{}, u); err != nil {
			s.log.Warn("push updates", "user", owner, "err", err)
		}
	}
	return mine, nil
}

func withoutMessageID(us []tg.UpdateClass) []tg.UpdateClass {
	out := make([]tg.UpdateClass, 0, len(us))
	for _, u := range us {
		if _, ok := u.(*tg.UpdateMessageID); !ok {
			out = append(out, u)
		}
	}
	return out
}

func stateOf(st store.State) tg.UpdatesState {
	return tg.UpdatesState{Pts: st.Pts, Qts: st.Qts, Date: int(st.Date.Unix()), Seq: st.Seq}
}

// GetState answers updates.getState.
func (s *Service) GetState(ctx context.Context, sess Session) (*tg.UpdatesState, error) {
	st, err := s.st.Boxes().State(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("get state: %w", err)
	}
	out := stateOf(st)
	return &out, nil
}

// GetDifference answers updates.getDifference: every logged update after the
// client's pts, the new messages apart from the other updates.
func (s *Service) GetDifference(ctx context.Context, sess Session, req *tg.UpdatesGetDifferenceRequest) (tg.UpdatesDifferenceClass, error) {
	st, err := s.st.Boxes().State(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("get difference: %w", err)
	}
	if req.Pts >= st.Pts {
		return &tg.UpdatesDifferenceEmpty{Date: int(st.Date.Unix()), Seq: st.Seq}, nil
	}
	limit := differenceLimit
	if n, ok := req.GetPtsTotalLimit(); ok && n > 0 && n < limit {
		limit = n
	}
	logged, err := s.st.Boxes().Updates(ctx, sess.UserID, req.Pts, limit)
	if err != nil {
		return nil, fmt.Errorf("get difference: %w", err)
	}
	var (
		msgs  []tg.MessageClass
		other []tg.UpdateClass
		ids   []int64
	)
	for _, l := range logged {
		u, err := tg.DecodeUpdate(&bin.Buffer{Buf: l.Body})
		if err != nil {
			return nil, fmt.Errorf("get difference: stored update %d: %w", l.Pts, err)
		}
		switch u := u.(type) {
		case *tg.UpdateNewMessage:
			msgs = append(msgs, u.Message)
			ids = append(ids, messageUsers(u.Message)...)
		case *tg.UpdateEditMessage:
			other = append(other, u)
			ids = append(ids, messageUsers(u.Message)...)
		default:
			other = append(other, u)
		}
	}
	users, err := s.usersFor(ctx, sess.UserID, ids...)
	if err != nil {
		return nil, fmt.Errorf("get difference: %w", err)
	}
	if len(logged) > 0 && logged[len(logged)-1].Pts < st.Pts {
		inter := stateOf(st)
		inter.Pts = logged[len(logged)-1].Pts
		return &tg.UpdatesDifferenceSlice{
			NewMessages: msgs, NewEncryptedMessages: []tg.EncryptedMessageClass{}, OtherUpdates: other,
			Chats: []tg.ChatClass{}, Users: users, IntermediateState: inter,
		}, nil
	}
	return &tg.UpdatesDifference{
		NewMessages: msgs, NewEncryptedMessages: []tg.EncryptedMessageClass{}, OtherUpdates: other,
		Chats: []tg.ChatClass{}, Users: users, State: stateOf(st),
	}, nil
}

// messageUsers lists the users a message refers to (sender and chat).
func messageUsers(m tg.MessageClass) []int64 {
	msg, ok := m.(*tg.Message)
	if !ok {
		return nil
	}
	var ids []int64
	if p, ok := msg.PeerID.(*tg.PeerUser); ok {
		ids = append(ids, p.UserID)
	}
	if f, ok := msg.FromID.(*tg.PeerUser); ok {
		ids = append(ids, f.UserID)
	}
	return ids
}
