package sqlite

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/buttonflow/buttonflow/internal/store"
)

// testUsers creates n accounts and returns their ids.
func testUsers(t *testing.T, s *Store, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		u := &store.User{FirstName: "u", CreatedAt: time.Unix(1700000000, 0)}
		if err := s.Users().Create(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		ids[i] = u.ID
	}
	return ids
}

func TestGameScoresSetRules(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	ids := testUsers(t, s, 2)
	bot, user := ids[0], ids[1]
	board := store.ScoreBoard{BotID: bot, ShortName: "snake", ChatInstance: -77}
	at := time.Unix(1700000000, 0)
	for _, c := range []struct {
		name  string
		score int
		force bool
		want  bool
	}{
		{"first score", 10, false, true},
		{"same score", 10, false, false},
		{"lower score", 5, false, false},
		{"higher score", 20, false, true},
		{"same score forced", 20, true, false},
		{"lower score forced", 7, true, true},
	} {
		changed, err := s.Scores().Set(ctx, board, user, c.score, at, c.force)
		if err != nil || changed != c.want {
			t.Fatalf("%s: changed %v, %v; want %v", c.name, changed, err, c.want)
		}
	}
	got, err := s.Scores().Around(ctx, board, user, 3, 2)
	if err != nil || len(got) != 1 || got[0].Score != 7 || got[0].Pos != 1 || got[0].UserID != user {
		t.Fatalf("board %+v, %v", got, err)
	}
	other := board
	other.ChatInstance++
	if got, err := s.Scores().Around(ctx, other, user, 3, 2); err != nil || len(got) != 0 {
		t.Fatalf("another chat_instance's board %+v, %v", got, err)
	}
	if err := s.Scores().Delete(ctx, board, user); err != nil {
		t.Fatal(err)
	}
	if err := s.Scores().Delete(ctx, board, user); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
}

func TestGameScoresAround(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	ids := testUsers(t, s, 11)
	bot, players := ids[0], ids[1:]
	board := store.ScoreBoard{BotID: bot, ShortName: "snake", ChatInstance: 5}
	// Scores 100, 90, ..., 10; the last two tie at 10, the earlier one first.
	for i, p := range players {
		score := 100 - 10*i
		if i == len(players)-1 {
			score = 10
		}
		if _, err := s.Scores().Set(ctx, board, p, score, time.Unix(int64(1700000000+i), 0), false); err != nil {
			t.Fatal(err)
		}
	}
	pos := func(hs []store.HighScore) []int {
		var out []int
		for _, h := range hs {
			out = append(out, h.Pos)
		}
		return out
	}
	for _, c := range []struct {
		name string
		user int64
		want []int
	}{
		{"the top user", players[0], []int{1, 2, 3}},
		{"a user in the middle", players[6], []int{1, 2, 3, 5, 6, 7, 8, 9}},
		{"a user near the top", players[4], []int{1, 2, 3, 4, 5, 6, 7}},
		{"the last of a tie", players[9], []int{1, 2, 3, 8, 9, 10}},
		{"a user without a score", bot, []int{1, 2, 3}},
	} {
		got, err := s.Scores().Around(ctx, board, c.user, 3, 2)
		if err != nil {
			t.Fatal(err)
		}
		if p := pos(got); !slices.Equal(p, c.want) {
			t.Errorf("%s: positions %v, want %v", c.name, p, c.want)
		}
	}
	got, _ := s.Scores().Around(ctx, board, players[9], 0, 0)
	if len(got) != 1 || got[0].UserID != players[9] || got[0].Pos != 10 || got[0].Score != 10 {
		t.Fatalf("the later of two equal scores: %+v", got)
	}
}

func TestURLAuths(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	ids := testUsers(t, s, 2)
	user, bot := ids[0], ids[1]
	if _, err := s.URLAuths().Get(ctx, user, bot, "example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before any consent: %v", err)
	}
	at := time.Unix(1700000000, 0)
	for _, write := range []bool{false, true} {
		if err := s.URLAuths().Accept(ctx, &store.URLAuth{UserID: user, BotID: bot, Domain: "example.com", WriteAllowed: write, Date: at}); err != nil {
			t.Fatal(err)
		}
		a, err := s.URLAuths().Get(ctx, user, bot, "example.com")
		if err != nil || a.WriteAllowed != write || !a.Date.Equal(at) {
			t.Fatalf("consent %+v, %v", a, err)
		}
	}
	if _, err := s.URLAuths().Get(ctx, user, bot, "other.example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another domain: %v", err)
	}
	if _, err := s.URLAuths().Get(ctx, bot, user, "example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another user: %v", err)
	}
}
