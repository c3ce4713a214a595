// Package bench holds Go benchmarks for the buttonflow MTProto server.
//
// The benchmarks compare buttonflow with gotd's reference test server
// (github.com/gotd/td/tgtest), driven by real gotd clients over the
// intermediate TCP transport, measure the memory held per idle connection
// that has started a key exchange, and measure a bot's messages sent to and
// delivered to many online users (BenchmarkDelivery, -users N, 1000 by
// default), callback-button round trips between users and bots
// (BenchmarkCallbackRoundTrip, driven by a minimal raw MTProto client whose
// sockets one goroutine reads with epoll, so that the load generator costs
// little CPU), the memory held per callback
// query waiting for a bot (BenchmarkPendingQueryMemory), and callback round
// trips through the HTTP Bot API beside the npm package telegram-test-api
// (BenchmarkBotAPICallbacks, its bot on a minimal HTTP/1.1 client). The
// callback benchmarks run the server in the benchmark's process, or with
// -server-process as the buttonflow serve binary in a process of its own.
// BenchmarkRelayFloor measures the floor under the callback round trips on
// the machine at hand: the same path over loopback TCP through a server that
// only relays bytes; with -relay-work D the relay also busies the CPU for D
// on each message it relays, to see how the tail grows as a server's own
// work fills the cores. BenchmarkMachineStalls measures how long the machine
// (a virtual one, often) takes the CPU away from a thread that wants it: the
// floor under every latency tail measured here. They contain no Test
// functions, so `go test ./...` only compiles them; run them with
//
//	go test -run='^$' -bench=. ./bench/
//
// Results and their interpretation are in RESULTS.md.
package bench
