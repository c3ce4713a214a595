package srp

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

func floodWait(t *testing.T, err error) time.Duration {
	t.Helper()
	d, ok := tgerr.AsFloodWait(err)
	if !ok {
		t.Fatalf("want FLOOD_WAIT, got %v", err)
	}
	if e, _ := tgerr.As(err); e.Code != 420 || e.Message != fmt.Sprintf("FLOOD_WAIT_%d", int(d/time.Second)) {
		t.Fatalf("bad flood error %+v", e)
	}
	return d
}

func TestFlood(t *testing.T) {
	e := newEnv(t)
	for i := range DefaultMaxFailures {
		id, srpB := e.challenge()
		if err := e.check(e.wrong(id, srpB)); errType(err) != "PASSWORD_HASH_INVALID" {
			t.Fatalf("failure %d: %v", i, err)
		}
		e.clock.Advance(time.Minute)
	}
	// Failures at 0, 1, 2, 3, 4 minutes; now is 5 minutes: the first just
	// left the window, so one more attempt is allowed.
	id, srpB := e.challenge()
	if err := e.check(e.wrong(id, srpB)); errType(err) != "PASSWORD_HASH_INVALID" {
		t.Fatal(err)
	}
	// Now failures at 1, 2, 3, 4, 5: blocked until 6 minutes, even with the
	// right proof, and the challenge is not consumed.
	e.clock.Advance(10 * time.Second)
	id, srpB = e.challenge()
	in := e.right(id, srpB)
	if d := floodWait(t, e.check(in)); d != 50*time.Second {
		t.Fatalf("wait %v, want 50s", d)
	}
	e.clock.Advance(49*time.Second + 500*time.Millisecond)
	if d := floodWait(t, e.check(in)); d != time.Second {
		t.Fatalf("wait %v, want 1s (rounded up)", d)
	}
	e.clock.Advance(500 * time.Millisecond)
	if err := e.check(in); err != nil {
		t.Fatalf("after the wait, the same request: %v", err)
	}
	// Success clears the failures.
	for range DefaultMaxFailures - 1 {
		id, srpB := e.challenge()
		if err := e.check(e.wrong(id, srpB)); errType(err) != "PASSWORD_HASH_INVALID" {
			t.Fatal(err)
		}
	}
	id, srpB = e.challenge()
	if err := e.check(e.wrong(id, srpB)); errType(err) != "PASSWORD_HASH_INVALID" {
		t.Fatal(err)
	}
	id, srpB = e.challenge()
	if d := floodWait(t, e.check(e.right(id, srpB))); d != DefaultFailureWindow {
		t.Fatalf("wait %v, want the whole window", d)
	}
	// Other accounts are not affected.
	if err := e.c.Check(accountID+1, e.acc.verifier, e.right(id, srpB)); errType(err) != "SRP_ID_INVALID" {
		t.Fatal(err)
	}
	// Recovery after the window: all failures forgotten.
	e.clock.Advance(DefaultFailureWindow)
	for range DefaultMaxFailures - 1 {
		id, srpB := e.challenge()
		if err := e.check(e.wrong(id, srpB)); errType(err) != "PASSWORD_HASH_INVALID" {
			t.Fatal(err)
		}
	}
	id, srpB = e.challenge()
	if err := e.check(e.right(id, srpB)); err != nil {
		t.Fatal(err)
	}
}

func TestOptions(t *testing.T) {
	clock := newTestClock()
	acc := testAccount(t, "hunter2")
	c := NewChecker(Options{Clock: clock.Now, TTL: time.Minute, MaxFailures: 2, FailureWindow: time.Hour})
	id, srpB, _ := c.Challenge(1, acc.verifier)
	clock.Advance(time.Minute)
	if err := c.Check(1, acc.verifier, fastProof(acc.x, acc.verifier, id, srpB, randomA(t))); errType(err) != "SRP_ID_INVALID" {
		t.Fatal(err)
	}
	for range 2 {
		id, srpB, _ := c.Challenge(1, acc.verifier)
		if err := c.Check(1, acc.verifier, &tg.InputCheckPasswordSRP{SRPID: id, A: srpB, M1: make([]byte, 32)}); errType(err) != "PASSWORD_HASH_INVALID" {
			t.Fatal(err)
		}
	}
	if d := floodWait(t, c.Check(1, acc.verifier, &tg.InputCheckPasswordSRP{SRPID: id})); d != time.Hour {
		t.Fatalf("wait %v", d)
	}
	if _, _, err := NewChecker(Options{Rand: bytes.NewReader(nil)}).Challenge(1, acc.verifier); err == nil {
		t.Fatal("no error from an empty Rand")
	}
}
