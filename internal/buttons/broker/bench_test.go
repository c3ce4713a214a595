package broker

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// runningBroker is a Broker on the real clock and crypto/rand with Run going.
// The short timeout keeps retained ids, and so the map, at a steady size.
func runningBroker(b *testing.B) *Broker {
	br := New(Options{Timeout: 50 * time.Millisecond, Resolution: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = br.Run(ctx)
	}()
	b.Cleanup(func() {
		cancel()
		<-done
	})
	return br
}

// BenchmarkRoundTrip is one callback query: Begin, the bot's Answer, the
// user's Wait.
func BenchmarkRoundTrip(b *testing.B) {
	br := runningBroker(b)
	ctx := context.Background()
	q := callbackQuery()
	b.ReportAllocs()
	for b.Loop() {
		roundTrip(b, br, ctx, q)
	}
}

// BenchmarkRoundTripParallel is BenchmarkRoundTrip from GOMAXPROCS
// goroutines at once.
func BenchmarkRoundTripParallel(b *testing.B) {
	br := runningBroker(b)
	ctx := context.Background()
	q := callbackQuery()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			roundTrip(b, br, ctx, q)
		}
	})
}

func roundTrip(b *testing.B, br *Broker, ctx context.Context, q Query) {
	p, err := br.Begin(q)
	if err != nil {
		b.Fatal(err)
	}
	req := answerReq(p.ID())
	req.Message = "ok"
	if err := br.Answer(q.BotID, req); err != nil {
		b.Fatal(err)
	}
	if _, err := p.Wait(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPendingMemory begins queries that stay pending. B/op is what one
// pending query allocates (the map's growth amortized); heap-B/pending is
// the live heap per pending query after a GC.
func BenchmarkPendingMemory(b *testing.B) {
	br := New(Options{Timeout: time.Hour})
	b.Cleanup(br.Close)
	q := callbackQuery()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := br.Begin(q); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "heap-B/pending")
	if br.Len() != n {
		b.Fatalf("Len = %d, want %d", br.Len(), n)
	}
}
