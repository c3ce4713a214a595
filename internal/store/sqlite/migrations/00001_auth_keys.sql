-- +goose Up
CREATE TABLE auth_keys (
    id          INTEGER PRIMARY KEY,          -- auth_key_id, signed 64-bit
    key         BLOB    NOT NULL CHECK (length(key) = 256),
    created_at  INTEGER NOT NULL,             -- unix nanoseconds
    expires_at  INTEGER NOT NULL DEFAULT 0,   -- unix seconds; 0 = permanent
    perm_id     INTEGER NOT NULL DEFAULT 0,   -- bound permanent key for temp keys
    user_id     INTEGER NOT NULL DEFAULT 0,
    client      TEXT    NOT NULL DEFAULT '{}' -- initConnection parameters, JSON
) STRICT;
CREATE INDEX auth_keys_perm ON auth_keys (perm_id) WHERE perm_id <> 0;
CREATE INDEX auth_keys_expires ON auth_keys (expires_at) WHERE expires_at <> 0;

-- +goose Down
DROP TABLE auth_keys;
