// Package sqlite is the embedded default Store: one SQLite database file in the
// data folder, in WAL mode with foreign keys on, migrated by versioned SQL files
// (goose) embedded in the binary.
//
// Writes go through a single connection (SQLite allows one writer at a time, and
// queueing them in database/sql is cheaper than busy retries); reads use a
// small pool of their own, which WAL lets run beside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/buttonflow/buttonflow/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file's name inside the data folder.
const FileName = "buttonflow.db"

// Store is the SQLite implementation of store.Store.
type Store struct {
	w *sql.DB   // the single writer
	r *cachedDB // readers, with their statements prepared once
	// users caches accounts by id, messages the messages of private chats
	// and basic groups by box and id.
	users    *userCache
	messages *messageCache
	// copies caches which id each account's copy of a message has.
	copies *copyCache
}

var _ store.Store = (*Store)(nil)

// Open opens (creating and migrating when needed) the database in dir.
func Open(ctx context.Context, dir string) (*Store, error) {
	path := filepath.Join(dir, FileName)
	w, err := open(path, 1, "immediate")
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, w); err != nil {
		_ = w.Close()
		return nil, err
	}
	r, err := open(path, max(2, runtime.GOMAXPROCS(0)), "deferred")
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	return &Store{w: w, r: &cachedDB{db: r}, users: newRowCache[int64, store.User](maxCachedUsers),
		messages: newRowCache[messageKey, store.Message](maxCachedMessages),
		copies:   newRowCache[copyKey, int](maxCachedCopies)}, nil
}

func open(path string, conns int, txlock string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "busy_timeout(10000)")
	// NORMAL in WAL mode loses nothing on a process crash (SIGKILL); only an
	// OS crash or power loss may roll back the last commits.
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", txlock)
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	return db, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// AuthKeys implements store.Store.
func (s *Store) AuthKeys() store.AuthKeys { return authKeys{s} }

// Users implements store.Store.
func (s *Store) Users() store.Users { return users{s} }

// Boxes implements store.Store.
func (s *Store) Boxes() store.Boxes { return boxes{s} }

// Close implements store.Store.
func (s *Store) Close() error {
	rerr := s.r.Close()
	if err := s.w.Close(); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	if rerr != nil {
		return fmt.Errorf("sqlite: close: %w", rerr)
	}
	return nil
}
