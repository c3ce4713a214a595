package workers

import (
	"sync"
	"testing"
	"time"
)

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// runTogether gives p n functions that each block until all n have
// started (which hangs if one waits for another to end), calls
// whileBlocked then, and returns once all n have returned.
func runTogether(p *Pool, n int, whileBlocked func()) {
	release := make(chan struct{})
	var started, finished sync.WaitGroup
	started.Add(n)
	finished.Add(n)
	for range n {
		p.Go(func() {
			defer finished.Done()
			started.Done()
			<-release
		})
	}
	started.Wait()
	whileBlocked()
	close(release)
	finished.Wait()
}

// Functions that block all run at once: none waits for a busy goroutine.
func TestBlockedFunctionsDoNotHoldUpOthers(t *testing.T) {
	p := New(time.Minute, 50)
	runTogether(p, 50, func() {
		if p.Live() != 50 {
			t.Errorf("%d goroutines for 50 blocked functions", p.Live())
		}
	})
	waitFor(t, "all 50 are idle", func() bool { return p.Idle() == 50 })
}

// An idle goroutine takes the next function: no new goroutine is made.
func TestIdleGoroutineIsReused(t *testing.T) {
	p := New(time.Minute, 1)
	ran := 0
	for i := range 20 {
		done := make(chan struct{})
		p.Go(func() { ran++; close(done) })
		<-done
		waitFor(t, "the goroutine is idle", func() bool { return p.Idle() == 1 })
		if p.Live() != 1 {
			t.Fatalf("function %d: %d goroutines, want the one reused", i, p.Live())
		}
	}
	if ran != 20 {
		t.Fatalf("%d of 20 functions ran", ran)
	}
}

// Idle goroutines exit after the idle time.
func TestIdleGoroutinesExit(t *testing.T) {
	p := New(20*time.Millisecond, 10)
	runTogether(p, 5, func() {})
	waitFor(t, "every goroutine has exited", func() bool { return p.Live() == 0 })
	if p.Idle() != 0 {
		t.Fatalf("%d idle goroutines counted after all exited", p.Idle())
	}
}

// Past maxIdle, goroutines that finish exit at once.
func TestIdleGoroutinesAreBounded(t *testing.T) {
	p := New(time.Minute, 3)
	runTogether(p, 20, func() {})
	waitFor(t, "all but 3 have exited", func() bool { return p.Live() == 3 })
	if p.Idle() != 3 {
		t.Fatalf("%d idle goroutines, want 3", p.Idle())
	}
}

// Close lets the idle goroutines go; functions given after it still run.
func TestCloseLetsIdleGoroutinesGo(t *testing.T) {
	p := New(time.Minute, 10)
	runTogether(p, 5, func() {})
	waitFor(t, "5 idle goroutines", func() bool { return p.Idle() == 5 })
	p.Close()
	waitFor(t, "every goroutine has exited", func() bool { return p.Live() == 0 })
	done := make(chan struct{})
	p.Go(func() { close(done) })
	<-done
	waitFor(t, "the goroutine of a function given after Close has exited", func() bool { return p.Live() == 0 })
}
