// Package slackretry is quotabot's one policy for calling Slack again after
// a call failed: which failures another call can cure, how long to wait
// before it, and when to stop. The bot, the App Home, the scheduler and
// the admin check all take it from here, so that they cannot disagree.
//
// The policy, in numbers:
//
//   - A 429 waits what Slack's Retry-After says, at least [MinRetryAfter]
//     (a Retry-After of 0, or none, means "soon", not "now") and at most
//     [MaxRetryAfter] (a longer one is a broken header, not an instruction).
//   - A 5xx, a network error or a timeout, and an ok:false that is Slack's
//     own trouble (internal_error and the like), back off: [FirstBackoff],
//     doubling with each retry, up to [MaxBackoff].
//   - Any other ok:false (channel_not_found, invalid_auth, …), and any
//     other 4xx, is Slack's answer, and the same call gets the same answer:
//     it is not retried.
//   - A [Policy] bounds the calls and the time spent waiting between them:
//     [Interactive] when a person waits for the outcome, [Background] when
//     nobody does.
//
// The classes say what a caller may assume about the failed call: after
// [RateLimited] and [Busy] Slack did nothing; after [Unknown] it may have
// done it, and a caller whose call is not safe to repeat (a chat.postMessage)
// must look before calling again.
package slackretry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/wait"
)

// The waits of the policy.
const (
	// MinRetryAfter is the least a 429 waits, whatever its Retry-After.
	MinRetryAfter = time.Second
	// MaxRetryAfter is the most a 429 waits, whatever its Retry-After.
	MaxRetryAfter = time.Hour
	// FirstBackoff is the wait before the first retry of a call that got
	// a 5xx or no answer; each further retry waits twice the one before.
	FirstBackoff = 2 * time.Second
	// MaxBackoff caps the doubling.
	MaxBackoff = 5 * time.Minute
)

// Class is what a failed call means for calling again.
type Class int

const (
	// Permanent: Slack answered, and would answer the same again (an
	// ok:false such as channel_not_found or invalid_auth, a 4xx), or the
	// caller gave up (its context was cancelled). Not retried.
	Permanent Class = iota
	// RateLimited: Slack answered 429 and did nothing. Retried after the
	// Retry-After.
	RateLimited
	// Busy: Slack answered ok:false for trouble of its own
	// (internal_error, service_unavailable, …) and did nothing. Retried
	// with backoff.
	Busy
	// Unknown: a 5xx, a timeout, a network error, or an answer that
	// could not be read; the call may have taken effect. Retried with
	// backoff.
	Unknown
)

func (c Class) String() string {
	switch c {
	case RateLimited:
		return "rate limited"
	case Busy:
		return "busy"
	case Unknown:
		return "no answer"
	}
	return "permanent"
}

// busyErrors are the ok:false answers that are Slack's own trouble.
var busyErrors = map[string]bool{
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
	"ratelimited":         true,
}

// Classify says what err, returned by a slack-go call (or by [StatusError]
// for a plain HTTP call to Slack), means for calling again. A nil err is
// Permanent: there is nothing to retry.
func Classify(err error) Class {
	var rl *slack.RateLimitedError
	var se slack.SlackErrorResponse
	var sc slack.StatusCodeError
	var ne net.Error
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return Permanent
	case errors.As(err, &rl):
		return RateLimited
	case errors.As(err, &se):
		if busyErrors[se.Err] {
			return Busy
		}
		return Permanent
	case errors.As(err, &sc):
		switch {
		case sc.Code == http.StatusTooManyRequests:
			return RateLimited // a 429 without a Retry-After
		case sc.Code >= 500:
			return Unknown
		}
		return Permanent
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return Unknown
	}
	// Anything else (a reset connection, a garbled answer): the request
	// may have reached Slack.
	return Unknown
}

// RetryAfter is how long a 429 asks to wait, within [MinRetryAfter,
// MaxRetryAfter]; false when err is not a 429.
func RetryAfter(err error) (time.Duration, bool) {
	if Classify(err) != RateLimited {
		return 0, false
	}
	var d time.Duration
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		d = rl.RetryAfter
	}
	return min(max(d, MinRetryAfter), MaxRetryAfter), true
}

// Backoff is the wait before retry number n (1 for the first) of a call
// that got a 5xx or no answer.
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := FirstBackoff
	for i := 1; i < n && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// Wait is how long to wait before retry number n (1 for the first) of a
// call that failed with err; false when another call cannot help.
func Wait(err error, n int) (time.Duration, bool) {
	switch Classify(err) {
	case RateLimited:
		return RetryAfter(err)
	case Busy, Unknown:
		return Backoff(n), true
	}
	return 0, false
}

// StatusError is what slack-go would return for an HTTP answer to a plain
// call to Slack (a post to a response_url), so that Classify reads it like
// any other: nil for a 2xx, a *slack.RateLimitedError for a 429 with a
// Retry-After in seconds, a slack.StatusCodeError otherwise.
func StatusError(resp *http.Response) error {
	if resp.StatusCode/100 == 2 {
		return nil
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			return &slack.RateLimitedError{RetryAfter: time.Duration(min(s, int(MaxRetryAfter/time.Second))) * time.Second}
		}
	}
	return slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
}

// Policy bounds the retries of one call.
type Policy struct {
	// Attempts bounds the calls, the first one included; 0 means no
	// bound.
	Attempts int
	// MaxWait bounds the time spent waiting between the calls, in all: a
	// wait that would take the total past it is not begun, and the last
	// error stands. 0 means no bound.
	MaxWait time.Duration
}

// Interactive is the policy for a call a person is waiting on: a reply, a
// Home tab, the bot starting. Three calls at most, which also keeps a
// reply within the five posts Slack takes on one response_url; and no more
// than a minute of waiting, since a reply minutes late is no longer an
// answer.
var Interactive = Policy{Attempts: 3, MaxWait: time.Minute}

// Background is the policy for a call nobody waits on: a scheduled post.
// Ten calls, each wait as long as Slack asks; a post still not out after
// them stays owed, for the next firing.
var Background = Policy{Attempts: 10}

// Next says whether to call again after call number n (1 for the first)
// failed with err, when waited has been spent waiting so far, and how long
// to wait first.
func (p Policy) Next(err error, n int, waited time.Duration) (time.Duration, bool) {
	if p.Attempts > 0 && n >= p.Attempts {
		return 0, false
	}
	d, ok := Wait(err, n)
	if !ok || p.MaxWait > 0 && waited+d > p.MaxWait {
		return 0, false
	}
	return d, true
}

// Retry is one wait of [Policy.Do], before call number Call.
type Retry struct {
	Call int
	Err  error // what the call before it returned
	Wait time.Duration
}

// Do calls f until it returns nil, fails in a way another call cannot
// help, or p is spent, waiting between the calls as [Policy.Next] says.
// It returns f's last error; when ctx ends during a wait, ctx's error,
// wrapped with f's last. Before each wait it tells onRetry, if not nil
// (for a log line); sleep waits, nil meaning for real (tests give one
// that records the waits instead).
func (p Policy) Do(ctx context.Context, sleep func(context.Context, time.Duration) error, onRetry func(Retry), f func() error) error {
	if sleep == nil {
		sleep = wait.For
	}
	var waited time.Duration
	for n := 1; ; n++ {
		err := f()
		if err == nil || ctx.Err() != nil {
			return err
		}
		d, ok := p.Next(err, n, waited)
		if !ok {
			return err
		}
		if onRetry != nil {
			onRetry(Retry{Call: n + 1, Err: err, Wait: d})
		}
		if werr := sleep(ctx, d); werr != nil {
			return fmt.Errorf("%w (waiting to try again after: %v)", werr, err)
		}
		waited += d
	}
}
