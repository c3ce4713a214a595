package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/buttonflow/buttonflow/internal/store"
)

type boxes struct{ s *Store }

// querier is what reads need: a pool or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func readState(ctx context.Context, q querier, owner int64) (store.State, error) {
	var (
		st   store.State
		date int64
	)
	err := q.QueryRowContext(ctx, `SELECT pts, qts, seq, date, max_msg FROM states WHERE owner_id = ?`, owner).
		Scan(&st.Pts, &st.Qts, &st.Seq, &date, &st.MaxMessageID)
	if errors.Is(err, sql.ErrNoRows) {
		return store.State{}, fmt.Errorf("sqlite: state of %d: %w", owner, store.ErrNotFound)
	}
	if err != nil {
		return store.State{}, fmt.Errorf("sqlite: state of %d: %w", owner, err)
	}
	st.Date = time.Unix(date, 0)
	return st, nil
}

const messageColumns = `owner_id, id, peer_type, peer_id, from_id, random_id, ref, date, body`

func scanMessage(sc scanner) (*store.Message, error) {
	var (
		m    store.Message
		date int64
	)
	if err := sc.Scan(&m.Owner, &m.ID, &m.Peer.Type, &m.Peer.ID, &m.FromID, &m.RandomID, &m.Ref, &date, &m.Body); err != nil {
		return nil, err
	}
	m.Date = time.Unix(date, 0)
	return &m, nil
}

func readMessage(ctx context.Context, q querier, where string, args ...any) (*store.Message, error) {
	m, err := scanMessage(q.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: message: %w", err)
	}
	return m, nil
}

func (b boxes) State(ctx context.Context, owner int64) (store.State, error) {
	return readState(ctx, b.s.r, owner)
}

func (b boxes) Message(ctx context.Context, owner int64, id int) (*store.Message, error) {
	k := messageKey{owner, id}
	if m, ok := b.s.messages.get(k); ok {
		return m, nil
	}
	gen := b.s.messages.generation()
	m, err := readMessage(ctx, b.s.r, `owner_id = ? AND id = ?`, owner, id)
	if err == nil {
		b.s.messages.put(k, m, gen)
	}
	return m, err
}

func (b boxes) History(ctx context.Context, owner int64, peer store.Peer, beforeID, limit int) ([]*store.Message, error) {
	if beforeID <= 0 {
		beforeID = 1<<31 - 1
	}
	out, err := queryAll(ctx, b.s.r, scanMessage, `SELECT `+messageColumns+` FROM messages
		WHERE owner_id = ? AND peer_type = ? AND peer_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
		owner, peer.Type, peer.ID, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: history: %w", err)
	}
	return out, nil
}

func (b boxes) Dialogs(ctx context.Context, owner int64, limit int) ([]*store.Message, error) {
	// The newest message of each peer, found through the messages_peer index.
	out, err := queryAll(ctx, b.s.r, scanMessage, `SELECT `+messageColumns+` FROM messages
		WHERE owner_id = ? AND id IN (SELECT max(id) FROM messages WHERE owner_id = ? GROUP BY peer_type, peer_id)
		ORDER BY id DESC LIMIT ?`, owner, owner, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: dialogs of %d: %w", owner, err)
	}
	return out, nil
}

func (b boxes) Updates(ctx context.Context, owner int64, fromPts, limit int) ([]store.Update, error) {
	return readUpdates(ctx, b.s.r, `SELECT pts, pts_count, date, body FROM updates
		WHERE owner_id = ? AND pts > ? ORDER BY pts LIMIT ?`, owner, fromPts, limit)
}

// write runs fn in a transaction on the single writer connection.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Write implements store.Store.
func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) error {
	t := &boxTx{ctx: ctx}
	// The messages the transaction wrote leave the caches once it ended,
	// committed or not. A deletion does not name the message's ref, so it
	// drops every cached copy id.
	defer func() {
		if len(t.touched) > 0 {
			s.messages.invalidate(t.touched...)
		}
		if len(t.copies) > 0 {
			s.copies.invalidate(t.copies...)
		}
		if t.deleted {
			s.copies.reset()
		}
	}()
	return s.write(ctx, func(tx *sql.Tx) error { t.tx = tx; return fn(t) })
}

type boxTx struct {
	ctx context.Context
	tx  *sql.Tx
	// touched are the messages written, copies their copy ids; deleted
	// says a message was deleted.
	touched []messageKey
	copies  []copyKey
	deleted bool
}

func (t *boxTx) State(owner int64) (store.State, error) { return readState(t.ctx, t.tx, owner) }

func (t *boxTx) NextMessageID(owner int64) (int, error) {
	var id int
	err := t.tx.QueryRowContext(t.ctx, `UPDATE states SET max_msg = max_msg + 1 WHERE owner_id = ? RETURNING max_msg`, owner).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: next message id of %d: %w", owner, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: next message id of %d: %w", owner, err)
	}
	return id, nil
}

func (t *boxTx) PutMessage(m *store.Message) error {
	t.touched = append(t.touched, messageKey{m.Owner, m.ID})
	t.copies = append(t.copies, copyKey{m.Ref, m.Owner})
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO messages (`+messageColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (owner_id, id) DO UPDATE SET peer_type = excluded.peer_type, peer_id = excluded.peer_id,
		from_id = excluded.from_id, random_id = excluded.random_id, ref = excluded.ref, date = excluded.date, body = excluded.body`,
		m.Owner, m.ID, m.Peer.Type, m.Peer.ID, m.FromID, m.RandomID, m.Ref, m.Date.Unix(), m.Body)
	if isConstraint(err) {
		return fmt.Errorf("sqlite: put message %d/%d: %w", m.Owner, m.ID, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("sqlite: put message %d/%d: %w", m.Owner, m.ID, err)
	}
	return nil
}

func (t *boxTx) Message(owner int64, id int) (*store.Message, error) {
	return readMessage(t.ctx, t.tx, `owner_id = ? AND id = ?`, owner, id)
}

func (t *boxTx) Copies(ref int64) ([]*store.Message, error) { return copies(t.ctx, t.tx, ref) }

func (b boxes) Copies(ctx context.Context, ref int64) ([]*store.Message, error) {
	return copies(ctx, b.s.r, ref)
}

func (b boxes) CopyID(ctx context.Context, ref, owner int64) (int, error) {
	k := copyKey{ref, owner}
	if id, ok := b.s.copies.get(k); ok {
		return *id, nil
	}
	gen := b.s.copies.generation()
	var id int
	err := b.s.r.QueryRowContext(ctx, `SELECT id FROM messages WHERE ref = ? AND owner_id = ?`, ref, owner).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, store.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: copy of message %d in box %d: %w", ref, owner, err)
	}
	b.s.copies.put(k, &id, gen)
	return id, nil
}

func copies(ctx context.Context, q querier, ref int64) ([]*store.Message, error) {
	out, err := queryAll(ctx, q, scanMessage, `SELECT `+messageColumns+` FROM messages WHERE ref = ?`, ref)
	if err != nil {
		return nil, fmt.Errorf("sqlite: copies of message %d: %w", ref, err)
	}
	return out, nil
}

func (t *boxTx) MessageByRandomID(owner, randomID int64) (*store.Message, error) {
	// "random_id <> 0" lets SQLite use the partial index messages_random.
	return readMessage(t.ctx, t.tx, `owner_id = ? AND random_id = ? AND random_id <> 0`, owner, randomID)
}

func (t *boxTx) DeleteMessage(owner int64, id int) error {
	t.touched = append(t.touched, messageKey{owner, id})
	t.deleted = true
	res, err := t.tx.ExecContext(t.ctx, `DELETE FROM messages WHERE owner_id = ? AND id = ?`, owner, id)
	return oneRow(res, err, "delete message %d/%d", owner, id)
}

func (t *boxTx) AddUpdate(owner int64, ptsCount int, date time.Time, body []byte) (int, error) {
	var pts int
	err := t.tx.QueryRowContext(t.ctx, `UPDATE states SET pts = pts + ?, date = ? WHERE owner_id = ? RETURNING pts`,
		ptsCount, date.Unix(), owner).Scan(&pts)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: update of %d: %w", owner, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: update of %d: %w", owner, err)
	}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO updates (owner_id, pts, pts_count, date, body) VALUES (?, ?, ?, ?, ?)`,
		owner, pts, ptsCount, date.Unix(), body); err != nil {
		return 0, fmt.Errorf("sqlite: update of %d: %w", owner, err)
	}
	return pts, nil
}

func (t *boxTx) NextSeq(owner int64, date time.Time) (int, error) {
	var seq int
	err := t.tx.QueryRowContext(t.ctx, `UPDATE states SET seq = seq + 1, date = ? WHERE owner_id = ? RETURNING seq`,
		date.Unix(), owner).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: seq of %d: %w", owner, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: seq of %d: %w", owner, err)
	}
	return seq, nil
}
