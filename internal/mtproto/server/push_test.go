package server

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/layer"
)

// TestPushWaitWindows walks a session through push windows of 1 ms on a
// made-up clock: the first push after a quiet spell goes at once, those in
// its window wait for the window's end, and windows follow one another
// while each has a push waiting.
func TestPushWaitWindows(t *testing.T) {
	const window = time.Millisecond
	t0 := time.Unix(1700000000, 0)
	at := func(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }
	s := newSession(nil, 1, t0)
	steps := []struct {
		at   float64 // ms
		wait float64 // ms
	}{
		{0, 0},            // quiet before: at once, window [0, 1)
		{0.4, 0.6},        // waits for 1
		{0.8, 0.2},        // the same frame, at 1
		{1.2, 0.8},        // window [1, 2) follows the one that had pushes waiting
		{2.5, 0.5},        // and [2, 3)
		{3.5, 0.5},        // and [3, 4)
		{10, 0},           // a quiet spell: at once, window [10, 11)
		{11.5, 0},         // nothing waited in [10, 11): at once again
		{11.7, 0.8},       // in [11.5, 12.5)
		{12.5001, 0.9999}, // [12.5, 13.5) follows
	}
	for _, st := range steps {
		got := s.pushWait(at(st.at), window)
		want := time.Duration(st.wait * float64(time.Millisecond))
		if d := got - want; d > time.Microsecond || d < -time.Microsecond {
			t.Fatalf("push at %v ms waits %v, want %v", st.at, got, want)
		}
	}
	if got := s.pushWait(at(12.6), 0); got != 0 {
		t.Fatalf("with no window a push waits %v", got)
	}
}

// pushShort pushes an UpdateShort dated date to a's key and checks that it
// reached the one connection.
func pushShort(t *testing.T, f *fixture, a *client, date int) {
	t.Helper()
	n, err := f.srv.Push(context.Background(), a.key.IntID(), &tg.UpdateShort{Update: &tg.UpdateConfig{}, Date: date})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("push %d reached %d connections, want 1", date, n)
	}
}

// shortDates returns the dates of the UpdateShort messages in msgs.
func shortDates(t *testing.T, msgs []received) []int {
	t.Helper()
	var dates []int
	for _, m := range msgs {
		if m.typ == tg.UpdateShortTypeID {
			dates = append(dates, decodeAs[tg.UpdateShort](t, m.body).Date)
		}
	}
	return dates
}

// TestPushesToABusySessionShareAFrame: the first push goes out at once, in
// a frame of its own; the two right after it wait for the end of the
// window and go out together, in one frame. The window is long enough for
// the two pushes to fall in it on a slow machine.
func TestPushesToABusySessionShareAFrame(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.PushDelay = time.Second })
	a := f.newClient(0)
	a.ready()
	pushShort(t, f, a, 1)
	msgs, err := a.recvFrame()
	if err != nil {
		t.Fatal(err)
	}
	if got := shortDates(t, msgs); len(got) != 1 || got[0] != 1 {
		t.Fatalf("first frame holds updates dated %v (%v), want [1]", got, typesOf(msgs))
	}
	pushShort(t, f, a, 2)
	pushShort(t, f, a, 3)
	msgs, err = a.recvFrame()
	if err != nil {
		t.Fatal(err)
	}
	if got := shortDates(t, msgs); len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Fatalf("second frame holds updates dated %v (%v), want [2 3] in one frame", got, typesOf(msgs))
	}
	for _, m := range msgs {
		if m.typ == tg.UpdateShortTypeID && m.seq%2 != 1 {
			t.Fatalf("held update has seqno %d, want a content-related (odd) one", m.seq)
		}
	}
}

// TestHeldPushesRideWithTheNextFrame: updates waiting for their window's
// end go out with the next frame to the client, here a result, long
// before the window ends.
func TestHeldPushesRideWithTheNextFrame(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.PushDelay = time.Hour })
	a := f.newClient(0)
	a.ready()
	pushShort(t, f, a, 1)
	if m, _ := a.expect(tg.UpdateShortTypeID); decodeAs[tg.UpdateShort](t, m.body).Date != 1 {
		t.Fatal("the first push did not come at once")
	}
	pushShort(t, f, a, 2)
	pushShort(t, f, a, 3)
	id := a.call(&tg.HelpGetNearestDCRequest{})
	msgs, err := a.recvFrame()
	if err != nil {
		t.Fatal(err)
	}
	result := false
	for _, m := range msgs {
		if m.typ == proto.ResultTypeID {
			result = true
		}
	}
	if got := shortDates(t, msgs); !result || len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Fatalf("the frame after request %d holds %v, updates dated %v; want its result and updates [2 3]", id, typesOf(msgs), got)
	}
}

// TestAClientThatKeepsUpGetsItsUpdatesAtOnce: a frame from the client
// ends the push window, so a client that answers each update before the
// next one comes (a bot answering one user's presses in turn) never waits
// for a window, however long; and updates already waiting go with the
// frame that answers it.
func TestAClientThatKeepsUpGetsItsUpdatesAtOnce(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.PushDelay = time.Hour })
	a := f.newClient(0)
	a.ready()
	for date := 1; date <= 3; date++ {
		pushShort(t, f, a, date)
		if m, _ := a.expect(tg.UpdateShortTypeID); decodeAs[tg.UpdateShort](t, m.body).Date != date {
			t.Fatalf("update %d did not come", date)
		}
		// The client answers (an ack of the update) before the next push.
		ack := encode(&mt.MsgsAck{MsgIDs: []int64{1}})
		a.sendRaw(a.nextID(), a.seq(false), a.salt, ack)
		a.barrier()
	}
	// Two pushes without an answer between: the second waits for the
	// client's next frame, and comes with the answer to it.
	pushShort(t, f, a, 4)
	if m, _ := a.expect(tg.UpdateShortTypeID); decodeAs[tg.UpdateShort](t, m.body).Date != 4 {
		t.Fatal("update 4 did not come at once")
	}
	pushShort(t, f, a, 5)
	ping := a.nextID()
	a.sendRaw(ping, a.seq(true), a.salt, encode(&mt.PingRequest{PingID: 7}))
	msgs, err := a.recvFrame()
	if err != nil {
		t.Fatal(err)
	}
	pong := false
	for _, m := range msgs {
		pong = pong || m.typ == mt.PongTypeID
	}
	if got := shortDates(t, msgs); !pong || len(got) != 1 || got[0] != 5 {
		t.Fatalf("the frame after the ping holds %v, updates dated %v; want the pong and update 5", typesOf(msgs), got)
	}
}

// TestEndPushWindowSparesLaterWindows: a client's frame ends the window
// that was open when it arrived, not one that pushes opened while the
// frame was being handled (the frame knew nothing of them).
func TestEndPushWindowSparesLaterWindows(t *testing.T) {
	const window = time.Millisecond
	t0 := time.Unix(1700000000, 0)
	s := newSession(nil, 1, t0)
	if s.endPushWindow(t0, window) {
		t.Fatal("no window, yet pushes said to be waiting")
	}
	s.pushWait(t0, window)                          // at once: window [t0, t0+1ms)
	s.pushWait(t0.Add(window/2), window)            // waits
	s.held = append(s.held, outMsg{content: true})  // as hold would
	if s.endPushWindow(t0.Add(-window/4), window) { // arrived before the window opened
		t.Fatal("a frame that came before the window ended it")
	}
	if !s.endPushWindow(t0.Add(window/4), window) { // arrived within it
		t.Fatal("a frame that came within the window did not end it, or saw nothing waiting")
	}
	if wait := s.pushWait(t0.Add(window*3/4), window); wait != 0 {
		t.Fatalf("after the window ended, a push waits %v", wait)
	}
}

// TestPushSpeaksEachSessionsLayer: one push reaches a session of the newest
// layer and two of an older one, each in its own layer's encoding (the
// second older session gets the form made for the first).
func TestPushSpeaksEachSessionsLayer(t *testing.T) {
	f := newFixture(t)
	layers := f.srv.layers.Layers()
	old := layers[0]
	if old == layer.Latest {
		t.Skip("no older layer to speak")
	}
	a := f.newClient(0)
	a.ready()
	onLayer := func(s int64) *client {
		c := &client{f: f, w: f.dial(), key: a.key, salt: a.salt, session: s, cipher: a.cipher}
		c.ready()
		b := &bin.Buffer{}
		b.PutID(invokeWithLayerID)
		b.PutInt(old)
		b.Put(encode(&tg.HelpGetNearestDCRequest{}))
		id := c.nextID()
		c.sendRaw(id, c.seq(true), c.salt, b.Raw())
		c.result(id)
		return c
	}
	b, c := onLayer(a.session+1), onLayer(a.session+2)
	u := &tg.UpdateShort{Update: &tg.UpdateNewMessage{Message: &tg.Message{ID: 7, PeerID: &tg.PeerUser{UserID: 1}, Message: "hi"}}, Date: 9}
	latest := encode(u)
	want, err := f.srv.layers.DownObject(old, "Updates", latest)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(want, latest) {
		t.Fatalf("layer %d encodes the update as the newest layer does: the test shows nothing", old)
	}
	n, err := f.srv.Push(context.Background(), a.key.IntID(), u)
	if err != nil || n != 3 {
		t.Fatalf("push reached %d connections (%v), want 3", n, err)
	}
	for _, x := range []struct {
		name string
		c    *client
		want []byte
	}{{"newest layer", a, latest}, {fmt.Sprintf("layer %d", old), b, want}, {fmt.Sprintf("layer %d again", old), c, want}} {
		m, _ := x.c.expect(tg.UpdateShortTypeID)
		if !bytes.Equal(m.body, x.want) {
			t.Errorf("%s: got % x, want % x", x.name, m.body, x.want)
		}
	}
}
