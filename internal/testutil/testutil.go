// Package testutil holds helpers the tests of several packages share: a
// settable clock, a buffer a logger can share between goroutines, time
// zones that load on any machine, and a small disk to fill.
//
// It is imported only by _test.go files. It imports no package of this
// module, so the internal tests of any package, quota's included, can use
// it without an import cycle.
package testutil

import (
	"bytes"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the zones the tests name load wherever they run
)

// Clock is a settable clock, safe for concurrent use. Its Now method can
// stand in for time.Now wherever code takes a func() time.Time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock that reads t until it is set or moved on.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Add moves the clock on by d, or back if d is negative.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// SyncBuffer is a bytes.Buffer guarded by a mutex, for a logger that
// goroutines share. Its zero value is an empty buffer ready to use.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// MustLoadLocation loads the time zone name, failing the test if it
// cannot.
func MustLoadLocation(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// NewYork returns America/New_York, the zone most tests use: its
// abbreviations show in plain-text output, and it has daylight saving.
func NewYork(tb testing.TB) *time.Location {
	tb.Helper()
	return MustLoadLocation(tb, "America/New_York")
}
