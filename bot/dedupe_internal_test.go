package bot

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quotabot/quotabot/commands"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestDedupe: a key claimed twice is a repeat, which gets the first
// answer; keys are forgotten after the TTL, and the oldest first beyond
// the bound.
func TestDedupe(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	d := newDedupe(time.Minute, 3, c.now)

	first, ok := d.claim("a")
	if !ok {
		t.Fatal("first claim of a: got a repeat")
	}
	first.finish(commands.Reply{Text: "answer a"})
	again, ok := d.claim("a")
	if ok {
		t.Fatal("second claim of a: got a first claim")
	}
	if got := again.wait(time.Hour, commands.Reply{Text: "otherwise"}); got.Text != "answer a" {
		t.Errorf("repeat of a got %q, want the first answer", got.Text)
	}

	c.add(time.Minute)
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
// being handled gets its answer once ready, or the fallback if the first
// takes too long.
func TestDedupeWaitsForTheFirst(t *testing.T) {
	t.Parallel()
	d := newDedupe(time.Minute, 10, time.Now)
	first, _ := d.claim("k")
	again, _ := d.claim("k")
	if got := again.wait(0, commands.Reply{Text: "otherwise"}); got.Text != "otherwise" {
		t.Errorf("before the first finished: got %q, want the fallback", got.Text)
	}
	go first.finish(commands.Reply{Text: "first"})
	if got := again.wait(time.Hour, commands.Reply{Text: "otherwise"}); got.Text != "first" {
		t.Errorf("got %q, want the first answer", got.Text)
	}
}

// TestAckSize measures an ack the way slack-go does before refusing it.
func TestAckSize(t *testing.T) {
	t.Parallel()
	if got, want := ackSize("env-1", []byte(`{"text":"hi"}`)), len(`{"envelope_id":"env-1","payload":{"text":"hi"}}`); got != want {
		t.Errorf("ackSize: got %d, want %d", got, want)
	}
}
