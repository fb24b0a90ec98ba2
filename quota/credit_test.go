package quota_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/quotabot/quotabot/quota"
)

// creditModel is a second, plainer reading of the credit rules: it walks
// the calendar a day at a time and applies each renewal and move in order.
type creditModel struct {
	c       quota.Credits
	balance int
	lost    int
}

func (m *creditModel) renew() {
	total := m.balance + m.c.Grant
	capped := total
	if total > m.c.Cap {
		capped = max(m.c.Cap, m.balance)
	}
	m.lost += total - capped
	m.balance = capped
}

// renewsOn reports whether day y-m-d is the renewal day of its month.
func renewsOn(c quota.Credits, y int, m time.Month, d int) bool {
	last := time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day()
	return d == min(c.RenewDay, last)
}

func modelRun(c quota.Credits, start time.Time, moves []quota.CreditMove, now time.Time, loc *time.Location) creditModel {
	m := creditModel{c: c}
	m.renew() // the first grant, at start
	sorted := slices.Clone(moves)
	slices.SortStableFunc(sorted, func(a, b quota.CreditMove) int { return a.At.Compare(b.At) })
	apply := func(from, to time.Time) { // moves in [from, to)
		for _, mv := range sorted {
			if mv.At.Before(from) || !mv.At.Before(to) || mv.At.Before(start) {
				continue
			}
			if mv.Refund {
				m.balance += mv.Count
			} else {
				m.balance -= mv.Count
			}
		}
	}
	last := start
	y, mo, d := start.In(loc).Date()
	for day := time.Date(y, mo, d+1, 0, 0, 0, 0, loc); !day.After(now); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc) {
		if !renewsOn(c, day.Year(), day.Month(), day.Day()) {
			continue
		}
		apply(last, day)
		m.renew()
		last = day
	}
	apply(last, now.Add(1000*24*time.Hour))
	return m
}

// TestCreditsModel replays random spends and refunds across renewals, caps
// below and above the grant, renew days past a short month's end and
// daylight-saving changes, and holds the balance, what the cap took and
// what may be refunded to the model's plainer reading, with no store.
func TestCreditsModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 90))
	zones := []string{"America/New_York", "Europe/Berlin", "UTC"}
	for i := range 3000 {
		loc, err := time.LoadLocation(zones[rng.IntN(len(zones))])
		if err != nil {
			t.Fatal(err)
		}
		c := quota.Credits{Grant: []int{5, 15, 30, 50}[rng.IntN(4)], RenewDay: 1 + rng.IntN(31)}
		c.Cap = c.Grant * (1 + rng.IntN(4))
		start := time.Date(2026, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), 0, 0, loc)
		now := start.Add(time.Duration(rng.Int64N(int64(400 * 24 * time.Hour))))
		moves := make([]quota.CreditMove, rng.IntN(40))
		for j := range moves {
			at := start.Add(time.Duration(rng.Int64N(int64(now.Sub(start)+time.Hour))) - 30*time.Minute)
			if at.After(now) {
				at = now
			}
			if rng.IntN(10) == 0 && j > 0 {
				at = moves[j-1].At // two at one instant
			}
			if r := c.Renewal(at, loc); rng.IntN(20) == 0 && !r.After(now) {
				at = r // on a renewal's instant
			}
			moves[j] = quota.CreditMove{At: at, Count: 1 + rng.IntN(12), Refund: rng.IntN(4) == 0}
		}
		b := quota.CreditsAt(c, start, moves, now, loc)
		m := modelRun(c, start, moves, now, loc)
		if b.Balance != m.balance {
			t.Fatalf("case %d %+v from %v to %v: balance %d, model %d", i, c, start, now, b.Balance, m.balance)
		}
		lost := 0
		for _, p := range quota.CreditPeriods(c, start, moves, now, loc) {
			lost += p.Lost
			if p.Granted+p.Lost != c.Grant {
				t.Fatalf("case %d: granted %d + lost %d is not the grant %d", i, p.Granted, p.Lost, c.Grant)
			}
		}
		if lost != m.lost {
			t.Fatalf("case %d: lost %d to the cap, model %d", i, lost, m.lost)
		}
		next := m
		next.renew()
		if !b.RenewsAt().Equal(c.Renewal(now, loc)) || b.LostAtRenewal != next.lost-m.lost {
			t.Fatalf("case %d: renews %v losing %d; want %v losing %d", i, b.RenewsAt(), b.LostAtRenewal, c.Renewal(now, loc), next.lost-m.lost)
		}
		if want := unitRefundable(moves, now); b.Refundable != want {
			t.Fatalf("case %d: refundable %d, want %d", i, b.Refundable, want)
		}
	}
}

// unitRefundable is Refundable credit by credit: each send is so many
// credits dated when it was sent, a refund takes away the oldest ones
// still within RefundDays of it, and what is left within RefundDays of
// now may be refunded.
func unitRefundable(moves []quota.CreditMove, now time.Time) int {
	sorted := slices.Clone(moves)
	slices.SortStableFunc(sorted, func(a, b quota.CreditMove) int { return a.At.Compare(b.At) })
	var units []time.Time
	within := func(u, t time.Time) bool { return t.Sub(u) < quota.RefundDays*24*time.Hour }
	for _, mv := range sorted {
		if !mv.Refund {
			for range mv.Count {
				units = append(units, mv.At)
			}
			continue
		}
		n := mv.Count
		units = slices.DeleteFunc(units, func(u time.Time) bool {
			if n > 0 && within(u, mv.At) {
				n--
				return true
			}
			return false
		})
	}
	left := 0
	for _, u := range units {
		if within(u, now) {
			left++
		}
	}
	return left
}

// TestCreditRenewal pins renewals to the day: the 31st renews on the last
// day of a shorter month, at local midnight, across a DST change.
func TestCreditRenewal(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	c := quota.Credits{Grant: 50, Cap: 150, RenewDay: 31}
	cases := []struct{ from, want time.Time }{
		{time.Date(2027, 2, 10, 9, 0, 0, 0, ny), time.Date(2027, 2, 28, 0, 0, 0, 0, ny)},
		{time.Date(2027, 2, 28, 0, 0, 0, 0, ny), time.Date(2027, 3, 31, 0, 0, 0, 0, ny)},
		{time.Date(2026, 10, 31, 0, 0, 0, 0, ny).Add(-time.Nanosecond), time.Date(2026, 10, 31, 0, 0, 0, 0, ny)},
		{time.Date(2026, 11, 2, 0, 0, 0, 0, ny), time.Date(2026, 11, 30, 0, 0, 0, 0, ny)},
	}
	for _, tc := range cases {
		if got := c.Renewal(tc.from, ny); !got.Equal(tc.want) {
			t.Errorf("renewal after %v = %v, want %v", tc.from, got, tc.want)
		}
	}
	// 150 banked: the next 50 are lost to the cap, and a spend of 10 saves 10.
	start := time.Date(2026, 8, 15, 12, 0, 0, 0, ny)
	b := quota.CreditsAt(c, start, nil, time.Date(2026, 11, 15, 12, 0, 0, 0, ny), ny)
	if b.Balance != 150 || b.LostAtRenewal != 50 || b.Renewal != 0 {
		t.Errorf("after three renewals: balance %d, renewal +%d losing %d; want 150, +0, 50", b.Balance, b.Renewal, b.LostAtRenewal)
	}
	spent := []quota.CreditMove{{At: time.Date(2026, 11, 10, 0, 0, 0, 0, ny), Count: 160}}
	b = quota.CreditsAt(c, start, spent, time.Date(2026, 11, 15, 12, 0, 0, 0, ny), ny)
	if b.Balance != -10 || b.Renewal != 50 || b.LostAtRenewal != 0 || b.Refundable != 160 {
		t.Errorf("160 spent of 150: balance %d, renewal +%d losing %d, refundable %d; want -10, +50, 0, 160", b.Balance, b.Renewal, b.LostAtRenewal, b.Refundable)
	}
}
