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
	"slices"
	"strconv"
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
		for polls := 0; ctx.Err() == nil; polls++ {
			// The first polls (the warm-up's) are decoded both ways, so a
			// scan that misses an update fails the run at once.
			ups, err := p.poll(ctx, offset, polls < 100)
			if err != nil {
				if ctx.Err() == nil {
					fail(fmt.Errorf("getUpdates: %w", err))
				}
				return
			}
			for _, u := range ups {
				offset = max(offset, u.updateID+1)
				if u.queryID == "" {
					continue
				}
				id := u.queryID
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

// benchUpdate is what the bot needs of an update: its id, and the id of
// its callback query, if it is one.
type benchUpdate struct {
	updateID int64
	queryID  string
}

// poll makes one getUpdates call. Its answer is read by scanUpdates, or by
// encoding/json when the scan does not apply; with check, by both, which
// must agree.
func (p *apiPoller) poll(ctx context.Context, offset int64, check bool) ([]benchUpdate, error) {
	body := []byte(`{"timeout":10,"offset":` + strconv.FormatInt(offset, 10) + `}`)
	res, err := p.httpc.post(ctx, "getUpdates", "application/json", body)
	if err != nil {
		return nil, err
	}
	ups, ok := scanUpdates(res)
	if ok && !check {
		return ups, nil
	}
	var r struct {
		OK          bool   `json:"ok"`
		Description string `json:"description"`
		Result      []struct {
			UpdateID      int64 `json:"update_id"`
			CallbackQuery *struct {
				ID string `json:"id"`
			} `json:"callback_query"`
		} `json:"result"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return nil, err
	}
	if !r.OK {
		return nil, errors.New(r.Description)
	}
	decoded := make([]benchUpdate, len(r.Result))
	for i, u := range r.Result {
		decoded[i].updateID = u.UpdateID
		if u.CallbackQuery != nil {
			decoded[i].queryID = u.CallbackQuery.ID
		}
	}
	if ok && !slices.Equal(ups, decoded) {
		return nil, fmt.Errorf("the scan read %v where encoding/json reads %v in %s", ups, decoded, res)
	}
	return decoded, nil
}

// scanUpdates reads update_id and callback_query.id of each update of a
// getUpdates answer by scanning for the keys buttonflow writes first in
// each update and in a callback query ("update_id", then "callback_query"
// with "id"): a lean bot's shortcut, a tenth of encoding/json's cost. It
// reports false for an answer that does not start as buttonflow's do.
// Quotes inside JSON strings are escaped, so the keys cannot match inside
// values.
func scanUpdates(res []byte) ([]benchUpdate, bool) {
	const head = `{"ok":true,"result":[`
	if !bytes.HasPrefix(res, []byte(head)) {
		return nil, false
	}
	rest := res[len(head):]
	updateKey := []byte(`{"update_id":`)
	queryKey := []byte(`,"callback_query":{"id":"`)
	var out []benchUpdate
	for {
		i := bytes.Index(rest, updateKey)
		if i < 0 {
			return out, true
		}
		rest = rest[i+len(updateKey):]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		id, err := strconv.ParseInt(string(rest[:j]), 10, 64)
		if err != nil {
			return nil, false
		}
		u := benchUpdate{updateID: id}
		rest = rest[j:]
		if bytes.HasPrefix(rest, queryKey) {
			rest = rest[len(queryKey):]
			k := bytes.IndexByte(rest, '"')
			if k < 0 {
				return nil, false
			}
			u.queryID = string(rest[:k])
			rest = rest[k:]
		}
		out = append(out, u)
	}
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
