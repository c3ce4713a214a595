// Package bench holds Go benchmarks for the buttonflow MTProto server.
//
// The benchmarks compare buttonflow with gotd's reference test server
// (github.com/gotd/td/tgtest), driven by real gotd clients over the
// intermediate TCP transport, measure the memory held per idle connection
// that has started a key exchange, and measure a bot's messages sent to and
// delivered to many online users (BenchmarkDelivery, -users N, 1000 by
// default), callback-button round trips between users and bots
// (BenchmarkCallbackRoundTrip, driven by a minimal raw MTProto client so that
// the load generator costs little CPU) and the memory held per callback
// query waiting for a bot (BenchmarkPendingQueryMemory). They contain no Test
// functions, so `go test ./...` only compiles them; run them with
//
//	go test -run='^$' -bench=. ./bench/
//
// Results and their interpretation are in RESULTS.md.
package bench
