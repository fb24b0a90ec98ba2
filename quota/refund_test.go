package quota_test

import (
	"errors"
	"testing"
	"time"

	"github.com/quotabot/quotabot/quota"
)

// TestBalance: Tier.Balance reads the moves from when the member began on
// the tier, gives nil for a kind not paid in credits, and starts a member
// not yet enrolled now, with one grant.
func TestBalance(t *testing.T) {
	t.Parallel()
	nav := quota.DefaultPlan().Tier("sales_navigator")
	start := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	now := start.Add(5 * 24 * time.Hour)
	var asked time.Time
	sent := func(since time.Time) ([]quota.Sent, error) {
		asked = since
		return []quota.Sent{{At: start.Add(time.Hour), Count: 7}, {At: start.Add(2 * time.Hour), Count: 2, Refund: true}}, nil
	}
	b, err := nav.Balance(quota.InMail, start, now, time.UTC, sent)
	if err != nil || b == nil {
		t.Fatalf("Balance: %v, %v", b, err)
	}
	if !asked.Equal(start) || b.Balance != 45 || b.Refundable != 5 || b.Period.Spent != 7 || b.Period.Refunded != 2 {
		t.Errorf("asked from %s, got %+v; want from the start, 45 left, 5 refundable", asked, *b)
	}
	if b, err := nav.Balance(quota.Message, start, now, time.UTC, sent); b != nil || err != nil {
		t.Errorf("messages: got %+v, %v; want nil, as they are not paid in credits", b, err)
	}
	if b, err := nav.Balance(quota.InMail, time.Time{}, now, time.UTC, sent); err != nil || !asked.Equal(now) || b.Period.Opening != 50 {
		t.Errorf("a member not enrolled: asked from %s, got %+v, %v; want from now with one grant", asked, b, err)
	}
	if !nav.ReadsSent() || quota.DefaultPlan().Tier("premium").ReadsSent() != quota.DefaultPlan().Tier("premium").HasRolling() {
		t.Errorf("ReadsSent: a credit tier must read what was sent")
	}
}

// TestCheckRefund: a refund is refused for a kind not paid in credits and
// above what may be given back, with how much may.
func TestCheckRefund(t *testing.T) {
	t.Parallel()
	nav := quota.DefaultPlan().Tier("sales_navigator")
	b := &quota.CreditBalance{Refundable: 3}
	if err := nav.CheckRefund(quota.InMail, 3, b); err != nil {
		t.Errorf("3 of 3: %v", err)
	}
	var re *quota.RefundError
	if err := nav.CheckRefund(quota.InMail, 4, b); !errors.Is(err, quota.ErrRefundTooMuch) || !errors.As(err, &re) || re.Refundable != 3 {
		t.Errorf("4 of 3: got %v, want ErrRefundTooMuch saying 3", err)
	}
	if err := nav.CheckRefund(quota.Message, 1, nil); !errors.Is(err, quota.ErrNoCredits) || errors.Is(err, quota.ErrRefundTooMuch) {
		t.Errorf("messages: got %v, want ErrNoCredits", err)
	}
}

// TestRefundsAreNotSends: a rolling window never counts a refund, and a
// kind's Left is the least of its windows and its balance, never below 0.
func TestRefundsAreNotSends(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	r := quota.Rolling(7*24*time.Hour, 100, []quota.Sent{
		{At: now.Add(-time.Hour), Count: 5},
		{At: now.Add(-2 * time.Hour), Count: 3, Refund: true},
	}, now)
	if r.Used != 5 || r.Freeing != 5 {
		t.Errorf("rolling with a refund: used %d, freeing %d; want 5 and 5", r.Used, r.Freeing)
	}
	ku := quota.KindUsage{Rolling: []quota.RollingUsage{r}, Credits: &quota.CreditBalance{Balance: 12}}
	if ku.Left() != 12 {
		t.Errorf("Left: got %d, want the balance, 12", ku.Left())
	}
	ku.Credits.Balance = -4
	if ku.Left() != 0 {
		t.Errorf("Left past the balance: got %d, want 0", ku.Left())
	}
}

// TestRefundsSettleOldestSends: a refund gives back the oldest sends it
// can, so once those leave the 90 days it no longer eats into newer ones;
// and a send a refund gave back cannot be taken back before the refund.
func TestRefundsSettleOldestSends(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	moves := []quota.CreditMove{
		{At: t0, Count: 5},
		{At: t0.Add(80 * day), Count: 5, Refund: true}, // gives back day 0's five
		{At: t0.Add(95 * day), Count: 3},
	}
	if got := quota.Refundable(moves, t0.Add(95*day+time.Hour)); got != 3 {
		t.Errorf("Refundable on day 95: %d, want the 3 sent that day", got)
	}
	if got := quota.Refundable(moves[:2], t0.Add(85*day)); got != 0 {
		t.Errorf("Refundable on day 85: %d, want 0: the five were given back", got)
	}

	sends := []quota.CreditMove{
		{At: t0, Count: 5},
		{At: t0.Add(time.Hour), Count: 3},
		{At: t0.Add(2 * time.Hour), Count: 6, Refund: true}, // the five, and one of the three
		{At: t0.Add(3 * time.Hour), Count: 2},
	}
	for _, c := range []struct {
		at   time.Time
		want error
	}{
		{t0, quota.ErrRefunded},
		{t0.Add(time.Hour), quota.ErrRefunded},
		{t0.Add(3 * time.Hour), nil}, // sent after the refund: nothing rests on it
		{t0.Add(4 * time.Hour), nil}, // no send then
	} {
		if err := quota.CheckUndoSend(sends, c.at); !errors.Is(err, c.want) {
			t.Errorf("undo of the send at %s: got %v, want %v", c.at.Format(time.Kitchen), err, c.want)
		}
	}
	if err := quota.CheckUndoSend(sends[:2], t0); err != nil {
		t.Errorf("undo with no refund: %v", err)
	}
}
