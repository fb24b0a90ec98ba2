package quota_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/quotabot/quotabot/quota"
)

const week = 7 * 24 * time.Hour

func TestLimitsWithCaps(t *testing.T) {
	tier := quota.Tier{Name: "t", Limits: map[quota.Kind][]quota.Limit{
		"invite":      {{Span: week, Max: 100}},
		quota.Message: {{Window: quota.Day, Max: 100}, {Window: quota.Month, Max: 1500}},
	}}
	caps := []quota.Cap{
		{Kind: "invite", Limit: quota.Limit{Span: week, Max: 30}},
		{Kind: "invite", Limit: quota.Limit{Window: quota.Day, Max: 10}},
		{Kind: quota.Message, Limit: quota.Limit{Window: quota.Day, Max: 500}}, // above the tier: no effect
	}
	got := quota.Limits(tier, caps, "invite")
	want := []quota.Limit{{Window: quota.Day, Max: 10}, {Span: week, Max: 30}}
	if !slices.Equal(got, want) {
		t.Errorf("invite limits %v, want %v", got, want)
	}
	if got := quota.Limits(tier, caps, quota.Message); !slices.Equal(got, tier.Limits[quota.Message]) {
		t.Errorf("a cap above the tier changed the message limits: %v", got)
	}
	if !quota.Capped(tier, caps, "invite") || quota.Capped(tier, caps, quota.Message) {
		t.Errorf("capped: invite %v, message %v; want true, false", quota.Capped(tier, caps, "invite"), quota.Capped(tier, caps, quota.Message))
	}
	if tier.Limits["invite"][0].Max != 100 {
		t.Error("Limits changed the tier's own limits")
	}

	caps = quota.SetCap(caps, quota.Cap{Kind: "invite", Limit: quota.Limit{Span: week, Max: 20}})
	if got := quota.Limits(tier, caps, "invite"); got[1].Max != 20 || len(caps) != 3 {
		t.Errorf("after a second 7d cap: %v over %d caps; want 20 over 3", got, len(caps))
	}
	caps = quota.RemoveCaps(caps, "invite")
	if got := quota.Limits(tier, caps, "invite"); !slices.Equal(got, tier.Limits["invite"]) || len(caps) != 1 {
		t.Errorf("after removing invite caps: %v, %d caps left", got, len(caps))
	}
}

func TestParseSpan(t *testing.T) {
	for s, want := range map[string]time.Duration{"7d": week, "24h": 24 * time.Hour, "36h": 36 * time.Hour, "1h": time.Hour, "366d": 366 * 24 * time.Hour} {
		got, err := quota.ParseSpan(s)
		if err != nil || got != want {
			t.Errorf("ParseSpan(%q) = %v, %v; want %v", s, got, err, want)
		}
		if back := quota.FormatSpan(got); back != s && !(s == "24h" && back == "1d") {
			t.Errorf("FormatSpan(%v) = %q, want %q", got, back, s)
		}
	}
	for _, s := range []string{"", "d", "7", "0d", "-7d", "+7d", "07d", "7w", "1.5d", "367d", "99999999999999999999d", "7 d"} {
		if _, err := quota.ParseSpan(s); !errors.Is(err, quota.ErrUnknownWindow) {
			t.Errorf("ParseSpan(%q): %v, want ErrUnknownWindow", s, err)
		}
	}
}

func TestPlanWithSpansAndCredits(t *testing.T) {
	tiers := map[string]quota.Tier{"sales": {Limits: map[quota.Kind][]quota.Limit{
		"invite": {{Span: week, Max: 100}, {Window: quota.Day, Max: 25}},
	}, Credits: map[quota.Kind]quota.Credits{quota.InMail: {Grant: 50, Cap: 150}}}}
	p, err := quota.NewPlan(tiers, "sales")
	if err != nil {
		t.Fatal(err)
	}
	tier := p.Tier("sales")
	if ls := tier.Limits["invite"]; ls[0].Window != quota.Day || ls[1].Span != week {
		t.Errorf("limits not calendar first: %v", ls)
	}
	if c := tier.Credits[quota.InMail]; c.RenewDay != 1 || !tier.Has(quota.InMail) {
		t.Errorf("credits %+v: want renewal on the 1st, and the tier to have InMail", c)
	}
	if got := p.Kinds(); !slices.Equal(got, []quota.Kind{quota.InMail, "invite"}) {
		t.Errorf("kinds %v", got)
	}
	bad := []quota.Tier{
		{Limits: map[quota.Kind][]quota.Limit{"invite": {{Span: week, Max: 1}, {Span: week, Max: 2}}}},
		{Limits: map[quota.Kind][]quota.Limit{"invite": {{Span: 30 * time.Minute, Max: 1}}}},
		{Limits: map[quota.Kind][]quota.Limit{"invite": {{Span: week, Window: quota.Day, Max: 1}}}},
		{Limits: map[quota.Kind][]quota.Limit{"invite": {{Span: week, Max: -1}}}},
		{Credits: map[quota.Kind]quota.Credits{quota.InMail: {Grant: 0, Cap: 10}}},
		{Credits: map[quota.Kind]quota.Credits{quota.InMail: {Grant: 50, Cap: 10}}},
		{Credits: map[quota.Kind]quota.Credits{quota.InMail: {Grant: 5, Cap: 10, RenewDay: 32}}},
	}
	for i, tier := range bad {
		if _, err := quota.NewPlan(map[string]quota.Tier{"x": tier}, "x"); !errors.Is(err, quota.ErrInvalidPlan) {
			t.Errorf("bad tier %d: %v, want ErrInvalidPlan", i, err)
		}
	}
}

// TestCheckCap: a cap is refused when it would hold nothing back (at or
// above the tier's limit on its window, or on a kind the tier cannot
// send), and kept below the tier, on a window the tier does not limit, or
// on a kind the tier pays for only in credits.
func TestCheckCap(t *testing.T) {
	t.Parallel()
	tiers := quota.DefaultTiers()
	day := func(n int) quota.Limit { return quota.Limit{Window: quota.Day, Max: n} }
	m := quota.Member{ID: "U1"}
	for _, tc := range []struct {
		name, tier string
		kind       quota.Kind
		lim        quota.Limit
		hold       bool // the cap holds the member back: no error
		noKind     bool
		tierMax    int
	}{
		{"below", "free", quota.Message, day(99), true, false, 0},
		{"zero", "free", quota.Message, day(0), true, false, 0},
		{"at the tier", "free", quota.Message, day(100), false, false, 100},
		{"above the tier", "free", quota.Message, day(500), false, false, 100},
		{"rolling above", "free", quota.Invite, quota.Limit{Span: week, Max: 500}, false, false, 100},
		{"a window the tier does not limit", "free", quota.Invite, day(20), true, false, 0},
		{"a kind the tier lacks", "free", quota.InMail, day(5), false, true, 0},
		{"credits, no windows", "sales_navigator", quota.InMail, day(5), true, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := quota.CheckCap(m, tiers[tc.tier], quota.Cap{Kind: tc.kind, Limit: tc.lim})
			if tc.hold {
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
				return
			}
			var he *quota.HoldError
			if !errors.As(err, &he) || !errors.Is(err, quota.ErrHoldsNothing) {
				t.Fatalf("got %v, want a *HoldError matching ErrHoldsNothing", err)
			}
			want := quota.HoldError{Member: "U1", Tier: tc.tier, Kind: tc.kind, Cap: tc.lim, NoKind: tc.noKind}
			if !tc.noKind {
				want.TierLimit = tc.lim
				want.TierLimit.Max = tc.tierMax
			}
			if *he != want {
				t.Errorf("got %+v, want %+v", *he, want)
			}
		})
	}
}

// TestCheckMemberChanges: lifting caps that are not there, resuming a
// member who is not paused, and pausing one who is, are refused with the
// member (and the pause that stands) for the words.
func TestCheckMemberChanges(t *testing.T) {
	t.Parallel()
	p := &quota.Pause{Reason: "warned", By: "UADMIN", At: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	capped := quota.Member{ID: "U1", Caps: []quota.Cap{{Kind: quota.Invite, Limit: quota.Limit{Span: week, Max: 30}}}}
	paused := quota.Member{ID: "U1", Pause: p}
	plain := quota.Member{ID: "U1"}
	for _, tc := range []struct {
		name string
		err  error
		want error // nil: allowed
	}{
		{"uncap a capped kind", quota.CheckUncap(capped, quota.Invite), nil},
		{"uncap another kind", quota.CheckUncap(capped, quota.Message), quota.ErrNoCap},
		{"uncap no caps", quota.CheckUncap(plain, quota.Invite), quota.ErrNoCap},
		{"resume a paused member", quota.CheckResume(paused), nil},
		{"resume one not paused", quota.CheckResume(plain), quota.ErrNotPaused},
		{"pause one not paused", quota.CheckPause(plain), nil},
		{"pause a paused member", quota.CheckPause(paused), quota.ErrAlreadyPaused},
	} {
		if tc.want == nil {
			if tc.err != nil {
				t.Errorf("%s: got %v, want nil", tc.name, tc.err)
			}
			continue
		}
		var ce *quota.ChangeError
		if !errors.As(tc.err, &ce) || !errors.Is(tc.err, tc.want) || ce.Member != "U1" {
			t.Errorf("%s: got %v, want a *ChangeError for U1 matching %v", tc.name, tc.err, tc.want)
		}
	}
	var ce *quota.ChangeError
	if errors.As(quota.CheckPause(paused), &ce); ce.Pause == nil || *ce.Pause != *p || ce.Pause == p {
		t.Errorf("pause that stands: got %+v, want a copy of %+v", ce.Pause, p)
	}
	if errors.As(quota.CheckUncap(plain, quota.Invite), &ce); ce.Kind != quota.Invite {
		t.Errorf("kind of a refused uncap: got %q, want invite", ce.Kind)
	}
}
