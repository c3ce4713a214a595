package buttons

import (
	"bytes"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// state is what Validate remembers while it walks one markup's buttons.
type state struct {
	c Context
	// urlAuth counts the url-auth buttons seen: the last button_id given.
	urlAuth int
	// peerIDs are the request-peer button_ids seen.
	peerIDs map[int]bool
	// game and buy say a game or buy button was seen.
	game, buy bool
}

// requestAllowed says whether request and web-view buttons may be sent: only
// to a user in a private chat.
func (s *state) requestAllowed() error {
	if s.c.Chat != ChatPrivate {
		return ErrButtonTypeInvalid
	}
	return nil
}

// replyType checks the type of a reply keyboard button and returns its stored
// form.
func (s *state) replyType(t tg.ButtonTypeClass) (tg.ButtonTypeClass, error) {
	switch t := t.(type) {
	case *tg.ButtonTypeDefault:
		return &tg.ButtonTypeDefault{}, nil
	case *tg.ButtonTypeRequestPhone:
		return &tg.ButtonTypeRequestPhone{}, s.requestAllowed()
	case *tg.ButtonTypeRequestGeoLocation:
		return &tg.ButtonTypeRequestGeoLocation{}, s.requestAllowed()
	case *tg.ButtonTypeRequestPoll:
		out := &tg.ButtonTypeRequestPoll{}
		if quiz, ok := t.GetQuiz(); ok {
			out.SetQuiz(quiz) // set but false means a regular poll only
		}
		return out, s.requestAllowed()
	case *tg.InputButtonTypeRequestPeer:
		return s.requestPeer(t.ButtonID, t.PeerType, t.MaxQuantity)
	case *tg.ButtonTypeRequestPeer:
		return s.requestPeer(t.ButtonID, t.PeerType, t.MaxQuantity)
	case *tg.ButtonTypeSimpleWebView:
		if err := s.requestAllowed(); err != nil {
			return nil, err
		}
		return &tg.ButtonTypeSimpleWebView{URL: t.URL}, checkURL(t.URL, false)
	}
	return nil, ErrButtonTypeInvalid
}

// requestPeer checks a request-peer button and returns its stored form.
func (s *state) requestPeer(id int, pt tg.RequestPeerTypeClass, max int) (tg.ButtonTypeClass, error) {
	if err := s.requestAllowed(); err != nil {
		return nil, err
	}
	if pt == nil {
		return nil, ErrButtonTypeInvalid
	}
	if max < 1 || max > MaxRequestPeers {
		return nil, ErrButtonInvalid
	}
	if s.peerIDs[id] {
		return nil, ErrButtonIDInvalid
	}
	s.peerIDs[id] = true
	return &tg.ButtonTypeRequestPeer{ButtonID: id, PeerType: pt, MaxQuantity: max}, nil
}

// inlineType checks the type of an inline keyboard button and returns its
// stored form; first says the button is the first of the first row.
func (s *state) inlineType(t tg.InlineButtonTypeClass, first bool) (tg.InlineButtonTypeClass, error) {
	switch t := t.(type) {
	case *tg.InlineButtonTypeURL:
		return &tg.InlineButtonTypeURL{URL: t.URL}, checkURL(t.URL, true)
	case *tg.InputInlineButtonTypeURLAuth:
		return s.urlAuthButton(t)
	case *tg.InlineButtonTypeWebView:
		if err := s.requestAllowed(); err != nil {
			return nil, err
		}
		return &tg.InlineButtonTypeWebView{URL: t.URL}, checkURL(t.URL, false)
	case *tg.InlineButtonTypeCallback:
		if len(t.Data) == 0 || len(t.Data) > MaxCallbackData {
			return nil, ErrButtonDataInvalid
		}
		return &tg.InlineButtonTypeCallback{RequiresPassword: t.RequiresPassword, Data: bytes.Clone(t.Data)}, nil
	case *tg.InlineButtonTypeGame:
		return &tg.InlineButtonTypeGame{}, s.firstOnly(s.c.IsGame, &s.game, first)
	case *tg.InlineButtonTypeBuy:
		return &tg.InlineButtonTypeBuy{}, s.firstOnly(s.c.IsInvoice, &s.buy, first)
	case *tg.InlineButtonTypeSwitchInline:
		return s.switchInline(t)
	case *tg.InputInlineButtonTypeUserProfile:
		id, err := s.resolve(t.UserID, ErrButtonUserInvalid)
		if err != nil {
			return nil, err
		}
		return &tg.InlineButtonTypeUserProfile{UserID: id}, nil
	case *tg.InlineButtonTypeCopy:
		if !utf8.ValidString(t.CopyText) || t.CopyText == "" || utf16Len(t.CopyText) > MaxCopyText {
			return nil, ErrButtonCopyTextInvalid
		}
		return &tg.InlineButtonTypeCopy{CopyText: t.CopyText}, nil
	case *tg.InlineButtonTypeDisabled:
		return &tg.InlineButtonTypeDisabled{}, nil
	}
	// Also the output-only inlineButtonTypeUrlAuth and
	// inlineButtonTypeUserProfile: bots send their input forms.
	return nil, ErrButtonTypeInvalid
}

// firstOnly checks a game or buy button: allowed only on a message of its
// kind (ok), as the first button of the first row, once.
func (s *state) firstOnly(ok bool, seen *bool, first bool) error {
	if !ok {
		return ErrButtonTypeInvalid
	}
	if !first {
		return ErrButtonPosInvalid
	}
	*seen = true
	return nil
}

// urlAuthButton checks an input url-auth button and numbers it.
func (s *state) urlAuthButton(t *tg.InputInlineButtonTypeURLAuth) (tg.InlineButtonTypeClass, error) {
	if err := checkURL(t.URL, false); err != nil {
		return nil, err
	}
	if t.FwdText != "" && !validText(t.FwdText, MaxText) {
		return nil, ErrButtonTextInvalid
	}
	if t.Bot != nil {
		if _, err := s.resolve(t.Bot, ErrBotInvalid); err != nil {
			return nil, err
		}
	}
	s.urlAuth++
	return &tg.InlineButtonTypeURLAuth{FwdText: t.FwdText, URL: t.URL, ButtonID: s.urlAuth}, nil
}

// switchInline checks a switch-inline button.
func (s *state) switchInline(t *tg.InlineButtonTypeSwitchInline) (tg.InlineButtonTypeClass, error) {
	if !s.c.BotInline {
		return nil, ErrBotInlineDisabled
	}
	if s.c.Chat == ChatChannel {
		return nil, ErrButtonTypeInvalid
	}
	if !utf8.ValidString(t.Query) || utf16Len(t.Query) > MaxSwitchQuery {
		return nil, ErrButtonDataInvalid
	}
	out := &tg.InlineButtonTypeSwitchInline{SamePeer: t.SamePeer, Query: t.Query}
	if len(t.PeerTypes) == 0 {
		return out, nil
	}
	if t.SamePeer {
		return nil, ErrPeerTypesInvalid
	}
	seen := map[uint32]bool{}
	for _, p := range t.PeerTypes {
		if p == nil || seen[p.TypeID()] {
			return nil, ErrPeerTypesInvalid
		}
		seen[p.TypeID()] = true
	}
	out.PeerTypes = append([]tg.InlineQueryPeerTypeClass(nil), t.PeerTypes...)
	return out, nil
}

// resolve turns an InputUser into a user id, answering unknown for an
// unknown user.
func (s *state) resolve(u tg.InputUserClass, unknown *tgerr.Error) (int64, error) {
	if _, empty := u.(*tg.InputUserEmpty); u == nil || empty || s.c.ResolveUser == nil {
		return 0, unknown
	}
	id, err := s.c.ResolveUser(u)
	if err != nil {
		return 0, err
	}
	if id <= 0 {
		return 0, unknown
	}
	return id, nil
}

// validText says whether s is valid UTF-8, not blank, and at most max UTF-16
// code units long.
func validText(s string, max int) bool {
	return utf8.ValidString(s) && strings.TrimFunc(s, unicode.IsSpace) != "" && utf16Len(s) <= max
}

// utf16Len is the length of the valid UTF-8 string s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// checkURL checks a button URL: at most MaxURL bytes of UTF-8 without spaces
// or control characters; an http or https URL with a host, or, if tgOK, a tg:
// URL with something after the scheme.
func checkURL(raw string, tgOK bool) error {
	if raw == "" || len(raw) > MaxURL || !utf8.ValidString(raw) ||
		strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return ErrButtonURLInvalid
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ErrButtonURLInvalid
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Hostname() != "" {
			return nil
		}
	case "tg":
		if tgOK && (u.Host != "" || u.Opaque != "") {
			return nil
		}
	}
	return ErrButtonURLInvalid
}
