package quota_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/quotabot/quotabot/quota"
)

func TestDefaultPlan(t *testing.T) {
	t.Parallel()
	p := quota.DefaultPlan()
	for _, tc := range []struct {
		tier string
		kind quota.Kind
		w    quota.Window
		max  int
		has  bool
	}{
		{"free", quota.Message, quota.Day, 100, true},
		{"free", quota.Message, quota.Month, 1500, true},
		{"free", quota.InMail, quota.Day, 0, false},
		{"premium", quota.Message, quota.Day, 100, true},
		{"premium", quota.Message, quota.Month, 1500, true},
		{"premium", quota.InMail, quota.Day, 20, true},
		{"premium", quota.InMail, quota.Month, 300, true},
	} {
		l, ok := p.Tier(tc.tier).Limit(tc.kind, tc.w)
		if ok != tc.has || l.Max != tc.max {
			t.Errorf("%s %s per %s: got %d (%v), want %d (%v)", tc.tier, tc.kind, tc.w, l.Max, ok, tc.max, tc.has)
		}
	}
	if got, want := p.Kinds(), []quota.Kind{quota.Message, quota.InMail, quota.Invite}; !slices.Equal(got, want) {
		t.Errorf("kinds: got %v, want %v", got, want)
	}
	week := quota.Limit{Span: 7 * 24 * time.Hour, Max: 100}
	for _, name := range p.TierNames() {
		if got := p.Tiers[name].Limits[quota.Invite]; !slices.Equal(got, []quota.Limit{week}) {
			t.Errorf("%s invitations: got %v, want 100 over 7 days", name, got)
		}
	}
	for name, want := range map[string]quota.Credits{
		"career": {Grant: 5, Cap: 15, RenewDay: 1}, "business": {Grant: 15, Cap: 45, RenewDay: 1},
		"sales_navigator": {Grant: 50, Cap: 150, RenewDay: 1}, "recruiter_lite": {Grant: 30, Cap: 120, RenewDay: 1},
	} {
		tier := p.Tiers[name]
		if got := tier.Credits[quota.InMail]; got != want || !tier.Has(quota.InMail) || len(tier.Limits[quota.InMail]) != 0 {
			t.Errorf("%s InMail: got credits %+v and windows %v, want credits %+v and no windows", name, got, tier.Limits[quota.InMail], want)
		}
		if l, ok := tier.Limit(quota.Message, quota.Month); !ok || l.Max != 1500 {
			t.Errorf("%s messages a month: got %v (%v), want the article's 1,500", name, l, ok)
		}
	}
	if len(p.Tiers["free"].Credits)+len(p.Tiers["premium"].Credits) != 0 {
		t.Error("free and premium: got credits, want the article's windows only")
	}
}

func TestParseKind(t *testing.T) {
	t.Parallel()
	p := quota.DefaultPlan()
	for _, tc := range []struct {
		in      string
		want    quota.Kind
		suggest string
	}{
		{"message", quota.Message, ""},
		{"messages", quota.Message, ""},
		{"InMail", quota.InMail, ""},
		{"inmails", quota.InMail, ""},
		{"inmial", "", "inmail"},
		{"mesage", "", "message"},
		{"msg", "", ""},
		{"fax", "", ""},
		{"", "", ""},
	} {
		got, err := p.ParseKind(tc.in)
		if got != tc.want {
			t.Errorf("ParseKind(%q): got %q, want %q", tc.in, got, tc.want)
		}
		if tc.want != "" {
			continue
		}
		var ue *quota.UnknownError
		if !errors.As(err, &ue) || !errors.Is(err, quota.ErrUnknownKind) {
			t.Errorf("ParseKind(%q): got error %v, want an UnknownError", tc.in, err)
			continue
		}
		if ue.Suggestion != tc.suggest {
			t.Errorf("ParseKind(%q): suggestion %q, want %q", tc.in, ue.Suggestion, tc.suggest)
		}
	}
}

func TestNewPlanRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		tiers map[string]quota.Tier
		def   string
	}{
		{"negative", map[string]quota.Tier{"free": {Limits: map[quota.Kind][]quota.Limit{quota.Message: {{Window: quota.Day, Max: -1}}}}}, "free"},
		{"window twice", map[string]quota.Tier{"free": {Limits: map[quota.Kind][]quota.Limit{quota.Message: {{Window: quota.Day, Max: 1}, {Window: quota.Day, Max: 2}}}}}, "free"},
		{"unknown default", quota.DefaultTiers(), "gold"},
		{"bad kind name", map[string]quota.Tier{"free": {Limits: map[quota.Kind][]quota.Limit{"in mail": {{Window: quota.Day, Max: 1}}}}}, "free"},
		{"bad window", map[string]quota.Tier{"free": {Limits: map[quota.Kind][]quota.Limit{quota.Message: {{Window: 9, Max: 1}}}}}, "free"},
	} {
		if _, err := quota.NewPlan(tc.tiers, tc.def); !errors.Is(err, quota.ErrInvalidPlan) {
			t.Errorf("%s: got %v, want ErrInvalidPlan", tc.name, err)
		}
	}
}
