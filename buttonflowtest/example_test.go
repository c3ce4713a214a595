package buttonflowtest_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/buttonflowtest"
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

// A test starts a server, a bot and a user; the bot sends the user a reply
// keyboard through gotd's raw API and the user presses one of its buttons,
// which sends the button's text back to the bot.
func Example() {
	t := &exampleT{} // in a test: the *testing.T
	defer t.finish()
	ctx := context.Background()

	srv := buttonflowtest.New(t)
	bot := srv.NewBot(t, "menu_bot")
	bob := srv.NewUser(t, buttonflowtest.WithName("Bob", ""), buttonflowtest.WithUsername("bob_smith"))

	peer, err := bot.PeerOf(ctx, "bob_smith")
	if err != nil {
		panic(err)
	}
	_, err = bot.API.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: peer, Message: "Pick one", RandomID: 1,
		ReplyMarkup: &tg.ReplyKeyboardMarkup{Rows: []tg.KeyboardButtonRow{{Buttons: []tg.KeyboardButton{
			{Text: "Tea", Type: &tg.ButtonTypeDefault{}},
			{Text: "Coffee", Type: &tg.ButtonTypeDefault{}},
		}}}}})
	if err != nil {
		panic(err)
	}
	msg, err := bob.WaitMessage(ctx, func(m *tg.Message) bool { return m.Message == "Pick one" })
	if err != nil {
		panic(err)
	}
	if _, err := bob.Press(ctx, msg, "Coffee"); err != nil {
		panic(err)
	}
	for u := range bot.Updates {
		up, ok := u.(*tg.Updates)
		if !ok {
			continue
		}
		if n, ok := up.Updates[0].(*tg.UpdateNewMessage); ok {
			fmt.Println("the bot got:", n.Message.(*tg.Message).Message)
			break
		}
	}
	// Output:
	// the bot got: Coffee
}
