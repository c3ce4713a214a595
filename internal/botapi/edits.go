package botapi

import (
	"context"
	"errors"
	"strconv"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// target is the message an edit names: chat_id with message_id, or
// inline_message_id.
type target struct {
	peer   tg.InputPeerClass
	id     int
	inline tg.InputBotInlineMessageIDClass
}

func (r *request) target(ctx context.Context) (*target, error) {
	if r.p.has("inline_message_id") {
		s, err := r.p.str("inline_message_id")
		if err != nil {
			return nil, err
		}
		id, err := parseInlineMessageID(s)
		if err != nil {
			return nil, err
		}
		return &target{inline: id}, nil
	}
	peer, err := r.peer(ctx, "chat_id")
	if err != nil {
		return nil, err
	}
	id, err := r.p.int("message_id")
	if err != nil {
		return nil, err
	}
	if id <= 0 {
		return nil, badRequest("message identifier is not specified")
	}
	return &target{peer: peer, id: id}, nil
}

// edit applies an edit of text and/or markup.
func (r *request) edit(ctx context.Context, txt string, ents []tg.MessageEntityClass, hasText bool) (any, error) {
	t, err := r.target(ctx)
	if err != nil {
		return nil, err
	}
	mk, err := r.markup()
	if err != nil {
		return nil, err
	}
	svc := r.s.opts.Service
	if t.inline != nil {
		req := &tg.MessagesEditInlineBotMessageRequest{ID: t.inline}
		if hasText {
			req.SetMessage(txt)
			req.SetEntities(ents)
		}
		if mk != nil {
			req.SetReplyMarkup(mk)
		}
		if _, err := svc.EditInlineBotMessage(ctx, r.b.sess, req); err != nil {
			return nil, err
		}
		return true, nil
	}
	req := &tg.MessagesEditMessageRequest{Peer: t.peer, ID: t.id}
	if hasText {
		req.SetMessage(txt)
		req.SetEntities(ents)
	}
	// An edit without a markup removes the inline keyboard, in the Bot API
	// as over MTProto.
	if mk != nil {
		req.SetReplyMarkup(mk)
	}
	u, err := svc.EditMessage(ctx, r.b.sess, req)
	if err != nil {
		return nil, err
	}
	return r.sent(ctx, u)
}

func editMessageText(ctx context.Context, r *request) (any, error) {
	txt, ents, err := text(r.p, "text", "entities", "parse_mode")
	if err != nil {
		return nil, err
	}
	if txt == "" {
		return nil, badRequest("message text is empty")
	}
	return r.edit(ctx, txt, ents, true)
}

func editMessageReplyMarkup(ctx context.Context, r *request) (any, error) {
	return r.edit(ctx, "", nil, false)
}

func deleteMessage(ctx context.Context, r *request) (any, error) {
	peer, err := r.peer(ctx, "chat_id")
	if err != nil {
		return nil, err
	}
	id, err := r.p.int("message_id")
	if err != nil {
		return nil, err
	}
	svc := r.s.opts.Service
	var affected int
	if ch, ok := peer.(*tg.InputPeerChannel); ok {
		res, err := svc.DeleteChannelMessages(ctx, r.b.sess, &tg.ChannelsDeleteMessagesRequest{
			Channel: &tg.InputChannel{ChannelID: ch.ChannelID, AccessHash: ch.AccessHash}, ID: []int{id}})
		if err != nil {
			return nil, deleteError(err)
		}
		affected = res.PtsCount
	} else {
		res, err := svc.DeleteMessages(ctx, r.b.sess, &tg.MessagesDeleteMessagesRequest{Revoke: true, ID: []int{id}})
		if err != nil {
			return nil, deleteError(err)
		}
		affected = res.PtsCount
	}
	if affected == 0 {
		return nil, badRequest("message to delete not found")
	}
	return true, nil
}

func deleteError(err error) error {
	if tgerr.Is(err, "MESSAGE_ID_INVALID") {
		return badRequest("message to delete not found")
	}
	return err
}

func answerCallbackQuery(ctx context.Context, r *request) (any, error) {
	raw, err := r.p.str("callback_query_id")
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, fromRPC(tgerr.New(400, "QUERY_ID_INVALID"))
	}
	req := &tg.MessagesSetBotCallbackAnswerRequest{QueryID: id}
	if req.Alert, err = r.p.bool("show_alert"); err != nil {
		return nil, err
	}
	if msg, err := r.p.str("text"); err != nil {
		return nil, err
	} else if msg != "" {
		req.SetMessage(msg)
	}
	if u, err := r.p.str("url"); err != nil {
		return nil, err
	} else if u != "" {
		req.SetURL(u)
	}
	if req.CacheTime, err = r.p.int("cache_time"); err != nil {
		return nil, err
	}
	if _, err := r.s.opts.Service.SetBotCallbackAnswer(ctx, r.b.sess, req); err != nil {
		if tgerr.Is(err, "MESSAGE_TOO_LONG") {
			return nil, badRequest("MESSAGE_TOO_LONG")
		}
		return nil, err
	}
	return true, nil
}

// scoreTarget reads user_id and the game message of a score method.
func (r *request) scoreTarget(ctx context.Context) (tg.InputUserClass, *target, error) {
	user, err := r.p.int64("user_id")
	if err != nil {
		return nil, nil, err
	}
	t, err := r.target(ctx)
	if err != nil {
		return nil, nil, err
	}
	return r.s.opts.Service.InputUser(r.b.id, user), t, nil
}

func setGameScore(ctx context.Context, r *request) (any, error) {
	in, t, err := r.scoreTarget(ctx)
	if err != nil {
		return nil, err
	}
	score, err := r.p.int("score")
	if err != nil {
		return nil, err
	}
	force, err := r.p.bool("force")
	if err != nil {
		return nil, err
	}
	noEdit, err := r.p.bool("disable_edit_message")
	if err != nil {
		return nil, err
	}
	svc := r.s.opts.Service
	if t.inline != nil {
		_, err := svc.SetInlineGameScore(ctx, r.b.sess, &tg.MessagesSetInlineGameScoreRequest{
			ID: t.inline, UserID: in, Score: score, Force: force, EditMessage: !noEdit})
		if err != nil {
			return nil, err
		}
		return true, nil
	}
	_, err = svc.SetGameScore(ctx, r.b.sess, &tg.MessagesSetGameScoreRequest{
		Peer: t.peer, ID: t.id, UserID: in, Score: score, Force: force, EditMessage: !noEdit})
	if err != nil {
		if tgerr.Is(err, "BOT_SCORE_NOT_MODIFIED") {
			return nil, badRequest("BOT_SCORE_NOT_MODIFIED")
		}
		return nil, err
	}
	peer := peerOfInput(t.peer, r.b.id)
	if msg := r.b.loadMessage(ctx, peer, t.id); msg != nil {
		return msg, nil
	}
	return true, nil
}

// peerOfInput is the peer an InputPeer names.
func peerOfInput(in tg.InputPeerClass, self int64) tg.PeerClass {
	switch p := in.(type) {
	case *tg.InputPeerUser:
		return &tg.PeerUser{UserID: p.UserID}
	case *tg.InputPeerSelf:
		return &tg.PeerUser{UserID: self}
	case *tg.InputPeerChat:
		return &tg.PeerChat{ChatID: p.ChatID}
	case *tg.InputPeerChannel:
		return &tg.PeerChannel{ChannelID: p.ChannelID}
	}
	return nil
}

func getGameHighScores(ctx context.Context, r *request) (any, error) {
	in, t, err := r.scoreTarget(ctx)
	if err != nil {
		return nil, err
	}
	svc := r.s.opts.Service
	var res *tg.MessagesHighScores
	if t.inline != nil {
		res, err = svc.GetInlineGameHighScores(ctx, r.b.sess, &tg.MessagesGetInlineGameHighScoresRequest{ID: t.inline, UserID: in})
	} else {
		res, err = svc.GetGameHighScores(ctx, r.b.sess, &tg.MessagesGetGameHighScoresRequest{Peer: t.peer, ID: t.id, UserID: in})
	}
	if err != nil {
		return nil, err
	}
	ents := newEntities()
	ents.add(res.Users, nil)
	out := make([]GameHighScore, 0, len(res.Scores))
	for _, s := range res.Scores {
		out = append(out, GameHighScore{Position: s.Pos, User: ents.user(s.UserID), Score: s.Score})
	}
	return out, nil
}

// inlineResult is the part of an InlineQueryResult buttonflow serves:
// articles with an input_message_content of text.
type inlineResult struct {
	Type                string          `json:"type"`
	ID                  string          `json:"id"`
	Title               string          `json:"title"`
	Description         string          `json:"description"`
	URL                 string          `json:"url"`
	GameShortName       string          `json:"game_short_name"`
	ReplyMarkup         *InlineKeyboard `json:"reply_markup"`
	InputMessageContent *struct {
		MessageText string          `json:"message_text"`
		ParseMode   string          `json:"parse_mode"`
		Entities    []MessageEntity `json:"entities"`
	} `json:"input_message_content"`
}

func answerInlineQuery(ctx context.Context, r *request) (any, error) {
	raw, err := r.p.str("inline_query_id")
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, fromRPC(tgerr.New(400, "QUERY_ID_INVALID"))
	}
	var results []inlineResult
	if _, err := r.p.object("results", &results); err != nil {
		return nil, err
	}
	req := &tg.MessagesSetInlineBotResultsRequest{QueryID: id, Results: make([]tg.InputBotInlineResultClass, 0, len(results))}
	if req.CacheTime, err = r.p.int("cache_time"); err != nil {
		return nil, err
	}
	if req.Private, err = r.p.bool("is_personal"); err != nil {
		return nil, err
	}
	if next, _ := r.p.str("next_offset"); next != "" {
		req.SetNextOffset(next)
	}
	for _, res := range results {
		in, err := inlineResultOf(res)
		if err != nil {
			return nil, err
		}
		req.Results = append(req.Results, in)
	}
	if _, err := r.s.opts.Service.SetInlineBotResults(ctx, r.b.sess, req); err != nil {
		var rpc *tgerr.Error
		if errors.As(err, &rpc) && rpc.Type == "QUERY_ID_INVALID" {
			return nil, fromRPC(err)
		}
		return nil, err
	}
	return true, nil
}

func inlineResultOf(res inlineResult) (tg.InputBotInlineResultClass, error) {
	if res.Type != "article" {
		return nil, badRequest("RESULT_TYPE_INVALID: only article results with text are served")
	}
	c := res.InputMessageContent
	if c == nil || c.MessageText == "" {
		return nil, badRequest("MESSAGE_EMPTY")
	}
	p := &params{values: nil, strs: map[string]string{"message_text": c.MessageText, "parse_mode": c.ParseMode}}
	txt, ents, err := text(p, "message_text", "entities", "parse_mode")
	if err != nil {
		return nil, err
	}
	if len(c.Entities) > 0 {
		if ents, err = entitiesIn(c.Entities); err != nil {
			return nil, err
		}
	}
	msg := &tg.InputBotInlineMessageText{Message: txt}
	if len(ents) > 0 {
		msg.SetEntities(ents)
	}
	if res.ReplyMarkup != nil {
		mk, err := inlineMarkupOf(res.ReplyMarkup.InlineKeyboard)
		if err != nil {
			return nil, err
		}
		msg.SetReplyMarkup(mk)
	}
	out := &tg.InputBotInlineResult{ID: res.ID, Type: res.Type, SendMessage: msg}
	if res.Title != "" {
		out.SetTitle(res.Title)
	}
	if res.Description != "" {
		out.SetDescription(res.Description)
	}
	if res.URL != "" {
		out.SetURL(res.URL)
	}
	return out, nil
}
