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

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/slackretry"
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

// Identify asks Slack who the bot token belongs to, retrying under
// slackretry's interactive policy while Slack rate-limits the call or does
// not answer. An error names the setting to fix.
func Identify(ctx context.Context, api AuthTester, log *slog.Logger) (Identity, error) {
	var res *slack.AuthTestResponse
	err := retry(ctx, log, "auth.test", func() error {
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

// retry calls f, one Slack call named what, under slackretry's
// interactive policy, logging each retry.
func retry(ctx context.Context, log *slog.Logger, what string, f func() error) error {
	return slackretry.Interactive.Do(ctx, nil, logRetry(log, what), f)
}

// logRetry logs a retry of the call named what; nil with no log.
func logRetry(log *slog.Logger, what string) func(slackretry.Retry) {
	if log == nil {
		return nil
	}
	return func(r slackretry.Retry) {
		log.Warn("Slack call failed; trying again", "call", what, "why", slackretry.Classify(r.Err).String(),
			"wait", r.Wait, "attempt", r.Call, "err", r.Err)
	}
}

// postResponse posts r to a response_url, once, retrying under
// slackretry's interactive policy only a post that was rate limited, got a
// 5xx or did not get through; its three posts at most stay within the five
// Slack takes on one address. The address is never logged or put in an
// error: it carries a secret of its own.
func (b *Bot) postResponse(ctx context.Context, url string, r commands.Reply) error {
	body, err := json.Marshal(wire(r))
	if err != nil {
		return fmt.Errorf("post to response_url: %w", err)
	}
	return retry(ctx, b.log, "response_url", func() error { return b.postOnce(ctx, url, body) })
}

// postOnce posts body once. Its error reads as slack-go's would, for
// slackretry to classify.
func (b *Bot) postOnce(ctx context.Context, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return errors.New("post to response_url: malformed address")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("post to response_url: %w", ctx.Err())
		}
		// The *url.Error would repeat the address; keep only its cause.
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("post to response_url: %w", err)
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	if err := slackretry.StatusError(resp); err != nil {
		if msg = bytes.TrimSpace(msg); len(msg) > 0 && slackretry.Classify(err) != slackretry.RateLimited {
			return fmt.Errorf("post to response_url: %w: %s", err, msg)
		}
		return fmt.Errorf("post to response_url: %w", err)
	}
	return nil
}
