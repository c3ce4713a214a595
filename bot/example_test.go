package bot_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/bot"
)

// A bot whose buttons are served by a Router: the Router is the gotd
// client's update handler and answers with the client's API.
func ExampleRouter() {
	r := bot.NewRouter(bot.Options{AnswerWithin: 2 * time.Second})
	r.CallbackExact("ok", bot.HandlerFunc(func(ctx context.Context, q *bot.Query) error {
		return q.Answer(ctx, bot.Answer{Text: "Done"})
	}))
	r.Callback("vote:", bot.HandlerFunc(func(ctx context.Context, q *bot.Query) error {
		option := strings.TrimPrefix(string(q.Data), "vote:")
		if err := q.Answer(ctx, bot.Answer{Text: "You voted for " + option}); err != nil {
			return err
		}
		return q.EditMarkup(ctx, bot.Inline(bot.Row(bot.CallbackButton("Voted "+option, "ok"))))
	}))

	client := telegram.NewClient(17349, "app hash", telegram.Options{UpdateHandler: r})
	r.Bind(client.API())
	_ = client.Run(context.Background(), func(ctx context.Context) error {
		if _, err := client.Auth().Bot(ctx, "123:token"); err != nil {
			return err
		}
		<-ctx.Done()
		return ctx.Err()
	})
}

// A handler that takes longer than AnswerWithin: the Router answers the
// query for it at the deadline, so the user is not kept waiting, and the
// handler's edit lands when its work is done.
func ExampleRouter_slowHandler() {
	r := bot.NewRouter(bot.Options{AnswerWithin: time.Second, DefaultAnswer: bot.Answer{Text: "Working on it..."}})
	r.CallbackExact("report", bot.HandlerFunc(func(ctx context.Context, q *bot.Query) error {
		report := buildReport(ctx) // takes a while
		return q.Edit(ctx, report, nil)
	}))
}

func buildReport(context.Context) string { return "report" }

// A game button answered with the game's URL.
func ExampleRouter_Game() {
	r := bot.NewRouter(bot.Options{})
	r.Game("snake", bot.HandlerFunc(func(ctx context.Context, q *bot.Query) error {
		return q.Answer(ctx, bot.Answer{URL: fmt.Sprintf("https://games.example/snake?user=%d", q.UserID)})
	}))
}

// Buttons carrying more than 64 bytes: the payload stays in the bot
// process, the button carries a short key, and the Router hands the payload
// to the handler.
func ExampleDataStore() {
	store := bot.NewDataStore(bot.DataStoreOptions{TTL: 24 * time.Hour})
	r := bot.NewRouter(bot.Options{Store: store})
	r.Callback("cart:", bot.HandlerFunc(func(ctx context.Context, q *bot.Query) error {
		items := strings.Split(strings.TrimPrefix(string(q.Data), "cart:"), ",")
		return q.Answer(ctx, bot.Answer{Text: fmt.Sprintf("%d items", len(items))})
	}))

	payload := "cart:" + strings.Repeat("a-long-product-id,", 20)
	button, err := store.Button(context.Background(), "Check out", []byte(payload))
	if err != nil {
		panic(err)
	}
	data := button.Type.(*tg.InlineButtonTypeCallback).Data
	fmt.Println(len(payload) > bot.MaxCallbackData, len(data) <= bot.MaxCallbackData, store.IsKey(data))
	// Output: true true true
}

func ExampleInline() {
	kb := bot.Inline(
		bot.Row(bot.CallbackButton("Yes", "answer:yes"), bot.CallbackButton("No", "answer:no")),
		bot.Row(bot.URLButton("Docs", "https://example.com"), bot.SwitchInlineButton("Share", "")),
	)
	for _, row := range kb.Rows {
		var texts []string
		for _, b := range row.Buttons {
			texts = append(texts, b.Text)
		}
		fmt.Println(strings.Join(texts, " | "))
	}
	// Output:
	// Yes | No
	// Docs | Share
}
