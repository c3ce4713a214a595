package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
)

// Errors of game high scores.
var (
	ErrBotScoreNotModified = tgerr400("BOT_SCORE_NOT_MODIFIED")
	ErrScoreInvalid        = tgerr400("SCORE_INVALID")
)

// What messages.getGameHighScores answers, as the Bot API documents it: the
// user's score with two neighbours on each side, and the top three.
const (
	highScoresTop    = 3
	highScoresAround = 2
)

// gameMessage is a game a bot sent, found for setGameScore or
// getGameHighScores, with the board its scores go on.
type gameMessage struct {
	t     *target
	rec   *store.Message
	game  *tg.Game
	board store.ScoreBoard
}

// findGameMessage checks the peer and the id of a bot's game message:
// PEER_ID_INVALID / CHANNEL_INVALID / CHANNEL_PRIVATE for the peer, then
// MESSAGE_ID_INVALID unless id is a message of that chat in the bot's box (or
// the channel's) that the bot sent with a game.
func (s *Service) findGameMessage(ctx context.Context, sess Session, peer tg.InputPeerClass, id int) (*gameMessage, error) {
	t, err := s.resolveTarget(ctx, sess.UserID, peer)
	if err != nil {
		return nil, err
	}
	var rec *store.Message
	if t.channel != nil {
		rec, err = s.st.Chats().ChannelMessage(ctx, t.channel.ID, id)
	} else {
		rec, err = s.st.Boxes().Message(ctx, sess.UserID, id)
		if err == nil && rec.Peer != t.peer() {
			err = store.ErrNotFound
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrMessageIDInvalid
	} else if err != nil {
		return nil, fmt.Errorf("game message: %w", err)
	}
	if rec.FromID != sess.UserID {
		return nil, ErrMessageIDInvalid
	}
	dec, err := decodeMessage(rec.Body)
	if err != nil {
		return nil, err
	}
	msg, ok := dec.(*tg.Message)
	if !ok {
		return nil, ErrMessageIDInvalid
	}
	media, ok := msg.Media.(*tg.MessageMediaGame)
	if !ok {
		return nil, ErrMessageIDInvalid
	}
	// The chat as findPressed names it for a message the bot sent itself, so
	// the board's chat_instance is the one the game button's callback
	// queries carry.
	board := store.ScoreBoard{BotID: sess.UserID, ShortName: media.Game.ShortName, ChatInstance: s.chatInstance(sess.UserID, t.peer(), 0)}
	return &gameMessage{t: t, rec: rec, game: &media.Game, board: board}, nil
}

// player resolves the user_id of a score: a user (not a bot) the bot knows.
func (s *Service) player(ctx context.Context, botID int64, in tg.InputUserClass) (*store.User, error) {
	u, err := s.resolveUser(ctx, botID, in)
	if err != nil {
		return nil, err
	}
	if u.Bot || u.ID == botID {
		return nil, ErrUserIDInvalid
	}
	return u, nil
}

// seesGame checks that a player can see the game message: the user of a
// private chat (USER_ID_INVALID for anyone else), a member of a basic group
// or of a private channel (USER_NOT_PARTICIPANT otherwise).
func (s *Service) seesGame(ctx context.Context, gm *gameMessage, playerID int64) error {
	switch {
	case gm.t.chat != nil:
		if !isChatMember(gm.t.chat, playerID) {
			return ErrUserNotParticipant
		}
	case gm.t.channel != nil:
		_, err := s.st.Chats().ChannelMember(ctx, gm.t.channel.ID, playerID)
		if errors.Is(err, store.ErrNotFound) {
			if gm.t.channel.Username == "" {
				return ErrUserNotParticipant
			}
		} else if err != nil {
			return fmt.Errorf("game player: %w", err)
		}
	case gm.t.user.ID != playerID:
		return ErrUserIDInvalid
	}
	return nil
}

// SetGameScore answers messages.setGameScore (bots only). Scores are kept
// per bot, game and chat_instance, one per user: a score not above the
// stored one is BOT_SCORE_NOT_MODIFIED unless force is set (then only an
// unchanged score is), and a forced score of 0 removes the user from the
// board, as TDLib documents. The player must see the game: the user of the
// private chat (USER_ID_INVALID otherwise), a member of the group or of a
// private channel (USER_NOT_PARTICIPANT otherwise).
//
// With edit_message the chat is told, as Telegram's clients show it: a
// service message messageActionGameScore from the player, replying to the
// game message, in every box of the chat (a game message has no scoreboard
// of its own to redraw, so the message itself is left as it is). The bot
// gets its copy as the result; without edit_message, or when the score was
// removed, the result is an empty Updates container.
func (s *Service) SetGameScore(ctx context.Context, sess Session, req *tg.MessagesSetGameScoreRequest) (tg.UpdatesClass, error) {
	gm, err := s.findGameMessage(ctx, sess, req.Peer, req.ID)
	if err != nil {
		return nil, err
	}
	player, err := s.player(ctx, sess.UserID, req.UserID)
	if err != nil {
		return nil, err
	}
	if err := s.seesGame(ctx, gm, player.ID); err != nil {
		return nil, err
	}
	if req.Score < 0 {
		return nil, ErrScoreInvalid
	}
	removed := req.Force && req.Score == 0
	if removed {
		err = s.st.Scores().Delete(ctx, gm.board, player.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrBotScoreNotModified
		}
	} else {
		var changed bool
		changed, err = s.st.Scores().Set(ctx, gm.board, player.ID, req.Score, s.now(), req.Force)
		if err == nil && !changed {
			return nil, ErrBotScoreNotModified
		}
	}
	if err != nil {
		return nil, fmt.Errorf("set game score: %w", err)
	}
	if !req.EditMessage || removed {
		return &tg.Updates{Updates: []tg.UpdateClass{}, Users: []tg.UserClass{}, Chats: []tg.ChatClass{}, Date: int(s.now().Unix())}, nil
	}
	return s.postScore(ctx, sess, gm, player, req.Score)
}

// GetGameHighScores answers messages.getGameHighScores (bots only): the top
// three scores of the game's board in that chat, and the user's own with its
// two neighbours on each side.
func (s *Service) GetGameHighScores(ctx context.Context, sess Session, req *tg.MessagesGetGameHighScoresRequest) (*tg.MessagesHighScores, error) {
	gm, err := s.findGameMessage(ctx, sess, req.Peer, req.ID)
	if err != nil {
		return nil, err
	}
	player, err := s.player(ctx, sess.UserID, req.UserID)
	if err != nil {
		return nil, err
	}
	board, err := s.st.Scores().Around(ctx, gm.board, player.ID, highScoresTop, highScoresAround)
	if err != nil {
		return nil, fmt.Errorf("game high scores: %w", err)
	}
	out := &tg.MessagesHighScores{Scores: make([]tg.HighScore, 0, len(board))}
	ids := make([]int64, 0, len(board))
	for _, h := range board {
		out.Scores = append(out.Scores, tg.HighScore{Pos: h.Pos, UserID: h.UserID, Score: h.Score})
		ids = append(ids, h.UserID)
	}
	if out.Users, err = s.usersFor(ctx, sess.UserID, ids...); err != nil {
		return nil, fmt.Errorf("game high scores: %w", err)
	}
	return out, nil
}

// SetInlineGameScore answers messages.setInlineGameScore. Inline mode sends
// text results only (inputBotInlineMessageGame is SEND_MESSAGE_TYPE_INVALID),
// so no message sent via a bot is a game, and every inline message id is
// MESSAGE_ID_INVALID, Telegram's answer for one that names no game.
func (s *Service) SetInlineGameScore(ctx context.Context, sess Session, req *tg.MessagesSetInlineGameScoreRequest) (tg.BoolClass, error) {
	return nil, ErrMessageIDInvalid
}

// GetInlineGameHighScores answers messages.getInlineGameHighScores: like
// SetInlineGameScore, MESSAGE_ID_INVALID for every inline message id.
func (s *Service) GetInlineGameHighScores(ctx context.Context, sess Session, req *tg.MessagesGetInlineGameHighScoresRequest) (*tg.MessagesHighScores, error) {
	return nil, ErrMessageIDInvalid
}

// postScore tells the chat of a game message about a new score with a
// messageActionGameScore service message from the player that replies to the
// game message (each box's own copy of it), sent the way every message is,
// and returns the bot's Updates.
func (s *Service) postScore(ctx context.Context, sess Session, gm *gameMessage, player *store.User, score int) (tg.UpdatesClass, error) {
	o := &outgoing{from: player, to: gm.t, extraUsers: []int64{sess.UserID},
		action: &tg.MessageActionGameScore{GameID: gm.game.ID, Score: score}}
	if gm.t.channel != nil {
		o.replyToID = gm.rec.ID
		return s.send(ctx, sess, o)
	}
	if gm.t.user != nil {
		// The player's side of the private chat is the bot.
		bot, err := s.st.Users().Get(ctx, sess.UserID)
		if err != nil {
			return nil, fmt.Errorf("game score message: %w", err)
		}
		o.to = &target{user: bot}
	}
	switch id, err := s.st.Boxes().CopyID(ctx, gm.rec.Ref, player.ID); {
	case err == nil:
		o.replyToID = id
	case !errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("game score message: %w", err)
	}
	return s.send(ctx, sess, o)
}
