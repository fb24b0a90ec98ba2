package quota

import (
	"errors"
	"slices"
	"time"
)

// Credits is how a kind is paid for on the tiers that grant credits, as
// LinkedIn's paid plans grant InMail credits: Grant more each month on
// RenewDay, the unused ones banked up to Cap, and a credit given back
// (refunded) when an InMail gets a reply within RefundDays.
type Credits struct {
	Grant int
	Cap   int
	// RenewDay is the day of the month the grant comes, 1 to 31; a month
	// without that day renews on its last day.
	RenewDay int
}

// RefundDays is how long after sending an InMail a reply gives its credit
// back: a refund is never more than was spent over that many days.
const RefundDays = 90

// CreditMove is one standing entry of a credit kind: a send spends Count
// credits; a refund gives Count back.
type CreditMove struct {
	At     time.Time
	Count  int
	Refund bool
}

// CreditMoves reads what a rolling read gave (sends and refunds) as the
// moves of a credit balance.
func CreditMoves(sent []Sent) []CreditMove {
	moves := make([]CreditMove, len(sent))
	for i, s := range sent {
		moves[i] = CreditMove(s)
	}
	return moves
}

// CreditPeriod is the account of one renewal period, from one renewal (or
// the moment the member started on the tier) to the next.
type CreditPeriod struct {
	Start, End time.Time
	// Opening is the balance at Start, after the grant; Granted what the
	// grant added and Lost what the cap took of it.
	Opening, Granted, Lost int
	Spent, Refunded        int
}

// Closing is the balance at the period's end, before the next grant; it
// is negative when more was spent than the balance held.
func (p CreditPeriod) Closing() int { return p.Opening - p.Spent + p.Refunded }

// CreditBalance is a member's credits at a moment.
type CreditBalance struct {
	Credits Credits
	At      time.Time
	// Balance is what is left to spend now; negative when more was sent
	// than there were credits.
	Balance int
	// Period is the renewal period At falls in; it renews at Period.End.
	Period CreditPeriod
	// Renewal is what the next grant will add if nothing more is spent or
	// refunded, and LostAtRenewal what the cap will take of the grant then.
	Renewal, LostAtRenewal int
	// Refundable is the most a refund may give back now.
	Refundable int
}

// RenewsAt is when the next grant comes.
func (b CreditBalance) RenewsAt() time.Time { return b.Period.End }

// Renewal returns the first renewal after t: local midnight of the renew
// day (or the month's last day) in loc.
func (c Credits) Renewal(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, _ := t.Date()
	for {
		r := midnight(y, m, min(c.RenewDay, daysIn(y, m)), loc)
		if r.After(t) {
			return r
		}
		m++
		if m > time.December {
			y, m = y+1, time.January
		}
	}
}

// daysIn returns the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

// grant applies one renewal to a balance: the grant is banked up to the
// cap, but a renewal never takes away what is already banked (a cap the
// config lowered leaves the balance above it until it is spent).
func (c Credits) grant(balance int) (opening, granted, lost int) {
	opening = min(balance+c.Grant, max(c.Cap, balance))
	granted = opening - balance
	return opening, granted, c.Grant - granted
}

// CreditPeriods replays moves over the renewal periods from start (when the
// member began on a tier with these credits, holding one grant) up to and
// including the period that holds until. Moves before start do not count;
// they were spent under another tier. Renewals fall in loc.
func CreditPeriods(c Credits, start time.Time, moves []CreditMove, until time.Time, loc *time.Location) []CreditPeriod {
	opening, granted, lost := c.grant(0)
	p := CreditPeriod{Start: start, End: c.Renewal(start, loc), Opening: opening, Granted: granted, Lost: lost}
	var periods []CreditPeriod
	for {
		for _, m := range moves {
			if m.At.Before(p.Start) || !m.At.Before(p.End) {
				continue
			}
			if m.Refund {
				p.Refunded += m.Count
			} else {
				p.Spent += m.Count
			}
		}
		periods = append(periods, p)
		if until.Before(p.End) {
			return periods
		}
		opening, granted, lost := c.grant(p.Closing())
		p = CreditPeriod{Start: p.End, End: c.Renewal(p.End, loc), Opening: opening, Granted: granted, Lost: lost}
	}
}

// CreditsAt is the balance at now. A move dated after now (a clock that
// stepped back) counts in the period it is dated in.
func CreditsAt(c Credits, start time.Time, moves []CreditMove, now time.Time, loc *time.Location) CreditBalance {
	periods := CreditPeriods(c, start, moves, now, loc)
	p := periods[len(periods)-1]
	b := CreditBalance{Credits: c, At: now, Period: p, Balance: p.Closing()}
	for _, m := range moves {
		if !m.At.Before(p.End) && !m.At.Before(start) {
			if m.Refund {
				b.Balance += m.Count
			} else {
				b.Balance -= m.Count
			}
		}
	}
	_, b.Renewal, b.LostAtRenewal = c.grant(p.Closing())
	b.Refundable = Refundable(moves, now)
	return b
}

// Refundable is the most a refund may give back at now: what is left of
// the sends of the last RefundDays days once every refund has given back
// the oldest sends it could (matchRefunds). A move dated after now counts:
// two entries logged in one nanosecond are dated a nanosecond apart, and
// a clock that stepped back dates them ahead of it; either way they
// happened.
func Refundable(moves []CreditMove, now time.Time) int {
	open, _ := matchRefunds(moves, now)
	n := 0
	for _, m := range open {
		n += m.Count
	}
	return n
}

// matchRefunds replays moves in time order, each refund giving back the
// oldest sends still within RefundDays of it, and returns what is left of
// the sends within RefundDays of until, oldest first, and how many
// refunded credits found no send to give back. A refund settles the
// oldest sends first so that it never strands a newer one: netting all
// refunds of the window against all its sends once let a refund of sends
// that had since left the window eat into newer ones.
func matchRefunds(moves []CreditMove, until time.Time) (open []CreditMove, unmatched int) {
	sorted := slices.SortedStableFunc(slices.Values(moves), func(a, b CreditMove) int { return a.At.Compare(b.At) })
	expire := func(t time.Time) {
		from := t.Add(-RefundDays * 24 * time.Hour)
		for len(open) > 0 && !open[0].At.After(from) {
			open = open[1:]
		}
	}
	for _, m := range sorted {
		expire(m.At)
		if !m.Refund {
			open = append(open, m)
			continue
		}
		n := m.Count
		for n > 0 && len(open) > 0 {
			take := min(n, open[0].Count)
			open[0].Count -= take
			n -= take
			if open[0].Count == 0 {
				open = open[1:]
			}
		}
		unmatched += n
	}
	expire(until)
	return open, unmatched
}

// ErrRefunded: an undo of a send whose credits a later refund gave back;
// the refund has to be taken back first.
var ErrRefunded = errors.New("send's credits were given back")

// CheckUndoSend says whether the send dated at, one of moves (a member's
// standing moves of a credit kind), may be taken back: nil, or
// ErrRefunded when a refund would then have given back more than was
// sent, which would leave credits in the balance for sends that never
// happened.
func CheckUndoSend(moves []CreditMove, at time.Time) error {
	without := slices.DeleteFunc(slices.Clone(moves), func(m CreditMove) bool { return !m.Refund && m.At.Equal(at) })
	if len(without) == len(moves) {
		return nil
	}
	_, before := matchRefunds(moves, at)
	if _, after := matchRefunds(without, at); after > before {
		return ErrRefunded
	}
	return nil
}

// ReadsSent reports whether reading usage under t needs what was sent,
// not counters alone: for a rolling limit, or for a credit balance.
func (t Tier) ReadsSent() bool { return t.HasRolling() || len(t.Credits) > 0 }

// CheckRefund says whether a member on tier t whose balance of k is b
// (nil: t does not pay for k in credits) may be given count credits back:
// nil, or a *RefundError.
func (t Tier) CheckRefund(k Kind, count int, b *CreditBalance) error {
	if b == nil {
		return &RefundError{Tier: t.Name, Kind: k, Count: count, NoCredits: true}
	}
	if count > b.Refundable {
		return &RefundError{Tier: t.Name, Kind: k, Count: count, Refundable: b.Refundable}
	}
	return nil
}

// CreditAccount is a member's credits of one kind over a period (a month,
// for the monthly post): what was spent and given back in it, what the
// cap took of the grants that came in it, and what stood banked at its
// end.
type CreditAccount struct {
	Member          Member
	Kind            Kind
	Credits         Credits
	Spent, Refunded int
	// Lost is what the cap took at the renewals in the period.
	Lost int
	// Banked is the balance at the period's end; negative when more was
	// spent than there were credits.
	Banked int
}

// Account is m's account of credit kind k over period p, from moves (m's
// standing moves of k since m began on the tier, m.TierStart(); any
// after p are left out). ok is false when t does not pay k in credits or
// m began on t after p.
func (t Tier) Account(m Member, k Kind, p Period, moves []CreditMove, loc *time.Location) (a CreditAccount, ok bool) {
	c, has := t.Credits[k]
	start, end := m.TierStart(), p.End()
	if !has || start.IsZero() || !start.Before(end) {
		return CreditAccount{}, false
	}
	var before []CreditMove
	for _, mv := range moves {
		if mv.At.Before(start) || !mv.At.Before(end) {
			continue
		}
		before = append(before, mv)
		switch {
		case mv.At.Before(p.Start):
		case mv.Refund:
			a.Refunded += mv.Count
		default:
			a.Spent += mv.Count
		}
	}
	last := end.Add(-time.Nanosecond)
	for _, cp := range CreditPeriods(c, start, before, last, loc) {
		if p.Contains(cp.Start) {
			a.Lost += cp.Lost
		}
	}
	a.Member, a.Kind, a.Credits = m, k, c
	a.Banked = CreditsAt(c, start, before, last, loc).Balance
	return a, true
}
