package chat

import (
	"context"
	"errors"
	"strings"
	"unicode/utf16"

	"github.com/gotd/td/tg"
)

// ErrEntityBoundsInvalid answers an entity that does not fit its text.
var ErrEntityBoundsInvalid = tgerr400("ENTITY_BOUNDS_INVALID")

// normalizeEntities checks a message's entities against its text (offsets
// and lengths in UTF-16 code units, as Telegram counts them), turns
// inputMessageEntityMentionName into messageEntityMentionName, and returns
// the users the text mentions (by name entity or by @username), which
// selective reply keyboards are shown to.
func (s *Service) normalizeEntities(ctx context.Context, viewer int64, text string, in []tg.MessageEntityClass) ([]tg.MessageEntityClass, []int64, error) {
	units := utf16.Encode([]rune(text))
	out := make([]tg.MessageEntityClass, 0, len(in))
	var mentioned []int64
	for _, e := range in {
		off, n := e.GetOffset(), e.GetLength()
		if off < 0 || n <= 0 || off+n > len(units) {
			return nil, nil, ErrEntityBoundsInvalid
		}
		switch e := e.(type) {
		case *tg.InputMessageEntityMentionName:
			u, err := s.resolveUser(ctx, viewer, e.UserID)
			if errors.Is(err, ErrUserIDInvalid) {
				return nil, nil, ErrUserIDInvalid
			} else if err != nil {
				return nil, nil, err
			}
			mentioned = append(mentioned, u.ID)
			out = append(out, &tg.MessageEntityMentionName{Offset: off, Length: n, UserID: u.ID})
			continue
		case *tg.MessageEntityMentionName:
			mentioned = append(mentioned, e.UserID)
		case *tg.MessageEntityMention:
			name := strings.TrimPrefix(string(utf16.Decode(units[off:off+n])), "@")
			if u, err := s.st.Users().ByUsername(ctx, name); err == nil {
				mentioned = append(mentioned, u.ID)
			}
		}
		out = append(out, e)
	}
	return out, mentioned, nil
}
