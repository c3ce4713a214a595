package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/buttonflow/buttonflow/internal/store"
)

// firstChatID is where basic group and channel ids start.
const firstChatID = 1_000_000

type chats struct{ s *Store }

// Chats implements store.Store.
func (s *Store) Chats() store.Chats { return chats{s} }

func readChat(ctx context.Context, q querier, id int64) (*store.Chat, error) {
	var (
		c    store.Chat
		date int64
	)
	err := q.QueryRowContext(ctx, `SELECT id, title, creator, date, version FROM chats WHERE id = ?`, id).
		Scan(&c.ID, &c.Title, &c.Creator, &date, &c.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: chat %d: %w", id, err)
	}
	c.Date = time.Unix(date, 0)
	if c.Members, err = readMembers(ctx, q, `SELECT user_id, inviter, date, admin FROM chat_members WHERE chat_id = ? ORDER BY date, user_id`, id); err != nil {
		return nil, err
	}
	return &c, nil
}

func readMembers(ctx context.Context, q querier, query string, id int64) ([]store.Member, error) {
	out, err := queryAll(ctx, q, scanMember, query, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: members of %d: %w", id, err)
	}
	return out, nil
}

func scanMember(sc scanner) (store.Member, error) {
	var (
		m    store.Member
		date int64
	)
	err := sc.Scan(&m.UserID, &m.InviterID, &date, &m.Admin)
	m.Date = time.Unix(date, 0)
	return m, err
}

const channelColumns = `id, title, about, COALESCE(username, ''), megagroup, creator, date, pts, max_msg`

func readChannel(ctx context.Context, q querier, where string, arg any) (*store.Channel, error) {
	var (
		c    store.Channel
		date int64
	)
	err := q.QueryRowContext(ctx, `SELECT `+channelColumns+` FROM channels WHERE `+where, arg).
		Scan(&c.ID, &c.Title, &c.About, &c.Username, &c.Megagroup, &c.Creator, &date, &c.Pts, &c.MaxMessageID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: channel: %w", err)
	}
	c.Date = time.Unix(date, 0)
	return &c, nil
}

func readMember(ctx context.Context, q querier, channelID, userID int64) (*store.Member, error) {
	var (
		m    store.Member
		date int64
	)
	err := q.QueryRowContext(ctx, `SELECT user_id, inviter, date, admin FROM channel_members WHERE channel_id = ? AND user_id = ?`,
		channelID, userID).Scan(&m.UserID, &m.InviterID, &date, &m.Admin)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: member %d of channel %d: %w", userID, channelID, err)
	}
	m.Date = time.Unix(date, 0)
	return &m, nil
}

const channelMessageColumns = `channel_id, id, 3, channel_id, from_id, random_id, 0, date, body`

func (c chats) Chat(ctx context.Context, id int64) (*store.Chat, error) {
	return readChat(ctx, c.s.r, id)
}

func (c chats) Channel(ctx context.Context, id int64) (*store.Channel, error) {
	return readChannel(ctx, c.s.r, `id = ?`, id)
}

func (c chats) ChannelByUsername(ctx context.Context, username string) (*store.Channel, error) {
	return readChannel(ctx, c.s.r, `username = ?`, username)
}

func (c chats) ChannelMember(ctx context.Context, channelID, userID int64) (*store.Member, error) {
	return readMember(ctx, c.s.r, channelID, userID)
}

func (c chats) ChannelMembers(ctx context.Context, channelID int64) ([]store.Member, error) {
	return readMembers(ctx, c.s.r, `SELECT user_id, inviter, date, admin FROM channel_members WHERE channel_id = ? ORDER BY date, user_id`, channelID)
}

func (c chats) ChannelsOf(ctx context.Context, userID int64) ([]int64, error) {
	ids, err := queryAll(ctx, c.s.r, func(sc scanner) (int64, error) {
		var id int64
		return id, sc.Scan(&id)
	}, `SELECT channel_id FROM channel_members WHERE user_id = ? ORDER BY channel_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: channels of %d: %w", userID, err)
	}
	return ids, nil
}

func (c chats) ChannelMessage(ctx context.Context, channelID int64, id int) (*store.Message, error) {
	m, err := scanMessage(c.s.r.QueryRowContext(ctx, `SELECT `+channelMessageColumns+` FROM channel_messages WHERE channel_id = ? AND id = ?`, channelID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: channel message: %w", err)
	}
	return m, nil
}

func (c chats) ChannelHistory(ctx context.Context, channelID int64, beforeID, limit int) ([]*store.Message, error) {
	if beforeID <= 0 {
		beforeID = 1<<31 - 1
	}
	out, err := queryAll(ctx, c.s.r, scanMessage, `SELECT `+channelMessageColumns+` FROM channel_messages
		WHERE channel_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, channelID, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: channel history: %w", err)
	}
	return out, nil
}

func (c chats) SetChannelUsername(ctx context.Context, channelID int64, username string) error {
	res, err := c.s.w.ExecContext(ctx, `UPDATE channels SET username = ? WHERE id = ?`, nullIfEmpty(username), channelID)
	if isConstraint(err) {
		return fmt.Errorf("sqlite: channel username: %w", store.ErrConflict)
	}
	return oneRow(res, err, "set username of channel %d", channelID)
}

func (c chats) ChannelUpdates(ctx context.Context, channelID int64, fromPts, limit int) ([]store.Update, error) {
	return readUpdates(ctx, c.s.r, `SELECT pts, pts_count, date, body FROM channel_updates
		WHERE channel_id = ? AND pts > ? ORDER BY pts LIMIT ?`, channelID, fromPts, limit)
}

// readUpdates reads update log rows.
func readUpdates(ctx context.Context, q querier, query string, args ...any) ([]store.Update, error) {
	out, err := queryAll(ctx, q, func(sc scanner) (store.Update, error) {
		var (
			u    store.Update
			date int64
		)
		err := sc.Scan(&u.Pts, &u.PtsCount, &date, &u.Body)
		u.Date = time.Unix(date, 0)
		return u, err
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: updates: %w", err)
	}
	return out, nil
}

func (t *boxTx) nextID(table string) (int64, error) {
	var id int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT COALESCE(MAX(id) + 1, ?) FROM `+table, firstChatID).Scan(&id); err != nil {
		return 0, fmt.Errorf("sqlite: next %s id: %w", table, err)
	}
	return id, nil
}

func (t *boxTx) CreateChat(c *store.Chat) error {
	id, err := t.nextID("chats")
	if err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO chats (id, title, creator, date, version) VALUES (?, ?, ?, ?, 1)`,
		id, c.Title, c.Creator, c.Date.Unix()); err != nil {
		return fmt.Errorf("sqlite: create chat: %w", err)
	}
	c.ID, c.Version = id, 1
	for _, m := range c.Members {
		if err := t.insertMember("chat_members", "chat_id", id, m); err != nil {
			return err
		}
	}
	return nil
}

func (t *boxTx) insertMember(table, col string, id int64, m store.Member) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO `+table+` (`+col+`, user_id, inviter, date, admin) VALUES (?, ?, ?, ?, ?)`,
		id, m.UserID, m.InviterID, m.Date.Unix(), m.Admin)
	if isConstraint(err) {
		return fmt.Errorf("sqlite: add member %d to %d: %w", m.UserID, id, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("sqlite: add member %d to %d: %w", m.UserID, id, err)
	}
	return nil
}

func (t *boxTx) Chat(id int64) (*store.Chat, error) { return readChat(t.ctx, t.tx, id) }

func (t *boxTx) AddChatMember(chatID int64, m store.Member) error {
	if err := t.insertMember("chat_members", "chat_id", chatID, m); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(t.ctx, `UPDATE chats SET version = version + 1 WHERE id = ?`, chatID)
	return err
}

func (t *boxTx) RemoveChatMember(chatID, userID int64) error {
	res, err := t.tx.ExecContext(t.ctx, `DELETE FROM chat_members WHERE chat_id = ? AND user_id = ?`, chatID, userID)
	if err := oneRow(res, err, "remove member %d from chat %d", userID, chatID); err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx, `UPDATE chats SET version = version + 1 WHERE id = ?`, chatID)
	return err
}

func (t *boxTx) CreateChannel(c *store.Channel) error {
	id, err := t.nextID("channels")
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO channels (id, title, about, username, megagroup, creator, date) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, c.Title, c.About, nullIfEmpty(c.Username), c.Megagroup, c.Creator, c.Date.Unix())
	if isConstraint(err) {
		return fmt.Errorf("sqlite: create channel: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create channel: %w", err)
	}
	c.ID = id
	return nil
}

func (t *boxTx) Channel(id int64) (*store.Channel, error) {
	return readChannel(t.ctx, t.tx, `id = ?`, id)
}

func (t *boxTx) ChannelMember(channelID, userID int64) (*store.Member, error) {
	return readMember(t.ctx, t.tx, channelID, userID)
}

func (t *boxTx) AddChannelMember(channelID int64, m store.Member) error {
	return t.insertMember("channel_members", "channel_id", channelID, m)
}

func (t *boxTx) RemoveChannelMember(channelID, userID int64) error {
	res, err := t.tx.ExecContext(t.ctx, `DELETE FROM channel_members WHERE channel_id = ? AND user_id = ?`, channelID, userID)
	return oneRow(res, err, "remove member %d from channel %d", userID, channelID)
}

func (t *boxTx) NextChannelMessageID(channelID int64) (int, error) {
	var id int
	err := t.tx.QueryRowContext(t.ctx, `UPDATE channels SET max_msg = max_msg + 1 WHERE id = ? RETURNING max_msg`, channelID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: next message id of channel %d: %w", channelID, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: next message id of channel %d: %w", channelID, err)
	}
	return id, nil
}

func (t *boxTx) PutChannelMessage(m *store.Message) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO channel_messages (channel_id, id, from_id, random_id, date, body)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, id) DO UPDATE SET body = excluded.body`,
		m.Owner, m.ID, m.FromID, m.RandomID, m.Date.Unix(), m.Body)
	if isConstraint(err) {
		return fmt.Errorf("sqlite: put channel message %d/%d: %w", m.Owner, m.ID, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("sqlite: put channel message %d/%d: %w", m.Owner, m.ID, err)
	}
	return nil
}

func (t *boxTx) channelMessage(where string, args ...any) (*store.Message, error) {
	m, err := scanMessage(t.tx.QueryRowContext(t.ctx, `SELECT `+channelMessageColumns+` FROM channel_messages WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: channel message: %w", err)
	}
	return m, nil
}

func (t *boxTx) ChannelMessage(channelID int64, id int) (*store.Message, error) {
	return t.channelMessage(`channel_id = ? AND id = ?`, channelID, id)
}

func (t *boxTx) ChannelMessageByRandomID(channelID, fromID, randomID int64) (*store.Message, error) {
	// "random_id <> 0" lets SQLite use the partial index channel_messages_random.
	return t.channelMessage(`channel_id = ? AND from_id = ? AND random_id = ? AND random_id <> 0`, channelID, fromID, randomID)
}

func (t *boxTx) DeleteChannelMessage(channelID int64, id int) error {
	res, err := t.tx.ExecContext(t.ctx, `DELETE FROM channel_messages WHERE channel_id = ? AND id = ?`, channelID, id)
	return oneRow(res, err, "delete channel message %d/%d", channelID, id)
}

func (t *boxTx) AddChannelUpdate(channelID int64, ptsCount int, date time.Time, body []byte) (int, error) {
	var pts int
	err := t.tx.QueryRowContext(t.ctx, `UPDATE channels SET pts = pts + ? WHERE id = ? RETURNING pts`, ptsCount, channelID).Scan(&pts)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: update of channel %d: %w", channelID, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: update of channel %d: %w", channelID, err)
	}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO channel_updates (channel_id, pts, pts_count, date, body) VALUES (?, ?, ?, ?, ?)`,
		channelID, pts, ptsCount, date.Unix(), body); err != nil {
		return 0, fmt.Errorf("sqlite: update of channel %d: %w", channelID, err)
	}
	return pts, nil
}
