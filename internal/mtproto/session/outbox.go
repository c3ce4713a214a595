package session

import (
	"slices"
	"time"
)

// Limits on what a session keeps for the client to acknowledge: past them the
// oldest unacknowledged messages are forgotten (the client catches up on
// updates with getDifference, and re-sends requests it has no answer for).
const (
	MaxUnacked      = 128
	MaxUnackedBytes = 1 << 20
)

// OutMsg is a content-related message the server sent and the client has not
// acknowledged yet.
type OutMsg struct {
	ID    int64
	SeqNo int32
	// ReqMsgID is the client request this message answers, zero for pushes.
	ReqMsgID int64
	// Body is the serialized message as sent (already in the client's layer).
	Body []byte
}

// Outbox numbers the server's messages in one session and keeps the ones the
// client has not acknowledged. The zero value is ready to use. It is not safe
// for concurrent use.
type Outbox struct {
	lastID  int64
	seq     int32
	unacked []OutMsg
	bytes   int
	// unordered is set once a message was kept with a lower id than the
	// one kept before it; until then unacked is in ascending id order.
	unordered bool
}

// NextID returns a new server msg_id: greater than every earlier one,
// 1 mod 4 for responses to requests and 3 mod 4 for other messages.
func (o *Outbox) NextID(now time.Time, response bool) int64 {
	id := now.Unix()<<32 | int64(uint32(uint64(now.Nanosecond())<<32/uint64(time.Second)))
	id &^= 3
	if id <= o.lastID {
		id = o.lastID&^3 + 4
	}
	if response {
		id |= 1
	} else {
		id |= 3
	}
	o.lastID = id
	return id
}

// NextSeqNo returns the seq_no of the next message: 2n+1 for the (n+1)th
// content-related message, 2n for a message that is not content-related.
func (o *Outbox) NextSeqNo(contentRelated bool) int32 {
	if !contentRelated {
		return o.seq * 2
	}
	o.seq++
	return o.seq*2 - 1
}

// Keep remembers a sent content-related message until the client acks it.
func (o *Outbox) Keep(m OutMsg) {
	if n := len(o.unacked); n > 0 && m.ID < o.unacked[n-1].ID {
		o.unordered = true
	}
	o.unacked = append(o.unacked, m)
	o.bytes += len(m.Body)
	for len(o.unacked) > MaxUnacked || (o.bytes > MaxUnackedBytes && len(o.unacked) > 1) {
		o.bytes -= len(o.unacked[0].Body)
		o.unacked[0] = OutMsg{}
		o.unacked = o.unacked[1:]
	}
	if len(o.unacked) == 0 {
		o.unacked = nil
	}
}

// Ack forgets the acknowledged messages.
func (o *Outbox) Ack(ids []int64) {
	if len(o.unacked) == 0 {
		return
	}
	acked := func(id int64) bool { return contains(ids, id) }
	if !o.unordered && slices.IsSorted(ids) {
		// Both in ascending order, as they nearly always are: one pass.
		j := 0
		acked = func(id int64) bool {
			for j < len(ids) && ids[j] < id {
				j++
			}
			return j < len(ids) && ids[j] == id
		}
	}
	kept := o.unacked[:0]
	for _, m := range o.unacked {
		if acked(m.ID) {
			o.bytes -= len(m.Body)
			continue
		}
		kept = append(kept, m)
	}
	clear(o.unacked[len(kept):])
	o.unacked = kept
	if len(o.unacked) == 0 {
		o.unacked = nil // release the backing array of an idle session
	}
}

// Get returns the unacknowledged message with this id.
func (o *Outbox) Get(id int64) (OutMsg, bool) {
	for _, m := range o.unacked {
		if m.ID == id {
			return m, true
		}
	}
	return OutMsg{}, false
}

// ByRequest returns the unacknowledged answer to the client request reqMsgID.
func (o *Outbox) ByRequest(reqMsgID int64) (OutMsg, bool) {
	for _, m := range o.unacked {
		if m.ReqMsgID == reqMsgID {
			return m, true
		}
	}
	return OutMsg{}, false
}

// Unacked returns the messages the client has not acknowledged, oldest first.
func (o *Outbox) Unacked() []OutMsg { return append([]OutMsg(nil), o.unacked...) }

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
