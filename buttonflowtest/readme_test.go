package buttonflowtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/bot"
	"github.com/buttonflow/buttonflow/buttonflowtest"
)

// TestVoteBot is the README's example, as written there: a bot with an
// inline keyboard and its test.
func TestVoteBot(t *testing.T) {
	ctx := context.Background()
	srv := buttonflowtest.New(t)
	r := bot.NewRouter(bot.Options{})
	r.Callback("vote:", bot.HandlerFunc(func(ctx context.Context, q *bot.Query) error {
		return q.Answer(ctx, bot.Answer{Text: "You voted " + strings.TrimPrefix(string(q.Data), "vote:")})
	}))
	b := srv.NewBot(t, "vote_bot", buttonflowtest.WithUpdateHandler(
		func(ctx context.Context, _ *buttonflowtest.Bot, u tg.UpdatesClass) error { return r.Handle(ctx, u) }))
	r.Bind(b.API)

	alice := srv.NewUser(t, buttonflowtest.WithUsername("alice"))
	peer, err := b.PeerOf(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	keyboard := bot.Inline(bot.Row(bot.CallbackButton("Yes", "vote:yes"), bot.CallbackButton("No", "vote:no")))
	if _, err := b.API.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: peer, Message: "Vote?", RandomID: 1, ReplyMarkup: keyboard}); err != nil {
		t.Fatal(err)
	}
	msg, err := alice.WaitMessage(ctx, func(m *tg.Message) bool { return m.Message == "Vote?" })
	if err != nil {
		t.Fatal(err)
	}
	res, err := alice.Press(ctx, msg, "Yes")
	if err != nil || res.Toast != "You voted yes" {
		t.Fatalf("pressed Yes: %+v, %v", res, err)
	}
}
