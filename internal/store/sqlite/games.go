package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/buttonflow/buttonflow/internal/store"
)

type games struct{ s *Store }

// Games implements store.Store.
func (s *Store) Games() store.Games { return games{s} }

const gameColumns = `id, bot_id, short_name, title, description, url`

func scanGame(sc scanner) (*store.Game, error) {
	var g store.Game
	if err := sc.Scan(&g.ID, &g.BotID, &g.ShortName, &g.Title, &g.Description, &g.URL); err != nil {
		return nil, err
	}
	return &g, nil
}

func (g games) Add(ctx context.Context, gm *store.Game) error {
	res, err := g.s.w.ExecContext(ctx, `INSERT INTO games (bot_id, short_name, title, description, url) VALUES (?, ?, ?, ?, ?)`,
		gm.BotID, gm.ShortName, gm.Title, gm.Description, gm.URL)
	if isConstraint(err) {
		return fmt.Errorf("sqlite: add game %q: %w", gm.ShortName, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("sqlite: add game %q: %w", gm.ShortName, err)
	}
	if gm.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("sqlite: add game %q: %w", gm.ShortName, err)
	}
	return nil
}

func (g games) one(ctx context.Context, where string, args ...any) (*store.Game, error) {
	gm, err := scanGame(g.s.r.QueryRowContext(ctx, `SELECT `+gameColumns+` FROM games WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: game: %w", err)
	}
	return gm, nil
}

func (g games) ByShortName(ctx context.Context, botID int64, shortName string) (*store.Game, error) {
	return g.one(ctx, `bot_id = ? AND short_name = ?`, botID, shortName)
}

func (g games) Get(ctx context.Context, id int64) (*store.Game, error) {
	return g.one(ctx, `id = ?`, id)
}

func (g games) List(ctx context.Context, botID int64) ([]*store.Game, error) {
	out, err := queryAll(ctx, g.s.r, scanGame, `SELECT `+gameColumns+` FROM games WHERE bot_id = ? ORDER BY short_name`, botID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: games of %d: %w", botID, err)
	}
	return out, nil
}

func (g games) Delete(ctx context.Context, botID int64, shortName string) error {
	res, err := g.s.w.ExecContext(ctx, `DELETE FROM games WHERE bot_id = ? AND short_name = ?`, botID, shortName)
	return oneRow(res, err, "delete game %q of %d", shortName, botID)
}
