package broker

import (
	"strings"
	"unicode/utf8"

	"github.com/gotd/td/tg"
)

// maxStartParameterLength is the longest start parameter of a t.me link, as
// for deep links to bots.
const maxStartParameterLength = 64

// Answer checks a bot's messages.setBotCallbackAnswer and, if it is valid,
// hands the answer to the waiting user; the RPC then returns boolTrue. The
// first valid answer wins. Errors, checked in this order:
//
//   - ErrQueryIDInvalid: the query id is unknown, is another bot's, was
//     already answered, or its wait has ended.
//   - ErrMessageTooLong: the message has more than MaxMessageLength code
//     points.
//   - ErrURLInvalid: the url is not empty and is neither a link to the bot
//     with a start parameter, [https://|http://]t.me/<bot>?start=<parameter>
//     (or telegram.me; scheme and host in any case, the username compared
//     case-insensitively, the parameter 1-64 of A-Z a-z 0-9 _ -), nor, for a
//     game query, one of Query.GameURLs, either exactly or with query
//     parameters or a fragment added after it ("?a=1" or "#x", or "&a=1"
//     when the game's URL has a query already), as bots add a user's
//     session or score token to their game's URL.
//
// A rejected answer leaves the query pending, so the bot may answer again
// correctly before the timeout. cache_time is clamped to 0..MaxCacheTime.
func (b *Broker) Answer(botID int64, req *tg.MessagesSetBotCallbackAnswerRequest) error {
	if req == nil {
		return ErrQueryIDInvalid
	}
	p := b.lookup(botID, req.QueryID)
	if p == nil {
		return ErrQueryIDInvalid
	}
	if utf8.RuneCountInString(req.Message) > MaxMessageLength {
		return ErrMessageTooLong
	}
	if !validURL(req.URL, &p.q) {
		return ErrURLInvalid
	}
	if !p.finish(answered, answerOf(req, &p.q)) {
		return ErrQueryIDInvalid
	}
	return nil
}

// lookup returns query id if it is botID's and still pending, or nil.
func (b *Broker) lookup(botID, id int64) *Pending {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.pending[id]
	if p == nil || p.q.BotID != botID {
		return nil
	}
	return p
}

// answerOf is the user's messages.botCallbackAnswer for the bot's req.
//
// native_ui is set for a game button answered with the game's URL: the
// schema says it chooses between opening a game URL in a WebView and in the
// app's native game UI, bots cannot ask for either in
// messages.setBotCallbackAnswer, and a game opened from its own button is
// what the native game UI is for. Every other answer leaves it unset.
func answerOf(req *tg.MessagesSetBotCallbackAnswerRequest, q *Query) *tg.MessagesBotCallbackAnswer {
	a := &tg.MessagesBotCallbackAnswer{
		Alert:     req.Alert,
		HasURL:    req.URL != "",
		NativeUI:  q.Game && req.URL != "",
		Message:   req.Message,
		URL:       req.URL,
		CacheTime: min(max(req.CacheTime, 0), MaxCacheTime),
	}
	a.SetFlags()
	return a
}

// validURL says whether url may be the url of an answer to q: empty, a link
// to q's bot with a start parameter, or for a game query the game's URL; see
// Broker.Answer. Only these may a client open without asking the user.
func validURL(url string, q *Query) bool {
	if url == "" {
		return true
	}
	for i := range len(url) {
		if c := url[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	if startLink(url, q.BotUsername) {
		return true
	}
	if !q.Game {
		return false
	}
	for _, g := range q.GameURLs {
		if gameURL(url, g) {
			return true
		}
	}
	return false
}

// startLink says whether url is [https://|http://]t.me/<bot>?start=<parameter>
// (or telegram.me) with a parameter of 1-64 of A-Z a-z 0-9 _ -.
func startLink(url, bot string) bool {
	if bot == "" {
		return false
	}
	rest := url
	for _, scheme := range []string{"https://", "http://"} {
		if len(rest) >= len(scheme) && strings.EqualFold(rest[:len(scheme)], scheme) {
			rest = rest[len(scheme):]
			break
		}
	}
	host, rest, ok := strings.Cut(rest, "/")
	if !ok || !strings.EqualFold(host, "t.me") && !strings.EqualFold(host, "telegram.me") {
		return false
	}
	user, param, ok := strings.Cut(rest, "?start=")
	if !ok || !strings.EqualFold(user, bot) {
		return false
	}
	if len(param) == 0 || len(param) > maxStartParameterLength {
		return false
	}
	for i := range len(param) {
		if !startParameterByte(param[i]) {
			return false
		}
	}
	return true
}

func startParameterByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

// gameURL says whether url is the game URL g, exactly or with query
// parameters or a fragment added: g followed by "?…" when g has no query,
// "&…" when it has one, or "#…" when it has no fragment.
func gameURL(url, g string) bool {
	if g == "" || !strings.HasPrefix(url, g) {
		return false
	}
	added := url[len(g):]
	if added == "" {
		return true
	}
	hasQuery, hasFragment := strings.Contains(g, "?"), strings.Contains(g, "#")
	switch added[0] {
	case '?':
		return !hasQuery && !hasFragment
	case '&':
		return hasQuery && !hasFragment
	case '#':
		return !hasFragment
	}
	return false
}
