package session

import "time"

// Time window for client msg_ids, as Telegram enforces it.
const (
	MaxPast   = 300 * time.Second // older msg_ids get BadMsgIDTooLow
	MaxFuture = 30 * time.Second  // newer msg_ids get BadMsgIDTooHigh
)

// InboxSize is how many client msg_ids a session remembers for duplicate
// detection. A msg_id older than all of them and not among them can no longer
// be verified and gets BadMsgTooOld.
const InboxSize = 256

// MsgTime is the moment a msg_id stands for: its upper 32 bits are unix
// seconds, the lower 32 the fraction of a second.
func MsgTime(id int64) time.Time {
	sec := id >> 32
	frac := uint64(uint32(id))
	return time.Unix(sec, int64(frac*uint64(time.Second)>>32))
}

// State is what the server knows of a message the client sent.
type State uint8

// States of a received message.
const (
	Received State = iota + 1 // received; nothing more to say
	Running                   // a request whose answer is being computed
	Answered                  // a request whose answer was sent (Answer holds its msg_id)
)

type inboxEntry struct {
	id     int64
	answer int64
	state  State
}

// Inbox remembers the msg_ids a client sent in one session. The zero value is
// ready to use. It is not safe for concurrent use.
type Inbox struct {
	ring       []inboxEntry // the k-th id added is at k % InboxSize
	added      int64        // ids added so far
	evictedMax int64        // the highest msg_id evicted from the ring
	maxID      int64        // the highest msg_id added
	olderMax   int64        // the highest msg_id added before the last recentIDs
}

// recentIDs is how many of the newest ids find looks at before it uses
// olderMax to skip the rest: a container's id comes before its messages'
// lower ids, and a request is answered soon after it came.
const recentIDs = 8

// Check validates a new client msg_id. It returns a bad_msg_notification code
// (zero when the id is acceptable) and whether the id was received before, in
// which case the message must not be executed again.
func (b *Inbox) Check(id int64, now time.Time) (code int, dup bool) {
	if id%4 != 0 {
		return BadMsgIDParity, false
	}
	if b.find(id) >= 0 {
		return 0, true
	}
	t := MsgTime(id)
	switch {
	case t.Before(now.Add(-MaxPast)):
		return BadMsgIDTooLow, false
	case t.After(now.Add(MaxFuture)):
		return BadMsgIDTooHigh, false
	case id <= b.evictedMax:
		return BadMsgTooOld, false
	}
	return 0, false
}

// Add records a received msg_id in state st.
func (b *Inbox) Add(id int64, st State) {
	if b.added >= recentIDs {
		b.olderMax = max(b.olderMax, b.ring[(b.added-recentIDs)%InboxSize].id)
	}
	b.maxID = max(b.maxID, id)
	e := inboxEntry{id: id, state: st}
	b.added++
	if len(b.ring) < InboxSize {
		if b.ring == nil {
			b.ring = make([]inboxEntry, 0, 16)
		}
		b.ring = append(b.ring, e)
		return
	}
	i := (b.added - 1) % InboxSize
	b.evictedMax = max(b.evictedMax, b.ring[i].id)
	b.ring[i] = e
}

// SetAnswered marks the request id as answered by the server message answer.
func (b *Inbox) SetAnswered(id, answer int64) {
	if i := b.find(id); i >= 0 {
		b.ring[i].state = Answered
		b.ring[i].answer = answer
	}
}

// Lookup returns what is known of id: its state and, once answered, the
// msg_id of the answer.
func (b *Inbox) Lookup(id int64) (st State, answer int64, ok bool) {
	i := b.find(id)
	if i < 0 {
		return 0, 0, false
	}
	e := b.ring[i]
	return e.state, e.answer, true
}

// StateInfo is the msgs_state_info byte for id: 1 nothing is known (too old),
// 2 not received (within the window), 3 not received (id too high), 4
// received, plus 32 when it is a request being processed or processed and 64
// when its answer has been generated.
func (b *Inbox) StateInfo(id int64, now time.Time) byte {
	if st, _, ok := b.Lookup(id); ok {
		switch st {
		case Running:
			return 4 | 32
		case Answered:
			return 4 | 32 | 64
		default:
			return 4
		}
	}
	t := MsgTime(id)
	switch {
	case t.After(now.Add(MaxFuture)):
		return 3
	case id <= b.evictedMax || t.Before(now.Add(-MaxPast)):
		return 1
	default:
		return 2
	}
}

// find returns id's slot in the ring, or -1. It looks from the newest id
// back, and past the recentIDs newest only when an older one may match.
func (b *Inbox) find(id int64) int {
	if id > b.maxID {
		return -1
	}
	kept := min(b.added, InboxSize)
	for j := int64(1); j <= kept; j++ {
		if j > recentIDs && id > b.olderMax {
			return -1
		}
		if i := (b.added - j) % InboxSize; b.ring[i].id == id {
			return int(i)
		}
	}
	return -1
}

// Parity is what a message's seq_no parity must be.
type Parity uint8

// Parities of seq_no.
const (
	// Odd: API requests, which are content-related.
	Odd Parity = iota + 1
	// Even: acks and containers, which are not.
	Even
	// Either: MTProto service requests (ping, get_future_salts,
	// msgs_state_req…). The spec calls them content-related, but gotd/td sends
	// them with even seq_nos and Telegram accepts that, so we do too.
	Either
)

// CheckSeqNo checks the parity of a client seq_no and returns a
// bad_msg_notification code, zero when it is fine.
func CheckSeqNo(seqNo int32, want Parity) int {
	odd := seqNo&1 == 1
	switch {
	case want == Odd && !odd:
		return BadMsgSeqNoOdd
	case want == Even && odd:
		return BadMsgSeqNoEven
	}
	return 0
}

// SetRunning marks the request id as being executed.
func (b *Inbox) SetRunning(id int64) {
	if i := b.find(id); i >= 0 {
		b.ring[i].state = Running
	}
}
