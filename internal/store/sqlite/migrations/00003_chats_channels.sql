-- +goose Up
CREATE TABLE chats (
    id       INTEGER PRIMARY KEY,
    title    TEXT    NOT NULL,
    creator  INTEGER NOT NULL,
    date     INTEGER NOT NULL,
    version  INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE chat_members (
    chat_id  INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    inviter  INTEGER NOT NULL,
    date     INTEGER NOT NULL,
    admin    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (chat_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE channels (
    id         INTEGER PRIMARY KEY,
    title      TEXT    NOT NULL,
    about      TEXT    NOT NULL DEFAULT '',
    username   TEXT    UNIQUE COLLATE NOCASE,
    megagroup  INTEGER NOT NULL DEFAULT 0,
    creator    INTEGER NOT NULL,
    date       INTEGER NOT NULL,
    pts        INTEGER NOT NULL DEFAULT 0,
    max_msg    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE channel_members (
    channel_id INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    inviter    INTEGER NOT NULL,
    date       INTEGER NOT NULL,
    admin      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX channel_members_user ON channel_members (user_id);

CREATE TABLE channel_messages (
    channel_id INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    id         INTEGER NOT NULL,
    from_id    INTEGER NOT NULL,
    random_id  INTEGER NOT NULL DEFAULT 0,
    date       INTEGER NOT NULL,
    body       BLOB    NOT NULL,                 -- TL tg.Message, newest layer
    PRIMARY KEY (channel_id, id)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX channel_messages_random ON channel_messages (channel_id, from_id, random_id) WHERE random_id <> 0;

CREATE TABLE channel_updates (
    channel_id INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    pts        INTEGER NOT NULL,
    pts_count  INTEGER NOT NULL,
    date       INTEGER NOT NULL,
    body       BLOB    NOT NULL,                 -- TL tg.Update, newest layer
    PRIMARY KEY (channel_id, pts)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE channel_updates;
DROP TABLE channel_messages;
DROP TABLE channel_members;
DROP TABLE channels;
DROP TABLE chat_members;
DROP TABLE chats;
