-- +goose Up
-- BotFather lists an owner's bots, and keeps each bot's command list.
CREATE INDEX users_bot_owner ON users (bot_owner) WHERE bot_owner <> 0;
ALTER TABLE users ADD COLUMN bot_commands TEXT NOT NULL DEFAULT '[]'; -- JSON: [{"command", "description"}]

-- +goose Down
DROP INDEX users_bot_owner;
ALTER TABLE users DROP COLUMN bot_commands;
