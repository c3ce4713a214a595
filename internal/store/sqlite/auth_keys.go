package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/buttonflow/buttonflow/internal/store"
)

type authKeys struct{ s *Store }

func (a authKeys) Get(ctx context.Context, id int64) (*store.AuthKey, error) {
	var (
		k       store.AuthKey
		key     []byte
		created int64
		expires int64
		client  string
	)
	err := a.s.r.QueryRowContext(ctx,
		`SELECT key, created_at, expires_at, perm_id, user_id, bot, client FROM auth_keys WHERE id = ?`, id,
	).Scan(&key, &created, &expires, &k.PermID, &k.UserID, &k.Bot, &client)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get auth key %x: %w", uint64(id), err)
	}
	k.ID = id
	copy(k.Key[:], key)
	k.CreatedAt = time.Unix(0, created)
	if expires != 0 {
		k.ExpiresAt = time.Unix(expires, 0)
	}
	if err := json.Unmarshal([]byte(client), &k.Client); err != nil {
		return nil, fmt.Errorf("sqlite: auth key %x: client info: %w", uint64(id), err)
	}
	return &k, nil
}

func (a authKeys) Create(ctx context.Context, k *store.AuthKey) error {
	client, err := json.Marshal(k.Client)
	if err != nil {
		return fmt.Errorf("sqlite: encode client info: %w", err)
	}
	var expires int64
	if !k.ExpiresAt.IsZero() {
		expires = k.ExpiresAt.Unix()
	}
	_, err = a.s.w.ExecContext(ctx,
		`INSERT INTO auth_keys (id, key, created_at, expires_at, perm_id, user_id, bot, client) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Key[:], k.CreatedAt.UnixNano(), expires, k.PermID, k.UserID, k.Bot, string(client))
	if err != nil {
		return fmt.Errorf("sqlite: create auth key %x: %w", uint64(k.ID), err)
	}
	return nil
}

func (a authKeys) Delete(ctx context.Context, id int64) error {
	if _, err := a.s.w.ExecContext(ctx, `DELETE FROM auth_keys WHERE id = ? OR perm_id = ?`, id, id); err != nil {
		return fmt.Errorf("sqlite: delete auth key %x: %w", uint64(id), err)
	}
	return nil
}

func (a authKeys) Bind(ctx context.Context, tempID, permID int64, expiresAt time.Time) error {
	return a.update(ctx, tempID, `UPDATE auth_keys SET perm_id = ?, expires_at = ? WHERE id = ?`,
		permID, expiresAt.Unix(), tempID)
}

func (a authKeys) SetUser(ctx context.Context, id, userID int64, bot bool) error {
	return a.update(ctx, id, `UPDATE auth_keys SET user_id = ?, bot = ? WHERE id = ?`, userID, bot, id)
}

func (a authKeys) OfUser(ctx context.Context, userID int64) ([]int64, error) {
	ids, err := queryAll(ctx, a.s.r, func(sc scanner) (int64, error) {
		var id int64
		return id, sc.Scan(&id)
	}, `SELECT id FROM auth_keys WHERE user_id = ?`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: auth keys of user %d: %w", userID, err)
	}
	return ids, nil
}

func (a authKeys) SetClient(ctx context.Context, id int64, c store.ClientInfo) error {
	client, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("sqlite: encode client info: %w", err)
	}
	return a.update(ctx, id, `UPDATE auth_keys SET client = ? WHERE id = ?`, string(client), id)
}

func (a authKeys) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	res, err := a.s.w.ExecContext(ctx,
		`DELETE FROM auth_keys WHERE expires_at <> 0 AND expires_at < ?`, now.Unix())
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired auth keys: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired auth keys: %w", err)
	}
	return int(n), nil
}

// update runs a one-row UPDATE and reports store.ErrNotFound when no row matched.
func (a authKeys) update(ctx context.Context, id int64, query string, args ...any) error {
	res, err := a.s.w.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlite: update auth key %x: %w", uint64(id), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: update auth key %x: %w", uint64(id), err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: update auth key %x: %w", uint64(id), store.ErrNotFound)
	}
	return nil
}
