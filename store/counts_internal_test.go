package store

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestCounterCacheFill(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	end := now.Add(time.Hour).UnixNano()
	c := newCounterCache()

	// A reader read 1 from Badger; meanwhile the writer committed 2.
	seq := c.version()
	c.merge(now, map[string]cachedCount{"k": {n: 2, end: end}})
	c.fill(seq, now, map[string]cachedCount{"k": {n: 1, end: end}, "j": {n: 7, end: end}})
	if n, _ := c.get([]byte("k")); n != 2 {
		t.Errorf("after a stale fill: k = %d, want the writer's 2", n)
	}
	if _, ok := c.get([]byte("j")); ok {
		t.Error("a fill that straddled a merge was let in")
	}

	// A fill with nothing merged since goes in, but does not overwrite.
	seq = c.version()
	c.fill(seq, now, map[string]cachedCount{"k": {n: 1, end: end}, "j": {n: 7, end: end}})
	if n, _ := c.get([]byte("k")); n != 2 {
		t.Errorf("a fill overwrote k: %d, want 2", n)
	}
	if n, ok := c.get([]byte("j")); !ok || n != 7 {
		t.Errorf("j after a clean fill: %d %v, want 7", n, ok)
	}

	// After a failed commit nothing is trusted, and fills begun before it
	// are refused.
	seq = c.version()
	c.reset()
	c.fill(seq, now, map[string]cachedCount{"k": {n: 1, end: end}})
	if c.len() != 0 {
		t.Errorf("after reset and a stale fill: %d counters cached, want 0", c.len())
	}
}

func TestCounterCacheRoom(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	c := newCounterCache()
	ended := map[string]cachedCount{}
	for i := range maxCachedCounts / 2 {
		ended[fmt.Sprint("old", i)] = cachedCount{n: 1, end: now.Add(-time.Hour).UnixNano()}
	}
	current := map[string]cachedCount{}
	for i := range maxCachedCounts / 2 {
		current[fmt.Sprint("new", i)] = cachedCount{n: 1, end: now.Add(time.Hour).UnixNano()}
	}
	c.merge(now, ended)
	c.merge(now, current)
	if c.len() != maxCachedCounts {
		t.Fatalf("full cache holds %d, want %d", c.len(), maxCachedCounts)
	}
	// One more: the ended periods make way, the current ones stay.
	c.merge(now, map[string]cachedCount{"one": {n: 1, end: now.Add(time.Hour).UnixNano()}})
	if got, want := c.len(), maxCachedCounts/2+1; got != want {
		t.Errorf("after sweeping: %d cached, want %d", got, want)
	}
	if _, ok := c.get([]byte("new0")); !ok {
		t.Error("a current counter was swept")
	}
	// Current periods past three quarters of the bound: start afresh.
	more := map[string]cachedCount{}
	for i := range maxCachedCounts / 2 {
		more[fmt.Sprint("more", i)] = cachedCount{n: 1, end: now.Add(time.Hour).UnixNano()}
	}
	c.merge(now, more)
	if got, want := c.len(), maxCachedCounts/2; got != want {
		t.Errorf("after starting afresh: %d cached, want the merge's %d", got, want)
	}
}

// TestCounterCacheFillBound: a reader's fill, however large (a whole
// team's standing), never takes the cache past its bound.
func TestCounterCacheFillBound(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	c := newCounterCache()
	team := map[string]cachedCount{}
	for i := range maxCachedCounts + 500 {
		team[fmt.Sprint("k", i)] = cachedCount{n: 1, end: now.Add(time.Hour).UnixNano()}
	}
	c.fill(c.version(), now, team)
	if got := c.len(); got > maxCachedCounts {
		t.Errorf("after a fill of %d: %d cached, want at most %d", len(team), got, maxCachedCounts)
	}
}

// TestCounterCacheQuiet: a reader that took the version while no commit
// was under way reads through readQuiet only if no commit began since,
// finished or not, and no reset came.
func TestCounterCacheQuiet(t *testing.T) {
	t.Parallel()
	c := newCounterCache()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	c.merge(now, map[string]cachedCount{"a": {n: 1, end: now.Add(time.Hour).UnixNano()}})
	read := func(seq uint64) (int, error) {
		var n int
		err := c.readQuiet(seq, func(count func([]byte) (int, error)) (err error) {
			n, err = count([]byte("a"))
			return err
		})
		return n, err
	}

	seq, ok := c.quiet()
	if !ok {
		t.Fatal("quiet after a merge: got a commit under way")
	}
	if n, err := read(seq); n != 1 || err != nil {
		t.Errorf("read at the version taken: got %d, %v; want 1", n, err)
	}

	c.committing()
	if _, ok := c.quiet(); ok {
		t.Error("quiet while committing: got no commit under way")
	}
	if _, err := read(seq); !errors.Is(err, errNotCached) {
		t.Errorf("read while a commit is under way: got %v, want errNotCached", err)
	}
	c.merge(now, map[string]cachedCount{"a": {n: 2, end: now.Add(time.Hour).UnixNano()}})
	if _, err := read(seq); !errors.Is(err, errNotCached) {
		t.Errorf("read at a version a commit moved past: got %v, want errNotCached", err)
	}
	seq, ok = c.quiet()
	if n, err := read(seq); !ok || n != 2 || err != nil {
		t.Errorf("read at the new version: got %d, %v (quiet %v); want 2", n, err, ok)
	}

	c.committing()
	c.reset() // the commit failed
	seq, ok = c.quiet()
	if _, err := read(seq); !ok || !errors.Is(err, errNotCached) {
		t.Errorf("after a failed commit: got quiet %v and %v, want quiet and nothing cached", ok, err)
	}
}
