package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/buttonflow/buttonflow/internal/store"
)

// firstUserID is where account ids start, so they look like Telegram's and
// never collide with small test numbers.
const firstUserID = 1_000_000

type users struct{ s *Store }

const userColumns = `id, COALESCE(phone, ''), first_name, last_name, COALESCE(username, ''), about,
	bot, bot_token, bot_owner, bot_inline, bot_placeholder, bot_commands, pw_salt1, pw_salt2, pw_verifier, pw_hint, created_at`

func scanUser(sc scanner) (*store.User, error) {
	var (
		u                   store.User
		salt1, salt2, verif []byte
		hint, cmds          string
		created             int64
	)
	if err := sc.Scan(&u.ID, &u.Phone, &u.FirstName, &u.LastName, &u.Username, &u.About,
		&u.Bot, &u.BotToken, &u.BotOwner, &u.BotInline, &u.BotInlinePlaceholder, &cmds,
		&salt1, &salt2, &verif, &hint, &created); err != nil {
		return nil, err
	}
	if cmds != "[]" && cmds != "" {
		if err := json.Unmarshal([]byte(cmds), &u.BotCommands); err != nil {
			return nil, fmt.Errorf("bot commands of %d: %w", u.ID, err)
		}
	}
	if verif != nil {
		u.Password = &store.Password{Salt1: salt1, Salt2: salt2, Verifier: verif, Hint: hint}
	}
	u.CreatedAt = time.Unix(created, 0)
	return &u, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// isConstraint reports whether err is a UNIQUE or PRIMARY KEY violation.
func isConstraint(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return true
		}
	}
	return false
}

func (u users) Create(ctx context.Context, usr *store.User) error {
	var pw store.Password
	if usr.Password != nil {
		pw = *usr.Password
	}
	err := u.s.write(ctx, func(tx *sql.Tx) error {
		var next int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id) + 1, ?) FROM users`, firstUserID).Scan(&next); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, phone, first_name, last_name, username, about,
			bot, bot_token, bot_owner, bot_inline, bot_placeholder, pw_salt1, pw_salt2, pw_verifier, pw_hint, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			next, nullIfEmpty(usr.Phone), usr.FirstName, usr.LastName, nullIfEmpty(usr.Username), usr.About,
			usr.Bot, usr.BotToken, usr.BotOwner, usr.BotInline, usr.BotInlinePlaceholder,
			pw.Salt1, pw.Salt2, pw.Verifier, pw.Hint, usr.CreatedAt.Unix())
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO states (owner_id, date) VALUES (?, ?)`, next, usr.CreatedAt.Unix()); err != nil {
			return err
		}
		usr.ID = next
		return nil
	})
	if isConstraint(err) {
		return fmt.Errorf("sqlite: create user: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create user: %w", err)
	}
	return nil
}

func (u users) one(ctx context.Context, what, where string, arg any) (*store.User, error) {
	usr, err := scanUser(u.s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: user by %s: %w", what, err)
	}
	return usr, nil
}

func (u users) Get(ctx context.Context, id int64) (*store.User, error) {
	if usr, ok := u.s.users.get(id); ok {
		return usr, nil
	}
	gen := u.s.users.generation()
	usr, err := u.one(ctx, "id", `id = ?`, id)
	if err == nil {
		u.s.users.put(usr.ID, usr, gen)
	}
	return usr, err
}

func (u users) ByPhone(ctx context.Context, phone string) (*store.User, error) {
	return u.one(ctx, "phone", `phone = ?`, phone)
}

func (u users) ByUsername(ctx context.Context, username string) (*store.User, error) {
	return u.one(ctx, "username", `username = ?`, username)
}

func (u users) GetMany(ctx context.Context, ids []int64) (map[int64]*store.User, error) {
	out := make(map[int64]*store.User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var args []any
	for _, id := range ids {
		if usr, ok := u.s.users.get(id); ok {
			out[id] = usr
		} else {
			args = append(args, id)
		}
	}
	if len(args) == 0 {
		return out, nil
	}
	gen := u.s.users.generation()
	q := `SELECT ` + userColumns + ` FROM users WHERE id IN (?` + strings.Repeat(",?", len(args)-1) + `)`
	found, err := queryAll(ctx, u.s.r, scanUser, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: users: %w", err)
	}
	for _, usr := range found {
		u.s.users.put(usr.ID, usr, gen)
		out[usr.ID] = usr
	}
	return out, nil
}

func (u users) SetPassword(ctx context.Context, id int64, p *store.Password) error {
	// Dropped after the write, so no read during it caches the old row.
	defer u.s.users.invalidate(id)
	var pw store.Password
	if p != nil {
		pw = *p
	}
	res, err := u.s.w.ExecContext(ctx, `UPDATE users SET pw_salt1 = ?, pw_salt2 = ?, pw_verifier = ?, pw_hint = ? WHERE id = ?`,
		pw.Salt1, pw.Salt2, pw.Verifier, pw.Hint, id)
	return oneRow(res, err, "set password of user %d", id)
}

func (u users) SetUsername(ctx context.Context, id int64, username string) error {
	// Dropped after the write, so no read during it caches the old row.
	defer u.s.users.invalidate(id)
	err := u.s.write(ctx, func(tx *sql.Tx) error {
		if username != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM channels WHERE username = ? COLLATE NOCASE`, username).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return store.ErrConflict
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET username = ? WHERE id = ?`, nullIfEmpty(username), id)
		if isConstraint(err) {
			return store.ErrConflict
		}
		return oneRow(res, err, "set username of user %d", id)
	})
	if err != nil {
		return fmt.Errorf("sqlite: set username: %w", err)
	}
	return nil
}

func (u users) SetBotInline(ctx context.Context, id int64, on bool, placeholder string) error {
	// Dropped after the write, so no read during it caches the old row.
	defer u.s.users.invalidate(id)
	res, err := u.s.w.ExecContext(ctx, `UPDATE users SET bot_inline = ?, bot_placeholder = ? WHERE id = ? AND bot = 1`, on, placeholder, id)
	return oneRow(res, err, "set inline mode of bot %d", id)
}

func (u users) SetProfile(ctx context.Context, id int64, first, last, about string) error {
	// Dropped after the write, so no read during it caches the old row.
	defer u.s.users.invalidate(id)
	res, err := u.s.w.ExecContext(ctx, `UPDATE users SET first_name = ?, last_name = ?, about = ? WHERE id = ?`,
		first, last, about, id)
	return oneRow(res, err, "set profile of user %d", id)
}

func (u users) BotsOf(ctx context.Context, owner int64) ([]*store.User, error) {
	out, err := queryAll(ctx, u.s.r, scanUser, `SELECT `+userColumns+` FROM users WHERE bot_owner = ? AND bot = 1 ORDER BY id`, owner)
	if err != nil {
		return nil, fmt.Errorf("sqlite: bots of %d: %w", owner, err)
	}
	return out, nil
}

func (u users) SetBotOwner(ctx context.Context, id, from, to int64) error {
	// Dropped after the write, so no read during it caches the old row.
	defer u.s.users.invalidate(id)
	res, err := u.s.w.ExecContext(ctx, `UPDATE users SET bot_owner = ? WHERE id = ? AND bot = 1 AND bot_owner = ?`, to, id, from)
	return oneRow(res, err, "hand bot %d from %d to %d", id, from, to)
}

func (u users) SetBotToken(ctx context.Context, id int64, secret string) error {
	// Dropped after the write, so no read during it caches the old row.
	defer u.s.users.invalidate(id)
	res, err := u.s.w.ExecContext(ctx, `UPDATE users SET bot_token = ? WHERE id = ? AND bot = 1`, secret, id)
	return oneRow(res, err, "set token of bot %d", id)
}

func (u users) SetBotCommands(ctx context.Context, id int64, cmds []store.BotCommand) error {
	// Dropped after the write, so no read during it caches the old row.
	defer u.s.users.invalidate(id)
	if cmds == nil {
		cmds = []store.BotCommand{}
	}
	raw, err := json.Marshal(cmds)
	if err != nil {
		return fmt.Errorf("sqlite: encode commands of bot %d: %w", id, err)
	}
	res, err := u.s.w.ExecContext(ctx, `UPDATE users SET bot_commands = ? WHERE id = ? AND bot = 1`, string(raw), id)
	return oneRow(res, err, "set commands of bot %d", id)
}

func (u users) DeleteBot(ctx context.Context, id int64) error {
	// Dropped after the write, so no read during it caches the old row.
	defer u.s.users.invalidate(id)
	err := u.s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET username = NULL, bot_token = '', bot_owner = 0, bot_inline = 0,
			bot_placeholder = '', bot_commands = '[]', about = '' WHERE id = ? AND bot = 1`, id)
		if err := oneRow(res, err, "delete bot %d", id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM games WHERE bot_id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete bot: %w", err)
	}
	return nil
}

// oneRow turns the result of a one-row UPDATE or DELETE into an error,
// store.ErrNotFound when no row matched.
func oneRow(res sql.Result, err error, format string, args ...any) error {
	if err != nil {
		return fmt.Errorf("sqlite: "+format+": %w", append(args, err)...)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: "+format+": %w", append(args, err)...)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: "+format+": %w", append(args, store.ErrNotFound)...)
	}
	return nil
}
