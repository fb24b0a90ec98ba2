package config

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/quotabot/quotabot/quota"
)

// Config is quotabot's configuration, checked: a Config from Load, Parse or
// Default holds a loaded time zone, schedules parsed by ParseSchedule, a
// plan whose default tier exists and admins that look like Slack user IDs.
type Config struct {
	// Timezone is where days, ISO weeks and months begin and where the
	// schedules run. Never nil.
	Timezone *time.Location
	// Channel is the Slack channel ID the scheduled posts go to, such as
	// C0123ABCD. Empty means no scheduled posts.
	Channel string
	// Schedule says when the scheduled posts go out.
	Schedule Schedule
	// DefaultTier is the tier a member is enrolled on when first seen. It is
	// always a tier of Plan, and equal to Plan.DefaultTier.
	DefaultTier string
	// Admins are the Slack user IDs (U… or W…) that may set other members'
	// tiers, on top of the workspace's own admins and owners.
	Admins []string
	// NotifyNearLimit asks the bot to send a direct message to a member who
	// has used 80% of a monthly limit. Off by default, since unasked-for
	// DMs annoy.
	NotifyNearLimit bool
	// Plan holds the tiers: the built-in free and premium, each replaced
	// whole by a tier of the same name in the file, plus the tiers the file
	// adds.
	Plan quota.Plan
}

// Schedule says when the scheduled posts go out: each a cron spec parsed
// once, here, for the scheduler to run.
type Schedule struct {
	// Daily posts the reset note with yesterday's totals. Default
	// DefaultDaily, at midnight.
	Daily Cron
	// Monthly posts last month's summary. Default DefaultMonthly, at nine
	// on the 1st.
	Monthly Cron
}

// DefaultTierName is the tier a new member starts on unless the file says
// otherwise.
const DefaultTierName = "free"

// MaxLimit is the largest limit a tier may set. LinkedIn's own limits are in
// the thousands, so anything near this is a typo; the bound also keeps
// sums of counts far from overflowing.
const MaxLimit = 1_000_000

// maxFileSize bounds what Load reads: a real config is a few hundred bytes.
const maxFileSize = 1 << 20

// Default returns the built-in configuration that applies without a config
// file: UTC, no channel, the default schedules, the built-in tiers with free
// as the default, no admins, no near-limit DMs.
func Default() Config {
	return Config{
		Timezone:    time.UTC,
		Schedule:    Schedule{Daily: mustParseSchedule(DefaultDaily), Monthly: mustParseSchedule(DefaultMonthly)},
		DefaultTier: DefaultTierName,
		Plan:        quota.DefaultPlan(),
	}
}

// Load reads and parses the YAML config file at path. Every error is an
// *Error naming the file; one that comes from reading it wraps the cause.
func Load(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, readError(path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return Config{}, readError(path, err)
	}
	if len(data) > maxFileSize {
		return Config{}, &Error{File: path, Reason: "the file is larger than 1 MiB; is --config pointing at the right file?"}
	}
	return Parse(path, data)
}

func readError(path string, err error) error {
	reason := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		// The path is already at the front of the message.
		reason = pe.Err.Error()
	}
	return &Error{File: path, Reason: "cannot read the config file: " + reason + " (check the --config path)", Err: err}
}
