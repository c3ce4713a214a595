package chat

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gotd/td/tg"

	"github.com/buttonflow/buttonflow/internal/buttons"
	"github.com/buttonflow/buttonflow/internal/buttons/broker"
	"github.com/buttonflow/buttonflow/internal/store"
)

// Errors of url authorization.
var (
	ErrButtonIDInvalid = buttons.ErrButtonIDInvalid
	ErrURLInvalid      = broker.ErrURLInvalid
)

// urlAuthButton is a url-auth button a user pressed: the bot that logs the
// user in and the website.
type urlAuthButton struct {
	bot    *store.User
	url    *url.URL
	domain string
}

// findURLAuth finds what messages.requestUrlAuth and acceptUrlAuth name.
// With peer, msg_id and button_id: the url-auth button of a bot's message
// (PEER_ID_INVALID and the like, MESSAGE_ID_INVALID, then BUTTON_ID_INVALID).
// With url alone (peer nil; a link a user opens): URL_INVALID unless an
// http(s) URL, and nil otherwise, as no domain is linked to a bot here
// (Telegram links them with @BotFather's /setdomain), so the link opens as
// it is.
//
// In layer 229 the stored button (inlineButtonTypeUrlAuth) keeps neither the
// bot the input button named nor request_write_access: the bot that sent the
// message is the one that logs the user in, and it never asks to write.
func (s *Service) findURLAuth(ctx context.Context, sess Session, peer tg.InputPeerClass, msgID, buttonID int, rawURL string) (*urlAuthButton, error) {
	if peer == nil {
		if _, _, err := parseAuthURL(rawURL); err != nil {
			return nil, err
		}
		return nil, nil
	}
	p, err := s.findPressed(ctx, sess, peer, msgID)
	if errors.Is(err, ErrDataInvalid) {
		return nil, ErrButtonIDInvalid // not a bot's message: it has no buttons
	} else if err != nil {
		return nil, err
	}
	btn, ok := buttons.FindURLAuth(p.msg.ReplyMarkup, buttonID)
	if !ok {
		return nil, ErrButtonIDInvalid
	}
	u, domain, err := parseAuthURL(btn.URL)
	if err != nil {
		return nil, err
	}
	return &urlAuthButton{bot: p.bot, url: u, domain: domain}, nil
}

// parseAuthURL checks an http(s) URL with a host and returns it with its
// domain (the host name, lower case).
func parseAuthURL(raw string) (*url.URL, string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
		return nil, "", ErrURLInvalid
	}
	return u, strings.ToLower(u.Hostname()), nil
}

// RequestURLAuth answers messages.requestUrlAuth, a user pressing a
// keyboardButtonUrlAuth: urlAuthResultRequest (the bot and the domain, for
// the user to confirm) the first time, urlAuthResultAccepted with the
// logged-in URL once the user accepted the bot for that domain, and
// urlAuthResultDefault for a link that is not a url-auth one.
func (s *Service) RequestURLAuth(ctx context.Context, sess Session, req *tg.MessagesRequestURLAuthRequest) (tg.URLAuthResultClass, error) {
	peer, _ := req.GetPeer()
	b, err := s.findURLAuth(ctx, sess, peer, req.MsgID, req.ButtonID, req.URL)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return &tg.URLAuthResultDefault{}, nil
	}
	_, err = s.st.URLAuths().Get(ctx, sess.UserID, b.bot.ID, b.domain)
	if errors.Is(err, store.ErrNotFound) {
		return &tg.URLAuthResultRequest{Bot: s.userFor(sess.UserID, b.bot), Domain: b.domain}, nil
	} else if err != nil {
		return nil, fmt.Errorf("request url auth: %w", err)
	}
	return s.acceptedURL(ctx, sess.UserID, b)
}

// AcceptURLAuth answers messages.acceptUrlAuth: the user lets the bot log
// them in to the button's domain, which is remembered for the user and the
// bot, and gets the URL with the login data appended.
func (s *Service) AcceptURLAuth(ctx context.Context, sess Session, req *tg.MessagesAcceptURLAuthRequest) (tg.URLAuthResultClass, error) {
	peer, _ := req.GetPeer()
	b, err := s.findURLAuth(ctx, sess, peer, req.MsgID, req.ButtonID, req.URL)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return &tg.URLAuthResultDefault{}, nil
	}
	a := &store.URLAuth{UserID: sess.UserID, BotID: b.bot.ID, Domain: b.domain, WriteAllowed: req.WriteAllowed, Date: s.now()}
	if err := s.st.URLAuths().Accept(ctx, a); err != nil {
		return nil, fmt.Errorf("accept url auth: %w", err)
	}
	return s.acceptedURL(ctx, sess.UserID, b)
}

// acceptedURL is urlAuthResultAccepted with the button's URL and the user's
// login data.
func (s *Service) acceptedURL(ctx context.Context, userID int64, b *urlAuthButton) (tg.URLAuthResultClass, error) {
	u, err := s.st.Users().Get(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("url auth user: %w", err)
	}
	token := strconv.FormatInt(b.bot.ID, 10) + ":" + b.bot.BotToken
	out := &tg.URLAuthResultAccepted{}
	out.SetURL(loginURL(b.url, u, token, s.now()))
	return out, nil
}

// loginURL is target with a user's authorization data appended to its query,
// as Telegram's login widget passes them
// (https://core.telegram.org/widgets/login#checking-authorization): id,
// first_name, last_name, username (the last two only when set), auth_date
// and hash, the hex HMAC-SHA-256 of the data-check-string (the other fields
// as key=value, sorted by key, joined by line feeds) keyed with SHA-256 of
// the bot's token. The website checks it with the token; its own query
// parameters stay first and are not part of the hash. There is no photo_url:
// accounts have no photos here.
func loginURL(target *url.URL, u *store.User, botToken string, now time.Time) string {
	// In the order the widget sends them.
	fields := [][2]string{
		{"id", strconv.FormatInt(u.ID, 10)},
		{"first_name", u.FirstName},
		{"last_name", u.LastName},
		{"username", u.Username},
		{"auth_date", strconv.FormatInt(now.Unix(), 10)},
	}
	fields = slices.DeleteFunc(fields, func(f [2]string) bool { return f[1] == "" })
	lines := make([]string, 0, len(fields))
	query := make([]string, 0, len(fields)+1)
	for _, f := range fields {
		lines = append(lines, f[0]+"="+f[1])
		query = append(query, f[0]+"="+url.QueryEscape(f[1]))
	}
	slices.Sort(lines)
	secret := sha256.Sum256([]byte(botToken))
	m := hmac.New(sha256.New, secret[:])
	m.Write([]byte(strings.Join(lines, "\n")))
	query = append(query, "hash="+hex.EncodeToString(m.Sum(nil)))

	out := *target
	if out.RawQuery != "" {
		out.RawQuery += "&"
	}
	out.RawQuery += strings.Join(query, "&")
	return out.String()
}
