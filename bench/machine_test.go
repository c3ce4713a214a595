package bench

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkMachineStalls measures how long this machine takes the CPU away
// from a thread that wants it: the floor under every latency tail measured
// here. Each iteration spins for 200 µs, reading the clock, and keeps the
// longest gap between two readings; then it sleeps 300 µs (a thread that
// always spins would only measure its own preemption). On an idle
// dedicated core the gaps are well under 10 µs. A virtual machine whose
// cores are shared with other guests shows the host's preemption: gaps of
// milliseconds, and steal time in /proc/stat.
//
// Reported: the p99, p99.9 and longest gap (µs), and steal-cores: the CPU
// the host took from this machine during the run, in cores.
func BenchmarkMachineStalls(b *testing.B) {
	const spin, rest = 200 * time.Microsecond, 300 * time.Microsecond
	gaps := make([]time.Duration, 0, b.N)
	steal0, stealOK := stealTime()
	start := time.Now()
	for range b.N {
		t0 := time.Now()
		prev, longest := t0, time.Duration(0)
		for now := t0; now.Sub(t0) < spin; now = time.Now() {
			longest = max(longest, now.Sub(prev))
			prev = now
		}
		gaps = append(gaps, longest)
		time.Sleep(rest)
	}
	elapsed := time.Since(start)
	steal1, stealOK1 := stealTime()
	b.StopTimer()
	slices.Sort(gaps)
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(gaps[len(gaps)*99/100]), "p99-gap-µs")
	b.ReportMetric(us(gaps[len(gaps)*999/1000]), "p99.9-gap-µs")
	b.ReportMetric(us(gaps[len(gaps)-1]), "max-gap-µs")
	if stealOK && stealOK1 {
		b.ReportMetric((steal1-steal0).Seconds()/elapsed.Seconds(), "steal-cores")
	}
}

// stealTime is the machine's steal time so far (all CPUs): the time its
// virtual CPUs wanted to run and the host ran something else.
func stealTime() (time.Duration, bool) {
	ticks, ok := cpuTicks()
	return time.Duration(ticks[7]) * 10 * time.Millisecond, ok // USER_HZ is 100 on Linux
}
