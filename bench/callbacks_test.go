package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/app"
	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store"
	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

var (
	callbackBots      = flag.Int("callback-bots", 4, "BenchmarkCallbackRoundTrip: bots the users' buttons belong to (user i presses a button of bot i mod n)")
	callbackRate      = flag.Float64("callback-rate", 10000, "BenchmarkCallbackRoundTrip: presses per second of the paced (open-loop) run")
	callbackProfile   = flag.String("callback-profile", "", "BenchmarkCallbackRoundTrip: write each timed section's CPU profile (labelled side=server|client) to <prefix>-<sub-benchmark>.pprof")
	callbackGC        = flag.Int("callback-gc-percent", app.DefaultGCPercent, "BenchmarkCallbackRoundTrip, BenchmarkPendingQueryMemory: the collector target (GOGC) of the process with the server in it; -1 turns the collector off (with -server-process, give -callback-memory-limit-mib too). With -server-process it is passed as serve --gc-percent (-1 as off)")
	callbackPoller    = flag.Bool("callback-poller", true, "BenchmarkCallbackRoundTrip, BenchmarkPendingQueryMemory: read the raw clients' sockets on one goroutine with an epoll instance (rawPoller); false gives each connection a goroutine of its own, parked in Go's netpoller")
	callbackMemMiB    = flag.Int("callback-memory-limit-mib", 0, "BenchmarkCallbackRoundTrip, BenchmarkPendingQueryMemory: a soft memory limit (GOMEMLIMIT) in MiB for the process with the server in it; 0 for none. With -server-process it is passed as serve --memory-limit")
	callbackUsers     = flag.Int("callback-users", 1000, "BenchmarkCallbackRoundTrip: users online; the closed-loop runs press with 1, 64 and all of them, the paced ones with all")
	callbackPushDelay = flag.Duration("callback-push-delay", time.Millisecond, "BenchmarkCallbackRoundTrip, BenchmarkPendingQueryMemory: the server's push delay (serve --push-delay; 0 for none)")
	callbackLatencies = flag.String("callback-latencies", "", "BenchmarkCallbackRoundTrip: write every press of each run to <prefix>-<sub-benchmark>.txt, a line each: when it was sent (ns since the run began) and its latency (ns)")
	pendingProfile    = flag.String("pending-profile", "", "BenchmarkPendingQueryMemory: write heap profiles (every allocation sampled) before and after the queries to <prefix>-before.pprof and <prefix>-after.pprof")
)

const (
	// pendingQueries and pendingUsers: BenchmarkPendingQueryMemory keeps
	// pendingQueries callback queries waiting, pendingQueries/pendingUsers
	// from each user.
	pendingQueries = 10000
	pendingUsers   = 1000
	// pressData is the callback data of every button of the benchmarks.
	pressData = "b"
)

// callbackSeed is what seedCallbackStore put in the store: accounts logged
// in on auth keys, so that the clients start without key exchanges or
// sign-ups.
type callbackSeed struct {
	userIDs   []int64
	userKeys  []crypto.AuthKey
	bots      []*store.User
	botKeys   []crypto.AuthKey
	botTokens []string
}

// seedCallbackStore makes nBots bots and nUsers users in the data folder
// before the server starts, each logged in on an auth key of its own (what
// auth.signUp and auth.importBotAuthorization would leave in the store).
func seedCallbackStore(b *testing.B, dir string, nUsers, nBots int) *callbackSeed {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	newKey := func(userID int64, bot bool) crypto.AuthKey {
		var k crypto.Key
		if _, err := rand.Read(k[:]); err != nil {
			b.Fatal(err)
		}
		ak := k.WithID()
		if err := st.AuthKeys().Create(ctx, &store.AuthKey{
			ID: int64(binary.LittleEndian.Uint64(ak.ID[:])), Key: k, CreatedAt: now, UserID: userID, Bot: bot,
		}); err != nil {
			b.Fatal(err)
		}
		return ak
	}
	seed := &callbackSeed{}
	for i := range nBots {
		bot, token, err := chat.CreateBot(ctx, st.Users(), rand.Reader, now, fmt.Sprintf("cb_bench%d_bot", i), "Callback bench", 0)
		if err != nil {
			b.Fatal(err)
		}
		seed.bots = append(seed.bots, bot)
		seed.botTokens = append(seed.botTokens, token)
		seed.botKeys = append(seed.botKeys, newKey(bot.ID, true))
	}
	for i := range nUsers {
		u := &store.User{Phone: fmt.Sprintf("1556%07d", i), FirstName: "Presser", CreatedAt: now}
		if err := st.Users().Create(ctx, u); err != nil {
			b.Fatal(err)
		}
		seed.userIDs = append(seed.userIDs, u.ID)
		seed.userKeys = append(seed.userKeys, newKey(u.ID, false))
	}
	return seed
}

// cbUser is a user online on a raw client, with the button it presses.
type cbUser struct {
	c     *rawClient
	id    int64
	bot   int               // index of the bot whose button it presses
	peer  *tg.InputPeerUser // the bot, as the user sees it
	press []byte            // serialized messages.getBotCallbackAnswer of its button
}

// cbBot is a bot online on a raw client.
type cbBot struct {
	c     *rawClient
	user  *store.User
	token string
}

// cbWorld is a server with bots and users online on raw clients, every user
// with a message of its bot carrying a callback button.
type cbWorld struct {
	// Exactly one of app (in process) and proc (its own process) is set.
	app         *app.App
	gcPercent   int   // the process's collector target before app started
	memoryLimit int64 // and its memory limit
	proc        *serverProc
	mtprotoAddr string
	httpAddr    string
	users       []*cbUser
	bots        []*cbBot
	acker       *rawAcker
	poller      *rawPoller // reads the raw clients; nil with -callback-poller=false

	// queries counts the updateBotCallbackQuery the bots received.
	queries atomic.Int64

	failOnce sync.Once
	failed   chan struct{} // closed with the first error of a client
	err      error
}

// fail records the first error of the clients and stops the run.
func (w *cbWorld) fail(err error) {
	w.failOnce.Do(func() {
		w.err = err
		close(w.failed)
	})
}

// close stops the clients, then the server.
func (w *cbWorld) close() {
	for _, u := range w.users {
		u.c.close()
	}
	for _, bot := range w.bots {
		bot.c.close()
	}
	w.acker.close()
	if w.poller != nil {
		w.poller.close()
	}
	if w.app != nil {
		_ = w.app.Close()
		debug.SetGCPercent(w.gcPercent)
		debug.SetMemoryLimit(w.memoryLimit)
	}
	if w.proc != nil {
		_ = w.proc.close()
	}
}

// botUpdates handles a bot's pushed updates: it counts the callback queries
// and, with answer, answers each at once with setBotCallbackAnswer.
func (w *cbWorld) botUpdates(bot *cbBot, answer bool) func(body []byte) {
	answered := func(_ []byte, err error) {
		if err != nil {
			w.fail(fmt.Errorf("setBotCallbackAnswer: %w", err))
		}
	}
	return func(body []byte) {
		// Only the updates vector is decoded, not the users and chats
		// after it: the bot needs nothing from them.
		b := &bin.Buffer{Buf: body}
		if b.ConsumeID(tg.UpdatesTypeID) != nil {
			return
		}
		n, err := b.VectorHeader()
		if err != nil {
			w.fail(fmt.Errorf("updates pushed to the bot: %w", err))
			return
		}
		for range n {
			one, err := tg.DecodeUpdate(b)
			if err != nil {
				w.fail(fmt.Errorf("update pushed to the bot: %w", err))
				return
			}
			q, ok := one.(*tg.UpdateBotCallbackQuery)
			if !ok {
				continue
			}
			w.queries.Add(1)
			if !answer {
				continue
			}
			req := encodeTL(&tg.MessagesSetBotCallbackAnswerRequest{QueryID: q.QueryID, Message: "ok"})
			if err := bot.c.invoke(req, answered); err != nil {
				w.fail(err)
			}
		}
	}
}

// parallel runs fn(0..n-1) on workers goroutines and returns the first error.
func parallel(n, workers int, fn func(i int) error) error {
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					errOnce.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// startCallbackWorld seeds nUsers users and nBots bots, starts buttonflow
// (in its own process, or with inProcess in this one, its goroutines
// labelled side=server) with the given callback timeout, connects every
// account on a raw client (labelled side=client), and through the API has
// each user start its bot (user i: bot i mod nBots), each bot send each of
// its users a message with one callback button, and each user find that
// message's id in its own box. With answer, the bots answer every callback
// query at once.
func startCallbackWorld(b *testing.B, nUsers, nBots int, callbackTimeout time.Duration, answer, inProcess bool) *cbWorld {
	b.Helper()
	setupStart := time.Now()
	dir := b.TempDir()
	seed := seedCallbackStore(b, dir, nUsers, nBots)
	b.Logf("seeded in %v", time.Since(setupStart))
	// Acks not sent in front of a request go out once a second. gotd acks
	// in batches of 20 or every 15 s; a tighter clock would make the load
	// generator send a frame of acks for nearly every paced press.
	w := &cbWorld{acker: newRawAcker(time.Second), failed: make(chan struct{})}
	if inProcess {
		// The collector target buttonflow serve sets for its process; here
		// the process holds the clients too.
		w.gcPercent = debug.SetGCPercent(*callbackGC)
		w.memoryLimit = debug.SetMemoryLimit(-1) // reads it
		if *callbackMemMiB > 0 {
			debug.SetMemoryLimit(int64(*callbackMemMiB) << 20)
		}
		var err error
		pprof.Do(context.Background(), pprof.Labels("side", "server"), func(ctx context.Context) {
			w.app, err = app.Start(ctx, app.Config{
				DataDir: dir, Listen: "127.0.0.1:0", HTTP: "127.0.0.1:0", CallbackTimeout: callbackTimeout,
				PushDelay: app.PushDelayFlag(*callbackPushDelay), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
		})
		if err != nil {
			b.Fatalf("start buttonflow: %v", err)
		}
		w.mtprotoAddr, w.httpAddr = w.app.MTProtoAddr.String(), w.app.HTTPAddr.String()
	} else {
		var err error
		if w.proc, err = startServerProc(dir, callbackTimeout); err != nil {
			b.Fatalf("start buttonflow: %v", err)
		}
		w.mtprotoAddr, w.httpAddr = w.proc.mtprotoAddr, w.proc.httpAddr
	}
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("side", "client")))
	defer pprof.SetGoroutineLabels(context.Background())
	ok := false
	defer func() {
		if !ok {
			w.close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	addr := w.mtprotoAddr
	var err error
	if *callbackPoller {
		if w.poller, err = newRawPoller(); err != nil {
			b.Fatal(err)
		}
	}

	for i, u := range seed.bots {
		bot := &cbBot{user: u, token: seed.botTokens[i]}
		c, err := dialRaw(ctx, addr, seed.botKeys[i], w.botUpdates(bot, answer), w.poller)
		if err != nil {
			b.Fatalf("bot %d: %v", i, err)
		}
		bot.c = c
		w.acker.add(c)
		w.bots = append(w.bots, bot)
	}
	w.users = make([]*cbUser, nUsers)
	var mu sync.Mutex
	err = parallel(nUsers, 16, func(i int) error {
		c, err := dialRaw(ctx, addr, seed.userKeys[i], nil, w.poller)
		if err != nil {
			return fmt.Errorf("user %d: %w", i, err)
		}
		mu.Lock()
		w.users[i] = &cbUser{c: c, id: seed.userIDs[i], bot: i % nBots}
		mu.Unlock()
		w.acker.add(c)
		return nil
	})
	if err != nil {
		for _, u := range w.users {
			if u != nil {
				u.c.close()
			}
		}
		w.users = nil
		b.Fatal(err)
	}

	// Each user finds its bot and starts it.
	err = parallel(nUsers, 16, func(i int) error {
		u := w.users[i]
		bot := w.bots[u.bot].user
		res, err := u.c.call(ctx, &tg.ContactsResolveUsernameRequest{Username: bot.Username})
		if err != nil {
			return fmt.Errorf("user %d: resolve @%s: %w", i, bot.Username, err)
		}
		var peer tg.ContactsResolvedPeer
		if err := peer.Decode(&bin.Buffer{Buf: res}); err != nil {
			return err
		}
		for _, x := range peer.Users {
			if x, ok := x.(*tg.User); ok && x.ID == bot.ID {
				u.peer = &tg.InputPeerUser{UserID: x.ID, AccessHash: x.AccessHash}
			}
		}
		if u.peer == nil {
			return fmt.Errorf("user %d: @%s resolved to no user", i, bot.Username)
		}
		_, err = u.c.call(ctx, &tg.MessagesStartBotRequest{
			Bot: &tg.InputUser{UserID: u.peer.UserID, AccessHash: u.peer.AccessHash}, Peer: u.peer, RandomID: randInt63(),
		})
		if err != nil {
			return fmt.Errorf("user %d: start the bot: %w", i, err)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}

	b.Logf("users online and their bots started in %v", time.Since(setupStart))
	// Each bot finds its users in its difference and sends each a button.
	hashes := make([]map[int64]int64, len(w.bots))
	for i, bot := range w.bots {
		if hashes[i], err = rawUsersInDifference(ctx, bot.c); err != nil {
			b.Fatalf("bot %d: %v", i, err)
		}
	}
	markup := &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: []tg.KeyboardInlineButton{
		{Text: "press", Type: &tg.InlineButtonTypeCallback{Data: []byte(pressData)}},
	}}}}
	err = parallel(nUsers, 8, func(i int) error {
		u := w.users[i]
		hash, ok := hashes[u.bot][u.id]
		if !ok {
			return fmt.Errorf("bot %d does not know user %d", u.bot, u.id)
		}
		_, err := w.bots[u.bot].c.call(ctx, &tg.MessagesSendMessageRequest{
			Peer: &tg.InputPeerUser{UserID: u.id, AccessHash: hash}, Message: "press the button",
			RandomID: randInt63(), ReplyMarkup: markup,
		})
		if err != nil {
			return fmt.Errorf("bot %d: send to user %d: %w", u.bot, u.id, err)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}

	b.Logf("buttons sent in %v", time.Since(setupStart))
	// Each user finds the message in its box.
	err = parallel(nUsers, 16, func(i int) error {
		u := w.users[i]
		res, err := u.c.call(ctx, &tg.MessagesGetHistoryRequest{Peer: u.peer, Limit: 1})
		if err != nil {
			return fmt.Errorf("user %d: history: %w", i, err)
		}
		hist, err := tg.DecodeMessagesMessages(&bin.Buffer{Buf: res})
		if err != nil {
			return err
		}
		mod, ok := hist.AsModified()
		if !ok || len(mod.GetMessages()) == 0 {
			return fmt.Errorf("user %d: no message from the bot", i)
		}
		m, ok := mod.GetMessages()[0].(*tg.Message)
		if !ok {
			return fmt.Errorf("user %d: last message %T", i, mod.GetMessages()[0])
		}
		if _, ok := m.ReplyMarkup.(*tg.ReplyInlineMarkup); !ok {
			return fmt.Errorf("user %d: last message %q has no inline keyboard", i, m.Message)
		}
		u.press = encodeTL(&tg.MessagesGetBotCallbackAnswerRequest{Peer: u.peer, MsgID: m.ID, Data: []byte(pressData)})
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d users and %d bots online, each user with a button, in %v",
		nUsers, nBots, time.Since(setupStart).Round(time.Millisecond))
	ok = true
	return w
}

// warmUp has every user press once and checks the answer ("ok"), so that
// every session and cache is warm before a timed run.
func (w *cbWorld) warmUp() error {
	return parallel(len(w.users), 64, func(i int) error {
		res, err := w.users[i].c.call(context.Background(), rawTL(w.users[i].press))
		if err != nil {
			return err
		}
		var ans tg.MessagesBotCallbackAnswer
		if err := ans.Decode(&bin.Buffer{Buf: res}); err != nil {
			return err
		}
		if ans.Message != "ok" {
			return fmt.Errorf("answer %+v", ans)
		}
		return nil
	})
}

// rawUsersInDifference reads the whole update log of c's account and
// returns the access hashes of the non-bot users in it.
func rawUsersInDifference(ctx context.Context, c *rawClient) (map[int64]int64, error) {
	hashes := map[int64]int64{}
	add := func(users []tg.UserClass) {
		for _, u := range users {
			if u, ok := u.(*tg.User); ok && !u.Bot {
				hashes[u.ID] = u.AccessHash
			}
		}
	}
	pts := 0
	for {
		res, err := c.call(ctx, &tg.UpdatesGetDifferenceRequest{Pts: pts})
		if err != nil {
			return nil, fmt.Errorf("getDifference: %w", err)
		}
		diff, err := tg.DecodeUpdatesDifference(&bin.Buffer{Buf: res})
		if err != nil {
			return nil, err
		}
		switch d := diff.(type) {
		case *tg.UpdatesDifferenceEmpty:
			return hashes, nil
		case *tg.UpdatesDifference:
			add(d.Users)
			return hashes, nil
		case *tg.UpdatesDifferenceSlice:
			add(d.Users)
			pts = d.IntermediateState.Pts
		default:
			return nil, fmt.Errorf("difference %T", diff)
		}
	}
}

// checkAnswer fails unless res is a messages.botCallbackAnswer.
func checkAnswer(res []byte) error {
	if len(res) < 4 || binary.LittleEndian.Uint32(res) != tg.MessagesBotCallbackAnswerTypeID {
		return fmt.Errorf("getBotCallbackAnswer answered %x", res[:min(len(res), 16)])
	}
	return nil
}

// BenchmarkCallbackRoundTrip measures callback queries end to end over real
// MTProto: users (raw clients, see rawClient) call
// messages.getBotCallbackAnswer on a button of one of -callback-bots bots,
// whose raw clients answer every updateBotCallbackQuery at once with
// messages.setBotCallbackAnswer from their update handler; a round trip ends
// when the user has the answer.
//
// users=N: closed loop, each of N users presses again as soon as it has
// its answer (one press in flight per user); b.N presses in all. paced-…:
// open loop, b.N presses sent at -callback-rate per second round-robin over
// all -callback-users users (1000 by default) whatever the answers do; and,
// when the closed loop with all of them peaked below twice that rate, again
// at half that peak.
//
// Reported: rt/s (presses / time to the last answer), send-to-answer
// latency p50/p99, the process's CPU per round trip (getrusage) and its
// split by a CPU profile of the timed section between the server's
// goroutines (side=server), the clients' (side=client) and the rest
// (unlabelled: GC workers, timers), the process's allocations per round
// trip, and others-cores: the CPU other processes used meanwhile, in cores
// (the noise). Loopback TCP's kernel work is charged to the side whose
// write() carries it. With -server-process the server runs as the
// buttonflow serve binary: its CPU is read from /proc (collector included),
// the benchmark process's is the clients', and there is no profile split.
func BenchmarkCallbackRoundTrip(b *testing.B) {
	w := startCallbackWorld(b, *callbackUsers, *callbackBots, 0, true, !*serverProcess)
	defer w.close()
	// One press per user first: every session and cache is warm.
	if err := w.warmUp(); err != nil {
		b.Fatalf("warm-up press: %v", err)
	}
	var peak float64
	for _, n := range slices.Compact([]int{min(1, *callbackUsers), min(64, *callbackUsers), *callbackUsers}) {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			rate := runCallbacks(b, w, w.users[:n], 0)
			if n == *callbackUsers {
				peak = rate
			}
		})
	}
	rates := []float64{*callbackRate}
	if peak > 0 && peak/2 < *callbackRate {
		rates = append(rates, float64(int(peak/2)))
	}
	for _, r := range rates {
		b.Run(fmt.Sprintf("paced-users=%d-rate=%d", *callbackUsers, int(r)), func(b *testing.B) {
			runCallbacks(b, w, w.users, r)
		})
	}
}

// runCallbacks makes b.N presses with users: closed loop when rate is zero,
// else open loop at rate presses per second. It reports the metrics and
// returns the round trips per second.
func runCallbacks(b *testing.B, w *cbWorld, users []*cbUser, rate float64) float64 {
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("side", "client")))
	defer pprof.SetGoroutineLabels(context.Background())
	n := b.N
	lat := make([]int64, n)
	sent := make([]int64, n) // since runStart
	var runStart time.Time
	var (
		next      atomic.Int64
		remaining atomic.Int64
	)
	remaining.Store(int64(n))
	allDone := make(chan struct{})
	// press sends press i for u; closed says to press again on the answer.
	var press func(u *cbUser, i int64, closed bool)
	press = func(u *cbUser, i int64, closed bool) {
		start := time.Now()
		sent[i] = int64(start.Sub(runStart))
		err := u.c.invoke(u.press, func(res []byte, err error) {
			lat[i] = int64(time.Since(start))
			if err == nil {
				err = checkAnswer(res)
			}
			if err != nil {
				w.fail(fmt.Errorf("press: %w", err))
				return
			}
			if remaining.Add(-1) == 0 {
				close(allDone)
			}
			if closed {
				if j := next.Add(1) - 1; j < int64(n) {
					press(u, j, true)
				}
			}
		})
		if err != nil {
			w.fail(err)
		}
	}

	var prof bytes.Buffer
	profiling := w.app != nil && pprof.StartCPUProfile(&prof) == nil
	b.ReportAllocs()
	b.ResetTimer()
	busy0, busyOK := machineBusy()
	cpu0 := cpuTime(b)
	var srv0 time.Duration
	var reads0, writes0 int64
	ioOK := false
	if w.proc != nil {
		srv0 = w.proc.cpuOrFail(b)
		reads0, writes0, ioOK = procSyscalls(b, w.proc)
	}
	start := time.Now()
	runStart = start
	var sendTime time.Duration
	if rate == 0 {
		for _, u := range users {
			if j := next.Add(1) - 1; j < int64(n) {
				press(u, j, true)
			}
		}
	} else {
		sendTime = pace(n, rate, start, func(i int) { press(users[i%len(users)], int64(i), false) })
	}
	select {
	case <-allDone:
	case <-w.failed:
	case <-time.After(5 * time.Minute):
		w.fail(fmt.Errorf("%d of %d presses unanswered after 5 minutes", remaining.Load(), n))
	}
	elapsed := time.Since(start)
	cpu := cpuTime(b) - cpu0 // this process: the clients, and the server when in process
	var srv time.Duration
	var reads, writes int64
	if w.proc != nil {
		srv = w.proc.cpuOrFail(b) - srv0
		reads1, writes1, ok := procSyscalls(b, w.proc)
		ioOK = ioOK && ok
		reads, writes = reads1-reads0, writes1-writes0
	}
	busy1, busyOK1 := machineBusy()
	b.StopTimer()
	if profiling {
		pprof.StopCPUProfile()
	}
	if w.err != nil {
		b.Fatal(w.err)
	}
	if busyOK && busyOK1 {
		// Other processes' CPU over the run: how much of the 2 cores the
		// benchmark did not have (noise).
		b.ReportMetric(max(0, (busy1-busy0-cpu-srv).Seconds())/elapsed.Seconds(), "others-cores")
	}
	rts := float64(n) / elapsed.Seconds()
	b.ReportMetric(rts, "rt/s")
	if rate > 0 {
		b.ReportMetric(float64(n)/sendTime.Seconds(), "sent/s")
	}
	if *callbackLatencies != "" {
		writeLatencies(b, start, sent, lat)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[n/2])/1e6, "p50-ms")
	b.ReportMetric(float64(lat[n*99/100])/1e6, "p99-ms")
	perRT := float64((cpu + srv).Microseconds()) / float64(n)
	b.ReportMetric(perRT, "cpu-µs/rt")
	if w.proc != nil {
		// Exact, from the two processes' own counters; GC is in each side's.
		b.ReportMetric(float64(srv.Microseconds())/float64(n), "server-cpu-µs/rt")
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "client-cpu-µs/rt")
		if ioOK {
			// The server's system calls that move bytes: a press needs at
			// least two reads (the press, the bot's answer) and two writes
			// (the push, the answer) unless frames are shared.
			b.ReportMetric(float64(reads)/float64(n), "server-reads/rt")
			b.ReportMetric(float64(writes)/float64(n), "server-writes/rt")
		}
		if *callbackProfile != "" {
			b.Log("-callback-profile: the server runs in its own process; add -server-process=false for a profile that splits it out")
		}
		return rts
	}
	if !profiling {
		b.Log("a CPU profile is already running (-cpuprofile?): no server/client split")
		return rts
	}
	if *callbackProfile != "" {
		name := runFile(b, *callbackProfile, ".pprof")
		if err := os.WriteFile(name, prof.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	byLabel, err := cpuByLabel(prof.Bytes(), "side")
	if err != nil {
		b.Fatalf("read the CPU profile: %v", err)
	}
	var total int64
	for _, v := range byLabel {
		total += v
	}
	if total > 0 {
		share := func(label string) float64 { return perRT * float64(byLabel[label]) / float64(total) }
		b.ReportMetric(share("server"), "server-cpu-µs/rt")
		b.ReportMetric(share("client"), "client-cpu-µs/rt")
		b.ReportMetric(share(""), "unlabelled-cpu-µs/rt")
	}
	return rts
}

// runFile names the file of the running sub-benchmark for a flag's prefix:
// <prefix>-<sub-benchmark><ext>.
func runFile(b *testing.B, prefix, ext string) string {
	return prefix + "-" + strings.NewReplacer("/", "_", "=", "").Replace(b.Name()) + ext
}

// writeLatencies writes -callback-latencies' file for the running
// sub-benchmark: a line per press, its send time (ns since the run began)
// and its latency (ns), in the order the presses were numbered.
func writeLatencies(b *testing.B, start time.Time, sent, lat []int64) {
	var sb strings.Builder
	for i := range lat {
		fmt.Fprintf(&sb, "%d %d\n", sent[i], lat[i])
	}
	name := runFile(b, *callbackLatencies, ".txt")
	if err := os.WriteFile(name, []byte(sb.String()), 0o644); err != nil {
		b.Fatalf("-callback-latencies: %v", err)
	}
	b.Logf("-callback-latencies: %s (run began %s)", name, start.Format(time.RFC3339Nano))
}

// pace calls send(0..n-1) in order, open loop, at rate calls per second
// from start, whatever the calls' answers do, and returns the time it took.
// A call that falls due while the pacer sleeps goes out as soon as it
// wakes, with the others due by then (a sleep shorter than a millisecond
// can last a millisecond when the process is otherwise idle).
func pace(n int, rate float64, start time.Time, send func(i int)) time.Duration {
	interval := time.Duration(float64(time.Second) / rate)
	for i := 0; i < n; {
		due := min(n, int(time.Since(start)/interval)+1)
		for ; i < due; i++ {
			send(i)
		}
		if i < n {
			time.Sleep(interval)
		}
	}
	return time.Since(start)
}

// procSyscalls is p.syscalls, logging (once per call) why it is unknown.
func procSyscalls(b *testing.B, p *serverProc) (reads, writes int64, ok bool) {
	reads, writes, err := p.syscalls()
	if err != nil {
		b.Logf("server system calls unknown: %v", err)
		return 0, 0, false
	}
	return reads, writes, true
}

// machineBusy is the CPU time all processes have used since boot (user,
// nice, system, irq, softirq and steal from /proc/stat); false where there
// is no /proc/stat.
func machineBusy() (time.Duration, bool) {
	ticks, ok := cpuTicks()
	if !ok {
		return 0, false
	}
	var busy int64
	for _, i := range []int{0, 1, 2, 5, 6, 7} { // user nice system irq softirq steal
		busy += ticks[i]
	}
	return time.Duration(busy) * 10 * time.Millisecond, true // USER_HZ is 100 on Linux
}

// cpuTicks returns the machine's CPU time so far (all CPUs), in ticks of
// 10 ms, from the first line of /proc/stat: user, nice, system, idle,
// iowait, irq, softirq and steal.
func cpuTicks() ([8]int64, bool) {
	var ticks [8]int64
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return ticks, false
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return ticks, false
	}
	for i := range ticks {
		v, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil {
			return ticks, false
		}
		ticks[i] = v
	}
	return ticks, true
}

// settledMemory collects garbage until the goroutine stacks stop shrinking
// (each collection shrinks an idle stack at most by half) and returns the
// live heap (HeapAlloc) and the stacks in use (StackInuse).
func settledMemory() (heap, stack uint64) {
	var ms runtime.MemStats
	prev := ^uint64(0)
	for range 10 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if ms.StackInuse >= prev {
			break
		}
		prev = ms.StackInuse
	}
	return ms.HeapAlloc, ms.StackInuse
}

// writeHeapProfile writes the heap profile to path after a collection.
func writeHeapProfile(b *testing.B, path string) {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPendingQueryMemory measures what the server holds per callback
// query waiting for a bot that never answers (the callback timeout is an
// hour): pendingUsers users online on raw clients each press a button
// pendingQueries/pendingUsers times, and once the bot has received all
// pendingQueries updateBotCallbackQuery pushes, the live heap and the
// goroutine stacks are compared with those before the presses (same
// connections and sessions, all set up and idle).
//
// The users' raw clients keep nothing per press (their answers would be
// dropped) and the bot's client keeps nothing per query, so the difference is
// the server's: the goroutine that runs each getBotCallbackAnswer and waits,
// the broker's entry, and the session state (msg_ids remembered, outbox).
// Reported per pending query: B/pending (live heap + stacks),
// heap-B/pending, stack-B/pending and goroutines/pending.
func BenchmarkPendingQueryMemory(b *testing.B) {
	if *pendingProfile != "" {
		runtime.MemProfileRate = 1
		defer func() { runtime.MemProfileRate = 512 * 1024 }()
	}
	for range b.N {
		b.StopTimer()
		w := startCallbackWorld(b, pendingUsers, 1, time.Hour, false, true) // its heap is measured here
		time.Sleep(200 * time.Millisecond)                                  // the setup's acks go out
		if *pendingProfile != "" {
			writeHeapProfile(b, *pendingProfile+"-before.pprof")
		}
		heap0, stack0 := settledMemory()
		goroutines0 := runtime.NumGoroutine()
		b.StartTimer()

		per := pendingQueries / pendingUsers
		for k := range per {
			for _, u := range w.users {
				if err := u.c.invoke(u.press, nil); err != nil {
					b.Fatalf("press %d: %v", k, err)
				}
			}
		}
		deadline := time.Now().Add(2 * time.Minute)
		for w.queries.Load() < pendingQueries && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := w.queries.Load(); got != pendingQueries {
			b.Fatalf("the bot got %d of %d callback queries", got, pendingQueries)
		}
		b.StopTimer()
		time.Sleep(200 * time.Millisecond) // the handlers reach Wait; the bot's acks go out
		heap1, stack1 := settledMemory()
		goroutines1 := runtime.NumGoroutine()
		if *pendingProfile != "" {
			writeHeapProfile(b, *pendingProfile+"-after.pprof")
		}
		dh := float64(int64(heap1)-int64(heap0)) / pendingQueries
		ds := float64(int64(stack1)-int64(stack0)) / pendingQueries
		b.ReportMetric(dh+ds, "B/pending")
		b.ReportMetric(dh, "heap-B/pending")
		b.ReportMetric(ds, "stack-B/pending")
		b.ReportMetric(float64(goroutines1-goroutines0)/pendingQueries, "goroutines/pending")
		w.close()
		b.StartTimer()
	}
}
