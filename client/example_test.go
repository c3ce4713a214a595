package client_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/buttonflowtest"
	"github.com/buttonflow/buttonflow/client"
)

// exampleT stands in for the *testing.T an Example has none of.
type exampleT struct {
	cleanups []func()
	dirs     []string
}

func (t *exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (t *exampleT) TempDir() string {
	d, err := os.MkdirTemp("", "buttonflow-example")
	if err != nil {
		panic(err)
	}
	t.dirs = append(t.dirs, d)
	return d
}

func (t *exampleT) finish() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	for _, d := range t.dirs {
		_ = os.RemoveAll(d)
	}
}

// A user presses a bot's callback button; the bot answers with a toast that
// may be cached for a minute, so the second press never reaches the bot.
func ExampleClient_Press() {
	t := &exampleT{}
	defer t.finish()
	ctx := context.Background()
	srv := buttonflowtest.New(t)
	bot := srv.NewBot(t, "vote_bot", buttonflowtest.WithUpdateHandler(func(ctx context.Context, b *buttonflowtest.Bot, u tg.UpdatesClass) error {
		up, ok := u.(*tg.Updates)
		if !ok {
			return nil
		}
		for _, one := range up.Updates {
			if q, ok := one.(*tg.UpdateBotCallbackQuery); ok {
				fmt.Printf("the bot got %q\n", q.Data)
				_, err := b.API.MessagesSetBotCallbackAnswer(ctx, &tg.MessagesSetBotCallbackAnswerRequest{
					QueryID: q.QueryID, Message: "Thanks for voting!", CacheTime: 60})
				return err
			}
		}
		return nil
	}))
	alice := srv.NewUser(t, buttonflowtest.WithUsername("alice"))

	// The bot sends Alice a keyboard.
	peer, err := bot.PeerOf(ctx, "alice")
	if err != nil {
		panic(err)
	}
	_, err = bot.API.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: peer, Message: "Vote?", RandomID: 1,
		ReplyMarkup: &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: []tg.KeyboardInlineButton{
			{Text: "Yes", Type: &tg.InlineButtonTypeCallback{Data: []byte("yes")}},
		}}}}})
	if err != nil {
		panic(err)
	}

	msg, err := alice.WaitMessage(ctx, func(m *tg.Message) bool { return m.Message == "Vote?" })
	if err != nil {
		panic(err)
	}
	for range 2 {
		res, err := alice.Press(ctx, msg, "Yes")
		if err != nil {
			panic(err)
		}
		fmt.Printf("toast %q, cached %v\n", res.Toast, res.Cached)
	}
	// Output:
	// the bot got "yes"
	// toast "Thanks for voting!", cached false
	// toast "Thanks for voting!", cached true
}

// A url button's URL opens only after a confirmation prompt, unless it is
// one of Telegram's own links.
func ExampleIsInternalURL() {
	fmt.Println(client.IsInternalURL("https://t.me/vote_bot?start=1"))
	fmt.Println(client.IsInternalURL("https://example.com/"))
	// Output:
	// true
	// false
}
