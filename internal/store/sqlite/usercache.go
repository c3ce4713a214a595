package sqlite

import (
	"sync"

	"github.com/buttonflow/buttonflow/internal/store"
)

// Cache bounds: past them a cache starts over.
const (
	maxCachedUsers    = 100_000
	maxCachedMessages = 20_000
	maxCachedCopies   = 100_000
)

// rowCache keeps rows by key, so the lookups every request makes (the peer,
// the sender, the pressed message, the users an update names) skip SQLite.
// Every write of a row in this store drops its entry and bumps the
// generation; a read that raced with a write (it began under an older
// generation) does not fill the cache, so no stale entry survives a write.
//
// Accounts and messages are only ever changed through this process's store
// while it runs (the CLI, a second process, only creates accounts), so the
// caches need no other invalidation. Values are copied in and out, so
// callers may change what they get.
type rowCache[K comparable, V any] struct {
	max int
	mu  sync.RWMutex
	gen uint64
	m   map[K]*V
}

func newRowCache[K comparable, V any](max int) *rowCache[K, V] {
	return &rowCache[K, V]{max: max}
}

// get returns a copy of the cached row.
func (c *rowCache[K, V]) get(k K) (*V, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	if !ok {
		return nil, false
	}
	cp := *v
	return &cp, true
}

// generation is taken before a read that may fill the cache.
func (c *rowCache[K, V]) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put caches a copy of v under k if no write happened since gen.
func (c *rowCache[K, V]) put(k K, v *V, gen uint64) {
	cp := *v
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[K]*V)
	}
	c.m[k] = &cp
}

// reset drops everything, for writes that cannot name their keys.
func (c *rowCache[K, V]) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}

// invalidate drops keys after a write of them.
func (c *rowCache[K, V]) invalidate(keys ...K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, k := range keys {
		delete(c.m, k)
	}
}

// messageKey names a message in a box.
type messageKey struct {
	owner int64
	id    int
}

// copyKey names one account's copy of a message.
type copyKey struct{ ref, owner int64 }

type (
	userCache    = rowCache[int64, store.User]
	messageCache = rowCache[messageKey, store.Message]
	copyCache    = rowCache[copyKey, int]
)
