package wait_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/quotabot/quotabot/internal/wait"
)

func TestFor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := wait.For(context.Background(), 3*time.Second); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 3*time.Second {
			t.Errorf("waited %v, want 3s", got)
		}

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start = time.Now()
		if err := wait.For(ctx, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a wait past the context's end: got %v, want DeadlineExceeded", err)
		}
		if got := time.Since(start); got != time.Second {
			t.Errorf("a wait cut short returned after %v, want 1s", got)
		}
		if err := wait.For(ctx, 0); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("no wait on an ended context: got %v, want its error", err)
		}
		if err := wait.For(context.Background(), -time.Second); err != nil {
			t.Errorf("a negative wait: got %v, want nil", err)
		}
	})
}
