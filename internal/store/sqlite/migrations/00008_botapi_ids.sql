-- +goose Up
-- The update_ids the Bot API has handed out reach at most "reserved": it
-- reserves them in blocks, so updates kept only in memory (callback and
-- inline queries) never reuse an id after a restart.
CREATE TABLE botapi_ids (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    reserved INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE botapi_ids;
