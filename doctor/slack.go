package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/slack-go/slack"
)

// API is the part of Slack's Web API the checks call. *slack.Client has it.
type API interface {
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
	StartSocketModeContext(ctx context.Context) (*slack.SocketModeConnection, string, error)
	GetConversationInfoContext(ctx context.Context, input *slack.GetConversationInfoInput) (*slack.Channel, error)
}

var _ API = (*slack.Client)(nil)

// SlackOptions say what the config needs of Slack.
type SlackOptions struct {
	// SocketMode: SLACK_APP_TOKEN is set, so apps.connections.open must
	// answer. The check asks for a connection's address and does not dial
	// it: a connection of doctor's own would take envelopes (commands)
	// from a bot that is running.
	SocketMode bool
	// SkipSocket leaves the app token out; serve does, since its own
	// Socket Mode client opens the connection anyway.
	SkipSocket bool
	// Channel is the config's channel, "" with the scheduled posts off.
	Channel string
	// SkipChannel leaves the channel out: the config did not load, so
	// which channel is unknown.
	SkipChannel bool
	// NotifyNearLimit is the config's notify_near_limit: it needs im:write.
	NotifyNearLimit bool
}

// Required bot scopes, each with what needs it (manifest.yml's list).
var requiredScopes = []struct{ scope, why string }{
	{"commands", "/quota and /logsend"},
	{"chat:write", "the daily and monthly posts"},
	{"users:read", "telling workspace admins apart"},
}

// reinstall is how a scope is added, said once.
const reinstall = "add it under oauth_config.scopes.bot in the app's manifest (or OAuth & Permissions -> Bot Token Scopes), then reinstall the app: a scope counts only once the workspace approves it"

// Slack runs the checks that talk to Slack: the bot token, the app token,
// the granted scopes and the channel. A bot token Slack refuses ends them
// there, since every other call would be refused the same way.
func Slack(ctx context.Context, api API, opts SlackOptions) []Check {
	auth, err := api.AuthTestContext(ctx)
	if err != nil {
		return []Check{authFailure(err)}
	}
	bot := auth.User
	if bot == "" {
		bot = auth.UserID
	}
	checks := []Check{pass("bot token", fmt.Sprintf("workspace %s (%s), bot @%s (%s)", auth.Team, auth.TeamID, bot, auth.UserID))}
	switch {
	case opts.SkipSocket:
	case opts.SocketMode:
		checks = append(checks, socketCheck(ctx, api))
	default:
		checks = append(checks, pass("socket mode", "off: no SLACK_APP_TOKEN, so Slack's requests come over --http"))
	}
	checks = append(checks, scopeChecks(auth.Header, opts)...)
	if opts.SkipChannel {
		return checks
	}
	return append(checks, channelCheck(ctx, api, opts.Channel))
}

// authFailure says why auth.test failed and what to do.
func authFailure(err error) Check {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type":
			return fail("bot token", fmt.Sprintf("Slack refused SLACK_BOT_TOKEN (%s)", se.Err),
				"set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) on the app's OAuth & Permissions page; reinstall the app if it was revoked")
		}
		return fail("bot token", fmt.Sprintf("auth.test answered %s", se.Err), "check SLACK_BOT_TOKEN on the app's OAuth & Permissions page")
	}
	return fail("bot token", fmt.Sprintf("cannot reach Slack: %v", err),
		"check the network, and SLACK_API_URL if set (it should end in /api/)")
}

// socketCheck asks apps.connections.open for a Socket Mode address.
func socketCheck(ctx context.Context, api API) Check {
	_, _, err := api.StartSocketModeContext(ctx)
	if err == nil {
		return pass("socket mode", "SLACK_APP_TOKEN opens a connection (apps.connections.open)")
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "invalid_auth", "not_authed", "token_revoked", "not_allowed_token_type":
			return fail("socket mode", fmt.Sprintf("Slack refused SLACK_APP_TOKEN (%s)", se.Err),
				"generate an app-level token with the connections:write scope on the app's Basic Information page (App-Level Tokens) and set SLACK_APP_TOKEN to it (xapp-…)")
		}
		return fail("socket mode", fmt.Sprintf("apps.connections.open answered %s", se.Err),
			"turn Socket Mode on (the app's Settings -> Socket Mode), and check SLACK_APP_TOKEN has connections:write")
	}
	return fail("socket mode", fmt.Sprintf("cannot open a connection: %v", err), "check the network, and SLACK_API_URL if set")
}

// scopeChecks compares the scopes Slack granted with what the config needs.
func scopeChecks(h http.Header, opts SlackOptions) []Check {
	raw := h.Get("X-OAuth-Scopes")
	if raw == "" {
		return []Check{advise("scopes", "Slack did not say which scopes the token has (no x-oauth-scopes header)",
			"compare OAuth & Permissions -> Bot Token Scopes with manifest.yml by hand")}
	}
	var granted []string
	for s := range strings.SplitSeq(raw, ",") {
		granted = append(granted, strings.TrimSpace(s))
	}
	var checks []Check
	var missing, have []string
	for _, r := range requiredScopes {
		if slices.Contains(granted, r.scope) {
			have = append(have, r.scope)
		} else {
			missing = append(missing, fmt.Sprintf("%s (%s)", r.scope, r.why))
		}
	}
	if len(missing) > 0 {
		checks = append(checks, fail("scopes", "missing "+strings.Join(missing, ", "), reinstall))
	} else {
		checks = append(checks, pass("scopes", "granted "+strings.Join(have, ", ")))
	}
	if opts.NotifyNearLimit {
		if slices.Contains(granted, "im:write") {
			checks = append(checks, pass("scope im:write", "granted, for notify_near_limit's direct messages"))
		} else {
			checks = append(checks, fail("scope im:write", "notify_near_limit: true sends direct messages, and the token lacks im:write",
				reinstall+"; or set notify_near_limit: false"))
		}
	}
	if opts.Channel != "" && !slices.Contains(granted, "channels:history") && !slices.Contains(granted, "groups:history") {
		checks = append(checks, advise("scope channels:history", "not granted (advised): after a crash mid-post, the scheduler cannot look the post up and may post it twice",
			"if even that rare duplicate must not happen, add channels:history (groups:history for a private channel) and reinstall the app"))
	}
	return checks
}

// channelCheck checks that the channel exists and the bot is in it.
func channelCheck(ctx context.Context, api API, id string) Check {
	if id == "" {
		return advise("channel", "none in the config: the daily and monthly posts are off",
			"to turn them on, set channel: to the channel's ID (channel details -> About), such as C0123ABCD, and invite the bot there")
	}
	ch, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
	var se slack.SlackErrorResponse
	switch {
	case errors.As(err, &se) && se.Err == "missing_scope":
		return advise("channel", fmt.Sprintf("%s: cannot check it without channels:read (groups:read for a private channel), which manifest.yml leaves out", id),
			"make sure the bot is in it (/invite @quotabot in the channel); to have doctor check, add channels:read and reinstall")
	case errors.As(err, &se) && se.Err == "channel_not_found":
		return fail("channel", fmt.Sprintf("%s: no such channel that the bot can see", id),
			"set channel: to the ID of the channel (channel details -> About, at the bottom), such as C0123ABCD; for a private channel, invite the bot first (/invite @quotabot)")
	case err != nil:
		return fail("channel", fmt.Sprintf("%s: conversations.info failed: %v", id, err), "check channel: in the config")
	case ch.IsArchived:
		return fail("channel", fmt.Sprintf("#%s (%s) is archived", ch.Name, id), "unarchive it, or set channel: to another one")
	case !ch.IsMember:
		return fail("channel", fmt.Sprintf("the bot is not a member of #%s (%s), so it cannot post there", ch.Name, id),
			fmt.Sprintf("invite it: type /invite @quotabot in #%s", ch.Name))
	}
	return pass("channel", fmt.Sprintf("#%s (%s): the bot is a member", ch.Name, id))
}
