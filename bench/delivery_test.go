package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"

	"github.com/buttonflow/buttonflow/internal/app"
	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store"
	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

var (
	deliveryUsers   = flag.Int("users", 1000, "BenchmarkDelivery: users online, each with its own connected client")
	deliverySenders = flag.Int("senders", 32, "BenchmarkDelivery: the bot's sendMessage calls in flight at once")
	deliveryProfile = flag.String("delivery-profile", "", "BenchmarkDelivery: write the timed section's CPU profile (labelled side=server|client) to this file")
)

// benchLoginCode is the login code of the delivery benchmark's server.
const benchLoginCode = "13579"

// deliveryBotName is the username of the delivery benchmark's bot.
const deliveryBotName = "delivery_bench_bot"

// receivers counts the updateNewMessage pushes the users' clients get. The
// handlers only parse the send time out of the text and bump counters, so
// that the client side costs little beyond gotd's own decoding.
type receivers struct {
	delivered atomic.Int64
	last      atomic.Int64 // unix nanoseconds of the latest delivery
	// latencies holds send-to-delivery times in nanoseconds, one slot per
	// delivery of the current run.
	latencies atomic.Pointer[[]int64]
}

func (r *receivers) handle(_ context.Context, u tg.UpdatesClass) error {
	var ups []tg.UpdateClass
	switch u := u.(type) {
	case *tg.Updates:
		ups = u.Updates
	case *tg.UpdateShort:
		ups = []tg.UpdateClass{u.Update}
	}
	for _, one := range ups {
		n, ok := one.(*tg.UpdateNewMessage)
		if !ok {
			continue
		}
		m, ok := n.Message.(*tg.Message)
		if !ok || m.Out || !strings.HasPrefix(m.Message, "t") {
			continue
		}
		now := time.Now().UnixNano()
		i := r.delivered.Add(1) - 1
		r.last.Store(now)
		if lat := r.latencies.Load(); lat != nil && i < int64(len(*lat)) {
			if sent, err := strconv.ParseInt(m.Message[1:], 10, 64); err == nil {
				(*lat)[i] = now - sent
			}
		}
	}
	return nil
}

// deliveryWorld is a server with a bot and users online.
type deliveryWorld struct {
	app     *app.App
	bot     *telegram.Client
	peers   []*tg.InputPeerUser // the bot's peers for the users
	recv    *receivers
	cancel  context.CancelFunc
	clients sync.WaitGroup
}

// close stops the clients, then the server.
func (w *deliveryWorld) close() {
	w.cancel()
	w.clients.Wait()
	_ = w.app.Close()
}

// seedDeliveryStore makes the bot and n auth keys in the data folder before
// the server starts. The clients start from these keys instead of running
// key exchanges: gotd spends about a second of CPU on each (checking that
// the DH prime is safe and factoring pq), which for 1000 users on 2 cores
// would take longer than the benchmark.
func seedDeliveryStore(b *testing.B, dir string, n int) (token string, keys []crypto.AuthKey) {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	_, token, err = chat.CreateBot(ctx, st.Users(), rand.Reader, time.Now(), deliveryBotName, "Delivery bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	for range n {
		var k crypto.Key
		if _, err := rand.Read(k[:]); err != nil {
			b.Fatal(err)
		}
		ak := k.WithID()
		if err := st.AuthKeys().Create(ctx, &store.AuthKey{
			ID: int64(binary.LittleEndian.Uint64(ak.ID[:])), Key: k, CreatedAt: time.Now(),
		}); err != nil {
			b.Fatal(err)
		}
		keys = append(keys, ak)
	}
	return token, keys
}

// gotdOptions configures a gotd client for a's address, starting from the
// auth key key.
func gotdOptions(a *app.App, key crypto.AuthKey) telegram.Options {
	addr := a.MTProtoAddr.(*net.TCPAddr)
	storage := &session.StorageMemory{}
	_ = (&session.Loader{Storage: storage}).Save(context.Background(), &session.Data{
		DC: 2, Addr: addr.String(), AuthKey: key.Value[:], AuthKeyID: key.ID[:],
	})
	return telegram.Options{
		PublicKeys:     []telegram.PublicKey{{RSA: &a.Key.PublicKey}},
		DC:             2,
		DCList:         dcs.List{Options: []tg.DCOption{{ID: 2, IPAddress: addr.IP.String(), Port: addr.Port}}},
		Resolver:       dcs.Plain(dcs.PlainOptions{Protocol: transport.Intermediate}),
		DialTimeout:    5 * time.Second,
		SessionStorage: storage,
	}
}

// runClient runs c until ctx ends; setup runs first, and its error (or nil)
// goes to ready. Connecting and setup happen while holding a slot of slots.
func runClient(ctx context.Context, wg *sync.WaitGroup, slots chan struct{}, c *telegram.Client, setup func(ctx context.Context) error, ready chan<- error) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		var once sync.Once
		report := func(err error) { once.Do(func() { ready <- err }) }
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			report(ctx.Err())
			return
		}
		var releaseOnce sync.Once
		release := func() { releaseOnce.Do(func() { <-slots }) }
		defer release()
		err := c.Run(ctx, func(ctx context.Context) error {
			if err := setup(ctx); err != nil {
				return err
			}
			release()
			report(nil)
			<-ctx.Done()
			return nil
		})
		if err == nil || errors.Is(err, context.Canceled) {
			err = errors.New("client stopped before it was ready")
		}
		report(err)
	}()
}

// benchSignUp answers gotd's auth flow for a new user.
type benchSignUp struct{ phone string }

func (a benchSignUp) Phone(context.Context) (string, error) { return a.phone, nil }
func (a benchSignUp) Password(context.Context) (string, error) {
	return "", auth.ErrPasswordNotProvided
}
func (a benchSignUp) Code(context.Context, *tg.AuthSentCode) (string, error) {
	return benchLoginCode, nil
}
func (a benchSignUp) AcceptTermsOfService(context.Context, tg.HelpTermsOfService) error { return nil }
func (a benchSignUp) SignUp(context.Context) (auth.UserInfo, error) {
	return auth.UserInfo{FirstName: "Bench", LastName: "User"}, nil
}

// startDeliveryWorld starts buttonflow in process (its goroutines labelled
// side=server for the CPU profile), makes a bot, signs n users up, each on
// its own gotd client that stays connected and has started the bot
// (goroutines labelled side=client), and logs the bot in.
func startDeliveryWorld(b *testing.B, n int) *deliveryWorld {
	b.Helper()
	dir := b.TempDir()
	token, keys := seedDeliveryStore(b, dir, n+1)
	var (
		a   *app.App
		err error
	)
	pprof.Do(context.Background(), pprof.Labels("side", "server"), func(ctx context.Context) {
		a, err = app.Start(ctx, app.Config{
			DataDir: dir, Listen: "127.0.0.1:0", HTTP: "127.0.0.1:0", LoginCode: benchLoginCode,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
	})
	if err != nil {
		b.Fatalf("start buttonflow: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	w := &deliveryWorld{app: a, recv: &receivers{}, cancel: cancel}
	ok := false
	defer func() {
		if !ok {
			w.close()
		}
	}()
	pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("side", "client")))
	defer pprof.SetGoroutineLabels(context.Background())

	// A few sign-ups at a time: too many at once on 2 cores time out and
	// retry (even without key exchanges, see seedDeliveryStore).
	start := time.Now()
	slots := make(chan struct{}, 8)
	ready := make(chan error, n)
	for i := range n {
		opts := gotdOptions(a, keys[i])
		opts.UpdateHandler = telegram.UpdateHandlerFunc(w.recv.handle)
		c := telegram.NewClient(17349, "buttonflow-bench", opts)
		runClient(ctx, &w.clients, slots, c, func(ctx context.Context) error {
			flow := auth.NewFlow(benchSignUp{phone: fmt.Sprintf("1555%07d", i)}, auth.SendCodeOptions{})
			if err := flow.Run(ctx, c.Auth()); err != nil {
				return fmt.Errorf("sign up: %w", err)
			}
			api := c.API()
			r, err := api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: deliveryBotName})
			if err != nil {
				return fmt.Errorf("resolve the bot: %w", err)
			}
			bot := r.Users[0].(*tg.User)
			_, err = api.MessagesStartBot(ctx, &tg.MessagesStartBotRequest{
				Bot:  &tg.InputUser{UserID: bot.ID, AccessHash: bot.AccessHash},
				Peer: &tg.InputPeerUser{UserID: bot.ID, AccessHash: bot.AccessHash}, RandomID: randInt63(),
			})
			if err != nil {
				return fmt.Errorf("start the bot: %w", err)
			}
			return nil
		}, ready)
	}
	for done := range n {
		select {
		case err := <-ready:
			if err != nil {
				b.Fatalf("user %d: %v", done, err)
			}
		case <-time.After(5 * time.Minute):
			b.Fatalf("%d of %d users online after 5 minutes", done, n)
		}
	}
	b.Logf("%d users signed up and online in %v", n, time.Since(start).Round(time.Millisecond))

	// The bot, without pushed updates; it finds its users in its difference.
	opts := gotdOptions(a, keys[n])
	opts.NoUpdates = true
	w.bot = telegram.NewClient(17349, "buttonflow-bench", opts)
	botReady := make(chan error, 1)
	runClient(ctx, &w.clients, slots, w.bot, func(ctx context.Context) error {
		if _, err := w.bot.Auth().Bot(ctx, token); err != nil {
			return fmt.Errorf("bot login: %w", err)
		}
		peers, err := usersInDifference(ctx, w.bot.API())
		if err != nil {
			return err
		}
		w.peers = peers
		return nil
	}, botReady)
	if err := <-botReady; err != nil {
		b.Fatal(err)
	}
	if len(w.peers) != n {
		b.Fatalf("the bot knows %d users, want %d", len(w.peers), n)
	}
	ok = true
	return w
}

// usersInDifference reads the whole update log of api's account and returns
// every non-bot user in it as a peer.
func usersInDifference(ctx context.Context, api *tg.Client) ([]*tg.InputPeerUser, error) {
	seen := map[int64]bool{}
	var peers []*tg.InputPeerUser
	add := func(users []tg.UserClass) {
		for _, u := range users {
			if u, ok := u.(*tg.User); ok && !u.Bot && !seen[u.ID] {
				seen[u.ID] = true
				peers = append(peers, &tg.InputPeerUser{UserID: u.ID, AccessHash: u.AccessHash})
			}
		}
	}
	pts := 0
	for {
		diff, err := api.UpdatesGetDifference(ctx, &tg.UpdatesGetDifferenceRequest{Pts: pts})
		if err != nil {
			return nil, fmt.Errorf("getDifference: %w", err)
		}
		switch d := diff.(type) {
		case *tg.UpdatesDifferenceEmpty:
			return peers, nil
		case *tg.UpdatesDifference:
			add(d.Users)
			return peers, nil
		case *tg.UpdatesDifferenceSlice:
			add(d.Users)
			pts = d.IntermediateState.Pts
		default:
			return nil, fmt.Errorf("difference %T", diff)
		}
	}
}

func randInt63() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	var v int64
	for _, x := range b {
		v = v<<8 | int64(x)
	}
	if v < 0 {
		v = -(v + 1)
	}
	return v | 1
}

// BenchmarkDelivery measures a bot sending to many users, each online with
// its own gotd client that gets the messages pushed: b.N messages sent
// round-robin over the users by -senders concurrent messages.sendMessage
// calls of one bot client. It reports sends/s (acknowledged sendMessage
// calls), deliveries/s (updateNewMessage pushes received by the users'
// clients, until the last one), send-to-delivery latency, and the process's
// CPU time per delivered message, split between the server's goroutines
// and the clients' by a labelled CPU profile of the timed section. The
// number of users is -users (1000 by default), or BUTTONFLOW_BENCH_USERS.
//
// The users, the bot and their clients are set up once (the clients start
// from auth keys put in the store, see seedDeliveryStore); every run of the
// sub-benchmark, including -count repeats, adds b.N messages to the same
// boxes.
func BenchmarkDelivery(b *testing.B) {
	if v := os.Getenv("BUTTONFLOW_BENCH_USERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("BUTTONFLOW_BENCH_USERS=%q", v)
		}
		*deliveryUsers = n
	}
	w := startDeliveryWorld(b, *deliveryUsers)
	defer w.close()
	b.Run(fmt.Sprintf("users=%d/senders=%d", *deliveryUsers, *deliverySenders), func(b *testing.B) {
		runDelivery(b, w, *deliverySenders)
	})
}

func runDelivery(b *testing.B, w *deliveryWorld, senders int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("side", "client")))
	defer pprof.SetGoroutineLabels(context.Background())
	w.recv.delivered.Store(0)
	latencies := make([]int64, b.N)
	w.recv.latencies.Store(&latencies)
	api := w.bot.API()
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		sendErr error
	)
	var prof bytes.Buffer
	profiling := pprof.StartCPUProfile(&prof) == nil
	b.ResetTimer()
	cpu0 := cpuTime(b)
	start := time.Now()
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				peer := w.peers[i%int64(len(w.peers))]
				_, err := api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
					Peer: peer, Message: "t" + strconv.FormatInt(time.Now().UnixNano(), 10), RandomID: randInt63(),
				})
				if err != nil {
					errOnce.Do(func() { sendErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	sent := time.Since(start)
	if sendErr != nil {
		b.Fatalf("sendMessage: %v", sendErr)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for w.recv.delivered.Load() < int64(b.N) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cpu := cpuTime(b) - cpu0
	b.StopTimer()
	if profiling {
		pprof.StopCPUProfile()
	}
	delivered := w.recv.delivered.Load()
	if delivered < int64(b.N) {
		b.Fatalf("%d of %d messages delivered 2 minutes after the last send", delivered, b.N)
	}
	deliveredIn := time.Duration(w.recv.last.Load() - start.UnixNano())
	b.ReportMetric(float64(b.N)/sent.Seconds(), "sends/s")
	b.ReportMetric(float64(delivered)/deliveredIn.Seconds(), "deliveries/s")
	perDelivery := float64(cpu.Microseconds()) / float64(delivered)
	b.ReportMetric(perDelivery, "cpu-µs/delivery")
	lat := slices.Clone(latencies[:min(int(delivered), len(latencies))])
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100])/1e6, "p99-ms")
	if !profiling {
		b.Log("a CPU profile is already running (-cpuprofile?): no server/client split")
		return
	}
	if *deliveryProfile != "" {
		if err := os.WriteFile(*deliveryProfile, prof.Bytes(), 0o644); err != nil {
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
	if total == 0 {
		return
	}
	share := func(label string) float64 { return perDelivery * float64(byLabel[label]) / float64(total) }
	b.ReportMetric(share("server"), "server-cpu-µs/delivery")
	b.ReportMetric(share("client"), "client-cpu-µs/delivery")
	b.ReportMetric(share(""), "unlabelled-cpu-µs/delivery")
}

// cpuByLabel sums the CPU nanoseconds of a pprof CPU profile (gzipped
// profile.proto) by the value of one sample label; samples without it count
// under "". It reads just the fields it needs: Profile.sample (2) with
// Sample.value (2) and Sample.label (3: key 1, str 2), and
// Profile.string_table (6).
func cpuByLabel(gz []byte, key string) (map[string]int64, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	type sample struct {
		values []int64
		labels map[int64]int64 // key index → string index
	}
	var (
		strs    []string
		samples []sample
	)
	err = protoFields(data, func(field int, wire int, v uint64, b []byte) error {
		switch {
		case field == 6 && wire == 2:
			strs = append(strs, string(b))
		case field == 2 && wire == 2:
			s := sample{labels: map[int64]int64{}}
			err := protoFields(b, func(field, wire int, v uint64, b []byte) error {
				switch {
				case field == 2 && wire == 0:
					s.values = append(s.values, int64(v))
				case field == 2 && wire == 2:
					return protoFields(packedVarints(b), func(_, _ int, v uint64, _ []byte) error {
						s.values = append(s.values, int64(v))
						return nil
					})
				case field == 3 && wire == 2:
					var k, str int64
					if err := protoFields(b, func(field, wire int, v uint64, _ []byte) error {
						if wire == 0 && field == 1 {
							k = int64(v)
						} else if wire == 0 && field == 2 {
							str = int64(v)
						}
						return nil
					}); err != nil {
						return err
					}
					s.labels[k] = str
				}
				return nil
			})
			if err != nil {
				return err
			}
			samples = append(samples, s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	keyIdx := int64(slices.Index(strs, key))
	out := map[string]int64{}
	for _, s := range samples {
		if len(s.values) < 2 {
			return nil, errors.New("a sample without a cpu value")
		}
		label := ""
		if idx, ok := s.labels[keyIdx]; ok && keyIdx >= 0 && idx >= 0 && idx < int64(len(strs)) {
			label = strs[idx]
		}
		out[label] += s.values[1] // [samples/count, cpu/nanoseconds]
	}
	return out, nil
}

// packedVarints turns a packed run of varints into a message of field-1
// varints, so protoFields can walk it.
func packedVarints(b []byte) []byte {
	out := make([]byte, 0, 2*len(b))
	for len(b) > 0 {
		out = append(out, 1<<3) // field 1, wire type 0
		i := 0
		for i < len(b) && b[i]&0x80 != 0 {
			i++
		}
		if i == len(b) {
			break
		}
		out = append(out, b[:i+1]...)
		b = b[i+1:]
	}
	return out
}

// protoFields calls fn for each field of a protobuf message: varints with v,
// length-delimited fields with b, fixed-size fields skipped.
func protoFields(data []byte, fn func(field, wire int, v uint64, b []byte) error) error {
	varint := func() (uint64, error) {
		var v uint64
		for shift := 0; shift < 64; shift += 7 {
			if len(data) == 0 {
				return 0, io.ErrUnexpectedEOF
			}
			c := data[0]
			data = data[1:]
			v |= uint64(c&0x7f) << shift
			if c < 0x80 {
				return v, nil
			}
		}
		return 0, errors.New("varint too long")
	}
	for len(data) > 0 {
		tag, err := varint()
		if err != nil {
			return err
		}
		field, wire := int(tag>>3), int(tag&7)
		switch wire {
		case 0:
			v, err := varint()
			if err != nil {
				return err
			}
			if err := fn(field, wire, v, nil); err != nil {
				return err
			}
		case 1, 5:
			n := 8
			if wire == 5 {
				n = 4
			}
			if len(data) < n {
				return io.ErrUnexpectedEOF
			}
			data = data[n:]
		case 2:
			n, err := varint()
			if err != nil {
				return err
			}
			if uint64(len(data)) < n {
				return io.ErrUnexpectedEOF
			}
			b := data[:n]
			data = data[n:]
			if err := fn(field, wire, 0, b); err != nil {
				return err
			}
		default:
			return fmt.Errorf("wire type %d", wire)
		}
	}
	return nil
}
