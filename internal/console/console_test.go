package console

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/store"
	"github.com/buttonflow/buttonflow/internal/store/sqlite"
	"github.com/buttonflow/buttonflow/internal/tap"
)

const loginCode = "13579"

// keyLogins records logins in the store, as the MTProto server does.
type keyLogins struct{ keys store.AuthKeys }

func (l keyLogins) SetLogin(ctx context.Context, permKeyID, userID int64, bot bool) error {
	return l.keys.SetUser(ctx, permKeyID, userID, bot)
}

// newTestServer runs a console over a real domain and SQLite store.
func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	taps := &tap.Pusher{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := chat.New(chat.Options{Store: st, Pusher: taps, Logins: keyLogins{st.AuthKeys()},
		Secret: []byte(strings.Repeat("s", 32)), LoginCode: loginCode, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{Service: svc, Keys: st.AuthKeys(), Taps: taps, Logger: log,
		Assets: fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>console</title>")}}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(c)
	t.Cleanup(hs.Close)
	return hs
}

type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, hs *httptest.Server) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: hs.URL, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// call makes an API call and decodes the answer; it returns the status.
func (c *client) call(method, path string, body any, out any) int {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		r = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, c.base+"/console/api/"+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			c.t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
	return res.StatusCode
}

// signUp signs a new person up through the API.
func (c *client) signUp(phone, name string) user {
	c.t.Helper()
	var code struct {
		Hash string `json:"phone_code_hash"`
	}
	if st := c.call("POST", "login/code", map[string]string{"phone": phone}, &code); st != 200 || code.Hash == "" {
		c.t.Fatalf("login/code: %d %+v", st, code)
	}
	var in struct {
		SignUp bool `json:"signup_required"`
	}
	c.call("POST", "login/signin", map[string]string{"phone": phone, "phone_code_hash": code.Hash, "code": loginCode}, &in)
	if !in.SignUp {
		c.t.Fatal("a new phone should need a sign-up")
	}
	var up struct{ User user }
	if st := c.call("POST", "login/signup", map[string]string{"phone": phone, "phone_code_hash": code.Hash, "first_name": name}, &up); st != 200 {
		c.t.Fatalf("login/signup: %d", st)
	}
	return up.User
}

func TestCallsNeedALogin(t *testing.T) {
	hs := newTestServer(t)
	c := newClient(t, hs)
	for _, path := range []string{"me", "chats", "history?peer=user1", "events"} {
		var e apiError
		if st := c.call("GET", path, nil, &e); st != 401 || e.Error != "AUTH_KEY_UNREGISTERED" {
			t.Errorf("GET %s without a login: %d %+v, want 401 AUTH_KEY_UNREGISTERED", path, st, e)
		}
	}
	// A cookie that names no key is no login either.
	u := mustURL(t, hs.URL)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: cookieName, Value: strings.Repeat("A", 342)}})
	var e apiError
	if st := c.call("GET", "me", nil, &e); st != 401 {
		t.Errorf("a forged cookie: %d %+v, want 401", st, e)
	}
	// Only JSON bodies: a cross-site form cannot post one.
	res, err := c.http.Post(hs.URL+"/console/api/login/code", "application/x-www-form-urlencoded", strings.NewReader("phone=1555"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("a form post: %d, want 415", res.StatusCode)
	}
	// The page itself needs no login.
	res, err = http.Get(hs.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET /: %d", res.StatusCode)
	}
}

func TestLoginChatsAndLiveEvents(t *testing.T) {
	hs := newTestServer(t)
	ann, bob := newClient(t, hs), newClient(t, hs)
	annUser := ann.signUp("+1 555 000 0101", "Ann")
	bobUser := bob.signUp("+1 555 000 0102", "Bob")

	var me struct{ User user }
	if st := ann.call("GET", "me", nil, &me); st != 200 || me.User.ID != annUser.ID || me.User.FirstName != "Ann" {
		t.Fatalf("me: %d %+v", st, me)
	}
	var e apiError
	if st := ann.call("POST", "send", map[string]any{"peer": "nobody", "text": "hi"}, &e); st != 400 || e.Error != "PEER_ID_INVALID" {
		t.Fatalf("send to a bad peer: %d %+v", st, e)
	}

	// Bob watches his events while Ann writes to him.
	req, err := http.NewRequest("GET", hs.URL+"/console/api/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := bob.http.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events content type %q", ct)
	}
	lines := bufio.NewScanner(res.Body)
	if !lines.Scan() { // the stream is open once its first line arrives
		t.Fatal("no first line on the stream")
	}

	var sent struct{ Message *message }
	if st := ann.call("POST", "send", map[string]any{"peer": bobUser.Peer, "text": "hello Bob"}, &sent); st != 200 || sent.Message == nil || !sent.Message.Out {
		t.Fatalf("send: %d %+v", st, sent)
	}
	var got event
	for lines.Scan() {
		data, ok := strings.CutPrefix(lines.Text(), "data: ")
		if !ok {
			continue
		}
		if err := json.Unmarshal([]byte(data), &got); err != nil {
			t.Fatal(err)
		}
		break
	}
	if got.Type != "message" || got.Message == nil || got.Message.Text != "hello Bob" || got.Message.Peer != annUser.Peer || got.Message.FromName != "Ann" {
		t.Fatalf("Bob's event %+v", got)
	}

	var chats struct{ Chats []dialog }
	if st := bob.call("GET", "chats", nil, &chats); st != 200 || len(chats.Chats) != 1 ||
		chats.Chats[0].Peer != annUser.Peer || chats.Chats[0].Kind != "user" || chats.Chats[0].Top == nil || chats.Chats[0].Top.Text != "hello Bob" {
		t.Fatalf("Bob's chats: %d %+v", st, chats)
	}
	var hist struct{ Messages []*message }
	if st := bob.call("GET", "history?peer="+annUser.Peer, nil, &hist); st != 200 || len(hist.Messages) != 1 || hist.Messages[0].Out {
		t.Fatalf("Bob's history: %d %+v", st, hist)
	}

	// Logging out ends the login and forgets the key.
	if st := ann.call("POST", "logout", map[string]any{}, nil); st != 200 {
		t.Fatalf("logout: %d", st)
	}
	if st := ann.call("GET", "me", nil, &e); st != 401 {
		t.Fatalf("me after logout: %d", st)
	}
}

func TestParseStartLink(t *testing.T) {
	for _, tc := range []struct{ in, user, param string }{
		{"demo_bot", "demo_bot", ""},
		{"@demo_bot", "demo_bot", ""},
		{"t.me/demo_bot?start=abc", "demo_bot", "abc"},
		{"https://t.me/demo_bot?start=a-b_c", "demo_bot", "a-b_c"},
		{" https://telegram.me/demo_bot ", "demo_bot", ""},
	} {
		if u, p := parseStartLink(tc.in); u != tc.user || p != tc.param {
			t.Errorf("parseStartLink(%q) = %q, %q; want %q, %q", tc.in, u, p, tc.user, tc.param)
		}
	}
}

func TestRenderMarkup(t *testing.T) {
	reply := renderMarkup(&tg.ReplyKeyboardMarkup{Resize: true, SingleUse: true, Placeholder: "Pick", Rows: []tg.KeyboardButtonRow{{
		Buttons: []tg.KeyboardButton{{Text: "Red", Type: &tg.ButtonTypeDefault{}}, {Text: "Phone", Type: &tg.ButtonTypeRequestPhone{}}},
	}}})
	if reply.Kind != "reply" || !reply.Resize || !reply.SingleUse || reply.Placeholder != "Pick" ||
		reply.Rows[0][0].Type != "text" || reply.Rows[0][1].Type != "request_phone" {
		t.Errorf("reply keyboard: %+v", reply)
	}
	inline := renderMarkup(&tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: []tg.KeyboardInlineButton{
		{Text: "A", Type: &tg.InlineButtonTypeCallback{Data: []byte("a"), RequiresPassword: true}},
		{Text: "B", Type: &tg.InlineButtonTypeSwitchInline{Query: "q", SamePeer: true}},
		{Text: "C", Type: &tg.InlineButtonTypeGame{}},
	}}}})
	b := inline.Rows[0]
	if inline.Kind != "inline" || b[0].Type != "callback" || string(b[0].Data) != "a" || !b[0].RequiresPassword ||
		b[1].Type != "switch_inline" || b[1].Query != "q" || !b[1].SamePeer || b[2].Type != "game" {
		t.Errorf("inline keyboard: %+v", inline)
	}
	if m := renderMarkup(&tg.ReplyKeyboardForceReply{Placeholder: "Why?"}); m.Kind != "force_reply" || m.Placeholder != "Why?" {
		t.Errorf("force reply: %+v", m)
	}
	if m := renderMarkup(&tg.ReplyKeyboardHide{Selective: true}); m.Kind != "hide" || !m.Selective {
		t.Errorf("hide: %+v", m)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
