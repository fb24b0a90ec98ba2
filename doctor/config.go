package doctor

import (
	"fmt"
	"time"

	"github.com/quotabot/quotabot/config"
)

// runLayout is how a schedule's next runs are shown, in the zone.
const runLayout = "Mon 2 Jan 2006 15:04 MST"

// Config reports the loaded config (path is --config, "" for the built-in
// defaults) and, with a channel set, each schedule's next two runs after
// now in the config's zone. A config that did not load is one failed
// check, err, whose message names the file, line and fix.
func Config(cfg config.Config, path string, err error, now time.Time) []Check {
	if err != nil {
		return []Check{fail("config", err.Error(), "fix the file as the message says; quotabot serve refuses to start on it")}
	}
	what := "no --config: the built-in settings"
	if path != "" {
		what = path + " loads"
	}
	checks := []Check{pass("config", fmt.Sprintf("%s (timezone %s, default tier %s)", what, cfg.Timezone, cfg.DefaultTier))}
	if cfg.Channel == "" {
		return checks
	}
	checks = append(checks, scheduleCheck("schedule.daily", cfg.Schedule.Daily, cfg.Timezone, now),
		scheduleCheck("schedule.monthly", cfg.Schedule.Monthly, cfg.Timezone, now))
	return checks
}

// scheduleCheck shows a schedule's next two runs; the config has parsed
// it, and refused a spec that never fires.
func scheduleCheck(setting string, sched config.Cron, loc *time.Location, now time.Time) Check {
	first := sched.Next(now.In(loc))
	second := sched.Next(first)
	if first.IsZero() {
		return fail(setting, fmt.Sprintf("%q never runs", sched.Spec), "give a cron spec that fires, such as \"0 0 * * *\"")
	}
	return pass(setting, fmt.Sprintf("%q next runs %s, then %s", sched.Spec, first.Format(runLayout), second.Format(runLayout)))
}
