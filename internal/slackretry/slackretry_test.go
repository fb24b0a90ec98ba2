package slackretry_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/internal/slackretry"
)

// slackErr is the error a real slack-go client returns for one
// auth.test answered as f says.
func slackErr(t *testing.T, f slackfake.Failure) error {
	t.Helper()
	fake := slackfake.New(t)
	fake.Fail("auth.test", f)
	_, err := slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL())).AuthTestContext(context.Background())
	if err == nil {
		t.Fatalf("auth.test answered %+v: got no error", f)
	}
	return err
}

// refusedErr is the error slack-go returns when nothing listens.
func refusedErr(t *testing.T) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/api/"
	ln.Close()
	_, err = slack.New("xoxb-test", slack.OptionAPIURL(url)).AuthTestContext(context.Background())
	if err == nil {
		t.Fatal("a call to a closed port: got no error")
	}
	return err
}

// timeoutErr is the error slack-go returns for a call whose context ends
// before Slack answers.
func timeoutErr(t *testing.T) error {
	t.Helper()
	fake := slackfake.New(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	fake.Handle("chat.postMessage", func(slackfake.Call) any {
		<-release
		return map[string]any{"ok": true}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err := slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL())).PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false))
	if err == nil {
		t.Fatal("a call past its deadline: got no error")
	}
	return err
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		err   func(t *testing.T) error
		class slackretry.Class
		wait  time.Duration // before the first retry; 0: none
	}{
		{"429 with Retry-After 7", func(t *testing.T) error { return slackErr(t, slackfake.Failure{Status: 429, RetryAfter: 7}) },
			slackretry.RateLimited, 7 * time.Second},
		{"429 without Retry-After", func(t *testing.T) error { return slackErr(t, slackfake.Failure{Status: 429}) },
			slackretry.RateLimited, time.Second},
		// What slack-go returns for "Retry-After: 0", which the fake
		// does not send.
		{"429 with Retry-After 0", func(*testing.T) error { return &slack.RateLimitedError{RetryAfter: 0} },
			slackretry.RateLimited, time.Second},
		{"429 with a huge Retry-After", func(t *testing.T) error { return slackErr(t, slackfake.Failure{Status: 429, RetryAfter: 30 * 86400}) },
			slackretry.RateLimited, time.Hour},
		{"500", func(t *testing.T) error { return slackErr(t, slackfake.Failure{Status: 500}) },
			slackretry.Unknown, 2 * time.Second},
		{"503", func(t *testing.T) error { return slackErr(t, slackfake.Failure{Status: 503}) },
			slackretry.Unknown, 2 * time.Second},
		{"connection refused", refusedErr, slackretry.Unknown, 2 * time.Second},
		{"timeout", timeoutErr, slackretry.Unknown, 2 * time.Second},
		{"ok:false fatal_error", func(t *testing.T) error { return slackErr(t, slackfake.Failure{Error: "fatal_error"}) },
			slackretry.Busy, 2 * time.Second},
		{"ok:false channel_not_found", func(t *testing.T) error { return slackErr(t, slackfake.Failure{Error: "channel_not_found"}) },
			slackretry.Permanent, 0},
		{"ok:false invalid_auth", func(t *testing.T) error {
			fake := slackfake.New(t)
			fake.SetAuthError("invalid_auth")
			_, err := slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL())).AuthTestContext(context.Background())
			return err
		}, slackretry.Permanent, 0},
		{"404", func(t *testing.T) error { return slackErr(t, slackfake.Failure{Status: 404}) },
			slackretry.Permanent, 0},
		{"cancelled", func(*testing.T) error { return context.Canceled }, slackretry.Permanent, 0},
		{"nil", func(*testing.T) error { return nil }, slackretry.Permanent, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.err(t)
			if got := slackretry.Classify(err); got != tc.class {
				t.Errorf("Classify(%v) = %v, want %v", err, got, tc.class)
			}
			wait, ok := slackretry.Wait(err, 1)
			if wait != tc.wait || ok != (tc.wait > 0) {
				t.Errorf("Wait(%v, 1) = %v, %v; want %v, %v", err, wait, ok, tc.wait, tc.wait > 0)
			}
			ra, ok := slackretry.RetryAfter(err)
			if want := tc.class == slackretry.RateLimited; ok != want || ok && ra != tc.wait {
				t.Errorf("RetryAfter(%v) = %v, %v; want %v, %v", err, ra, ok, tc.wait, want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	var got []time.Duration
	for n := range 12 {
		got = append(got, slackretry.Backoff(n))
	}
	s := time.Second
	want := []time.Duration{2 * s, 2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 64 * s, 128 * s, 256 * s, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute}
	if !slices.Equal(got, want) {
		t.Errorf("Backoff(0…11) = %v, want %v", got, want)
	}
	if got := slackretry.Backoff(1 << 20); got != slackretry.MaxBackoff {
		t.Errorf("Backoff of a huge n = %v, want the cap", got)
	}
}

// TestStatusError: a plain post to a response_url is read as slack-go
// reads a Web API call.
func TestStatusError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		failure *slackfake.Failure
		class   slackretry.Class
		wait    time.Duration
	}{
		{"200", nil, slackretry.Permanent, 0},
		{"429 with Retry-After 3", &slackfake.Failure{Status: 429, RetryAfter: 3}, slackretry.RateLimited, 3 * time.Second},
		{"429 without Retry-After", &slackfake.Failure{Status: 429}, slackretry.RateLimited, time.Second},
		{"429 with a huge Retry-After", &slackfake.Failure{Status: 429, RetryAfter: 1 << 40}, slackretry.RateLimited, time.Hour},
		{"502", &slackfake.Failure{Status: 502}, slackretry.Unknown, 2 * time.Second},
		{"404", &slackfake.Failure{Status: 404}, slackretry.Permanent, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := slackfake.New(t)
			if tc.failure != nil {
				fake.Fail("response_url", *tc.failure)
			}
			resp, err := http.Post(fake.ResponseURL(), "application/json", strings.NewReader(`{"text":"hi"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			err = slackretry.StatusError(resp)
			if (err == nil) != (tc.failure == nil) {
				t.Fatalf("StatusError of %s = %v", resp.Status, err)
			}
			if got := slackretry.Classify(err); got != tc.class {
				t.Errorf("Classify(%v) = %v, want %v", err, got, tc.class)
			}
			if got, _ := slackretry.Wait(err, 1); got != tc.wait {
				t.Errorf("Wait(%v, 1) = %v, want %v", err, got, tc.wait)
			}
		})
	}
}

// sleeps records the waits of Do without waiting.
type sleeps []time.Duration

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	*s = append(*s, d)
	return ctx.Err()
}

func TestDo(t *testing.T) {
	t.Parallel()
	s := time.Second
	for _, tc := range []struct {
		name     string
		policy   slackretry.Policy
		failures []slackfake.Failure
		calls    int
		waits    []time.Duration
		fails    bool
	}{
		{"429s wait their Retry-After", slackretry.Interactive,
			[]slackfake.Failure{{Status: 429, RetryAfter: 7}, {Status: 429}}, 3, []time.Duration{7 * s, s}, false},
		{"5xx back off", slackretry.Background,
			[]slackfake.Failure{{Status: 500}, {Status: 503}, {Status: 502}}, 4, []time.Duration{2 * s, 4 * s, 8 * s}, false},
		{"a permanent error is not retried", slackretry.Background,
			[]slackfake.Failure{{Error: "channel_not_found"}}, 1, nil, true},
		{"past the attempts the last error stands", slackretry.Interactive,
			[]slackfake.Failure{{Status: 500}, {Status: 500}, {Status: 500}}, 3, []time.Duration{2 * s, 4 * s}, true},
		{"a wait past MaxWait is not begun", slackretry.Interactive,
			[]slackfake.Failure{{Status: 429, RetryAfter: 30}, {Status: 429, RetryAfter: 31}}, 2, []time.Duration{30 * s}, true},
		{"Background waits as long as Slack asks", slackretry.Background,
			[]slackfake.Failure{{Status: 429, RetryAfter: 1800}}, 2, []time.Duration{1800 * s}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := slackfake.New(t)
			for _, f := range tc.failures {
				fake.Fail("auth.test", f)
			}
			api := slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL()))
			var slept sleeps
			var told []slackretry.Retry
			err := tc.policy.Do(context.Background(), slept.sleep, func(r slackretry.Retry) { told = append(told, r) }, func() error {
				_, err := api.AuthTestContext(context.Background())
				return err
			})
			if (err != nil) != tc.fails {
				t.Errorf("Do = %v, want an error: %v", err, tc.fails)
			}
			if n := len(fake.Calls("auth.test")); n != tc.calls {
				t.Errorf("got %d calls, want %d", n, tc.calls)
			}
			if !slices.Equal(slept, tc.waits) {
				t.Errorf("waited %v, want %v", slept, tc.waits)
			}
			if len(told) != len(slept) {
				t.Fatalf("told of %d retries, want %d", len(told), len(slept))
			}
			for i, r := range told {
				if r.Call != i+2 || r.Wait != slept[i] || r.Err == nil {
					t.Errorf("retry %d: got %+v, want call %d after %v", i, r, i+2, slept[i])
				}
			}
		})
	}
}

// TestDoCancelledMidWait: a context that ends during a wait ends Do at
// once, with the context's error and the call's.
func TestDoCancelledMidWait(t *testing.T) {
	t.Parallel()
	limited := slackErr(t, slackfake.Failure{Status: 429, RetryAfter: 30})
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		start := time.Now()
		calls := 0
		go func() {
			time.Sleep(10 * time.Second)
			cancel()
		}()
		err := slackretry.Background.Do(ctx, nil, nil, func() error { calls++; return limited })
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "rate limit") {
			t.Errorf("Do = %v, want context.Canceled after the 429", err)
		}
		if d := time.Since(start); d != 10*time.Second {
			t.Errorf("Do returned after %v, want 10s, when the context ended", d)
		}
		if calls != 1 {
			t.Errorf("got %d calls, want 1", calls)
		}
	})
}

// TestDoEndedContext: a call that fails because its context ended is not
// retried.
func TestDoEndedContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	var slept sleeps
	err := slackretry.Background.Do(ctx, slept.sleep, nil, func() error {
		calls++
		cancel()
		return errors.New("read: connection reset")
	})
	if err == nil || calls != 1 || len(slept) != 0 {
		t.Errorf("got %v after %d calls and waits %v; want the error, 1 call, no wait", err, calls, slept)
	}
}
