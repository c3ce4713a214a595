// Command buttonflow is a self-hosted, Telegram-compatible server for the bot
// button flow.
//
//	buttonflow serve [--data DIR] [--listen HOST:PORT] [--http HOST:PORT]
//	buttonflow key   [--data DIR]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/buttonflow/buttonflow/internal/app"
	"github.com/buttonflow/buttonflow/internal/datadir"
	"github.com/buttonflow/buttonflow/internal/serverkey"
)

const usage = `buttonflow: a Telegram-compatible server for the bot button flow

Usage:
  buttonflow serve [--data DIR] [--listen HOST:PORT] [--http HOST:PORT] [--advertise HOST:PORT]
  buttonflow key   [--data DIR]

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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.Start(ctx, app.Config{
		DataDir: *data, Listen: *listen, HTTP: *httpAddr, Advertise: *advertise, DC: *dc, Logger: log,
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
