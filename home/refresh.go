package home

import (
	"context"
	"time"

	"github.com/quotabot/quotabot/internal/slackretry"
	"github.com/quotabot/quotabot/internal/wait"
)

// Refresh asks for the member's home to be published again, soon, with
// whatever the ledger then holds; it returns at once. Asking again before
// that publish costs nothing more, and a member is published at most once
// per Options.Interval. Call it after any change that concerns the member,
// from any surface. Without Run it has no effect.
func (h *Home) Refresh(user string) {
	if user == "" {
		return
	}
	h.mu.Lock()
	if _, ok := h.dirty[user]; !ok {
		h.dirty[user] = h.opts.Now()
	}
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// Run publishes the homes Refresh asks for until ctx ends: one member at a
// time, each at most once per Options.Interval, the one waiting longest
// first, at most Options.PerMinute a minute, nothing during a 429's
// Retry-After. Start it once, in its own goroutine.
func (h *Home) Run(ctx context.Context) {
	for {
		user, wait := h.next(h.opts.Now())
		if user != "" {
			h.runOne(ctx, user)
			continue
		}
		var timer *time.Timer
		var fire <-chan time.Time
		if wait >= 0 {
			timer = time.NewTimer(wait)
			fire = timer.C
		}
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return
		case <-h.wake:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// next picks the member to publish now, or says how long to wait before
// one may be (-1: until Refresh wakes Run).
func (h *Home) next(now time.Time) (user string, wait time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.dirty) == 0 {
		return "", -1
	}
	if now.Before(h.backoff) {
		return "", h.backoff.Sub(now)
	}
	h.fillLocked(now)
	if h.tokens < 1 {
		// Rounded up to a millisecond, so that float rounding cannot
		// wake Run a hair too early, over and over.
		d := time.Duration((1 - h.tokens) / h.rate() * float64(time.Second))
		return "", d.Truncate(time.Millisecond) + time.Millisecond
	}
	wait = -1
	var since time.Time
	for u, asked := range h.dirty {
		if due := h.last[u].Add(h.opts.Interval); due.After(now) {
			if d := due.Sub(now); wait < 0 || d < wait {
				wait = d
			}
			continue
		}
		if user == "" || asked.Before(since) || asked.Equal(since) && u < user {
			user, since = u, asked
		}
	}
	if user != "" {
		return user, 0
	}
	return "", wait
}

// runOne publishes one member's home for Run. A 429 puts the member back
// for after the Retry-After; any other failure is logged and dropped, as
// the next change or the member opening the tab publishes again.
func (h *Home) runOne(ctx context.Context, user string) {
	err := h.publishOnce(ctx, user, "")
	switch {
	case err == nil:
	case slackretry.Classify(err) == slackretry.RateLimited:
		h.mu.Lock()
		if _, ok := h.dirty[user]; !ok {
			h.dirty[user] = h.opts.Now()
		}
		h.mu.Unlock()
	case ctx.Err() != nil:
	default:
		h.log.ErrorContext(ctx, "App Home not refreshed", "user", user, "err", err)
	}
	h.prune(h.opts.Now())
}

// prune forgets publish times older than Interval, which no longer hold
// anyone back, once there are many.
func (h *Home) prune(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.last) < 1024 {
		return
	}
	for u, at := range h.last {
		if now.Sub(at) >= h.opts.Interval {
			delete(h.last, u)
		}
	}
}

// rateLimited holds every publish back for Slack's Retry-After, as
// slackretry.RetryAfter bounds it.
func (h *Home) rateLimited(retryAfter time.Duration) {
	until := h.opts.Now().Add(retryAfter)
	h.mu.Lock()
	if until.After(h.backoff) {
		h.backoff = until
	}
	h.mu.Unlock()
	h.log.Warn("views.publish rate limited by Slack; waiting as asked", "retry_after", retryAfter)
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// waitBackoff waits for a Retry-After to end, if one runs.
func (h *Home) waitBackoff(ctx context.Context) error {
	h.mu.Lock()
	until := h.backoff
	h.mu.Unlock()
	if d := time.Until(until); d > 0 {
		return wait.For(ctx, d)
	}
	return nil
}

// rate is the bucket's refill in publishes per second.
func (h *Home) rate() float64 { return float64(h.opts.PerMinute) / 60 }

func (h *Home) fillLocked(now time.Time) {
	if !h.filled.IsZero() {
		h.tokens = min(h.burst, h.tokens+now.Sub(h.filled).Seconds()*h.rate())
	}
	h.filled = now
}

// takeLocked spends a token for a publish about to be made. Publishes a
// member is waiting for (a press, the tab opened) do not wait for one but
// still spend it, down to a debt of one burst, so Refresh's publishes make
// way for them.
func (h *Home) takeLocked(now time.Time) {
	h.fillLocked(now)
	h.tokens = max(h.tokens-1, -h.burst)
}
