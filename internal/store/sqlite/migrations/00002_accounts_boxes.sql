-- +goose Up
ALTER TABLE auth_keys ADD COLUMN bot INTEGER NOT NULL DEFAULT 0;
CREATE INDEX auth_keys_user ON auth_keys (user_id) WHERE user_id <> 0;

CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    phone            TEXT    UNIQUE,                 -- NULL for bots
    first_name       TEXT    NOT NULL,
    last_name        TEXT    NOT NULL DEFAULT '',
    username         TEXT    UNIQUE COLLATE NOCASE,  -- NULL when none
    about            TEXT    NOT NULL DEFAULT '',
    bot              INTEGER NOT NULL DEFAULT 0,
    bot_token        TEXT    NOT NULL DEFAULT '',
    bot_owner        INTEGER NOT NULL DEFAULT 0,
    bot_inline       INTEGER NOT NULL DEFAULT 0,
    bot_placeholder  TEXT    NOT NULL DEFAULT '',
    pw_salt1         BLOB,                           -- 2FA SRP salts and verifier; NULL = no password
    pw_salt2         BLOB,
    pw_verifier      BLOB,
    pw_hint          TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL                -- unix seconds
) STRICT;

-- One row per account: the update state and the last message id of its box.
CREATE TABLE states (
    owner_id  INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    pts       INTEGER NOT NULL DEFAULT 0,
    qts       INTEGER NOT NULL DEFAULT 0,
    seq       INTEGER NOT NULL DEFAULT 0,
    date      INTEGER NOT NULL DEFAULT 0,
    max_msg   INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE messages (
    owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id         INTEGER NOT NULL,
    peer_type  INTEGER NOT NULL,
    peer_id    INTEGER NOT NULL,
    from_id    INTEGER NOT NULL,
    random_id  INTEGER NOT NULL DEFAULT 0,
    ref        INTEGER NOT NULL,                     -- shared by every copy of one message
    date       INTEGER NOT NULL,
    body       BLOB    NOT NULL,                     -- TL tg.Message, newest layer
    PRIMARY KEY (owner_id, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX messages_peer ON messages (owner_id, peer_type, peer_id, id);
CREATE INDEX messages_ref ON messages (ref);
CREATE UNIQUE INDEX messages_random ON messages (owner_id, random_id) WHERE random_id <> 0;

CREATE TABLE updates (
    owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pts        INTEGER NOT NULL,
    pts_count  INTEGER NOT NULL,
    date       INTEGER NOT NULL,
    body       BLOB    NOT NULL,                     -- TL tg.Update, newest layer
    PRIMARY KEY (owner_id, pts)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE updates;
DROP TABLE messages;
DROP TABLE states;
DROP TABLE users;
DROP INDEX auth_keys_user;
ALTER TABLE auth_keys DROP COLUMN bot;
