package store

import (
	"errors"
	"sync"
	"time"
)

// counterCache holds counters as Badger has them committed, so that a
// member's standing is read without a Badger transaction: starting and
// ending one hands off to Badger's watermark goroutines, and a counter
// that has left the memtable is a read of an on-disk table.
//
// Only the writer changes counters. After each commit, and before it
// answers anyone, it merges what it wrote here, so a member reads their
// own acknowledged entry at once. Readers add what they had to read from
// Badger, but never over a value already there (a merged commit's wins),
// and only when nothing was merged or forgotten while they read (seq): a
// value read before a commit cannot come back after the cache dropped the
// commit's own.
type counterCache struct {
	mu  sync.RWMutex
	seq uint64 // merges and resets so far
	// started is seq, or one more while the writer commits a batch it has
	// not merged yet (committing): Badger may then hold what the cache
	// does not.
	started uint64
	m       map[string]cachedCount
}

type cachedCount struct {
	n   int
	end int64 // unix nanos when the counter's period ends, to sweep it
}

// maxCachedCounts bounds the cache. A team of 10,000 members with three
// kinds keeps its current periods in 90,000; past the bound the ended
// periods go first, and if that is not enough it starts afresh, which
// costs reads, never correctness.
const maxCachedCounts = 100_000

// errNotCached ends a read from the cache that needs Badger after all.
var errNotCached = errors.New("counter not cached")

func newCounterCache() *counterCache { return &counterCache{m: map[string]cachedCount{}} }

// read calls f with a lookup of counters by key, under the read lock; the
// lookup fails with errNotCached for a counter it does not hold.
func (c *counterCache) read(f func(count func(key []byte) (int, error)) error) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return f(func(key []byte) (int, error) {
		v, ok := c.m[string(key)]
		if !ok {
			return 0, errNotCached
		}
		return v.n, nil
	})
}

// quiet returns the version of the cache and whether Badger holds no
// more than it: no commit is under way.
func (c *counterCache) quiet() (uint64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.seq, c.started == c.seq
}

// readQuiet is read, but fails with errNotCached unless the cache is
// still at version seq with no commit under way. A reader that took seq
// from quiet, then opened a Badger transaction, then calls readQuiet from
// inside it, knows its transaction saw exactly what the cache holds: a
// commit begun in between would have moved started.
func (c *counterCache) readQuiet(seq uint64, f func(count func(key []byte) (int, error)) error) error {
	return c.read(func(count func([]byte) (int, error)) error {
		if c.seq != seq || c.started != seq {
			return errNotCached
		}
		return f(count)
	})
}

// committing is the writer's, before it commits a batch.
func (c *counterCache) committing() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.started++
}

// get returns one counter, if cached.
func (c *counterCache) get(key []byte) (int, bool) {
	c.mu.RLock()
	v, ok := c.m[string(key)]
	c.mu.RUnlock()
	return v.n, ok
}

// version returns what a reader passes to fill after reading Badger.
func (c *counterCache) version() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.seq
}

// fill adds counters a reader read from Badger, unless a commit was merged
// since seq: the reader's values may then predate it.
func (c *counterCache) fill(seq uint64, now time.Time, counts map[string]cachedCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq != seq {
		return
	}
	c.room(len(counts), now)
	for k, v := range counts {
		if len(c.m) >= maxCachedCounts {
			return // what a reader read is worth less than what is cached
		}
		if _, ok := c.m[k]; !ok {
			c.m[k] = v
		}
	}
}

// merge is the writer's: it puts in what a commit wrote.
func (c *counterCache) merge(now time.Time, counts map[string]cachedCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	c.started = c.seq
	c.room(len(counts), now)
	for k, v := range counts {
		c.m[k] = v
	}
}

// reset forgets everything: after a failed commit nobody knows what the
// store holds until it is read again.
func (c *counterCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	c.started = c.seq
	clear(c.m)
}

// room makes room for n more counters, under the write lock.
func (c *counterCache) room(n int, now time.Time) {
	if len(c.m)+n <= maxCachedCounts {
		return
	}
	cut := now.UnixNano()
	for k, v := range c.m {
		if v.end <= cut {
			delete(c.m, k)
		}
	}
	if len(c.m)+n > maxCachedCounts*3/4 {
		clear(c.m)
	}
}

func (c *counterCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
