-- +goose Up
CREATE TABLE games (
    id           INTEGER PRIMARY KEY,
    bot_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    short_name   TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    url          TEXT    NOT NULL,
    UNIQUE (bot_id, short_name)
) STRICT;

-- +goose Down
DROP TABLE games;
