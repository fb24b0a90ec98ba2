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
