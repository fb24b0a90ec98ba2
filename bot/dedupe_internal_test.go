package bot

import (
	"fmt"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/testutil"
)

// TestDedupe: a key claimed twice is a repeat, which learns how the first
// was answered; keys are forgotten after the TTL, and the oldest first
// beyond the bound.
func TestDedupe(t *testing.T) {
	t.Parallel()
	c := testutil.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	d := newDedupe(time.Minute, 3, c.Now)

	first, ok := d.claim("a")
	if !ok {
		t.Fatal("first claim of a: got a repeat")
	}
	first.finish(true)
	again, ok := d.claim("a")
	if ok {
		t.Fatal("second claim of a: got a first claim")
	}
	if known, deferred := again.wait(time.Hour); !known || !deferred {
		t.Errorf("repeat of a: got known %v, deferred %v; want the first's answer, deferred", known, deferred)
	}

	c.Add(time.Minute)
	if _, ok := d.claim("a"); !ok {
		t.Errorf("a after the TTL: got a repeat, want it forgotten")
	}

	for i := range 10 {
		d.claim(fmt.Sprint("k", i))
	}
	if n := d.len(); n > 3 {
		t.Errorf("holds %d keys, want at most 3", n)
	}
	if _, ok := d.claim("k9"); ok {
		t.Errorf("k9, the newest: got a first claim, want it remembered")
	}
	if _, ok := d.claim("k0"); !ok {
		t.Errorf("k0, the oldest: got a repeat, want it forgotten")
	}
}

// TestDedupeWaitsForTheFirst: a repeat that arrives while the first is
// being handled learns how it was answered once that is decided, and
// nothing if it takes too long.
func TestDedupeWaitsForTheFirst(t *testing.T) {
	t.Parallel()
	d := newDedupe(time.Minute, 10, time.Now)
	first, _ := d.claim("k")
	again, _ := d.claim("k")
	if known, _ := again.wait(0); known {
		t.Errorf("before the first was answered: got known, want not")
	}
	go first.finish(false)
	if known, deferred := again.wait(time.Hour); !known || deferred {
		t.Errorf("got known %v, deferred %v; want answered in time", known, deferred)
	}
}

// TestAckSize measures an ack the way slack-go does before refusing it.
func TestAckSize(t *testing.T) {
	t.Parallel()
	if got, want := ackSize("env-1", []byte(`{"text":"hi"}`)), len(`{"envelope_id":"env-1","payload":{"text":"hi"}}`); got != want {
		t.Errorf("ackSize: got %d, want %d", got, want)
	}
}
