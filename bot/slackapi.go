package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	neturl "net/url"
	"strconv"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/wait"
)

// Identity is who the bot is in Slack, as auth.test reports it.
type Identity struct {
	TeamID       string
	Team         string
	EnterpriseID string // for an org-wide install on Enterprise Grid
	UserID       string // the bot's own user
	BotID        string
	// AppID is the bot's app. auth.test does not say it; Socket Mode
	// learns it from Slack's hello. Empty: not checked until known.
	AppID string
}

// AuthTester is the part of the Web API Identify calls; *slack.Client is
// one.
type AuthTester interface {
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
}

var _ AuthTester = (*slack.Client)(nil)

// Identify asks Slack who the bot token belongs to, retrying while Slack
// rate-limits the call. An error names the setting to fix.
func Identify(ctx context.Context, api AuthTester, log *slog.Logger) (Identity, error) {
	var res *slack.AuthTestResponse
	err := retry429(ctx, log, "auth.test", func() error {
		var err error
		res, err = api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) {
			switch se.Err {
			case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type":
				return Identity{}, fmt.Errorf("auth.test: Slack refused SLACK_BOT_TOKEN (%s): set it to the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page, and reinstall the app if it was revoked", se.Err)
			}
		}
		return Identity{}, fmt.Errorf("auth.test: cannot reach Slack to check SLACK_BOT_TOKEN: %w (is SLACK_API_URL right, if set?)", err)
	}
	return Identity{TeamID: res.TeamID, Team: res.Team, EnterpriseID: res.EnterpriseID, UserID: res.UserID, BotID: res.BotID}, nil
}

// maxRetries429 bounds how often one call is tried again after a 429.
const maxRetries429 = 5

// retry429 calls f until it is not rate limited, waiting each time for the
// Retry-After Slack gave (at least a second), at most maxRetries429 times.
func retry429(ctx context.Context, log *slog.Logger, what string, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || attempt >= maxRetries429 {
			return err
		}
		pause := max(rl.RetryAfter, time.Second)
		if log != nil {
			log.Warn("rate limited by Slack; waiting as asked", "call", what, "retry_after", pause)
		}
		if err := wait.For(ctx, pause); err != nil {
			return err
		}
	}
}

// postAttempts bounds the posts of one reply to a response_url. Slack takes
// 5 posts on one address in 30 minutes; a reply is meant to be one of them,
// and a retry happens only when Slack said 429 or the post did not get
// through, so at most this many can count.
const postAttempts = 3

// maxRetryAfter caps a response_url's Retry-After: a reply minutes late is
// no longer an answer.
const maxRetryAfter = time.Minute

// postResponse posts r to a response_url, once, retrying only a post that
// was rate limited or did not get through. The address is never logged or
// put in an error: it carries a secret of its own.
func (b *Bot) postResponse(ctx context.Context, url string, r commands.Reply) error {
	body, err := json.Marshal(wire(r))
	if err != nil {
		return fmt.Errorf("post to response_url: %w", err)
	}
	var last error
	for attempt := 1; attempt <= postAttempts; attempt++ {
		pause, err := b.postOnce(ctx, url, body)
		if err == nil {
			return nil
		}
		last = err
		if pause == 0 {
			return err
		}
		if attempt < postAttempts {
			if err := wait.For(ctx, pause); err != nil {
				return fmt.Errorf("post to response_url: %w (after %v)", err, last)
			}
		}
	}
	return last
}

// postOnce posts body and returns how long to wait before trying again,
// or 0 when trying again would not help.
func (b *Bot) postOnce(ctx context.Context, url string, body []byte) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, errors.New("post to response_url: malformed address")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("post to response_url: %w", ctx.Err())
		}
		// The *url.Error would repeat the address; keep only its cause.
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return time.Second, fmt.Errorf("post to response_url: %w", err)
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		pause := time.Second
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			pause = min(time.Duration(s)*time.Second, maxRetryAfter)
		}
		return pause, fmt.Errorf("post to response_url: rate limited (Retry-After %v)", pause)
	case resp.StatusCode/100 == 2:
		return 0, nil
	}
	return 0, fmt.Errorf("post to response_url: %s: %s", resp.Status, bytes.TrimSpace(msg))
}
