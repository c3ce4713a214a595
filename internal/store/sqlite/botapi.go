package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/buttonflow/buttonflow/internal/store"
)

type botAPI struct{ s *Store }

// BotAPI implements store.Store.
func (s *Store) BotAPI() store.BotAPI { return botAPI{s} }

const botAPIColumns = `bot_id, pts, allowed_updates, webhook_url, webhook_secret, webhook_max_conns, webhook_error_date, webhook_error`

func scanBotAPIBot(sc scanner) (*store.BotAPIBot, error) {
	var (
		b         store.BotAPIBot
		allowed   string
		errorDate int64
	)
	if err := sc.Scan(&b.BotID, &b.Pts, &allowed, &b.Webhook.URL, &b.Webhook.SecretToken,
		&b.Webhook.MaxConnections, &errorDate, &b.Webhook.LastErrorMessage); err != nil {
		return nil, err
	}
	if allowed != "" {
		b.AllowedUpdates = strings.Split(allowed, ",")
	}
	if errorDate != 0 {
		b.Webhook.LastErrorDate = time.Unix(errorDate, 0)
	}
	return &b, nil
}

func (a botAPI) Bot(ctx context.Context, botID int64) (*store.BotAPIBot, error) {
	b, err := scanBotAPIBot(a.s.r.QueryRowContext(ctx, `SELECT `+botAPIColumns+` FROM botapi_bots WHERE bot_id = ?`, botID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: bot api state of %d: %w", botID, err)
	}
	return b, nil
}

func (a botAPI) Bots(ctx context.Context) ([]*store.BotAPIBot, error) {
	out, err := queryAll(ctx, a.s.r, scanBotAPIBot, `SELECT `+botAPIColumns+` FROM botapi_bots ORDER BY bot_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: bot api bots: %w", err)
	}
	return out, nil
}

func (a botAPI) PutBot(ctx context.Context, b *store.BotAPIBot) error {
	var errorDate int64
	if !b.Webhook.LastErrorDate.IsZero() {
		errorDate = b.Webhook.LastErrorDate.Unix()
	}
	_, err := a.s.w.ExecContext(ctx, `INSERT INTO botapi_bots (`+botAPIColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (bot_id) DO UPDATE SET pts = max(botapi_bots.pts, excluded.pts), allowed_updates = excluded.allowed_updates,
		webhook_url = excluded.webhook_url, webhook_secret = excluded.webhook_secret,
		webhook_max_conns = excluded.webhook_max_conns, webhook_error_date = excluded.webhook_error_date,
		webhook_error = excluded.webhook_error`,
		b.BotID, b.Pts, strings.Join(b.AllowedUpdates, ","), b.Webhook.URL, b.Webhook.SecretToken,
		b.Webhook.MaxConnections, errorDate, b.Webhook.LastErrorMessage)
	if err != nil {
		return fmt.Errorf("sqlite: put bot api state of %d: %w", b.BotID, err)
	}
	return nil
}

func (a botAPI) Queue(ctx context.Context, botID int64, pts int, updates []*store.BotAPIUpdate) error {
	err := a.s.write(ctx, func(tx *sql.Tx) error {
		for _, u := range updates {
			if u.CreatedAt.IsZero() {
				u.CreatedAt = time.Now()
			}
			if u.ID <= 0 {
				return fmt.Errorf("update without an id")
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO botapi_updates (id, bot_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)`,
				u.ID, botID, u.Kind, u.Payload, u.CreatedAt.Unix())
			if err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE botapi_bots SET pts = max(pts, ?) WHERE bot_id = ?`, pts, botID)
		return oneRow(res, err, "bot api pts of %d", botID)
	})
	if err != nil {
		return fmt.Errorf("sqlite: queue bot api updates of %d: %w", botID, err)
	}
	return nil
}

func scanBotAPIUpdate(sc scanner) (*store.BotAPIUpdate, error) {
	var (
		u       store.BotAPIUpdate
		created int64
	)
	if err := sc.Scan(&u.ID, &u.Kind, &u.Payload, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = time.Unix(created, 0)
	return &u, nil
}

func (a botAPI) Pending(ctx context.Context, botID, fromID int64, limit int) ([]*store.BotAPIUpdate, error) {
	out, err := queryAll(ctx, a.s.r, scanBotAPIUpdate, `SELECT id, kind, payload, created_at FROM botapi_updates
		WHERE bot_id = ? AND id >= ? ORDER BY id LIMIT ?`, botID, fromID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: bot api updates of %d: %w", botID, err)
	}
	return out, nil
}

func (a botAPI) Confirm(ctx context.Context, botID, belowID int64) error {
	if _, err := a.s.w.ExecContext(ctx, `DELETE FROM botapi_updates WHERE bot_id = ? AND id < ?`, botID, belowID); err != nil {
		return fmt.Errorf("sqlite: confirm bot api updates of %d: %w", botID, err)
	}
	return nil
}

func (a botAPI) Drop(ctx context.Context, botID int64) error {
	if _, err := a.s.w.ExecContext(ctx, `DELETE FROM botapi_updates WHERE bot_id = ?`, botID); err != nil {
		return fmt.Errorf("sqlite: drop bot api updates of %d: %w", botID, err)
	}
	return nil
}

func (a botAPI) SetWebhookError(ctx context.Context, botID int64, at time.Time, message string) error {
	res, err := a.s.w.ExecContext(ctx, `UPDATE botapi_bots SET webhook_error_date = ?, webhook_error = ? WHERE bot_id = ?`,
		at.Unix(), message, botID)
	return oneRow(res, err, "webhook error of %d", botID)
}

func (a botAPI) ReservedIDs(ctx context.Context) (int64, error) {
	var reserved int64
	err := a.s.r.QueryRowContext(ctx, `SELECT max(
		COALESCE((SELECT reserved FROM botapi_ids WHERE id = 1), 0),
		COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'botapi_updates'), 0),
		COALESCE((SELECT max(id) FROM botapi_updates), 0))`).Scan(&reserved)
	if err != nil {
		return 0, fmt.Errorf("sqlite: reserved update ids: %w", err)
	}
	return reserved, nil
}

func (a botAPI) ReserveIDs(ctx context.Context, through int64) error {
	_, err := a.s.w.ExecContext(ctx, `INSERT INTO botapi_ids (id, reserved) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET reserved = max(reserved, excluded.reserved)`, through)
	if err != nil {
		return fmt.Errorf("sqlite: reserve update ids through %d: %w", through, err)
	}
	return nil
}
