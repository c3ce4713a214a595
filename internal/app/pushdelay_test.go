package app

import (
	"testing"
	"time"
)

// serve's --push-delay 0 means none, which Config spells negative (its 0
// is the server's default).
func TestPushDelayFlag(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{0: -1, time.Millisecond: time.Millisecond, 5 * time.Millisecond: 5 * time.Millisecond} {
		if got := PushDelayFlag(in); got != want {
			t.Errorf("PushDelayFlag(%v) = %v, want %v", in, got, want)
		}
	}
}
