package client

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

func (c *Client) switchInline(ctx context.Context, msg *tg.Message, t *tg.InlineButtonTypeSwitchInline, o *pressOptions) (*Result, error) {
	bot, err := c.botOf(ctx, msg)
	if err != nil {
		return nil, err
	}
	si := &SwitchInline{Bot: bot, Query: t.Query, InputText: "@" + bot.Username + " " + t.Query,
		SamePeer: t.SamePeer, PeerTypes: t.PeerTypes}
	switch {
	case t.SamePeer:
		if si.Peer, err = c.InputPeer(ctx, msg); err != nil {
			return nil, err
		}
	case o.chosen != nil:
		si.Peer = o.chosen
	}
	if o.inlineQuery {
		if si.Peer == nil {
			return nil, fmt.Errorf("switch inline without same_peer needs WithChosenChat to run the query: %w", ErrNeedsInput)
		}
		r, err := c.api.MessagesGetInlineBotResults(ctx, &tg.MessagesGetInlineBotResultsRequest{
			Bot: &tg.InputUser{UserID: bot.ID, AccessHash: bot.AccessHash}, Peer: si.Peer, Query: t.Query})
		if tgerr.Is(err, "BOT_RESPONSE_TIMEOUT") {
			return nil, fmt.Errorf("%w: %w", ErrBotResponseTimeout, err)
		}
		if err != nil {
			return nil, fmt.Errorf("get inline bot results: %w", err)
		}
		c.peers.addUsers(r.Users)
		si.Results = r
	}
	return &Result{Kind: KindSwitchInline, SwitchInline: si}, nil
}

// botOf is the bot behind a message's keyboard: the one it came via, or its
// sender.
func (c *Client) botOf(ctx context.Context, msg *tg.Message) (*tg.User, error) {
	var id int64
	switch {
	case msg.ViaBotID != 0:
		id = msg.ViaBotID
	case msg.FromID != nil:
		if p, ok := msg.FromID.(*tg.PeerUser); ok {
			id = p.UserID
		}
	default:
		if p, ok := msg.PeerID.(*tg.PeerUser); ok {
			id = p.UserID
		}
	}
	if id == 0 {
		return nil, fmt.Errorf("message %d: no bot behind its keyboard", msg.ID)
	}
	if u, ok := c.peers.user(id); ok && !u.Min {
		return u, nil
	}
	if _, err := c.InputPeer(ctx, msg); err != nil { // learns the message's users
		return nil, err
	}
	if u, ok := c.peers.user(id); ok {
		return u, nil
	}
	return nil, fmt.Errorf("bot %d: unknown", id)
}

func (c *Client) urlAuth(ctx context.Context, msg *tg.Message, t *tg.InlineButtonTypeURLAuth) (*Result, error) {
	peer, err := c.InputPeer(ctx, msg)
	if err != nil {
		return nil, err
	}
	req := &tg.MessagesRequestURLAuthRequest{}
	req.SetPeer(peer)
	req.SetMsgID(msg.ID)
	req.SetButtonID(t.ButtonID)
	r, err := c.api.MessagesRequestURLAuth(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("request url auth: %w", err)
	}
	res := &Result{Kind: KindURLAuth, URLAuth: &URLAuth{Result: r, URL: t.URL, c: c, peer: peer, msgID: msg.ID, buttonID: t.ButtonID}}
	switch r := r.(type) {
	case *tg.URLAuthResultAccepted:
		res.OpenURL, _ = r.GetURL()
	case *tg.URLAuthResultDefault:
		if IsInternalURL(t.URL) {
			res.OpenURL = t.URL
		} else {
			res.ConfirmURL = t.URL
		}
	}
	return res, nil
}

// IsInternalURL reports whether a URL is one of Telegram's own (tg:
// links and t.me, telegram.me or telegram.dog links), which clients open
// without the confirmation prompt other URLs get.
func IsInternalURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "tg":
		return true
	case "http", "https":
	default:
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, h := range []string{"t.me", "telegram.me", "telegram.dog"} {
		if host == h || host == "www."+h {
			return true
		}
	}
	return false
}
