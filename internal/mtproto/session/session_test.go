package session

import (
	"slices"
	"testing"
	"time"
)

var epoch = time.Unix(1_800_000_000, 0)

// clientID builds a client msg_id for moment t (divisible by 4, as clients must).
func clientID(t time.Time) int64 {
	id := t.Unix()<<32 | int64(uint32(uint64(t.Nanosecond())<<32/uint64(time.Second)))
	return id &^ 3
}

func TestInboxCheck(t *testing.T) {
	now := epoch
	tests := []struct {
		name    string
		id      int64
		seen    []int64
		want    int
		wantDup bool
	}{
		{name: "fresh id is accepted", id: clientID(now)},
		{name: "id not divisible by four", id: clientID(now) | 1, want: BadMsgIDParity},
		{name: "id older than the window", id: clientID(now.Add(-MaxPast - time.Second)), want: BadMsgIDTooLow},
		{name: "id just inside the past window", id: clientID(now.Add(-MaxPast + time.Second))},
		{name: "id too far in the future", id: clientID(now.Add(MaxFuture + time.Second)), want: BadMsgIDTooHigh},
		{name: "id just inside the future window", id: clientID(now.Add(MaxFuture - time.Second))},
		{name: "resent id is a duplicate", id: clientID(now), seen: []int64{clientID(now)}, wantDup: true},
		{name: "older id not seen is still fine", id: clientID(now.Add(-time.Second)), seen: []int64{clientID(now)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Inbox
			for _, id := range tt.seen {
				b.Add(id, Received)
			}
			code, dup := b.Check(tt.id, now)
			if code != tt.want || dup != tt.wantDup {
				t.Fatalf("Check = (%d, %v), want (%d, %v)", code, dup, tt.want, tt.wantDup)
			}
		})
	}
}

func TestInboxForgetsOldestAndReportsTooOld(t *testing.T) {
	var b Inbox
	base := clientID(epoch)
	for i := range InboxSize + 10 {
		b.Add(base+int64(i)*4, Received)
	}
	// The first ten were evicted: unseen ids below them can't be verified.
	if code, _ := b.Check(base+4*5+0, epoch); code != BadMsgTooOld {
		t.Fatalf("evicted id: code %d, want %d", code, BadMsgTooOld)
	}
	if code, _ := b.Check(base-4, epoch); code != BadMsgTooOld {
		t.Fatalf("id below evicted: code %d, want %d", code, BadMsgTooOld)
	}
	if _, dup := b.Check(base+4*(InboxSize+9), epoch); !dup {
		t.Fatal("newest id not remembered")
	}
	if code, dup := b.Check(base+4*(InboxSize+10), epoch); code != 0 || dup {
		t.Fatalf("next id: (%d, %v), want accepted", code, dup)
	}
}

// Every remembered id is found, whatever order the ids came in and however
// often the ring wrapped; evicted ones are not.
func TestInboxFindsEveryRememberedID(t *testing.T) {
	var b Inbox
	base := clientID(epoch)
	var ids []int64
	for i := range 3*InboxSize + 17 {
		// Out of order in pairs, as a client's container and a resend may be.
		id := base + int64(i^1)*4
		ids = append(ids, id)
		b.Add(id, Received)
		b.SetAnswered(id, int64(i)) // found at once: it is the newest
	}
	for i, id := range ids {
		st, answer, ok := b.Lookup(id)
		remembered := i >= len(ids)-InboxSize
		if ok != remembered {
			t.Fatalf("id %d of %d: found %v, want %v", i, len(ids), ok, remembered)
		}
		if ok && (st != Answered || answer != int64(i)) {
			t.Fatalf("id %d: state %d answer %d", i, st, answer)
		}
		if _, dup := b.Check(id, epoch); dup != remembered {
			t.Fatalf("id %d: duplicate %v, want %v", i, dup, remembered)
		}
	}
	// Ids never added, among the remembered ones and among the newest.
	for _, back := range []int{1, 5, 9, 100, InboxSize - 1} {
		if i := b.find(ids[len(ids)-back] + 2); i != -1 {
			t.Fatalf("an id never added found at slot %d", i)
		}
	}
}

func TestInboxStateInfo(t *testing.T) {
	now := epoch
	var b Inbox
	running, answered, received := clientID(now), clientID(now)+4, clientID(now)+8
	b.Add(running, Running)
	b.Add(answered, Running)
	b.SetAnswered(answered, 12345)
	b.Add(received, Received)
	if st, ans, ok := b.Lookup(answered); !ok || st != Answered || ans != 12345 {
		t.Fatalf("Lookup(answered) = %v %v %v", st, ans, ok)
	}
	tests := []struct {
		name string
		id   int64
		want byte
	}{
		{"request being processed", running, 4 | 32},
		{"request answered", answered, 4 | 32 | 64},
		{"plain received", received, 4},
		{"unknown in window", clientID(now) + 400, 2},
		{"unknown from the future", clientID(now.Add(time.Hour)), 3},
		{"unknown and too old", clientID(now.Add(-time.Hour)), 1},
	}
	for _, tt := range tests {
		if got := b.StateInfo(tt.id, now); got != tt.want {
			t.Errorf("%s: StateInfo = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestCheckSeqNo(t *testing.T) {
	tests := []struct {
		name  string
		seqNo int32
		want  Parity
		code  int
	}{
		{"odd api request", 3, Odd, 0},
		{"even api request", 2, Odd, BadMsgSeqNoOdd},
		{"even ack", 4, Even, 0},
		{"odd ack", 1, Even, BadMsgSeqNoEven},
		{"even ping", 4, Either, 0},
		{"odd ping", 5, Either, 0},
	}
	for _, tt := range tests {
		if got := CheckSeqNo(tt.seqNo, tt.want); got != tt.code {
			t.Errorf("%s: CheckSeqNo(%d) = %d, want %d", tt.name, tt.seqNo, got, tt.code)
		}
	}
}

func TestOutboxIDsAreMonotonicWithParity(t *testing.T) {
	var o Outbox
	now := epoch
	var last int64
	for i := range 1000 {
		response := i%3 == 0
		id := o.NextID(now, response) // the clock does not move: ids must still grow
		if id <= last {
			t.Fatalf("id %d not greater than %d", id, last)
		}
		if want := map[bool]int64{true: 1, false: 3}[response]; id%4 != want {
			t.Fatalf("id %d mod 4 = %d, want %d", id, id%4, want)
		}
		last = id
	}
	if got := MsgTime(o.NextID(now.Add(time.Minute), false)); got.Sub(now.Add(time.Minute)).Abs() > time.Millisecond {
		t.Fatalf("id time %v, want about %v", got, now.Add(time.Minute))
	}
}

func TestOutboxSeqNo(t *testing.T) {
	var o Outbox
	got := []int32{o.NextSeqNo(false), o.NextSeqNo(true), o.NextSeqNo(true), o.NextSeqNo(false), o.NextSeqNo(true)}
	want := []int32{0, 1, 3, 4, 5}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("seq_nos %v, want %v", got, want)
		}
	}
}

func TestOutboxUnackedBounds(t *testing.T) {
	var o Outbox
	for i := range MaxUnacked + 5 {
		o.Keep(OutMsg{ID: int64(i), ReqMsgID: int64(1000 + i), Body: make([]byte, 10)})
	}
	if n := len(o.Unacked()); n != MaxUnacked {
		t.Fatalf("kept %d, want %d", n, MaxUnacked)
	}
	if _, ok := o.Get(0); ok {
		t.Fatal("oldest message not dropped")
	}
	if m, ok := o.ByRequest(1000 + MaxUnacked + 4); !ok || m.ID != MaxUnacked+4 {
		t.Fatalf("ByRequest = %+v %v", m, ok)
	}
	o.Ack([]int64{MaxUnacked + 4, 2}) // 2 was already dropped
	if _, ok := o.Get(MaxUnacked + 4); ok {
		t.Fatal("acked message kept")
	}
	if n := len(o.Unacked()); n != MaxUnacked-1 {
		t.Fatalf("after ack %d left, want %d", n, MaxUnacked-1)
	}
	o.Keep(OutMsg{ID: 9999, Body: make([]byte, MaxUnackedBytes)})
	if n := len(o.Unacked()); n != 1 {
		t.Fatalf("byte bound kept %d messages, want only the big one", n)
	}
}

func TestSalts(t *testing.T) {
	s := NewSalts([]byte("0123456789abcdef0123456789abcdef"))
	now := epoch
	cur := s.Current(7, now)
	if cur == s.Current(8, now) {
		t.Fatal("two keys share a salt")
	}
	if !s.Valid(7, cur, now) || !s.Valid(7, cur, now.Add(SaltPeriod)) {
		t.Fatal("current salt not valid now and through the next period")
	}
	if s.Valid(7, cur, now.Add(2*SaltPeriod)) {
		t.Fatal("salt still valid two periods later")
	}
	if s.Valid(7, cur+1, now) {
		t.Fatal("a made-up salt is valid")
	}
	f := s.Future(7, now, 4)
	if len(f) != 4 || f[0].Salt != cur {
		t.Fatalf("future salts %+v", f)
	}
	for _, fs := range f {
		at := time.Unix(int64(fs.ValidSince), 0)
		if !s.Valid(7, fs.Salt, at) || !s.Valid(7, fs.Salt, time.Unix(int64(fs.ValidUntil)-1, 0)) {
			t.Fatalf("future salt %+v not valid over its own range", fs)
		}
	}
	if other := NewSalts([]byte("another secret, another server!!")); other.Current(7, now) == cur {
		t.Fatal("salt does not depend on the secret")
	}
}

func TestOutboxAck(t *testing.T) {
	var o Outbox
	for id := int64(10); id <= 100; id += 10 {
		o.Keep(OutMsg{ID: id, Body: make([]byte, int(id))})
	}
	left := func() []int64 {
		var ids []int64
		for _, m := range o.Unacked() {
			ids = append(ids, m.ID)
		}
		return ids
	}
	check := func(step string, want []int64) {
		t.Helper()
		got := left()
		bytes := 0
		for _, id := range want {
			bytes += int(id)
		}
		if !slices.Equal(got, want) || o.bytes != bytes {
			t.Fatalf("%s: left %v (%d bytes), want %v (%d bytes)", step, got, o.bytes, want, bytes)
		}
	}
	o.Ack([]int64{5, 20, 21, 50, 100, 200}) // ascending, with ids never sent
	check("ascending acks", []int64{10, 30, 40, 60, 70, 80, 90})
	o.Ack([]int64{90, 10, 10})
	check("acks out of order", []int64{30, 40, 60, 70, 80})
	o.Keep(OutMsg{ID: 15, Body: make([]byte, 15)}) // kept out of order
	o.Ack([]int64{15, 60})
	check("ascending acks of an unordered outbox", []int64{30, 40, 70, 80})
	o.Ack([]int64{30, 40, 70, 80})
	check("all acked", nil)
}
