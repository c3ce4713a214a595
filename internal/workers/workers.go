// Package workers runs functions on goroutines of their own, reusing a
// goroutine that has finished one function for the next.
package workers

import (
	"sync"
	"sync/atomic"
	"time"
)

// Pool runs every function given to Go at once, on a goroutine other than
// the caller's: an idle goroutine of the pool if one is waiting, else a new
// one, so a function that blocks never holds up another. A goroutine that
// has finished its function waits up to the pool's idle time for the next,
// then exits; past the pool's most idle goroutines it exits at once, so a
// burst of functions leaves no crowd of goroutines behind.
//
// Reuse spares each function a goroutine's creation and, on deep call paths
// (an answer encoded, encrypted and written), the growth of its stack from
// the small size new goroutines start with, which costs more than the
// function's own work when that is short.
type Pool struct {
	work      chan func()
	idle      time.Duration
	maxIdle   int64
	stop      chan struct{} // closed by Close
	closeOnce sync.Once

	live    atomic.Int64 // goroutines of the pool
	waiting atomic.Int64 // of those, idle ones waiting for a function
}

// New returns a pool that keeps up to maxIdle idle goroutines, each for
// up to idle without work.
func New(idle time.Duration, maxIdle int) *Pool {
	return &Pool{work: make(chan func()), idle: idle, maxIdle: int64(maxIdle), stop: make(chan struct{})}
}

// Close lets the idle goroutines go. Go still runs functions afterwards, each
// on a goroutine that exits when its function returns.
func (p *Pool) Close() { p.closeOnce.Do(func() { close(p.stop) }) }

// Go runs fn on a goroutine of the pool. It never blocks.
func (p *Pool) Go(fn func()) {
	select {
	case p.work <- fn: // an idle goroutine took it
	default:
		p.live.Add(1)
		go p.run(fn)
	}
}

// Live is the number of goroutines the pool has, busy or idle.
func (p *Pool) Live() int { return int(p.live.Load()) }

// Idle is the number of the pool's goroutines waiting for a function.
func (p *Pool) Idle() int { return int(p.waiting.Load()) }

func (p *Pool) run(fn func()) {
	defer p.live.Add(-1)
	fn()
	t := time.NewTimer(p.idle)
	defer t.Stop()
	for {
		if p.waiting.Add(1) > p.maxIdle {
			p.waiting.Add(-1)
			return
		}
		select {
		case fn = <-p.work:
			p.waiting.Add(-1)
			fn()
			t.Reset(p.idle)
		case <-t.C:
			p.waiting.Add(-1)
			return
		case <-p.stop:
			p.waiting.Add(-1)
			return
		}
	}
}
