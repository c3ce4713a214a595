package chat

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/gotd/td/tg"
)

// decodedMessages remembers stored messages decoded, for read-only use.
// Pressing a button decodes the pressed message to find its keyboard (and
// the HTTP Bot API the bot's copy, for the callback query), and users press
// the buttons of one message again and again (menus, counters, games). An
// entry serves only the exact body it was decoded from, so an edited
// message (a new body) is decoded anew; past maxDecoded entries the memo
// starts over.
type decodedMessages struct {
	mu sync.RWMutex
	m  map[decodedKey]decodedEntry
}

// decodedKey names a stored message: its box (an account, or a channel)
// and its id there.
type decodedKey struct {
	channel bool
	owner   int64
	id      int
}

type decodedEntry struct {
	body []byte
	msg  tg.MessageClass
}

// maxDecoded bounds the decoded messages remembered.
const maxDecoded = 10_000

// get returns body decoded. The result is shared with other callers: it
// must only be read (not encoded, which sets flags, nor changed).
func (d *decodedMessages) get(k decodedKey, body []byte) (tg.MessageClass, error) {
	d.mu.RLock()
	e, ok := d.m[k]
	d.mu.RUnlock()
	if ok && bytes.Equal(e.body, body) {
		return e.msg, nil
	}
	msg, err := decodeMessage(body)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	if d.m == nil || len(d.m) >= maxDecoded {
		d.m = make(map[decodedKey]decodedEntry)
	}
	d.m[k] = decodedEntry{body: bytes.Clone(body), msg: msg}
	d.mu.Unlock()
	return msg, nil
}

// PeekMessage is message id of viewer's box, with the users it names as
// viewer sees them, for in-process readers such as the HTTP Bot API. The
// message is shared with other readers (decodedMessages): it must only be
// read, never encoded or changed. A missing message is store.ErrNotFound.
func (s *Service) PeekMessage(ctx context.Context, viewer int64, id int) (tg.MessageClass, []tg.UserClass, error) {
	rec, err := s.st.Boxes().Message(ctx, viewer, id)
	if err != nil {
		return nil, nil, fmt.Errorf("peek message %d: %w", id, err)
	}
	msg, err := s.decoded.get(decodedKey{owner: viewer, id: id}, rec.Body)
	if err != nil {
		return nil, nil, err
	}
	users, err := s.usersFor(ctx, viewer, messageUsers(msg)...)
	if err != nil {
		return nil, nil, err
	}
	return msg, users, nil
}
