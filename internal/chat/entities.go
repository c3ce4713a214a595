package chat

import (
	"context"
	"errors"
	"strings"
	"unicode"
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
	in = append(in[:len(in):len(in)], detectEntities(text, in)...)
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

// detectEntities finds what Telegram's server marks up in any message text
// on its own: bot commands, @mentions, hashtags and links, outside the
// entities the sender gave. Bot frameworks route commands by these
// (grammY's bot.command looks for a bot_command entity at offset 0).
func detectEntities(text string, given []tg.MessageEntityClass) []tg.MessageEntityClass {
	var out []tg.MessageEntityClass
	taken := func(off, n int) bool {
		for _, e := range given {
			if off < e.GetOffset()+e.GetLength() && e.GetOffset() < off+n {
				return true
			}
		}
		return false
	}
	rs := []rune(text)
	unitAt := make([]int, len(rs)+1)
	for i, r := range rs {
		unitAt[i+1] = unitAt[i] + utf16.RuneLen(r)
	}
	word := func(r rune) bool {
		return r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
	}
	for i := 0; i < len(rs); i++ {
		if i > 0 && (word(rs[i-1]) || rs[i-1] == '/' || rs[i-1] == '@' || rs[i-1] == '#') {
			continue
		}
		end := i + 1
		var mk func(off, n int) tg.MessageEntityClass
		switch rs[i] {
		case '/':
			for end < len(rs) && word(rs[end]) && end-i <= 64 {
				end++
			}
			if end < len(rs) && rs[end] == '@' {
				at := end + 1
				for at < len(rs) && word(rs[at]) {
					at++
				}
				if at-end-1 >= 3 {
					end = at
				}
			}
			mk = func(off, n int) tg.MessageEntityClass { return &tg.MessageEntityBotCommand{Offset: off, Length: n} }
		case '@':
			for end < len(rs) && word(rs[end]) && end-i <= 32 {
				end++
			}
			if end-i-1 < 3 {
				continue
			}
			mk = func(off, n int) tg.MessageEntityClass { return &tg.MessageEntityMention{Offset: off, Length: n} }
		case '#':
			for end < len(rs) && (word(rs[end]) || unicode.IsLetter(rs[end])) {
				end++
			}
			mk = func(off, n int) tg.MessageEntityClass { return &tg.MessageEntityHashtag{Offset: off, Length: n} }
		case 'h':
			rest := string(rs[i:])
			if !strings.HasPrefix(rest, "http://") && !strings.HasPrefix(rest, "https://") {
				continue
			}
			for end < len(rs) && !unicode.IsSpace(rs[end]) {
				end++
			}
			for end > i && strings.ContainsRune(".,;:!?)'\"", rs[end-1]) {
				end--
			}
			if !strings.Contains(string(rs[i:end]), "://") || strings.HasSuffix(string(rs[i:end]), "://") {
				continue
			}
			mk = func(off, n int) tg.MessageEntityClass { return &tg.MessageEntityURL{Offset: off, Length: n} }
		default:
			continue
		}
		if end-i < 2 {
			continue
		}
		off, n := unitAt[i], unitAt[end]-unitAt[i]
		if !taken(off, n) {
			out = append(out, mk(off, n))
		}
		i = end - 1
	}
	return out
}
