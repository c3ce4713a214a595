package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// maxCachedStatements bounds the statement cache: queries built with a
// variable number of placeholders (users.GetMany) make new texts.
const maxCachedStatements = 256

// cachedDB is the reader pool with each query prepared once and reused:
// parsing a statement again on every call was the largest single cost of
// a callback query (about 190 µs of ~630).
type cachedDB struct {
	db    *sql.DB
	m     sync.Map // query text -> *sql.Stmt
	count atomic.Int32
}

// stmt returns the prepared statement for q, or nil when the cache is full.
func (c *cachedDB) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if v, ok := c.m.Load(q); ok {
		return v.(*sql.Stmt), nil
	}
	if c.count.Load() >= maxCachedStatements {
		return nil, nil
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if v, loaded := c.m.LoadOrStore(q, st); loaded {
		_ = st.Close()
		return v.(*sql.Stmt), nil
	}
	c.count.Add(1)
	return st, nil
}

// QueryRowContext runs q as database/sql's does, on a prepared statement.
func (c *cachedDB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := c.stmt(ctx, q)
	if err != nil || st == nil {
		return c.db.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// QueryContext runs q as database/sql's does, on a prepared statement.
func (c *cachedDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := c.stmt(ctx, q)
	if err != nil || st == nil {
		return c.db.QueryContext(ctx, q, args...)
	}
	return st.QueryContext(ctx, args...)
}

// Close closes the statements and the pool.
func (c *cachedDB) Close() error {
	c.m.Range(func(_, v any) bool { _ = v.(*sql.Stmt).Close(); return true })
	return c.db.Close()
}
