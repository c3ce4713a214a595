package e2e

import (
	"context"
	"crypto/rsa"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"
	_ "modernc.org/sqlite"

	"github.com/buttonflow/buttonflow/internal/app"
	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

// testServer is a buttonflow server started in process on fixed ports, so it
// can be restarted on the same addresses with the same data folder.
type testServer struct {
	t       *testing.T
	dataDir string
	listen  string
	http    string
	app     *app.App
}

// freePort finds a free loopback port below 32768: GramJS's StringSession
// stores the port as a signed 16-bit number.
func freePort(t *testing.T) string {
	t.Helper()
	for range 100 {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		_ = l.Close()
		return addr
	}
	t.Fatal("no free port below 32768")
	return ""
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func startServer(t *testing.T) *testServer {
	t.Helper()
	s := &testServer{t: t, dataDir: filepath.Join(t.TempDir(), "data"), listen: freePort(t), http: freePort(t)}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *testServer) start() {
	s.t.Helper()
	a, err := app.Start(context.Background(), app.Config{
		DataDir: s.dataDir, Listen: s.listen, HTTP: s.http, Logger: testLogger(s.t), LoginCode: testLoginCode,
		CallbackTimeout: testCallbackTimeout,
	})
	if err != nil {
		s.t.Fatalf("start server: %v", err)
	}
	s.app = a
}

func (s *testServer) stop() {
	if s.app == nil {
		return
	}
	if err := s.app.Close(); err != nil {
		s.t.Errorf("server stopped with: %v", err)
	}
	s.app = nil
}

func (s *testServer) restart() {
	s.stop()
	s.start()
}

func (s *testServer) key() *rsa.PublicKey { return &s.app.Key.PublicKey }

// authKeyCount counts the auth keys in the server's database.
func (s *testServer) authKeyCount() int {
	s.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.dataDir, sqlite.FileName)+"?mode=ro")
	if err != nil {
		s.t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM auth_keys`).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

func (s *testServer) hostPort() (string, int) {
	host, portStr, _ := net.SplitHostPort(s.listen)
	var port int
	fmt.Sscan(portStr, &port)
	return host, port
}

func dcList(host string, port int) dcs.List {
	return dcs.List{Options: []tg.DCOption{{ID: 2, IPAddress: host, Port: port}}}
}

func plainResolver(proto transport.Protocol) dcs.Resolver {
	return dcs.Plain(dcs.PlainOptions{Protocol: proto})
}

// gotdClient returns a gotd/td client pointed at s over the given transport.
func (s *testServer) gotdClient(proto transport.Protocol, storage session.Storage) *telegram.Client {
	host, port := s.hostPort()
	return telegram.NewClient(17349, "buttonflow-test", telegram.Options{
		PublicKeys:     []telegram.PublicKey{{RSA: s.key()}},
		DC:             2,
		DCList:         dcList(host, port),
		Resolver:       plainResolver(proto),
		SessionStorage: storage,
		DialTimeout:    60 * time.Second,
	})
}

func TestGotdConnectsOverEveryTransport(t *testing.T) {
	srv := startServer(t)
	protocols := map[string]transport.Protocol{
		"abridged":            transport.Abridged,
		"intermediate":        transport.Intermediate,
		"padded intermediate": transport.PaddedIntermediate,
		"full":                transport.Full,
	}
	for name, proto := range protocols {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
			defer cancel()
			client := srv.gotdClient(proto, &session.StorageMemory{})
			err := client.Run(ctx, func(ctx context.Context) error {
				cfg, err := client.API().HelpGetConfig(ctx)
				if err != nil {
					return fmt.Errorf("help.getConfig: %w", err)
				}
				if cfg.ThisDC != 2 || len(cfg.DCOptions) != 1 || cfg.DCOptions[0].Port == 0 {
					return fmt.Errorf("unexpected config: this_dc %d, options %+v", cfg.ThisDC, cfg.DCOptions)
				}
				if want := srv.listen; net.JoinHostPort(cfg.DCOptions[0].IPAddress, fmt.Sprint(cfg.DCOptions[0].Port)) != want {
					return fmt.Errorf("dc_options point at %s:%d, want %s", cfg.DCOptions[0].IPAddress, cfg.DCOptions[0].Port, want)
				}
				if err := client.Ping(ctx); err != nil {
					return fmt.Errorf("ping: %w", err)
				}
				nearest, err := client.API().HelpGetNearestDC(ctx)
				if err != nil {
					return fmt.Errorf("help.getNearestDc: %w", err)
				}
				if nearest.ThisDC != 2 {
					return fmt.Errorf("nearest dc %+v", nearest)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestGotdSessionSurvivesRestart(t *testing.T) {
	srv := startServer(t)
	storage := &session.FileStorage{Path: filepath.Join(t.TempDir(), "session.json")}
	connect := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), e2eLong)
		defer cancel()
		client := srv.gotdClient(transport.Intermediate, storage)
		if err := client.Run(ctx, func(ctx context.Context) error {
			if _, err := client.API().HelpGetConfig(ctx); err != nil {
				return err
			}
			return client.Ping(ctx)
		}); err != nil {
			t.Fatal(err)
		}
	}
	connect()
	if n := srv.authKeyCount(); n != 1 {
		t.Fatalf("%d auth keys after first connect, want 1", n)
	}
	before, err := storage.LoadSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv.restart()
	connect()
	after, err := storage.LoadSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.authKeyCount(); n != 1 {
		t.Fatalf("%d auth keys after reconnecting, want 1 (a new key exchange happened)", n)
	}
	if string(before) == "" || !sameAuthKey(t, before, after) {
		t.Fatal("the client's saved auth key changed across the restart")
	}
}

// sameAuthKey compares the auth key ids of two saved gotd sessions.
func sameAuthKey(t *testing.T, a, b []byte) bool {
	t.Helper()
	var sa, sb session.Data
	la, lb := session.Loader{Storage: &memBytes{a}}, session.Loader{Storage: &memBytes{b}}
	da, err := la.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	db, err := lb.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sa, sb = *da, *db
	return len(sa.AuthKeyID) == 8 && string(sa.AuthKeyID) == string(sb.AuthKeyID)
}

type memBytes struct{ b []byte }

func (m *memBytes) LoadSession(context.Context) ([]byte, error) { return m.b, nil }
func (m *memBytes) StoreSession(_ context.Context, b []byte) error {
	m.b = b
	return nil
}
