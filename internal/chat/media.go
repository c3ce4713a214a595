package chat

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/store"
)

// Errors of media.
var (
	ErrPollAnswersInvalid       = tgerr400("POLL_ANSWERS_INVALID")
	ErrPollQuestionInvalid      = tgerr400("POLL_QUESTION_INVALID")
	ErrPollOptionInvalid        = tgerr400("POLL_OPTION_INVALID")
	ErrQuizCorrectAnswersEmpty  = tgerr400("QUIZ_CORRECT_ANSWERS_EMPTY")
	ErrQuizCorrectAnswerInvalid = tgerr400("QUIZ_CORRECT_ANSWER_INVALID")
	ErrQuizMultipleInvalid      = tgerr400("QUIZ_MULTIPLE_INVALID")
	ErrGeoPointInvalid          = tgerr400("GEO_POINT_INVALID")
	ErrContactNameEmpty         = tgerr400("CONTACT_NAME_EMPTY")
	ErrGameBotInvalid           = tgerr400("GAME_BOT_INVALID")
	ErrBotGameRequired          = tgerr400("USER_BOT_REQUIRED")
)

// SendMedia answers messages.sendMedia for the media the button flow sends:
// a contact (request-phone buttons), a geo point (request-location), a poll
// (request-poll) and a game (bots only). Anything else is MEDIA_INVALID.
func (s *Service) SendMedia(ctx context.Context, sess Session, req *tg.MessagesSendMediaRequest) (tg.UpdatesClass, error) {
	to, err := s.resolveTarget(ctx, sess.UserID, req.Peer)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(req.Message) > maxMessageLength {
		return nil, ErrMessageTooLong
	}
	from, err := s.st.Users().Get(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("send media: %w", err)
	}
	media, err := s.inputMedia(ctx, from, req.Media)
	if err != nil {
		return nil, err
	}
	ents, mentions, err := s.normalizeEntities(ctx, sess.UserID, req.Message, req.Entities)
	if err != nil {
		return nil, err
	}
	o := &outgoing{from: from, to: to, randomID: req.RandomID, text: req.Message, entities: ents,
		mentions: mentions, media: media, silent: req.Silent}
	if r, ok := req.GetReplyTo(); ok {
		if r, ok := r.(*tg.InputReplyToMessage); ok {
			o.replyToID = r.ReplyToMsgID
		}
	}
	game, isGame := media.(*tg.MessageMediaGame)
	m, hasMarkup := req.GetReplyMarkup()
	if isGame && !hasMarkup {
		// A game comes with its play button when the bot gives none.
		m, hasMarkup = &tg.ReplyInlineMarkup{Rows: []tg.KeyboardInlineButtonRow{{Buttons: []tg.KeyboardInlineButton{
			{Text: "Play " + game.Game.Title, Type: &tg.InlineButtonTypeGame{}}}}}}, true
	}
	if hasMarkup && from.Bot {
		if o.markup, err = s.validateMarkup(ctx, from, m, markupContext{kind: chatKind(to), game: isGame}); err != nil {
			return nil, err
		}
	}
	return s.send(ctx, sess, o)
}

// inputMedia checks an InputMedia and returns the MessageMedia it becomes.
func (s *Service) inputMedia(ctx context.Context, from *store.User, in tg.InputMediaClass) (tg.MessageMediaClass, error) {
	switch m := in.(type) {
	case *tg.InputMediaContact:
		if strings.TrimSpace(m.FirstName) == "" {
			return nil, ErrContactNameEmpty
		}
		phone, err := normalizePhone(m.PhoneNumber)
		if err != nil {
			return nil, err
		}
		out := &tg.MessageMediaContact{PhoneNumber: phone, FirstName: m.FirstName, LastName: m.LastName, Vcard: m.Vcard}
		if u, err := s.st.Users().ByPhone(ctx, phone); err == nil {
			out.UserID = u.ID
		}
		return out, nil
	case *tg.InputMediaGeoPoint:
		p, ok := m.GeoPoint.(*tg.InputGeoPoint)
		if !ok || math.IsNaN(p.Lat) || math.IsNaN(p.Long) || p.Lat < -90 || p.Lat > 90 || p.Long < -180 || p.Long > 180 {
			return nil, ErrGeoPointInvalid
		}
		hash, err := s.randomInt63()
		if err != nil {
			return nil, err
		}
		g := &tg.GeoPoint{Lat: p.Lat, Long: p.Long, AccessHash: hash}
		if r, ok := p.GetAccuracyRadius(); ok {
			g.SetAccuracyRadius(r)
		}
		return &tg.MessageMediaGeo{Geo: g}, nil
	case *tg.InputMediaPoll:
		return s.poll(m)
	case *tg.InputMediaGame:
		if !from.Bot {
			return nil, ErrBotGameRequired
		}
		return s.gameMedia(ctx, from, m.ID)
	}
	return nil, ErrMediaInvalid
}

// poll checks a new poll (2 to 12 answers with distinct options, a question,
// a quiz with exactly one correct answer) and gives it an id.
func (s *Service) poll(m *tg.InputMediaPoll) (tg.MessageMediaClass, error) {
	p := m.Poll
	q := strings.TrimSpace(p.Question.Text)
	if q == "" || utf8.RuneCountInString(q) > 255 {
		return nil, ErrPollQuestionInvalid
	}
	if len(p.Answers) < 2 || len(p.Answers) > 12 {
		return nil, ErrPollAnswersInvalid
	}
	answers := make([]tg.PollAnswerClass, 0, len(p.Answers))
	seen := map[string]bool{}
	for i, a := range p.Answers {
		var text tg.TextWithEntities
		switch a := a.(type) {
		case *tg.PollAnswer:
			text = a.Text
		case *tg.InputPollAnswer:
			text = a.Text
		default:
			return nil, ErrPollAnswersInvalid
		}
		if strings.TrimSpace(text.Text) == "" || utf8.RuneCountInString(text.Text) > 100 {
			return nil, ErrPollAnswersInvalid
		}
		opt := []byte{byte('0' + i)}
		if a, ok := a.(*tg.PollAnswer); ok && len(a.Option) > 0 {
			opt = a.Option
		}
		if len(opt) > 100 || seen[string(opt)] {
			return nil, ErrPollOptionInvalid
		}
		seen[string(opt)] = true
		answers = append(answers, &tg.PollAnswer{Text: text, Option: opt})
	}
	if p.Quiz {
		if p.MultipleChoice {
			return nil, ErrQuizMultipleInvalid
		}
		if len(m.CorrectAnswers) == 0 {
			return nil, ErrQuizCorrectAnswersEmpty
		}
		for _, c := range m.CorrectAnswers {
			if c < 0 || c >= len(answers) || len(m.CorrectAnswers) > 1 {
				return nil, ErrQuizCorrectAnswerInvalid
			}
		}
	}
	id, err := s.randomInt63()
	if err != nil {
		return nil, err
	}
	poll := p
	poll.ID, poll.Answers, poll.Question.Text = id, answers, q
	if poll.Question.Entities == nil {
		poll.Question.Entities = []tg.MessageEntityClass{}
	}
	poll.Flags = 0
	return &tg.MessageMediaPoll{Poll: poll, Results: tg.PollResults{}}, nil
}

// gameMedia finds the game a bot sends: its own, by short name or id.
func (s *Service) gameMedia(ctx context.Context, bot *store.User, in tg.InputGameClass) (tg.MessageMediaClass, error) {
	var (
		g   *store.Game
		err error
	)
	switch in := in.(type) {
	case *tg.InputGameShortName:
		owner, rerr := s.resolveUser(ctx, bot.ID, in.BotID)
		if rerr != nil || owner.ID != bot.ID {
			return nil, ErrGameBotInvalid
		}
		g, err = s.st.Games().ByShortName(ctx, bot.ID, in.ShortName)
	case *tg.InputGameID:
		if in.AccessHash != s.accessHash(kindGame, bot.ID, in.ID) {
			return nil, ErrMediaInvalid
		}
		g, err = s.st.Games().Get(ctx, in.ID)
		if err == nil && g.BotID != bot.ID {
			return nil, ErrGameBotInvalid
		}
	default:
		return nil, ErrMediaInvalid
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrMediaInvalid
	} else if err != nil {
		return nil, fmt.Errorf("game: %w", err)
	}
	return &tg.MessageMediaGame{Game: tg.Game{
		ID: g.ID, AccessHash: s.accessHash(kindGame, bot.ID, g.ID), ShortName: g.ShortName,
		Title: g.Title, Description: g.Description, Photo: &tg.PhotoEmpty{},
	}}, nil
}
