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

// Functions that block all run at once: none waits for a busy goroutine.
func TestBlockedFunctionsDoNotHoldUpOthers(t *testing.T) {
	p := New(time.Minute, 50)
	release := make(chan struct{})
	var started sync.WaitGroup
	started.Add(50)
	for range 50 {
		p.Go(func() {
			started.Done()
			<-release
		})
	}
	started.Wait() // would hang if a function waited for another to end
	if p.Live() != 50 {
		t.Fatalf("%d goroutines for 50 blocked functions", p.Live())
	}
	close(release)
	waitFor(t, "all 50 are idle", func() bool { return p.Idle() == 50 })
}

// An idle goroutine takes the next function: no new goroutine is made.
func TestIdleGoroutineIsReused(t *testing.T) {
	p := New(time.Minute, 1)
	var ids sync.Map
	for i := range 20 {
		done := make(chan struct{})
		p.Go(func() { ids.Store(i, true); close(done) })
		<-done
		waitFor(t, "the goroutine is idle", func() bool { return p.Idle() == 1 })
		if p.Live() != 1 {
			t.Fatalf("function %d: %d goroutines, want the one reused", i, p.Live())
		}
	}
	n := 0
	ids.Range(func(any, any) bool { n++; return true })
	if n != 20 {
		t.Fatalf("%d of 20 functions ran", n)
	}
}

// Idle goroutines exit after the idle time.
func TestIdleGoroutinesExit(t *testing.T) {
	p := New(20*time.Millisecond, 10)
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		p.Go(wg.Done)
	}
	wg.Wait()
	waitFor(t, "every goroutine has exited", func() bool { return p.Live() == 0 })
	if p.Idle() != 0 {
		t.Fatalf("%d idle goroutines counted after all exited", p.Idle())
	}
}

// Past maxIdle, goroutines that finish exit at once.
func TestIdleGoroutinesAreBounded(t *testing.T) {
	p := New(time.Minute, 3)
	release := make(chan struct{})
	var started, finished sync.WaitGroup
	started.Add(20)
	finished.Add(20)
	for range 20 {
		p.Go(func() {
			defer finished.Done()
			started.Done()
			<-release
		})
	}
	started.Wait()
	close(release)
	finished.Wait()
	waitFor(t, "all but 3 have exited", func() bool { return p.Live() == 3 })
	if p.Idle() != 3 {
		t.Fatalf("%d idle goroutines, want 3", p.Idle())
	}
}

// Close lets the idle goroutines go; functions given after it still run.
func TestCloseLetsIdleGoroutinesGo(t *testing.T) {
	p := New(time.Minute, 10)
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		p.Go(wg.Done)
	}
	wg.Wait()
	waitFor(t, "5 idle goroutines", func() bool { return p.Idle() == 5 })
	p.Close()
	waitFor(t, "every goroutine has exited", func() bool { return p.Live() == 0 })
	done := make(chan struct{})
	p.Go(func() { close(done) })
	<-done
	waitFor(t, "the goroutine of a function given after Close has exited", func() bool { return p.Live() == 0 })
}
