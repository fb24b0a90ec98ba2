package quota_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/quotabot/quotabot/quota"
)

// bruteUsed sums what was logged less than span before t.
func bruteUsed(span time.Duration, sent []quota.Sent, t time.Time) int {
	n := 0
	for _, s := range sent {
		if t.Sub(s.At) < span {
			n += s.Count
		}
	}
	return n
}

// TestRollingAgainstBruteForce holds the rolling window's "used", "left"
// and "next frees up" to a brute-force reading of the entries, for
// thousands of seeded random entry sets and instants, many of them on
// daylight-saving days and at month ends, with no store.
func TestRollingAgainstBruteForce(t *testing.T) {
	zones := []string{"America/New_York", "Europe/Berlin", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC"}
	// Instants near which the cases cluster: DST changes, month and year ends.
	anchors := []string{
		"2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z", // New York's changes
		"2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z", // Berlin's
		"2026-04-04T15:00:00Z", "2026-10-03T15:30:00Z", // Lord Howe's half hours
		"2026-11-30T23:59:59Z", "2026-12-31T23:59:59Z", "2027-02-28T23:59:59Z",
	}
	rng := rand.New(rand.NewPCG(11, 2026))
	spans := []time.Duration{24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour, 90 * time.Minute}
	for i := range 4000 {
		loc, err := time.LoadLocation(zones[rng.IntN(len(zones))])
		if err != nil {
			t.Fatal(err)
		}
		anchor, _ := time.Parse(time.RFC3339, anchors[rng.IntN(len(anchors))])
		now := anchor.Add(time.Duration(rng.Int64N(int64(48*time.Hour))) - 24*time.Hour).In(loc)
		span := spans[rng.IntN(len(spans))]
		sent := make([]quota.Sent, rng.IntN(30))
		for j := range sent {
			// Mostly inside the span before now, some older, a few after
			// now (a clock that stepped back), some at one instant.
			back := time.Duration(rng.Int64N(int64(span + span/2)))
			at := now.Add(-back + time.Duration(rng.Int64N(int64(time.Hour))) - 20*time.Minute)
			if j > 0 && rng.IntN(8) == 0 {
				at = sent[j-1].At
			}
			sent[j] = quota.Sent{At: at, Count: 1 + rng.IntN(40)}
		}
		limit := rng.IntN(200)
		r := quota.Rolling(span, limit, sent, now)

		used := bruteUsed(span, sent, now)
		if r.Used != used || r.Left() != max(0, limit-used) {
			t.Fatalf("case %d: used %d left %d, want %d and %d", i, r.Used, r.Left(), used, max(0, limit-used))
		}
		if used == 0 {
			if !r.NextFree.IsZero() || r.Freeing != 0 {
				t.Fatalf("case %d: nothing used, but %d free up at %v", i, r.Freeing, r.NextFree)
			}
			continue
		}
		// The first whole minute at which use has fallen, found by
		// bisection over minutes: use never grows as time goes on.
		first := now.Truncate(time.Minute).Add(time.Minute)
		lo, hi := 0, int((span+2*time.Hour)/time.Minute)
		for lo < hi {
			mid := (lo + hi) / 2
			if bruteUsed(span, sent, first.Add(time.Duration(mid)*time.Minute)) < used {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		want := first.Add(time.Duration(lo) * time.Minute)
		if !r.NextFree.Equal(want) {
			t.Fatalf("case %d (%v, span %v): next frees up at %v, want %v", i, now, span, r.NextFree.In(loc), want.In(loc))
		}
		if freed := used - bruteUsed(span, sent, want); r.Freeing != freed {
			t.Fatalf("case %d: %d free up at %v, want %d", i, r.Freeing, want, freed)
		}
		if r.NextFree.Second() != 0 || r.NextFree.Nanosecond() != 0 {
			t.Fatalf("case %d: next frees up at %v, not a whole minute", i, r.NextFree)
		}
	}
}

// TestRollingEdges pins the instants where an entry stops counting.
func TestRollingEdges(t *testing.T) {
	week := 7 * 24 * time.Hour
	at := time.Date(2026, 11, 24, 15, 4, 30, 0, time.UTC)
	sent := []quota.Sent{{At: at, Count: 12}, {At: at.Add(time.Hour), Count: 3}}
	cases := []struct {
		now      time.Time
		used     int
		nextFree time.Time
		freeing  int
	}{
		{at.Add(2 * time.Hour), 15, time.Date(2026, 12, 1, 15, 5, 0, 0, time.UTC), 12},
		{at.Add(week - time.Nanosecond), 15, time.Date(2026, 12, 1, 15, 5, 0, 0, time.UTC), 12},
		{at.Add(week), 3, time.Date(2026, 12, 1, 16, 5, 0, 0, time.UTC), 3},
		{at.Add(week + time.Hour), 0, time.Time{}, 0},
	}
	for _, tc := range cases {
		r := quota.Rolling(week, 100, sent, tc.now)
		if r.Used != tc.used || !r.NextFree.Equal(tc.nextFree) || r.Freeing != tc.freeing {
			t.Errorf("at %v: used %d, %d free at %v; want %d, %d at %v", tc.now, r.Used, r.Freeing, r.NextFree, tc.used, tc.freeing, tc.nextFree)
		}
	}
	if r := quota.Rolling(week, 10, sent, at.Add(2*time.Hour)); r.Left() != 0 || r.Over() != 5 || r.Standing() != quota.Over {
		t.Errorf("15 of 10: left %d, over %d, standing %d", r.Left(), r.Over(), r.Standing())
	}
}
