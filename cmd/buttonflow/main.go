// Command buttonflow is a self-hosted, Telegram-compatible server for the bot
// button flow.
//
//	buttonflow serve [--data DIR] [--listen HOST:PORT] [--http HOST:PORT]
//	buttonflow key   [--data DIR]
//	buttonflow bot create [--data DIR] --username NAME [--name TITLE] [--owner USER] [--inline [--placeholder P]]
//	buttonflow bot game add [--data DIR] --username BOT --short-name NAME --title T --url URL
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/buttonflow/buttonflow/internal/app"
	"github.com/buttonflow/buttonflow/internal/chat"
	"github.com/buttonflow/buttonflow/internal/datadir"
	"github.com/buttonflow/buttonflow/internal/serverkey"
	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

const usage = `buttonflow: a Telegram-compatible server for the bot button flow

Usage:
  buttonflow serve [--data DIR] [--listen HOST:PORT] [--http HOST:PORT] [--advertise HOST:PORT] [--login-code CODE] [--callback-timeout D] [--gc-percent N|off] [--memory-limit SIZE]
  buttonflow key   [--data DIR]
  buttonflow bot create [--data DIR] --username NAME [--name TITLE] [--owner USER] [--inline [--placeholder P]]
  buttonflow bot game add [--data DIR] --username BOT --short-name NAME --title T --url URL

Run "buttonflow COMMAND -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(args[1:], stderr)
	case "key":
		err = key(args[1:], stdout, stderr)
	case "bot":
		err = bot(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "buttonflow: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "buttonflow %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func serve(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", datadir.Default, "data folder (created on first start)")
	listen := fs.String("listen", "127.0.0.1:4430", "MTProto TCP address (every transport)")
	httpAddr := fs.String("http", "127.0.0.1:8080", "HTTP address (MTProto over WebSocket at /apiws)")
	advertise := fs.String("advertise", "", "address given to clients in help.getConfig (default: the --listen address)")
	dc := fs.Int("dc", 2, "data center id the server reports")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	loginCode := fs.String("login-code", "", "a login code valid for every phone (development and tests)")
	callbackTimeout := fs.Duration("callback-timeout", 15*time.Second, "how long a callback query waits for the bot before BOT_RESPONSE_TIMEOUT")
	pushDelay := fs.Duration("push-delay", time.Millisecond, "how long an update may wait for the ones after it, to share a frame, when its session got one less than this long ago and the client has sent nothing since (a bot falling behind); 0 sends every update at once")
	gcPercent := gcPercentFlag(app.DefaultGCPercent)
	fs.Var(&gcPercent, "gc-percent", "garbage collector target, as GOGC: how far the heap grows, in percent of the live heap, before a collection, or off (with --memory-limit); the GOGC environment variable wins unless this flag is given")
	var memoryLimit memoryLimitFlag
	fs.Var(&memoryLimit, "memory-limit", "soft memory limit, as GOMEMLIMIT (512MiB, 2GiB): the collector runs whenever the heap would pass it (default: GOMEMLIMIT, else none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *pushDelay < 0 {
		return fmt.Errorf("--push-delay %v: must not be negative", *pushDelay)
	}
	if err := checkGCOff(gcPercent, memoryLimit, os.Getenv("GOMEMLIMIT")); err != nil {
		return err
	}
	if memoryLimit > 0 {
		debug.SetMemoryLimit(int64(memoryLimit))
	}
	if percent, ok := gcTarget(fs, int(gcPercent), os.Getenv("GOGC")); ok {
		debug.SetGCPercent(percent)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.Start(ctx, app.Config{
		DataDir: *data, Listen: *listen, HTTP: *httpAddr, Advertise: *advertise, DC: *dc, LoginCode: *loginCode, CallbackTimeout: *callbackTimeout, PushDelay: app.PushDelayFlag(*pushDelay), Logger: log,
	})
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return a.Close()
	case <-a.Done():
		return a.Err()
	}
}

// gcTarget is the collector target serve sets from its parsed flags (fs,
// with --gc-percent's value percent, -1 for off) and the GOGC environment
// variable gogc; false leaves the runtime's own, which GOGC set.
func gcTarget(fs *flag.FlagSet, percent int, gogc string) (int, bool) {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "gc-percent" })
	if !given && gogc != "" {
		return 0, false
	}
	return percent, true
}

func key(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", datadir.Default, "data folder")
	if err := fs.Parse(args); err != nil {
		return err
	}
	k, err := serverkey.Load(*data)
	if err != nil {
		return fmt.Errorf("no server key in %s (run buttonflow serve once to create it): %w", *data, err)
	}
	fp := serverkey.Fingerprint(&k.PublicKey)
	fmt.Fprintf(stdout, "%s", serverkey.PublicPEM(&k.PublicKey))
	fmt.Fprintf(stdout, "fingerprint: %016x (%d)\n", uint64(fp), fp)
	return nil
}

const botUsage = `usage:
  buttonflow bot create [--data DIR] --username NAME [--name TITLE] [--owner USER] [--inline [--placeholder P]]
  buttonflow bot game add [--data DIR] --username BOT --short-name NAME --title T --url URL [--description D]`

func bot(args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) >= 2 && args[0] == "game" && args[1] == "add":
		return gameAdd(args[2:], stdout, stderr)
	case len(args) == 0 || args[0] != "create":
		return errors.New(botUsage)
	}
	fs := flag.NewFlagSet("bot create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", datadir.Default, "data folder (the server may be running on it)")
	username := fs.String("username", "", "the bot's username, ending in \"bot\"")
	name := fs.String("name", "", "the bot's display name (default: the username)")
	inline := fs.Bool("inline", false, "turn inline mode on (messages.getInlineBotResults, messages \"via\" the bot)")
	placeholder := fs.String("placeholder", "Search...", "the input placeholder of inline mode (with --inline)")
	ownerName := fs.String("owner", "", "the @username of the user who owns the bot, as if made with @BotFather (default: none)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *username == "" || fs.NArg() > 0 {
		return fmt.Errorf("--username is required (and nothing else may follow the flags)")
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	var owner int64
	if *ownerName != "" {
		o, err := st.Users().ByUsername(ctx, strings.TrimPrefix(*ownerName, "@"))
		if err != nil || o.Bot {
			return fmt.Errorf("--owner %s: no such user", *ownerName)
		}
		owner = o.ID
	}
	u, token, err := chat.CreateBot(ctx, st.Users(), rand.Reader, time.Now(), *username, *name, owner)
	if err != nil {
		return err
	}
	if *inline {
		if err := st.Users().SetBotInline(ctx, u.ID, true, *placeholder); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "created bot @%s (id %d)\n", u.Username, u.ID)
	// The token is the last line: scripts take it with tail -n1.
	fmt.Fprintln(stdout, token)
	return nil
}

func gameAdd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bot game add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", datadir.Default, "data folder (the server may be running on it)")
	username := fs.String("username", "", "the bot's username")
	short := fs.String("short-name", "", "the game's short name (what inputGameShortName and game buttons use)")
	title := fs.String("title", "", "the game's title")
	url := fs.String("url", "", "the game's URL: the one URL the bot may answer its game button with")
	desc := fs.String("description", "", "the game's description")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *username == "" || *short == "" || *title == "" || *url == "" || fs.NArg() > 0 {
		return errors.New("--username, --short-name, --title and --url are required")
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	g, err := chat.AddGame(ctx, st, *username, *short, *title, *desc, *url)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added game %q (id %d) to @%s\n", g.ShortName, g.ID, *username)
	return nil
}
