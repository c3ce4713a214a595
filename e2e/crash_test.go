package e2e

import (
	"bytes"
	"context"
	"crypto/rsa"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"

	"github.com/buttonflow/buttonflow/internal/serverkey"
	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

// procServer is the real buttonflow binary running `serve` as a child
// process, on fixed ports and a data folder that outlive the process, so it
// can be killed and started again.
type procServer struct {
	t       *testing.T
	bin     string
	dataDir string
	listen  string
	http    string
	logPath string

	cmd    *exec.Cmd
	exited chan struct{}
	key    *rsa.PublicKey
}

// buildBinary builds cmd/buttonflow into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool to build the server with: %v", err)
	}
	out := filepath.Join(t.TempDir(), "buttonflow")
	cmd := exec.Command(goTool, "build", "-o", out, "github.com/buttonflow/buttonflow/cmd/buttonflow")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

func newProcServer(t *testing.T) *procServer {
	t.Helper()
	dir := t.TempDir()
	s := &procServer{
		t: t, bin: buildBinary(t), dataDir: filepath.Join(dir, "data"),
		listen: freePort(t), http: freePort(t), logPath: filepath.Join(dir, "server.log"),
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			if b, err := os.ReadFile(s.logPath); err == nil {
				t.Logf("server log:\n%s", b)
			}
		}
	})
	return s
}

// start runs `buttonflow serve` and returns once its MTProto port accepts
// connections; it then reads the server key from the data folder.
func (s *procServer) start() {
	s.t.Helper()
	logFile, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "--- start %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(s.bin, "serve", "--data", s.dataDir, "--listen", s.listen, "--http", s.http,
		"--login-code", testLoginCode, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start server: %v", err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	exited := s.exited
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.listen, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			break
		}
		select {
		case <-exited:
			s.t.Fatalf("server exited before listening: %v", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("server not listening on %s after 60 s: %v", s.listen, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	key, err := serverkey.Load(s.dataDir)
	if err != nil {
		s.t.Fatal(err)
	}
	s.key = &key.PublicKey
}

// kill ends the server with SIGKILL and waits until it is gone.
func (s *procServer) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatalf("kill server: %v", err)
	}
	<-s.exited
	s.cmd = nil
}

// stop ends a running server with SIGTERM (SIGKILL after 10 s).
func (s *procServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// createBot runs `buttonflow bot create` beside the running server and
// returns the token it prints on its last line.
func (s *procServer) createBot(username string) string {
	s.t.Helper()
	out, err := exec.Command(s.bin, "bot", "create", "--data", s.dataDir, "--username", username).Output()
	if err != nil {
		s.t.Fatalf("bot create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// procClient is a gotd client of a procServer, running in the background.
type procClient struct {
	api  *tg.Client
	self *tg.User
	stop func()
}

// connect starts a gotd client on storage, runs login (when not nil) and
// hands every pushed update to onUpdate (when not nil).
func (s *procServer) connect(storage session.Storage, onUpdate func(tg.UpdatesClass), login func(context.Context, *telegram.Client) error) *procClient {
	s.t.Helper()
	host, portStr, _ := net.SplitHostPort(s.listen)
	var port int
	fmt.Sscan(portStr, &port)
	opts := telegram.Options{
		PublicKeys:     []telegram.PublicKey{{RSA: s.key}},
		DC:             2,
		DCList:         dcList(host, port),
		Resolver:       plainResolver(transport.Intermediate),
		SessionStorage: storage,
		DialTimeout:    60 * time.Second,
		NoUpdates:      onUpdate == nil,
	}
	if onUpdate != nil {
		opts.UpdateHandler = telegram.UpdateHandlerFunc(func(_ context.Context, u tg.UpdatesClass) error {
			onUpdate(u)
			return nil
		})
	}
	client := telegram.NewClient(17349, "buttonflow-test", opts)
	pc := &procClient{api: client.API()}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := client.Run(ctx, func(ctx context.Context) error {
			if login != nil {
				if err := login(ctx, client); err != nil {
					return err
				}
			}
			self, err := client.Self(ctx)
			if err != nil {
				return fmt.Errorf("self: %w", err)
			}
			pc.self = self
			ready <- nil
			<-ctx.Done()
			return ctx.Err()
		})
		select {
		case ready <- err:
		default:
		}
	}()
	var once sync.Once
	pc.stop = func() { once.Do(func() { cancel(); <-done }) }
	s.t.Cleanup(pc.stop)
	select {
	case err := <-ready:
		if err != nil {
			pc.stop()
			s.t.Fatalf("connect: %v", err)
		}
	case <-time.After(30 * time.Second):
		pc.stop()
		s.t.Fatal("client did not become ready in 30 s")
	}
	return pc
}

// sendRecord is one messages.sendMessage of the load.
type sendRecord struct {
	fromBot  bool
	randomID int64
	text     string
	id       int // the sender's copy, from the result
	pts      int // the sender's pts after it, from the result
}

// pushedRecord is an updateNewMessage pushed to the recipient.
type pushedRecord struct {
	id, pts int
	text    string
}

// crashLoad is what the senders and the update handlers saw before the kill.
type crashLoad struct {
	mu       sync.Mutex
	acked    []sendRecord
	inFlight map[int64]sendRecord // sent, no answer: may or may not have happened
	pushed   map[bool][]pushedRecord
}

func (l *crashLoad) onPush(toBot bool) func(tg.UpdatesClass) {
	return func(u tg.UpdatesClass) {
		for _, one := range flatten(u) {
			n, ok := one.(*tg.UpdateNewMessage)
			if !ok {
				continue
			}
			m, ok := n.Message.(*tg.Message)
			if !ok || m.Out {
				continue
			}
			l.mu.Lock()
			l.pushed[toBot] = append(l.pushed[toBot], pushedRecord{id: m.ID, pts: n.Pts, text: m.Message})
			l.mu.Unlock()
		}
	}
}

// TestAcknowledgedSendsSurviveSIGKILL: everything a client was told succeeded
// is on disk. Concurrent senders (a bot to a user and the user to the bot)
// send as fast as they can; the server process is killed with SIGKILL in the
// middle and started again on the same data folder. Every acknowledged
// message is then in both boxes with its text, updates.getDifference from pts
// 0 lists every message of the box once with no pts holes, every update
// pushed before the kill is in the log at its pts, and sending again with an
// acknowledged random_id makes no second message.
func TestAcknowledgedSendsSurviveSIGKILL(t *testing.T) {
	srv := newProcServer(t)
	srv.start()
	token := srv.createBot("crash_bot")

	userStore, botStore := &session.StorageMemory{}, &session.StorageMemory{}
	load := &crashLoad{inFlight: map[int64]sendRecord{}, pushed: map[bool][]pushedRecord{}}
	user := srv.connect(userStore, load.onPush(false), func(ctx context.Context, c *telegram.Client) error {
		return auth.NewFlow(signUpAuth{phone: "15550000101", first: "Crash"}, auth.SendCodeOptions{}).Run(ctx, c.Auth())
	})
	bot := srv.connect(botStore, load.onPush(true), func(ctx context.Context, c *telegram.Client) error {
		_, err := c.Auth().Bot(ctx, token)
		return err
	})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	toBot := resolvePeer(ctx, t, user.api, "crash_bot")
	if _, err := user.api.MessagesStartBot(ctx, &tg.MessagesStartBotRequest{
		Bot: &tg.InputUser{UserID: toBot.UserID, AccessHash: toBot.AccessHash}, Peer: toBot, RandomID: randomID(),
	}); err != nil {
		t.Fatalf("startBot: %v", err)
	}
	toUser := userPeerFromDifference(ctx, t, bot.api, user.self.ID)

	// The load: senders on both sides until the kill.
	const sendersPerSide = 4
	killAfter := 200 + rand.IntN(300)
	var (
		killed   atomic.Bool
		killNow  = make(chan struct{})
		killOnce sync.Once
		wg       sync.WaitGroup
	)
	sendCtx, stopSending := context.WithCancel(ctx)
	defer stopSending()
	for g := range 2 * sendersPerSide {
		fromBot := g%2 == 0
		api, peer := user.api, tg.InputPeerClass(toBot)
		if fromBot {
			api, peer = bot.api, toUser
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; sendCtx.Err() == nil; n++ {
				rec := sendRecord{fromBot: fromBot, randomID: randomID(), text: fmt.Sprintf("load %d/%d", g, n)}
				load.mu.Lock()
				load.inFlight[rec.randomID] = rec
				load.mu.Unlock()
				res, err := api.MessagesSendMessage(sendCtx, &tg.MessagesSendMessageRequest{Peer: peer, Message: rec.text, RandomID: rec.randomID})
				if err != nil {
					if !killed.Load() {
						t.Errorf("sender %d before the kill: %v", g, err)
					}
					return
				}
				m, pts, ok := sentNewMessage(res)
				if !ok || m.Message != rec.text || !m.Out {
					t.Errorf("sender %d: result %#v", g, res)
					return
				}
				rec.id, rec.pts = m.ID, pts
				load.mu.Lock()
				delete(load.inFlight, rec.randomID)
				load.acked = append(load.acked, rec)
				n := len(load.acked)
				load.mu.Unlock()
				if n >= killAfter {
					killOnce.Do(func() { close(killNow) })
				}
			}
		}()
	}
	select {
	case <-killNow:
	case <-time.After(20 * time.Second):
		t.Fatalf("only %d sends acknowledged in 20 s", len(load.acked))
	}
	killed.Store(true)
	srv.kill()
	stopSending()
	wg.Wait()
	user.stop()
	bot.stop()
	if t.Failed() {
		return
	}
	load.mu.Lock()
	acked := append([]sendRecord(nil), load.acked...)
	var unknown []sendRecord
	for _, r := range load.inFlight {
		unknown = append(unknown, r)
	}
	pushed := map[bool][]pushedRecord{false: load.pushed[false], true: load.pushed[true]}
	load.mu.Unlock()
	t.Logf("killed after %d acknowledged sends (threshold %d), %d in flight, %d pushed to the user, %d to the bot",
		len(acked), killAfter, len(unknown), len(pushed[false]), len(pushed[true]))

	// Back up on the same data folder, the same sessions.
	srv.start()
	user = srv.connect(userStore, nil, nil)
	bot = srv.connect(botStore, nil, nil)
	if user.self.ID != toUser.UserID || bot.self.ID != toBot.UserID {
		t.Fatalf("sessions came back as %d and %d", user.self.ID, bot.self.ID)
	}
	sides := []struct {
		name  string
		isBot bool
		api   *tg.Client
		id    int64
		peer  tg.InputPeerClass
	}{
		{"user", false, user.api, user.self.ID, toBot},
		{"bot", true, bot.api, bot.self.ID, toUser},
	}
	for _, side := range sides {
		box := fetchHistory(ctx, t, side.api, side.peer)
		checkDifference(ctx, t, side.name, side.api, box)
		checkUpdateLog(t, srv.dataDir, side.name, side.id, box)
		texts := map[string][]*tg.Message{}
		for _, m := range box {
			texts[m.Message] = append(texts[m.Message], m)
		}
		for _, r := range acked {
			got := texts[r.text]
			if len(got) != 1 {
				t.Errorf("%s: acknowledged %q is in the box %d times", side.name, r.text, len(got))
				continue
			}
			m := got[0]
			if r.fromBot == side.isBot {
				if m.ID != r.id || !m.Out {
					t.Errorf("%s: acknowledged %q is message %d (out %v), the result said %d", side.name, r.text, m.ID, m.Out, r.id)
				}
			} else if m.Out {
				t.Errorf("%s: the received %q is outgoing", side.name, r.text)
			}
		}
		for _, p := range pushed[side.isBot] {
			if m := box[p.id]; m == nil || m.Message != p.text {
				t.Errorf("%s: pushed message %d %q is not in the box (got %v)", side.name, p.id, p.text, m)
			}
		}
		logged := updateLog(t, srv.dataDir, side.id)
		for _, r := range acked {
			if r.fromBot == side.isBot && logged[r.pts] != r.id {
				t.Errorf("%s: the result of %q gave pts %d for message %d; the log has message %d there", side.name, r.text, r.pts, r.id, logged[r.pts])
			}
		}
		for _, p := range pushed[side.isBot] {
			if logged[p.pts] != p.id {
				t.Errorf("%s: message %d was pushed with pts %d; the log has message %d there", side.name, p.id, p.pts, logged[p.pts])
			}
		}
	}
	if t.Failed() {
		return
	}

	// Sending again with an acknowledged random_id makes no new message.
	before := states(ctx, t, user.api, bot.api)
	for _, r := range acked {
		api, peer := user.api, tg.InputPeerClass(toBot)
		if r.fromBot {
			api, peer = bot.api, toUser
		}
		res, err := api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: peer, Message: r.text, RandomID: r.randomID})
		if err != nil {
			t.Fatalf("send %q again: %v", r.text, err)
		}
		if m, _, ok := sentNewMessage(res); !ok || m.ID != r.id {
			t.Fatalf("send %q again: answered with %#v, want message %d", r.text, res, r.id)
		}
	}
	if after := states(ctx, t, user.api, bot.api); after != before {
		t.Fatalf("repeated random_ids moved the pts from %v to %v", before, after)
	}

	// The sends whose answer was lost: sending them again makes each exactly
	// once, whether or not it happened before the kill.
	for _, r := range unknown {
		api, peer := user.api, tg.InputPeerClass(toBot)
		if r.fromBot {
			api, peer = bot.api, toUser
		}
		for range 2 {
			if _, err := api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: peer, Message: r.text, RandomID: r.randomID}); err != nil {
				t.Fatalf("retry %q: %v", r.text, err)
			}
		}
	}
	for _, side := range sides {
		box := fetchHistory(ctx, t, side.api, side.peer)
		count := map[string]int{}
		for _, m := range box {
			count[m.Message]++
		}
		for _, r := range append(acked, unknown...) {
			if count[r.text] != 1 {
				t.Errorf("%s: %q is in the box %d times after the retries", side.name, r.text, count[r.text])
			}
		}
		checkDifference(ctx, t, side.name, side.api, box)
		checkUpdateLog(t, srv.dataDir, side.name, side.id, box)
	}
}

// sentNewMessage finds the message and pts in the Updates a send returned.
func sentNewMessage(u tg.UpdatesClass) (*tg.Message, int, bool) {
	for _, one := range flatten(u) {
		if n, ok := one.(*tg.UpdateNewMessage); ok {
			m, ok := n.Message.(*tg.Message)
			return m, n.Pts, ok
		}
	}
	return nil, 0, false
}

// userPeerFromDifference finds a user in the difference of api's account.
func userPeerFromDifference(ctx context.Context, t *testing.T, api *tg.Client, userID int64) *tg.InputPeerUser {
	t.Helper()
	diff, err := api.UpdatesGetDifference(ctx, &tg.UpdatesGetDifferenceRequest{Pts: 0})
	if err != nil {
		t.Fatal(err)
	}
	d, ok := diff.(*tg.UpdatesDifference)
	if !ok {
		t.Fatalf("difference %T", diff)
	}
	return userPeer(t, d.Users, userID)
}

// fetchHistory reads the whole chat with peer, page by page, by message id.
func fetchHistory(ctx context.Context, t *testing.T, api *tg.Client, peer tg.InputPeerClass) map[int]*tg.Message {
	t.Helper()
	box := map[int]*tg.Message{}
	offset := 0
	for {
		res, err := api.MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{Peer: peer, OffsetID: offset, Limit: 100})
		if err != nil {
			t.Fatalf("getHistory: %v", err)
		}
		msgs := res.(*tg.MessagesMessages).Messages
		if len(msgs) == 0 {
			return box
		}
		for _, mc := range msgs {
			m := mc.(*tg.Message)
			if box[m.ID] != nil {
				t.Fatalf("getHistory gave message %d twice", m.ID)
			}
			if offset != 0 && m.ID >= offset {
				t.Fatalf("getHistory before %d gave %d", offset, m.ID)
			}
			box[m.ID] = m
			offset = m.ID
		}
	}
}

// checkDifference reads updates.getDifference from pts 0 to the end, slice by
// slice: it must hold one updateNewMessage per message of the box, each with
// the box's text, and nothing else, each taking one pts with no holes.
func checkDifference(ctx context.Context, t *testing.T, name string, api *tg.Client, box map[int]*tg.Message) {
	t.Helper()
	seen := map[int]bool{}
	pts := 0
	for {
		diff, err := api.UpdatesGetDifference(ctx, &tg.UpdatesGetDifferenceRequest{Pts: pts})
		if err != nil {
			t.Fatalf("%s: getDifference from %d: %v", name, pts, err)
		}
		var (
			msgs  []tg.MessageClass
			other []tg.UpdateClass
			next  int
		)
		switch d := diff.(type) {
		case *tg.UpdatesDifferenceEmpty:
			if len(seen) != len(box) {
				t.Errorf("%s: getDifference listed %d messages, the box holds %d", name, len(seen), len(box))
			}
			return
		case *tg.UpdatesDifference:
			msgs, other, next = d.NewMessages, d.OtherUpdates, d.State.Pts
		case *tg.UpdatesDifferenceSlice:
			msgs, other, next = d.NewMessages, d.OtherUpdates, d.IntermediateState.Pts
		default:
			t.Fatalf("%s: difference %T", name, diff)
		}
		if len(other) != 0 {
			t.Errorf("%s: other updates %#v in a log of messages only", name, other)
		}
		if next-pts != len(msgs) {
			t.Errorf("%s: getDifference from pts %d to %d gave %d messages: holes or duplicates", name, pts, next, len(msgs))
		}
		for _, mc := range msgs {
			m := mc.(*tg.Message)
			if seen[m.ID] {
				t.Errorf("%s: message %d listed twice by getDifference", name, m.ID)
			}
			seen[m.ID] = true
			if b := box[m.ID]; b == nil || b.Message != m.Message {
				t.Errorf("%s: getDifference has message %d %q, the box %v", name, m.ID, m.Message, b)
			}
		}
		if next <= pts {
			t.Fatalf("%s: getDifference from %d did not move on (to %d)", name, pts, next)
		}
		pts = next
	}
}

// updateLog reads an account's update log from the database: message id by
// pts, for updateNewMessage entries.
func updateLog(t *testing.T, dataDir string, owner int64) map[int]int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, sqlite.FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT pts, pts_count, body FROM updates WHERE owner_id = ? ORDER BY pts`, owner)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]int{}
	want := 0
	for rows.Next() {
		var (
			pts, count int
			body       []byte
		)
		if err := rows.Scan(&pts, &count, &body); err != nil {
			t.Fatal(err)
		}
		want += count
		if pts != want {
			t.Errorf("update log of %d: pts %d after %d (pts_count %d)", owner, pts, want-count, count)
			want = pts
		}
		u, err := tg.DecodeUpdate(&bin.Buffer{Buf: body})
		if err != nil {
			t.Fatal(err)
		}
		n, ok := u.(*tg.UpdateNewMessage)
		if !ok {
			continue
		}
		if n.Pts != pts {
			t.Errorf("update log of %d: row pts %d holds an update with pts %d", owner, pts, n.Pts)
		}
		out[pts] = n.Message.(*tg.Message).ID
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkUpdateLog checks the account's logged updateNewMessages against its
// box: one for each message, none for anything else.
func checkUpdateLog(t *testing.T, dataDir, name string, owner int64, box map[int]*tg.Message) {
	t.Helper()
	logged := updateLog(t, dataDir, owner)
	ids := map[int]int{}
	for _, id := range logged {
		ids[id]++
	}
	for id := range box {
		if ids[id] != 1 {
			t.Errorf("%s: message %d has %d updateNewMessage in the log", name, id, ids[id])
		}
	}
	if len(ids) != len(box) {
		t.Errorf("%s: the log has updateNewMessage for %d messages, the box holds %d", name, len(ids), len(box))
	}
}

// states returns the pts of each api's account.
func states(ctx context.Context, t *testing.T, apis ...*tg.Client) string {
	t.Helper()
	var b bytes.Buffer
	for _, api := range apis {
		st, err := api.UpdatesGetState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "pts %d ", st.Pts)
	}
	return b.String()
}
