package doctor_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quotabot/quotabot/config"
	"github.com/quotabot/quotabot/doctor"
	"github.com/quotabot/quotabot/internal/testutil"
)

// Config shows each schedule's next two runs in the config's zone, on the
// wall clock there, across a daylight-saving change too.
func TestConfigShowsNextRunsInTheZone(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	cfg := config.Default()
	cfg.Timezone, cfg.Channel = ny, "C0123ABCD"
	// The evening before New York falls back (1 November 2026).
	now := time.Date(2026, 10, 31, 20, 0, 0, 0, ny)
	checks := doctor.Config(cfg, "quotabot.yml", nil, now)
	var lines []string
	for _, c := range checks {
		if c.Status != doctor.Pass {
			t.Errorf("%s: got %s, want ok", c.Name, c.Status)
		}
		lines = append(lines, c.Line())
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"ok     config: quotabot.yml loads (timezone America/New_York, default tier free)",
		`ok     schedule.daily: "0 0 * * *" next runs Sun 1 Nov 2026 00:00 EDT, then Mon 2 Nov 2026 00:00 EST`,
		`ok     schedule.monthly: "0 9 1 * *" next runs Sun 1 Nov 2026 09:00 EST, then Tue 1 Dec 2026 09:00 EST`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("got:\n%s\nwant a line %q", got, want)
		}
	}

	// Without a channel the posts are off, and no schedule is shown.
	if n := len(doctor.Config(config.Default(), "", nil, now)); n != 1 {
		t.Errorf("without a channel: %d checks, want just the config's", n)
	}
	// A config that does not load is one failed check with its message.
	bad := doctor.Config(config.Config{}, "x.yml", errors.New("x.yml:3: timezone: unknown"), now)
	if len(bad) != 1 || bad[0].Status != doctor.Fail || !strings.Contains(bad[0].Detail, "x.yml:3") {
		t.Errorf("a config that failed: got %+v, want one failed check naming the line", bad)
	}
}
