-- +goose Up
-- Games' high scores: one board per bot, game and chat_instance (the chat the
-- game message is in), one row per user.
CREATE TABLE game_scores (
    bot_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    short_name     TEXT    NOT NULL,
    chat_instance  INTEGER NOT NULL,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    score          INTEGER NOT NULL,
    date           INTEGER NOT NULL,  -- unix seconds; breaks ties, earlier first
    PRIMARY KEY (bot_id, short_name, chat_instance, user_id)
) STRICT;
CREATE INDEX game_scores_board ON game_scores (bot_id, short_name, chat_instance, score DESC, date, user_id);

-- Url authorization (keyboardButtonUrlAuth): the website domains a user let a
-- bot log them in to, with messages.acceptUrlAuth.
CREATE TABLE url_auths (
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    bot_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    domain         TEXT    NOT NULL,
    write_allowed  INTEGER NOT NULL DEFAULT 0,
    date           INTEGER NOT NULL,
    PRIMARY KEY (user_id, bot_id, domain)
) STRICT;

-- +goose Down
DROP TABLE url_auths;
DROP TABLE game_scores;
