package bot

import (
	"sync"
	"time"
)

// dedupe remembers the keys of what was handled (trigger_ids, event_ids,
// button presses) for a while, so that a repeat is known as one. It keeps
// no replies: held for minutes, they would be most of the process's
// memory under load. It forgets a key after ttl, and the oldest keys first
// once it holds max of them, so a flood of requests cannot grow it without
// bound.
type dedupe struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu    sync.Mutex
	calls map[string]*call
	order []entry // by time claimed, oldest first
	head  int     // order[:head] is forgotten
}

type entry struct {
	key string
	at  time.Time
}

// call is one handled key and how the first delivery was answered, once
// that is decided.
type call struct {
	decided  chan struct{}
	once     sync.Once
	deferred bool // answered through response_url; set before decided closes
}

func newDedupe(ttl time.Duration, max int, now func() time.Time) *dedupe {
	return &dedupe{ttl: ttl, max: max, now: now, calls: map[string]*call{}}
}

// claim returns the call for key, and whether this is the first claim: the
// caller then acts and calls finish; a later caller waits for that.
func (d *dedupe) claim(key string) (c *call, first bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	d.expire(now)
	if c, ok := d.calls[key]; ok {
		return c, false
	}
	c = &call{decided: make(chan struct{})}
	d.calls[key] = c
	d.order = append(d.order, entry{key, now})
	return c, true
}

// seen returns the call already made for key, if there is one, without
// claiming the key.
func (d *dedupe) seen(key string) (*call, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expire(d.now())
	c, ok := d.calls[key]
	return c, ok
}

// expire forgets keys older than ttl, and the oldest beyond max; d.mu is
// held.
func (d *dedupe) expire(now time.Time) {
	for d.head < len(d.order) {
		e := d.order[d.head]
		if now.Sub(e.at) < d.ttl && len(d.order)-d.head < d.max {
			break
		}
		delete(d.calls, e.key)
		d.order[d.head] = entry{}
		d.head++
	}
	// Reuse the slice's front once most of it is forgotten.
	if d.head > 1024 && d.head*2 > len(d.order) {
		d.order = append(d.order[:0], d.order[d.head:]...)
		d.head = 0
	}
}

// len is how many keys are remembered.
func (d *dedupe) len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.calls)
}

// finish records how the first delivery was answered and wakes the
// repeats waiting for that. Only the first finish counts.
func (c *call) finish(deferred bool) {
	c.once.Do(func() {
		c.deferred = deferred
		close(c.decided)
	})
}

// wait waits at most d for the first delivery's answer to be decided, and
// returns whether it was and whether it was deferred.
func (c *call) wait(d time.Duration) (known, deferred bool) {
	select {
	case <-c.decided:
		return true, c.deferred
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.decided:
		return true, c.deferred
	case <-t.C:
		return false, false
	}
}
