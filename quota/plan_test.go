package quota_test

import (
	"errors"
	"testing"

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
	if got := p.Kinds(); len(got) != 2 || got[0] != quota.Message || got[1] != quota.InMail {
		t.Errorf("kinds: got %v, want [message inmail]", got)
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
