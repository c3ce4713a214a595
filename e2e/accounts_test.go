package e2e

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/transport"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

// testLoginCode is the --login-code every test server runs with.
const testLoginCode = "24680"

// e2eWait bounds each wait for a client or an update, and e2eLong a whole
// test: generous, because under the race detector on a busy 2-core machine
// a key exchange alone can take seconds. Tests end as soon as what they wait
// for arrives.
const (
	e2eWait = 90 * time.Second
	e2eLong = 5 * time.Minute
)

// createBot makes a bot the way `buttonflow bot create` does: through its own
// connection to the data folder, beside the running server.
func (s *testServer) createBot(username string) (id int64, token string) {
	s.t.Helper()
	st, err := sqlite.Open(context.Background(), s.dataDir)
	if err != nil {
		s.t.Fatal(err)
	}
	defer st.Close()
	u, token, err := chat.CreateBot(context.Background(), st.Users(), rand.Reader, time.Now(), username, "Test "+username, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	return u.ID, token
}

// liveClient is a gotd client running in the background, logged in, with
// every update pushed to it collected on a channel.
type liveClient struct {
	t       *testing.T
	client  *telegram.Client
	api     *tg.Client
	self    *tg.User
	updates chan tg.UpdatesClass
	stop    func()
}

// passwordProof is the SRP proof of pw for the account's current 2FA
// password, as a client computes it for a password check.
func (lc *liveClient) passwordProof(ctx context.Context, pw string) *tg.InputCheckPasswordSRP {
	lc.t.Helper()
	p, err := lc.api.AccountGetPassword(ctx)
	if err != nil {
		lc.t.Fatal(err)
	}
	a, err := auth.PasswordHash([]byte(pw), p.SRPID, p.SRPB, p.SecureRandom, p.CurrentAlgo)
	if err != nil {
		lc.t.Fatal(err)
	}
	return a
}

// connect starts a gotd client on storage and runs login on it before
// handing it over; login may be nil for a saved session.
func (s *testServer) connect(storage session.Storage, login func(ctx context.Context, c *telegram.Client) error) (*liveClient, error) {
	s.t.Helper()
	lc := &liveClient{t: s.t, updates: make(chan tg.UpdatesClass, 100)}
	host, port := s.hostPort()
	lc.client = telegram.NewClient(17349, "buttonflow-test", telegram.Options{
		PublicKeys:     []telegram.PublicKey{{RSA: s.key()}},
		DC:             2,
		DCList:         dcList(host, port),
		Resolver:       plainResolver(transport.Intermediate),
		SessionStorage: storage,
		// gotd's DialTimeout bounds the dial and the key exchange together,
		// and its pq factoring alone takes seconds under -race on a busy
		// machine: 5 s made logins fail now and then.
		DialTimeout: 60 * time.Second,
		UpdateHandler: telegram.UpdateHandlerFunc(func(ctx context.Context, u tg.UpdatesClass) error {
			select {
			case lc.updates <- u:
			default:
				s.t.Errorf("update channel full, dropped %T", u)
			}
			return nil
		}),
	})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := lc.client.Run(ctx, func(ctx context.Context) error {
			if login != nil {
				if err := login(ctx, lc.client); err != nil {
					return err
				}
			}
			self, err := lc.client.Self(ctx)
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
	lc.api = lc.client.API()
	var once sync.Once
	lc.stop = func() { once.Do(func() { cancel(); <-done }) }
	select {
	case err := <-ready:
		if err != nil {
			lc.stop()
			return nil, err
		}
	case <-time.After(e2eWait):
		lc.stop()
		return nil, errors.New("client did not become ready in time")
	}
	s.t.Cleanup(lc.stop)
	return lc, nil
}

// signUpUser signs a new user up with the test login code.
func (s *testServer) signUpUser(phone, first string) *liveClient {
	s.t.Helper()
	lc, err := s.connect(&session.StorageMemory{}, func(ctx context.Context, c *telegram.Client) error {
		return auth.NewFlow(signUpAuth{phone: phone, first: first}, auth.SendCodeOptions{}).Run(ctx, c.Auth())
	})
	if err != nil {
		s.t.Fatalf("sign up %s: %v", phone, err)
	}
	return lc
}

// loginBot logs a bot in with its token.
func (s *testServer) loginBot(token string) *liveClient {
	s.t.Helper()
	lc, err := s.connect(&session.StorageMemory{}, func(ctx context.Context, c *telegram.Client) error {
		_, err := c.Auth().Bot(ctx, token)
		return err
	})
	if err != nil {
		s.t.Fatalf("bot login: %v", err)
	}
	return lc
}

type signUpAuth struct {
	phone, first, password string
}

func (a signUpAuth) Phone(context.Context) (string, error) { return a.phone, nil }
func (a signUpAuth) Password(context.Context) (string, error) {
	if a.password == "" {
		return "", auth.ErrPasswordNotProvided
	}
	return a.password, nil
}
func (a signUpAuth) Code(context.Context, *tg.AuthSentCode) (string, error) {
	return testLoginCode, nil
}
func (a signUpAuth) AcceptTermsOfService(context.Context, tg.HelpTermsOfService) error { return nil }
func (a signUpAuth) SignUp(context.Context) (auth.UserInfo, error) {
	return auth.UserInfo{FirstName: a.first, LastName: "Tester"}, nil
}

// next waits for a pushed update matching want and returns it.
func (lc *liveClient) next(what string, want func(tg.UpdateClass) bool) tg.UpdateClass {
	lc.t.Helper()
	timeout := time.After(e2eWait)
	for {
		select {
		case u := <-lc.updates:
			for _, one := range flatten(u) {
				if want(one) {
					return one
				}
			}
		case <-timeout:
			lc.t.Fatalf("no %s pushed within %v", what, e2eWait)
			return nil
		}
	}
}

// flatten lists the updates inside any Updates container.
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

// newMessage matches an updateNewMessage whose text has the prefix.
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

// wantRPCError fails unless err is the RPC error typ.
func wantRPCError(t *testing.T, err error, typ string) {
	t.Helper()
	if !tgerr.Is(err, typ) {
		t.Fatalf("got error %v, want %s", err, typ)
	}
}

// sentMessage finds the message in the Updates a send returned.
func sentMessage(t *testing.T, u tg.UpdatesClass) *tg.Message {
	t.Helper()
	for _, one := range flatten(u) {
		if n, ok := one.(*tg.UpdateNewMessage); ok {
			return n.Message.(*tg.Message)
		}
	}
	t.Fatalf("no updateNewMessage in %T", u)
	return nil
}

// userPeer finds a user in a container's users and returns it as an InputPeer.
func userPeer(t *testing.T, users []tg.UserClass, id int64) *tg.InputPeerUser {
	t.Helper()
	for _, u := range users {
		if u, ok := u.(*tg.User); ok && u.ID == id {
			return &tg.InputPeerUser{UserID: id, AccessHash: u.AccessHash}
		}
	}
	t.Fatalf("user %d not in the container's users", id)
	return nil
}

func containerUsers(u tg.UpdatesClass) []tg.UserClass {
	switch u := u.(type) {
	case *tg.Updates:
		return u.Users
	case *tg.UpdatesCombined:
		return u.Users
	}
	return nil
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
