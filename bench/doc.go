// Package bench holds Go benchmarks for the buttonflow MTProto server.
//
// The benchmarks compare buttonflow with gotd's reference test server
// (github.com/gotd/td/tgtest), driven by real gotd clients over the
// intermediate TCP transport, and measure the memory held per idle
// connection that has started a key exchange. They contain no Test
// functions, so `go test ./...` only compiles them; run them with
//
//	go test -run='^$' -bench=. ./bench/
//
// Results and their interpretation are in RESULTS.md.
package bench
