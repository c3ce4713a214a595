package broker

import (
	"context"
	"strings"
	"testing"
)

func TestAnswerURLRules(t *testing.T) {
	param64 := strings.Repeat("a", 64)
	tests := []struct {
		name  string
		game  bool
		url   string
		valid bool
	}{
		{"empty", false, "", true},
		{"https t.me start link", false, "https://t.me/GameBot?start=abc", true},
		{"http t.me start link", false, "http://t.me/GameBot?start=abc", true},
		{"no scheme", false, "t.me/GameBot?start=abc", true},
		{"telegram.me", false, "https://telegram.me/GameBot?start=abc", true},
		{"username in another case", false, "https://t.me/gamebot?start=abc", true},
		{"scheme and host in upper case", false, "HTTPS://T.ME/GameBot?start=abc", true},
		{"parameter of every allowed kind", false, "https://t.me/GameBot?start=A-z_09", true},
		{"parameter of 64 chars", false, "https://t.me/GameBot?start=" + param64, true},
		{"parameter of 65 chars", false, "https://t.me/GameBot?start=" + param64 + "a", false},
		{"other bot's t.me", false, "https://t.me/OtherBot?start=abc", false},
		{"bot name as a prefix", false, "https://t.me/GameBotx?start=abc", false},
		{"no start parameter", false, "https://t.me/GameBot", false},
		{"empty start parameter", false, "https://t.me/GameBot?start=", false},
		{"other query parameter", false, "https://t.me/GameBot?startgroup=abc", false},
		{"extra query parameter", false, "https://t.me/GameBot?start=abc&x=1", false},
		{"bad parameter chars", false, "https://t.me/GameBot?start=a.b", false},
		{"percent-encoded parameter", false, "https://t.me/GameBot?start=a%20b", false},
		{"fragment", false, "https://t.me/GameBot?start=abc#x", false},
		{"trailing slash", false, "https://t.me/GameBot/?start=abc", false},
		{"other host", false, "https://t.me.evil.com/GameBot?start=abc", false},
		{"userinfo trick", false, "https://t.me@evil.com/GameBot?start=abc", false},
		{"other scheme", false, "ftp://t.me/GameBot?start=abc", false},
		{"tg scheme", false, "tg://resolve?domain=GameBot&start=abc", false},
		{"javascript", false, "javascript:alert(1)", false},
		{"space", false, "https://t.me/GameBot?start=abc def", false},
		{"newline", false, "https://t.me/GameBot?start=abc\n", false},
		{"game URL for a non-game query", false, testGameURL, false},
		{"game URL", true, testGameURL, true},
		{"game URL with query", true, testGameURL + "?user=42&score=7", true},
		{"game URL with fragment", true, testGameURL + "#level2", true},
		{"game URL with a longer path", true, testGameURL + "2", false},
		{"game URL with another path", true, testGameURL + "/../admin", false},
		{"other site for a game", true, "https://evil.example.com/tetris", false},
		{"start link for a game query", true, "https://t.me/GameBot?start=abc", true},
		{"javascript for a game query", true, "javascript:alert(1)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _, _ := newTestBroker(t, Options{})
			q := callbackQuery()
			if tt.game {
				q = gameQuery()
			} else {
				// Game URLs of a non-game query must not count.
				q.GameURLs = []string{testGameURL}
			}
			p := begin(t, b, q)
			req := answerReq(p.ID())
			req.URL = tt.url
			err := b.Answer(testBot, req)
			if tt.valid && err != nil {
				t.Fatalf("Answer(%q) = %v, want success", tt.url, err)
			}
			if !tt.valid {
				wantRPCError(t, err, "URL_INVALID")
			}
		})
	}
}

func TestGameURLAdditions(t *testing.T) {
	tests := []struct {
		name, game, url string
		valid           bool
	}{
		{"query after a URL without one", "https://g.example/p", "https://g.example/p?a=1", true},
		{"second query after a URL with one", "https://g.example/p?v=2", "https://g.example/p?v=2?a=1", false},
		{"parameter after a URL with a query", "https://g.example/p?v=2", "https://g.example/p?v=2&a=1", true},
		{"parameter after a URL without a query", "https://g.example/p", "https://g.example/p&a=1", false},
		{"fragment after a URL with a query", "https://g.example/p?v=2", "https://g.example/p?v=2#x", true},
		{"anything after a URL with a fragment", "https://g.example/p#x", "https://g.example/p#x&a=1", false},
		{"exact URL with a fragment", "https://g.example/p#x", "https://g.example/p#x", true},
		{"empty game URL allows nothing", "", "https://anything.example/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := gameQuery()
			q.GameURLs = []string{tt.game}
			if got := validURL(tt.url, &q); got != tt.valid {
				t.Fatalf("validURL(%q) with game URL %q = %v, want %v", tt.url, tt.game, got, tt.valid)
			}
		})
	}
}

func TestStartLinkNeedsBotUsername(t *testing.T) {
	q := callbackQuery()
	q.BotUsername = ""
	if validURL("https://t.me/?start=abc", &q) || validURL("https://t.me/GameBot?start=abc", &q) {
		t.Fatal("a bot without a username accepted a start link")
	}
}

func TestAnswerMessageLength(t *testing.T) {
	tests := []struct {
		name    string
		message string
		valid   bool
	}{
		{"200 ASCII", strings.Repeat("a", 200), true},
		{"201 ASCII", strings.Repeat("a", 201), false},
		{"200 two-byte chars", strings.Repeat("é", 200), true},
		{"201 two-byte chars", strings.Repeat("é", 201), false},
		{"200 three-byte chars", strings.Repeat("€", 200), true},
		// Code points, not UTF-16 units: 200 emoji are 400 UTF-16 units.
		{"200 emoji", strings.Repeat("😀", 200), true},
		{"201 emoji", strings.Repeat("😀", 201), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _, _ := newTestBroker(t, Options{})
			p := begin(t, b, callbackQuery())
			req := answerReq(p.ID())
			req.Message = tt.message
			err := b.Answer(testBot, req)
			if tt.valid && err != nil {
				t.Fatalf("Answer = %v, want success", err)
			}
			if !tt.valid {
				wantRPCError(t, err, "MESSAGE_TOO_LONG")
			}
		})
	}
}

func TestQueryIDCheckedBeforeContent(t *testing.T) {
	b, _, _ := newTestBroker(t, Options{})
	req := answerReq(999)
	req.Message = strings.Repeat("a", 201)
	req.URL = "javascript:alert(1)"
	wantRPCError(t, b.Answer(testBot, req), "QUERY_ID_INVALID")
}

func TestAnswerCacheTimeClamped(t *testing.T) {
	tests := []struct {
		name    string
		in, out int
	}{
		{"negative to zero", -5, 0},
		{"zero kept", 0, 0},
		{"in range kept", 3600, 3600},
		{"maximum kept", MaxCacheTime, MaxCacheTime},
		{"over maximum to maximum", 3_000_000, MaxCacheTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _, _ := newTestBroker(t, Options{})
			p := begin(t, b, callbackQuery())
			req := answerReq(p.ID())
			req.CacheTime = tt.in
			if err := b.Answer(testBot, req); err != nil {
				t.Fatalf("Answer: %v", err)
			}
			a, err := p.Wait(context.Background())
			if err != nil || a.CacheTime != tt.out {
				t.Fatalf("Wait = %+v, %v; want cache_time %d", a, err, tt.out)
			}
		})
	}
}
