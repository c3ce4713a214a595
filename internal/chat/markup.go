package chat

import (
	"context"
	"errors"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/buttons"
	"github.com/buttonflow/buttonflow/internal/store"
)

// ErrReplyMarkupInvalid answers a markup that cannot be used here (a reply
// keyboard in an edit, for one).
var ErrReplyMarkupInvalid = buttons.ErrReplyMarkupInvalid

// markupContext is what the domain knows of where a markup goes.
type markupContext struct {
	kind buttons.ChatKind
	game bool
}

// validateMarkup checks a bot's reply markup with Telegram's rules and
// returns it as stored (input buttons resolved).
func (s *Service) validateMarkup(ctx context.Context, bot *store.User, m tg.ReplyMarkupClass, mc markupContext) (tg.ReplyMarkupClass, error) {
	return buttons.Validate(m, buttons.Context{
		Chat: mc.kind, Bot: bot.Bot, BotInline: bot.BotInline, IsGame: mc.game,
		ResolveUser: func(in tg.InputUserClass) (int64, error) {
			u, err := s.resolveUser(ctx, bot.ID, in)
			if errors.Is(err, ErrUserIDInvalid) {
				return 0, nil
			}
			if err != nil {
				return 0, err
			}
			return u.ID, nil
		},
	})
}

// visibleTo reports whether recipient gets a reply keyboard (selective ones
// go only to mentioned users and the sender of the replied-to message).
func visibleTo(m tg.ReplyMarkupClass, recipient int64, mentioned []int64, replyToSender int64) bool {
	return buttons.VisibleTo(m, recipient, mentioned, replyToSender)
}
