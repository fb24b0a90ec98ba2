// Package wait pauses a goroutine for a while or until its context ends:
// the waits between retries of Slack calls and the Retry-After pauses that
// the bot, the scheduler and the App Home share.
package wait

import (
	"context"
	"time"
)

// For waits d, or until ctx ends, and then returns ctx's error. A d of
// zero or less returns at once (nil unless ctx has already ended).
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
