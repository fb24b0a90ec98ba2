package config_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quotabot/quotabot/config"
	"github.com/quotabot/quotabot/quota"
)

// FuzzParse feeds Parse arbitrary files, starting from the seeds in
// testdata/fuzz/FuzzParse. Parse must never panic; what it refuses must be
// an *Error that names the file; and what it accepts must be a config the
// rest of the bot can rely on without checking again.
//
//	go test ./config -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse("fuzz.yml", data)
		if err != nil {
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %T %v, want a *config.Error", err, err)
			}
			// YAML breaks lines at \r\n, \n and a lone \r alike.
			norm := bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
			lines := bytes.Count(norm, []byte("\n")) + 1
			if ce.File != "fuzz.yml" || ce.Line < 0 || ce.Line > lines || ce.Reason == "" {
				t.Fatalf("got file %q, line %d of %d, reason %q: want fuzz.yml, a line in the file and a reason", ce.File, ce.Line, lines, ce.Reason)
			}
			if !strings.HasPrefix(err.Error(), "fuzz.yml") {
				t.Fatalf("got %q, want it to start with the file name", err)
			}
			return
		}
		checkValid(t, c)
	})
}

// checkValid holds the promises Config's doc makes.
func checkValid(t *testing.T, c config.Config) {
	t.Helper()
	if c.Timezone == nil {
		t.Error("timezone: got nil, want a location")
	}
	if _, ok := c.Plan.Tiers[c.DefaultTier]; !ok || c.Plan.DefaultTier != c.DefaultTier {
		t.Errorf("default tier %q (plan's %q) is not among %v", c.DefaultTier, c.Plan.DefaultTier, c.Plan.TierNames())
	}
	for _, builtin := range []string{"free", "premium"} {
		if _, ok := c.Plan.Tiers[builtin]; !ok {
			t.Errorf("built-in tier %s is gone", builtin)
		}
	}
	for name, tier := range c.Plan.Tiers {
		if tier.Name != name || len(tier.Limits) == 0 {
			t.Errorf("tier %q: got name %q and %d kinds, want its own name and a kind", name, tier.Name, len(tier.Limits))
		}
		for k, limits := range tier.Limits {
			if _, err := c.Plan.ParseKind(string(k)); err != nil || len(limits) == 0 {
				t.Errorf("tier %s, kind %q: got %v and %d limits, want a known kind with limits", name, k, err, len(limits))
			}
			for _, l := range limits {
				calendar := !l.Rolling() && l.Window >= quota.Day && l.Window <= quota.Month
				rolling := l.Rolling() && l.Window == 0 && l.Span >= quota.MinSpan && l.Span <= quota.MaxSpan && l.Span%time.Hour == 0
				if l.Max < 0 || l.Max > config.MaxLimit || !calendar && !rolling {
					t.Errorf("tier %s, kind %s: got limit %d per %v (span %v), want 0 to %d per day, week, month or whole hours from 1h to 366d", name, k, l.Max, l.Window, l.Span, config.MaxLimit)
				}
			}
		}
	}
	if _, err := quota.NewPlan(c.Plan.Tiers, c.DefaultTier); err != nil {
		t.Errorf("the plan does not rebuild: %v", err)
	}
	for _, s := range []config.Cron{c.Schedule.Daily, c.Schedule.Monthly} {
		if _, err := config.ParseSchedule(s.Spec); err != nil || s.Schedule == nil {
			t.Errorf("schedule %q: %v, parsed %v", s.Spec, err, s.Schedule)
		}
	}
	if c.Channel != "" && !strings.ContainsAny(c.Channel[:1], "CGD") {
		t.Errorf("channel: got %q, want a channel ID", c.Channel)
	}
	for _, id := range c.Admins {
		if id == "" || !strings.ContainsAny(id[:1], "UW") {
			t.Errorf("admin: got %q, want a user ID", id)
		}
	}
}
