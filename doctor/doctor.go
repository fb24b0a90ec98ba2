// Package doctor checks a quotabot install against what it needs, before
// anything goes wrong later as a log line: the bot token and whose it is,
// the app token's Socket Mode connection, the scopes Slack granted against
// those the config needs, the channel for the scheduled posts and the
// bot's membership in it, and the schedules' next runs in the configured
// zone. Each check is one [Check]: passed, advice, or failed with the fix.
//
// `quotabot doctor` prints them (and the data directory's, which cmd
// checks itself); `quotabot serve` runs the Slack ones at start and logs
// what is not right.
//
// The checks talk to Slack's real Web API through slack-go; tests point it
// at internal/slackfake. The scopes come from the x-oauth-scopes header
// Slack puts on every Web API answer.
package doctor

import (
	"fmt"
	"io"
)

// Status is how a check came out.
type Status int

const (
	// Pass: as it should be.
	Pass Status = iota
	// Advice: works, but something is worth doing; not a failure.
	Advice
	// Fail: quotabot will not work as configured until it is fixed.
	Fail
)

func (s Status) String() string {
	switch s {
	case Pass:
		return "ok"
	case Advice:
		return "advice"
	}
	return "FAIL"
}

// Check is the outcome of one check.
type Check struct {
	Name   string // what was checked: "bot token", "scopes", "channel"
	Status Status
	Detail string // what was found
	Fix    string // what to do; "" when Status is Pass
}

// Line is the check as doctor prints it, on one line.
func (c Check) Line() string {
	s := fmt.Sprintf("%-6s %s: %s", c.Status, c.Name, c.Detail)
	if c.Fix != "" {
		s += " -> " + c.Fix
	}
	return s
}

// Report writes one line per check and a summary, and returns how many
// failed.
func Report(w io.Writer, checks []Check) (failed int, err error) {
	advice := 0
	for _, c := range checks {
		switch c.Status {
		case Fail:
			failed++
		case Advice:
			advice++
		}
		if _, err := fmt.Fprintln(w, c.Line()); err != nil {
			return failed, err
		}
	}
	summary := fmt.Sprintf("%d checks: %d passed, %d failed, %d advice", len(checks), len(checks)-failed-advice, failed, advice)
	if failed == 0 {
		summary += ": ready to serve"
	}
	_, err = fmt.Fprintln(w, summary)
	return failed, err
}

func pass(name, detail string) Check { return Check{Name: name, Status: Pass, Detail: detail} }

func advise(name, detail, fix string) Check {
	return Check{Name: name, Status: Advice, Detail: detail, Fix: fix}
}

func fail(name, detail, fix string) Check {
	return Check{Name: name, Status: Fail, Detail: detail, Fix: fix}
}
