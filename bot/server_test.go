package bot

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"

	"github.com/buttonflow/buttonflow/internal/app"
	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

// Test servers run with a login code every phone accepts and a short
// callback timeout, so a query the Router failed to answer shows up as
// BOT_RESPONSE_TIMEOUT quickly.
const (
	testLoginCode       = "24680"
	testCallbackTimeout = 5 * time.Second
	// testWait bounds each wait for a client or an update: generous, as a
	// key exchange alone takes seconds under -race on a busy machine.
	testWait = 90 * time.Second
)

// testServer is a buttonflow server started in process.
type testServer struct {
	t       *testing.T
	dataDir string
	app     *app.App
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	s := &testServer{t: t, dataDir: filepath.Join(t.TempDir(), "data")}
	a, err := app.Start(context.Background(), app.Config{
		DataDir: s.dataDir, Listen: "127.0.0.1:0", HTTP: "127.0.0.1:0", LoginCode: testLoginCode,
		CallbackTimeout: testCallbackTimeout, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	s.app = a
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("server stopped with: %v", err)
		}
	})
	return s
}

// store opens the server's data folder beside it, as the CLI does.
func (s *testServer) store(f func(ctx context.Context, st *sqlite.Store) error) {
	s.t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, s.dataDir)
	if err != nil {
		s.t.Fatal(err)
	}
	defer st.Close()
	if err := f(ctx, st); err != nil {
		s.t.Fatal(err)
	}
}

// createBot makes an inline-mode bot and returns its token.
func (s *testServer) createBot(username string) string {
	s.t.Helper()
	var token string
	s.store(func(ctx context.Context, st *sqlite.Store) error {
		u, tok, err := chat.CreateBot(ctx, st.Users(), rand.Reader, time.Now(), username, "Test "+username, 0)
		if err != nil {
			return err
		}
		token = tok
		return st.Users().SetBotInline(ctx, u.ID, true, "Search...")
	})
	return token
}

func (s *testServer) addGame(bot, short, url string) {
	s.t.Helper()
	s.store(func(ctx context.Context, st *sqlite.Store) error {
		_, err := chat.AddGame(ctx, st, bot, short, "Game "+short, "", url)
		return err
	})
}

// liveClient is a logged-in gotd client running in the background.
type liveClient struct {
	t    *testing.T
	api  *tg.Client
	self *tg.User
	// updates gets what the client's handler passes on.
	updates chan tg.UpdatesClass
}

// connect runs a gotd client with handler as its update handler (nil
// collects updates on lc.updates) and login run before it is handed over.
func (s *testServer) connect(login func(context.Context, *telegram.Client) error, handler telegram.UpdateHandler, bind func(*tg.Client)) *liveClient {
	s.t.Helper()
	lc := &liveClient{t: s.t, updates: make(chan tg.UpdatesClass, 100)}
	if handler == nil {
		handler = telegram.UpdateHandlerFunc(func(ctx context.Context, u tg.UpdatesClass) error {
			select {
			case lc.updates <- u:
			default:
				s.t.Errorf("update channel full, dropped %T", u)
			}
			return nil
		})
	}
	host, portText, _ := net.SplitHostPort(s.app.MTProtoAddr.String())
	port, _ := strconv.Atoi(portText)
	client := telegram.NewClient(17349, "buttonflow-test", telegram.Options{
		PublicKeys:     []telegram.PublicKey{{RSA: &s.app.Key.PublicKey}},
		DC:             2,
		DCList:         dcs.List{Options: []tg.DCOption{{ID: 2, IPAddress: host, Port: port}}},
		Resolver:       dcs.Plain(dcs.PlainOptions{Protocol: transport.Intermediate}),
		SessionStorage: &session.StorageMemory{},
		DialTimeout:    60 * time.Second,
		UpdateHandler:  handler,
	})
	lc.api = client.API()
	if bind != nil {
		bind(lc.api)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := client.Run(ctx, func(ctx context.Context) error {
			if err := login(ctx, client); err != nil {
				return err
			}
			self, err := client.Self(ctx)
			if err != nil {
				return fmt.Errorf("self: %w", err)
			}
			lc.self = self
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
	stop := func() { once.Do(func() { cancel(); <-done }) }
	select {
	case err := <-ready:
		if err != nil {
			stop()
			s.t.Fatalf("client: %v", err)
		}
	case <-time.After(testWait):
		stop()
		s.t.Fatal("client did not become ready in time")
	}
	s.t.Cleanup(stop)
	return lc
}

func (s *testServer) signUpUser(phone, first string) *liveClient {
	s.t.Helper()
	return s.connect(func(ctx context.Context, c *telegram.Client) error {
		return auth.NewFlow(signUp{phone: phone, first: first}, auth.SendCodeOptions{}).Run(ctx, c.Auth())
	}, nil, nil)
}

// loginBot logs a bot in with its token; handler gets its updates.
func (s *testServer) loginBot(token string, handler telegram.UpdateHandler, bind func(*tg.Client)) *liveClient {
	s.t.Helper()
	return s.connect(func(ctx context.Context, c *telegram.Client) error {
		_, err := c.Auth().Bot(ctx, token)
		return err
	}, handler, bind)
}

type signUp struct{ phone, first string }

func (a signUp) Phone(context.Context) (string, error) { return a.phone, nil }
func (a signUp) Password(context.Context) (string, error) {
	return "", auth.ErrPasswordNotProvided
}
func (a signUp) Code(context.Context, *tg.AuthSentCode) (string, error) { return testLoginCode, nil }
func (a signUp) AcceptTermsOfService(context.Context, tg.HelpTermsOfService) error {
	return nil
}
func (a signUp) SignUp(context.Context) (auth.UserInfo, error) {
	return auth.UserInfo{FirstName: a.first, LastName: "Tester"}, nil
}

// next waits for an update matching want among those pushed to lc.
func (lc *liveClient) next(what string, want func(tg.UpdateClass) bool) tg.UpdateClass {
	lc.t.Helper()
	timeout := time.After(testWait)
	for {
		select {
		case u := <-lc.updates:
			for _, one := range flatten(u) {
				if want(one) {
					return one
				}
			}
		case <-timeout:
			lc.t.Fatalf("no %s pushed within %v", what, testWait)
			return nil
		}
	}
}

func flatten(u tg.UpdatesClass) []tg.UpdateClass {
	switch u := u.(type) {
	case *tg.Updates:
		return u.Updates
	case *tg.UpdatesCombined:
		return u.Updates
	case *tg.UpdateShort:
		return []tg.UpdateClass{u.Update}
	}
	return nil
}

// newMessage matches a new message whose text starts with prefix.
func newMessage(prefix string) func(tg.UpdateClass) bool {
	return func(u tg.UpdateClass) bool {
		n, ok := u.(*tg.UpdateNewMessage)
		if !ok {
			return false
		}
		m, ok := n.Message.(*tg.Message)
		return ok && strings.HasPrefix(m.Message, prefix)
	}
}

// editedTo matches an edit of a message to text.
func editedTo(text string) func(tg.UpdateClass) bool {
	return func(u tg.UpdateClass) bool {
		e, ok := u.(*tg.UpdateEditMessage)
		if !ok {
			return false
		}
		m, ok := e.Message.(*tg.Message)
		return ok && m.Message == text
	}
}

func randomID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	var v int64
	for _, x := range b {
		v = v<<8 | int64(x)
	}
	return v
}

var errNoUser = errors.New("user not in the container's users")
