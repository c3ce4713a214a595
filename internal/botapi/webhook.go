package botapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/buttonflow/buttonflow/internal/store"
)

// secretTokenRE is what a webhook's secret_token may hold.
var secretTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Webhook retries back off from 1 s to a minute.
const (
	retryFirst = time.Second
	retryMax   = time.Minute
)

func setWebhook(ctx context.Context, r *request) (any, error) {
	raw, err := r.p.str("url")
	if err != nil {
		return nil, err
	}
	if raw == "" {
		return removeWebhook(ctx, r, "Webhook is already deleted", "Webhook was deleted")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// Telegram takes HTTPS only; a local server takes http too, so bots
		// under test need no certificate.
		return nil, badRequest("bad webhook: An HTTP or HTTPS URL must be provided for webhook")
	}
	secret, err := r.p.str("secret_token")
	if err != nil {
		return nil, err
	}
	if secret != "" && !secretTokenRE.MatchString(secret) {
		return nil, badRequest("secret token contains unallowed characters")
	}
	maxConns := 40
	if r.p.has("max_connections") {
		if maxConns, err = r.p.int("max_connections"); err != nil {
			return nil, err
		}
		if maxConns < 1 || maxConns > 100 {
			return nil, badRequest("bad webhook: max_connections must be between 1 and 100")
		}
	}
	var allowed []string
	hasAllowed, err := r.p.object("allowed_updates", &allowed)
	if err != nil {
		return nil, err
	}
	drop, err := r.p.bool("drop_pending_updates")
	if err != nil {
		return nil, err
	}
	b := r.b
	b.mu.Lock()
	st := b.state
	st.Webhook = store.Webhook{URL: raw, SecretToken: secret, MaxConnections: maxConns}
	if hasAllowed {
		st.AllowedUpdates = allowed
	}
	b.mu.Unlock()
	if err := r.s.opts.Store.BotAPI().PutBot(ctx, &st); err != nil {
		return nil, err
	}
	if drop {
		if err := b.drop(ctx); err != nil {
			return nil, err
		}
	}
	b.mu.Lock()
	// Only what this call changed: the feeder may have moved the pts since.
	b.state.Webhook, b.state.AllowedUpdates = st.Webhook, st.AllowedUpdates
	if b.poll != nil {
		close(b.poll.conflict)
		b.poll = nil
	}
	b.mu.Unlock()
	b.startWebhook()
	return described{true, "Webhook was set"}, nil
}

func deleteWebhook(ctx context.Context, r *request) (any, error) {
	return removeWebhook(ctx, r, "Webhook is already deleted", "Webhook was deleted")
}

func removeWebhook(ctx context.Context, r *request, already, done string) (any, error) {
	drop, err := r.p.bool("drop_pending_updates")
	if err != nil {
		return nil, err
	}
	b := r.b
	b.mu.Lock()
	st := b.state
	had := st.Webhook.URL != ""
	st.Webhook = store.Webhook{MaxConnections: 40}
	b.mu.Unlock()
	if had {
		if err := r.s.opts.Store.BotAPI().PutBot(ctx, &st); err != nil {
			return nil, err
		}
	}
	if drop {
		if err := b.drop(ctx); err != nil {
			return nil, err
		}
	}
	b.mu.Lock()
	b.state.Webhook = st.Webhook
	if b.hookStop != nil {
		b.hookStop()
		b.hookStop = nil
	}
	b.mu.Unlock()
	if had {
		return described{true, done}, nil
	}
	return described{true, already}, nil
}

func getWebhookInfo(ctx context.Context, r *request) (any, error) {
	b := r.b
	b.mu.Lock()
	st := b.state
	b.mu.Unlock()
	b.mu.Lock()
	n := len(b.queue)
	b.mu.Unlock()
	// The stored state has the latest delivery error.
	if saved, err := r.s.opts.Store.BotAPI().Bot(ctx, b.id); err == nil {
		st.Webhook.LastErrorDate, st.Webhook.LastErrorMessage = saved.Webhook.LastErrorDate, saved.Webhook.LastErrorMessage
	}
	info := WebhookInfo{URL: st.Webhook.URL, PendingUpdateCount: n}
	if st.Webhook.URL != "" {
		info.MaxConnections = st.Webhook.MaxConnections
		info.AllowedUpdates = st.AllowedUpdates
		if !st.Webhook.LastErrorDate.IsZero() {
			info.LastErrorDate = st.Webhook.LastErrorDate.Unix()
			info.LastErrorMessage = st.Webhook.LastErrorMessage
		}
	}
	return info, nil
}

// startWebhook (re)starts the delivery loop for the bot's webhook.
func (b *bot) startWebhook() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.hookStop != nil {
		b.hookStop()
	}
	ctx, cancel := context.WithCancel(b.s.ctx)
	b.hookStop = cancel
	hook := b.state.Webhook
	b.notifyLocked()
	if !b.s.spawn(func() { b.deliver(ctx, hook) }) {
		cancel()
		b.hookStop = nil
	}
}

// deliver posts queued updates to the webhook one at a time, in order,
// until ctx ends; an update leaves the queue only once the webhook took it
// (a 2xx answer). Failures are retried with growing pauses.
func (b *bot) deliver(ctx context.Context, hook store.Webhook) {
	q := b.s.opts.Store.BotAPI()
	wait := retryFirst
	for {
		b.mu.Lock()
		changed := b.changed
		ups := b.pendingLocked(0, 1)
		b.mu.Unlock()
		if len(ups) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-changed:
				continue
			}
		}
		u := ups[0]
		if err := b.post(ctx, hook, u); err != nil {
			if ctx.Err() != nil {
				return
			}
			if err := q.SetWebhookError(ctx, b.id, b.s.opts.Clock(), err.Error()); err != nil {
				b.s.log.Warn("bot api: webhook error", "bot", b.id, "err", err)
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			wait = min(wait*2, retryMax)
			continue
		}
		wait = retryFirst
		if err := b.confirm(ctx, u.id+1); err != nil && ctx.Err() == nil {
			b.s.log.Warn("bot api: webhook confirm", "bot", b.id, "err", err)
		}
	}
}

// deliveryError is why a webhook delivery failed, in getWebhookInfo's words.
type deliveryError string

func (e deliveryError) Error() string { return string(e) }

// post delivers one update. A reply with a method in its body (a webhook
// reply) is carried out as the bot's own call.
func (b *bot) post(ctx context.Context, hook store.Webhook, u *queued) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(withUpdateID(u.id, u.payload)))
	if err != nil {
		return deliveryError("Wrong webhook URL: " + err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	if hook.SecretToken != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hook.SecretToken)
	}
	resp, err := b.s.opts.Client.Do(req)
	if err != nil {
		return deliveryError("Connection refused: " + err.Error())
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return deliveryError("Wrong response from the webhook: " + resp.Status)
	}
	b.webhookReply(ctx, resp.Header.Get("Content-Type"), body)
	return nil
}

// webhookReply runs the method a webhook answered with, if any.
func (b *bot) webhookReply(ctx context.Context, contentType string, body []byte) {
	if !strings.HasPrefix(contentType, "application/json") || len(bytes.TrimSpace(body)) == 0 {
		return
	}
	p := &params{values: map[string]json.RawMessage{}, strs: map[string]string{}}
	if json.Unmarshal(body, &p.values) != nil {
		return
	}
	method, _ := p.str("method")
	if method == "" {
		return
	}
	usr, err := b.s.opts.Store.Users().Get(ctx, b.id)
	if err != nil {
		return
	}
	if _, err := b.s.call(ctx, b, usr, method, p); err != nil {
		b.s.log.Info("bot api: webhook reply failed", "bot", b.id, "method", method, "err", err)
	}
}
