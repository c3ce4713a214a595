package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"
)

var (
	botAPIUsers  = flag.Int("botapi-users", 64, "BenchmarkBotAPICallbacks: users pressing at once (closed loop)")
	botAPIRounds = flag.Int("botapi-rounds", 3, "BenchmarkBotAPICallbacks: rounds of buttonflow then telegram-test-api")
)

// apiPoller is a bot on the Bot API's long polling: one getUpdates loop
// (JSON), and every callback query answered at once (answerCallbackQuery,
// text "ok", a urlencoded form) on its own goroutine. It is written lean
// (leanHTTP, not net/http's client), so the load generator measures the
// server more than itself.
type apiPoller struct {
	httpc  *leanHTTP
	cancel context.CancelFunc
	done   chan struct{}
}

// startPoller starts the bot of token on the Bot API at addr (host:port).
func startPoller(addr, token string, fail func(error)) (*apiPoller, error) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &apiPoller{httpc: newLeanHTTP(addr, token), cancel: cancel, done: make(chan struct{})}
	// The bot's first call makes it a Bot API bot: only then are its
	// updates queued.
	if err := p.call(ctx, "getUpdates", map[string]any{"timeout": 0}, nil); err != nil {
		cancel()
		p.httpc.closeAll()
		return nil, err
	}
	go func() {
		defer close(p.done)
		var offset int64
		for ctx.Err() == nil {
			var ups []struct {
				UpdateID      int64 `json:"update_id"`
				CallbackQuery *struct {
					ID string `json:"id"`
				} `json:"callback_query"`
			}
			if err := p.call(ctx, "getUpdates", map[string]any{"offset": offset, "timeout": 10}, &ups); err != nil {
				if ctx.Err() == nil {
					fail(fmt.Errorf("getUpdates: %w", err))
				}
				return
			}
			for _, u := range ups {
				offset = max(offset, u.UpdateID+1)
				if u.CallbackQuery == nil {
					continue
				}
				id := u.CallbackQuery.ID
				go func() {
					if err := p.answer(ctx, id); err != nil && ctx.Err() == nil {
						fail(fmt.Errorf("answerCallbackQuery: %w", err))
					}
				}()
			}
		}
	}()
	return p, nil
}

// close stops the bot: its connections close, which ends the poll.
func (p *apiPoller) close() { p.cancel(); p.httpc.closeAll(); <-p.done }

// answer answers a callback query with the text "ok", as a lean bot would:
// a urlencoded form, and only the answer's "ok" read.
func (p *apiPoller) answer(ctx context.Context, id string) error {
	body, err := p.httpc.post(ctx, "answerCallbackQuery", "application/x-www-form-urlencoded",
		[]byte("callback_query_id="+url.QueryEscape(id)+"&text=ok"))
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(body, []byte(`{"ok":true`)) {
		return errors.New(string(body))
	}
	return nil
}

// call calls a method with a JSON body and decodes its result into out.
func (p *apiPoller) call(ctx context.Context, method string, params, out any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	res, err := p.httpc.post(ctx, method, "application/json", body)
	if err != nil {
		return err
	}
	// One pass: a non-nil pointer in Result is decoded into.
	r := struct {
		OK          bool   `json:"ok"`
		Result      any    `json:"result"`
		Description string `json:"description"`
	}{Result: out}
	if err := json.Unmarshal(res, &r); err != nil {
		return err
	}
	if !r.OK {
		return errors.New(r.Description)
	}
	return nil
}

// BenchmarkBotAPICallbacks measures the callback round trip through the
// HTTP Bot API: users online on raw MTProto clients press a button of a bot
// that runs on the Bot API's long polling (apiPoller, its MTProto session
// closed) and answers each query at once; a round trip ends when the user
// has the answer with the bot's text. The same flow is then measured on the
// npm package telegram-test-api (bench/ttapi/bench.js, its server, client
// API and a polling bot in one Node process), in the same run, for the
// ratio bench/RESULTS.md records. The two alternate for -botapi-rounds
// rounds, so that each ratio compares runs minutes apart at most on a
// shared machine whose speed drifts; each round logs its ratio. Metrics as
// BenchmarkCallbackRoundTrip's; telegram-test-api's cpu-µs/rt is its Node
// process's.
func BenchmarkBotAPICallbacks(b *testing.B) {
	n := *botAPIUsers
	for round := 1; round <= *botAPIRounds; round++ {
		var ours, theirs float64
		b.Run(fmt.Sprintf("round=%d/server=buttonflow/users=%d", round, n), func(b *testing.B) {
			ours = benchBotAPIButtonflow(b, n)
		})
		b.Run(fmt.Sprintf("round=%d/server=telegram-test-api/users=%d", round, n), func(b *testing.B) {
			theirs = benchBotAPITTAPI(b, n)
		})
		if ours > 0 && theirs > 0 {
			b.Logf("round %d: buttonflow %.0f rt/s, telegram-test-api %.0f rt/s: %.1f×", round, ours, theirs, ours/theirs)
		}
	}
}

// benchBotAPIButtonflow is BenchmarkBotAPICallbacks on buttonflow; it
// returns the round trips per second.
func benchBotAPIButtonflow(b *testing.B, n int) float64 {
	b.StopTimer()
	w := startCallbackWorld(b, n, 1, 0, false, !*serverProcess)
	defer w.close()
	bot := w.bots[0]
	bot.c.close() // the bot is on the Bot API only
	var (
		poller *apiPoller
		err    error
	)
	pprof.Do(context.Background(), pprof.Labels("side", "client"), func(context.Context) {
		poller, err = startPoller(w.httpAddr, bot.token, w.fail)
	})
	if err != nil {
		b.Fatal(err)
	}
	defer poller.close()
	if err := w.warmUp(); err != nil {
		b.Fatalf("warm-up press: %v", err)
	}
	b.StartTimer()
	return runCallbacks(b, w, w.users, 0)
}

// benchBotAPITTAPI is BenchmarkBotAPICallbacks on telegram-test-api; it
// returns the round trips per second.
func benchBotAPITTAPI(b *testing.B, n int) float64 {
	dir, err := filepath.Abs("ttapi")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "telegram-test-api")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "bench.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), fmt.Sprintf("BF_PRESSES=%d", b.N), fmt.Sprintf("BF_USERS=%d", n), fmt.Sprintf("BF_PORT=%d", port))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b.ResetTimer()
	out, err := cmd.Output()
	b.StopTimer()
	if err != nil {
		b.Fatalf("node bench.js: %v\n%s", err, stderr.String())
	}
	var r struct {
		Presses   int     `json:"presses"`
		ElapsedMS float64 `json:"elapsed_ms"`
		CPUUS     float64 `json:"cpu_us"`
		P50MS     float64 `json:"p50_ms"`
		P99MS     float64 `json:"p99_ms"`
	}
	if err := json.Unmarshal(lastLine(out), &r); err != nil {
		b.Fatalf("node bench.js printed %q: %v", out, err)
	}
	rts := float64(r.Presses) / (r.ElapsedMS / 1000)
	b.ReportMetric(rts, "rt/s")
	b.ReportMetric(r.P50MS, "p50-ms")
	b.ReportMetric(r.P99MS, "p99-ms")
	b.ReportMetric(r.CPUUS/float64(r.Presses), "cpu-µs/rt")
	return rts
}

// lastLine is the last non-empty line of out.
func lastLine(out []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	return lines[len(lines)-1]
}
