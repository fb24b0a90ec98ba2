package commands

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
)

func TestFmtInt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "0"}, {5, "5"}, {999, "999"}, {1000, "1,000"}, {1495, "1,495"}, {1234567, "1,234,567"}, {-1500, "-1,500"},
	} {
		if got := quota.FormatCount(tc.n); got != tc.want {
			t.Errorf("quota.FormatCount(%d): got %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestJSONLen(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", "<@U123ABC> & co", `"quoted" \ back`, "tab\there\nnl", "émoji 🚨 ▓░", "\u2028"} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonLen(s); got != len(b) {
			t.Errorf("jsonLen(%q): got %d, want %d", s, got, len(b))
		}
	}
}

func TestClipText(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("é", 10)
	if got := blockkit.Clip(s, 10); got != s {
		t.Errorf("got %q, want it unchanged", got)
	}
	if got := blockkit.Clip(s, 5); got != "éééé…" {
		t.Errorf("got %q, want éééé…", got)
	}
}

// TestTierLimitsRolling: /quota tier names a rolling window by its span.
func TestTierLimitsRolling(t *testing.T) {
	t.Parallel()
	tiers := quota.DefaultTiers()
	tiers["recruiter"] = quota.Tier{Limits: map[quota.Kind][]quota.Limit{
		quota.Message: {{Window: quota.Day, Max: 100}},
		"invite":      {{Span: 7 * 24 * time.Hour, Max: 100}, {Window: quota.Day, Max: 30}, {Span: 36 * time.Hour, Max: 60}},
	}}
	plan, err := quota.NewPlan(tiers, "free")
	if err != nil {
		t.Fatal(err)
	}
	want := "messages 100 a day; invitations 30 a day and 60 in any 36 hours and 100 in any 7 days."
	if got := tierLimits(plan, plan.Tier("recruiter")); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
