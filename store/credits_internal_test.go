package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
)

// creditModel is what a member on a credit tier has done, as the model
// test keeps it: every entry in the order it was logged.
type creditModel struct {
	start   time.Time // when the member began on the tier
	entries []creditEntry
	// seen counts what the run went through, so that a run that never
	// refused a refund or lost a credit to the cap fails rather than
	// passes for want of trying.
	seen map[string]int
}

type creditEntry struct {
	id     string
	move   quota.CreditMove
	undone bool
}

// moves returns the standing moves since the member began on the tier,
// as the ledger reads them.
func (m *creditModel) moves() []quota.CreditMove {
	var out []quota.CreditMove
	for _, e := range m.entries {
		if !e.undone && !e.move.At.Before(m.start) {
			out = append(out, e.move)
		}
	}
	return out
}

// undoable returns the index of the entry /logsend undo takes back at
// now: the last logged of those that stand, dated in the last 24 hours.
func (m *creditModel) undoable(now time.Time) int {
	for i := len(m.entries) - 1; i >= 0; i-- {
		e := m.entries[i]
		if !e.undone && !e.move.At.Before(quota.UndoableSince(now)) {
			return i
		}
	}
	return -1
}

// TestCreditsModel logs InMails, refunds and undos on a Sales Navigator
// member through the real store, with the clock moving minutes to days at
// a time over more than a year (renewals, month ends, daylight-saving
// days), a spell on another tier, and restarts. After every step the
// balance the ledger gives, in a log's answer and from Usage, is
// quota.CreditsAt's over the model's moves; a refund above what may be
// given back is refused with that amount and records nothing; refunds
// never reach the counters (Check recounts them without); and export's
// entries, history and undo see refunds as entries of their own.
func TestCreditsModel(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			runCreditsModel(t, seed, 400)
		})
	}
}

func runCreditsModel(t *testing.T, seed uint64, steps int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 11))
	ny := testutil.NewYork(t)
	clock := testutil.NewClock(time.Date(2026, 1, 20, 9, 30, 0, 0, ny))
	dir := t.TempDir()
	opts := Options{Now: clock.Now, Location: ny}
	l := openModelLedger(t, dir, opts)
	c := l.Plan().Tier("sales_navigator").Credits[quota.InMail]
	setTier := func(tier string) quota.Member {
		m, err := l.SetTier(ctx, SetTierRequest{Member: "U1", Tier: tier, By: "U1"})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := &creditModel{start: setTier("sales_navigator").TierSetAt, seen: map[string]int{}}
	onTier := true
	for step := range steps {
		// Half the steps minutes apart, within undo's reach; half days.
		if rng.IntN(2) == 0 {
			clock.Add(time.Duration(rng.IntN(600)) * time.Minute)
		} else {
			clock.Add(time.Duration(rng.IntN(6*24*60)) * time.Minute)
		}
		now := clock.Now()
		where := fmt.Sprintf("step %d at %s", step, now.Format(time.RFC3339))
		switch r := rng.IntN(20); {
		case step == steps/2:
			// A spell on another tier: credits start afresh after it.
			setTier("business")
			onTier = false
		case !onTier:
			m.start, onTier = setTier("sales_navigator").TierSetAt, true
		case r < 9:
			n := 1 + rng.IntN(25)
			if r == 0 {
				n = 60 + rng.IntN(100) // past the balance: recorded all the same
			}
			creditLog(t, l, m, where, n, false, c, ny)
		case r < 15:
			want := quota.Refundable(m.moves(), now)
			n := 1 + rng.IntN(want+3)
			creditLog(t, l, m, where, min(n, quota.MaxCount), true, c, ny)
		case r < 17:
			creditUndo(t, l, m, where, now)
		case r < 18:
			creditUndoEntry(t, l, m, where, now, rng)
		default:
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l = openModelLedger(t, dir, opts)
		}
		if onTier {
			creditCheck(t, l, m, where, c, ny)
		}
		if step%50 == 0 {
			mustCheck(t, l, where)
		}
	}
	mustCheck(t, l, "at the end")
	creditExport(t, l, m)
	for _, what := range []string{"refund", "refund refused", "refund undone", "send undone", "past the balance", "lost at renewal", "renewal"} {
		if m.seen[what] == 0 {
			t.Errorf("the run never saw %s: %v", what, m.seen)
		}
	}
}

// creditLog logs n InMails, or refunds n, and holds the answer to the
// model: a refund above what may be given back is refused with how much
// may, and records nothing.
func creditLog(t *testing.T, l *Ledger, m *creditModel, where string, n int, refund bool, c quota.Credits, loc *time.Location) {
	t.Helper()
	now := l.now()
	refundable := quota.Refundable(m.moves(), now)
	res, err := l.Log(context.Background(), LogRequest{Member: "U1", Kind: quota.InMail, Count: n, Refund: refund})
	if refund && n > refundable {
		var re *quota.RefundError
		if !errors.As(err, &re) || !errors.Is(err, quota.ErrRefundTooMuch) || re.Refundable != refundable {
			t.Fatalf("%s: refund of %d with %d refundable: got %v, want a RefundError saying %d", where, n, refundable, err, refundable)
		}
		m.seen["refund refused"]++
		return
	}
	if err != nil {
		t.Fatalf("%s: log %d (refund %t): %v", where, n, refund, err)
	}
	if res.Entry.Refund != refund || res.Entry.Count != n {
		t.Fatalf("%s: logged %+v, want %d (refund %t)", where, res.Entry, n, refund)
	}
	m.entries = append(m.entries, creditEntry{id: res.Entry.ID, move: quota.CreditMove{At: res.Entry.At, Count: n, Refund: refund}})
	if refund {
		m.seen["refund"]++
	}
	want := quota.CreditsAt(c, m.start, m.moves(), now, loc)
	if got := res.Usage.Credits; got == nil || !sameBalance(*got, want) {
		t.Fatalf("%s: the log's answer has balance %+v, want %+v", where, got, want)
	}
}

// creditUndo takes back the member's last entry and holds the answer to
// the model's choice.
func creditUndo(t *testing.T, l *Ledger, m *creditModel, where string, now time.Time) {
	t.Helper()
	i := m.undoable(now)
	e, err := l.Undo(context.Background(), "U1", "")
	if i < 0 {
		if !errors.Is(err, quota.ErrNothingToUndo) {
			t.Fatalf("%s: undo with nothing to take back: %v", where, err)
		}
		return
	}
	if err != nil || e.ID != m.entries[i].id || e.Refund != m.entries[i].move.Refund {
		t.Fatalf("%s: undo took back %+v (%v), want %s", where, e, err, m.entries[i].id)
	}
	m.entries[i].undone = true
	if e.Refund {
		m.seen["refund undone"]++
	} else {
		m.seen["send undone"]++
	}
}

// creditUndoEntry takes back one of the member's entries of the last 24
// hours at random, as its Undo button does: a send a refund gave back
// since is refused (quota.CheckUndoSend) and stays.
func creditUndoEntry(t *testing.T, l *Ledger, m *creditModel, where string, now time.Time, rng *rand.Rand) {
	t.Helper()
	var recent []int
	for i, e := range m.entries {
		if !e.undone && !e.move.At.Before(quota.UndoableSince(now)) {
			recent = append(recent, i)
		}
	}
	if len(recent) == 0 {
		return
	}
	// Half the time, a send given back since, if there is one: few
	// random picks would find one.
	var refunded []int
	for _, i := range recent {
		if e := m.entries[i]; !e.move.Refund && quota.CheckUndoSend(m.moves(), e.move.At) != nil {
			refunded = append(refunded, i)
		}
	}
	if len(refunded) > 0 && rng.IntN(2) == 0 {
		recent = refunded
	}
	i := recent[rng.IntN(len(recent))]
	e := m.entries[i]
	kept := !e.move.Refund && quota.CheckUndoSend(m.moves(), e.move.At) != nil
	got, err := l.UndoEntry(context.Background(), "U1", e.id, "")
	if kept {
		if !errors.Is(err, quota.ErrRefunded) {
			t.Fatalf("%s: undo of a send given back since: got %+v, %v; want ErrRefunded", where, got, err)
		}
		m.seen["send kept for its refund"]++
		return
	}
	if err != nil || got.ID != e.id {
		t.Fatalf("%s: undo of %s: got %+v, %v", where, e.id, got, err)
	}
	m.entries[i].undone = true
}

// creditCheck holds the ledger's balance now to quota.CreditsAt over the
// model's moves.
func creditCheck(t *testing.T, l *Ledger, m *creditModel, where string, c quota.Credits, loc *time.Location) {
	t.Helper()
	u, err := l.Usage(context.Background(), "U1")
	if err != nil {
		t.Fatal(err)
	}
	ku, _ := u.Kind(quota.InMail)
	want := quota.CreditsAt(c, m.start, m.moves(), l.now(), loc)
	if ku.Credits == nil || !sameBalance(*ku.Credits, want) {
		t.Fatalf("%s: Usage has balance %+v, want %+v", where, ku.Credits, want)
	}
	if ku.Left() != max(0, want.Balance) {
		t.Fatalf("%s: %d left, want %d", where, ku.Left(), max(0, want.Balance))
	}
	if want.Balance < 0 {
		m.seen["past the balance"]++
	}
	if want.LostAtRenewal > 0 {
		m.seen["lost at renewal"]++
	}
	if !want.Period.Start.Equal(m.start) {
		m.seen["renewal"]++
	}
	// The month's counter holds the sends that stand, never a refund.
	month := quota.Month.Period(l.now(), loc)
	s, err := l.Summary(context.Background(), month)
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	for _, e := range m.entries {
		if !e.undone && !e.move.Refund && month.Contains(e.move.At) {
			sent += e.move.Count
		}
	}
	if s.Totals[quota.InMail] != sent {
		t.Fatalf("%s: the month's InMail counter is %d, want the %d sent", where, s.Totals[quota.InMail], sent)
	}
}

// creditExport holds the entries export reads to the model: refunds
// among them, marked, as history has them too.
func creditExport(t *testing.T, l *Ledger, m *creditModel) {
	t.Helper()
	var got []quota.Entry
	for e, err := range l.Entries(context.Background(), time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	var want []creditEntry
	for _, e := range m.entries {
		if !e.undone {
			want = append(want, e)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("Entries: %d, want %d", len(got), len(want))
	}
	for i, e := range got {
		if e.ID != want[i].id || e.Refund != want[i].move.Refund || e.Count != want[i].move.Count {
			t.Fatalf("Entries[%d]: %+v, want %+v", i, e, want[i])
		}
	}
}

// sameBalance compares balances, their instants by time, not location.
func sameBalance(a, b quota.CreditBalance) bool {
	return a.Credits == b.Credits && a.At.Equal(b.At) && a.Balance == b.Balance &&
		a.Period.Start.Equal(b.Period.Start) && a.Period.End.Equal(b.Period.End) &&
		a.Period.Opening == b.Period.Opening && a.Period.Granted == b.Period.Granted && a.Period.Lost == b.Period.Lost &&
		a.Period.Spent == b.Period.Spent && a.Period.Refunded == b.Period.Refunded &&
		a.Renewal == b.Renewal && a.LostAtRenewal == b.LostAtRenewal && a.Refundable == b.Refundable
}

// TestCreditsKeptAcrossSteps: setting the tier a member is on keeps their
// credits (it once restarted them from one grant), and a send that a
// refund gave back cannot be taken back before the refund is, which once
// left credits in the balance for InMails never sent.
func TestCreditsKeptAcrossSteps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := testutil.NewClock(time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC))
	l := openModelLedger(t, t.TempDir(), Options{Now: clock.Now, Location: time.UTC})
	balance := func() int {
		t.Helper()
		u, err := l.Usage(ctx, "U1")
		if err != nil {
			t.Fatal(err)
		}
		ku, _ := u.Kind(quota.InMail)
		if ku.Credits == nil {
			t.Fatal("no credit balance on career")
		}
		return ku.Credits.Balance
	}
	first, err := l.SetTier(ctx, SetTierRequest{Member: "U1", Tier: "career", By: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute)
	sent, err := l.Log(ctx, LogRequest{Member: "U1", Kind: quota.InMail, Count: 5})
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute)
	again, err := l.SetTier(ctx, SetTierRequest{Member: "U1", Tier: "career", By: "UADMIN"})
	if err != nil {
		t.Fatal(err)
	}
	if b := balance(); b != 0 || !again.TierSetAt.Equal(first.TierSetAt) || again.TierSetBy != "U1" {
		t.Errorf("career set again: balance %d, set %s by %s; want 0, unchanged from %s by U1", b, again.TierSetAt, again.TierSetBy, first.TierSetAt)
	}

	clock.Add(time.Minute)
	refund, err := l.Log(ctx, LogRequest{Member: "U1", Kind: quota.InMail, Count: 2, Refund: true})
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute)
	if _, err := l.UndoEntry(ctx, "U1", sent.Entry.ID, ""); !errors.Is(err, quota.ErrRefunded) {
		t.Fatalf("undo of the send given back: %v, want ErrRefunded", err)
	}
	if b := balance(); b != 2 {
		t.Errorf("after the refused undo: balance %d, want 2", b)
	}
	if _, err := l.UndoEntry(ctx, "U1", refund.Entry.ID, ""); err != nil {
		t.Fatalf("undo of the refund: %v", err)
	}
	if _, err := l.UndoEntry(ctx, "U1", sent.Entry.ID, ""); err != nil {
		t.Fatalf("undo of the send once its refund is taken back: %v", err)
	}
	if b := balance(); b != 5 {
		t.Errorf("with nothing standing: balance %d, want the grant, 5", b)
	}
	mustCheck(t, l, "at the end")
}
