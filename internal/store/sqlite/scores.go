package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/buttonflow/buttonflow/internal/store"
)

type scores struct{ s *Store }

// Scores implements store.Store.
func (s *Store) Scores() store.GameScores { return scores{s} }

// Set is one statement, so two racing scores for one user cannot both win
// against the same old value.
func (sc scores) Set(ctx context.Context, b store.ScoreBoard, userID int64, score int, date time.Time, force bool) (bool, error) {
	res, err := sc.s.w.ExecContext(ctx, `INSERT INTO game_scores (bot_id, short_name, chat_instance, user_id, score, date)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (bot_id, short_name, chat_instance, user_id) DO UPDATE SET score = excluded.score, date = excluded.date
		WHERE excluded.score > game_scores.score OR (? AND excluded.score <> game_scores.score)`,
		b.BotID, b.ShortName, b.ChatInstance, userID, score, date.Unix(), force)
	if err != nil {
		return false, fmt.Errorf("sqlite: set score of %d in %q: %w", userID, b.ShortName, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: set score of %d in %q: %w", userID, b.ShortName, err)
	}
	return n > 0, nil
}

func (sc scores) Delete(ctx context.Context, b store.ScoreBoard, userID int64) error {
	res, err := sc.s.w.ExecContext(ctx, `DELETE FROM game_scores
		WHERE bot_id = ? AND short_name = ? AND chat_instance = ? AND user_id = ?`,
		b.BotID, b.ShortName, b.ChatInstance, userID)
	return oneRow(res, err, "delete score of %d in %q", userID, b.ShortName)
}

func (sc scores) Around(ctx context.Context, b store.ScoreBoard, userID int64, top, around int) ([]store.HighScore, error) {
	out, err := queryAll(ctx, sc.s.r, func(row scanner) (store.HighScore, error) {
		var (
			h    store.HighScore
			date int64
		)
		err := row.Scan(&h.Pos, &h.UserID, &h.Score, &date)
		h.Date = time.Unix(date, 0)
		return h, err
	}, `WITH ranked AS (
			SELECT user_id, score, date, ROW_NUMBER() OVER (ORDER BY score DESC, date, user_id) AS pos
			FROM game_scores WHERE bot_id = ? AND short_name = ? AND chat_instance = ?
		), me AS (SELECT pos FROM ranked WHERE user_id = ?)
		SELECT pos, user_id, score, date FROM ranked
		WHERE pos <= ? OR pos BETWEEN (SELECT pos FROM me) - ? AND (SELECT pos FROM me) + ?
		ORDER BY pos`,
		b.BotID, b.ShortName, b.ChatInstance, userID, top, around, around)
	if err != nil {
		return nil, fmt.Errorf("sqlite: high scores of %q: %w", b.ShortName, err)
	}
	return out, nil
}

type urlAuths struct{ s *Store }

// URLAuths implements store.Store.
func (s *Store) URLAuths() store.URLAuths { return urlAuths{s} }

func (u urlAuths) Accept(ctx context.Context, a *store.URLAuth) error {
	_, err := u.s.w.ExecContext(ctx, `INSERT INTO url_auths (user_id, bot_id, domain, write_allowed, date) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id, bot_id, domain) DO UPDATE SET write_allowed = excluded.write_allowed, date = excluded.date`,
		a.UserID, a.BotID, a.Domain, a.WriteAllowed, a.Date.Unix())
	if err != nil {
		return fmt.Errorf("sqlite: accept url auth of %d for %s: %w", a.UserID, a.Domain, err)
	}
	return nil
}

func (u urlAuths) Get(ctx context.Context, userID, botID int64, domain string) (*store.URLAuth, error) {
	a := store.URLAuth{UserID: userID, BotID: botID, Domain: domain}
	var date int64
	err := u.s.r.QueryRowContext(ctx, `SELECT write_allowed, date FROM url_auths WHERE user_id = ? AND bot_id = ? AND domain = ?`,
		userID, botID, domain).Scan(&a.WriteAllowed, &date)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: url auth of %d for %s: %w", userID, domain, err)
	}
	a.Date = time.Unix(date, 0)
	return &a, nil
}
