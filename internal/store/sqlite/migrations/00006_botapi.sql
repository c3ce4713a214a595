-- +goose Up
CREATE TABLE botapi_bots (
    bot_id             INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    pts                INTEGER NOT NULL,
    allowed_updates    TEXT    NOT NULL DEFAULT '',
    webhook_url        TEXT    NOT NULL DEFAULT '',
    webhook_secret     TEXT    NOT NULL DEFAULT '',
    webhook_max_conns  INTEGER NOT NULL DEFAULT 40,
    webhook_error_date INTEGER NOT NULL DEFAULT 0,
    webhook_error      TEXT    NOT NULL DEFAULT ''
) STRICT;

-- AUTOINCREMENT: update_ids are never reused, even after the newest is
-- confirmed and deleted.
CREATE TABLE botapi_updates (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id     INTEGER NOT NULL REFERENCES botapi_bots (bot_id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    payload    BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX botapi_updates_bot ON botapi_updates (bot_id, id);

-- +goose Down
DROP TABLE botapi_updates;
DROP TABLE botapi_bots;
