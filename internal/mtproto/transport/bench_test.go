package transport

import (
	"io"
	"net"
	"runtime"
	"strconv"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/proto/codec"
)

// BenchmarkRoundTripIntermediate measures one frame to the server and its
// echo back over loopback with gotd's intermediate codec on the client.
func BenchmarkRoundTripIntermediate(b *testing.B) {
	for _, size := range []int{64, 1 << 10, 64 << 10} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			addr, _ := startServe(b, echoHandler(nil, nil), ListenerOptions{})
			ctx := testCtx(b)
			c := plainClient(func() codec.Codec { return codec.Intermediate{} })(b, addr)
			handshake(b, ctx, c)
			payload := randomBytes(size)
			var send, got bin.Buffer
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				send.ResetTo(payload)
				if err := c.Send(ctx, &send); err != nil {
					b.Fatal(err)
				}
				if err := c.Recv(ctx, &got); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// idleCost is the memory that idle connections hold, per connection.
type idleCost struct {
	heap, stack float64
}

// measureIdle opens n intermediate connections that each completed one
// round trip and now sit idle (the server blocked reading their next frame),
// and returns the heap and goroutine stack they hold. The client ends of the
// sockets live in the same process and are included, so this is an upper
// bound for the server side.
func measureIdle(tb testing.TB, n int) idleCost {
	tb.Helper()
	addr, _ := startServe(tb, echoHandler(nil, nil), ListenerOptions{})
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, nc := range conns {
			_ = nc.Close()
		}
	}()
	start := cat(ee, le32(8), []byte("abcdefgh"))
	reply := make([]byte, 8) // the handler's answer: length 4, code -404
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			tb.Fatal(err)
		}
		conns = append(conns, nc)
		if _, err := nc.Write(start); err != nil {
			tb.Fatal(err)
		}
		if _, err := io.ReadFull(nc, reply); err != nil {
			tb.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	return idleCost{
		heap:  float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n),
		stack: float64(int64(after.StackInuse)-int64(before.StackInuse)) / float64(n),
	}
}

// BenchmarkIdleConnMemory reports the bytes held per idle connection among
// 1000 (run with -benchtime=1x: each iteration measures afresh).
func BenchmarkIdleConnMemory(b *testing.B) {
	var cost idleCost
	for range b.N {
		cost = measureIdle(b, 1000)
	}
	b.ReportMetric(cost.heap, "heap-B/conn")
	b.ReportMetric(cost.stack, "stack-B/conn")
	b.ReportMetric(cost.heap+cost.stack, "B/conn")
}

func TestIdleConnMemory(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("memory is only meaningful without -race, and takes a few hundred connections")
	}
	const budget = 32 << 10
	cost := measureIdle(t, 300)
	t.Logf("per idle connection: heap %.0f B, stack %.0f B", cost.heap, cost.stack)
	if total := cost.heap + cost.stack; total > budget {
		t.Errorf("idle connection holds %.0f bytes, budget %d", total, budget)
	}
}
