package transport

import (
	"testing"
	"time"
)

func TestLazyDeadline(t *testing.T) {
	base := time.Unix(1_800_000_000, 0)
	var d lazyDeadline
	steps := []struct {
		want   time.Time
		set    time.Time
		rearm  bool
		reason string
	}{
		{time.Time{}, time.Time{}, false, "no deadline wanted, none set"},
		{base, base.Add(deadlineSlack), true, "the first is set, with the slack"},
		{base.Add(deadlineSlack / 2), time.Time{}, false, "a later one within the slack is covered"},
		{base.Add(deadlineSlack), time.Time{}, false, "up to the deadline set"},
		{base.Add(deadlineSlack + 1), base.Add(2*deadlineSlack + 1), true, "past the one set"},
		{base, base.Add(deadlineSlack), true, "an earlier one is never put off by more than the slack"},
		{base.Add(-time.Hour), base.Add(-time.Hour + deadlineSlack), true, "one in the past, to end a blocked call"},
		{time.Time{}, time.Time{}, true, "cleared"},
	}
	for _, s := range steps {
		set, rearm := d.arm(s.want)
		if rearm != s.rearm || (rearm && !set.Equal(s.set)) {
			t.Fatalf("%s: arm(%v) = %v, %v; want %v, %v", s.reason, s.want, set, rearm, s.set, s.rearm)
		}
	}
}
