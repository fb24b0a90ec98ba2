package testutil_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/testutil"
)

func TestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	c := testutil.NewClock(start)
	if got := c.Now(); !got.Equal(start) {
		t.Errorf("Now: got %v, want %v", got, start)
	}
	c.Add(90 * time.Minute)
	if got, want := c.Now(), start.Add(90*time.Minute); !got.Equal(want) {
		t.Errorf("after Add: got %v, want %v", got, want)
	}
	later := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	c.Set(later)
	if got := c.Now(); !got.Equal(later) {
		t.Errorf("after Set: got %v, want %v", got, later)
	}
}

// TestConcurrent is for the race detector: the clock and the buffer are
// used from many goroutines at once.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	c := testutil.NewClock(time.Time{})
	var b testutil.SyncBuffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			c.Add(time.Second)
			c.Set(c.Now())
			fmt.Fprintf(&b, "%d\n", i)
			_ = b.String()
		})
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(time.Time{}.Add(8 * time.Second)) {
		t.Errorf("after 8 Adds of a second: got %v", got)
	}
	if got := len(b.String()); got != 16 {
		t.Errorf("buffer holds %d bytes, want 16", got)
	}
}

func TestZones(t *testing.T) {
	t.Parallel()
	if got := testutil.NewYork(t).String(); got != "America/New_York" {
		t.Errorf("NewYork: got %q", got)
	}
	if got := testutil.MustLoadLocation(t, "Europe/Berlin").String(); got != "Europe/Berlin" {
		t.Errorf("MustLoadLocation: got %q", got)
	}
}
