package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Default schedules (docs/ARCHITECTURE.md §2): the reset note at midnight, the monthly
// summary at nine on the 1st, both in the configured time zone.
const (
	DefaultDaily   = "0 0 * * *"
	DefaultMonthly = "0 9 1 * *"
)

// specParser accepts the five classic fields and descriptors such as
// @daily and @every 1h. It has no seconds field, so that a spec means the
// same here as in crontab(5).
var specParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// specHelp ends every schedule error, so that the fix is in the message.
const specHelp = `want 5 fields, minute hour day-of-month month day-of-week, such as "0 9 1 * *", or a descriptor such as @daily or @every 1h`

// neverBefore is where ParseSchedule looks for a first firing. It is fixed,
// not the current time, so that a spec is accepted or refused the same way
// on every run; a leap year, so that "0 0 29 2 *" counts as firing.
var neverBefore = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Cron is a schedule of the config: a cron spec, parsed once, with the spec
// as written kept for messages and logs. Its Next works in the location of
// the time it is given, so pass times in Config.Timezone (a cron.Cron made
// with cron.WithLocation does). It converts to scheduler.Schedule, which
// has its shape.
type Cron struct {
	cron.Schedule
	// Spec is the cron spec as written, such as "0 9 1 * *".
	Spec string
}

// String returns the spec as written.
func (c Cron) String() string { return c.Spec }

// ParseSchedule parses a cron spec the way the config does. It takes five
// fields ("0 9 1 * *") or a descriptor ("@daily", "@every 1h").
//
// A TZ= or CRON_TZ= prefix is refused: schedules run in the config's
// timezone, and one place to say it is clearer than two. (robfig/cron
// v3.0.1 can also panic on a malformed prefix.) A spec that can never fire,
// such as "0 0 30 2 *", is refused too, since a summary that silently
// never goes out is worse than a start-up error.
func ParseSchedule(spec string) (c Cron, err error) {
	s := strings.TrimSpace(spec)
	switch {
	case s == "":
		return Cron{}, errors.New("empty schedule (" + specHelp + ")")
	case strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ="):
		return Cron{}, fmt.Errorf("%q: a TZ= or CRON_TZ= prefix is not allowed: schedules run in the time zone set by `timezone`; remove the prefix", spec)
	case strings.HasPrefix(s, "@every "):
		// cron.Every turns anything under a second, negative durations
		// included, into one second: "@every -1h" would post every second.
		if d, err := time.ParseDuration(strings.TrimSpace(s[len("@every "):])); err == nil && d < time.Minute {
			return Cron{}, fmt.Errorf("%q: @every needs a duration of at least 1m, such as @every 1h", spec)
		}
	}
	defer func() {
		// The parser is unmaintained and has panicked on malformed input
		// before; a config error is the right outcome, not a crash.
		if r := recover(); r != nil {
			c, err = Cron{}, fmt.Errorf("%q is not a valid schedule (%v; %s)", spec, r, specHelp)
		}
	}()
	sched, err := specParser.Parse(s)
	if err != nil {
		return Cron{}, fmt.Errorf("%q is not a valid schedule: %v (%s)", spec, err, specHelp)
	}
	if sched.Next(neverBefore).IsZero() {
		return Cron{}, fmt.Errorf("%q never fires: no date matches it (check the day of the month against the month)", spec)
	}
	return Cron{Schedule: sched, Spec: spec}, nil
}

// mustParseSchedule parses one of the default specs, which always parse.
func mustParseSchedule(spec string) Cron {
	c, err := ParseSchedule(spec)
	if err != nil {
		panic("config: default schedule: " + err.Error())
	}
	return c
}
