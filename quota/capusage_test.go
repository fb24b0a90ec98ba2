package quota_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/quotabot/quotabot/quota"
)

// TestUsageWithCaps: Plan.Usage holds a capped member to the capped
// limits in every window and says which caps hold, beside the tier's own
// limit; a cap above the tier, or on a kind the tier cannot send, changes
// nothing and is not reported; the tier itself is left as it was.
func TestUsageWithCaps(t *testing.T) {
	plan := quota.DefaultPlan()
	now := time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)
	caps := []quota.Cap{
		{Kind: "invite", Limit: quota.Limit{Span: week, Max: 30}, By: "UADMIN", At: now},
		{Kind: quota.Message, Limit: quota.Limit{Window: quota.Day, Max: 500}, By: "UADMIN", At: now},
		{Kind: quota.InMail, Limit: quota.Limit{Window: quota.Day, Max: 1}, By: "UADMIN", At: now}, // free sends none
	}
	m := quota.Member{ID: "U1", Tier: "free", Caps: caps, Pause: &quota.Pause{Reason: "warned", By: "UADMIN", At: now}}
	sent := func(quota.Kind, time.Time) ([]quota.Sent, error) {
		return []quota.Sent{{At: now.Add(-time.Hour), Count: 31}}, nil
	}
	u, err := plan.Usage(m, now, time.UTC, func(quota.Kind, quota.Period) (int, error) { return 0, nil }, sent)
	if err != nil {
		t.Fatal(err)
	}
	if u.Member.Pause == nil || u.Member.Pause.Reason != "warned" {
		t.Errorf("the usage's member lost the pause: %+v", u.Member)
	}
	inv, ok := u.Kind("invite")
	if !ok || len(inv.Rolling) != 1 || inv.Rolling[0].Max != 30 || inv.Rolling[0].Over() != 1 {
		t.Fatalf("invites: got %+v, want 31 of a capped 30", inv)
	}
	if want := []quota.CapHold{{Cap: caps[0], Tier: quota.Limit{Span: week, Max: 100}, TierHas: true}}; !slices.Equal(inv.Caps, want) || !inv.Capped() {
		t.Errorf("invite caps: got %+v, want %+v", inv.Caps, want)
	}
	msg, _ := u.Kind(quota.Message)
	if msg.Capped() || msg.Windows[0].Limit.Max != 100 {
		t.Errorf("messages under a cap above the tier: got %+v, want the tier's 100 and no cap", msg)
	}
	if _, ok := u.Kind(quota.InMail); ok {
		t.Errorf("a cap on a kind the tier cannot send made it sendable")
	}
	if got := plan.Tier("free").Limits["invite"][0].Max; got != 100 {
		t.Errorf("the plan's tier was changed by a member's cap: %d", got)
	}

	ms := plan.MemberSummary(quota.Member{ID: "U1", Tier: "free", Caps: []quota.Cap{{Kind: quota.Message, Limit: quota.Limit{Window: quota.Day, Max: 2}}}},
		quota.Day, map[quota.Kind]int{quota.Message: 3})
	if ks := ms.Kinds[0]; ks.Limit.Max != 2 || ks.Over() != 1 {
		t.Errorf("a capped member's day summary: got %+v, want 3 against a capped 2", ks)
	}
}

// TestHolds: a cap on a window the tier does not limit holds, without a
// tier limit beside it; caps on other kinds are not this kind's.
func TestHolds(t *testing.T) {
	tier := quota.Tier{Name: "t", Limits: map[quota.Kind][]quota.Limit{"invite": {{Span: week, Max: 100}}}}
	day := quota.Cap{Kind: "invite", Limit: quota.Limit{Window: quota.Day, Max: 10}}
	other := quota.Cap{Kind: quota.Message, Limit: quota.Limit{Window: quota.Day, Max: 10}}
	got := quota.Holds(tier, []quota.Cap{other, day}, "invite")
	if want := []quota.CapHold{{Cap: day}}; !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := tier.WithCaps(nil); got.Limits["invite"][0].Max != 100 {
		t.Errorf("WithCaps(nil): got %+v", got)
	}
}

// TestParseLimitWindow: every window a command or the store writes reads
// back as the same limit.
func TestParseLimitWindow(t *testing.T) {
	for _, l := range []quota.Limit{{Window: quota.Day}, {Window: quota.Week}, {Window: quota.Month}, {Span: week}, {Span: 36 * time.Hour}} {
		got, err := quota.ParseLimitWindow(l.WindowName())
		if err != nil || got != l {
			t.Errorf("ParseLimitWindow(%q): got %+v, %v; want %+v", l.WindowName(), got, err, l)
		}
	}
	for _, bad := range []string{"", "fortnight", "0d", "7", "Day"} {
		if _, err := quota.ParseLimitWindow(bad); !errors.Is(err, quota.ErrUnknownWindow) {
			t.Errorf("ParseLimitWindow(%q): got %v, want ErrUnknownWindow", bad, err)
		}
	}
}
