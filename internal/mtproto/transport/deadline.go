package transport

import "time"

// deadlineSlack is how much later than asked a connection's deadline may
// fall. A deadline already set no earlier than the one wanted and at most
// this much later is left alone, so a busy connection re-arms its timer
// about once a second rather than once a frame.
const deadlineSlack = time.Second

// lazyDeadline tracks the deadline set on one side of a connection. It is
// not safe for concurrent use.
type lazyDeadline struct {
	set time.Time // zero: none
}

// arm returns the deadline to set for the one wanted, t, and false when the
// one set already does (it is no earlier than t and at most deadlineSlack
// later). The zero t clears the deadline.
func (d *lazyDeadline) arm(t time.Time) (time.Time, bool) {
	if t.IsZero() {
		if d.set.IsZero() {
			return time.Time{}, false
		}
		d.set = time.Time{}
		return time.Time{}, true
	}
	if !d.set.IsZero() && !d.set.Before(t) && d.set.Sub(t) <= deadlineSlack {
		return time.Time{}, false
	}
	d.set = t.Add(deadlineSlack)
	return d.set, true
}
