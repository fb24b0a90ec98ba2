package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// TestClockSteppedBack: a clock that jumps to next June and is set back
// dates every later entry by what it reads, before and after a restart;
// today's counts are today's; Undo takes back the entry logged last, not
// the one dated latest; the step is counted.
func TestClockSteppedBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	today := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	future := time.Date(2027, 6, 15, 12, 0, 0, 0, time.UTC)
	clock := testutil.NewClock(today)
	l := mustOpen(t, dir, store.Options{Now: clock.Now})

	mustLog(t, l, "U1", quota.Message, 1)
	clock.Set(future)
	mustLog(t, l, "U1", quota.Message, 2)
	clock.Set(today.Add(time.Minute))
	res := mustLog(t, l, "U1", quota.Message, 4)
	if !res.Entry.At.Equal(today.Add(time.Minute)) {
		t.Errorf("entry after the clock was set back: dated %v, want %v", res.Entry.At, today.Add(time.Minute))
	}
	if n := l.ClockStepsBack(); n != 1 {
		t.Errorf("ClockStepsBack: got %d, want 1", n)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	clock.Set(today.Add(2 * time.Minute))
	l = mustOpen(t, dir, store.Options{Now: clock.Now})
	res = mustLog(t, l, "U1", quota.Message, 8)
	if !res.Entry.At.Equal(today.Add(2 * time.Minute)) {
		t.Errorf("entry after a restart: dated %v, want %v", res.Entry.At, today.Add(2*time.Minute))
	}
	u, err := l.Usage(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Kinds[0].Windows[0].Used; got != 1+4+8 {
		t.Errorf("used today: got %d, want %d (not the entry dated next June)", got, 1+4+8)
	}
	for _, want := range []int{8, 4, 2} {
		e, err := l.Undo(ctx, "U1", "")
		if err != nil {
			t.Fatalf("Undo: %v", err)
		}
		if e.Count != want {
			t.Errorf("Undo took back the entry of %d, want the one of %d: the last logged", e.Count, want)
		}
	}
}

// TestSameInstant: entries logged at one reading of the clock, and one
// logged when the clock reads an existing entry's instant again, each get
// an instant of their own, none lost.
func TestSameInstant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	clock := testutil.NewClock(at)
	l := mustOpen(t, "", store.Options{Now: clock.Now, InMemory: true})
	ids := map[string]bool{}
	for range 5 {
		ids[mustLog(t, l, "U1", quota.Message, 1).Entry.ID] = true
	}
	clock.Set(at.Add(time.Hour))
	ids[mustLog(t, l, "U1", quota.Message, 1).Entry.ID] = true
	clock.Set(at.Add(2))
	ids[mustLog(t, l, "U1", quota.Message, 1).Entry.ID] = true
	if len(ids) != 7 {
		t.Errorf("7 entries got %d distinct IDs", len(ids))
	}
	n := 0
	for e, err := range l.Entries(ctx, time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.At.Before(at) || e.At.After(at.Add(time.Hour)) {
			t.Errorf("entry dated %v, want within the clock's readings", e.At)
		}
		n++
	}
	if n != 7 {
		t.Errorf("got %d entries, want 7", n)
	}
}

// TestNanosecondAfterATakenOne: two entries at one reading take its
// nanosecond and the next; a reading of that next nanosecond must not
// take it again, overwriting the second entry.
func TestNanosecondAfterATakenOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	clock := testutil.NewClock(at)
	l := mustOpen(t, "", store.Options{Now: clock.Now, InMemory: true})
	mustLog(t, l, "UA", quota.Message, 1)
	mustLog(t, l, "UB", quota.Message, 2)
	clock.Set(at.Add(1))
	mustLog(t, l, "UC", quota.Message, 4)
	for _, m := range []struct {
		id    string
		count int
	}{{"UA", 1}, {"UB", 2}, {"UC", 4}} {
		h, err := l.History(ctx, m.id, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 1 || h[0].Member != m.id || h[0].Count != m.count {
			t.Errorf("%s's history: got %+v, want their one entry of %d", m.id, h, m.count)
		}
	}
}
