package sqlite

import (
	"sync"

	"github.com/buttonflow/buttonflow/internal/store"
)

// maxCachedUsers bounds the user cache; past it the cache starts over.
const maxCachedUsers = 100_000

// userCache keeps accounts by id, so the lookups every request makes (the
// peer, the sender, the users an update names) skip SQLite. Every write of a
// user in this store drops its entry and bumps the generation; a read that
// raced with a write (it began under an older generation) does not fill the
// cache, so no stale entry survives a write.
//
// Accounts are only ever written through this process's store while it
// runs (the CLI, a second process, only creates them), so the cache needs
// no other invalidation.
type userCache struct {
	mu  sync.RWMutex
	gen uint64
	m   map[int64]*store.User
}

// get returns a copy of the cached account.
func (c *userCache) get(id int64) (*store.User, bool) {
	c.mu.RLock()
	u, ok := c.m[id]
	c.mu.RUnlock()
	if !ok {
		return nil, false
	}
	cp := *u
	return &cp, true
}

// generation is taken before a read that may fill the cache.
func (c *userCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put caches a copy of u if no write happened since gen.
func (c *userCache) put(u *store.User, gen uint64) {
	cp := *u
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.m == nil || len(c.m) >= maxCachedUsers {
		c.m = make(map[int64]*store.User)
	}
	c.m[u.ID] = &cp
}

// invalidate drops id after a write of it.
func (c *userCache) invalidate(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, id)
}
